//! The flow editor's use cases: list the flows of each kind (with the built-in default where
//! none is configured), save a new flow or a new version of one, archive it. Everything that
//! could make an approval stick — a reachable step nobody can approve, an approver who cannot see
//! the object, a condition on a field that does not exist or on a tier, region or category the
//! brand does not have — is refused here, when the flow is saved. Steps are a list and "return"
//! only goes back, so a flow cannot loop.

use qudao_domain::access::{Permission, Role};
use qudao_domain::approvals::{Approver, Condition, Flow, Step, Subject, check_flow};
use qudao_domain::ids::{FlowId, UserId};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::approvals::{self as store, FlowRow, FlowWrite, people};
use qudao_store::catalog::masters;
use qudao_store::partners::{regions, tiers};
use qudao_store::{Tx, audit, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A flow as the editor sends it. Conditions and approvers are read field by field, so an
/// unknown condition field or approver kind is named with its place in the flow.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FlowInput {
    /// `order`, `return`, `credit_line`, `partner_onboarding` or `adjustment`.
    pub object_kind: String,
    /// Its name (`大额订单审批`).
    pub name: String,
    /// Where it is tried among the kind's flows (lowest first; default: last).
    #[serde(default)]
    pub position: Option<i64>,
    /// The flow applies only when this holds, e.g. `{"field":"amount_over","value":5000000}`
    /// (fen); `amount_over`, `tier_in`, `region_under` (a region code or path), `category_in`,
    /// `discount_over` (basis points).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub applies_if: Option<serde_json::Value>,
    /// The steps: `{"name", "branches": [{"approvers": [{"kind":"role","role":"finance"} |
    /// {"kind":"user","user":id} | {"kind":"channel_manager"} | {"kind":"region_manager"}],
    /// "mode": "any"|"all"}], "only_if"?, "escalate_after_ms"?}`.
    #[schema(value_type = Vec<Object>)]
    pub steps: Vec<serde_json::Value>,
    /// When saving a new version: the version edited (a flow saved by someone else meanwhile is
    /// refused rather than overwritten).
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// A flow as the editor shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlowView {
    /// Id (none: the built-in default, shown while no flow of its kind is configured).
    pub id: Option<FlowId>,
    /// Kind.
    pub object_kind: String,
    /// Name.
    pub name: String,
    /// Position.
    pub position: i64,
    /// Current version.
    pub version: i64,
    /// `active`, `archived`, or `builtin`.
    pub status: String,
    /// The definition.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Last change (none for the built-in default).
    pub updated_ms: Option<i64>,
    /// By whom.
    pub updated_by: Option<UserId>,
}

impl From<FlowRow> for FlowView {
    fn from(row: FlowRow) -> Self {
        FlowView {
            id: Some(row.id),
            object_kind: row.object_kind,
            name: row.name,
            position: row.position,
            version: row.version,
            status: row.status,
            definition: row.definition,
            updated_ms: Some(row.updated_ms),
            updated_by: Some(row.updated_by),
        }
    }
}

/// Every flow, in the order each kind's are tried, with the built-in default of a kind that has
/// none configured.
pub async fn list(app: &App, ctx: &Ctx, kind: Option<&str>) -> AppResult<Vec<FlowView>> {
    let subject = match kind {
        Some(kind) => Some(Subject::parse(kind).ok_or_else(|| AppError::field("object_kind", "invalid_choice"))?),
        None => None,
    };
    let mut tx = app.read(ctx).await?;
    let rows = store::list_flows(&mut tx, subject.map(Subject::as_str), false).await?;
    let snapshot = settings::snapshot(&mut tx).await?;
    let mut out: Vec<FlowView> = Vec::new();
    for subject in Subject::ALL.into_iter().filter(|s| subject.is_none_or(|k| k == *s)) {
        let of_kind: Vec<FlowView> =
            rows.iter().filter(|r| r.object_kind == subject.as_str()).cloned().map(FlowView::from).collect();
        let configured = of_kind.iter().any(|f| f.status == "active");
        out.extend(of_kind);
        if !configured && let Some(flow) = subject.default_flow(snapshot.number(settings::AUTO_APPROVE_MAX)) {
            out.push(FlowView {
                id: None,
                object_kind: subject.as_str().into(),
                name: super::engine::default_name(subject).into(),
                position: 0,
                version: 0,
                status: "builtin".into(),
                definition: serde_json::to_value(&flow).unwrap_or_default(),
                updated_ms: None,
                updated_by: None,
            });
        }
    }
    Ok(out)
}

/// One flow.
pub async fn get(app: &App, ctx: &Ctx, id: FlowId) -> AppResult<FlowView> {
    let mut tx = app.read(ctx).await?;
    Ok(store::get_flow(&mut tx, id).await?.ok_or(AppError::NotFound)?.into())
}

/// Saves a new flow (version 1). It applies to objects submitted from now on.
pub async fn create(app: &App, ctx: &Ctx, input: &FlowInput, idem: Option<&IdemKey>) -> AppResult<FlowView> {
    ctx.require(Permission::SettingsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let (subject, name, flow) = checked(&mut tx, input).await?;
    let position = match input.position {
        Some(position) => position,
        None => store::list_flows(&mut tx, Some(subject.as_str()), false)
            .await?
            .iter()
            .map(|f| f.position + 1)
            .max()
            .unwrap_or(1),
    };
    let id = FlowId::new();
    let definition = serde_json::to_string(&flow).map_err(|e| AppError::Internal(e.to_string()))?;
    let write = FlowWrite {
        id,
        object_kind: subject.as_str(),
        name: &name,
        position,
        definition: &definition,
        by: ctx.caller().user_id(),
        now_ms: now,
    };
    store::insert_flow(&mut tx, &write).await?;
    let view: FlowView = store::get_flow(&mut tx, id).await?.ok_or(AppError::NotFound)?.into();
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "approval_flow", id, "create", None, None, Some(&view))).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Saves the next version of a flow. Objects already under approval keep the version they
/// started with; new submissions follow this one.
pub async fn update(app: &App, ctx: &Ctx, id: FlowId, input: &FlowInput) -> AppResult<FlowView> {
    ctx.require(Permission::SettingsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = store::get_flow(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let (subject, name, flow) = checked(&mut tx, input).await?;
    if subject.as_str() != before.object_kind {
        return Err(AppError::field("object_kind", "cannot_change"));
    }
    let expected = input.expected_version.unwrap_or(before.version);
    let definition = serde_json::to_string(&Flow { version: expected + 1, ..flow })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let write = FlowWrite {
        id,
        object_kind: subject.as_str(),
        name: &name,
        position: input.position.unwrap_or(before.position),
        definition: &definition,
        by: ctx.caller().user_id(),
        now_ms: now,
    };
    if !store::save_version(&mut tx, &write, expected).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    let after: FlowView = store::get_flow(&mut tx, id).await?.ok_or(AppError::NotFound)?.into();
    let before: FlowView = before.into();
    audit::insert(&mut tx, &ctx.audit(now, "approval_flow", id, "update", None, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

/// Archives a flow (no longer chosen for new submissions) or makes it active again.
pub async fn set_active(app: &App, ctx: &Ctx, id: FlowId, active: bool) -> AppResult<FlowView> {
    ctx.require(Permission::SettingsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    store::get_flow(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let status = if active { "active" } else { "archived" };
    if !store::set_status(&mut tx, id, status, ctx.caller().user_id(), now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    let after: FlowView = store::get_flow(&mut tx, id).await?.ok_or(AppError::NotFound)?.into();
    let action = if active { "activate" } else { "archive" };
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "approval_flow", id, action, None, None, Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

/// Reads a condition, naming its place when the field is unknown.
fn condition_at(path: &str, value: &serde_json::Value, invalid: &mut Invalid) -> Option<Condition> {
    match serde_json::from_value::<Condition>(value.clone()) {
        Ok(condition) => Some(condition),
        Err(_) => {
            let field = value.get("field").and_then(|f| f.as_str()).unwrap_or("");
            if Condition::FIELDS.contains(&field) {
                invalid.push(FieldError::new(format!("{path}.value"), "invalid_format"));
            } else {
                invalid.push(FieldError::with_param(
                    format!("{path}.field"),
                    "unknown_condition_field",
                    Condition::FIELDS.join(", "),
                ));
            }
            None
        }
    }
}

/// Reads one step, naming an unknown approver kind or role at its place.
fn step_at(s: usize, value: &serde_json::Value, invalid: &mut Invalid) -> Option<Step> {
    let mut ok = true;
    if let Some(branches) = value.get("branches").and_then(|b| b.as_array()) {
        for (b, branch) in branches.iter().enumerate() {
            for (a, approver) in branch.get("approvers").and_then(|a| a.as_array()).into_iter().flatten().enumerate() {
                if serde_json::from_value::<Approver>(approver.clone()).is_err() {
                    invalid
                        .push(FieldError::new(format!("steps[{s}].branches[{b}].approvers[{a}]"), "unknown_approver"));
                    ok = false;
                }
            }
        }
    }
    let only_if = match value.get("only_if").filter(|v| !v.is_null()) {
        Some(condition) => match condition_at(&format!("steps[{s}].only_if"), condition, invalid) {
            Some(condition) => Some(condition),
            None => return None,
        },
        None => None,
    };
    if !ok {
        return None;
    }
    let mut plain = value.clone();
    if let Some(object) = plain.as_object_mut() {
        object.remove("only_if");
    }
    match serde_json::from_value::<Step>(plain) {
        Ok(step) => Some(Step { only_if, ..step }),
        Err(_) => {
            invalid.push(FieldError::new(format!("steps[{s}]"), "invalid_format"));
            None
        }
    }
}

/// The input read and checked against the brand's data: the flow to save.
async fn checked(tx: &mut Tx, input: &FlowInput) -> AppResult<(Subject, String, Flow)> {
    let mut invalid = Invalid::new();
    let subject = Subject::parse(input.object_kind.trim());
    if subject.is_none() {
        invalid.push(FieldError::new("object_kind", "invalid_choice"));
    }
    let name = invalid.check(text::required("name", &input.name, 100));
    let applies_if = input
        .applies_if
        .as_ref()
        .filter(|v| !v.is_null())
        .and_then(|value| condition_at("applies_if", value, &mut invalid));
    let steps: Vec<Option<Step>> = input.steps.iter().enumerate().map(|(s, v)| step_at(s, v, &mut invalid)).collect();
    if input.steps.len() > 20 {
        invalid.push(FieldError::with_param("steps", "too_many", 20));
    }
    invalid.into_result()?;
    let (Some(subject), Some(name)) = (subject, name) else {
        return Err(AppError::Internal("checked flow".into()));
    };
    let mut flow = Flow {
        object_kind: subject.as_str().into(),
        version: 1,
        applies_if,
        steps: steps.into_iter().flatten().collect(),
    };
    normalise_regions(tx, &mut flow).await?;
    check_values(tx, &flow).await?;
    let named: Vec<UserId> = flow
        .steps
        .iter()
        .flat_map(|s| &s.branches)
        .flat_map(|b| &b.approvers)
        .filter_map(|a| match a {
            Approver::User { user } => Some(*user),
            _ => None,
        })
        .collect();
    let directory = people::directory(tx, &named).await?;
    let resolves = |approver: &Approver| match approver {
        Approver::Role { role } => subject.visible_to(*role) && directory.roles.contains(role),
        Approver::User { user } => directory.users.get(user).is_some_and(|role| subject.visible_to(*role)),
        Approver::ChannelManager => subject.visible_to(Role::ChannelManager) && directory.managers,
        Approver::RegionManager => subject.visible_to(Role::ChannelManager) && directory.regional_managers,
    };
    check_flow(&flow, &resolves).map_err(|errors| {
        let mut invalid = Invalid::new();
        for error in errors {
            invalid.push(error);
        }
        AppError::Invalid(invalid)
    })?;
    Ok((subject, name, flow))
}

/// `region_under` may name a region by code (`R-EAST`); stored as its path.
async fn normalise_regions(tx: &mut Tx, flow: &mut Flow) -> AppResult<()> {
    let mut conditions: Vec<(String, &mut Condition)> = Vec::new();
    if let Some(c) = flow.applies_if.as_mut() {
        conditions.push(("applies_if".into(), c));
    }
    for (s, step) in flow.steps.iter_mut().enumerate() {
        if let Some(c) = step.only_if.as_mut() {
            conditions.push((format!("steps[{s}].only_if"), c));
        }
    }
    for (path, condition) in conditions {
        if let Condition::RegionUnder { value } = condition {
            let code = value.trim().trim_matches('/').rsplit('/').next().unwrap_or("").to_owned();
            match regions::by_code(tx, &code).await? {
                Some(region) => *value = region.path,
                None => {
                    let error = FieldError::with_param(format!("{path}.value"), "unknown_code", code);
                    return Err(AppError::Invalid(error.into()));
                }
            }
        }
    }
    Ok(())
}

/// Tier and category codes a condition names must exist.
async fn check_values(tx: &mut Tx, flow: &Flow) -> AppResult<()> {
    let mut conditions: Vec<(String, &Condition)> = Vec::new();
    if let Some(c) = &flow.applies_if {
        conditions.push(("applies_if".into(), c));
    }
    for (s, step) in flow.steps.iter().enumerate() {
        if let Some(c) = &step.only_if {
            conditions.push((format!("steps[{s}].only_if"), c));
        }
    }
    if conditions.is_empty() {
        return Ok(());
    }
    let tiers: Vec<String> = tiers::all(tx).await?.into_iter().map(|t| t.code).collect();
    let categories: Vec<String> = masters::categories(tx).await?.into_iter().map(|c| c.code).collect();
    let mut invalid = Invalid::new();
    for (path, condition) in conditions {
        let (values, known) = match condition {
            Condition::TierIn { values } => (values, &tiers),
            Condition::CategoryIn { values } => (values, &categories),
            _ => continue,
        };
        if let Some(unknown) = values.iter().find(|v| !known.contains(v)) {
            invalid.push(FieldError::with_param(format!("{path}.value"), "unknown_code", unknown));
        }
    }
    Ok(invalid.into_result()?)
}

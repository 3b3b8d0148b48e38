//! The flow editor: an administrator lists each kind's flows, builds a new one or a new version
//! of one from a form (steps, parallel branches, approvers, conditions, escalation) and archives
//! it — no code, no JSON. The form has a fixed number of step and branch slots so it works
//! without script; empty slots are left out. Everything is checked by the same use case as the
//! API, and its errors are shown with the step and branch they are about.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::approvals::flows::{self as uc, FlowInput, FlowView};
use qudao_domain::access::{Permission, Role};
use qudao_domain::approvals::{Approver, Condition, Flow, Mode, Subject};
use qudao_domain::ids::FlowId;
use qudao_domain::{Currency, FieldError, Invalid, Money};
use qudao_store::access::users::UserFilter;
use qudao_store::page::PageRequest;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Authed, field_message};
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::form::field_value;
use crate::pages::ordering::label;
use crate::pages::{Chrome, FormState, page, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// Step slots on the form.
const STEP_SLOTS: usize = 6;
/// Parallel branch slots per step.
const BRANCH_SLOTS: usize = 2;
const HOUR_MS: i64 = 3_600_000;

/// One branch slot: one kind of approver (several named users allowed) and its mode.
#[derive(Debug, Clone, Default)]
struct BranchSlot {
    kind: String,
    role: String,
    users: Vec<String>,
    mode: String,
}

/// One step slot.
#[derive(Debug, Clone, Default)]
struct StepSlot {
    name: String,
    if_field: String,
    if_value: String,
    escalate_hours: String,
    branches: Vec<BranchSlot>,
}

impl StepSlot {
    fn is_empty(&self) -> bool {
        self.name.is_empty() && self.branches.iter().all(|b| b.kind.is_empty())
    }
}

/// The whole form.
#[derive(Debug, Clone, Default)]
struct FlowForm {
    object_kind: String,
    name: String,
    position: String,
    expected_version: String,
    if_field: String,
    if_value: String,
    steps: Vec<StepSlot>,
}

/// A condition as the form shows it: amounts in yuan, discounts in percent, codes by comma.
fn condition_text(condition: &Condition) -> (String, String) {
    let field = match condition {
        Condition::AmountOver { .. } => "amount_over",
        Condition::TierIn { .. } => "tier_in",
        Condition::RegionUnder { .. } => "region_under",
        Condition::CategoryIn { .. } => "category_in",
        Condition::DiscountOver { .. } => "discount_over",
    };
    let value = match condition {
        Condition::AmountOver { value } => Money::new(*value, Currency::CNY).to_decimal_string(),
        Condition::DiscountOver { value } => percent_text(*value),
        Condition::TierIn { values } | Condition::CategoryIn { values } => values.join(","),
        Condition::RegionUnder { value } => value.trim_matches('/').rsplit('/').next().unwrap_or("").to_string(),
    };
    (field.to_string(), value)
}

fn percent_text(bp: i64) -> String {
    if bp % 100 == 0 { (bp / 100).to_string() } else { format!("{}.{:02}", bp / 100, bp % 100) }
}

impl FlowForm {
    /// An empty form for a kind.
    fn blank(kind: &str) -> FlowForm {
        let mut form = FlowForm { object_kind: kind.to_string(), ..FlowForm::default() };
        form.pad();
        form
    }

    /// The form of a saved flow.
    fn of(view: &FlowView) -> FlowForm {
        let flow: Option<Flow> = serde_json::from_value(view.definition.clone()).ok();
        let mut form = FlowForm {
            object_kind: view.object_kind.clone(),
            name: view.name.clone(),
            position: view.position.to_string(),
            expected_version: view.version.to_string(),
            ..FlowForm::default()
        };
        if let Some(flow) = flow {
            if let Some(condition) = &flow.applies_if {
                (form.if_field, form.if_value) = condition_text(condition);
            }
            for step in &flow.steps {
                let (if_field, if_value) = step.only_if.as_ref().map(condition_text).unwrap_or_default();
                let branches = step
                    .branches
                    .iter()
                    .map(|b| {
                        let mut slot = BranchSlot {
                            mode: if b.mode == Mode::All { "all".into() } else { "any".into() },
                            ..BranchSlot::default()
                        };
                        for approver in &b.approvers {
                            match approver {
                                Approver::Role { role } => {
                                    slot.kind = "role".into();
                                    slot.role = role.as_str().into();
                                }
                                Approver::User { user } => {
                                    slot.kind = "user".into();
                                    slot.users.push(user.to_string());
                                }
                                Approver::ChannelManager => slot.kind = "channel_manager".into(),
                                Approver::RegionManager => slot.kind = "region_manager".into(),
                            }
                        }
                        slot
                    })
                    .collect();
                form.steps.push(StepSlot {
                    name: step.name.clone(),
                    if_field,
                    if_value,
                    escalate_hours: step.escalate_after_ms.map(hours_text).unwrap_or_default(),
                    branches,
                });
            }
        }
        form.pad();
        form
    }

    /// The form as posted.
    fn posted(fields: &[(String, String)]) -> FlowForm {
        let get = |name: &str| field_value(fields, name);
        let mut form = FlowForm {
            object_kind: get("object_kind"),
            name: get("name"),
            position: get("position"),
            expected_version: get("expected_version"),
            if_field: get("if_field"),
            if_value: get("if_value"),
            steps: Vec::new(),
        };
        for s in 0..STEP_SLOTS {
            let branches = (0..BRANCH_SLOTS)
                .map(|b| {
                    let key = |part: &str| format!("s{s}.b{b}.{part}");
                    BranchSlot {
                        kind: get(&key("kind")),
                        role: get(&key("role")),
                        users: fields
                            .iter()
                            .filter(|(k, v)| *k == key("user") && !v.trim().is_empty())
                            .map(|(_, v)| v.trim().to_string())
                            .collect(),
                        mode: get(&key("mode")),
                    }
                })
                .collect();
            form.steps.push(StepSlot {
                name: get(&format!("s{s}.name")),
                if_field: get(&format!("s{s}.if_field")),
                if_value: get(&format!("s{s}.if_value")),
                escalate_hours: get(&format!("s{s}.escalate_hours")),
                branches,
            });
        }
        form.pad();
        form
    }

    /// Fills the slots up to their number.
    fn pad(&mut self) {
        while self.steps.len() < STEP_SLOTS {
            self.steps.push(StepSlot::default());
        }
        for step in &mut self.steps {
            while step.branches.len() < BRANCH_SLOTS {
                step.branches.push(BranchSlot::default());
            }
        }
    }

    /// The flow as the use case reads it, with the slot of each step sent (to name a step in
    /// the use case's errors as the form numbers it). Values the form cannot read are named by
    /// their field.
    fn input(&self) -> Result<(FlowInput, Vec<usize>), Invalid> {
        let mut invalid = Invalid::new();
        let applies_if = condition_json("if_value", &self.if_field, &self.if_value, &mut invalid);
        let mut steps = Vec::new();
        let mut slots = Vec::new();
        for (s, slot) in self.steps.iter().enumerate().filter(|(_, slot)| !slot.is_empty()) {
            let only_if = condition_json(&format!("s{s}.if_value"), &slot.if_field, &slot.if_value, &mut invalid);
            let branches: Vec<Value> = slot
                .branches
                .iter()
                .filter(|b| !b.kind.is_empty())
                .map(|b| {
                    let approvers: Vec<Value> = match b.kind.as_str() {
                        "role" => vec![json!({ "kind": "role", "role": b.role })],
                        "user" => b.users.iter().map(|u| json!({ "kind": "user", "user": u })).collect(),
                        other => vec![json!({ "kind": other })],
                    };
                    let mode = if b.mode == "all" { "all" } else { "any" };
                    json!({ "approvers": approvers, "mode": mode })
                })
                .collect();
            let escalate = match slot.escalate_hours.as_str() {
                "" => None,
                text => match text.parse::<f64>() {
                    Ok(hours) if hours > 0.0 && hours <= 24.0 * 90.0 => Some((hours * HOUR_MS as f64).round() as i64),
                    _ => {
                        invalid.push(FieldError::new(format!("s{s}.escalate_hours"), "invalid_format"));
                        None
                    }
                },
            };
            steps.push(json!({
                "name": slot.name,
                "branches": branches,
                "only_if": only_if,
                "escalate_after_ms": escalate,
            }));
            slots.push(s);
        }
        let position = match self.position.as_str() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(p) => Some(p),
                Err(_) => {
                    invalid.push(FieldError::new("position", "invalid_format"));
                    None
                }
            },
        };
        invalid.into_result()?;
        let input = FlowInput {
            object_kind: self.object_kind.clone(),
            name: self.name.clone(),
            position,
            applies_if,
            steps,
            expected_version: self.expected_version.parse().ok(),
        };
        Ok((input, slots))
    }
}

fn hours_text(ms: i64) -> String {
    if ms % HOUR_MS == 0 { (ms / HOUR_MS).to_string() } else { format!("{:.2}", ms as f64 / HOUR_MS as f64) }
}

/// A condition's JSON from the form's field and text.
fn condition_json(at: &str, field: &str, text: &str, invalid: &mut Invalid) -> Option<Value> {
    let text = text.trim();
    if field.is_empty() {
        return None;
    }
    let codes = || -> Vec<String> {
        text.split([',', '，', ' ', '、']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect()
    };
    let value = match field {
        "amount_over" => match Money::parse_major(at, text, Currency::CNY) {
            Ok(money) => json!(money.minor),
            Err(error) => {
                invalid.push(error);
                return None;
            }
        },
        "discount_over" => match text.trim_end_matches('%').parse::<f64>() {
            Ok(percent) if (0.0..100.0).contains(&percent) => json!((percent * 100.0).round() as i64),
            _ => {
                invalid.push(FieldError::new(at, "invalid_format"));
                return None;
            }
        },
        "tier_in" | "category_in" => {
            let values = codes();
            if values.is_empty() {
                invalid.push(FieldError::new(at, "required"));
                return None;
            }
            return Some(json!({ "field": field, "values": values }));
        }
        _ => json!(text),
    };
    Some(json!({ "field": field, "value": value }))
}

/// The use case's errors with their place as the form numbers it: `steps[1].branches[0]` →
/// "Step 3 · Branch 1" when the second step sent was the third slot.
fn place_errors(c: &Chrome, form: &mut FormState, invalid: &Invalid, slots: &[usize]) {
    let mut lines = Vec::new();
    for error in &invalid.errors {
        let message = field_message(c.lang, error);
        let mut place = Vec::new();
        for part in error.field.split('.') {
            let (name, index) = match part.split_once('[') {
                Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            match (name, index) {
                ("steps", Some(i)) => {
                    place.push(c.tn("flows.step_n", &(slots.get(i).copied().unwrap_or(i) + 1).to_string()))
                }
                ("branches", Some(i)) => place.push(c.tn("flows.branch_n", &(i + 1).to_string())),
                ("approvers", Some(i)) => place.push(c.tn("flows.approver_n", &(i + 1).to_string())),
                ("applies_if", _) => place.push(c.t("flows.applies_if").to_string()),
                ("only_if", _) => place.push(c.t("flows.only_if").to_string()),
                ("value" | "field", _) => {}
                (other, _) => place.push(label(c, "flows.", other)),
            }
        }
        lines.push(if place.is_empty() { message } else { format!("{}：{message}", place.join(" · ")) });
    }
    form.general = Some(lines.join("；"));
}

/// A flow in the list.
struct FlowRow {
    id: String,
    name: String,
    kind_label: String,
    status: String,
    status_label: String,
    version: i64,
    position: i64,
    applies: String,
    steps: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "approvals/flows.html")]
struct FlowsPage {
    c: Chrome,
    kinds: Vec<(String, String)>,
    rows: Vec<FlowRow>,
}

/// A condition in words.
fn condition_words(c: &Chrome, condition: &Condition) -> String {
    let (field, value) = condition_text(condition);
    format!("{} {value}", label(c, "flows.field.", &field))
}

async fn list(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "flows.title", "/console/approval-flows").await;
    let flows = uc::list(state.app(), &ctx, None).await?;
    let rows = flows
        .iter()
        .map(|f| {
            let flow: Option<Flow> = serde_json::from_value(f.definition.clone()).ok();
            FlowRow {
                id: f.id.map(|id| id.to_string()).unwrap_or_default(),
                name: f.name.clone(),
                kind_label: label(&c, "approvals.kind.", &f.object_kind),
                status: f.status.clone(),
                status_label: label(&c, "flows.status.", &f.status),
                version: f.version,
                position: f.position,
                applies: flow
                    .as_ref()
                    .and_then(|f| f.applies_if.as_ref())
                    .map(|cond| condition_words(&c, cond))
                    .unwrap_or_else(|| c.t("flows.always").to_string()),
                steps: flow
                    .map(|f| f.steps.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(" → "))
                    .unwrap_or_default(),
                updated: f.updated_ms.map(|ms| c.datetime(ms)).unwrap_or_default(),
            }
        })
        .collect();
    let kinds = kind_choices(&c);
    Ok(page(&FlowsPage { c, kinds, rows }))
}

fn kind_choices(c: &Chrome) -> Vec<(String, String)> {
    Subject::ALL.iter().map(|s| (s.as_str().to_string(), label(c, "approvals.kind.", s.as_str()))).collect()
}

#[derive(Template)]
#[template(path = "approvals/flow_form.html")]
struct FlowFormPage {
    c: Chrome,
    action: String,
    editing: bool,
    flow: FlowForm,
    form: FormState,
    kinds: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    approver_kinds: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    users: Vec<(String, String)>,
}

impl FlowFormPage {
    async fn new(state: &AppState, ctx: &qudao_app::Ctx, c: Chrome, action: String, flow: FlowForm) -> FlowFormPage {
        let fields = Condition::FIELDS.iter().map(|f| (f.to_string(), label(&c, "flows.field.", f))).collect();
        let approver_kinds = ["role", "user", "channel_manager", "region_manager"]
            .iter()
            .map(|k| (k.to_string(), label(&c, "flows.approver.", k)))
            .collect();
        let roles = Role::ALL.iter().map(|r| (r.as_str().to_string(), label(&c, "role.", r.as_str()))).collect();
        let filter = UserFilter { brand_only: true, ..Default::default() };
        let users = qudao_app::access::users::list_users(state.app(), ctx, &filter, &PageRequest::first(200))
            .await
            .map(|found| {
                found
                    .items
                    .into_iter()
                    .filter(|u| u.status.as_str() == "active")
                    .map(|u| (u.id.to_string(), format!("{} ({})", u.display_name, u.login)))
                    .collect()
            })
            .unwrap_or_default();
        FlowFormPage {
            editing: !flow.expected_version.is_empty(),
            kinds: kind_choices(&c),
            c,
            action,
            flow,
            form: FormState::new(),
            fields,
            approver_kinds,
            roles,
            users,
        }
    }
}

/// `?kind=` of the new-flow page.
#[derive(Debug, Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    kind: String,
}

async fn new_flow(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<NewQuery>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "flows.new", "/console/approval-flows").await;
    let kind = Subject::parse(query.kind.trim()).unwrap_or(Subject::Order);
    let form = FlowFormPage::new(&state, &ctx, c, "/console/approval-flows".into(), FlowForm::blank(kind.as_str()));
    Ok(page(&form.await))
}

async fn edit_flow(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<FlowId>,
) -> WebResult<Response> {
    let view = uc::get(state.app(), &ctx, id).await?;
    let mut c = Chrome::new(&state, &context, "flows.edit", "/console/approval-flows").await;
    c.title = format!("{} {}", c.t("flows.edit"), view.name);
    let action = format!("/console/approval-flows/{id}");
    Ok(page(&FlowFormPage::new(&state, &ctx, c, action, FlowForm::of(&view)).await))
}

/// Saves the posted form as a new flow (`id` none) or a new version; on refusal the form comes
/// back with the values typed and each error at its place.
async fn save(
    state: AppState,
    ctx: qudao_app::Ctx,
    context: crate::context::RequestContext,
    id: Option<FlowId>,
    fields: Vec<(String, String)>,
) -> WebResult<Response> {
    let flow = FlowForm::posted(&fields);
    let result = match flow.input() {
        Ok((input, slots)) => {
            let saved = match id {
                Some(id) => uc::update(state.app(), &ctx, id, &input).await,
                None => uc::create(state.app(), &ctx, &input, None).await,
            };
            saved.map_err(|e| (e, slots))
        }
        Err(invalid) => Err((AppError::Invalid(invalid), Vec::new())),
    };
    let (error, slots) = match result {
        Ok(_) => return Ok(see_other("/console/approval-flows", Some("flows.saved"))),
        Err(failed) => failed,
    };
    let title = if id.is_some() { "flows.edit" } else { "flows.new" };
    let c = Chrome::new(&state, &context, title, "/console/approval-flows").await;
    let action = match id {
        Some(id) => format!("/console/approval-flows/{id}"),
        None => "/console/approval-flows".into(),
    };
    let mut page_form = FlowFormPage::new(&state, &ctx, c, action, flow).await;
    match error {
        AppError::Invalid(invalid) => {
            // The form's own fields (`s0.if_value`) are marked where they are; the use case's
            // (`steps[0].only_if.value`) are placed by step and branch at the top.
            let on_the_form = |f: &str| {
                matches!(f, "name" | "position" | "if_field" | "if_value")
                    || f.strip_prefix('s').is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            };
            let known: Vec<&str> = invalid.errors.iter().map(|e| e.field.as_str()).filter(|f| on_the_form(f)).collect();
            let (on_form, elsewhere): (Vec<FieldError>, Vec<FieldError>) =
                invalid.errors.iter().cloned().partition(|e| known.contains(&e.field.as_str()));
            for error in &on_form {
                page_form.form.add_error(&error.field, &field_message(page_form.c.lang, error));
            }
            if !elsewhere.is_empty() {
                let mut rest = Invalid::new();
                for error in elsewhere {
                    rest.push(error);
                }
                let c = page_form.c.clone();
                place_errors(&c, &mut page_form.form, &rest, &slots);
            } else {
                page_form.form.fail_general(page_form.c.lang, "flows.fix_fields");
            }
        }
        AppError::Conflict(code) => page_form.form.fail_general(page_form.c.lang, &format!("error.conflict.{code}")),
        other => return Err(other.into()),
    }
    Ok(render(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page_form))
}

async fn create(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    save(state, ctx, context, None, fields).await
}

async fn update(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<FlowId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    save(state, ctx, context, Some(id), fields).await
}

async fn archive(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FlowId>) -> WebResult<Response> {
    uc::set_active(state.app(), &ctx, id, false).await?;
    Ok(see_other("/console/approval-flows", Some("flows.archived")))
}

async fn activate(State(state): State<AppState>, Authed(ctx, _): Authed, Id(id): Id<FlowId>) -> WebResult<Response> {
    uc::set_active(state.app(), &ctx, id, true).await?;
    Ok(see_other("/console/approval-flows", Some("flows.activated")))
}

const FLOW: &[(&str, ObjectKind)] = &[("id", ObjectKind::ApprovalFlow)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/console/approval-flows",
        Permission::SettingsManage,
        "The approval flows of each kind, in the order they are tried",
        |v| on(v, list),
    ),
    Route::page(
        Verb::Get,
        "/console/approval-flows/new",
        Permission::SettingsManage,
        "Build a new approval flow",
        |v| on(v, new_flow),
    ),
    Route::page(Verb::Post, "/console/approval-flows", Permission::SettingsManage, "Save a new approval flow", |v| {
        on(v, create)
    })
    .effect(Effect::Create)
    .form(&[
        ("object_kind", "order"),
        ("name", "大额订单审批"),
        ("if_field", "amount_over"),
        ("if_value", "50000"),
        ("s0.name", "财务审批"),
        ("s0.b0.kind", "role"),
        ("s0.b0.role", "finance"),
        ("s0.b0.mode", "any"),
    ]),
    Route::page(
        Verb::Get,
        "/console/approval-flows/{id}",
        Permission::SettingsManage,
        "Edit an approval flow (saved as its next version)",
        |v| on(v, edit_flow),
    )
    .params(FLOW),
    Route::page(
        Verb::Post,
        "/console/approval-flows/{id}",
        Permission::SettingsManage,
        "Save the next version of an approval flow",
        |v| on(v, update),
    )
    .params(FLOW)
    .effect(Effect::Change)
    .form(&[
        ("object_kind", "order"),
        ("name", "订单审批"),
        ("s0.name", "管理员审批"),
        ("s0.b0.kind", "role"),
        ("s0.b0.role", "brand_admin"),
        ("s0.b0.mode", "any"),
    ]),
    Route::page(
        Verb::Post,
        "/console/approval-flows/{id}/archive",
        Permission::SettingsManage,
        "Archive an approval flow (new submissions no longer follow it)",
        |v| on(v, archive),
    )
    .params(FLOW)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/approval-flows/{id}/activate",
        Permission::SettingsManage,
        "Make an archived approval flow active again",
        |v| on(v, activate),
    )
    .params(FLOW)
    .effect(Effect::Change),
];

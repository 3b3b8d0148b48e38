//! Opportunities (商机): a partner's deal from an accepted lead or an approved registration (which
//! then count as converted), moved through the brand's stages, with follow-up records, won or lost
//! with a reason; and the funnel measured from their stage visits.

use qudao_domain::access::Permission;
use qudao_domain::deals::lead::LeadStatus;
use qudao_domain::deals::pipeline::{self, FunnelStage, Stage, StageKind, Visit};
use qudao_domain::deals::registration::RegistrationStatus;
use qudao_domain::money::{Currency, Money};
use qudao_domain::{FieldError, Invalid, dates, docnum, text};
use qudao_store::deals::leads as lead_store;
use qudao_store::deals::opportunities::{
    self as store, FollowupRow, MemberRow, NewOpportunity, OpportunityRow, VisitRow,
};
use qudao_store::deals::registrations as registration_store;
use qudao_store::{Tx, audit, counters, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// The setting holding the brand's stages.
const STAGES: &str = "deals.stages";
/// Kinds of follow-up record.
pub const FOLLOWUP_KINDS: [&str; 4] = ["call", "visit", "meeting", "other"];

/// The stages in force (the defaults until the brand saves its own).
pub(crate) async fn stages_in_force(tx: &mut Tx) -> AppResult<Vec<Stage>> {
    let stored = settings::get(tx, STAGES).await?;
    if stored.is_empty() {
        return Ok(pipeline::default_stages());
    }
    serde_json::from_str(&stored).map_err(|e| AppError::Internal(format!("stored stages: {e}")))
}

/// The brand's stages.
pub async fn stages(app: &App, ctx: &Ctx) -> AppResult<Vec<Stage>> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    stages_in_force(&mut tx).await
}

/// Saves the brand's stages (administrators). Opportunities in a stage that is no longer listed
/// keep it until moved.
pub async fn set_stages(app: &App, ctx: &Ctx, stages: &[Stage]) -> AppResult<Vec<Stage>> {
    ctx.require(Permission::SettingsManage)?;
    pipeline::validate_stages(stages).map_err(|errors| AppError::Invalid(Invalid { errors }))?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = stages_in_force(&mut tx).await?;
    let json = serde_json::to_string(stages).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&mut tx, STAGES, &json, now, Some(ctx.caller().user_id())).await?;
    audit::insert(
        &mut tx,
        &ctx.audit(now, "opportunity_stages", "deals", "update", None, Some(&before), Some(&stages)),
    )
    .await?;
    tx.commit().await?;
    Ok(stages.to_vec())
}

/// An opportunity as entered.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityBody {
    /// What the deal is (default: the customer's name).
    #[serde(default)]
    pub name: Option<String>,
    /// From this accepted lead of the caller's partner.
    #[serde(default)]
    pub from_lead: Option<String>,
    /// From this approved registration of the caller's partner.
    #[serde(default)]
    pub from_registration: Option<String>,
    /// The customer, when neither is given.
    #[serde(default)]
    pub customer_name: Option<String>,
    /// Amount in yuan (number or string).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub amount: Option<serde_json::Value>,
    /// Expected close date (`2027-03-31`).
    #[serde(default)]
    pub close_date: Option<String>,
    /// Products.
    #[serde(default)]
    pub products: Option<String>,
    /// Competitors.
    #[serde(default)]
    pub competitors: Option<String>,
}

/// An opportunity with its stage's probability, weighted amount, visits and follow-ups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpportunityView {
    /// The opportunity.
    #[serde(flatten)]
    pub opportunity: OpportunityRow,
    /// Its stage's name.
    pub stage_name: String,
    /// Its stage's probability, percent.
    pub probability: u8,
    /// amount × probability, fen.
    pub weighted_amount: i64,
    /// Its stays in stages, oldest first (on the single read).
    pub visits: Vec<VisitRow>,
    /// Its follow-up records, newest first (on the single read).
    pub followups: Vec<FollowupRow>,
    /// Its joint team of brand and partner people (on the single read).
    pub members: Vec<MemberRow>,
    /// The linked partners it is shared with: id and name (on the single read).
    #[schema(value_type = Vec<Object>)]
    pub shared_with: Vec<(qudao_domain::ids::PartnerId, String)>,
}

fn view(stages: &[Stage], opportunity: OpportunityRow) -> OpportunityView {
    let stage = stages.iter().find(|s| s.code == opportunity.stage);
    let probability = stage.map_or(0, |s| s.probability);
    OpportunityView {
        stage_name: stage.map_or_else(|| opportunity.stage.clone(), |s| s.name.clone()),
        probability,
        weighted_amount: pipeline::weighted(opportunity.amount, probability),
        opportunity,
        visits: Vec::new(),
        followups: Vec::new(),
        members: Vec::new(),
        shared_with: Vec::new(),
    }
}

fn amount_of(value: Option<&serde_json::Value>) -> Result<i64, FieldError> {
    let text = match value {
        None | Some(serde_json::Value::Null) => return Ok(0),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(0),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let money = Money::parse_major("amount", &text, Currency::CNY)?;
    if money.minor < 0 {
        return Err(FieldError::new("amount", "must_not_be_negative"));
    }
    Ok(money.minor)
}

/// Enters an opportunity for the caller's partner; from a lead or a registration, that source
/// counts as converted in the same transaction.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    body: &OpportunityBody,
    idem: Option<&IdemKey>,
) -> AppResult<OpportunityView> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let mut invalid = Invalid::new();
    let amount = invalid.check(amount_of(body.amount.as_ref()));
    let close_date = match body.close_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(date) => invalid.check(dates::parse_date("close_date", date)),
    };
    let products = invalid.check(text::optional_multiline("products", body.products.as_deref(), 500)).flatten();
    let competitors = invalid.check(text::optional("competitors", body.competitors.as_deref(), 200)).flatten();
    let named = invalid.check(text::optional("name", body.name.as_deref(), 100)).flatten();
    if body.from_lead.is_some() && body.from_registration.is_some() {
        invalid.push(FieldError::new("from_lead", "one_source_only"));
    }
    invalid.into_result()?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let (customer, lead_id, registration_id) = if let Some(lead) = body.from_lead.as_deref() {
        let found = lead_store::get(&mut tx, lead).await?.ok_or(AppError::field("from_lead", "unknown_lead"))?;
        if found.status != LeadStatus::Accepted || found.partner_id != Some(partner) {
            return Err(AppError::Conflict("lead_not_accepted"));
        }
        let placement = lead_store::Placement {
            status: LeadStatus::Converted,
            partner_id: found.partner_id,
            rule_id: found.rule_id.as_deref(),
            reason: found.reason.as_ref(),
            assigned_ms: found.assigned_ms,
            due_ms: found.due_ms,
            tried: &found.tried,
        };
        if !lead_store::place(&mut tx, &found.id, found.revision, &placement, now).await? {
            return Err(AppError::Conflict("stale_version"));
        }
        (found.company.clone(), Some(found.id.clone()), None)
    } else if let Some(registration) = body.from_registration.as_deref() {
        let id = registration.parse().map_err(|_| AppError::field("from_registration", "unknown_registration"))?;
        let found = registration_store::get(&mut tx, id)
            .await?
            .ok_or(AppError::field("from_registration", "unknown_registration"))?;
        if found.status != RegistrationStatus::Approved || found.partner_id != partner {
            return Err(AppError::Conflict("registration_not_protected"));
        }
        let change = registration_store::Change {
            status: RegistrationStatus::Converted,
            protected_until: found.protected_until,
            extensions: found.extensions,
            extension_asked_ms: None,
            reminded_ms: found.reminded_ms,
        };
        // Through the registration's own transition: checked, on its timeline, audited.
        let detail = serde_json::json!({ "opportunity": true });
        super::registrations::apply(app, ctx, &mut tx, &found, &change, "converted", &detail).await?;
        (found.customer_name.clone(), None, Some(found.id.to_string()))
    } else {
        let customer = text::required("customer_name", body.customer_name.as_deref().unwrap_or(""), 100)?;
        (customer, None, None)
    };
    let stages = stages_in_force(&mut tx).await?;
    let first = stages.iter().find(|s| s.kind == StageKind::Open).ok_or(AppError::Internal("no open stage".into()))?;
    let id = uuid::Uuid::now_v7().to_string();
    let date = china_date(now);
    let number = docnum::format("OP", date, counters::next(&mut tx, &format!("opportunity:{date}")).await?);
    store::insert(
        &mut tx,
        &NewOpportunity {
            id: &id,
            number: &number,
            partner_id: partner,
            name: named.as_deref().unwrap_or(&customer),
            customer_name: &customer,
            registration_id: registration_id.as_deref(),
            lead_id: lead_id.as_deref(),
            stage: &first.code,
            amount: amount.unwrap_or(0),
            close_date,
            products: products.as_deref(),
            competitors: competitors.as_deref(),
            created_by: ctx.caller().user_id(),
            now_ms: now,
        },
    )
    .await?;
    let row = store::get(&mut tx, &id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "opportunity", &id, "create", Some(partner), None, Some(&row)))
        .await?;
    let mut found = view(&stages, row);
    found.visits = store::visits(&mut tx, Some(&id)).await?;
    idempotency::complete(&mut tx, idem, 201, &found).await?;
    tx.commit().await?;
    Ok(found)
}

/// A move to another stage.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    /// The stage's code.
    pub stage: String,
    /// Why it was won or lost (required for lost).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Moves an opportunity of the caller's partner to a stage; won and lost close it.
pub async fn move_stage(app: &App, ctx: &Ctx, id: &str, input: &StageMove) -> AppResult<OpportunityView> {
    ctx.require(Permission::DealsRegister)?;
    let reason = text::optional_prose("reason", input.reason.as_deref(), 500)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let current = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    // The stages are the owner's pipeline and forecast; a partner it is shared with follows up.
    if !may_move_stage(ctx, &current) {
        return Err(AppError::Conflict("not_the_owner"));
    }
    if current.closed_ms.is_some() {
        return Err(AppError::Conflict("opportunity_closed"));
    }
    let stages = stages_in_force(&mut tx).await?;
    let stage =
        stages.iter().find(|s| s.code == input.stage.trim()).ok_or(AppError::field("stage", "unknown_stage"))?;
    if stage.code == current.stage {
        return Err(AppError::Conflict("status_transition"));
    }
    if stage.kind == StageKind::Lost && reason.is_none() {
        return Err(AppError::field("reason", "required"));
    }
    let closed = stage.kind != StageKind::Open;
    if !store::move_to(&mut tx, &current, &stage.code, closed, reason.as_deref(), ctx.caller().user_id(), now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    let before = serde_json::json!({ "stage": current.stage });
    let after = serde_json::json!({ "stage": stage.code, "reason": reason });
    audit::insert(
        &mut tx,
        &ctx.audit(now, "opportunity", id, "move", acting_for(ctx, &current), Some(&before), Some(&after)),
    )
    .await?;
    let found = detail(&mut tx, &stages, id).await?;
    tx.commit().await?;
    Ok(found)
}

/// The company an audit row on a deal belongs to: the caller's, when a partner acts on a deal
/// shared with it (its own audit trail, which the row-level policies let it write), else the
/// deal's owner.
fn acting_for(ctx: &Ctx, deal: &OpportunityRow) -> Option<qudao_domain::ids::PartnerId> {
    ctx.caller().partner_id().or(Some(deal.partner_id))
}

async fn detail(tx: &mut Tx, stages: &[Stage], id: &str) -> AppResult<OpportunityView> {
    let row = store::get(tx, id).await?.ok_or(AppError::NotFound)?;
    let mut found = view(stages, row);
    found.visits = store::visits(tx, Some(id)).await?;
    found.followups = store::followups(tx, id).await?;
    found.members = store::members(tx, id).await?;
    found.shared_with = store::shared_with(tx, id).await?;
    Ok(found)
}

/// A follow-up record as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowupBody {
    /// call, visit, meeting or other.
    pub kind: String,
    /// What was said or done.
    pub note: String,
    /// When it happened (`2026-11-29`; default now).
    #[serde(default)]
    pub date: Option<String>,
}

/// Whether the caller moves a deal it sees through the stages: the owner's sellers (the stages
/// are its pipeline and its forecast). Pages ask it to show the form the use case accepts.
pub fn may_move_stage(ctx: &Ctx, deal: &OpportunityRow) -> bool {
    ctx.caller().may(Permission::DealsRegister) && ctx.caller().partner_id() == Some(deal.partner_id)
}

/// Whether the caller writes follow-ups on a deal it sees with these team members: a partner's
/// seller always, anyone else only when on the deal's joint team.
pub fn may_write_followups(ctx: &Ctx, members: &[MemberRow]) -> bool {
    ctx.caller().may(Permission::DealsRegister) || members.iter().any(|m| m.user_id == ctx.caller().user_id())
}

async fn may_follow_up(ctx: &Ctx, tx: &mut Tx, id: &str) -> AppResult<bool> {
    if ctx.caller().may(Permission::DealsRegister) {
        return Ok(true);
    }
    Ok(may_write_followups(ctx, &store::members(tx, id).await?))
}

/// Adds a follow-up record (跟进记录) to an opportunity, with a picture when one is given
/// (checked like every upload; stored under the writer's partner, or the deal's for the brand's
/// staff). The sellers of the partners working the deal write them, and so do the people on its
/// joint team — the brand's channel manager or presales engineer who went on the visit — so the
/// customer's story is in one place.
pub async fn add_followup(
    app: &App,
    ctx: &Ctx,
    id: &str,
    body: &FollowupBody,
    picture: Option<crate::threads::Attachment>,
) -> AppResult<OpportunityView> {
    ctx.require(Permission::DealsRead)?;
    // An opportunity the caller cannot see answers like a missing one, whatever the form says.
    let owner = {
        let mut tx = app.read(ctx).await?;
        let owner = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?.partner_id;
        if !may_follow_up(ctx, &mut tx, id).await? {
            return Err(AppError::Forbidden);
        }
        owner
    };
    let mut invalid = Invalid::new();
    let kind = body.kind.trim();
    if !FOLLOWUP_KINDS.contains(&kind) {
        invalid.push(FieldError::with_param("kind", "not_one_of", FOLLOWUP_KINDS.join(", ")));
    }
    let note = invalid.check(text::prose("note", &body.note, 2000));
    let now = app.now_ms();
    let at = match body.date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(now),
        Some(date) => invalid.check(dates::parse_date("date", date)).map(dates::china_midnight_ms),
    };
    invalid.into_result()?;
    let (Some(note), Some(at)) = (note, at) else { return Err(AppError::Internal("checked follow-up".into())) };
    // Only someone who can see the opportunity gets bytes written for it.
    let file = match picture {
        Some(picture) => {
            let purpose = qudao_store::files::Purpose::FollowupPicture;
            Some(
                crate::files::store_picture(
                    app,
                    ctx,
                    "followups",
                    purpose,
                    // Under the photographer's company: the row-level policies let a partner
                    // write only its own files; who sees the follow-up sees the photo.
                    Some(ctx.caller().partner_id().unwrap_or(owner)),
                    &picture.filename,
                    picture.bytes,
                )
                .await?,
            )
        }
        None => None,
    };
    let mut tx = app.write(ctx).await?;
    let current = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    // Asked again where the record is written: a person taken off the team meanwhile writes nothing.
    if !may_follow_up(ctx, &mut tx, id).await? {
        return Err(AppError::Forbidden);
    }
    if let Some(file) = &file {
        qudao_store::files::insert(&mut tx, file).await?;
    }
    let record = uuid::Uuid::now_v7().to_string();
    let file_id = file.as_ref().map(|f| f.id);
    store::add_followup(&mut tx, &record, &current, kind, at, &note, file_id, ctx.caller().user_id(), now).await?;
    let after = serde_json::json!({ "kind": kind, "note": note });
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "opportunity", id, "followup", acting_for(ctx, &current), None, Some(&after)),
    )
    .await?;
    let stages = stages_in_force(&mut tx).await?;
    let found = detail(&mut tx, &stages, id).await?;
    tx.commit().await?;
    Ok(found)
}

/// One visible opportunity with its visits and follow-ups.
pub async fn get(app: &App, ctx: &Ctx, id: &str) -> AppResult<OpportunityView> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    let stages = stages_in_force(&mut tx).await?;
    detail(&mut tx, &stages, id).await
}

/// Visible opportunities (open ones only when asked), newest first.
pub async fn list(app: &App, ctx: &Ctx, open_only: bool) -> AppResult<Vec<OpportunityView>> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    let stages = stages_in_force(&mut tx).await?;
    let rows = store::list(&mut tx, None, open_only, 500).await?;
    Ok(rows.into_iter().map(|row| view(&stages, row)).collect())
}

/// The funnel of the visible opportunities that entered a stage between `from` and `to`
/// (`yyyymmdd`, China time, inclusive); stagnant: in a stage longer than `stagnant_days`.
pub async fn funnel(app: &App, ctx: &Ctx, from: u32, to: u32, stagnant_days: i64) -> AppResult<Vec<FunnelStage>> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    let stages = stages_in_force(&mut tx).await?;
    let visits: Vec<Visit> = store::visits(&mut tx, None)
        .await?
        .into_iter()
        .map(|v| Visit { opportunity: v.opportunity_id, stage: v.stage, entered_ms: v.entered_ms, left_ms: v.left_ms })
        .collect();
    let from_ms = dates::china_midnight_ms(from);
    let to_ms = dates::china_midnight_ms(to) + 86_400_000;
    Ok(pipeline::funnel(&stages, &visits, from_ms, to_ms, app.now_ms(), stagnant_days))
}

/// One line of a forecast: an open opportunity, its category and amount.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ForecastLine {
    /// The opportunity.
    pub opportunity_id: String,
    /// Its name (on the draft).
    #[serde(default)]
    pub name: String,
    /// commit, best_case, pipeline or omitted.
    pub category: pipeline::ForecastCategory,
    /// Its amount, fen (from the opportunity; not taken from the client).
    #[serde(default)]
    pub amount: i64,
}

/// A partner's forecast for a month: its lines and totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Forecast {
    /// `yyyymm`.
    pub period: u32,
    /// The open opportunities with their categories.
    pub lines: Vec<ForecastLine>,
    /// The totals.
    pub totals: pipeline::ForecastTotals,
}

/// A forecast as submitted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastInput {
    /// The month (`2026-12`).
    pub period: String,
    /// Each open opportunity's category (ones not listed keep their default).
    #[serde(default)]
    pub lines: Vec<ForecastLine>,
}

fn period_of(text: &str) -> AppResult<u32> {
    let bad = || AppError::field("period", "invalid_period");
    let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
    let (year, month): (u32, u32) = (year.parse().map_err(|_| bad())?, month.parse().map_err(|_| bad())?);
    if !(2000..=2999).contains(&year) || !(1..=12).contains(&month) {
        return Err(bad());
    }
    Ok(year * 100 + month)
}

/// The caller's draft forecast for a month: every open opportunity, its category by its stage's
/// probability, the totals.
pub async fn forecast_draft(app: &App, ctx: &Ctx, period: &str) -> AppResult<Forecast> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let period = period_of(period)?;
    let mut tx = app.read(ctx).await?;
    draft(&mut tx, partner, period, &[]).await
}

/// The forecast of `partner`'s own open opportunities (not those shared with it: their owner
/// forecasts them).
async fn draft(
    tx: &mut Tx,
    partner: qudao_domain::ids::PartnerId,
    period: u32,
    chosen: &[ForecastLine],
) -> AppResult<Forecast> {
    let stages = stages_in_force(tx).await?;
    let open = store::list(tx, Some(partner), true, 1000).await?;
    let lines: Vec<ForecastLine> = open
        .into_iter()
        .map(|o| {
            let probability = stages.iter().find(|s| s.code == o.stage).map_or(0, |s| s.probability);
            let category = chosen
                .iter()
                .find(|c| c.opportunity_id == o.id)
                .map_or_else(|| pipeline::default_category(probability), |c| c.category);
            ForecastLine { opportunity_id: o.id, name: o.name, category, amount: o.amount }
        })
        .collect();
    let totals = pipeline::forecast_totals(&lines.iter().map(|l| (l.category, l.amount)).collect::<Vec<_>>());
    Ok(Forecast { period, lines, totals })
}

/// Commits the caller's partner's forecast for a month (replacing an earlier one of that month).
pub async fn submit_forecast(app: &App, ctx: &Ctx, input: &ForecastInput) -> AppResult<Forecast> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let period = period_of(&input.period)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let forecast = draft(&mut tx, partner, period, &input.lines).await?;
    if let Some(unknown) =
        input.lines.iter().find(|l| !forecast.lines.iter().any(|f| f.opportunity_id == l.opportunity_id))
    {
        return Err(AppError::field(
            "lines",
            if unknown.opportunity_id.is_empty() { "required" } else { "unknown_opportunity" },
        ));
    }
    let lines = serde_json::to_value(&forecast.lines).map_err(|e| AppError::Internal(e.to_string()))?;
    store::put_forecast(
        &mut tx,
        &store::ForecastWrite {
            partner_id: partner,
            period,
            lines: &lines,
            commit: forecast.totals.commit,
            best_case: forecast.totals.best_case,
            pipeline: forecast.totals.pipeline,
            by: ctx.caller().user_id(),
            now_ms: now,
        },
    )
    .await?;
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(
            now,
            "forecast",
            format!("{partner}/{period}"),
            "submit",
            Some(partner),
            None,
            Some(&forecast.totals),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(forecast)
}

/// The month's forecasts rolled up by province and tier over the partners the caller sees.
pub async fn forecast_rollup(app: &App, ctx: &Ctx, period: &str) -> AppResult<Vec<store::ForecastRollup>> {
    ctx.require(Permission::DealsRead)?;
    let period = period_of(period)?;
    let mut tx = app.read(ctx).await?;
    Ok(store::forecast_rollup(&mut tx, period).await?)
}

/// A second partner for a deal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// The linked partner: the owner's parent distributor or one of its sub-dealers.
    pub partner_id: String,
}

/// Shares an opportunity of the caller's partner with a linked partner, which then sees it.
pub async fn share(app: &App, ctx: &Ctx, id: &str, input: &ShareInput) -> AppResult<OpportunityView> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let second: qudao_domain::ids::PartnerId =
        input.partner_id.trim().parse().map_err(|_| AppError::field("partner_id", "not_linked"))?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let current = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if current.partner_id != partner {
        return Err(AppError::Conflict("not_the_owner"));
    }
    let (owner_parent, second_parent, active) = store::parents(&mut tx, partner, second).await?;
    if !active || !pipeline::may_join(partner, owner_parent, second, second_parent) {
        return Err(AppError::field("partner_id", "not_linked"));
    }
    store::share(&mut tx, &current, second, ctx.caller().user_id(), now).await?;
    let after = serde_json::json!({ "shared_with": second });
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "opportunity", id, "share", Some(partner), None, Some(&after)))
        .await?;
    let stages = stages_in_force(&mut tx).await?;
    let found = detail(&mut tx, &stages, id).await?;
    tx.commit().await?;
    Ok(found)
}

/// A person for a deal's team.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The person (one the caller can see: a colleague, or for the brand anyone in its scope).
    pub user_id: String,
    /// What they do on the deal (销售, 技术支持, 渠道经理…).
    pub role: String,
}

/// Puts a person on an opportunity's joint team: a partner's people (of the owner or a partner
/// it is shared with) or the brand's staff.
pub async fn add_member(app: &App, ctx: &Ctx, id: &str, input: &MemberInput) -> AppResult<OpportunityView> {
    ctx.require(Permission::DealsTeam)?;
    let role = text::required("role", &input.role, 30)?;
    let user: qudao_domain::ids::UserId =
        input.user_id.trim().parse().map_err(|_| AppError::field("user_id", "unknown_user"))?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let current = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let person = qudao_store::access::users::get(&mut tx, user)
        .await?
        .filter(|u| u.status == qudao_store::access::users::UserStatus::Active)
        .ok_or(AppError::field("user_id", "unknown_user"))?;
    let company = person.partner.as_ref().map(|p| p.id);
    if let Some(company) = company {
        let shared = store::shared_with(&mut tx, id).await?;
        if company != current.partner_id && !shared.iter().any(|(p, _)| *p == company) {
            return Err(AppError::field("user_id", "not_on_this_deal"));
        }
    }
    store::put_member(&mut tx, &current, user, company, &role, now).await?;
    let after = serde_json::json!({ "member": user, "role": role });
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "opportunity", id, "team", acting_for(ctx, &current), None, Some(&after)),
    )
    .await?;
    let stages = stages_in_force(&mut tx).await?;
    let found = detail(&mut tx, &stages, id).await?;
    tx.commit().await?;
    Ok(found)
}

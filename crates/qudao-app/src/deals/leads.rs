//! Leads (线索): in from the public form, an import or the API; routed at once by the brand's
//! rules, with the reason kept; accepted or declined by the partner within the rule's hours;
//! routed again — never to the same partner twice — on a decline or when the hours pass.

use qudao_domain::access::Permission;
use qudao_domain::deals::lead::{LeadDraft, LeadInput, LeadStatus};
use qudao_domain::deals::routing::{self, LeadFacts, PartnerFacts, Routed, Rule};
use qudao_domain::ids::PartnerId;
use qudao_domain::notifications::Topic;
use qudao_domain::{FieldError, Invalid, docnum, text};
use qudao_store::deals::leads::{
    self as store, AssignmentRow, LeadFilter, LeadRow, NewLead, PartnerSla, Placement, RuleRow,
};
use qudao_store::partners::regions;
use qudao_store::{Scope, Tx, audit, counters};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::notifications::Note;
use crate::{App, AppError, AppResult, Ctx};

/// An hour in milliseconds.
const HOUR_MS: i64 = 3_600_000;
/// Leads one address may send from the public form per hour.
pub const FORM_LEADS_PER_HOUR: i64 = 5;
/// Rows one import may hold.
const IMPORT_ROWS: usize = 5_000;

/// A lead as the API, the form or an import row sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadBody {
    /// The prospect's company (required).
    pub company: String,
    /// The person to call.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Their phone (phone or e-mail required).
    #[serde(default)]
    pub phone: Option<String>,
    /// Their e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Region code (required: routing needs it).
    #[serde(default)]
    pub region: Option<String>,
    /// Industry (rules may route by it).
    #[serde(default)]
    pub industry: Option<String>,
    /// What they asked about.
    #[serde(default)]
    pub message: Option<String>,
}

impl LeadBody {
    fn input(&self) -> LeadInput {
        LeadInput {
            company: self.company.clone(),
            contact_name: self.contact_name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            region: self.region.clone(),
            industry: self.industry.clone(),
            message: self.message.clone(),
        }
    }
}

/// A lead with where it has been.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadView {
    /// The lead.
    #[serde(flatten)]
    pub lead: LeadRow,
    /// Its assignments the caller may see, oldest first (a partner sees its own).
    pub assignments: Vec<AssignmentRow>,
}

/// A lead just filed: its id, the partner it went to (none: no rule placed it), the notices.
struct Filed {
    id: String,
    placed: Option<PartnerId>,
    events: Vec<crate::events::Event>,
}

/// Files a parsed lead in `tx` and routes it.
async fn file(
    tx: &mut Tx,
    router: &mut Router,
    draft: &LeadDraft,
    source: &str,
    ip: Option<&str>,
    by: Option<qudao_domain::ids::UserId>,
    now: i64,
) -> AppResult<Filed> {
    let region = regions::by_code(tx, &draft.region_code).await?.ok_or(AppError::field("region", "unknown_region"))?;
    let date = china_date(now);
    let number = docnum::format("LD", date, counters::next(tx, &format!("lead:{date}")).await?);
    let id = uuid::Uuid::now_v7().to_string();
    let search_key = text::search_key(&[
        draft.company.as_str(),
        draft.contact_name.as_deref().unwrap_or(""),
        draft.phone.as_deref().unwrap_or(""),
    ]);
    store::insert(
        tx,
        &NewLead {
            id: &id,
            number: &number,
            source,
            company: &draft.company,
            contact_name: draft.contact_name.as_deref(),
            phone: draft.phone.as_deref(),
            email: draft.email.as_deref(),
            region_id: region.id,
            region_path: &region.path,
            industry: &draft.industry,
            message: draft.message.as_deref(),
            source_ip: ip,
            search_key: &search_key,
            created_by: by,
            now_ms: now,
        },
    )
    .await?;
    let lead = read_past(tx, &id).await?;
    let (placed, events) = router.route_on(tx, &lead, now).await?;
    Ok(Filed { id, placed, events })
}

/// A lead read past the caller's scope (the public form has no caller; a decline hands it on).
async fn read_past(tx: &mut Tx, id: &str) -> AppResult<LeadRow> {
    store::get_for_routing(tx, id).await?.ok_or(AppError::NotFound)
}

/// The rules in force, parsed (a rule that no longer parses is skipped, with a warning).
async fn rules_in_force(tx: &mut Tx) -> AppResult<Vec<(RuleRow, Rule)>> {
    let rows = store::routing_rules(tx).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match serde_json::from_value::<Rule>(row.definition.clone()) {
            Ok(rule) => Some((row, rule)),
            Err(error) => {
                tracing::warn!(rule = row.id, %error, "routing rule does not parse");
                None
            }
        })
        .collect())
}

/// The rules in force and every active partner's facts, read once per transaction and kept
/// current as leads are placed (open leads, last assignment), so an import or a sweep routes
/// hundreds of leads without reading every partner again for each.
struct Router {
    rules: Vec<(RuleRow, Rule)>,
    plain: Vec<Rule>,
    partners: Vec<PartnerFacts>,
}

impl Router {
    async fn load(tx: &mut Tx, now: i64) -> AppResult<Router> {
        let rules = rules_in_force(tx).await?;
        let plain = rules.iter().map(|(_, r)| r.clone()).collect();
        let partners = store::partner_facts(tx, now).await?;
        Ok(Router { rules, plain, partners })
    }

    /// Routes a lead (again) by the rules over every partner, excluding those that had it, and
    /// moves it: to the picked partner with a deadline, or unassigned. Answers the partner it
    /// went to, and the notices to send.
    async fn route_on(
        &mut self,
        tx: &mut Tx,
        lead: &LeadRow,
        now: i64,
    ) -> AppResult<(Option<PartnerId>, Vec<crate::events::Event>)> {
        let facts = LeadFacts {
            region_path: lead.region_path.clone(),
            industry: lead.industry.clone(),
            tried: lead.tried.clone(),
        };
        let routed = routing::route(&self.plain, &facts, &self.partners);
        let (placed, events) = match routed {
            Routed::To { partner, rule, reason } => {
                let (row, definition) = &self.rules[rule];
                let due = now + i64::from(definition.sla_hours) * HOUR_MS;
                let reason = serde_json::to_value(&reason).map_err(|e| AppError::Internal(e.to_string()))?;
                let mut tried = lead.tried.clone();
                tried.push(partner);
                let placement = Placement {
                    status: LeadStatus::Assigned,
                    partner_id: Some(partner),
                    rule_id: Some(&row.id),
                    reason: Some(&reason),
                    assigned_ms: Some(now),
                    due_ms: Some(due),
                    tried: &tried,
                };
                if !store::place(tx, &lead.id, lead.revision, &placement, now).await? {
                    return Err(AppError::Conflict("stale_version"));
                }
                let assignment = uuid::Uuid::now_v7().to_string();
                store::insert_assignment(tx, &assignment, &lead.id, partner, Some(&row.id), &reason, now, due).await?;
                (Some(partner), tell_partner(tx, lead, partner, due, now).await?)
            }
            Routed::Nobody(skipped) => {
                let reason = serde_json::json!({ "nobody": true, "skipped": skipped });
                let placement = Placement {
                    status: LeadStatus::Unassigned,
                    partner_id: None,
                    rule_id: None,
                    reason: Some(&reason),
                    assigned_ms: None,
                    due_ms: None,
                    tried: &lead.tried,
                };
                if !store::place(tx, &lead.id, lead.revision, &placement, now).await? {
                    return Err(AppError::Conflict("stale_version"));
                }
                (None, Vec::new())
            }
        };
        self.moved(lead, placed, now);
        Ok((placed, events))
    }

    /// Keeps the facts as the database now has them: the lead left the partner holding it and
    /// counts for the one it went to.
    fn moved(&mut self, lead: &LeadRow, to: Option<PartnerId>, now: i64) {
        let held = matches!(lead.status, LeadStatus::Assigned | LeadStatus::Accepted);
        for facts in &mut self.partners {
            if held && lead.partner_id == Some(facts.id) {
                facts.open_leads = facts.open_leads.saturating_sub(1);
            }
            if to == Some(facts.id) {
                facts.open_leads = facts.open_leads.saturating_add(1);
                facts.last_assigned_ms = now;
            }
        }
    }
}

/// Tells the partner's active admins and sales reps that a lead waits for their answer.
async fn tell_partner(
    tx: &mut Tx,
    lead: &LeadRow,
    partner: PartnerId,
    due: i64,
    now: i64,
) -> AppResult<Vec<crate::events::Event>> {
    let people = qudao_store::access::users::active_of_partner(tx, partner).await;
    let note = Note {
        topic: Topic::DealEvent,
        title: format!("新线索：{}", lead.company),
        body: format!("{} · 请在 {} 前接受或拒绝", lead.number, crate::clock::china_datetime(due)),
        object: Some(("lead".into(), lead.id.clone())),
        partner_id: Some(partner),
    };
    crate::notifications::notify(tx, &people?, &note, now).await
}

/// Enters a lead through the API (brand staff) and routes it.
pub async fn create(app: &App, ctx: &Ctx, body: &LeadBody, idem: Option<&IdemKey>) -> AppResult<LeadView> {
    ctx.require(Permission::DealsManage)?;
    let draft = LeadDraft::parse(&body.input())?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let mut router = Router::load(&mut tx, now).await?;
    let Filed { id, events, .. } =
        file(&mut tx, &mut router, &draft, "api", None, Some(ctx.caller().user_id()), now).await?;
    let view = view_of(&mut tx, ctx, &id).await?;
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "lead", &id, "create", view.lead.partner_id, None, Some(&view.lead)),
    )
    .await?;
    crate::events::announce(&mut tx, app.events(), &events).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    publish(app, events);
    Ok(view)
}

fn publish(app: &App, events: Vec<crate::events::Event>) {
    for event in events {
        app.events().publish(event);
    }
}

/// A lead from the public form. `trap` is the hidden field people never fill: a bot that
/// filled it is told "thank you" and nothing is stored. One address may send
/// [`FORM_LEADS_PER_HOUR`] leads an hour.
pub async fn submit_public(app: &App, body: &LeadBody, ip: &str, trap: bool) -> AppResult<()> {
    if trap {
        return Ok(());
    }
    let draft = LeadDraft::parse(&body.input())?;
    let now = app.now_ms();
    let scope = Scope::system("the public lead form has no signed-in caller");
    let mut tx = app.db().write(&scope).await?;
    if store::count_from_ip(&mut tx, ip, now - HOUR_MS).await? >= FORM_LEADS_PER_HOUR {
        return Err(AppError::Throttled { retry_after_s: 3_600 });
    }
    let mut router = Router::load(&mut tx, now).await?;
    let Filed { id, events, .. } = file(&mut tx, &mut router, &draft, "form", Some(ip), None, now).await?;
    let after = serde_json::json!({ "company": draft.company, "region": draft.region_code, "source": "form" });
    let record = qudao_store::audit::AuditRecord {
        actor_id: None,
        actor_label: "public form".into(),
        partner_id: None,
        object_kind: "lead",
        object_id: id.clone(),
        action: "create",
        before: None,
        after: Some(after.to_string()),
        request_id: None,
        ip: Some(ip.to_string()),
        at_ms: now,
    };
    audit::insert(&mut tx, &record).await?;
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    publish(app, events);
    Ok(())
}

/// What an import did: every row's errors, or the leads created (all or nothing).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Leads created (0 when any row was refused).
    pub created: usize,
    /// Of those, routed to a partner.
    pub routed: usize,
    /// Refused rows: the row number as the spreadsheet shows it, and its field errors.
    pub errors: Vec<RowErrors>,
}

/// One refused row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowErrors {
    /// Row number (the header is row 1).
    pub row: usize,
    /// The fields and their error codes.
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldError>,
}

/// Imports leads from a CSV or XLSX sheet with the columns company, contact_name, phone, email,
/// region, industry, message (Chinese headers 公司, 联系人, 电话, 邮箱, 区域, 行业, 留言 too): every row
/// checked first; if any is refused, nothing is written.
pub async fn import(app: &App, ctx: &Ctx, bytes: &[u8], idem: Option<&IdemKey>) -> AppResult<ImportReport> {
    ctx.require(Permission::DealsManage)?;
    let sheet = crate::sheets::read_sheet(bytes, IMPORT_ROWS)?;
    let column = |names: &[&str]| sheet.header.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
    let columns = [
        column(&["company", "公司"]),
        column(&["contact_name", "联系人"]),
        column(&["phone", "电话"]),
        column(&["email", "邮箱"]),
        column(&["region", "区域"]),
        column(&["industry", "行业"]),
        column(&["message", "留言"]),
    ];
    if columns[0].is_none() {
        return Err(AppError::field("file", "missing_column_company"));
    }
    let cell = |row: &crate::sheets::SheetRow, i: usize| -> Option<String> {
        columns[i].and_then(|c| row.cells.get(c)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    };
    let mut drafts = Vec::new();
    let mut errors = Vec::new();
    for row in &sheet.rows {
        let input = LeadInput {
            company: cell(row, 0).unwrap_or_default(),
            contact_name: cell(row, 1),
            phone: cell(row, 2),
            email: cell(row, 3),
            region: cell(row, 4),
            industry: cell(row, 5),
            message: cell(row, 6),
        };
        match LeadDraft::parse(&input) {
            Ok(draft) => drafts.push((row.number, draft)),
            Err(invalid) => errors.push(RowErrors { row: row.number, fields: invalid.errors }),
        }
    }
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    for (number, draft) in &drafts {
        if regions::by_code(&mut tx, &draft.region_code).await?.is_none() {
            errors.push(RowErrors { row: *number, fields: vec![FieldError::new("region", "unknown_region")] });
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Ok(ImportReport { created: 0, routed: 0, errors });
    }
    let mut all_events = Vec::new();
    let mut routed = 0;
    let mut router = Router::load(&mut tx, now).await?;
    for (_, draft) in &drafts {
        let filed = file(&mut tx, &mut router, draft, "import", None, Some(ctx.caller().user_id()), now).await?;
        routed += usize::from(filed.placed.is_some());
        all_events.extend(filed.events);
    }
    let summary = serde_json::json!({ "created": drafts.len(), "routed": routed });
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "lead", "import", "import", None, None, Some(&summary))).await?;
    crate::events::announce(&mut tx, app.events(), &all_events).await?;
    let report = ImportReport { created: drafts.len(), routed, errors: Vec::new() };
    idempotency::complete(&mut tx, idem, 201, &report).await?;
    tx.commit().await?;
    publish(app, all_events);
    Ok(report)
}

async fn view_of(tx: &mut Tx, ctx: &Ctx, id: &str) -> AppResult<LeadView> {
    let lead = store::get(tx, id).await?.ok_or(AppError::NotFound)?;
    let assignments = store::assignments(tx, id).await?;
    Ok(LeadView { lead: for_caller(ctx, lead), assignments })
}

/// What of a lead's routing a caller may see: the partners that had it only for callers who
/// see every partner (a partner sees itself, a channel manager none), and the rules skipped on
/// the way only for the brand.
fn for_caller(ctx: &Ctx, mut lead: LeadRow) -> LeadRow {
    match ctx.caller().data_scope() {
        qudao_domain::access::DataScope::AllPartners => {}
        _ => {
            let own = ctx.caller().partner_id();
            lead.tried.retain(|p| Some(*p) == own);
        }
    }
    if ctx.caller().role().side() == qudao_domain::access::RoleSide::Partner
        && let Some(serde_json::Value::Object(reason)) = lead.reason.as_mut()
    {
        reason.remove("skipped");
    }
    lead
}

/// What to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LeadQuery {
    /// unassigned, assigned, accepted, converted or closed.
    #[serde(default)]
    pub status: Option<String>,
    /// One partner (brand users).
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Company, contact, phone or number.
    #[serde(default)]
    pub q: Option<String>,
    /// At most (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The caller's leads: a partner's own (its inbox), the brand's in its scope (with unassigned
/// ones), newest first.
pub async fn list(app: &App, ctx: &Ctx, query: &LeadQuery) -> AppResult<Vec<LeadRow>> {
    ctx.require(Permission::DealsRead)?;
    let status = super::status_filter(query.status.as_deref(), LeadStatus::parse)?;
    let partner_id = super::partner_filter(query.partner_id.as_deref())?;
    let filter = LeadFilter {
        status,
        partner_id,
        search: query.q.as_deref().map(text::search_query),
        limit: query.limit.unwrap_or(100),
    };
    let mut tx = app.read(ctx).await?;
    Ok(store::list(&mut tx, &filter).await?.into_iter().map(|lead| for_caller(ctx, lead)).collect())
}

/// One visible lead with its assignments.
pub async fn get(app: &App, ctx: &Ctx, id: &str) -> AppResult<LeadView> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    view_of(&mut tx, ctx, id).await
}

/// The partner accepts a lead assigned to it (before its deadline; after, it has moved on).
pub async fn accept(app: &App, ctx: &Ctx, id: &str) -> AppResult<LeadView> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let lead = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if lead.status != LeadStatus::Assigned || lead.partner_id != Some(partner) || lead.due_ms.is_some_and(|d| d <= now)
    {
        return Err(AppError::Conflict("lead_not_waiting"));
    }
    let placement = Placement {
        status: LeadStatus::Accepted,
        partner_id: lead.partner_id,
        rule_id: lead.rule_id.as_deref(),
        reason: lead.reason.as_ref(),
        assigned_ms: lead.assigned_ms,
        due_ms: lead.due_ms,
        tried: &lead.tried,
    };
    if !store::place(&mut tx, id, lead.revision, &placement, now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    store::end_assignment(&mut tx, id, partner, "accepted", Some(ctx.caller().user_id()), None, now).await?;
    let after = serde_json::json!({ "status": "accepted" });
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "lead", id, "accept", Some(partner), None, Some(&after))).await?;
    let view = view_of(&mut tx, ctx, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// The partner declines a lead assigned to it, with a reason; the lead is routed on at once.
pub async fn decline(app: &App, ctx: &Ctx, id: &str, reason: Option<&str>) -> AppResult<()> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let reason = text::optional_prose("reason", reason, 500)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let lead = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if lead.status != LeadStatus::Assigned || lead.partner_id != Some(partner) {
        return Err(AppError::Conflict("lead_not_waiting"));
    }
    store::end_assignment(&mut tx, id, partner, "declined", Some(ctx.caller().user_id()), reason.as_deref(), now)
        .await?;
    let (_, events) = Router::load(&mut tx, now).await?.route_on(&mut tx, &lead, now).await?;
    let after = serde_json::json!({ "declined_by": partner, "reason": reason });
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "lead", id, "decline", Some(partner), None, Some(&after))).await?;
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    publish(app, events);
    Ok(())
}

/// What one pass of the lead sweeper did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadsSwept {
    /// Leads whose partner let the hours pass.
    pub timed_out: u64,
    /// Of those, routed to another partner.
    pub rerouted: u64,
}

/// Routes on every lead whose partner did not answer in time (an SLA breach, kept on the
/// assignment). Safe on every instance at once: each move is guarded by the lead's revision.
pub async fn sweep(app: &App) -> AppResult<LeadsSwept> {
    let now = app.now_ms();
    let scope = Scope::system("leads not answered in time are routed on for every partner");
    let mut tx = app.db().write(&scope).await?;
    let overdue = store::overdue(&mut tx, now, 200).await?;
    let mut swept = LeadsSwept::default();
    if overdue.is_empty() {
        return Ok(swept);
    }
    let mut router = Router::load(&mut tx, now).await?;
    let mut events = Vec::new();
    for lead in overdue {
        let Some(partner) = lead.partner_id else { continue };
        // The assignment ends as timed out only when the lead did move on (a partner accepting
        // at the same moment wins, and keeps its assignment accepted).
        match router.route_on(&mut tx, &lead, now).await {
            Ok((placed, sent)) => {
                store::end_assignment(&mut tx, &lead.id, partner, "timed_out", None, None, now).await?;
                swept.timed_out += 1;
                swept.rerouted += u64::from(placed.is_some());
                events.extend(sent);
            }
            Err(AppError::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
    }
    crate::events::announce(&mut tx, app.events(), &events).await?;
    tx.commit().await?;
    publish(app, events);
    Ok(swept)
}

/// A routing rule as saved, with its id, position and whether it is tried.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// Order in which rules are tried (lower first).
    pub position: i64,
    /// Tried at all (default yes).
    #[serde(default)]
    pub active: Option<bool>,
    /// The rule.
    pub rule: Rule,
    /// The revision read, when changing a saved rule.
    #[serde(default)]
    pub revision: Option<i64>,
}

/// The brand's routing rules, in order.
pub async fn rules(app: &App, ctx: &Ctx) -> AppResult<Vec<RuleRow>> {
    ctx.require(Permission::SettingsManage)?;
    let mut tx = app.read(ctx).await?;
    Ok(store::rules(&mut tx, false).await?)
}

/// Checks a rule against the partners there are: its own fields, its regions, and that it can
/// route to someone at all.
async fn check_rule(tx: &mut Tx, rule: &Rule, partners: &[PartnerFacts]) -> AppResult<()> {
    let mut invalid = Invalid::new();
    if let Err(errors) = rule.validate() {
        for error in errors {
            invalid.push(FieldError { field: format!("rule.{}", error.field), ..error });
        }
    }
    for (i, path) in rule.lead_regions.iter().chain(&rule.partner_regions).enumerate() {
        let code = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        let known = regions::by_code(tx, code).await?.is_some_and(|r| r.path == *path);
        if !known && path.starts_with('/') && path.ends_with('/') {
            invalid.push(FieldError::new(format!("rule.regions[{i}]"), "unknown_region"));
        }
    }
    if invalid.is_empty() && !rule.can_reach(partners) {
        invalid.push(FieldError::new("rule", "routes_to_no_one"));
    }
    Ok(invalid.into_result()?)
}

/// Saves a new rule (administrators: rules are brand-wide and may name any partner); refused
/// when it could route to no one.
pub async fn create_rule(app: &App, ctx: &Ctx, input: &RuleInput, idem: Option<&IdemKey>) -> AppResult<RuleRow> {
    ctx.require(Permission::SettingsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let partners = store::partner_facts(&mut tx, now).await?;
    check_rule(&mut tx, &input.rule, &partners).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let definition = serde_json::to_value(&input.rule).map_err(|e| AppError::Internal(e.to_string()))?;
    let active = input.active.unwrap_or(true);
    let (name, by) = (input.rule.name.trim(), ctx.caller().user_id());
    store::insert_rule(&mut tx, &id, input.position, name, &definition, active, by, now).await?;
    let saved = store::rule(&mut tx, &id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "routing_rule", &id, "create", None, None, Some(&saved))).await?;
    idempotency::complete(&mut tx, idem, 201, &saved).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Changes a rule: guarded by the revision read when the caller sends one (the editor of a
/// single administrator may leave it out and write over the rule as it stands).
pub async fn update_rule(app: &App, ctx: &Ctx, id: &str, input: &RuleInput) -> AppResult<RuleRow> {
    ctx.require(Permission::SettingsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = store::rule(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let partners = store::partner_facts(&mut tx, now).await?;
    check_rule(&mut tx, &input.rule, &partners).await?;
    let definition = serde_json::to_value(&input.rule).map_err(|e| AppError::Internal(e.to_string()))?;
    let revision = input.revision.unwrap_or(before.revision);
    let active = input.active.unwrap_or(before.active);
    if !store::update_rule(&mut tx, id, revision, input.position, input.rule.name.trim(), &definition, active, now)
        .await?
    {
        return Err(AppError::Conflict("stale_version"));
    }
    let saved = store::rule(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit(now, "routing_rule", id, "update", None, Some(&before), Some(&saved))).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Where a lead would go now, and why: "test this lead" in the rules editor. Nothing is written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    /// The partner it would go to.
    #[schema(value_type = Option<String>)]
    pub partner_id: Option<PartnerId>,
    /// Its name.
    pub partner_name: Option<String>,
    /// Why (the rule, what matched, how the partner was picked, the rules skipped).
    #[schema(value_type = Object)]
    pub reason: serde_json::Value,
}

/// A lead to test: its region code and industry.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// Region code.
    pub region: String,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
}

/// Routes a made-up lead without writing anything.
pub async fn preview(app: &App, ctx: &Ctx, input: &PreviewInput) -> AppResult<Preview> {
    ctx.require(Permission::SettingsManage)?;
    let now = app.now_ms();
    let mut tx = app.read(ctx).await?;
    let region =
        regions::by_code(&mut tx, input.region.trim()).await?.ok_or(AppError::field("region", "unknown_region"))?;
    let rules: Vec<Rule> = rules_in_force(&mut tx).await?.into_iter().map(|(_, r)| r).collect();
    let partners = store::partner_facts(&mut tx, now).await?;
    let industry = input.industry.as_deref().map(|s| text::clean(s, false)).unwrap_or_default();
    let facts = LeadFacts { region_path: region.path, industry, tried: Vec::new() };
    match routing::route(&rules, &facts, &partners) {
        Routed::To { partner, reason, .. } => {
            let name = qudao_store::partners::get(&mut tx, partner).await?.map(|p| p.name);
            Ok(Preview {
                partner_id: Some(partner),
                partner_name: name,
                reason: serde_json::to_value(&reason).map_err(|e| AppError::Internal(e.to_string()))?,
            })
        }
        Routed::Nobody(skipped) => Ok(Preview {
            partner_id: None,
            partner_name: None,
            reason: serde_json::json!({ "nobody": true, "skipped": skipped }),
        }),
    }
}

/// How partners answered their leads over the last `days` days: SLA breaches per partner.
pub async fn sla(app: &App, ctx: &Ctx, days: u32) -> AppResult<Vec<PartnerSla>> {
    ctx.require(Permission::DealsManage)?;
    let since = app.now_ms() - i64::from(days.clamp(1, 366)) * 24 * HOUR_MS;
    let mut tx = app.read(ctx).await?;
    Ok(store::sla_by_partner(&mut tx, since).await?)
}

/// The regions, for the public form's region list (no caller: regions are public facts).
pub async fn public_regions(app: &App) -> AppResult<Vec<qudao_store::partners::regions::Region>> {
    let mut tx = app.db().read(&Scope::system("the public lead form lists the regions")).await?;
    Ok(regions::all(&mut tx).await?)
}

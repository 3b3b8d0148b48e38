//! Registrations (客户报备): a partner claims an end customer; the claim is checked against every
//! live claim by entity resolution and the rule table decides — accepted and protected at once,
//! sent to a channel manager with the evidence, or rejected as a duplicate of a protected claim.
//!
//! Submissions of one day are numbered from one counter row, taken first in the transaction: that
//! row's lock makes concurrent submissions check one after the other, so two partners claiming
//! the same customer at the same moment cannot both be accepted.

use qudao_domain::access::Permission;
use qudao_domain::deals::conflicts::{Assessment, Held, Party, Verdict, assess};
use qudao_domain::deals::matcher::Relation;
use qudao_domain::deals::registration::{
    ContactInput, DAY_MS, Extension, RegistrationDraft, RegistrationInput, RegistrationStatus,
};
use qudao_domain::ids::{PartnerId, RegistrationId};
use qudao_domain::{docnum, text};
use qudao_store::deals::registrations::{
    self as store, Candidate, Change, ConflictRow, EventRow, ListFilter, NewConflict, NewRegistration, PoolEntry,
    RegistrationRow,
};
use qudao_store::partners::regions;
use qudao_store::{Tx, audit, counters, partners};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::{self, RegistrationRules};
use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// Candidates read per check: far more than one company's claims ever share a key.
const CANDIDATES: u32 = 200;
/// Conflicts kept on a registration (strongest first).
const KEPT_CONFLICTS: usize = 10;
/// Below this score a comparison is not worth showing.
const SHOWN_FROM: u8 = 40;

/// A registration as a partner or the API sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationBody {
    /// The customer's legal name (required).
    pub customer_name: String,
    /// 简称.
    #[serde(default)]
    pub short_name: Option<String>,
    /// English name.
    #[serde(default)]
    pub english_name: Option<String>,
    /// 统一社会信用代码 (checked by its check character).
    #[serde(default)]
    pub credit_code: Option<String>,
    /// Region code (`CN-31`).
    #[serde(default)]
    pub region: Option<String>,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Contact people.
    #[serde(default)]
    pub contacts: Vec<ContactBody>,
    /// Products the customer wants.
    #[serde(default)]
    pub products: Option<String>,
    /// Expected amount in yuan, as a number or a string ("500000", "12,000.50").
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub expected_amount: Option<serde_json::Value>,
    /// Expected close date (`2026-12-31`).
    #[serde(default)]
    pub expected_close: Option<String>,
    /// Anything else for the brand.
    #[serde(default)]
    pub note: Option<String>,
}

/// A contact as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

impl RegistrationBody {
    fn input(&self) -> RegistrationInput {
        let amount = match &self.expected_amount {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        RegistrationInput {
            customer_name: self.customer_name.clone(),
            short_name: self.short_name.clone(),
            english_name: self.english_name.clone(),
            credit_code: self.credit_code.clone(),
            region: self.region.clone(),
            industry: self.industry.clone(),
            contacts: self
                .contacts
                .iter()
                .map(|c| ContactInput { name: c.name.clone(), phone: c.phone.clone(), email: c.email.clone() })
                .collect(),
            products: self.products.clone(),
            expected_amount: amount,
            expected_close: self.expected_close.clone(),
            note: self.note.clone(),
        }
    }
}

/// A registration with its conflicts (evidence only, for partners) and, on its page, its timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationView {
    /// The registration.
    #[serde(flatten)]
    pub registration: RegistrationRow,
    /// Days of protection left, counting a part of a day as a day (approved only).
    pub days_left: Option<i64>,
    /// The live claims it conflicted with when submitted: evidence, score, relation; the other
    /// claim's number and partner only for the brand.
    pub conflicts: Vec<ConflictRow>,
    /// Every change, oldest first (on the single-registration read).
    pub timeline: Vec<EventRow>,
}

/// Registers a customer for the caller's partner.
pub async fn submit(
    app: &App,
    ctx: &Ctx,
    body: &RegistrationBody,
    idem: Option<&IdemKey>,
) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let draft = RegistrationDraft::parse(&body.input())?;
    let mut tx = app.write(ctx).await?;
    let id = file(app, ctx, &mut tx, partner, &draft, None).await?;
    let view = with_days_left(view_of(&mut tx, id, true).await?, app.now_ms());
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Checks and stores a parsed registration in `tx`: the conflict check, the rule table's
/// decision, the timeline's first entries and the audit row.
async fn file(
    app: &App,
    ctx: &Ctx,
    tx: &mut Tx,
    partner: PartnerId,
    draft: &RegistrationDraft,
    claimed_from: Option<RegistrationId>,
) -> AppResult<RegistrationId> {
    let now = app.now_ms();
    let region_id = match &draft.region_code {
        Some(code) => Some(regions::by_code(tx, code).await?.ok_or(AppError::field("region", "unknown_region"))?.id),
        None => None,
    };
    let holder = partners::get(tx, partner).await?.ok_or(AppError::NotFound)?;
    // The day's counter first: its row lock orders concurrent checks.
    let date = china_date(now);
    let number = docnum::format("REG", date, counters::next(tx, &format!("registration:{date}")).await?);
    let rules = rules::load(tx).await?;
    let party = draft.party();
    let keys = party.keys();
    let checked = check_party(tx, partner, &party, &keys, &rules, now).await?;
    if checked.own_duplicate {
        return Err(AppError::Conflict("already_registered"));
    }
    let verdict = checked.verdict;
    let others: Vec<&(Candidate, Assessment)> =
        checked.assessed.iter().filter(|(c, _)| c.partner_id != partner).collect();
    let (status, protected_until) = match verdict {
        Verdict::Accept => (RegistrationStatus::Approved, Some(rules.protection.ends_at(&holder.tier.code, now))),
        Verdict::Review => (RegistrationStatus::Pending, None),
        Verdict::Reject => (RegistrationStatus::Rejected, None),
    };
    let id = RegistrationId::new();
    let names: Vec<&str> =
        [Some(draft.customer_name.as_str()), draft.short_name.as_deref(), draft.english_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
    let mut search_parts = names.clone();
    search_parts.extend(draft.credit_code.as_ref().map(|c| c.as_str()));
    let search_key = text::search_key(&search_parts);
    store::insert(
        tx,
        &NewRegistration {
            id,
            number: &number,
            partner_id: partner,
            customer_name: &draft.customer_name,
            short_name: draft.short_name.as_deref(),
            english_name: draft.english_name.as_deref(),
            credit_code: draft.credit_code.as_ref().map(|c| c.as_str()),
            region_id,
            industry: draft.industry.as_deref(),
            contacts: &draft.contacts,
            products: draft.products.as_deref(),
            expected_amount: draft.expected_amount.map(|m| m.minor),
            expected_close: draft.expected_close,
            note: draft.note.as_deref(),
            status,
            verdict: verdict_code(verdict),
            protected_until,
            claimed_from,
            search_key: &search_key,
            created_by: ctx.caller().user_id(),
            now_ms: now,
        },
        &keys,
    )
    .await?;
    let mut shown: Vec<NewConflict> = others
        .iter()
        .filter(|(_, a)| rules.conflicts.counts(a) || a.score >= SHOWN_FROM)
        .map(|(c, a)| NewConflict {
            other_id: c.id,
            relation: relation_code(a.relation).into(),
            score: i64::from(a.score),
            protected: is_protected(c, now),
            evidence: serde_json::to_value(&a.evidence).unwrap_or_default(),
        })
        .collect();
    shown.sort_by_key(|c| std::cmp::Reverse(c.score));
    shown.truncate(KEPT_CONFLICTS);
    store::insert_conflicts(tx, id, partner, &shown).await?;
    let actor = Some(ctx.caller().user_id());
    let submitted =
        serde_json::json!({ "verdict": verdict_code(verdict), "conflicts": shown.len(), "claimed_from": claimed_from });
    store::add_event(
        tx,
        id,
        partner,
        actor,
        if claimed_from.is_some() { "claimed" } else { "submitted" },
        &submitted,
        now,
    )
    .await?;
    match verdict {
        Verdict::Accept => {
            let detail = serde_json::json!({ "by_rule": true, "protected_until": protected_until });
            store::add_event(tx, id, partner, None, "approved", &detail, now).await?;
        }
        Verdict::Reject => {
            let detail = serde_json::json!({ "by_rule": true, "reason": "duplicate" });
            store::add_event(tx, id, partner, None, "rejected", &detail, now).await?;
        }
        Verdict::Review => {}
    }
    let after = serde_json::json!({ "number": number, "customer_name": draft.customer_name, "status": status.as_str(), "verdict": verdict_code(verdict) });
    audit::insert(tx, &ctx.audit::<(), _>(now, "registration", id, "create", Some(partner), None, Some(&after)))
        .await?;
    Ok(id)
}

/// What the conflict check found for a customer about to be claimed by `partner`.
struct Checked {
    /// Every live claim sharing a key that compared as anything at all.
    assessed: Vec<(Candidate, Assessment)>,
    /// The partner already holds this customer.
    own_duplicate: bool,
    /// The rule table's decision against the other partners' claims.
    verdict: Verdict,
    /// Live claims read (those sharing a blocking key).
    read: usize,
}

/// Whether a live claim is under protection now.
fn is_protected(c: &Candidate, now: i64) -> bool {
    c.status == RegistrationStatus::Approved && c.protected_until.is_some_and(|until| until > now)
}

/// The conflict check: the live claims sharing a blocking key, each compared by entity
/// resolution, and the rule table's verdict.
async fn check_party(
    tx: &mut Tx,
    partner: PartnerId,
    party: &Party,
    keys: &[String],
    rules: &RegistrationRules,
    now: i64,
) -> AppResult<Checked> {
    let found = store::candidates(tx, keys, CANDIDATES).await?;
    let read = found.len();
    let assessed: Vec<(Candidate, Assessment)> =
        found.into_iter().filter_map(|c| assess(party, &party_of(&c)).map(|a| (c, a))).collect();
    let own_duplicate = assessed
        .iter()
        .any(|(c, a)| c.partner_id == partner && a.relation == Relation::Same && a.score >= rules.conflicts.review_at);
    let held: Vec<Held<'_>> = assessed
        .iter()
        .filter(|(c, _)| c.partner_id != partner)
        .map(|(c, a)| Held { assessment: a, protected: is_protected(c, now) })
        .collect();
    let verdict = rules.conflicts.decide(&held);
    Ok(Checked { assessed, own_duplicate, verdict, read })
}

/// What a check without filing found: the verdict, the conflicts' evidence (no ids, no
/// partners) and how many live claims were compared.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckOutcome {
    /// accept, review or reject.
    pub verdict: Verdict,
    /// The caller's partner already holds this customer.
    pub already_registered: bool,
    /// The other partners' claims that compared as the same company or group, strongest first.
    pub conflicts: Vec<Assessment>,
    /// Live claims read and compared (those sharing a blocking key).
    pub compared: usize,
}

/// Runs the conflict check for a registration without filing it (the bench times this: one
/// check against every claim on file).
pub async fn check(app: &App, ctx: &Ctx, body: &RegistrationBody) -> AppResult<CheckOutcome> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let draft = RegistrationDraft::parse(&body.input())?;
    let mut tx = app.read(ctx).await?;
    let rules = rules::load(&mut tx).await?;
    let party = draft.party();
    let checked = check_party(&mut tx, partner, &party, &party.keys(), &rules, app.now_ms()).await?;
    let mut conflicts: Vec<Assessment> = checked
        .assessed
        .iter()
        .filter(|(c, a)| c.partner_id != partner && (rules.conflicts.counts(a) || a.score >= SHOWN_FROM))
        .map(|(_, a)| a.clone())
        .collect();
    conflicts.sort_by_key(|a| std::cmp::Reverse(a.score));
    Ok(CheckOutcome {
        verdict: checked.verdict,
        already_registered: checked.own_duplicate,
        conflicts,
        compared: checked.read,
    })
}

/// A live claim read as the conflict check reads a party.
fn party_of(c: &Candidate) -> Party {
    let names = [Some(c.customer_name.as_str()), c.short_name.as_deref(), c.english_name.as_deref()];
    Party::new(
        names.into_iter().flatten(),
        c.credit_code.as_deref(),
        c.contacts.iter().filter_map(|x| x.phone.as_deref()),
        c.contacts.iter().filter_map(|x| x.email.as_deref()),
    )
}

fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Accept => "accept",
        Verdict::Review => "review",
        Verdict::Reject => "reject",
    }
}

fn relation_code(relation: Relation) -> &'static str {
    match relation {
        Relation::Same => "same",
        Relation::Group => "group",
        Relation::Different => "different",
    }
}

/// A visible registration with its conflicts; with its timeline when `timeline` is asked.
async fn view_of(tx: &mut Tx, id: RegistrationId, timeline: bool) -> AppResult<RegistrationView> {
    let registration = store::get(tx, id).await?.ok_or(AppError::NotFound)?;
    let conflicts = store::conflicts_of(tx, &[id]).await?.into_iter().map(|(_, c)| c).collect();
    let timeline = if timeline { store::events(tx, id).await? } else { Vec::new() };
    Ok(RegistrationView { days_left: None, registration, conflicts, timeline })
}

fn with_days_left(mut view: RegistrationView, now: i64) -> RegistrationView {
    view.days_left = match (view.registration.status, view.registration.protected_until) {
        (RegistrationStatus::Approved, Some(until)) => Some(((until - now).max(0) + DAY_MS - 1) / DAY_MS),
        _ => None,
    };
    view
}

/// One visible registration with its conflicts and timeline.
pub async fn get(app: &App, ctx: &Ctx, id: RegistrationId) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    let view = view_of(&mut tx, id, true).await?;
    Ok(with_days_left(view, app.now_ms()))
}

/// What to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RegistrationQuery {
    /// pending, approved, converted, expired, released or rejected.
    #[serde(default)]
    pub status: Option<String>,
    /// One partner (brand users).
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Name, pinyin, credit code or number.
    #[serde(default)]
    pub q: Option<String>,
    /// Only those with an extension waiting.
    #[serde(default)]
    pub extension_asked: Option<bool>,
    /// At most this many (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Visible registrations, newest first, each with its conflicts.
pub async fn list(app: &App, ctx: &Ctx, query: &RegistrationQuery) -> AppResult<Vec<RegistrationView>> {
    ctx.require(Permission::DealsRead)?;
    let status = super::status_filter(query.status.as_deref(), RegistrationStatus::parse)?;
    let partner_id = super::partner_filter(query.partner_id.as_deref())?;
    let filter = ListFilter {
        status,
        partner_id,
        search: query.q.as_deref().map(text::search_query),
        extension_asked: query.extension_asked.unwrap_or(false),
        limit: query.limit.unwrap_or(100),
    };
    let mut tx = app.read(ctx).await?;
    let rows = store::list(&mut tx, &filter).await?;
    let ids: Vec<RegistrationId> = rows.iter().map(|r| r.id).collect();
    let mut conflicts = store::conflicts_of(&mut tx, &ids).await?;
    let now = app.now_ms();
    Ok(rows
        .into_iter()
        .map(|registration| {
            let mine: Vec<ConflictRow> =
                conflicts.iter().filter(|(of, _)| *of == registration.id).map(|(_, c)| c.clone()).collect();
            conflicts.retain(|(of, _)| *of != registration.id);
            with_days_left(
                RegistrationView { registration, days_left: None, conflicts: mine, timeline: Vec::new() },
                now,
            )
        })
        .collect())
}

/// A decision on a pending registration, or on an extension.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Why (shown on the timeline, to the partner too).
    #[serde(default)]
    pub comment: Option<String>,
}

impl Decision {
    fn approve(&self) -> AppResult<bool> {
        match self.decision.trim() {
            "approve" => Ok(true),
            "reject" => Ok(false),
            _ => Err(AppError::field("decision", "approve_or_reject")),
        }
    }

    fn comment(&self) -> AppResult<Option<String>> {
        Ok(text::optional_prose("comment", self.comment.as_deref(), 500)?)
    }
}

/// A channel manager approves (protection starts now) or rejects a pending registration.
pub async fn decide(app: &App, ctx: &Ctx, id: RegistrationId, decision: &Decision) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsManage)?;
    let approve = decision.approve()?;
    let comment = decision.comment()?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status != RegistrationStatus::Pending {
        return Err(AppError::Conflict("status_transition"));
    }
    let rules = rules::load(&mut tx).await?;
    let change = if approve {
        Change {
            status: RegistrationStatus::Approved,
            protected_until: Some(rules.protection.ends_at(&row.partner_tier, now)),
            extensions: 0,
            extension_asked_ms: None,
            reminded_ms: None,
        }
    } else {
        Change {
            status: RegistrationStatus::Rejected,
            protected_until: None,
            extensions: 0,
            extension_asked_ms: None,
            reminded_ms: None,
        }
    };
    let kind = if approve { "approved" } else { "rejected" };
    let detail = serde_json::json!({ "comment": comment, "protected_until": change.protected_until });
    apply(app, ctx, &mut tx, &row, &change, kind, &detail).await?;
    let view = view_of(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(with_days_left(view, now))
}

/// Writes a change with its timeline entry and audit row; a change made meanwhile by someone
/// else is refused (`stale_version`), not overwritten.
pub(crate) async fn apply(
    app: &App,
    ctx: &Ctx,
    tx: &mut Tx,
    row: &RegistrationRow,
    change: &Change,
    kind: &'static str,
    detail: &serde_json::Value,
) -> AppResult<()> {
    let now = app.now_ms();
    if !row.status.can_move_to(change.status) && row.status != change.status {
        return Err(AppError::Conflict("status_transition"));
    }
    if !store::update(tx, row.id, row.revision, change, now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    let actor = Some(ctx.caller().user_id());
    store::add_event(tx, row.id, row.partner_id, actor, kind, detail, now).await?;
    let before = serde_json::json!({ "status": row.status, "protected_until": row.protected_until, "extensions": row.extensions });
    let after = serde_json::json!({ "status": change.status, "protected_until": change.protected_until, "extensions": change.extensions });
    audit::insert(tx, &ctx.audit(now, "registration", row.id, kind, Some(row.partner_id), Some(&before), Some(&after)))
        .await?;
    Ok(())
}

/// The partner gives up its claim (or the brand takes it back): the customer goes to the pool.
pub async fn release(app: &App, ctx: &Ctx, id: RegistrationId, comment: Option<&str>) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsRelease)?;
    let comment = text::optional_prose("comment", comment, 500)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !row.status.holds() {
        return Err(AppError::Conflict("status_transition"));
    }
    let change = Change {
        status: RegistrationStatus::Released,
        protected_until: None,
        extensions: row.extensions,
        extension_asked_ms: None,
        reminded_ms: row.reminded_ms,
    };
    apply(app, ctx, &mut tx, &row, &change, "released", &serde_json::json!({ "comment": comment })).await?;
    let view = view_of(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(with_days_left(view, now))
}

/// The partner asks for more time: granted by rule up to the rule's count, then waiting for a
/// channel manager, refused past the maximum.
pub async fn ask_extension(
    app: &App,
    ctx: &Ctx,
    id: RegistrationId,
    reason: Option<&str>,
) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsRegister)?;
    let reason = text::optional_prose("reason", reason, 500)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status != RegistrationStatus::Approved {
        return Err(AppError::Conflict("status_transition"));
    }
    if row.extension_asked_ms.is_some() {
        return Err(AppError::Conflict("extension_pending"));
    }
    let rules = rules::load(&mut tx).await?;
    let granted = u32::try_from(row.extensions).unwrap_or(u32::MAX);
    let (change, kind) = match rules.protection.extension(granted) {
        Extension::Refused => return Err(AppError::Conflict("no_more_extensions")),
        Extension::Granted => (extended(&row, &rules, now), "extended"),
        Extension::NeedsApproval => (
            Change {
                status: row.status,
                protected_until: row.protected_until,
                extensions: row.extensions,
                extension_asked_ms: Some(now),
                reminded_ms: row.reminded_ms,
            },
            "extension_asked",
        ),
    };
    let detail = serde_json::json!({ "reason": reason, "by_rule": kind == "extended", "protected_until": change.protected_until });
    apply(app, ctx, &mut tx, &row, &change, kind, &detail).await?;
    let view = view_of(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(with_days_left(view, now))
}

/// The protection one extension later (counted from its current end, or from now if that passed).
fn extended(row: &RegistrationRow, rules: &RegistrationRules, now: i64) -> Change {
    let from = row.protected_until.unwrap_or(now).max(now);
    Change {
        status: RegistrationStatus::Approved,
        protected_until: Some(from + i64::from(rules.protection.extension_days) * DAY_MS),
        extensions: row.extensions + 1,
        extension_asked_ms: None,
        reminded_ms: None,
    }
}

/// A channel manager grants or refuses a waiting extension.
pub async fn decide_extension(
    app: &App,
    ctx: &Ctx,
    id: RegistrationId,
    decision: &Decision,
) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsManage)?;
    let approve = decision.approve()?;
    let comment = decision.comment()?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status != RegistrationStatus::Approved || row.extension_asked_ms.is_none() {
        return Err(AppError::Conflict("no_extension_asked"));
    }
    let rules = rules::load(&mut tx).await?;
    let (change, kind) = if approve {
        (extended(&row, &rules, now), "extended")
    } else {
        (
            Change {
                status: row.status,
                protected_until: row.protected_until,
                extensions: row.extensions,
                extension_asked_ms: None,
                reminded_ms: row.reminded_ms,
            },
            "extension_refused",
        )
    };
    let detail = serde_json::json!({ "comment": comment, "protected_until": change.protected_until });
    apply(app, ctx, &mut tx, &row, &change, kind, &detail).await?;
    let view = view_of(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(with_days_left(view, now))
}

/// The pool: customers whose claims expired or were released and that nobody has taken over.
pub async fn pool(app: &App, ctx: &Ctx, q: Option<&str>) -> AppResult<Vec<PoolEntry>> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    let search = q.map(text::search_query);
    Ok(store::pool(&mut tx, search.as_deref(), 200).await?)
}

/// Claims a customer from the pool for the caller's partner: a new registration of the
/// customer's name, codes, region and industry (not the former holder's contacts), with the
/// caller's note, checked like any other.
pub async fn claim(
    app: &App,
    ctx: &Ctx,
    from: RegistrationId,
    note: Option<&str>,
    idem: Option<&IdemKey>,
) -> AppResult<RegistrationView> {
    ctx.require(Permission::DealsRegister)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let mut tx = app.write(ctx).await?;
    let old = store::pool_customer(&mut tx, from).await?.ok_or(AppError::NotFound)?;
    let input = RegistrationInput {
        customer_name: old.customer_name.clone(),
        short_name: old.short_name.clone(),
        english_name: old.english_name.clone(),
        credit_code: old.credit_code.clone(),
        region: old.region_code.clone(),
        industry: old.industry.clone(),
        note: note.map(str::to_string),
        ..RegistrationInput::default()
    };
    let draft = RegistrationDraft::parse(&input)?;
    let id = file(app, ctx, &mut tx, partner, &draft, Some(from)).await?;
    let view = with_days_left(view_of(&mut tx, id, true).await?, app.now_ms());
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

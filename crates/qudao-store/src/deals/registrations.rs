//! Registrations (客户报备): the claims, their blocking keys, the conflicts found at submission and
//! the timeline.
//!
//! Reads a user can reach filter by the caller's scope. Two reads cross it on purpose, each for
//! one use and with only what that use needs: the conflict check's candidates (every partner's
//! claims sharing a key — the app tells a partner only the evidence) and the pool (expired and
//! released claims any partner may take over — without contacts or the former holder).

use qudao_domain::deals::registration::{Contact, RegistrationStatus};
use qudao_domain::ids::{PartnerId, RegionId, RegistrationEventId, RegistrationId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Scope, Sql, StoreError, StoreResult, Tx};

/// Reads past the caller's scope for one purpose, switching back before returning.
macro_rules! past_scope {
    ($tx:ident, $reason:literal, $reads:expr) => {{
        let own = $tx.swap_scope(Scope::system($reason)).await?;
        let result = $reads;
        $tx.swap_scope(own).await?;
        result
    }};
}

/// A registration to store.
#[derive(Debug, Clone)]
pub struct NewRegistration<'a> {
    /// Id.
    pub id: RegistrationId,
    /// REG-20261129-0001.
    pub number: &'a str,
    /// The claiming partner.
    pub partner_id: PartnerId,
    /// Customer's legal name.
    pub customer_name: &'a str,
    /// 简称.
    pub short_name: Option<&'a str>,
    /// English name.
    pub english_name: Option<&'a str>,
    /// Credit code.
    pub credit_code: Option<&'a str>,
    /// Region.
    pub region_id: Option<RegionId>,
    /// Industry.
    pub industry: Option<&'a str>,
    /// Contacts.
    pub contacts: &'a [Contact],
    /// Products wanted.
    pub products: Option<&'a str>,
    /// Expected amount, fen.
    pub expected_amount: Option<i64>,
    /// Expected close, `yyyymmdd`.
    pub expected_close: Option<u32>,
    /// Note.
    pub note: Option<&'a str>,
    /// Status at submission.
    pub status: RegistrationStatus,
    /// accept, review or reject.
    pub verdict: &'a str,
    /// End of protection when approved at once.
    pub protected_until: Option<i64>,
    /// The pool entry this claim takes over.
    pub claimed_from: Option<RegistrationId>,
    /// Search key (names, pinyin, credit code).
    pub search_key: &'a str,
    /// Who submitted it.
    pub created_by: UserId,
    /// When.
    pub now_ms: i64,
}

/// Stores a registration with its blocking keys.
pub async fn insert(tx: &mut Tx, r: &NewRegistration<'_>, keys: &[String]) -> StoreResult<()> {
    let contacts = serde_json::to_string(r.contacts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut sql = Sql::new(
        "INSERT INTO registrations (id, number, partner_id, customer_name, short_name, english_name, credit_code, \
         region_id, industry, contacts, products, expected_amount, expected_close, note, status, verdict, \
         protected_until, extensions, extension_asked_ms, reminded_ms, claimed_from, search_key, created_by, \
         created_ms, updated_ms, revision) VALUES (",
    );
    sql.bind(r.id).push(", ").bind(r.number).push(", ").bind(r.partner_id).push(", ").bind(r.customer_name);
    sql.push(", ").bind(r.short_name).push(", ").bind(r.english_name).push(", ").bind(r.credit_code);
    sql.push(", ").bind(r.region_id).push(", ").bind(r.industry).push(", ").bind(contacts);
    sql.push(", ").bind(r.products).push(", ").bind(r.expected_amount);
    sql.push(", ").bind(r.expected_close.map(i64::from)).push(", ").bind(r.note);
    sql.push(", ").bind(r.status.as_str()).push(", ").bind(r.verdict).push(", ").bind(r.protected_until);
    sql.push(", 0, NULL, NULL, ").bind(r.claimed_from).push(", ").bind(r.search_key);
    sql.push(", ").bind(r.created_by).push(", ").bind(r.now_ms).push(", ").bind(r.now_ms).push(", 0)");
    sql.execute(tx.conn()).await?;
    if !keys.is_empty() {
        let mut sql = Sql::new("INSERT INTO registration_keys (key, registration_id) VALUES ");
        for (i, key) in keys.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).bind(key).push(", ").bind(r.id).push(")");
        }
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A claim as the conflict check reads it: the customer's identifying fields and whether (and
/// until when) it holds the customer. Read past the caller's scope; never shown as such.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Id.
    pub id: RegistrationId,
    /// The claiming partner (compared with the caller's, never shown).
    pub partner_id: PartnerId,
    /// Status.
    pub status: RegistrationStatus,
    /// End of protection.
    pub protected_until: Option<i64>,
    /// Names.
    pub customer_name: String,
    /// 简称.
    pub short_name: Option<String>,
    /// English name.
    pub english_name: Option<String>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Contacts.
    pub contacts: Vec<Contact>,
}

/// The claims that still hold their customer (pending or approved) sharing at least one of `keys`,
/// most recent first, at most `limit`.
pub async fn candidates(tx: &mut Tx, keys: &[String], limit: u32) -> StoreResult<Vec<Candidate>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    past_scope!(tx, "the conflict check compares a claim with every partner's claims", {
        let mut sql = Sql::new(
            "SELECT r.id, r.partner_id, r.status, r.protected_until, r.customer_name, r.short_name, r.english_name, \
             r.credit_code, r.contacts FROM registrations r WHERE r.status IN ('pending', 'approved') \
             AND r.id IN (SELECT k.registration_id FROM registration_keys k WHERE k.key IN ",
        );
        sql.bind_list(keys.iter()).push(") ORDER BY r.created_ms DESC LIMIT ").push(&limit.to_string());
        let rows = sql.fetch_all(tx.conn()).await?;
        rows.iter()
            .map(|row| {
                Ok(Candidate {
                    id: row.parse("id")?,
                    partner_id: row.parse("partner_id")?,
                    status: status_of(row)?,
                    protected_until: row.opt_int("protected_until")?,
                    customer_name: row.text("customer_name")?,
                    short_name: row.opt_text("short_name")?,
                    english_name: row.opt_text("english_name")?,
                    credit_code: row.opt_text("credit_code")?,
                    contacts: contacts_of(row)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()
    })
}

fn status_of(row: &sqlx::any::AnyRow) -> StoreResult<RegistrationStatus> {
    let code = row.text("status")?;
    RegistrationStatus::parse(&code).ok_or_else(|| StoreError::Corrupt(format!("registration status {code}")))
}

fn contacts_of(row: &sqlx::any::AnyRow) -> StoreResult<Vec<Contact>> {
    serde_json::from_str(&row.text("contacts")?).map_err(|e| StoreError::Corrupt(format!("contacts: {e}")))
}

/// A conflict found at submission.
#[derive(Debug, Clone)]
pub struct NewConflict {
    /// The claim conflicted with.
    pub other_id: RegistrationId,
    /// same or group.
    pub relation: String,
    /// 0–100.
    pub score: i64,
    /// The other was protected then.
    pub protected: bool,
    /// The evidence, JSON.
    pub evidence: serde_json::Value,
}

/// Stores the conflicts of a new registration (of `partner`).
pub async fn insert_conflicts(
    tx: &mut Tx,
    id: RegistrationId,
    partner: PartnerId,
    conflicts: &[NewConflict],
) -> StoreResult<()> {
    for c in conflicts {
        let mut sql = Sql::new(
            "INSERT INTO registration_conflicts (registration_id, other_id, partner_id, relation, score, protected, \
             evidence) VALUES (",
        );
        sql.bind(id).push(", ").bind(c.other_id).push(", ").bind(partner).push(", ").bind(c.relation.as_str());
        sql.push(", ").bind(c.score).push(", ").bind(c.protected).push(", ").bind(c.evidence.to_string()).push(")");
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A stored conflict. The other claim's number and partner are filled only for brand scopes (the
/// review queue puts both side by side); a partner gets the evidence alone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConflictRow {
    /// The other claim, for brand scopes.
    #[schema(value_type = Option<String>)]
    pub other_id: Option<RegistrationId>,
    /// Its number, for brand scopes.
    pub other_number: Option<String>,
    /// Its partner's name, for brand scopes.
    pub other_partner: Option<String>,
    /// Its customer's name as written there, for brand scopes.
    pub other_customer: Option<String>,
    /// Its status now, for brand scopes.
    pub other_status: Option<String>,
    /// same or group.
    pub relation: String,
    /// 0–100.
    pub score: i64,
    /// Whether the other claim was protected when this one was submitted.
    pub protected: bool,
    /// The evidence.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
}

/// The conflicts of visible registrations, keyed by registration, strongest first.
pub async fn conflicts_of(tx: &mut Tx, ids: &[RegistrationId]) -> StoreResult<Vec<(RegistrationId, ConflictRow)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT c.registration_id, c.other_id, c.relation, c.score, c.protected, c.evidence \
         FROM registration_conflicts c WHERE c.registration_id IN ",
    );
    sql.bind_list(ids.iter().copied());
    tx.scope().filter_partner(&mut sql, "c.partner_id");
    sql.push(" ORDER BY c.score DESC");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut out = Vec::new();
    let mut others = Vec::new();
    for row in &rows {
        let evidence = serde_json::from_str(&row.text("evidence")?)
            .map_err(|e| StoreError::Corrupt(format!("conflict evidence: {e}")))?;
        let other: RegistrationId = row.parse("other_id")?;
        others.push(other);
        out.push((
            row.parse("registration_id")?,
            ConflictRow {
                other_id: Some(other),
                other_number: None,
                other_partner: None,
                other_customer: None,
                other_status: None,
                relation: row.text("relation")?,
                score: row.int("score")?,
                protected: row.flag("protected")?,
                evidence,
            },
        ));
    }
    if tx.scope().sees_brand_records() {
        // The brand sees the other side, as far as its own scope reaches.
        let mut sql = Sql::new(
            "SELECT r.id, r.number, r.customer_name, r.status, p.name AS partner_name FROM registrations r \
             JOIN partners p ON p.id = r.partner_id WHERE r.id IN ",
        );
        sql.bind_list(others.iter().copied());
        tx.scope().filter_partner(&mut sql, "r.partner_id");
        for row in sql.fetch_all(tx.conn()).await? {
            let id: RegistrationId = row.parse("id")?;
            for (_, c) in out.iter_mut().filter(|(_, c)| c.other_id == Some(id)) {
                c.other_number = Some(row.text("number")?);
                c.other_customer = Some(row.text("customer_name")?);
                c.other_status = Some(row.text("status")?);
                c.other_partner = Some(row.text("partner_name")?);
            }
        }
    } else {
        for (_, c) in &mut out {
            c.other_id = None;
        }
    }
    Ok(out)
}

/// A registration as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationRow {
    /// Id.
    #[schema(value_type = String)]
    pub id: RegistrationId,
    /// REG-20261129-0001.
    pub number: String,
    /// The claiming partner.
    #[schema(value_type = String)]
    pub partner_id: PartnerId,
    /// Its name.
    pub partner_name: String,
    /// Its tier code (protection length).
    pub partner_tier: String,
    /// Customer's legal name.
    pub customer_name: String,
    /// 简称.
    pub short_name: Option<String>,
    /// English name.
    pub english_name: Option<String>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Region.
    #[schema(value_type = Option<String>)]
    pub region_id: Option<RegionId>,
    /// Region's code.
    pub region_code: Option<String>,
    /// Region's Chinese name.
    pub region_name: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Products wanted.
    pub products: Option<String>,
    /// Expected amount, fen.
    pub expected_amount: Option<i64>,
    /// Expected close, `yyyymmdd`.
    pub expected_close: Option<u32>,
    /// Note.
    pub note: Option<String>,
    /// Status.
    pub status: RegistrationStatus,
    /// What the conflict rules said at submission.
    pub verdict: String,
    /// End of protection (epoch ms).
    pub protected_until: Option<i64>,
    /// Extensions granted.
    pub extensions: i64,
    /// An extension waits for the brand since.
    pub extension_asked_ms: Option<i64>,
    /// Last reminded of the end.
    pub reminded_ms: Option<i64>,
    /// The pool entry this claim took over.
    #[schema(value_type = Option<String>)]
    pub claimed_from: Option<RegistrationId>,
    /// Submitted by.
    #[schema(value_type = String)]
    pub created_by: UserId,
    /// Submitted at.
    pub created_ms: i64,
    /// Last change.
    pub updated_ms: i64,
    /// For guarded updates.
    pub revision: i64,
}

const VIEW: &str = "SELECT r.id, r.number, r.partner_id, p.name AS partner_name, t.code AS partner_tier, \
                    r.customer_name, r.short_name, r.english_name, r.credit_code, r.region_id, g.code AS region_code, \
                    g.name_zh AS region_name, r.industry, r.contacts, r.products, r.expected_amount, r.expected_close, \
                    r.note, r.status, r.verdict, r.protected_until, r.extensions, r.extension_asked_ms, r.reminded_ms, \
                    r.claimed_from, r.created_by, r.created_ms, r.updated_ms, r.revision \
                    FROM registrations r JOIN partners p ON p.id = r.partner_id JOIN tiers t ON t.id = p.tier_id \
                    LEFT JOIN regions g ON g.id = r.region_id WHERE 1 = 1";

fn row_of(row: &sqlx::any::AnyRow) -> StoreResult<RegistrationRow> {
    Ok(RegistrationRow {
        id: row.parse("id")?,
        number: row.text("number")?,
        partner_id: row.parse("partner_id")?,
        partner_name: row.text("partner_name")?,
        partner_tier: row.text("partner_tier")?,
        customer_name: row.text("customer_name")?,
        short_name: row.opt_text("short_name")?,
        english_name: row.opt_text("english_name")?,
        credit_code: row.opt_text("credit_code")?,
        region_id: row.opt_parse("region_id")?,
        region_code: row.opt_text("region_code")?,
        region_name: row.opt_text("region_name")?,
        industry: row.opt_text("industry")?,
        contacts: contacts_of(row)?,
        products: row.opt_text("products")?,
        expected_amount: row.opt_int("expected_amount")?,
        expected_close: row.opt_int("expected_close")?.and_then(|d| u32::try_from(d).ok()),
        note: row.opt_text("note")?,
        status: status_of(row)?,
        verdict: row.text("verdict")?,
        protected_until: row.opt_int("protected_until")?,
        extensions: row.int("extensions")?,
        extension_asked_ms: row.opt_int("extension_asked_ms")?,
        reminded_ms: row.opt_int("reminded_ms")?,
        claimed_from: row.opt_parse("claimed_from")?,
        created_by: row.parse("created_by")?,
        created_ms: row.int("created_ms")?,
        updated_ms: row.int("updated_ms")?,
        revision: row.int("revision")?,
    })
}

/// One visible registration.
pub async fn get(tx: &mut Tx, id: RegistrationId) -> StoreResult<Option<RegistrationRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND r.id = ", id);
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(row_of).transpose()
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<RegistrationStatus>,
    /// Only this partner.
    pub partner_id: Option<PartnerId>,
    /// Only those whose names, pinyin, credit code or number contain this (normalised).
    pub search: Option<String>,
    /// Only those with an extension waiting.
    pub extension_asked: bool,
    /// Newest first, at most this many.
    pub limit: u32,
}

/// Visible registrations, newest first.
pub async fn list(tx: &mut Tx, filter: &ListFilter) -> StoreResult<Vec<RegistrationRow>> {
    let mut sql = Sql::new(VIEW);
    if let Some(status) = filter.status {
        sql.push_bind(" AND r.status = ", status.as_str());
    }
    if let Some(partner) = filter.partner_id {
        sql.push_bind(" AND r.partner_id = ", partner);
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", qudao_domain::text::like_escape(search));
        sql.push(" AND (r.search_key LIKE ").bind(pattern.clone()).push(" ESCAPE '\\'");
        sql.push(" OR lower(r.number) LIKE ").bind(pattern).push(" ESCAPE '\\')");
    }
    if filter.extension_asked {
        sql.push(" AND r.extension_asked_ms IS NOT NULL");
    }
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    sql.push(" ORDER BY r.created_ms DESC, r.id DESC LIMIT ").push(&filter.limit.clamp(1, 500).to_string());
    sql.fetch_all(tx.conn()).await?.iter().map(row_of).collect()
}

/// Counts of visible registrations per status.
pub async fn counts(tx: &mut Tx) -> StoreResult<Vec<(String, i64)>> {
    let mut sql = Sql::new("SELECT r.status, COUNT(*) AS n FROM registrations r WHERE 1 = 1");
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    sql.push(" GROUP BY r.status");
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.text("status")?, row.int("n")?))).collect()
}

/// A change of status and protection, guarded by the revision read.
#[derive(Debug, Clone)]
pub struct Change {
    /// The new status.
    pub status: RegistrationStatus,
    /// The new end of protection.
    pub protected_until: Option<i64>,
    /// Extensions granted, after the change.
    pub extensions: i64,
    /// Extension waiting since, after the change.
    pub extension_asked_ms: Option<i64>,
    /// Last reminded, after the change.
    pub reminded_ms: Option<i64>,
}

/// Writes a change if the registration is still at `revision`; false when someone changed it first.
pub async fn update(tx: &mut Tx, id: RegistrationId, revision: i64, c: &Change, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE registrations SET status = ");
    sql.bind(c.status.as_str()).push(", protected_until = ").bind(c.protected_until);
    sql.push(", extensions = ").bind(c.extensions).push(", extension_asked_ms = ").bind(c.extension_asked_ms);
    sql.push(", reminded_ms = ").bind(c.reminded_ms).push(", updated_ms = ").bind(now_ms);
    sql.push(", revision = revision + 1 WHERE id = ").bind(id).push(" AND revision = ").bind(revision);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// One entry of a timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventRow {
    /// Id.
    #[schema(value_type = String)]
    pub id: RegistrationEventId,
    /// When.
    pub at_ms: i64,
    /// Who (none for the system's own: expiry, reminders, rules).
    #[schema(value_type = Option<String>)]
    pub actor_id: Option<UserId>,
    /// submitted, approved, rejected, extended, extension_asked, reminded, expired, released,
    /// claimed, converted.
    pub kind: String,
    /// Details (verdict, comment, new end of protection).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Adds an entry to a registration's timeline.
pub async fn add_event(
    tx: &mut Tx,
    registration: RegistrationId,
    partner: PartnerId,
    actor: Option<UserId>,
    kind: &str,
    detail: &serde_json::Value,
    at_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO registration_events (id, registration_id, partner_id, at_ms, actor_id, kind, detail) VALUES (",
    );
    sql.bind(RegistrationEventId::new()).push(", ").bind(registration).push(", ").bind(partner);
    sql.push(", ").bind(at_ms).push(", ").bind(actor).push(", ").bind(kind).push(", ").bind(detail.to_string());
    sql.push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A visible registration's timeline, oldest first.
pub async fn events(tx: &mut Tx, registration: RegistrationId) -> StoreResult<Vec<EventRow>> {
    let mut sql = Sql::new(
        "SELECT e.id, e.at_ms, e.actor_id, e.kind, e.detail FROM registration_events e WHERE e.registration_id = ",
    );
    sql.bind(registration);
    tx.scope().filter_partner(&mut sql, "e.partner_id");
    sql.push(" ORDER BY e.at_ms, e.id");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(EventRow {
                id: row.parse("id")?,
                at_ms: row.int("at_ms")?,
                actor_id: row.opt_parse("actor_id")?,
                kind: row.text("kind")?,
                detail: serde_json::from_str(&row.text("detail")?)
                    .map_err(|e| StoreError::Corrupt(format!("event detail: {e}")))?,
            })
        })
        .collect()
}

/// Approved registrations whose protection ends before `until` (to remind, or to expire when
/// `until` is now), across partners — for the sweeper, in the system scope.
pub async fn ending_before(tx: &mut Tx, until: i64, limit: u32) -> StoreResult<Vec<RegistrationRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push(" AND r.status = 'approved' AND r.protected_until < ").bind(until);
    tx.scope().filter_partner(&mut sql, "r.partner_id");
    sql.push(" ORDER BY r.protected_until LIMIT ").push(&limit.to_string());
    sql.fetch_all(tx.conn()).await?.iter().map(row_of).collect()
}

/// A customer in the pool: an expired or released claim no live claim has taken over. Read past
/// the caller's scope (the pool is open to every partner) with only the customer's public facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolEntry {
    /// The expired or released claim.
    #[schema(value_type = String)]
    pub id: RegistrationId,
    /// Customer's legal name.
    pub customer_name: String,
    /// Region's Chinese name.
    pub region_name: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// expired or released.
    pub status: RegistrationStatus,
    /// When it entered the pool.
    pub since_ms: i64,
}

/// The pool, newest first.
pub async fn pool(tx: &mut Tx, search: Option<&str>, limit: u32) -> StoreResult<Vec<PoolEntry>> {
    past_scope!(tx, "the pool of expired and released customers is open to every partner", {
        let mut sql = Sql::new(
            "SELECT r.id, r.customer_name, g.name_zh AS region_name, r.industry, r.status, r.updated_ms \
             FROM registrations r LEFT JOIN regions g ON g.id = r.region_id \
             WHERE r.status IN ('expired', 'released') \
             AND NOT EXISTS (SELECT 1 FROM registrations n WHERE n.claimed_from = r.id AND n.status IN ('pending', 'approved', 'converted'))",
        );
        if let Some(search) = search.filter(|s| !s.is_empty()) {
            let pattern = format!("%{}%", qudao_domain::text::like_escape(search));
            sql.push(" AND r.search_key LIKE ").bind(pattern).push(" ESCAPE '\\'");
        }
        sql.push(" ORDER BY r.updated_ms DESC LIMIT ").push(&limit.clamp(1, 500).to_string());
        sql.fetch_all(tx.conn())
            .await?
            .iter()
            .map(|row| {
                Ok(PoolEntry {
                    id: row.parse("id")?,
                    customer_name: row.text("customer_name")?,
                    region_name: row.opt_text("region_name")?,
                    industry: row.opt_text("industry")?,
                    status: status_of(row)?,
                    since_ms: row.int("updated_ms")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()
    })
}

/// The full customer of a pool entry, to copy into a new claim (read past the caller's scope;
/// only for an entry that is in the pool now).
pub async fn pool_customer(tx: &mut Tx, id: RegistrationId) -> StoreResult<Option<RegistrationRow>> {
    past_scope!(tx, "a partner claims a customer from the pool", {
        let mut sql = Sql::new(VIEW);
        sql.push_bind(" AND r.id = ", id);
        sql.push(
            " AND r.status IN ('expired', 'released') AND NOT EXISTS (SELECT 1 FROM registrations n \
             WHERE n.claimed_from = r.id AND n.status IN ('pending', 'approved', 'converted'))",
        );
        sql.fetch_optional(tx.conn()).await?.as_ref().map(row_of).transpose()
    })
}

//! Leads, routing rules, assignments and the partner facts routing reads.
//!
//! Leads are filtered like the brand's own records where they have no partner yet
//! ([`crate::Scope::filter_owned`]): the brand sees unassigned leads, a partner only those with
//! it. Routing reads every active partner's facts past the caller's scope (a lead may go to any
//! partner), in the store alone.

use qudao_domain::deals::lead::LeadStatus;
use qudao_domain::deals::routing::PartnerFacts;
use qudao_domain::ids::{PartnerId, RegionId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Scope, Sql, StoreError, StoreResult, Tx};

/// A routing rule as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleRow {
    /// Id.
    pub id: String,
    /// Order in which rules are tried.
    pub position: i64,
    /// Name.
    pub name: String,
    /// The rule (JSON of [`qudao_domain::deals::routing::Rule`]).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Tried at all.
    pub active: bool,
    /// For guarded edits.
    pub revision: i64,
    /// Last change.
    pub updated_ms: i64,
}

fn rule_of(row: &sqlx::any::AnyRow) -> StoreResult<RuleRow> {
    Ok(RuleRow {
        id: row.text("id")?,
        position: row.int("position")?,
        name: row.text("name")?,
        definition: serde_json::from_str(&row.text("definition")?)
            .map_err(|e| StoreError::Corrupt(format!("routing rule: {e}")))?,
        active: row.flag("active")?,
        revision: row.int("revision")?,
        updated_ms: row.int("updated_ms")?,
    })
}

/// The brand's rules, in the order they are tried (none for partners: they are the brand's
/// configuration and may name any partner).
pub async fn rules(tx: &mut Tx, active_only: bool) -> StoreResult<Vec<RuleRow>> {
    let mut sql =
        Sql::new("SELECT id, position, name, definition, active, revision, updated_ms FROM routing_rules WHERE 1 = 1");
    tx.scope().filter_brand_only(&mut sql);
    if active_only {
        sql.push(" AND active = 1");
    }
    sql.push(" ORDER BY position, created_ms");
    sql.fetch_all(tx.conn()).await?.iter().map(rule_of).collect()
}

/// The rules routing follows, read past the caller's scope (a partner declining a lead routes it
/// on; the rules themselves are never shown to it).
pub async fn routing_rules(tx: &mut Tx) -> StoreResult<Vec<RuleRow>> {
    let own = tx.swap_scope(Scope::system("routing follows the brand's rules")).await?;
    let result = rules(tx, true).await;
    tx.swap_scope(own).await?;
    result
}

/// One rule.
pub async fn rule(tx: &mut Tx, id: &str) -> StoreResult<Option<RuleRow>> {
    let mut sql =
        Sql::new("SELECT id, position, name, definition, active, revision, updated_ms FROM routing_rules WHERE id = ");
    sql.bind(id);
    tx.scope().filter_brand_only(&mut sql);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(rule_of).transpose()
}

/// Stores a new rule.
#[allow(clippy::too_many_arguments)]
pub async fn insert_rule(
    tx: &mut Tx,
    id: &str,
    position: i64,
    name: &str,
    definition: &serde_json::Value,
    active: bool,
    by: UserId,
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO routing_rules (id, position, name, definition, active, created_by, created_ms, updated_ms, \
         revision) VALUES (",
    );
    sql.bind(id).push(", ").bind(position).push(", ").bind(name).push(", ").bind(definition.to_string());
    sql.push(", ").bind(active).push(", ").bind(by).push(", ").bind(now_ms).push(", ").bind(now_ms).push(", 0)");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Changes a rule if it is still at `revision`.
#[allow(clippy::too_many_arguments)]
pub async fn update_rule(
    tx: &mut Tx,
    id: &str,
    revision: i64,
    position: i64,
    name: &str,
    definition: &serde_json::Value,
    active: bool,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE routing_rules SET position = ");
    sql.bind(position).push(", name = ").bind(name).push(", definition = ").bind(definition.to_string());
    sql.push(", active = ").bind(active).push(", updated_ms = ").bind(now_ms);
    sql.push(", revision = revision + 1 WHERE id = ").bind(id).push(" AND revision = ").bind(revision);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Every active partner's routing facts: tier, region, certifications in force, open leads, last
/// assignment. Read past the caller's scope.
pub async fn partner_facts(tx: &mut Tx, now_ms: i64) -> StoreResult<Vec<PartnerFacts>> {
    let own = tx.swap_scope(Scope::system("a lead may be routed to any partner")).await?;
    let result = read_partner_facts(tx, now_ms).await;
    tx.swap_scope(own).await?;
    result
}

async fn read_partner_facts(tx: &mut Tx, now_ms: i64) -> StoreResult<Vec<PartnerFacts>> {
    let sql = Sql::new(
        "SELECT p.id, t.code AS tier, p.region_path FROM partners p JOIN tiers t ON t.id = p.tier_id \
         WHERE p.status = 'active' ORDER BY p.id",
    );
    let mut facts: Vec<PartnerFacts> = sql
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(PartnerFacts {
                id: row.parse("id")?,
                tier: row.text("tier")?,
                region_path: row.text("region_path")?,
                certifications: Vec::new(),
                open_leads: 0,
                last_assigned_ms: 0,
            })
        })
        .collect::<StoreResult<_>>()?;
    let index: std::collections::HashMap<PartnerId, usize> = facts.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
    let sql = Sql::new(
        "SELECT partner_id, COUNT(*) AS n FROM leads WHERE status IN ('assigned', 'accepted') \
         AND partner_id IS NOT NULL GROUP BY partner_id",
    );
    for row in sql.fetch_all(tx.conn()).await? {
        if let Some(i) = index.get(&row.parse::<PartnerId>("partner_id")?) {
            facts[*i].open_leads = u32::try_from(row.int("n")?).unwrap_or(u32::MAX);
        }
    }
    let sql = Sql::new(
        "SELECT partner_id, CAST(MAX(assigned_ms) AS BIGINT) AS last_ms FROM lead_assignments GROUP BY partner_id",
    );
    for row in sql.fetch_all(tx.conn()).await? {
        if let Some(i) = index.get(&row.parse::<PartnerId>("partner_id")?) {
            facts[*i].last_assigned_ms = row.int("last_ms")?;
        }
    }
    let mut sql =
        Sql::new("SELECT partner_id, code FROM partner_certifications WHERE expires_ms IS NULL OR expires_ms > ");
    sql.bind(now_ms);
    for row in sql.fetch_all(tx.conn()).await? {
        if let Some(i) = index.get(&row.parse::<PartnerId>("partner_id")?) {
            facts[*i].certifications.push(row.text("code")?);
        }
    }
    Ok(facts)
}

/// Grants a certification (the academy, tests, the demo).
pub async fn certify(tx: &mut Tx, partner: PartnerId, code: &str, expires_ms: Option<i64>) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO partner_certifications (partner_id, code, expires_ms) VALUES (");
    sql.bind(partner).push(", ").bind(code).push(", ").bind(expires_ms);
    sql.push(") ON CONFLICT (partner_id, code) DO UPDATE SET expires_ms = excluded.expires_ms");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A lead to store.
#[derive(Debug, Clone)]
pub struct NewLead<'a> {
    /// Id.
    pub id: &'a str,
    /// LD-20261129-0001.
    pub number: &'a str,
    /// form, import or api.
    pub source: &'a str,
    /// Company.
    pub company: &'a str,
    /// Contact.
    pub contact_name: Option<&'a str>,
    /// Phone.
    pub phone: Option<&'a str>,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Region.
    pub region_id: RegionId,
    /// Its path.
    pub region_path: &'a str,
    /// Industry.
    pub industry: &'a str,
    /// Message.
    pub message: Option<&'a str>,
    /// The public form's sender.
    pub source_ip: Option<&'a str>,
    /// Search key.
    pub search_key: &'a str,
    /// Who entered it (none for the public form).
    pub created_by: Option<UserId>,
    /// When.
    pub now_ms: i64,
}

/// Stores a lead, unassigned.
pub async fn insert(tx: &mut Tx, l: &NewLead<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO leads (id, number, source, company, contact_name, phone, email, region_id, region_path, industry, \
         message, status, partner_id, rule_id, reason, assigned_ms, due_ms, tried, source_ip, search_key, created_by, \
         created_ms, updated_ms, revision) VALUES (",
    );
    sql.bind(l.id).push(", ").bind(l.number).push(", ").bind(l.source).push(", ").bind(l.company);
    sql.push(", ").bind(l.contact_name).push(", ").bind(l.phone).push(", ").bind(l.email);
    sql.push(", ").bind(l.region_id).push(", ").bind(l.region_path).push(", ").bind(l.industry);
    sql.push(", ").bind(l.message).push(", 'unassigned', NULL, NULL, NULL, NULL, NULL, '[]', ").bind(l.source_ip);
    sql.push(", ").bind(l.search_key).push(", ").bind(l.created_by).push(", ").bind(l.now_ms);
    sql.push(", ").bind(l.now_ms).push(", 0)");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A lead as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadRow {
    /// Id.
    pub id: String,
    /// LD-20261129-0001.
    pub number: String,
    /// form, import or api.
    pub source: String,
    /// Company.
    pub company: String,
    /// Contact.
    pub contact_name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Region code.
    pub region_code: String,
    /// Region's Chinese name.
    pub region_name: String,
    /// Region path.
    pub region_path: String,
    /// Industry.
    pub industry: String,
    /// Message.
    pub message: Option<String>,
    /// Status.
    pub status: LeadStatus,
    /// The partner it is with.
    #[schema(value_type = Option<String>)]
    pub partner_id: Option<PartnerId>,
    /// That partner's name.
    pub partner_name: Option<String>,
    /// The rule that sent it there.
    pub rule_id: Option<String>,
    /// Why it went there (routing's reason).
    #[schema(value_type = Object)]
    pub reason: Option<serde_json::Value>,
    /// When it went there.
    pub assigned_ms: Option<i64>,
    /// When the partner must answer by.
    pub due_ms: Option<i64>,
    /// Partners that had it.
    #[schema(value_type = Vec<String>)]
    pub tried: Vec<PartnerId>,
    /// Created.
    pub created_ms: i64,
    /// For guarded changes.
    pub revision: i64,
}

const VIEW: &str = "SELECT l.id, l.number, l.source, l.company, l.contact_name, l.phone, l.email, g.code AS region_code, \
                    g.name_zh AS region_name, l.region_path, l.industry, l.message, l.status, l.partner_id, \
                    p.name AS partner_name, l.rule_id, l.reason, l.assigned_ms, l.due_ms, l.tried, l.created_ms, \
                    l.revision FROM leads l JOIN regions g ON g.id = l.region_id \
                    LEFT JOIN partners p ON p.id = l.partner_id WHERE 1 = 1";

fn lead_of(row: &sqlx::any::AnyRow) -> StoreResult<LeadRow> {
    let status = row.text("status")?;
    let reason = row
        .opt_text("reason")?
        .map(|r| serde_json::from_str(&r))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("lead reason: {e}")))?;
    Ok(LeadRow {
        id: row.text("id")?,
        number: row.text("number")?,
        source: row.text("source")?,
        company: row.text("company")?,
        contact_name: row.opt_text("contact_name")?,
        phone: row.opt_text("phone")?,
        email: row.opt_text("email")?,
        region_code: row.text("region_code")?,
        region_name: row.text("region_name")?,
        region_path: row.text("region_path")?,
        industry: row.text("industry")?,
        message: row.opt_text("message")?,
        status: LeadStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("lead status {status}")))?,
        partner_id: row.opt_parse("partner_id")?,
        partner_name: row.opt_text("partner_name")?,
        rule_id: row.opt_text("rule_id")?,
        reason,
        assigned_ms: row.opt_int("assigned_ms")?,
        due_ms: row.opt_int("due_ms")?,
        tried: serde_json::from_str(&row.text("tried")?)
            .map_err(|e| StoreError::Corrupt(format!("lead tried: {e}")))?,
        created_ms: row.int("created_ms")?,
        revision: row.int("revision")?,
    })
}

/// One visible lead.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<LeadRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND l.id = ", id);
    tx.scope().filter_owned(&mut sql, "l.partner_id");
    sql.fetch_optional(tx.conn()).await?.as_ref().map(lead_of).transpose()
}

/// A lead read past the caller's scope, for routing it (a lead from the public form has no
/// caller; a declined one moves to a partner its holder cannot see).
pub async fn get_for_routing(tx: &mut Tx, id: &str) -> StoreResult<Option<LeadRow>> {
    let own = tx.swap_scope(Scope::system("a lead is routed by the rules, whoever sent it")).await?;
    let found = get(tx, id).await;
    tx.swap_scope(own).await?;
    found
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Only this status.
    pub status: Option<LeadStatus>,
    /// Only those with this partner.
    pub partner_id: Option<PartnerId>,
    /// Name, pinyin, phone or number contains (normalised).
    pub search: Option<String>,
    /// At most.
    pub limit: u32,
}

/// Visible leads, newest first.
pub async fn list(tx: &mut Tx, filter: &LeadFilter) -> StoreResult<Vec<LeadRow>> {
    let mut sql = Sql::new(VIEW);
    if let Some(status) = filter.status {
        sql.push_bind(" AND l.status = ", status.as_str());
    }
    if let Some(partner) = filter.partner_id {
        sql.push_bind(" AND l.partner_id = ", partner);
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", qudao_domain::text::like_escape(search));
        sql.push(" AND (l.search_key LIKE ").bind(pattern.clone()).push(" ESCAPE '\\'");
        sql.push(" OR lower(l.number) LIKE ").bind(pattern).push(" ESCAPE '\\')");
    }
    tx.scope().filter_owned(&mut sql, "l.partner_id");
    sql.push(" ORDER BY l.created_ms DESC, l.id DESC LIMIT ").push(&filter.limit.clamp(1, 500).to_string());
    sql.fetch_all(tx.conn()).await?.iter().map(lead_of).collect()
}

/// A lead's new place, guarded by its revision.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    /// New status.
    pub status: LeadStatus,
    /// The partner (none: unassigned).
    pub partner_id: Option<PartnerId>,
    /// The rule.
    pub rule_id: Option<&'a str>,
    /// Why (JSON).
    pub reason: Option<&'a serde_json::Value>,
    /// Assigned at.
    pub assigned_ms: Option<i64>,
    /// Answer due by.
    pub due_ms: Option<i64>,
    /// Partners that had it.
    pub tried: &'a [PartnerId],
}

/// Moves a lead if it is still at `revision`. Reads past the caller's scope for the write, since
/// a partner declining a lead hands it to a partner it cannot see; the caller has read the lead
/// in its own scope first.
pub async fn place(tx: &mut Tx, id: &str, revision: i64, p: &Placement<'_>, now_ms: i64) -> StoreResult<bool> {
    let tried = serde_json::to_string(p.tried).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut sql = Sql::new("UPDATE leads SET status = ");
    sql.bind(p.status.as_str()).push(", partner_id = ").bind(p.partner_id).push(", rule_id = ").bind(p.rule_id);
    sql.push(", reason = ").bind(p.reason.map(|r| r.to_string())).push(", assigned_ms = ").bind(p.assigned_ms);
    sql.push(", due_ms = ").bind(p.due_ms).push(", tried = ").bind(tried).push(", updated_ms = ").bind(now_ms);
    sql.push(", revision = revision + 1 WHERE id = ").bind(id).push(" AND revision = ").bind(revision);
    let own = tx.swap_scope(Scope::system("a lead moves on to a partner its last holder cannot see")).await?;
    let result = sql.execute(tx.conn()).await;
    tx.swap_scope(own).await?;
    Ok(result? == 1)
}

/// Records an assignment.
#[allow(clippy::too_many_arguments)]
pub async fn insert_assignment(
    tx: &mut Tx,
    id: &str,
    lead: &str,
    partner: PartnerId,
    rule: Option<&str>,
    reason: &serde_json::Value,
    assigned_ms: i64,
    due_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO lead_assignments (id, lead_id, partner_id, rule_id, reason, assigned_ms, due_ms, outcome) VALUES (",
    );
    sql.bind(id).push(", ").bind(lead).push(", ").bind(partner).push(", ").bind(rule);
    sql.push(", ").bind(reason.to_string()).push(", ").bind(assigned_ms).push(", ").bind(due_ms).push(", 'pending')");
    let own = tx.swap_scope(Scope::system("a lead moves on to a partner its last holder cannot see")).await?;
    let result = sql.execute(tx.conn()).await;
    tx.swap_scope(own).await?;
    result?;
    Ok(())
}

/// Ends the pending assignment of a lead with `outcome` (accepted, declined, timed_out).
pub async fn end_assignment(
    tx: &mut Tx,
    lead: &str,
    partner: PartnerId,
    outcome: &str,
    by: Option<UserId>,
    note: Option<&str>,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE lead_assignments SET outcome = ");
    sql.bind(outcome).push(", decided_ms = ").bind(now_ms).push(", decided_by = ").bind(by);
    sql.push(", note = ").bind(note).push(" WHERE lead_id = ").bind(lead).push(" AND partner_id = ").bind(partner);
    sql.push(" AND outcome = 'pending'");
    Ok(sql.execute(tx.conn()).await? >= 1)
}

/// One assignment as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentRow {
    /// The partner.
    #[schema(value_type = String)]
    pub partner_id: PartnerId,
    /// Its name.
    pub partner_name: String,
    /// Why it went there.
    #[schema(value_type = Object)]
    pub reason: serde_json::Value,
    /// When.
    pub assigned_ms: i64,
    /// Answer due by.
    pub due_ms: i64,
    /// pending, accepted, declined or timed_out.
    pub outcome: String,
    /// When it ended.
    pub decided_ms: Option<i64>,
    /// The partner's note (a decline's reason).
    pub note: Option<String>,
}

/// A lead's visible assignments, oldest first (a partner sees its own).
pub async fn assignments(tx: &mut Tx, lead: &str) -> StoreResult<Vec<AssignmentRow>> {
    let mut sql = Sql::new(
        "SELECT a.partner_id, p.name AS partner_name, a.reason, a.assigned_ms, a.due_ms, a.outcome, a.decided_ms, a.note \
         FROM lead_assignments a JOIN partners p ON p.id = a.partner_id WHERE a.lead_id = ",
    );
    sql.bind(lead);
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    sql.push(" ORDER BY a.assigned_ms, a.id");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(AssignmentRow {
                partner_id: row.parse("partner_id")?,
                partner_name: row.text("partner_name")?,
                reason: serde_json::from_str(&row.text("reason")?)
                    .map_err(|e| StoreError::Corrupt(format!("assignment reason: {e}")))?,
                assigned_ms: row.int("assigned_ms")?,
                due_ms: row.int("due_ms")?,
                outcome: row.text("outcome")?,
                decided_ms: row.opt_int("decided_ms")?,
                note: row.opt_text("note")?,
            })
        })
        .collect()
}

/// Assigned leads whose answer was due before `now_ms` (the sweeper, system scope).
pub async fn overdue(tx: &mut Tx, now_ms: i64, limit: u32) -> StoreResult<Vec<LeadRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push(" AND l.status = 'assigned' AND l.due_ms <= ").bind(now_ms);
    tx.scope().filter_owned(&mut sql, "l.partner_id");
    sql.push(" ORDER BY l.due_ms LIMIT ").push(&limit.to_string());
    sql.fetch_all(tx.conn()).await?.iter().map(lead_of).collect()
}

/// Leads sent from the public form by `ip` since `since_ms` (spam throttling).
pub async fn count_from_ip(tx: &mut Tx, ip: &str, since_ms: i64) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM leads WHERE source_ip = ");
    sql.bind(ip).push(" AND created_ms >= ").bind(since_ms);
    sql.fetch_i64(tx.conn()).await
}

/// How one partner answers its leads: assignments, accepted, declined, timed out (SLA breaches)
/// and the mean time to answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerSla {
    /// The partner.
    #[schema(value_type = String)]
    pub partner_id: PartnerId,
    /// Its name.
    pub partner_name: String,
    /// Leads assigned to it.
    pub assigned: i64,
    /// Accepted in time.
    pub accepted: i64,
    /// Declined.
    pub declined: i64,
    /// Not answered in time: SLA breaches.
    pub timed_out: i64,
    /// Still waiting.
    pub pending: i64,
    /// Mean milliseconds from assignment to answer (answered ones).
    pub mean_answer_ms: Option<f64>,
}

/// Per visible partner, how it answered its leads assigned since `since_ms`; most breaches first.
pub async fn sla_by_partner(tx: &mut Tx, since_ms: i64) -> StoreResult<Vec<PartnerSla>> {
    let mut sql = Sql::new(
        "SELECT a.partner_id, p.name AS partner_name, COUNT(*) AS assigned, \
         CAST(COALESCE(SUM(CASE WHEN a.outcome = 'accepted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted, \
         CAST(COALESCE(SUM(CASE WHEN a.outcome = 'declined' THEN 1 ELSE 0 END), 0) AS BIGINT) AS declined, \
         CAST(COALESCE(SUM(CASE WHEN a.outcome = 'timed_out' THEN 1 ELSE 0 END), 0) AS BIGINT) AS timed_out, \
         CAST(COALESCE(SUM(CASE WHEN a.outcome = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT) AS pending, \
         CAST(AVG(CASE WHEN a.outcome IN ('accepted', 'declined') THEN a.decided_ms - a.assigned_ms END) AS DOUBLE PRECISION) AS mean_ms \
         FROM lead_assignments a JOIN partners p ON p.id = a.partner_id WHERE a.assigned_ms >= ",
    );
    sql.bind(since_ms);
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    sql.push(" GROUP BY a.partner_id, p.name ORDER BY timed_out DESC, assigned DESC LIMIT 500");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(PartnerSla {
                partner_id: row.parse("partner_id")?,
                partner_name: row.text("partner_name")?,
                assigned: row.int("assigned")?,
                accepted: row.int("accepted")?,
                declined: row.int("declined")?,
                timed_out: row.int("timed_out")?,
                pending: row.int("pending")?,
                mean_answer_ms: row.opt_float("mean_ms")?,
            })
        })
        .collect()
}

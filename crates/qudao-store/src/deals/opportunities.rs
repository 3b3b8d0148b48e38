//! Opportunities, their stage visits and follow-up records, filtered by the caller's scope.

use qudao_domain::ids::{PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// An opportunity is seen by whoever sees its partner or a partner it is shared with.
pub(crate) fn visible(tx: &Tx, sql: &mut Sql, owner_column: &str, id_column: &str) {
    tx.scope().filter_partner_or_shared(sql, owner_column, "opportunity_partners", "opportunity_id", id_column);
}

/// An opportunity to store.
#[derive(Debug, Clone)]
pub struct NewOpportunity<'a> {
    /// Id.
    pub id: &'a str,
    /// OP-20261129-0001.
    pub number: &'a str,
    /// The partner working it.
    pub partner_id: PartnerId,
    /// What the deal is.
    pub name: &'a str,
    /// The customer.
    pub customer_name: &'a str,
    /// The registration it came from.
    pub registration_id: Option<&'a str>,
    /// The lead it came from.
    pub lead_id: Option<&'a str>,
    /// First stage.
    pub stage: &'a str,
    /// Amount, fen.
    pub amount: i64,
    /// Expected close, `yyyymmdd`.
    pub close_date: Option<u32>,
    /// Products.
    pub products: Option<&'a str>,
    /// Competitors.
    pub competitors: Option<&'a str>,
    /// Who entered it.
    pub created_by: UserId,
    /// When.
    pub now_ms: i64,
}

/// Stores an opportunity and its first stage visit.
pub async fn insert(tx: &mut Tx, o: &NewOpportunity<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO opportunities (id, number, partner_id, name, customer_name, registration_id, lead_id, stage, \
         stage_ms, amount, close_date, products, competitors, outcome_reason, closed_ms, created_by, created_ms, \
         updated_ms, revision) VALUES (",
    );
    sql.bind(o.id).push(", ").bind(o.number).push(", ").bind(o.partner_id).push(", ").bind(o.name);
    sql.push(", ").bind(o.customer_name).push(", ").bind(o.registration_id).push(", ").bind(o.lead_id);
    sql.push(", ").bind(o.stage).push(", ").bind(o.now_ms).push(", ").bind(o.amount);
    sql.push(", ").bind(o.close_date.map(i64::from)).push(", ").bind(o.products).push(", ").bind(o.competitors);
    sql.push(", NULL, NULL, ").bind(o.created_by).push(", ").bind(o.now_ms).push(", ").bind(o.now_ms).push(", 0)");
    sql.execute(tx.conn()).await?;
    enter(tx, o.id, o.partner_id, o.stage, Some(o.created_by), o.now_ms).await
}

async fn enter(
    tx: &mut Tx,
    id: &str,
    partner: PartnerId,
    stage: &str,
    actor: Option<UserId>,
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO opportunity_visits (opportunity_id, partner_id, stage, entered_ms, left_ms, actor_id) VALUES (",
    );
    sql.bind(id).push(", ").bind(partner).push(", ").bind(stage).push(", ").bind(now_ms).push(", NULL, ");
    sql.bind(actor).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// An opportunity as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpportunityRow {
    /// Id.
    pub id: String,
    /// OP-20261129-0001.
    pub number: String,
    /// The partner working it.
    #[schema(value_type = String)]
    pub partner_id: PartnerId,
    /// Its name.
    pub partner_name: String,
    /// What the deal is.
    pub name: String,
    /// The customer.
    pub customer_name: String,
    /// The registration it came from.
    pub registration_id: Option<String>,
    /// The lead it came from.
    pub lead_id: Option<String>,
    /// Stage code.
    pub stage: String,
    /// When it entered the stage.
    pub stage_ms: i64,
    /// Amount, fen.
    pub amount: i64,
    /// Expected close, `yyyymmdd`.
    pub close_date: Option<u32>,
    /// Products.
    pub products: Option<String>,
    /// Competitors.
    pub competitors: Option<String>,
    /// Why it was won or lost.
    pub outcome_reason: Option<String>,
    /// When it was won or lost.
    pub closed_ms: Option<i64>,
    /// Entered at.
    pub created_ms: i64,
    /// For guarded changes.
    pub revision: i64,
}

const VIEW: &str = "SELECT o.id, o.number, o.partner_id, p.name AS partner_name, o.name, o.customer_name, \
                    o.registration_id, o.lead_id, o.stage, o.stage_ms, o.amount, o.close_date, o.products, \
                    o.competitors, o.outcome_reason, o.closed_ms, o.created_ms, o.revision \
                    FROM opportunities o LEFT JOIN partners p ON p.id = o.partner_id WHERE 1 = 1";

fn row_of(row: &sqlx::any::AnyRow) -> StoreResult<OpportunityRow> {
    Ok(OpportunityRow {
        id: row.text("id")?,
        number: row.text("number")?,
        partner_id: row.parse("partner_id")?,
        partner_name: row.opt_text("partner_name")?.unwrap_or_default(),
        name: row.text("name")?,
        customer_name: row.text("customer_name")?,
        registration_id: row.opt_text("registration_id")?,
        lead_id: row.opt_text("lead_id")?,
        stage: row.text("stage")?,
        stage_ms: row.int("stage_ms")?,
        amount: row.int("amount")?,
        close_date: row.opt_int("close_date")?.and_then(|d| u32::try_from(d).ok()),
        products: row.opt_text("products")?,
        competitors: row.opt_text("competitors")?,
        outcome_reason: row.opt_text("outcome_reason")?,
        closed_ms: row.opt_int("closed_ms")?,
        created_ms: row.int("created_ms")?,
        revision: row.int("revision")?,
    })
}

/// One visible opportunity.
pub async fn get(tx: &mut Tx, id: &str) -> StoreResult<Option<OpportunityRow>> {
    let mut sql = Sql::new(VIEW);
    sql.push_bind(" AND o.id = ", id);
    visible(tx, &mut sql, "o.partner_id", "o.id");
    let found: Vec<OpportunityRow> =
        sql.fetch_optional(tx.conn()).await?.as_ref().map(row_of).transpose()?.into_iter().collect();
    Ok(with_owner_names(tx, found).await?.pop())
}

/// Names the owners a partner a deal is shared with may not see as partners (a distributor
/// does not see its sub-dealers unless the brand allows it): the owner of a deal shared with
/// it is named on the deal. Read past the caller's scope for those names only.
async fn with_owner_names(tx: &mut Tx, mut rows: Vec<OpportunityRow>) -> StoreResult<Vec<OpportunityRow>> {
    let missing: Vec<PartnerId> = rows.iter().filter(|r| r.partner_name.is_empty()).map(|r| r.partner_id).collect();
    if missing.is_empty() {
        return Ok(rows);
    }
    let mut sql = Sql::new("SELECT id, name FROM partners WHERE id IN ");
    sql.bind_list(missing.iter().copied());
    let own = tx.swap_scope(crate::Scope::system("a shared deal names the partner working it")).await?;
    let found = sql.fetch_all(tx.conn()).await;
    tx.swap_scope(own).await?;
    for row in found? {
        let id: PartnerId = row.parse("id")?;
        let name = row.text("name")?;
        for r in rows.iter_mut().filter(|r| r.partner_id == id) {
            r.partner_name = name.clone();
        }
    }
    Ok(rows)
}

/// Visible opportunities, by stage then newest; only open ones when asked.
pub async fn list(
    tx: &mut Tx,
    partner: Option<PartnerId>,
    open_only: bool,
    limit: u32,
) -> StoreResult<Vec<OpportunityRow>> {
    let mut sql = Sql::new(VIEW);
    if let Some(partner) = partner {
        sql.push_bind(" AND o.partner_id = ", partner);
    }
    if open_only {
        sql.push(" AND o.closed_ms IS NULL");
    }
    visible(tx, &mut sql, "o.partner_id", "o.id");
    sql.push(" ORDER BY o.created_ms DESC, o.id DESC LIMIT ").push(&limit.clamp(1, 1000).to_string());
    let rows = sql.fetch_all(tx.conn()).await?.iter().map(row_of).collect::<StoreResult<Vec<_>>>()?;
    with_owner_names(tx, rows).await
}

/// Moves an opportunity to a stage (closing it when `closed`), if still at `revision`; the
/// current visit ends and a new one begins.
#[allow(clippy::too_many_arguments)]
pub async fn move_to(
    tx: &mut Tx,
    current: &OpportunityRow,
    stage: &str,
    closed: bool,
    reason: Option<&str>,
    actor: UserId,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE opportunities SET stage = ");
    sql.bind(stage).push(", stage_ms = ").bind(now_ms).push(", outcome_reason = ").bind(reason);
    sql.push(", closed_ms = ").bind(closed.then_some(now_ms)).push(", updated_ms = ").bind(now_ms);
    sql.push(", revision = revision + 1 WHERE id = ").bind(current.id.as_str());
    sql.push(" AND revision = ").bind(current.revision);
    tx.scope().filter_partner(&mut sql, "partner_id");
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    let mut sql = Sql::new("UPDATE opportunity_visits SET left_ms = ");
    sql.bind(now_ms).push(" WHERE opportunity_id = ").bind(current.id.as_str()).push(" AND left_ms IS NULL");
    sql.execute(tx.conn()).await?;
    enter(tx, &current.id, current.partner_id, stage, Some(actor), now_ms).await?;
    Ok(true)
}

/// One stay in a stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitRow {
    /// The opportunity.
    pub opportunity_id: String,
    /// Stage code.
    pub stage: String,
    /// Entered.
    pub entered_ms: i64,
    /// Left (none: still there).
    pub left_ms: Option<i64>,
}

/// The visible visits of one opportunity (oldest first), or of every visible opportunity.
pub async fn visits(tx: &mut Tx, opportunity: Option<&str>) -> StoreResult<Vec<VisitRow>> {
    let mut sql =
        Sql::new("SELECT v.opportunity_id, v.stage, v.entered_ms, v.left_ms FROM opportunity_visits v WHERE 1 = 1");
    if let Some(id) = opportunity {
        sql.push_bind(" AND v.opportunity_id = ", id);
    }
    visible(tx, &mut sql, "v.partner_id", "v.opportunity_id");
    sql.push(" ORDER BY v.entered_ms, v.stage LIMIT 100000");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(VisitRow {
                opportunity_id: row.text("opportunity_id")?,
                stage: row.text("stage")?,
                entered_ms: row.int("entered_ms")?,
                left_ms: row.opt_int("left_ms")?,
            })
        })
        .collect()
}

/// A follow-up record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowupRow {
    /// Id.
    pub id: String,
    /// call, visit, meeting or other.
    pub kind: String,
    /// When it happened.
    pub at_ms: i64,
    /// What was said or done.
    pub note: String,
    /// A picture (`/files/{id}`).
    pub file_id: Option<String>,
    /// Who wrote it.
    #[schema(value_type = String)]
    pub author_id: UserId,
}

/// Stores a follow-up record.
#[allow(clippy::too_many_arguments)]
pub async fn add_followup(
    tx: &mut Tx,
    id: &str,
    opportunity: &OpportunityRow,
    kind: &str,
    at_ms: i64,
    note: &str,
    file: Option<qudao_domain::ids::FileId>,
    author: UserId,
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO opportunity_followups (id, opportunity_id, partner_id, kind, at_ms, note, file_id, author_id, \
         created_ms) VALUES (",
    );
    sql.bind(id).push(", ").bind(opportunity.id.as_str()).push(", ").bind(opportunity.partner_id);
    sql.push(", ").bind(kind).push(", ").bind(at_ms).push(", ").bind(note).push(", ").bind(file);
    sql.push(", ").bind(author);
    sql.push(", ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The visible follow-ups of an opportunity, newest first.
pub async fn followups(tx: &mut Tx, opportunity: &str) -> StoreResult<Vec<FollowupRow>> {
    let mut sql = Sql::new(
        "SELECT f.id, f.kind, f.at_ms, f.note, f.file_id, f.author_id FROM opportunity_followups f WHERE f.opportunity_id = ",
    );
    sql.bind(opportunity);
    visible(tx, &mut sql, "f.partner_id", "f.opportunity_id");
    sql.push(" ORDER BY f.at_ms DESC, f.id DESC");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(FollowupRow {
                id: row.text("id")?,
                kind: row.text("kind")?,
                at_ms: row.int("at_ms")?,
                note: row.text("note")?,
                file_id: row.opt_text("file_id")?,
                author_id: row.parse("author_id")?,
            })
        })
        .collect()
}

/// A forecast to store (replacing the partner's forecast of the period).
#[derive(Debug, Clone)]
pub struct ForecastWrite<'a> {
    /// The partner.
    pub partner_id: PartnerId,
    /// `yyyymm`.
    pub period: u32,
    /// The lines (JSON).
    pub lines: &'a serde_json::Value,
    /// Committed, fen.
    pub commit: i64,
    /// Committed and best case, fen.
    pub best_case: i64,
    /// The whole pipeline, fen.
    pub pipeline: i64,
    /// Who submitted it.
    pub by: UserId,
    /// When.
    pub now_ms: i64,
}

/// Stores (or replaces) a partner's forecast for a period.
pub async fn put_forecast(tx: &mut Tx, f: &ForecastWrite<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO forecasts (partner_id, period, lines, commit_amount, best_case_amount, pipeline_amount, \
         submitted_by, submitted_ms) VALUES (",
    );
    sql.bind(f.partner_id).push(", ").bind(i64::from(f.period)).push(", ").bind(f.lines.to_string());
    sql.push(", ").bind(f.commit).push(", ").bind(f.best_case).push(", ").bind(f.pipeline);
    sql.push(", ").bind(f.by).push(", ").bind(f.now_ms);
    sql.push(
        ") ON CONFLICT (partner_id, period) DO UPDATE SET lines = excluded.lines, commit_amount = \
         excluded.commit_amount, best_case_amount = excluded.best_case_amount, pipeline_amount = \
         excluded.pipeline_amount, submitted_by = excluded.submitted_by, submitted_ms = excluded.submitted_ms",
    );
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The forecasts of a period rolled up by the partners' province (region path to its second
/// level) and tier, over the partners the caller sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastRollup {
    /// The province's region path (`/R-EAST/CN-SH/`).
    pub region_path: String,
    /// The province's Chinese name.
    pub region_name: String,
    /// Tier code.
    pub tier: String,
    /// Partners that submitted.
    pub partners: i64,
    /// Committed, fen.
    pub commit: i64,
    /// Committed and best case, fen.
    pub best_case: i64,
    /// The whole pipeline, fen.
    pub pipeline: i64,
}

/// The rolled-up forecasts of `period`.
pub async fn forecast_rollup(tx: &mut Tx, period: u32) -> StoreResult<Vec<ForecastRollup>> {
    let mut sql = Sql::new(
        "SELECT p.region_path, t.code AS tier, f.commit_amount, f.best_case_amount, f.pipeline_amount \
         FROM forecasts f JOIN partners p ON p.id = f.partner_id JOIN tiers t ON t.id = p.tier_id WHERE f.period = ",
    );
    sql.bind(i64::from(period));
    tx.scope().filter_partner(&mut sql, "f.partner_id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let names: std::collections::HashMap<String, String> = {
        let sql = Sql::new("SELECT path, name_zh FROM regions");
        sql.fetch_all(tx.conn())
            .await?
            .iter()
            .map(|row| Ok((row.text("path")?, row.text("name_zh")?)))
            .collect::<StoreResult<_>>()?
    };
    let mut out: Vec<ForecastRollup> = Vec::new();
    for row in rows {
        let path = qudao_domain::deals::routing::province_of(&row.text("region_path")?).to_string();
        let tier = row.text("tier")?;
        let index = match out.iter().position(|r| r.region_path == path && r.tier == tier) {
            Some(i) => i,
            None => {
                out.push(ForecastRollup {
                    region_name: names.get(&path).cloned().unwrap_or_else(|| path.clone()),
                    region_path: path,
                    tier,
                    partners: 0,
                    commit: 0,
                    best_case: 0,
                    pipeline: 0,
                });
                out.len() - 1
            }
        };
        let entry = &mut out[index];
        entry.partners += 1;
        entry.commit += row.int("commit_amount")?;
        entry.best_case += row.int("best_case_amount")?;
        entry.pipeline += row.int("pipeline_amount")?;
    }
    out.sort_by(|a, b| (a.region_path.as_str(), a.tier.as_str()).cmp(&(b.region_path.as_str(), b.tier.as_str())));
    Ok(out)
}

/// A person on an opportunity's team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRow {
    /// The person.
    #[schema(value_type = String)]
    pub user_id: UserId,
    /// Their name.
    pub name: String,
    /// Their company (none: the brand's staff).
    #[schema(value_type = Option<String>)]
    pub partner_id: Option<PartnerId>,
    /// What they do on the deal (销售, 技术支持, 渠道经理…).
    pub role: String,
}

/// Adds (or re-roles) a team member.
pub async fn put_member(
    tx: &mut Tx,
    opportunity: &OpportunityRow,
    user: UserId,
    partner: Option<PartnerId>,
    role: &str,
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO opportunity_members (opportunity_id, user_id, partner_id, owner_id, role, added_ms) VALUES (",
    );
    sql.bind(opportunity.id.as_str()).push(", ").bind(user).push(", ").bind(partner);
    sql.push(", ").bind(opportunity.partner_id).push(", ").bind(role).push(", ").bind(now_ms);
    sql.push(") ON CONFLICT (opportunity_id, user_id) DO UPDATE SET role = excluded.role");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The team of a visible opportunity, with names (the brand's staff named too: they work the
/// deal with the partner).
pub async fn members(tx: &mut Tx, opportunity: &str) -> StoreResult<Vec<MemberRow>> {
    let mut sql =
        Sql::new("SELECT m.user_id, m.partner_id, m.role FROM opportunity_members m WHERE m.opportunity_id = ");
    sql.bind(opportunity);
    visible(tx, &mut sql, "m.owner_id", "m.opportunity_id");
    sql.push(" ORDER BY m.added_ms, m.user_id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut out = Vec::new();
    for row in &rows {
        out.push(MemberRow {
            user_id: row.parse("user_id")?,
            name: String::new(),
            partner_id: row.opt_parse("partner_id")?,
            role: row.text("role")?,
        });
    }
    let ids: Vec<UserId> = out.iter().map(|m| m.user_id).collect();
    let names = crate::approvals::people::names(tx, &ids).await?;
    for member in &mut out {
        if let Some(named) = names.get(&member.user_id) {
            member.name = named.name.clone();
        }
    }
    Ok(out)
}

/// Shares an opportunity with a second partner.
pub async fn share(
    tx: &mut Tx,
    opportunity: &OpportunityRow,
    partner: PartnerId,
    by: UserId,
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO opportunity_partners (opportunity_id, partner_id, owner_id, added_by, added_ms) VALUES (",
    );
    sql.bind(opportunity.id.as_str()).push(", ").bind(partner).push(", ").bind(opportunity.partner_id);
    sql.push(", ").bind(by).push(", ").bind(now_ms).push(") ON CONFLICT (opportunity_id, partner_id) DO NOTHING");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The partners an opportunity is shared with, with their names.
pub async fn shared_with(tx: &mut Tx, opportunity: &str) -> StoreResult<Vec<(PartnerId, String)>> {
    let mut sql = Sql::new(
        "SELECT s.partner_id, p.name FROM opportunity_partners s JOIN partners p ON p.id = s.partner_id \
         WHERE s.opportunity_id = ",
    );
    sql.bind(opportunity);
    let own = tx.swap_scope(crate::Scope::system("a deal shows the partners it is shared with")).await?;
    let rows = sql.fetch_all(tx.conn()).await;
    tx.swap_scope(own).await?;
    rows?.iter().map(|row| Ok((row.parse("partner_id")?, row.text("name")?))).collect()
}

/// The parent of each of two partners (read past the caller's scope: a sub-dealer may not see
/// its distributor, yet must know it is linked to it to share a deal).
pub async fn parents(
    tx: &mut Tx,
    a: PartnerId,
    b: PartnerId,
) -> StoreResult<(Option<PartnerId>, Option<PartnerId>, bool)> {
    let mut sql = Sql::new("SELECT id, parent_id, status FROM partners WHERE id IN ");
    sql.bind_list([a, b]);
    let own = tx.swap_scope(crate::Scope::system("linked partners may share a deal")).await?;
    let rows = sql.fetch_all(tx.conn()).await;
    tx.swap_scope(own).await?;
    let (mut pa, mut pb, mut b_exists) = (None, None, false);
    for row in rows? {
        let id: PartnerId = row.parse("id")?;
        let parent: Option<PartnerId> = row.opt_parse("parent_id")?;
        if id == a {
            pa = parent;
        }
        if id == b {
            pb = parent;
            b_exists = row.text("status")? == "active";
        }
    }
    Ok((pa, pb, b_exists))
}

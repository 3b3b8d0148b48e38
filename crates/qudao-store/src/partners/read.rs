//! Reading partners within the caller's scope.

use qudao_domain::ids::{PartnerId, RegionId, TierId};
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use serde::Serialize;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// A partner as lists, pages and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerView {
    /// Public id.
    pub id: PartnerId,
    /// Human-readable code, `P-000123`.
    pub code: String,
    /// Legal name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// 简称.
    pub short_name: Option<String>,
    /// Kind of partner.
    pub kind: PartnerKind,
    /// Lifecycle status.
    pub status: PartnerStatus,
    /// Tier.
    pub tier: TierRef,
    /// Region (city or province).
    pub region: RegionRef,
    /// Parent distributor, when it is visible to the caller.
    pub parent: Option<PartnerRef>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Free remark.
    pub remark: Option<String>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last change, epoch milliseconds.
    pub updated_ms: i64,
    /// Optimistic-lock version, incremented by every change.
    pub version: i64,
}

/// A short reference to a partner.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PartnerRef {
    /// Id.
    pub id: PartnerId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A short reference to a tier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TierRef {
    /// Id.
    pub id: TierId,
    /// Code (`gold`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A short reference to a region.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRef {
    /// Id.
    pub id: RegionId,
    /// Code (`CN-JS-NJ`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Codes from the top region down, `/R-EAST/CN-JS/CN-JS-NJ/`.
    pub path: String,
}

/// Filters for partner lists; every one optional.
#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    /// Search text, matched against names, codes, pinyin and credit code.
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<PartnerStatus>,
    /// Only this kind.
    pub kind: Option<PartnerKind>,
    /// Only this tier code.
    pub tier: Option<String>,
    /// Only partners inside the region with this path (its cities included).
    pub region_path: Option<String>,
    /// Only sub-dealers of this partner.
    pub parent: Option<PartnerId>,
}

const SELECT: &str = "SELECT p.id, p.code, p.name, p.name_en, p.short_name, p.kind, p.status, \
     p.credit_code, p.remark, p.created_ms, p.updated_ms, p.version, \
     t.id AS tier_id, t.code AS tier_code, t.name_zh AS tier_zh, t.name_en AS tier_en, \
     r.id AS region_id, r.code AS region_code, r.name_zh AS region_zh, r.name_en AS region_en, r.path AS region_path, \
     pp.id AS parent_id, pp.code AS parent_code, pp.name AS parent_name \
     FROM partners p JOIN tiers t ON t.id = p.tier_id JOIN regions r ON r.id = p.region_id \
     LEFT JOIN partners pp ON pp.id = p.parent_id";

/// Starts a partner query: the select list, the parent join limited to visible parents, and the
/// scope's predicate on the partner itself.
fn scoped_select(tx: &Tx) -> Sql {
    let mut sql = Sql::new(SELECT);
    tx.scope().filter_partner(&mut sql, "pp.id");
    sql.push(" WHERE 1 = 1");
    tx.scope().filter_partner(&mut sql, "p.id");
    sql
}

fn view(row: &AnyRow) -> StoreResult<PartnerView> {
    let kind = row.text("kind")?;
    let status = row.text("status")?;
    let parent = match row.opt_parse::<PartnerId>("parent_id")? {
        Some(id) => Some(PartnerRef { id, code: row.text("parent_code")?, name: row.text("parent_name")? }),
        None => None,
    };
    Ok(PartnerView {
        id: row.parse("id")?,
        code: row.text("code")?,
        name: row.text("name")?,
        name_en: row.opt_text("name_en")?,
        short_name: row.opt_text("short_name")?,
        kind: PartnerKind::parse("kind", &kind).map_err(|_| StoreError::Corrupt(format!("kind {kind}")))?,
        status: PartnerStatus::parse("status", &status).map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
        tier: TierRef {
            id: row.parse("tier_id")?,
            code: row.text("tier_code")?,
            name_zh: row.text("tier_zh")?,
            name_en: row.text("tier_en")?,
        },
        region: RegionRef {
            id: row.parse("region_id")?,
            code: row.text("region_code")?,
            name_zh: row.text("region_zh")?,
            name_en: row.text("region_en")?,
            path: row.text("region_path")?,
        },
        parent,
        credit_code: row.opt_text("credit_code")?,
        remark: row.opt_text("remark")?,
        created_ms: row.int("created_ms")?,
        updated_ms: row.int("updated_ms")?,
        version: row.int("version")?,
    })
}

/// One partner, if it exists and the scope may see it. "Not visible" and "missing" are the same
/// `None`, so callers answer both with the same 404.
pub async fn get(tx: &mut Tx, id: PartnerId) -> StoreResult<Option<PartnerView>> {
    let mut sql = scoped_select(tx);
    sql.push_bind(" AND p.id = ", id);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// One partner by its code, within scope.
pub async fn get_by_code(tx: &mut Tx, code: &str) -> StoreResult<Option<PartnerView>> {
    let mut sql = scoped_select(tx);
    sql.push_bind(" AND p.code = ", code);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(view).transpose()
}

/// A page of partners matching `filter`, newest first.
pub async fn list(tx: &mut Tx, filter: &PartnerFilter, page: &PageRequest) -> StoreResult<Page<PartnerView>> {
    let mut sql = scoped_select(tx);
    if let Some(q) = filter.q.as_deref().map(qudao_domain::text::search_query).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", qudao_domain::text::like_escape(&q));
        sql.push_bind(" AND p.search_key LIKE ", pattern).push(" ESCAPE '\\'");
    }
    if let Some(status) = filter.status {
        sql.push_bind(" AND p.status = ", status.as_str());
    }
    if let Some(kind) = filter.kind {
        sql.push_bind(" AND p.kind = ", kind.as_str());
    }
    if let Some(tier) = &filter.tier {
        sql.push_bind(" AND t.code = ", tier.as_str());
    }
    if let Some(path) = &filter.region_path {
        // length() of the bound text, not a bound number: PostgreSQL has no substr(text, int, bigint).
        sql.push_bind(" AND substr(p.region_path, 1, length(", path.as_str());
        sql.push_bind(")) = ", path.as_str());
    }
    if let Some(parent) = filter.parent {
        sql.push_bind(" AND p.parent_id = ", parent);
    }
    page.apply(&mut sql, "p.created_ms", "p.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let views = rows.iter().map(view).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(views, page.limit, |v| Cursor { created_ms: v.created_ms, id: v.id.to_string() }))
}

/// The visible sub-dealers of a partner, by name.
pub async fn sub_dealers(tx: &mut Tx, parent: PartnerId) -> StoreResult<Vec<PartnerRef>> {
    let mut sql = Sql::new("SELECT p.id, p.code, p.name FROM partners p WHERE p.parent_id = ");
    sql.bind(parent);
    tx.scope().filter_partner(&mut sql, "p.id");
    sql.push(" ORDER BY p.code");
    let rows = sql.fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|row| Ok(PartnerRef { id: row.parse("id")?, code: row.text("code")?, name: row.text("name")? }))
        .collect()
}

/// How many visible partners are in each status, for the dashboard.
pub async fn count_by_status(tx: &mut Tx) -> StoreResult<Vec<(PartnerStatus, i64)>> {
    let mut sql = Sql::new("SELECT p.status, CAST(COUNT(*) AS BIGINT) AS n FROM partners p WHERE 1 = 1");
    tx.scope().filter_partner(&mut sql, "p.id");
    sql.push(" GROUP BY p.status");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut counts = Vec::new();
    for row in &rows {
        let status = row.text("status")?;
        let status =
            PartnerStatus::parse("status", &status).map_err(|_| StoreError::Corrupt(format!("status {status}")))?;
        counts.push((status, row.int("n")?));
    }
    counts.sort_by_key(|(status, _)| PartnerStatus::ALL.iter().position(|s| s == status));
    Ok(counts)
}

//! Writing partners. Every write is limited to the rows the transaction's scope may see, so an
//! update of an invisible partner changes nothing and reports "not found".

use qudao_domain::ids::{PartnerId, RegionId, TierId};
use qudao_domain::partners::{PartnerKind, PartnerStatus};

use crate::{Sql, StoreResult, Tx};

/// A partner ready to insert: references resolved, code assigned.
#[derive(Debug, Clone)]
pub struct NewPartner {
    /// Id.
    pub id: PartnerId,
    /// Code.
    pub code: String,
    /// Legal name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Short name.
    pub short_name: Option<String>,
    /// Kind.
    pub kind: PartnerKind,
    /// Tier.
    pub tier_id: TierId,
    /// Region.
    pub region_id: RegionId,
    /// The region's path, kept on the partner for scope checks.
    pub region_path: String,
    /// Parent distributor.
    pub parent_id: Option<PartnerId>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Status.
    pub status: PartnerStatus,
    /// Remark.
    pub remark: Option<String>,
    /// Search key built from the names and codes.
    pub search_key: String,
    /// Creation time.
    pub now_ms: i64,
}

/// Inserts a partner.
pub async fn insert(tx: &mut Tx, p: &NewPartner) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO partners (id, code, name, name_en, short_name, kind, tier_id, region_id, region_path, \
         parent_id, credit_code, status, remark, search_key, created_ms, updated_ms, version) VALUES (",
    );
    sql.bind(p.id).push(", ").bind(p.code.as_str()).push(", ").bind(p.name.as_str());
    sql.push(", ").bind(p.name_en.as_deref()).push(", ").bind(p.short_name.as_deref());
    sql.push(", ").bind(p.kind.as_str()).push(", ").bind(p.tier_id).push(", ").bind(p.region_id);
    sql.push(", ").bind(p.region_path.as_str()).push(", ").bind(p.parent_id);
    sql.push(", ").bind(p.credit_code.as_deref()).push(", ").bind(p.status.as_str());
    sql.push(", ").bind(p.remark.as_deref()).push(", ").bind(p.search_key.as_str());
    sql.push(", ").bind(p.now_ms).push(", ").bind(p.now_ms).push(", 1)");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// The editable fields of a partner (everything but code, status and history).
#[derive(Debug, Clone)]
pub struct PartnerChanges {
    /// Legal name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Short name.
    pub short_name: Option<String>,
    /// Kind.
    pub kind: PartnerKind,
    /// Tier.
    pub tier_id: TierId,
    /// Region.
    pub region_id: RegionId,
    /// The region's path.
    pub region_path: String,
    /// Parent distributor.
    pub parent_id: Option<PartnerId>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Remark.
    pub remark: Option<String>,
    /// Rebuilt search key.
    pub search_key: String,
}

/// Updates a visible partner if its version is still `expected_version`; `false` when the partner
/// is not visible or was changed by someone else in the meantime.
pub async fn update(
    tx: &mut Tx,
    id: PartnerId,
    expected_version: i64,
    c: &PartnerChanges,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE partners SET name = ");
    sql.bind(c.name.as_str()).push(", name_en = ").bind(c.name_en.as_deref());
    sql.push(", short_name = ").bind(c.short_name.as_deref()).push(", kind = ").bind(c.kind.as_str());
    sql.push(", tier_id = ").bind(c.tier_id).push(", region_id = ").bind(c.region_id);
    sql.push(", region_path = ").bind(c.region_path.as_str()).push(", parent_id = ").bind(c.parent_id);
    sql.push(", credit_code = ").bind(c.credit_code.as_deref()).push(", remark = ").bind(c.remark.as_deref());
    sql.push(", search_key = ").bind(c.search_key.as_str()).push(", updated_ms = ").bind(now_ms);
    sql.push(", version = version + 1 WHERE id = ").bind(id);
    sql.push_bind(" AND version = ", expected_version);
    tx.scope().filter_partner(&mut sql, "id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Moves a visible partner from `from` to `to`; `false` if it is not visible or no longer in
/// `from` (a concurrent change won).
pub async fn set_status(
    tx: &mut Tx,
    id: PartnerId,
    from: PartnerStatus,
    to: PartnerStatus,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE partners SET status = ");
    sql.bind(to.as_str()).push(", updated_ms = ").bind(now_ms);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push_bind(" AND status = ", from.as_str());
    tx.scope().filter_partner(&mut sql, "id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Whether another partner already has this credit code. Deliberately unscoped within the
/// store: a duplicate legal entity must be refused even when the other partner is outside the
/// caller's scope; the answer is a yes/no, never the other partner.
pub async fn credit_code_taken(tx: &mut Tx, code: &str, except: Option<PartnerId>) -> StoreResult<bool> {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM partners WHERE credit_code = ");
    sql.bind(code);
    if let Some(except) = except {
        sql.push_bind(" AND id <> ", except);
    }
    Ok(sql.fetch_i64(tx.conn()).await? > 0)
}

/// Whether a partner filed under `region_path` would be inside the scope: always for brand-wide
/// scopes, for a channel manager when one of their regions contains the path, never for partner
/// users. Checked before creating or moving a partner, so the caller gets a clear answer rather
/// than a partner they could not see afterwards.
pub async fn region_in_scope(tx: &mut Tx, region_path: &str) -> StoreResult<bool> {
    use qudao_domain::access::DataScope;
    match tx.scope().data().cloned() {
        None | Some(DataScope::AllPartners) => Ok(true),
        Some(DataScope::Partner { .. }) => Ok(false),
        Some(DataScope::Assigned { user_id }) => {
            let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM assignments a WHERE a.user_id = ");
            sql.bind(user_id).push(" AND a.region_path IS NOT NULL AND substr(");
            sql.bind(region_path).push(", 1, length(a.region_path)) = a.region_path");
            Ok(sql.fetch_i64(tx.conn()).await? > 0)
        }
    }
}

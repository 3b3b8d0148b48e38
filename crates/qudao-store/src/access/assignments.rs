//! Channel managers' territories: regions (with everything below) and single partners.

use qudao_domain::ids::{AssignmentId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::partners::PartnerRef;
use crate::partners::regions::Region;
use crate::{RowExt, Sql, StoreResult, Tx};

/// One assignment as shown: a region or a partner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    /// Id.
    pub id: AssignmentId,
    /// The region, for a region assignment.
    pub region_code: Option<String>,
    /// Region name in Chinese.
    pub region_name_zh: Option<String>,
    /// Region name in English.
    pub region_name_en: Option<String>,
    /// The partner, for a partner assignment.
    pub partner: Option<PartnerRef>,
}

/// The visible assignments of a user.
pub async fn list_for(tx: &mut Tx, user_id: UserId) -> StoreResult<Vec<AssignmentView>> {
    let mut sql = Sql::new(
        "SELECT a.id, r.code AS region_code, r.name_zh, r.name_en, p.id AS p_id, p.code AS p_code, p.name AS p_name \
         FROM assignments a LEFT JOIN regions r ON r.id = a.region_id LEFT JOIN partners p ON p.id = a.partner_id \
         WHERE a.user_id = ",
    );
    sql.bind(user_id);
    tx.scope().filter_brand_only(&mut sql);
    sql.push(" ORDER BY r.code, p.code");
    let rows = sql.fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|row| {
            let partner = match row.opt_parse::<PartnerId>("p_id")? {
                Some(id) => Some(PartnerRef { id, code: row.text("p_code")?, name: row.text("p_name")? }),
                None => None,
            };
            Ok(AssignmentView {
                id: row.parse("id")?,
                region_code: row.opt_text("region_code")?,
                region_name_zh: row.opt_text("name_zh")?,
                region_name_en: row.opt_text("name_en")?,
                partner,
            })
        })
        .collect()
}

/// Replaces a user's whole territory.
pub async fn replace(
    tx: &mut Tx,
    user_id: UserId,
    regions: &[Region],
    partners: &[PartnerId],
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM assignments WHERE user_id = ");
    sql.bind(user_id);
    sql.execute(tx.conn()).await?;
    for region in regions {
        let mut sql =
            Sql::new("INSERT INTO assignments (id, user_id, region_id, region_path, partner_id, created_ms) VALUES (");
        sql.bind(AssignmentId::new()).push(", ").bind(user_id).push(", ").bind(region.id);
        sql.push(", ").bind(region.path.as_str()).push(", NULL, ").bind(now_ms).push(")");
        sql.execute(tx.conn()).await?;
    }
    for partner in partners {
        let mut sql =
            Sql::new("INSERT INTO assignments (id, user_id, region_id, region_path, partner_id, created_ms) VALUES (");
        sql.bind(AssignmentId::new()).push(", ").bind(user_id).push(", NULL, NULL, ").bind(*partner);
        sql.push(", ").bind(now_ms).push(")");
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A channel manager's territory as paths and partners, for matching events in memory.
pub async fn territory(tx: &mut Tx, user_id: UserId) -> StoreResult<(Vec<String>, Vec<PartnerId>)> {
    let mut sql = Sql::new("SELECT region_path, partner_id FROM assignments WHERE user_id = ");
    sql.bind(user_id);
    let mut paths = Vec::new();
    let mut partners = Vec::new();
    for row in sql.fetch_all(tx.conn()).await? {
        if let Some(path) = row.opt_text("region_path")? {
            paths.push(path);
        }
        if let Some(partner) = row.opt_parse("partner_id")? {
            partners.push(partner);
        }
    }
    Ok((paths, partners))
}

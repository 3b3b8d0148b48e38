//! Partner tiers (Platinum, Gold, Silver, Registered): master data every user may read.

use qudao_domain::ids::TierId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A tier; a higher rank is a better tier.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Tier {
    /// Id.
    pub id: TierId,
    /// Code (`gold`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Rank, higher is better.
    pub rank: i64,
}

fn tier(row: &sqlx::any::AnyRow) -> StoreResult<Tier> {
    Ok(Tier {
        id: row.parse("id")?,
        code: row.text("code")?,
        name_zh: row.text("name_zh")?,
        name_en: row.text("name_en")?,
        rank: row.int("rank")?,
    })
}

/// Every tier, best first.
pub async fn all(tx: &mut Tx) -> StoreResult<Vec<Tier>> {
    let sql = Sql::new("SELECT id, code, name_zh, name_en, rank FROM tiers ORDER BY rank DESC");
    sql.fetch_all(tx.conn()).await?.iter().map(tier).collect()
}

/// A tier by code.
pub async fn by_code(tx: &mut Tx, code: &str) -> StoreResult<Option<Tier>> {
    let mut sql = Sql::new("SELECT id, code, name_zh, name_en, rank FROM tiers WHERE code = ");
    sql.bind(code);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(tier).transpose()
}

/// Inserts a tier.
pub async fn insert(tx: &mut Tx, code: &str, name_zh: &str, name_en: &str, rank: i64) -> StoreResult<Tier> {
    let tier = Tier {
        id: TierId::new(),
        code: code.to_string(),
        name_zh: name_zh.to_string(),
        name_en: name_en.to_string(),
        rank,
    };
    let mut sql = Sql::new("INSERT INTO tiers (id, code, name_zh, name_en, rank) VALUES (");
    sql.bind(tier.id).push(", ").bind(code).push(", ").bind(name_zh).push(", ").bind(name_en);
    sql.push(", ").bind(rank).push(")");
    sql.execute(tx.conn()).await?;
    Ok(tier)
}

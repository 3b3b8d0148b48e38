//! Regions (大区 > province > city): master data every user may read.

use qudao_domain::ids::RegionId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A region.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Region {
    /// Id.
    pub id: RegionId,
    /// Code (`CN-JS-NJ`).
    pub code: String,
    /// Parent region.
    pub parent_id: Option<RegionId>,
    /// 1 大区, 2 province, 3 city.
    pub level: i64,
    /// Codes from the top, `/R-EAST/CN-JS/CN-JS-NJ/`.
    pub path: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A region to insert.
#[derive(Debug, Clone)]
pub struct NewRegion<'a> {
    /// Code.
    pub code: &'a str,
    /// Parent.
    pub parent: Option<&'a Region>,
    /// Chinese name.
    pub name_zh: &'a str,
    /// English name.
    pub name_en: &'a str,
    /// Display order among siblings.
    pub sort: i64,
}

fn region(row: &sqlx::any::AnyRow) -> StoreResult<Region> {
    Ok(Region {
        id: row.parse("id")?,
        code: row.text("code")?,
        parent_id: row.opt_parse("parent_id")?,
        level: row.int("level")?,
        path: row.text("path")?,
        name_zh: row.text("name_zh")?,
        name_en: row.text("name_en")?,
    })
}

const SELECT: &str = "SELECT id, code, parent_id, level, path, name_zh, name_en FROM regions";

/// Every region, top levels first, in display order.
pub async fn all(tx: &mut Tx) -> StoreResult<Vec<Region>> {
    let sql = Sql::new(&format!("{SELECT} ORDER BY level, sort, code"));
    sql.fetch_all(tx.conn()).await?.iter().map(region).collect()
}

/// A region by code.
pub async fn by_code(tx: &mut Tx, code: &str) -> StoreResult<Option<Region>> {
    let mut sql = Sql::new(&format!("{SELECT} WHERE code = "));
    sql.bind(code);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(region).transpose()
}

/// A region by id.
pub async fn by_id(tx: &mut Tx, id: RegionId) -> StoreResult<Option<Region>> {
    let mut sql = Sql::new(&format!("{SELECT} WHERE id = "));
    sql.bind(id);
    sql.fetch_optional(tx.conn()).await?.as_ref().map(region).transpose()
}

/// Inserts a region under its parent, deriving level and path.
pub async fn insert(tx: &mut Tx, new: &NewRegion<'_>) -> StoreResult<Region> {
    let (level, path) = match new.parent {
        Some(parent) => (parent.level + 1, format!("{}{}/", parent.path, new.code)),
        None => (1, format!("/{}/", new.code)),
    };
    let region = Region {
        id: RegionId::new(),
        code: new.code.to_string(),
        parent_id: new.parent.map(|p| p.id),
        level,
        path,
        name_zh: new.name_zh.to_string(),
        name_en: new.name_en.to_string(),
    };
    let mut sql = Sql::new("INSERT INTO regions (id, code, parent_id, level, path, name_zh, name_en, sort) VALUES (");
    sql.bind(region.id).push(", ").bind(region.code.as_str()).push(", ").bind(region.parent_id);
    sql.push(", ").bind(region.level).push(", ").bind(region.path.as_str());
    sql.push(", ").bind(region.name_zh.as_str()).push(", ").bind(region.name_en.as_str());
    sql.push(", ").bind(new.sort).push(")");
    sql.execute(tx.conn()).await?;
    Ok(region)
}

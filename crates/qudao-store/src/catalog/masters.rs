//! Categories, brands and units: short master lists read whole.

use qudao_domain::ids::{BrandId, CategoryId, UnitId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A category (two levels: 饮料 > 碳酸饮料).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Code.
    pub code: String,
    /// Parent category.
    pub parent_id: Option<CategoryId>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A brand or a unit: code and two names.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Named<Id> {
    /// Id.
    pub id: Id,
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A brand.
pub type Brand = Named<BrandId>;
/// A unit of measure.
pub type Unit = Named<UnitId>;

/// Every category, parents first.
pub async fn categories(tx: &mut Tx) -> StoreResult<Vec<Category>> {
    let sql = Sql::new(
        "SELECT c.id, c.code, c.parent_id, c.name_zh, c.name_en FROM categories c \
         LEFT JOIN categories pc ON pc.id = c.parent_id \
         ORDER BY COALESCE(pc.sort, c.sort), COALESCE(pc.code, c.code), c.parent_id IS NOT NULL, c.sort, c.code",
    );
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(Category {
                id: row.parse("id")?,
                code: row.text("code")?,
                parent_id: row.opt_parse("parent_id")?,
                name_zh: row.text("name_zh")?,
                name_en: row.text("name_en")?,
            })
        })
        .collect()
}

/// Inserts a category.
pub async fn insert_category(
    tx: &mut Tx,
    code: &str,
    parent: Option<CategoryId>,
    name_zh: &str,
    name_en: &str,
    sort: i64,
) -> StoreResult<Category> {
    let category = Category {
        id: CategoryId::new(),
        code: code.to_string(),
        parent_id: parent,
        name_zh: name_zh.to_string(),
        name_en: name_en.to_string(),
    };
    let mut sql = Sql::new("INSERT INTO categories (id, code, parent_id, name_zh, name_en, sort) VALUES (");
    sql.bind(category.id).push(", ").bind(code).push(", ").bind(parent).push(", ").bind(name_zh);
    sql.push(", ").bind(name_en).push(", ").bind(sort).push(")");
    sql.execute(tx.conn()).await?;
    Ok(category)
}

fn named<Id: std::str::FromStr>(row: &sqlx::any::AnyRow) -> StoreResult<Named<Id>> {
    Ok(Named {
        id: row.parse("id")?,
        code: row.text("code")?,
        name_zh: row.text("name_zh")?,
        name_en: row.text("name_en")?,
    })
}

/// Every brand.
pub async fn brands(tx: &mut Tx) -> StoreResult<Vec<Brand>> {
    let sql = Sql::new("SELECT id, code, name_zh, name_en FROM brands ORDER BY code");
    sql.fetch_all(tx.conn()).await?.iter().map(named).collect()
}

/// Every unit.
pub async fn units(tx: &mut Tx) -> StoreResult<Vec<Unit>> {
    let sql = Sql::new("SELECT id, code, name_zh, name_en FROM units ORDER BY code");
    sql.fetch_all(tx.conn()).await?.iter().map(named).collect()
}

/// Inserts a brand.
pub async fn insert_brand(tx: &mut Tx, code: &str, name_zh: &str, name_en: &str) -> StoreResult<Brand> {
    let brand = Named { id: BrandId::new(), code: code.into(), name_zh: name_zh.into(), name_en: name_en.into() };
    let mut sql = Sql::new("INSERT INTO brands (id, code, name_zh, name_en) VALUES (");
    sql.bind(brand.id).push(", ").bind(code).push(", ").bind(name_zh).push(", ").bind(name_en).push(")");
    sql.execute(tx.conn()).await?;
    Ok(brand)
}

/// Inserts a unit.
pub async fn insert_unit(tx: &mut Tx, code: &str, name_zh: &str, name_en: &str) -> StoreResult<Unit> {
    let unit = Named { id: UnitId::new(), code: code.into(), name_zh: name_zh.into(), name_en: name_en.into() };
    let mut sql = Sql::new("INSERT INTO units (id, code, name_zh, name_en) VALUES (");
    sql.bind(unit.id).push(", ").bind(code).push(", ").bind(name_zh).push(", ").bind(name_en).push(")");
    sql.execute(tx.conn()).await?;
    Ok(unit)
}

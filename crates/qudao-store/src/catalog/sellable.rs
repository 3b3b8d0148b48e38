//! SKUs as ordering needs them: one read that gives pricing, quantity rules and units for every
//! SKU of a cart, by code or by id.

use std::collections::HashMap;

use qudao_domain::ids::{CategoryId, ProductId, SkuId, UnitId};
use qudao_domain::pricing::QuantityRule;
use serde::Serialize;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A unit a SKU can be ordered in, with its ordering rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderUnit {
    /// Id.
    pub id: UnitId,
    /// Code (`BTL`, `CASE`).
    pub code: String,
    /// Base units in one of it (1 for the base unit).
    pub factor: i64,
    /// Minimum and multiple, in this unit.
    pub rule: QuantityRule,
}

/// One SKU with what ordering needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sellable {
    /// Id.
    pub sku_id: SkuId,
    /// Code.
    pub code: String,
    /// Chinese name (product and SKU).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The product.
    pub product_id: ProductId,
    /// Its category and the category's parent, for promotion scopes.
    pub categories: Vec<CategoryId>,
    /// Catalog list price per base unit, fen.
    pub list_price: i64,
    /// Currency.
    pub currency: String,
    /// Whether both the SKU and its product are active (orderable).
    pub active: bool,
    /// The units it is sold in, base unit first.
    pub units: Vec<OrderUnit>,
}

impl Sellable {
    /// The unit of this code, or the base unit when `code` is `None`.
    pub fn unit(&self, code: Option<&str>) -> Option<&OrderUnit> {
        match code {
            None => self.units.first(),
            Some(code) => self.units.iter().find(|u| u.code.eq_ignore_ascii_case(code)),
        }
    }
}

/// Which SKUs to read.
#[derive(Debug, Clone, Copy)]
pub enum SkuKeys<'a> {
    /// By code (exact, upper case).
    Codes(&'a [String]),
    /// By id.
    Ids(&'a [SkuId]),
    /// Every SKU of the catalog: the ordering snapshot's one read per version.
    All,
}

/// The SKUs named, keyed by id; unknown keys are simply absent.
pub async fn sellable(tx: &mut Tx, keys: SkuKeys<'_>) -> StoreResult<HashMap<SkuId, Sellable>> {
    let mut sql = Sql::new(
        "SELECT s.id, s.code, s.name_zh, s.name_en, s.list_price, s.currency, s.status, s.product_id, \
         p.status AS product_status, p.name_zh AS product_zh, p.name_en AS product_en, p.category_id, \
         c.parent_id, p.base_unit_id, u.code AS unit_code FROM skus s JOIN products p ON p.id = s.product_id \
         JOIN categories c ON c.id = p.category_id JOIN units u ON u.id = p.base_unit_id WHERE ",
    );
    match keys {
        SkuKeys::Codes(codes) => sql.push("s.code IN ").bind_list(codes.iter().map(String::as_str)),
        SkuKeys::Ids(ids) => sql.push("s.id IN ").bind_list(ids.iter().copied()),
        SkuKeys::All => sql.push("1 = 1"),
    };
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in &rows {
        let mut categories = vec![row.parse("category_id")?];
        if let Some(parent) = row.opt_parse("parent_id")? {
            categories.push(parent);
        }
        let product_id: ProductId = row.parse("product_id")?;
        let sku_zh = row.text("name_zh")?;
        let sku_en = row.text("name_en")?;
        let sellable = Sellable {
            sku_id: row.parse("id")?,
            code: row.text("code")?,
            name_zh: format!("{} {}", row.text("product_zh")?, sku_zh).trim().to_string(),
            name_en: format!("{} {}", row.text("product_en")?, sku_en).trim().to_string(),
            product_id,
            categories,
            list_price: row.int("list_price")?,
            currency: row.text("currency")?,
            active: row.text("status")? == "active" && row.text("product_status")? == "active",
            units: vec![OrderUnit {
                id: row.parse("base_unit_id")?,
                code: row.text("unit_code")?,
                factor: 1,
                rule: QuantityRule::default(),
            }],
        };
        found.insert(sellable.sku_id, sellable);
    }
    if found.is_empty() {
        return Ok(found);
    }
    // Every larger unit of the products, with each SKU's ordering rule in every unit (base unit
    // included), in one query.
    let mut units = Sql::new(
        "SELECT s.id AS sku_id, u.id AS unit_id, u.code, COALESCE(pu.factor, 1) AS factor, r.minimum, r.multiple \
         FROM skus s JOIN products p ON p.id = s.product_id \
         JOIN units u ON u.id = p.base_unit_id OR u.id IN (SELECT x.unit_id FROM product_units x WHERE x.product_id = p.id) \
         LEFT JOIN product_units pu ON pu.product_id = p.id AND pu.unit_id = u.id \
         LEFT JOIN sku_order_rules r ON r.sku_id = s.id AND r.unit_id = u.id",
    );
    // The whole catalog needs no list: the rows of SKUs not found are skipped below.
    if !matches!(keys, SkuKeys::All) {
        units.push(" WHERE s.id IN ").bind_list(found.keys().copied());
    }
    units.push(" ORDER BY s.id, COALESCE(pu.factor, 1)");
    for row in units.fetch_all(tx.conn()).await? {
        let sku: SkuId = row.parse("sku_id")?;
        let Some(sellable) = found.get_mut(&sku) else { continue };
        let unit = OrderUnit {
            id: row.parse("unit_id")?,
            code: row.text("code")?,
            factor: row.int("factor")?,
            rule: match (row.opt_int("minimum")?, row.opt_int("multiple")?) {
                (Some(minimum), Some(multiple)) => QuantityRule { minimum, multiple },
                _ => QuantityRule::default(),
            },
        };
        match sellable.units.iter_mut().find(|u| u.id == unit.id) {
            Some(base) => base.rule = unit.rule,
            None => sellable.units.push(unit),
        }
    }
    Ok(found)
}

/// Sets (or with `None`, removes) a SKU's ordering rule in one unit.
pub async fn set_order_rule(tx: &mut Tx, sku: SkuId, unit: UnitId, rule: Option<QuantityRule>) -> StoreResult<()> {
    let mut delete = Sql::new("DELETE FROM sku_order_rules WHERE sku_id = ");
    delete.bind(sku).push_bind(" AND unit_id = ", unit);
    delete.execute(tx.conn()).await?;
    if let Some(rule) = rule {
        let mut sql = Sql::new("INSERT INTO sku_order_rules (sku_id, unit_id, minimum, multiple) VALUES (");
        sql.bind(sku).push(", ").bind(unit).push(", ").bind(rule.minimum).push(", ").bind(rule.multiple).push(")");
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

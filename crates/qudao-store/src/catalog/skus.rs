//! SKUs of a product.

use qudao_domain::ids::{ProductId, SkuId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A SKU as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkuView {
    /// Id.
    pub id: SkuId,
    /// Code.
    pub code: String,
    /// Attributes, name/value pairs.
    pub spec: Vec<(String, String)>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Barcode.
    pub barcode: Option<String>,
    /// List price per base unit, fen, tax included.
    pub list_price: i64,
    /// Currency.
    pub currency: String,
    /// `active` or `inactive`.
    pub status: String,
}

/// The visible SKUs of a product, by code.
pub async fn skus_of(tx: &mut Tx, product: ProductId) -> StoreResult<Vec<SkuView>> {
    let mut sql = Sql::new(
        "SELECT id, code, spec, name_zh, name_en, barcode, list_price, currency, status FROM skus WHERE product_id = ",
    );
    sql.bind(product);
    if !tx.scope().sees_brand_records() {
        sql.push(" AND status = 'active'");
    }
    sql.push(" ORDER BY code");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            let spec: Vec<(String, String)> = serde_json::from_str(&row.text("spec")?).unwrap_or_default();
            Ok(SkuView {
                id: row.parse("id")?,
                code: row.text("code")?,
                spec,
                name_zh: row.text("name_zh")?,
                name_en: row.text("name_en")?,
                barcode: row.opt_text("barcode")?,
                list_price: row.int("list_price")?,
                currency: row.text("currency")?,
                status: row.text("status")?,
            })
        })
        .collect()
}

/// A SKU to insert.
#[derive(Debug, Clone)]
pub struct NewSku {
    /// Id.
    pub id: SkuId,
    /// Product.
    pub product_id: ProductId,
    /// Code.
    pub code: String,
    /// Attributes.
    pub spec: Vec<(String, String)>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Barcode.
    pub barcode: Option<String>,
    /// List price, fen.
    pub list_price: i64,
    /// Currency code.
    pub currency: String,
    /// Now.
    pub now_ms: i64,
}

/// Inserts a SKU. Call [`super::refresh_search_key`] afterwards (once per product when adding
/// many).
pub async fn insert_sku(tx: &mut Tx, s: &NewSku) -> StoreResult<()> {
    let spec = serde_json::to_string(&s.spec).unwrap_or_else(|_| "[]".into());
    let mut sql = Sql::new(
        "INSERT INTO skus (id, product_id, code, spec, name_zh, name_en, barcode, list_price, currency, status, \
         created_ms, updated_ms) VALUES (",
    );
    sql.bind(s.id).push(", ").bind(s.product_id).push(", ").bind(s.code.as_str()).push(", ").bind(spec);
    sql.push(", ").bind(s.name_zh.as_str()).push(", ").bind(s.name_en.as_str());
    sql.push(", ").bind(s.barcode.as_deref()).push(", ").bind(s.list_price).push(", ").bind(s.currency.as_str());
    sql.push(", 'active', ").bind(s.now_ms).push(", ").bind(s.now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Updates a SKU's price, spec, names and barcode; `false` if no such SKU of the product.
pub async fn update_sku(tx: &mut Tx, s: &NewSku, active: bool) -> StoreResult<bool> {
    let spec = serde_json::to_string(&s.spec).unwrap_or_else(|_| "[]".into());
    let mut sql = Sql::new("UPDATE skus SET spec = ");
    sql.bind(spec).push(", name_zh = ").bind(s.name_zh.as_str()).push(", name_en = ").bind(s.name_en.as_str());
    sql.push(", barcode = ").bind(s.barcode.as_deref()).push(", list_price = ").bind(s.list_price);
    sql.push(", currency = ").bind(s.currency.as_str());
    sql.push(", status = ").bind(if active { "active" } else { "inactive" });
    sql.push(", updated_ms = ").bind(s.now_ms).push(" WHERE id = ").bind(s.id);
    sql.push_bind(" AND product_id = ", s.product_id);
    Ok(sql.execute(tx.conn()).await? == 1)
}

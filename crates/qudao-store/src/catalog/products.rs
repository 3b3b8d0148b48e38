//! Products: reading (lists, search, one product with its SKUs) and writing.

use qudao_domain::ids::{BrandId, CategoryId, FileId, ProductId, SkuId, UnitId};
use serde::Serialize;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use super::skus::{SkuView, skus_of};
use crate::page::{Cursor, Page, PageRequest};
use crate::{RowExt, Sql, StoreResult, Tx};

/// A product in lists and search results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductSummary {
    /// Id.
    pub id: ProductId,
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Category code.
    pub category_code: String,
    /// Category, Chinese.
    pub category_zh: String,
    /// Category, English.
    pub category_en: String,
    /// Brand, Chinese.
    pub brand_zh: String,
    /// Brand, English.
    pub brand_en: String,
    /// Base unit, Chinese.
    pub unit_zh: String,
    /// Base unit, English.
    pub unit_en: String,
    /// `active` or `inactive`.
    pub status: String,
    /// Main picture.
    pub image_id: Option<FileId>,
    /// Lowest SKU list price, fen.
    pub min_price: i64,
    /// Highest SKU list price, fen.
    pub max_price: i64,
    /// Currency of the prices.
    pub currency: String,
    /// Number of visible SKUs.
    pub sku_count: i64,
    /// Creation time.
    pub created_ms: i64,
    /// The visible SKUs, in lists (a product's own page carries the full SKUs instead).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<SkuBrief>,
}

/// A SKU as product lists show it: enough to order it by code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkuBrief {
    /// Id.
    pub id: SkuId,
    /// Code, as orders name it.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// List price per base unit, fen.
    pub list_price: i64,
    /// `active` or `inactive`.
    pub status: String,
}

/// One larger unit a product is sold in.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct UnitFactor {
    /// The unit.
    pub unit_id: UnitId,
    /// Its code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Base units in one of it.
    pub factor: i64,
}

/// A product with everything its page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductView {
    /// The list fields.
    #[serde(flatten)]
    pub summary: ProductSummary,
    /// Category id.
    pub category_id: CategoryId,
    /// Brand id.
    pub brand_id: BrandId,
    /// Base unit id.
    pub base_unit_id: UnitId,
    /// Base unit code.
    pub base_unit_code: String,
    /// Brand code.
    pub brand_code: String,
    /// VAT rate, basis points.
    pub tax_rate_bp: i64,
    /// Description.
    pub description: Option<String>,
    /// Larger units.
    pub units: Vec<UnitFactor>,
    /// The product's SKUs.
    pub skus: Vec<SkuView>,
    /// Every picture, main first.
    pub images: Vec<FileId>,
    /// Last change.
    pub updated_ms: i64,
    /// Optimistic-lock version.
    pub version: i64,
}

/// Filters for product lists.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Search: names, codes, barcodes, pinyin and pinyin initials.
    pub q: Option<String>,
    /// Only this category or its subcategories (by code).
    pub category: Option<String>,
    /// Only this brand (by code).
    pub brand: Option<String>,
}

const SUMMARY: &str = "SELECT p.id, p.code, p.name_zh, p.name_en, p.status, p.image_id, p.created_ms, \
     p.updated_ms, p.version, p.tax_rate_bp, p.description, p.category_id, p.brand_id, p.base_unit_id, \
     c.code AS category_code, c.name_zh AS category_zh, c.name_en AS category_en, \
     b.code AS brand_code, b.name_zh AS brand_zh, b.name_en AS brand_en, \
     u.code AS unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en, \
     CAST(COALESCE((SELECT MIN(s.list_price) FROM skus s WHERE s.product_id = p.id AND s.status = 'active'), 0) AS BIGINT) AS min_price, \
     CAST(COALESCE((SELECT MAX(s.list_price) FROM skus s WHERE s.product_id = p.id AND s.status = 'active'), 0) AS BIGINT) AS max_price, \
     COALESCE((SELECT MIN(s.currency) FROM skus s WHERE s.product_id = p.id), 'CNY') AS currency, \
     CAST((SELECT COUNT(*) FROM skus s WHERE s.product_id = p.id AND s.status = 'active') AS BIGINT) AS sku_count \
     FROM products p JOIN categories c ON c.id = p.category_id JOIN brands b ON b.id = p.brand_id \
     JOIN units u ON u.id = p.base_unit_id \
     LEFT JOIN categories pc ON pc.id = c.parent_id WHERE 1 = 1";

fn summary(row: &AnyRow) -> StoreResult<ProductSummary> {
    Ok(ProductSummary {
        id: row.parse("id")?,
        code: row.text("code")?,
        name_zh: row.text("name_zh")?,
        name_en: row.text("name_en")?,
        category_code: row.text("category_code")?,
        category_zh: row.text("category_zh")?,
        category_en: row.text("category_en")?,
        brand_zh: row.text("brand_zh")?,
        brand_en: row.text("brand_en")?,
        unit_zh: row.text("unit_zh")?,
        unit_en: row.text("unit_en")?,
        status: row.text("status")?,
        image_id: row.opt_parse("image_id")?,
        min_price: row.int("min_price")?,
        max_price: row.int("max_price")?,
        currency: row.text("currency")?,
        sku_count: row.int("sku_count")?,
        created_ms: row.int("created_ms")?,
        skus: Vec::new(),
    })
}

/// Fills the SKUs of a page of products with one query.
async fn attach_skus(tx: &mut Tx, products: &mut [ProductSummary]) -> StoreResult<()> {
    if products.is_empty() {
        return Ok(());
    }
    let mut sql =
        Sql::new("SELECT id, product_id, code, name_zh, name_en, list_price, status FROM skus WHERE product_id IN ");
    sql.bind_list(products.iter().map(|p| p.id));
    if !tx.scope().sees_brand_records() {
        sql.push(" AND status = 'active'");
    }
    sql.push(" ORDER BY code");
    for row in sql.fetch_all(tx.conn()).await? {
        let product: ProductId = row.parse("product_id")?;
        if let Some(summary) = products.iter_mut().find(|p| p.id == product) {
            summary.skus.push(SkuBrief {
                id: row.parse("id")?,
                code: row.text("code")?,
                name_zh: row.text("name_zh")?,
                name_en: row.text("name_en")?,
                list_price: row.int("list_price")?,
                status: row.text("status")?,
            });
        }
    }
    Ok(())
}

/// Partner users see active products only; brand staff see all.
fn visible(tx: &Tx) -> Sql {
    let mut sql = Sql::new(SUMMARY);
    if !tx.scope().sees_brand_records() {
        sql.push(" AND p.status = 'active'");
    }
    sql
}

/// A page of products matching `filter`. Without a search, newest first; with one, the most
/// relevant first: an exact product or SKU code or barcode, then a match in the product's own
/// name (its characters, full pinyin or initials: "kl" finds 可乐 before "sparkling"), then
/// anything else, paged by offset.
pub async fn list(tx: &mut Tx, filter: &ProductFilter, page: &PageRequest) -> StoreResult<Page<ProductSummary>> {
    let mut sql = visible(tx);
    let query = filter.q.as_deref().map(qudao_domain::text::search_query).filter(|q| !q.is_empty());
    if let Some(q) = &query {
        let pattern = format!("%{}%", qudao_domain::text::like_escape(q));
        sql.push_bind(" AND p.search_key LIKE ", pattern).push(" ESCAPE '\\'");
    }
    if let Some(category) = &filter.category {
        sql.push_bind(" AND (c.code = ", category.as_str()).push_bind(" OR pc.code = ", category.as_str()).push(")");
    }
    if let Some(brand) = &filter.brand {
        sql.push_bind(" AND b.code = ", brand.as_str());
    }
    let Some(q) = query else {
        page.apply(&mut sql, "p.created_ms", "p.id");
        let rows = sql.fetch_all(tx.conn()).await?;
        let mut items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        attach_skus(tx, &mut items).await?;
        return Ok(Page::from_rows(items, page.limit, |p| Cursor { created_ms: p.created_ms, id: p.id.to_string() }));
    };
    let code = q.to_uppercase();
    let name_pattern = format!("%{}%", qudao_domain::text::like_escape(&q));
    sql.push_bind(" ORDER BY CASE WHEN p.code = ", code.as_str());
    sql.push_bind(" OR EXISTS (SELECT 1 FROM skus es WHERE es.product_id = p.id AND (es.code = ", code.as_str());
    sql.push_bind(" OR es.barcode = ", q.as_str()).push(")) THEN 0");
    sql.push_bind(" WHEN p.name_key LIKE ", name_pattern)
        .push(" ESCAPE '\\' THEN 1 ELSE 2 END, p.created_ms DESC, p.id DESC");
    let shown = page.after.as_ref().and_then(Cursor::as_offset).unwrap_or(0);
    sql.push_bind(" LIMIT ", i64::from(page.limit) + 1).push_bind(" OFFSET ", i64::try_from(shown).unwrap_or(0));
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
    attach_skus(tx, &mut items).await?;
    Ok(Page::from_offset_rows(items, page.limit, shown))
}

/// How many products the scope sees (dashboard).
pub async fn count(tx: &mut Tx) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM products p WHERE 1 = 1");
    if !tx.scope().sees_brand_records() {
        sql.push(" AND p.status = 'active'");
    }
    sql.fetch_i64(tx.conn()).await
}

async fn view(tx: &mut Tx, row: &AnyRow) -> StoreResult<ProductView> {
    let summary = summary(row)?;
    let id = summary.id;
    let mut units_sql = Sql::new(
        "SELECT pu.unit_id, u.code, u.name_zh, u.name_en, pu.factor FROM product_units pu \
         JOIN units u ON u.id = pu.unit_id WHERE pu.product_id = ",
    );
    units_sql.bind(id).push(" ORDER BY pu.factor");
    let units = units_sql
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|r| {
            Ok(UnitFactor {
                unit_id: r.parse("unit_id")?,
                code: r.text("code")?,
                name_zh: r.text("name_zh")?,
                name_en: r.text("name_en")?,
                factor: r.int("factor")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut images_sql = Sql::new("SELECT file_id FROM product_images WHERE product_id = ");
    images_sql.bind(id).push(" ORDER BY sort");
    let images = images_sql
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|r| r.parse("file_id"))
        .collect::<StoreResult<Vec<FileId>>>()?;
    let skus = skus_of(tx, id).await?;
    Ok(ProductView {
        category_id: row.parse("category_id")?,
        brand_id: row.parse("brand_id")?,
        base_unit_id: row.parse("base_unit_id")?,
        base_unit_code: row.text("unit_code")?,
        brand_code: row.text("brand_code")?,
        tax_rate_bp: row.int("tax_rate_bp")?,
        description: row.opt_text("description")?,
        updated_ms: row.int("updated_ms")?,
        version: row.int("version")?,
        units,
        skus,
        images,
        summary,
    })
}

/// One visible product with its SKUs, units and pictures.
pub async fn get(tx: &mut Tx, id: ProductId) -> StoreResult<Option<ProductView>> {
    let mut sql = visible(tx);
    sql.push_bind(" AND p.id = ", id);
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some(view(tx, &row).await?)),
        None => Ok(None),
    }
}

/// One visible product by code.
pub async fn get_by_code(tx: &mut Tx, code: &str) -> StoreResult<Option<ProductView>> {
    let mut sql = visible(tx);
    sql.push_bind(" AND p.code = ", code);
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some(view(tx, &row).await?)),
        None => Ok(None),
    }
}

/// A product to insert.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Id.
    pub id: ProductId,
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Category.
    pub category_id: CategoryId,
    /// Brand.
    pub brand_id: BrandId,
    /// Base unit.
    pub base_unit_id: UnitId,
    /// VAT, basis points.
    pub tax_rate_bp: i64,
    /// Description.
    pub description: Option<String>,
    /// Larger units and their factors.
    pub units: Vec<(UnitId, i64)>,
    /// Now.
    pub now_ms: i64,
}

/// Inserts a product (with an initial search key of its own names; SKUs extend it).
pub async fn insert(tx: &mut Tx, p: &NewProduct) -> StoreResult<()> {
    let key = qudao_domain::text::search_key(&[&p.name_zh, &p.name_en, &p.code]);
    let name_key = qudao_domain::text::search_key(&[&p.name_zh, &p.name_en]);
    let mut sql = Sql::new(
        "INSERT INTO products (id, code, name_zh, name_en, category_id, brand_id, base_unit_id, tax_rate_bp, \
         description, status, image_id, search_key, name_key, created_ms, updated_ms, version) VALUES (",
    );
    sql.bind(p.id).push(", ").bind(p.code.as_str()).push(", ").bind(p.name_zh.as_str());
    sql.push(", ").bind(p.name_en.as_str()).push(", ").bind(p.category_id).push(", ").bind(p.brand_id);
    sql.push(", ").bind(p.base_unit_id).push(", ").bind(p.tax_rate_bp).push(", ").bind(p.description.as_deref());
    sql.push(", 'active', NULL, ").bind(key).push(", ").bind(name_key).push(", ").bind(p.now_ms);
    sql.push(", ").bind(p.now_ms).push(", 1)");
    sql.execute(tx.conn()).await?;
    replace_units(tx, p.id, &p.units).await
}

async fn replace_units(tx: &mut Tx, id: ProductId, units: &[(UnitId, i64)]) -> StoreResult<()> {
    let mut sql = Sql::new("DELETE FROM product_units WHERE product_id = ");
    sql.bind(id);
    sql.execute(tx.conn()).await?;
    for (unit, factor) in units {
        let mut sql = Sql::new("INSERT INTO product_units (product_id, unit_id, factor) VALUES (");
        sql.bind(id).push(", ").bind(*unit).push(", ").bind(*factor).push(")");
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

/// The editable fields of a product.
#[derive(Debug, Clone)]
pub struct ProductChanges {
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Category.
    pub category_id: CategoryId,
    /// Brand.
    pub brand_id: BrandId,
    /// Base unit.
    pub base_unit_id: UnitId,
    /// VAT, basis points.
    pub tax_rate_bp: i64,
    /// Description.
    pub description: Option<String>,
    /// Larger units.
    pub units: Vec<(UnitId, i64)>,
}

/// Updates a product if its version is still `expected_version`.
pub async fn update(
    tx: &mut Tx,
    id: ProductId,
    expected_version: i64,
    c: &ProductChanges,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE products SET name_zh = ");
    sql.bind(c.name_zh.as_str()).push(", name_en = ").bind(c.name_en.as_str());
    sql.push(", category_id = ").bind(c.category_id).push(", brand_id = ").bind(c.brand_id);
    sql.push(", base_unit_id = ").bind(c.base_unit_id).push(", tax_rate_bp = ").bind(c.tax_rate_bp);
    sql.push(", description = ").bind(c.description.as_deref()).push(", updated_ms = ").bind(now_ms);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push_bind(" AND version = ", expected_version);
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    replace_units(tx, id, &c.units).await?;
    refresh_search_key(tx, id).await?;
    Ok(true)
}

/// Activates or deactivates a product.
pub async fn set_status(tx: &mut Tx, id: ProductId, active: bool, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE products SET status = ");
    sql.bind(if active { "active" } else { "inactive" }).push(", updated_ms = ").bind(now_ms);
    sql.push(", version = version + 1 WHERE id = ").bind(id);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Rebuilds a product's search key from its names, code and every SKU's code, names and barcode.
pub async fn refresh_search_key(tx: &mut Tx, id: ProductId) -> StoreResult<()> {
    let mut sql = Sql::new("SELECT name_zh, name_en, code FROM products WHERE id = ");
    sql.bind(id);
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(()) };
    let mut parts = vec![row.text("name_zh")?, row.text("name_en")?, row.text("code")?];
    let mut skus = Sql::new("SELECT code, name_zh, name_en, barcode FROM skus WHERE product_id = ");
    skus.bind(id);
    for sku in skus.fetch_all(tx.conn()).await? {
        parts.push(sku.text("code")?);
        parts.push(sku.text("name_zh")?);
        parts.push(sku.text("name_en")?);
        if let Some(barcode) = sku.opt_text("barcode")? {
            parts.push(barcode);
        }
    }
    let name_key = qudao_domain::text::search_key(&[&parts[0], &parts[1]]);
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let key = qudao_domain::text::search_key(&refs);
    let mut update = Sql::new("UPDATE products SET search_key = ");
    update.bind(key).push_bind(", name_key = ", name_key).push_bind(" WHERE id = ", id);
    update.execute(tx.conn()).await?;
    Ok(())
}

/// Adds a picture; the first one becomes the main picture.
pub async fn add_image(tx: &mut Tx, id: ProductId, file: FileId, now_ms: i64) -> StoreResult<()> {
    let mut next = Sql::new("SELECT CAST(COALESCE(MAX(sort), 0) AS BIGINT) FROM product_images WHERE product_id = ");
    next.bind(id);
    let sort = next.fetch_i64(tx.conn()).await? + 1;
    let mut sql = Sql::new("INSERT INTO product_images (product_id, file_id, sort) VALUES (");
    sql.bind(id).push(", ").bind(file).push(", ").bind(sort).push(")");
    sql.execute(tx.conn()).await?;
    let mut main = Sql::new("UPDATE products SET image_id = COALESCE(image_id, ");
    main.bind(file).push("), updated_ms = ").bind(now_ms).push(", version = version + 1 WHERE id = ").bind(id);
    main.execute(tx.conn()).await?;
    Ok(())
}

//! The demo catalog: categories, brands, units, products and SKUs from the data files, repeated in
//! "editions" (regional editions, later generations) when the large data set needs more SKUs.

use std::collections::HashMap;

use qudao_domain::ids::{BrandId, CategoryId, ProductId, SkuId, UnitId};
use qudao_store::catalog::{self, NewProduct, NewSku, masters};
use qudao_store::{Db, Tx};

use super::data::{ProductRow, SkuRow, Tables};
use super::rng::Rng;
use super::{Progress, scope};
use crate::{AppError, AppResult};

/// Statements per transaction: enough to amortise the commit, few enough to show progress.
const BATCH_ROWS: usize = 300;

/// The markers of editions 2, 3, …: Chinese, English.
const EDITIONS: [(&str, &str); 9] = [
    ("区域版", "Regional Edition"),
    ("第二代", "2nd Generation"),
    ("第三代", "3rd Generation"),
    ("升级版", "Upgraded"),
    ("经典版", "Classic"),
    ("家庭装", "Family Size"),
    ("尊享版", "Premium"),
    ("第四代", "4th Generation"),
    ("限定版", "Limited Edition"),
];

/// One repetition of the file's products; edition 1 is the file itself.
#[derive(Debug, Clone, Copy)]
struct Edition(u32);

impl Edition {
    fn suffix(self) -> String {
        if self.0 <= 1 { String::new() } else { format!("-E{}", self.0) }
    }

    /// The marker in Chinese and English, `None` for the first edition.
    fn marker(self) -> Option<(String, String)> {
        let index = usize::try_from(self.0).ok()?.checked_sub(2)?;
        Some(match EDITIONS.get(index) {
            Some((zh, en)) => ((*zh).to_string(), (*en).to_string()),
            None => (format!("第{}代", self.0), format!("Generation {}", self.0)),
        })
    }
}

/// A product of one edition and the SKUs it gets.
struct ProductJob<'a> {
    product: &'a ProductRow,
    skus: Vec<&'a SkuRow>,
    edition: Edition,
}

/// How many SKUs a data set should have: every SKU of the file (small) or exactly this many.
pub(crate) fn sku_target(tables: &Tables, large: bool) -> usize {
    if large { 5_000 } else { tables.skus.len() }
}

/// The products to write, in order: the file's products, then as many further editions as it
/// takes to reach `target` SKUs (the last product may get only some of its SKUs).
fn jobs(tables: &Tables, target: usize) -> Vec<ProductJob<'_>> {
    let mut by_product: HashMap<&str, Vec<&SkuRow>> = HashMap::new();
    for sku in &tables.skus {
        by_product.entry(sku.product_code).or_default().push(sku);
    }
    let mut out = Vec::new();
    let mut count = 0;
    let mut edition = 1;
    while count < target && !tables.skus.is_empty() {
        for product in &tables.products {
            let Some(skus) = by_product.get(product.code) else {
                continue;
            };
            let take = skus.len().min(target - count);
            if take == 0 {
                break;
            }
            out.push(ProductJob { product, skus: skus[..take].to_vec(), edition: Edition(edition) });
            count += take;
        }
        edition += 1;
    }
    out
}

/// An EAN-13 of a later edition: the same company prefix, the item number moved up by 1,000 per
/// edition, and a fresh check digit. `None` when the item number would overflow.
fn edition_barcode(barcode: &str, edition: Edition) -> Option<String> {
    if edition.0 <= 1 {
        return Some(barcode.to_string());
    }
    if barcode.len() != 13 || !barcode.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let item: u32 = barcode.get(7..12)?.parse().ok()?;
    let item = item + (edition.0 - 1) * 1_000;
    if item > 99_999 {
        return None;
    }
    let body = format!("{}{item:05}", barcode.get(..7)?);
    Some(format!("{body}{}", ean_check_digit(&body)))
}

/// The EAN-13 check digit of the first 12 digits.
fn ean_check_digit(body: &str) -> u32 {
    let sum: u32 = body.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    (10 - sum % 10) % 10
}

/// A name of a later edition: the product's name gets the marker; a SKU name that starts with
/// the product's name keeps its tail (`澜溪柠檬味汽水（区域版） 330ml`).
fn edition_name(name: &str, product_name: &str, marked_product: &str, marker: &str) -> String {
    match name.strip_prefix(product_name) {
        Some(rest) => format!("{marked_product}{rest}"),
        None => format!("{name} {marker}"),
    }
}

/// Master data ids by code.
struct Masters {
    categories: HashMap<&'static str, (CategoryId, &'static str)>,
    brands: HashMap<&'static str, (BrandId, &'static str)>,
    units: HashMap<&'static str, (UnitId, &'static str)>,
}

async fn write_masters(tx: &mut Tx, tables: &Tables) -> AppResult<Masters> {
    let mut categories = HashMap::new();
    for (sort, c) in (1_i64..).zip(&tables.categories) {
        let parent = match c.parent_code {
            None => None,
            Some(code) => Some(
                categories
                    .get(code)
                    .map(|(id, _)| *id)
                    .ok_or_else(|| AppError::Internal(format!("demo category {} before its parent", c.code)))?,
            ),
        };
        let made = masters::insert_category(tx, c.code, parent, c.name_zh, c.name_en, sort).await?;
        categories.insert(c.code, (made.id, c.name_zh));
    }
    let mut brands = HashMap::new();
    for b in &tables.brands {
        brands.insert(b.code, (masters::insert_brand(tx, b.code, b.name_zh, b.name_en).await?.id, b.name_zh));
    }
    let mut units = HashMap::new();
    for u in &tables.units {
        units.insert(u.code, (masters::insert_unit(tx, u.code, u.name_zh, u.name_en).await?.id, u.name_zh));
    }
    Ok(Masters { categories, brands, units })
}

fn missing(what: &str, code: &str) -> AppError {
    AppError::Internal(format!("demo data: unknown {what} {code}"))
}

/// Writes one product of one edition with its SKUs (their ids added to `skus`); returns the
/// statements it took.
async fn write_product(
    tx: &mut Tx,
    masters: &Masters,
    job: &ProductJob<'_>,
    rng: &mut Rng,
    created_ms: i64,
    skus: &mut Vec<SkuId>,
) -> AppResult<usize> {
    let p = job.product;
    let (category_id, category_zh) =
        *masters.categories.get(p.category_code).ok_or_else(|| missing("category", p.category_code))?;
    let (brand_id, brand_zh) = *masters.brands.get(p.brand_code).ok_or_else(|| missing("brand", p.brand_code))?;
    let (base_unit_id, base_zh) = *masters.units.get(p.base_unit).ok_or_else(|| missing("unit", p.base_unit))?;
    let (pack_unit_id, pack_zh) = *masters.units.get(p.pack_unit).ok_or_else(|| missing("unit", p.pack_unit))?;
    let marker = job.edition.marker();
    let (name_zh, name_en) = match &marker {
        Some((zh, en)) => (format!("{}（{zh}）", p.name_zh), format!("{} ({en})", p.name_en)),
        None => (p.name_zh.to_string(), p.name_en.to_string()),
    };
    let suffix = job.edition.suffix();
    let units = if pack_unit_id == base_unit_id { Vec::new() } else { vec![(pack_unit_id, p.pack_factor)] };
    let id = ProductId::new();
    catalog::insert(
        tx,
        &NewProduct {
            id,
            code: format!("{}{suffix}", p.code),
            name_zh: name_zh.clone(),
            name_en: name_en.clone(),
            category_id,
            brand_id,
            base_unit_id,
            tax_rate_bp: p.tax_percent * 100,
            description: Some(format!("{category_zh} · {brand_zh}出品。每{pack_zh}{}{base_zh}。", p.pack_factor)),
            units,
            now_ms: created_ms,
        },
    )
    .await?;
    // One factor per product edition (-15 % to +25 %), so its sizes keep their price order:
    // editions are priced like their region or year.
    let percent = i64::try_from(rng.between(85, 125)).unwrap_or(100);
    for sku in &job.skus {
        let (sku_zh, sku_en, price) = match &marker {
            None => (sku.name_zh.to_string(), sku.name_en.to_string(), sku.price_fen),
            Some((zh, en)) => {
                // Rounded to whole jiao.
                let varied = sku.price_fen * percent / 100;
                (
                    edition_name(sku.name_zh, p.name_zh, &name_zh, zh),
                    edition_name(sku.name_en, p.name_en, &name_en, en),
                    ((varied + 5) / 10 * 10).max(10),
                )
            }
        };
        let sku_id = SkuId::new();
        skus.push(sku_id);
        catalog::insert_sku(
            tx,
            &NewSku {
                id: sku_id,
                product_id: id,
                code: format!("{}{suffix}", sku.code),
                spec: sku.spec.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(),
                name_zh: sku_zh,
                name_en: sku_en,
                barcode: sku.barcode.and_then(|b| edition_barcode(b, job.edition)),
                list_price: price,
                currency: "CNY".to_string(),
                now_ms: created_ms,
            },
        )
        .await?;
    }
    catalog::refresh_search_key(tx, id).await?;
    Ok(job.skus.len() + 6)
}

/// Writes the catalog in batches; returns the SKUs written, in file order.
pub(crate) async fn write(
    db: &Db,
    tables: &Tables,
    large: bool,
    rng: &mut Rng,
    progress: &dyn Progress,
    start_ms: i64,
) -> AppResult<Vec<SkuId>> {
    let jobs = jobs(tables, sku_target(tables, large));
    let total: usize = jobs.iter().map(|j| j.skus.len()).sum();
    progress.stage("catalog", total as u64);
    let mut tx = db.write(&scope()).await?;
    let masters = write_masters(&mut tx, tables).await?;
    let mut rows = 0;
    let mut pending = 0;
    let mut skus = Vec::with_capacity(total);
    for (index, job) in (0_i64..).zip(&jobs) {
        // One minute apart in file order, so lists (newest first) have one stable order.
        rows += write_product(&mut tx, &masters, job, rng, start_ms + index * 60_000, &mut skus).await?;
        pending += job.skus.len();
        if rows >= BATCH_ROWS {
            tx.commit().await?;
            progress.advance(pending as u64);
            (rows, pending) = (0, 0);
            tx = db.write(&scope()).await?;
        }
    }
    tx.commit().await?;
    progress.advance(pending as u64);
    Ok(skus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_set_is_the_file_and_the_large_one_has_exactly_5000_skus() {
        let tables = Tables::load().unwrap();
        let small = jobs(&tables, sku_target(&tables, false));
        assert_eq!(small.len(), tables.products.len());
        assert_eq!(small.iter().map(|j| j.skus.len()).sum::<usize>(), tables.skus.len());
        let large = jobs(&tables, sku_target(&tables, true));
        assert_eq!(large.iter().map(|j| j.skus.len()).sum::<usize>(), 5_000);
        assert!(large.iter().all(|j| j.edition.0 <= 10));
        let mut barcodes = std::collections::HashSet::new();
        for job in &large {
            for sku in &job.skus {
                let barcode = edition_barcode(sku.barcode.unwrap(), job.edition).unwrap();
                assert!(barcodes.insert(barcode.clone()), "{barcode}");
            }
        }
    }

    #[test]
    fn later_editions_get_their_own_barcodes_and_names() {
        assert_eq!(ean_check_digit("695381710001"), 9);
        assert_eq!(edition_barcode("6953817100019", Edition(1)).as_deref(), Some("6953817100019"));
        let second = edition_barcode("6953817100019", Edition(2)).unwrap();
        assert!(second.starts_with("695381711001"), "{second}");
        assert_eq!(ean_check_digit(&second[..12]).to_string(), &second[12..]);
        assert_eq!(
            edition_name("澜溪柠檬味汽水 330ml", "澜溪柠檬味汽水", "澜溪柠檬味汽水（区域版）", "区域版"),
            "澜溪柠檬味汽水（区域版） 330ml"
        );
        assert_eq!(Edition(11).marker().unwrap().0, "第11代");
        assert_eq!(Edition(1).suffix(), "");
        assert_eq!(Edition(3).suffix(), "-E3");
    }
}

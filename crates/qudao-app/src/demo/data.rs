//! The demo data files (tab-separated, compiled into the binary) parsed into rows.
//!
//! Each file starts with one `# ` line naming its columns; every other non-empty line is a row.
//! The files are ours and checked by a test, so a malformed line is an internal error, reported
//! with the file and line number.

use crate::{AppError, AppResult};

/// A region row: 1 大区, 2 province, 3 city.
#[derive(Debug, Clone)]
pub(crate) struct RegionRow {
    pub code: &'static str,
    pub parent_code: Option<&'static str>,
    pub level: u8,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// A category row; top-level categories have no parent.
#[derive(Debug, Clone)]
pub(crate) struct CategoryRow {
    pub code: &'static str,
    pub parent_code: Option<&'static str>,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// A brand or a unit: code and two names.
#[derive(Debug, Clone)]
pub(crate) struct NamedRow {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// A product row.
#[derive(Debug, Clone)]
pub(crate) struct ProductRow {
    pub code: &'static str,
    pub category_code: &'static str,
    pub brand_code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub base_unit: &'static str,
    pub pack_unit: &'static str,
    pub pack_factor: i64,
    pub tax_percent: i64,
}

/// A SKU row, its spec already split into name/value pairs and its price in fen.
#[derive(Debug, Clone)]
pub(crate) struct SkuRow {
    pub code: &'static str,
    pub product_code: &'static str,
    pub spec: Vec<(&'static str, &'static str)>,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub barcode: Option<&'static str>,
    pub price_fen: i64,
}

/// A Chinese word and its pinyin (trade names, surnames, given names).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word {
    pub zh: &'static str,
    pub pinyin: &'static str,
}

/// The industry word of a partner's name, by partner kind (`distributor`, `sub_dealer`…).
#[derive(Debug, Clone)]
pub(crate) struct IndustryRow {
    pub kind: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Every demo data file, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub regions: Vec<RegionRow>,
    pub categories: Vec<CategoryRow>,
    pub brands: Vec<NamedRow>,
    pub units: Vec<NamedRow>,
    pub products: Vec<ProductRow>,
    pub skus: Vec<SkuRow>,
    pub trade_names: Vec<Word>,
    pub industries: Vec<IndustryRow>,
    pub surnames: Vec<Word>,
    pub given_names: Vec<Word>,
}

const REGIONS: &str = include_str!("data/regions.tsv");
const CATEGORIES: &str = include_str!("data/categories.tsv");
const BRANDS: &str = include_str!("data/brands.tsv");
const UNITS: &str = include_str!("data/units.tsv");
const PRODUCTS: &str = include_str!("data/products.tsv");
const SKUS: &str = include_str!("data/skus.tsv");
const TRADE_NAMES: &str = include_str!("data/trade_names.tsv");
const INDUSTRIES: &str = include_str!("data/partner_industries.tsv");
const SURNAMES: &str = include_str!("data/surnames.tsv");
const GIVEN_NAMES: &str = include_str!("data/given_names.tsv");

/// One data line, split into exactly `N` fields.
struct Line<const N: usize> {
    file: &'static str,
    number: usize,
    fields: [&'static str; N],
}

impl<const N: usize> Line<N> {
    fn error(&self, what: &str) -> AppError {
        AppError::Internal(format!("demo data {} line {}: {what}", self.file, self.number))
    }

    fn optional(&self, index: usize) -> Option<&'static str> {
        Some(self.fields[index]).filter(|f| !f.is_empty())
    }

    fn int(&self, index: usize) -> AppResult<i64> {
        self.fields[index].parse().map_err(|_| self.error("not a whole number"))
    }
}

/// The data lines of `text`, each split into `N` tab-separated fields.
fn lines<const N: usize>(file: &'static str, text: &'static str) -> AppResult<Vec<Line<N>>> {
    let mut out = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let parts: Vec<&'static str> = raw.split('\t').map(str::trim).collect();
        let fields: [&'static str; N] = parts.try_into().map_err(|parts: Vec<&str>| {
            AppError::Internal(format!("demo data {file} line {number}: {} fields, expected {N}", parts.len()))
        })?;
        out.push(Line { file, number, fields });
    }
    Ok(out)
}

/// Parses `1.50` (yuan, at most two decimals) into 150 fen.
pub(crate) fn yuan_to_fen(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().ok()? };
    whole.checked_mul(100)?.checked_add(fraction)
}

/// Splits `规格=500ml;口味=柠檬` into its pairs, in order.
pub(crate) fn parse_spec(text: &'static str) -> Option<Vec<(&'static str, &'static str)>> {
    text.split(';')
        .filter(|part| !part.trim().is_empty())
        .map(|part| part.split_once('=').map(|(k, v)| (k.trim(), v.trim())))
        .collect()
}

fn words(file: &'static str, text: &'static str) -> AppResult<Vec<Word>> {
    Ok(lines::<2>(file, text)?.into_iter().map(|l| Word { zh: l.fields[0], pinyin: l.fields[1] }).collect())
}

fn named(file: &'static str, text: &'static str) -> AppResult<Vec<NamedRow>> {
    Ok(lines::<3>(file, text)?
        .into_iter()
        .map(|l| NamedRow { code: l.fields[0], name_zh: l.fields[1], name_en: l.fields[2] })
        .collect())
}

impl Tables {
    /// Parses every file.
    pub(crate) fn load() -> AppResult<Tables> {
        let mut regions = Vec::new();
        for l in lines::<5>("regions.tsv", REGIONS)? {
            let level = u8::try_from(l.int(2)?).map_err(|_| l.error("bad level"))?;
            regions.push(RegionRow {
                code: l.fields[0],
                parent_code: l.optional(1),
                level,
                name_zh: l.fields[3],
                name_en: l.fields[4],
            });
        }
        let categories = lines::<4>("categories.tsv", CATEGORIES)?
            .into_iter()
            .map(|l| CategoryRow {
                code: l.fields[0],
                parent_code: l.optional(1),
                name_zh: l.fields[2],
                name_en: l.fields[3],
            })
            .collect();
        let mut products = Vec::new();
        for l in lines::<9>("products.tsv", PRODUCTS)? {
            products.push(ProductRow {
                code: l.fields[0],
                category_code: l.fields[1],
                brand_code: l.fields[2],
                name_zh: l.fields[3],
                name_en: l.fields[4],
                base_unit: l.fields[5],
                pack_unit: l.fields[6],
                pack_factor: l.int(7)?,
                tax_percent: l.int(8)?,
            });
        }
        let mut skus = Vec::new();
        for l in lines::<7>("skus.tsv", SKUS)? {
            skus.push(SkuRow {
                code: l.fields[0],
                product_code: l.fields[1],
                spec: parse_spec(l.fields[2]).ok_or_else(|| l.error("bad spec"))?,
                name_zh: l.fields[3],
                name_en: l.fields[4],
                barcode: l.optional(5),
                price_fen: yuan_to_fen(l.fields[6]).ok_or_else(|| l.error("bad price"))?,
            });
        }
        let industries = lines::<3>("partner_industries.tsv", INDUSTRIES)?
            .into_iter()
            .map(|l| IndustryRow { kind: l.fields[0], zh: l.fields[1], en: l.fields[2] })
            .collect();
        Ok(Tables {
            regions,
            categories,
            brands: named("brands.tsv", BRANDS)?,
            units: named("units.tsv", UNITS)?,
            products,
            skus,
            trade_names: words("trade_names.tsv", TRADE_NAMES)?,
            industries,
            surnames: words("surnames.tsv", SURNAMES)?,
            given_names: words("given_names.tsv", GIVEN_NAMES)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn prices_and_specs_parse() {
        assert_eq!(yuan_to_fen("2.50"), Some(250));
        assert_eq!(yuan_to_fen("149"), Some(14_900));
        assert_eq!(yuan_to_fen("3.5"), Some(350));
        assert_eq!(yuan_to_fen("1.005"), None);
        assert_eq!(yuan_to_fen("x"), None);
        assert_eq!(parse_spec("规格=500ml;口味=柠檬"), Some(vec![("规格", "500ml"), ("口味", "柠檬")]));
        assert_eq!(parse_spec("规格"), None);
    }

    #[test]
    fn every_file_parses_and_every_reference_resolves() {
        let t = Tables::load().unwrap();
        let regions: HashSet<&str> = t.regions.iter().map(|r| r.code).collect();
        for r in &t.regions {
            assert_eq!(r.parent_code.is_none(), r.level == 1, "{}", r.code);
            if let Some(parent) = r.parent_code {
                assert!(regions.contains(parent), "{}", r.code);
            }
        }
        let categories: HashSet<&str> = t.categories.iter().map(|c| c.code).collect();
        let brands: HashSet<&str> = t.brands.iter().map(|b| b.code).collect();
        let units: HashSet<&str> = t.units.iter().map(|u| u.code).collect();
        let products: HashSet<&str> = t.products.iter().map(|p| p.code).collect();
        assert!(t.products.len() > 150 && t.skus.len() > 500);
        for p in &t.products {
            assert!(categories.contains(p.category_code), "{}", p.code);
            assert!(brands.contains(p.brand_code), "{}", p.code);
            assert!(units.contains(p.base_unit) && units.contains(p.pack_unit), "{}", p.code);
            assert!(p.pack_factor > 1, "{}", p.code);
        }
        let mut codes = HashSet::new();
        let mut barcodes = HashSet::new();
        for s in &t.skus {
            assert!(products.contains(s.product_code), "{}", s.code);
            assert!(codes.insert(s.code), "{}", s.code);
            assert!(s.price_fen > 0, "{}", s.code);
            if let Some(barcode) = s.barcode {
                assert!(barcodes.insert(barcode), "{barcode}");
            }
        }
        for kind in ["distributor", "sub_dealer", "agent", "retailer"] {
            assert!(t.industries.iter().any(|i| i.kind == kind), "{kind}");
        }
        for word in t.trade_names.iter().chain(&t.surnames).chain(&t.given_names) {
            assert!(word.pinyin.chars().all(|c| c.is_ascii_alphabetic()), "{}", word.pinyin);
        }
    }
}

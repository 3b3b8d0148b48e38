//! What the console's product pages and the portal's catalog show alike: the list query, category
//! and brand choices, product rows with price ranges, unit conversions and SKU specs.

use qudao_app::Ctx;
use qudao_domain::{Currency, Money};
use qudao_store::catalog::{ProductFilter, ProductSummary, ProductView};
use qudao_store::page::PageRequest;
use serde::Deserialize;

use crate::api::ListQuery;
use crate::error::WebResult;
use crate::pages::Chrome;
use crate::state::AppState;

/// The list filters as page URLs carry them. Unlike the API's query, unknown parameters are
/// ignored, so an old bookmark still opens.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CatalogQuery {
    /// Search: Chinese characters, full pinyin (`kele`), initials (`kl`), codes, barcodes.
    pub q: String,
    /// Category code (its subcategories included).
    pub category: String,
    /// Brand code.
    pub brand: String,
    /// The cursor of the page to show.
    pub after: String,
}

fn blank(value: &str) -> Option<String> {
    Some(value.trim()).filter(|v| !v.is_empty()).map(str::to_string)
}

impl CatalogQuery {
    /// The store filter, blanks meaning "any".
    pub fn filter(&self) -> ProductFilter {
        ProductFilter { q: blank(&self.q), category: blank(&self.category), brand: blank(&self.brand) }
    }

    /// The page request; a cursor we did not issue is a 400, as on the API.
    pub fn page(&self, limit: u32) -> WebResult<PageRequest> {
        ListQuery { limit: Some(limit), after: blank(&self.after) }.page()
    }

    /// The link to the page after `next`, keeping the filters.
    pub fn next_href(&self, base: &str, next: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (name, value) in [("q", &self.q), ("category", &self.category), ("brand", &self.brand)] {
            if !value.trim().is_empty() {
                pairs.push((name, value.trim()));
            }
        }
        pairs.push(("after", next));
        format!("{base}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    }
}

/// One option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The submitted value.
    pub code: String,
    /// The label in the page's language.
    pub label: String,
    /// Whether it is the current value.
    pub selected: bool,
}

/// Categories as "parent > child", in the page's language, with `current` selected.
pub async fn category_choices(state: &AppState, ctx: &Ctx, c: &Chrome, current: &str) -> WebResult<Vec<Choice>> {
    let categories = qudao_app::catalog::list_categories(state.app(), ctx).await?;
    Ok(categories
        .iter()
        .map(|category| {
            let own = c.pick(&category.name_zh, &category.name_en);
            let label = match category.parent_id.and_then(|id| categories.iter().find(|p| p.id == id)) {
                Some(parent) => format!("{} > {own}", c.pick(&parent.name_zh, &parent.name_en)),
                None => own.to_string(),
            };
            Choice { selected: category.code == current, code: category.code.clone(), label }
        })
        .collect())
}

/// Brands in the page's language, with `current` selected.
pub async fn brand_choices(state: &AppState, ctx: &Ctx, c: &Chrome, current: &str) -> WebResult<Vec<Choice>> {
    let brands = qudao_app::catalog::list_brands(state.app(), ctx).await?;
    Ok(brands
        .into_iter()
        .map(|b| Choice {
            selected: b.code == current,
            label: c.pick(&b.name_zh, &b.name_en).to_string(),
            code: b.code,
        })
        .collect())
}

/// Units as "瓶 (BOTTLE)", with `current` selected.
pub async fn unit_choices(state: &AppState, ctx: &Ctx, c: &Chrome, current: &str) -> WebResult<Vec<Choice>> {
    let units = qudao_app::catalog::list_units(state.app(), ctx).await?;
    Ok(units
        .into_iter()
        .map(|u| Choice {
            selected: u.code.eq_ignore_ascii_case(current.trim()),
            label: format!("{} ({})", c.pick(&u.name_zh, &u.name_en), u.code),
            code: u.code,
        })
        .collect())
}

/// Marks `current` selected in a copy of `choices`.
pub fn select(choices: &[Choice], current: &str) -> Vec<Choice> {
    choices
        .iter()
        .map(|choice| Choice { selected: choice.code.eq_ignore_ascii_case(current.trim()), ..choice.clone() })
        .collect()
}

/// A product as list rows and catalog cards show it.
#[derive(Debug, Clone)]
pub struct ProductRow {
    /// Id, for links.
    pub id: String,
    /// Code.
    pub code: String,
    /// The name in the page's language.
    pub name: String,
    /// The name in the other language.
    pub other_name: String,
    /// Category, localised.
    pub category: String,
    /// Brand, localised.
    pub brand: String,
    /// Lowest to highest active list price, or a dash without active SKUs.
    pub price: String,
    /// Active SKUs.
    pub sku_count: i64,
    /// `active` or `inactive` (the badge's class).
    pub status: String,
    /// The status, localised.
    pub status_label: String,
    /// The first picture's id.
    pub image: Option<String>,
}

/// "¥3.50" or "¥3.50 – ¥5.00"; a dash when nothing is for sale.
pub fn price_range(c: &Chrome, summary: &ProductSummary) -> String {
    if summary.sku_count == 0 {
        return c.t("common.none").to_string();
    }
    let currency = Currency::parse(&summary.currency).unwrap_or(Currency::CNY);
    let (min, max) = (Money::new(summary.min_price, currency), Money::new(summary.max_price, currency));
    if summary.min_price == summary.max_price { min.to_string() } else { format!("{min} – {max}") }
}

/// The row of one product.
pub fn product_row(c: &Chrome, p: &ProductSummary) -> ProductRow {
    ProductRow {
        id: p.id.to_string(),
        code: p.code.clone(),
        name: c.pick(&p.name_zh, &p.name_en).to_string(),
        other_name: c.pick(&p.name_en, &p.name_zh).to_string(),
        category: c.pick(&p.category_zh, &p.category_en).to_string(),
        brand: c.pick(&p.brand_zh, &p.brand_en).to_string(),
        price: price_range(c, p),
        sku_count: p.sku_count,
        status: p.status.clone(),
        status_label: status_label(c, &p.status).to_string(),
        image: p.image_id.map(|id| id.to_string()),
    }
}

/// `active` / `inactive`, localised.
pub fn status_label(c: &Chrome, status: &str) -> &'static str {
    if status == "active" { c.t("product.status.active") } else { c.t("product.status.inactive") }
}

/// The larger units as "1 箱 = 24 瓶".
pub fn unit_lines(c: &Chrome, view: &ProductView) -> Vec<String> {
    let base = c.pick(&view.summary.unit_zh, &view.summary.unit_en);
    view.units.iter().map(|u| format!("1 {} = {} {base}", c.pick(&u.name_zh, &u.name_en), u.factor)).collect()
}

/// A SKU's attributes as typed in forms: "规格=500ml; 口味=原味".
pub fn spec_text(spec: &[(String, String)]) -> String {
    spec.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
}

/// A price in fen for a form field, in yuan: "3.50".
pub fn yuan(fen: i64) -> String {
    Money::new(fen, Currency::CNY).to_decimal_string()
}

/// A SKU's price for display.
pub fn money(fen: i64, currency: &str) -> String {
    Money::new(fen, Currency::parse(currency).unwrap_or(Currency::CNY)).to_string()
}

/// A tax rate in basis points as typed in forms: 1300 → "13", 950 → "9.5".
pub fn tax_text(basis_points: i64) -> String {
    let whole = basis_points / 100;
    let fraction = basis_points % 100;
    if fraction == 0 { whole.to_string() } else { format!("{whole}.{fraction:02}").trim_end_matches('0').to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_rates_and_specs_read_as_typed() {
        assert_eq!(tax_text(1300), "13");
        assert_eq!(tax_text(950), "9.5");
        assert_eq!(tax_text(625), "6.25");
        let spec = vec![("规格".to_string(), "500ml".to_string()), ("口味".to_string(), "原味".to_string())];
        assert_eq!(spec_text(&spec), "规格=500ml; 口味=原味");
        assert_eq!(yuan(350), "3.50");
    }

    #[test]
    fn the_next_link_keeps_the_filters() {
        let query = CatalogQuery { q: "可乐".into(), category: "BEV".into(), ..CatalogQuery::default() };
        assert_eq!(
            query.next_href("/portal/catalog", "5.ab"),
            "/portal/catalog?q=%E5%8F%AF%E4%B9%90&category=BEV&after=5.ab"
        );
    }
}

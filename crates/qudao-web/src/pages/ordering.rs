//! What the portal and the console both show of orders: lines with their "why this price",
//! shipments with tracking, the timeline, and labels for states. One place, so a partner and
//! the brand read the same explanation of the same order.

use qudao_app::orders::TimelineEntry;
use qudao_app::pricing::Quote;
use qudao_store::orders::{OrderView, ShipmentView};
use serde_json::Value;

use crate::i18n;
use crate::pages::Chrome;

/// A line as the pages show it.
#[derive(Debug, Clone)]
pub struct LineRow {
    /// Line number (1-based) on orders; the index + 1 in carts.
    pub line_no: i64,
    /// SKU code.
    pub sku: String,
    /// Name in the page's language.
    pub name: String,
    /// Unit code.
    pub unit: String,
    /// Quantity in the unit.
    pub quantity: i64,
    /// List price per base unit.
    pub list_price: String,
    /// Amount after promotions.
    pub net: String,
    /// Amount before promotions, when promotions changed it.
    pub gross: Option<String>,
    /// A gift line.
    pub gift: bool,
    /// Base units shipped.
    pub shipped: i64,
    /// Base units returned.
    pub returned: i64,
    /// Base units that can still be shipped.
    pub open: i64,
    /// "Why this price", one sentence each.
    pub why: Vec<String>,
}

/// Turns a line's stored explanation into sentences in the page's language.
pub fn explain(c: &Chrome, explanation: &Value) -> Vec<String> {
    let lang = c.lang;
    let money = |v: &Value| c.money(v.as_i64().unwrap_or(0));
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = Vec::new();
    if explanation.get("gift").and_then(Value::as_bool).unwrap_or(false) {
        out.push(i18n::t(lang, "explain.gift_line").to_string());
    } else if let Some(source) = explanation.get("price_source") {
        let price = money(&explanation["list_price"]);
        let scope = source["scope"].as_str().unwrap_or("catalog");
        if scope == "catalog" {
            out.push(i18n::tf(lang, "explain.catalog", &[("price", &price)]));
        } else {
            let list = source["list_name"].as_str().or(source["list_code"].as_str()).unwrap_or("").to_string();
            let scope = scope_label(c, scope);
            out.push(i18n::tf(lang, "explain.list", &[("price", &price), ("list", &list), ("scope", scope)]));
        }
    }
    for other in explanation.get("outranked").and_then(Value::as_array).into_iter().flatten() {
        let list = other["list_name"].as_str().or(other["list_code"].as_str()).unwrap_or("").to_string();
        out.push(i18n::tf(lang, "explain.outranked", &[("list", &list), ("price", &money(&other["price"]))]));
    }
    for adjustment in explanation.get("adjustments").and_then(Value::as_array).into_iter().flatten() {
        let amount = money(&adjustment["amount"]);
        out.push(i18n::tf(lang, "explain.adjustment", &[("name", &text(&adjustment["name"])), ("amount", &amount)]));
    }
    for lost in explanation.get("lost").and_then(Value::as_array).into_iter().flatten() {
        let reason_code = lost["reason"].as_str().unwrap_or("");
        let shortfall = lost["shortfall"].as_i64().map(|s| c.money(s)).unwrap_or_default();
        let by = text(&lost["by"]);
        let condition = text(&lost["condition"]);
        let key = format!("explain.reason.{reason_code}");
        let reason = if i18n::has(&key) {
            i18n::tf(lang, &key, &[("by", &by), ("shortfall", &shortfall), ("condition", &condition)])
        } else {
            reason_code.to_string()
        };
        out.push(i18n::tf(lang, "explain.lost", &[("name", &text(&lost["name"])), ("reason", &reason)]));
    }
    out
}

fn scope_label(c: &Chrome, scope: &str) -> &'static str {
    match scope {
        "base" => c.t("explain.scope.base"),
        "tier" => c.t("explain.scope.tier"),
        "region" => c.t("explain.scope.region"),
        "partner" => c.t("explain.scope.partner"),
        "gift" => c.t("explain.scope.gift"),
        "fair" => c.t("explain.scope.fair"),
        _ => c.t("explain.scope.catalog"),
    }
}

/// The lines of a stored order.
pub fn order_lines(c: &Chrome, order: &OrderView) -> Vec<LineRow> {
    order
        .lines
        .iter()
        .map(|l| LineRow {
            line_no: l.line_no,
            sku: l.sku.clone(),
            name: c.pick(&l.name_zh, &l.name_en).to_string(),
            unit: l.unit.clone(),
            quantity: l.quantity,
            list_price: c.money(l.list_price),
            net: c.money(l.net),
            gross: (l.gross != l.net).then(|| c.money(l.gross)),
            gift: l.gift,
            shipped: l.shipped,
            returned: l.returned,
            open: l.base_quantity - l.shipped,
            why: explain(c, &l.explanation),
        })
        .collect()
}

/// The lines of a quote (a cart, a preview).
pub fn quote_lines(c: &Chrome, quote: &Quote) -> Vec<LineRow> {
    quote
        .lines
        .iter()
        .enumerate()
        .map(|(index, l)| LineRow {
            line_no: index as i64 + 1,
            sku: l.sku.clone(),
            name: c.pick(&l.name_zh, &l.name_en).to_string(),
            unit: l.unit.clone(),
            quantity: l.quantity,
            list_price: c.money(l.list_price),
            net: c.money(l.net),
            gross: (l.gross != l.net).then(|| c.money(l.gross)),
            gift: l.gift,
            shipped: 0,
            returned: 0,
            open: 0,
            why: serde_json::to_value(&l.explanation).map(|v| explain(c, &v)).unwrap_or_default(),
        })
        .collect()
}

/// The nudges of a quote as sentences.
pub fn nudges(c: &Chrome, quote: &Quote) -> Vec<String> {
    quote
        .nudges
        .iter()
        .map(|n| {
            i18n::tf(c.lang, "cart.nudge", &[("quantity", &n.quantity.to_string()), ("sku", &n.sku), ("name", &n.name)])
        })
        .collect()
}

/// A shipment with its tracking.
#[derive(Debug, Clone)]
pub struct ShipmentRow {
    /// Id, for the tracking form.
    pub id: String,
    /// Number.
    pub number: String,
    /// Warehouse code.
    pub warehouse: String,
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking_no: String,
    /// Status, localised.
    pub status: String,
    /// When it left.
    pub shipped: String,
    /// (line number, quantity).
    pub lines: Vec<(i64, i64)>,
    /// (when, status, location, description), oldest first.
    pub events: Vec<(String, String, String, String)>,
}

/// The shipments of an order.
pub fn shipment_rows(c: &Chrome, shipments: &[ShipmentView]) -> Vec<ShipmentRow> {
    shipments
        .iter()
        .map(|s| ShipmentRow {
            id: s.id.to_string(),
            number: s.number.clone(),
            warehouse: s.warehouse.clone(),
            carrier: s.carrier.clone(),
            tracking_no: s.tracking_no.clone(),
            status: tracking_label(c, &s.status),
            shipped: c.datetime(s.shipped_ms),
            lines: s.lines.iter().map(|l| (l.line_no, l.quantity)).collect(),
            events: s
                .events
                .iter()
                .map(|e| {
                    (
                        c.datetime(e.at_ms),
                        tracking_label(c, &e.status),
                        e.location.clone().unwrap_or_default(),
                        e.description.clone(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// A tracking status in the page's language.
pub fn tracking_label(c: &Chrome, status: &str) -> String {
    label(c, "tracking.", status)
}

/// `prefix` + `code` (`"order.status."` + `"shipped"`) in the page's language, or the code itself when it has no label.
pub fn label(c: &Chrome, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}{code}");
    if i18n::has(&key) { c.t(&key).to_string() } else { code.to_string() }
}

/// One row of the timeline.
#[derive(Debug, Clone)]
pub struct TimelineRow {
    /// When.
    pub at: String,
    /// What happened.
    pub what: String,
    /// Who (or where, for tracking).
    pub who: String,
    /// A short detail: the tracking number, the reason, the carrier's words.
    pub detail: String,
}

/// The timeline's rows.
pub fn timeline_rows(c: &Chrome, entries: &[TimelineEntry]) -> Vec<TimelineRow> {
    entries
        .iter()
        .map(|e| {
            let what =
                if e.source == "tracking" { tracking_label(c, &e.action) } else { label(c, "timeline.", &e.action) };
            let detail = match &e.detail {
                Value::String(text) => text.clone(),
                Value::Object(map) => ["tracking_no", "reason", "description", "number", "note"]
                    .iter()
                    .filter_map(|k| map.get(*k).and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" · "),
                _ => String::new(),
            };
            let who = match e.actor.as_deref() {
                Some("system") | None if e.source == "audit" => c.t("timeline.system").to_string(),
                Some(actor) => actor.to_string(),
                None => String::new(),
            };
            TimelineRow { at: c.datetime(e.at_ms), what, who, detail }
        })
        .collect()
}

/// The `qty.<line number>` fields of a form as line amounts (blank and 0 left out): the ship and
/// return forms.
pub fn line_amounts(fields: &[(String, String)]) -> Vec<qudao_app::orders::LineAmount> {
    fields
        .iter()
        .filter_map(|(k, v)| {
            let line_no = k.strip_prefix("qty.")?.parse::<i64>().ok()?;
            let quantity = v.trim().parse::<i64>().ok().filter(|q| *q > 0)?;
            Some(qudao_app::orders::LineAmount { line_no, quantity })
        })
        .collect()
}

/// The `qty.<SKU>` / `unit.<SKU>` fields of a form as order lines (the cart and amend forms);
/// a quantity that is not a number becomes -1, so the use case reports it.
pub fn sku_lines(fields: &[(String, String)]) -> Vec<qudao_app::pricing::LineRequest> {
    let unit_of = |sku: &str| fields.iter().find(|(k, _)| k == &format!("unit.{sku}")).map(|(_, v)| v.clone());
    fields
        .iter()
        .filter_map(|(key, value)| {
            let sku = key.strip_prefix("qty.")?;
            let quantity = value.trim().parse().unwrap_or(-1);
            Some(qudao_app::pricing::LineRequest { sku: sku.to_string(), quantity, unit: unit_of(sku) })
        })
        .collect()
}

/// A return of an order, linked from the order's page.
pub struct ReturnLink {
    /// Its page.
    pub href: String,
    /// Its number.
    pub number: String,
    /// Its status.
    pub status: String,
    /// The status, localised.
    pub status_label: String,
    /// What it refunds.
    pub amount: String,
}

/// The returns of an order for its page (`base`: `/console` or `/portal`).
pub async fn return_links(
    state: &crate::state::AppState,
    ctx: &qudao_app::Ctx,
    c: &Chrome,
    order: qudao_domain::ids::OrderId,
    base: &str,
) -> crate::error::WebResult<Vec<ReturnLink>> {
    let page = qudao_store::page::PageRequest::first(50);
    let found = qudao_app::orders::list_returns(state.app(), ctx, Some(order), None, &page).await?;
    Ok(found
        .items
        .iter()
        .map(|r| ReturnLink {
            href: format!("{base}/returns/{}", r.id),
            number: r.number.clone(),
            status: r.status.clone(),
            status_label: label(c, "returns.status.", &r.status),
            amount: c.money(r.amount),
        })
        .collect())
}

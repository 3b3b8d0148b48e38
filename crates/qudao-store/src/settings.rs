//! Brand settings: a small key/value table the console edits.

use qudao_domain::ids::UserId;

use crate::{RowExt, Sql, StoreResult, Tx};

/// Whether a distributor's users see their sub-dealers (`true`/`false`).
pub const PARENT_SEES_SUB_DEALERS: &str = "partners.parent_sees_sub_dealers";
/// The brand owner's display name, shown in the header and e-mails.
pub const BRAND_NAME: &str = "brand.name";

/// What partners see of stock: `exact`, `bucketed` (in stock / low / out) or `hidden`.
pub const STOCK_VISIBILITY: &str = "stock.visibility";
/// At or below this many base units available, stock shows as low.
pub const STOCK_LOW_THRESHOLD: &str = "stock.low_threshold";
/// The largest share of an order a partner may pay from rebate, in basis points.
pub const REBATE_MAX_SHARE_BP: &str = "orders.rebate_max_share_bp";
/// Orders above this total (fen) wait for a brand user's approval; empty for no limit.
pub const AUTO_APPROVE_MAX: &str = "orders.auto_approve_max";
/// Days after full shipment an order counts as received if the partner has not signed.
pub const AUTO_RECEIVE_DAYS: &str = "orders.auto_receive_days";
/// Days after receipt an order completes by itself (the window for returns before the books close).
pub const AUTO_COMPLETE_DAYS: &str = "orders.auto_complete_days";
/// Tier weights for ordering fairs allocated by tier weight, `code:weight` pairs.
pub const FAIR_TIER_WEIGHTS: &str = "fairs.tier_weights";
/// Private networks webhook endpoints may point at, besides the server's
/// `QUDAO_WEBHOOK_ALLOW_NETS` (comma-separated CIDRs; empty: none).
pub const WEBHOOK_ALLOW_NETS: &str = "integrations.webhook_allow_nets";
/// Days a credit order may stay unpaid after approval (账期) unless the partner has its own.
pub const CREDIT_TERMS_DAYS: &str = "finance.credit_terms_days";
/// Fen overdue above which a partner may not order (credit hold); empty: no hold.
pub const CREDIT_HOLD_OVERDUE: &str = "finance.credit_hold_overdue";

/// Every setting the console can change, with its default.
pub const KNOWN: [(&str, &str); 12] = [
    (PARENT_SEES_SUB_DEALERS, "false"),
    (BRAND_NAME, "Qudao"),
    (STOCK_VISIBILITY, "bucketed"),
    (STOCK_LOW_THRESHOLD, "50"),
    (REBATE_MAX_SHARE_BP, "1000"),
    (AUTO_APPROVE_MAX, "5000000"),
    (AUTO_RECEIVE_DAYS, "7"),
    (AUTO_COMPLETE_DAYS, "15"),
    (FAIR_TIER_WEIGHTS, "platinum:4,gold:3,silver:2,bronze:1"),
    (WEBHOOK_ALLOW_NETS, ""),
    (CREDIT_TERMS_DAYS, "30"),
    (CREDIT_HOLD_OVERDUE, ""),
];

/// A setting's value, or its default.
pub async fn get(tx: &mut Tx, key: &str) -> StoreResult<String> {
    let mut sql = Sql::new("SELECT value FROM settings WHERE key = ");
    sql.bind(key);
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => row.text("value"),
        None => Ok(KNOWN.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()).unwrap_or_default()),
    }
}

/// Sets a setting.
pub async fn set(tx: &mut Tx, key: &str, value: &str, now_ms: i64, by: Option<UserId>) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO settings (key, value, updated_ms, updated_by) VALUES (");
    sql.bind(key).push(", ").bind(value).push(", ").bind(now_ms).push(", ").bind(by);
    sql.push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms, ");
    sql.push("updated_by = excluded.updated_by");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Whether distributors' users see their sub-dealers.
pub async fn parent_sees_sub_dealers(tx: &mut Tx) -> StoreResult<bool> {
    Ok(get(tx, PARENT_SEES_SUB_DEALERS).await? == "true")
}

/// The known settings (and the pricing version) as they are now, read in one query, for use
/// cases that need several.
#[derive(Debug, Clone, Default)]
pub struct Snapshot(std::collections::HashMap<String, String>);

impl Snapshot {
    /// A setting's value, or its default.
    pub fn get(&self, key: &str) -> &str {
        match self.0.get(key) {
            Some(value) => value,
            None => KNOWN.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| *v),
        }
    }

    /// A numeric setting: `None` when set empty (no limit), the default when unreadable.
    pub fn number(&self, key: &str) -> Option<i64> {
        let value = self.get(key).trim();
        match value.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) if value.is_empty() => None,
            Err(_) => KNOWN.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.parse().ok()),
        }
    }
}

/// Reads every known setting and the pricing version at once.
pub async fn snapshot(tx: &mut Tx) -> StoreResult<Snapshot> {
    let mut sql = Sql::new("SELECT key, value FROM settings WHERE key IN ");
    sql.bind_list(KNOWN.iter().map(|(k, _)| *k).chain(std::iter::once(crate::pricing::PRICING_VERSION)));
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut values = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        values.insert(row.text("key")?, row.text("value")?);
    }
    Ok(Snapshot(values))
}

/// A numeric setting, or its default when unset or unreadable.
pub async fn number(tx: &mut Tx, key: &str) -> StoreResult<Option<i64>> {
    let mut sql = Sql::new("SELECT key, value FROM settings WHERE key = ");
    sql.bind(key);
    let mut values = std::collections::HashMap::new();
    if let Some(row) = sql.fetch_optional(tx.conn()).await? {
        values.insert(row.text("key")?, row.text("value")?);
    }
    Ok(Snapshot(values).number(key))
}

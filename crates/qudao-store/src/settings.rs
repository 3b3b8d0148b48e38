//! Brand settings: a small key/value table the console edits.

use qudao_domain::ids::UserId;

use crate::{RowExt, Sql, StoreResult, Tx};

/// Whether a distributor's users see their sub-dealers (`true`/`false`).
pub const PARENT_SEES_SUB_DEALERS: &str = "partners.parent_sees_sub_dealers";
/// The brand owner's display name, shown in the header and e-mails.
pub const BRAND_NAME: &str = "brand.name";

/// Every setting the console can change, with its default.
pub const KNOWN: [(&str, &str); 2] = [(PARENT_SEES_SUB_DEALERS, "false"), (BRAND_NAME, "Qudao")];

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

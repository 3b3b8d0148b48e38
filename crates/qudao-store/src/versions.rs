//! Version numbers of data that is cached in memory, bumped by triggers (see migration
//! `0004_ordering_version.sql`) in the same transaction as every change, so a cache can tell
//! whether what it holds is still current with one small read.

use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// The version of everything checkout reads and rarely changes: partners, their tiers, regions
/// and addresses; the catalog and ordering rules; price lists and promotions; settings.
pub async fn ordering(tx: &mut Tx) -> StoreResult<i64> {
    let sql = Sql::new("SELECT value FROM data_versions WHERE name = 'ordering'");
    let row = sql.fetch_optional(tx.conn()).await?.ok_or_else(|| StoreError::Corrupt("no ordering version".into()))?;
    row.int("value")
}

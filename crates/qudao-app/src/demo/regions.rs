//! Regions (大区 > province > city) from the region file, and the four partner tiers.

use std::collections::HashMap;

use qudao_domain::ids::TierId;
use qudao_store::Tx;
use qudao_store::partners::regions::{self, NewRegion, Region};
use qudao_store::partners::tiers;

use super::data::Tables;
use crate::{AppError, AppResult};

/// The tiers: code, Chinese and English names, rank (higher is better).
const TIERS: [(&str, &str, &str, i64); 4] = [
    ("platinum", "铂金", "Platinum", 40),
    ("gold", "黄金", "Gold", 30),
    ("silver", "白银", "Silver", 20),
    ("registered", "注册", "Registered", 10),
];

/// Writes every region, parents first; returns them by code.
pub(crate) async fn write_regions(tx: &mut Tx, tables: &Tables) -> AppResult<HashMap<String, Region>> {
    let mut by_code: HashMap<String, Region> = HashMap::new();
    let mut sort_in_parent: HashMap<Option<&str>, i64> = HashMap::new();
    for row in &tables.regions {
        let parent = match row.parent_code {
            None => None,
            Some(code) => Some(
                by_code
                    .get(code)
                    .ok_or_else(|| AppError::Internal(format!("demo region {} before its parent", row.code)))?,
            ),
        };
        let sort = sort_in_parent.entry(row.parent_code).or_insert(0);
        *sort += 1;
        let new = NewRegion { code: row.code, parent, name_zh: row.name_zh, name_en: row.name_en, sort: *sort };
        let region = regions::insert(tx, &new).await?;
        by_code.insert(row.code.to_string(), region);
    }
    Ok(by_code)
}

/// Writes the four tiers; returns their ids by code.
pub(crate) async fn write_tiers(tx: &mut Tx) -> AppResult<HashMap<&'static str, TierId>> {
    let mut ids = HashMap::new();
    for (code, zh, en, rank) in TIERS {
        ids.insert(code, tiers::insert(tx, code, zh, en, rank).await?.id);
    }
    Ok(ids)
}

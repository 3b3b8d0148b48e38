//! The written catalog as the ordering part of the demo data needs it: every SKU with its units
//! and categories (read back through the store, as checkout reads them), which ones are drinks,
//! how popular each is, and the SKUs the promotions are built around.

use std::collections::HashMap;

use qudao_domain::ids::{CategoryId, SkuId};
use qudao_store::Db;
use qudao_store::catalog::{self, Sellable, SkuKeys, masters};

use super::history::Choice;
use super::rng::Rng;
use super::scope;
use crate::{AppError, AppResult};

/// SKUs the current promotions are about, by role; they are also favourites of the showcase
/// partners, so the printed accounts have history with them.
pub(crate) const COLA: &str = "S-BEV-0002-01";
/// The gift of the cola 买赠.
pub(crate) const LEMON_SODA: &str = "S-BEV-0001-01";
/// Water: bought by the pallet, with tea as its gift.
pub(crate) const WATER: &str = "S-BEV-0018-01";
/// The gift of the water 买赠.
pub(crate) const LEMON_TEA: &str = "S-BEV-0013-01";
/// A new coffee at a 特价.
pub(crate) const LATTE: &str = "S-BEV-0027-01";
/// The two halves of the snack bundle.
pub(crate) const CHIPS: &str = "S-SNK-0001-01";
/// See [`CHIPS`].
pub(crate) const CANNED_CHIPS: &str = "S-SNK-0002-01";
/// Oil at a limited special price (限购).
pub(crate) const OIL: &str = "S-GRO-0010-01";
/// Washing powder on clearance, exclusive.
pub(crate) const POWDER: &str = "S-HOM-0002-01";

const FAVOURITES: [&str; 9] = [COLA, WATER, LEMON_SODA, LEMON_TEA, LATTE, CHIPS, CANNED_CHIPS, OIL, POWDER];

/// The catalog in memory.
pub(crate) struct Goods {
    /// Every SKU, in catalog order.
    pub skus: Vec<Sellable>,
    /// Category codes by id.
    pub categories: HashMap<CategoryId, String>,
    /// Index by SKU code.
    by_code: HashMap<String, usize>,
    /// Index by SKU id.
    by_id: HashMap<SkuId, usize>,
}

impl Goods {
    /// Reads the SKUs back in chunks.
    pub(crate) async fn load(db: &Db, ids: &[SkuId]) -> AppResult<Goods> {
        let mut tx = db.read(&scope()).await?;
        let categories = masters::categories(&mut tx).await?.into_iter().map(|c| (c.id, c.code)).collect();
        let mut skus = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut found = catalog::sellable(&mut tx, SkuKeys::Ids(chunk)).await?;
            for id in chunk {
                skus.push(found.remove(id).ok_or_else(|| AppError::Internal(format!("demo SKU {id} not found")))?);
            }
        }
        let by_code = skus.iter().enumerate().map(|(i, s)| (s.code.clone(), i)).collect();
        let by_id = skus.iter().enumerate().map(|(i, s)| (s.sku_id, i)).collect();
        Ok(Goods { skus, categories, by_code, by_id })
    }

    /// The SKU of a code the demo relies on.
    pub(crate) fn code(&self, code: &str) -> AppResult<&Sellable> {
        self.by_code
            .get(code)
            .and_then(|i| self.skus.get(*i))
            .ok_or_else(|| AppError::Internal(format!("demo SKU {code} missing from the catalog")))
    }

    /// The index of a SKU id.
    pub(crate) fn index_of(&self, id: SkuId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Whether the SKU is in a category whose code starts with `prefix` (`BEV`, `SNK-CHP`).
    pub(crate) fn in_category(&self, sku: &Sellable, prefix: &str) -> bool {
        sku.categories.iter().any(|c| self.categories.get(c).is_some_and(|code| code.starts_with(prefix)))
    }

    /// The category of a code.
    pub(crate) fn category(&self, code: &str) -> AppResult<CategoryId> {
        self.categories
            .iter()
            .find(|(_, c)| c.as_str() == code)
            .map(|(id, _)| *id)
            .ok_or_else(|| AppError::Internal(format!("demo category {code} missing")))
    }

    /// Base units per case: the largest unit the SKU is sold in.
    pub(crate) fn case(sku: &Sellable) -> i64 {
        sku.units.iter().map(|u| u.factor).max().unwrap_or(1).max(1)
    }

    /// The SKUs as the history chooses them: popularity falls with a random rank (a few SKUs
    /// sell a lot, most a little), the promoted SKUs are among the most popular.
    pub(crate) fn choices(&self, rng: &mut Rng) -> (Vec<Choice>, Vec<usize>) {
        let n = self.skus.len();
        let mut ranks: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.index(i + 1);
            ranks.swap(i, j);
        }
        let favourites: Vec<usize> = FAVOURITES.iter().filter_map(|c| self.by_code.get(*c).copied()).collect();
        let choices = self
            .skus
            .iter()
            .enumerate()
            .map(|(i, sku)| {
                let rank = if favourites.contains(&i) { 0 } else { ranks[i] };
                Choice { beverage: self.in_category(sku, "BEV"), popularity: 100_000 / (rank as u64 + 10) }
            })
            .collect();
        (choices, favourites)
    }
}

//! The promotion book, built once per pricing version and business date and shared by every
//! request: indexing 1,000 promotions for each cart would cost more than pricing it.

use std::sync::{Arc, Mutex};

use qudao_domain::pricing::{Date, PromotionBook};
use qudao_store::{Tx, pricing};

use crate::{App, AppResult};

/// The cached book and the version and date it was built for.
#[derive(Default)]
pub struct PricingCache {
    current: Mutex<Option<(i64, Date, Arc<PromotionBook>)>>,
}

impl std::fmt::Debug for PricingCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PricingCache")
    }
}

/// The cached book, if it is the one for `version` and `date`.
pub(crate) fn cached_book(app: &App, version: i64, date: Date) -> Option<Arc<PromotionBook>> {
    let guard = app.pricing_cache().current.lock().ok()?;
    let (v, d, book) = guard.as_ref()?;
    (*v == version && *d == date).then(|| Arc::clone(book))
}

/// The live promotion book for `date`, rebuilt when a list or promotion changed (`version` is
/// the pricing version read in `tx`, so the answer is as fresh as the transaction).
pub(crate) async fn book(app: &App, tx: &mut Tx, version: i64, date: Date) -> AppResult<Arc<PromotionBook>> {
    if let Some(book) = cached_book(app, version, date) {
        return Ok(book);
    }
    let book = Arc::new(PromotionBook::new(pricing::live_promotions(tx, date).await?));
    if let Ok(mut guard) = app.pricing_cache().current.lock() {
        *guard = Some((version, date, Arc::clone(&book)));
    }
    Ok(book)
}

//! What checkout reads and rarely changes — the partner and its addresses, the SKUs ordered with
//! their units and rules, their live price entries, the settings — kept in memory between
//! orders, so that placing an order reads almost nothing from the database before the desk.
//!
//! A snapshot belongs to one ordering version (`qudao_store::versions::ordering`, bumped by a
//! trigger with every change to those tables). It is filled lazily and never checked on the
//! request path: an order carries the version it was priced at, and the order desk compares it
//! with the current one in its batch transaction. An order priced from an outdated snapshot
//! writes nothing and comes back as `Outcome::Stale`; the caller drops the snapshot and prices
//! again from fresh reads. So a change made on any instance is seen by the next order placed
//! anywhere, without a read per request.
//!
//! The version is read before the data it guards, so the data is never older than its version.
//! A table that comes to feed checkout needs the same trigger (a new migration), or changes to
//! it will not reach orders priced from a snapshot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use qudao_domain::ids::{PartnerId, SkuId};
use qudao_domain::pricing::PriceEntry;
use qudao_store::catalog::{self, Sellable, SkuKeys};
use qudao_store::partners::contacts::AddressView;
use qudao_store::partners::{self, PartnerView};
use qudao_store::{Scope, pricing, settings, versions};

use crate::{App, AppError, AppResult, Ctx};

/// The current snapshot, if one was made since the last change was noticed.
#[derive(Default)]
pub struct OrderingCache {
    current: Mutex<Option<Arc<Snapshot>>>,
}

impl std::fmt::Debug for OrderingCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrderingCache")
    }
}

impl OrderingCache {
    /// The snapshot to price with: the current one, or a new one at the version now stored.
    pub(crate) async fn snapshot(&self, app: &App) -> AppResult<Arc<Snapshot>> {
        if let Some(current) = lock(&self.current)?.as_ref() {
            return Ok(Arc::clone(current));
        }
        let mut tx = app.db().read(&system()).await?;
        let version = versions::ordering(&mut tx).await?;
        let settings = settings::snapshot(&mut tx).await?;
        drop(tx);
        let fresh = Arc::new(Snapshot { version, settings, ..Snapshot::default() });
        let mut current = lock(&self.current)?;
        // Keep a newer one another request made meanwhile.
        match current.as_ref() {
            Some(other) if other.version >= version => Ok(Arc::clone(other)),
            _ => {
                *current = Some(Arc::clone(&fresh));
                Ok(fresh)
            }
        }
    }

    /// Drops the snapshot of `version` (an order priced from it was stale).
    pub(crate) fn forget(&self, version: i64) {
        if let Ok(mut current) = self.current.lock()
            && current.as_ref().is_some_and(|s| s.version <= version)
        {
            *current = None;
        }
    }
}

/// The cached facts of one ordering version.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// The ordering version everything here is at (or newer: see the module comment).
    pub version: i64,
    /// The settings, read with the version.
    pub settings: settings::Snapshot,
    partners: Mutex<HashMap<PartnerId, Arc<PartnerFacts>>>,
    /// By code.
    skus: Mutex<HashMap<String, Sellable>>,
    /// Live price entries per SKU, and the names of the lists they belong to.
    prices: Mutex<(HashMap<SkuId, Vec<PriceEntry>>, pricing::ListNames)>,
}

/// A partner as checkout needs it.
#[derive(Debug)]
pub(crate) struct PartnerFacts {
    /// The partner.
    pub partner: PartnerView,
    /// Its addresses.
    pub addresses: Vec<AddressView>,
}

impl Snapshot {
    /// The caller's partner, read in the caller's own scope when not yet cached (so a partner
    /// is only ever cached by a request allowed to see it, and only served to its own users).
    pub(crate) async fn partner(&self, app: &App, ctx: &Ctx, id: PartnerId) -> AppResult<Arc<PartnerFacts>> {
        if let Some(facts) = lock(&self.partners)?.get(&id) {
            return Ok(Arc::clone(facts));
        }
        let mut tx = app.read(ctx).await?;
        let partner = partners::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let addresses = partners::contacts::addresses_of(&mut tx, id).await?;
        let facts = Arc::new(PartnerFacts { partner, addresses });
        lock(&self.partners)?.insert(id, Arc::clone(&facts));
        Ok(facts)
    }

    /// The SKUs of these codes that exist (catalog data is the brand's, the same for every
    /// partner). Only SKUs found are kept: codes that name nothing are read again each time, so
    /// made-up codes cannot grow the cache.
    pub(crate) async fn sellables(&self, app: &App, codes: &[String]) -> AppResult<Vec<Sellable>> {
        let missing: Vec<String> = {
            let known = lock(&self.skus)?;
            codes.iter().filter(|c| !known.contains_key(*c)).cloned().collect()
        };
        if !missing.is_empty() {
            let mut tx = app.db().read(&system()).await?;
            let fresh = catalog::sellable(&mut tx, SkuKeys::Codes(&missing)).await?;
            drop(tx);
            let mut known = lock(&self.skus)?;
            for sellable in fresh.into_values() {
                // Another request may have filled it meanwhile, from the same version.
                known.entry(sellable.code.clone()).or_insert(sellable);
            }
        }
        let known = lock(&self.skus)?;
        Ok(codes.iter().filter_map(|c| known.get(c).cloned()).collect())
    }

    /// The live price entries of these SKUs, every list's (the engine keeps only those that
    /// cover the buyer), with the lists' names.
    pub(crate) async fn prices(&self, app: &App, skus: &[SkuId]) -> AppResult<(Vec<PriceEntry>, pricing::ListNames)> {
        let missing: Vec<SkuId> = {
            let prices = lock(&self.prices)?;
            skus.iter().filter(|s| !prices.0.contains_key(*s)).copied().collect()
        };
        if !missing.is_empty() {
            let mut tx = app.db().read(&system()).await?;
            let (entries, names) = pricing::live_entries(&mut tx, Some(&missing)).await?;
            drop(tx);
            let mut by_sku: HashMap<SkuId, Vec<PriceEntry>> = missing.iter().map(|s| (*s, Vec::new())).collect();
            for entry in entries {
                by_sku.entry(entry.sku).or_default().push(entry);
            }
            let mut prices = lock(&self.prices)?;
            for (sku, own) in by_sku {
                // Another request may have filled it meanwhile, from the same version.
                prices.0.entry(sku).or_insert(own);
            }
            prices.1.extend(names);
        }
        let prices = lock(&self.prices)?;
        let entries = skus.iter().filter_map(|s| prices.0.get(s)).flatten().cloned().collect();
        Ok((entries, prices.1.clone()))
    }
}

fn system() -> Scope {
    Scope::system("checkout's snapshot holds brand data the engine filters per buyer")
}

fn lock<T>(mutex: &Mutex<T>) -> AppResult<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| AppError::Internal("ordering snapshot lock".into()))
}

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

use qudao_domain::approvals::Subject;
use qudao_domain::ids::{CategoryId, PartnerId, SkuId};
use qudao_domain::pricing::PriceEntry;
use qudao_store::catalog::{self, Sellable, SkuKeys, masters};
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
        let flows = crate::approvals::flows_for(&mut tx, Subject::Order, &settings).await?;
        let categories = if flows.iter().any(|f| f.flow.reads_categories()) {
            masters::categories(&mut tx).await?.into_iter().map(|c| (c.id, c.code)).collect()
        } else {
            HashMap::new()
        };
        drop(tx);
        let fresh = Arc::new(Snapshot { version, settings, flows, categories, ..Snapshot::default() });
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
    /// The approval flows orders are routed through, in the order they are tried.
    pub flows: Vec<crate::approvals::FlowChoice>,
    /// Category codes by id, when a flow's condition reads an order's categories.
    pub categories: HashMap<CategoryId, String>,
    partners: Mutex<HashMap<PartnerId, Arc<PartnerFacts>>>,
    /// The whole catalog, read once by whichever order needs it first while the others wait.
    /// Filling it SKU by SKU as orders named them cost a server's first seconds under load:
    /// every order brought a few SKUs not seen yet, so each went to the database.
    catalog: tokio::sync::OnceCell<Catalog>,
}

/// Every SKU with its units and rules, and every live price entry, of one version.
#[derive(Debug, Default)]
struct Catalog {
    /// By code.
    skus: HashMap<String, Sellable>,
    /// Live price entries per SKU.
    prices: HashMap<SkuId, Vec<PriceEntry>>,
    /// The names of the lists they belong to.
    names: pricing::ListNames,
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
    /// partner); a code the catalog lacks is simply left out.
    pub(crate) async fn sellables(&self, app: &App, codes: &[String]) -> AppResult<Vec<Sellable>> {
        let catalog = self.catalog(app).await?;
        Ok(codes.iter().filter_map(|c| catalog.skus.get(c).cloned()).collect())
    }

    /// The live price entries of these SKUs, every list's (the engine keeps only those that
    /// cover the buyer), with the lists' names.
    pub(crate) async fn prices(&self, app: &App, skus: &[SkuId]) -> AppResult<(Vec<PriceEntry>, pricing::ListNames)> {
        let catalog = self.catalog(app).await?;
        let entries = skus.iter().filter_map(|s| catalog.prices.get(s)).flatten().cloned().collect();
        Ok((entries, catalog.names.clone()))
    }

    /// The catalog of this version, read on first use. Memory grows with SKUs × price lists
    /// (some hundred bytes per SKU and per entry): tens of megabytes for a catalog of 100,000
    /// SKUs, read again after each change to the ordering tables.
    async fn catalog(&self, app: &App) -> AppResult<&Catalog> {
        self.catalog
            .get_or_try_init(|| async {
                let mut tx = app.db().read(&system()).await?;
                let skus = catalog::sellable(&mut tx, SkuKeys::All).await?;
                let (entries, names) = pricing::live_entries(&mut tx, None).await?;
                drop(tx);
                let mut prices: HashMap<SkuId, Vec<PriceEntry>> = HashMap::new();
                for entry in entries {
                    prices.entry(entry.sku).or_default().push(entry);
                }
                let skus = skus.into_values().map(|s| (s.code.clone(), s)).collect();
                Ok::<_, AppError>(Catalog { skus, prices, names })
            })
            .await
    }
}

fn system() -> Scope {
    Scope::system("checkout's snapshot holds brand data the engine filters per buyer")
}

fn lock<T>(mutex: &Mutex<T>) -> AppResult<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| AppError::Internal("ordering snapshot lock".into()))
}

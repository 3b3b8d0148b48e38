//! Demo data: a brand (澜溪食品饮料) with its regions, tiers, catalog, partners, contacts and users
//! of every role, its warehouses and stock, price lists and promotions, partner accounts and two
//! years of orders, for trying Qudao out, for screenshots and for load tests.
//!
//! Everything is decided by a seed with our own small generator ([`rng`]), so a seed gives the
//! same names, codes, tiers, regions, prices, relationships, logins, passwords and orders on every
//! machine and with every dependency version; only the ids (UUID v7) and the times differ (the
//! history ends at the app's clock, so it moves with the day it is written). The data files
//! under `data/` were written for this project and are compiled in.
//!
//! `seed` returns the accounts to print: one per interesting role, each with its own documented
//! password. Every other demo user shares [`SHARED_PASSWORD`].

mod batch;
mod book;
mod calendar;
mod catalog;
mod collaboration;
mod data;
mod deals;
mod geo;
mod goods;
mod history;
mod ledger;
mod lifecycle;
mod orders;
mod partners;
mod people;
mod plan;
mod prices;
mod regions;
mod rng;
mod timeline;
mod users;
mod warehouses;

#[cfg(test)]
mod tests;

use qudao_domain::access::Role;
use qudao_store::access::users as store_users;
use qudao_store::{Scope, settings};

use crate::{App, AppError, AppResult};

/// Size of the demo data set: `Small` to try things out (~200 partners, the catalog file's ~520
/// SKUs, ~26,000 orders over two years), `Large` to see how lists, search and dashboards behave
/// with 5,000 partners and 5,000 SKUs (and each partner ordering a fifth as often).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoSize {
    /// About 200 partners and the catalog as the data files have it.
    Small,
    /// 5,000 partners and 5,000 SKUs.
    Large,
}

/// One demo account to print after seeding, so a person can sign in as each kind of user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// The role the account demonstrates.
    pub role: Role,
    /// Login name.
    pub login: String,
    /// Its password; fixed for every seed, so the README can list it.
    pub password: String,
    /// The partner company, for partner roles; `None` for brand roles.
    pub partner_name: Option<String>,
}

/// Progress reporting, so the CLI can draw a progress bar (indicatif lives in the binary, not
/// here). `seed` calls [`Progress::stage`] at the start of each stage (which ends the previous
/// one), [`Progress::advance`] as rows are committed, and [`Progress::finish`] once, after the
/// last stage of a successful run.
pub trait Progress: Send + Sync {
    /// A new stage starts (`passwords`, `regions`, `catalog`, `users`, `partners`, `stock`,
    /// `pricing`, `accounts`, `orders` — one step per day of history) with `total` steps.
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
    /// Everything is written.
    fn finish(&self);
}

/// No progress output, for tests and quiet callers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// The password every generated user shares except the printed accounts. It is hashed once and the
/// same hash is stored for all of them: acceptable for demo data only (see [`users`]).
pub const SHARED_PASSWORD: &str = "Demo-Channel-2026";

/// The scope every demo write runs in: no user asked for it.
fn scope() -> Scope {
    Scope::system("demo data")
}

/// Whether the database has no users and no partners yet: demo data is only ever written into an
/// empty database, never mixed with real records.
pub async fn is_empty(app: &App) -> AppResult<bool> {
    let mut tx = app.db().read(&scope()).await?;
    let users = store_users::count_all(&mut tx).await?;
    let partners: i64 = qudao_store::partners::count_by_status(&mut tx).await?.iter().map(|(_, n)| n).sum();
    Ok(users == 0 && partners == 0)
}

/// Writes the demo data set for `seed` and returns the accounts to print: brand admin, channel
/// manager of East China, finance, then administrator and sales rep of a platinum distributor
/// with sub-dealers and of a silver retailer. Refuses with `Conflict("database_not_empty")` when
/// any user or partner exists. Writes in batches of a few hundred rows, so a run that fails half
/// way leaves part of the data behind: start again from a fresh database.
pub async fn seed(app: &App, size: DemoSize, seed: u64, progress: &dyn Progress) -> AppResult<Vec<DemoAccount>> {
    seed_with_history(app, size, seed, 100, progress).await
}

/// [`seed`] with the order history's volume scaled to `history_percent` of the full data set
/// (the same two years, fewer orders a month): tests keep their databases small with it.
pub async fn seed_with_history(
    app: &App,
    size: DemoSize,
    seed: u64,
    history_percent: u64,
    progress: &dyn Progress,
) -> AppResult<Vec<DemoAccount>> {
    if !is_empty(app).await? {
        return Err(AppError::Conflict("database_not_empty"));
    }
    let db = app.db();
    let large = size == DemoSize::Large;
    let now_ms = app.now_ms();
    let history_start_ms = now_ms - timeline::HISTORY_MS - timeline::DAY_MS;
    let tables = data::Tables::load()?;
    let cities = geo::cities(&tables)?;
    let plan = plan::build(&tables, &cities, large, seed)?;
    let hashes = users::Hashes::compute(progress).await?;

    progress.stage("regions", tables.regions.len() as u64);
    let mut tx = db.write(&scope()).await?;
    let region_map = regions::write_regions(&mut tx, &tables).await?;
    let tiers = regions::write_tiers(&mut tx).await?;
    tx.commit().await?;
    progress.advance(tables.regions.len() as u64);

    // The catalog and the brand's staff predate the first partner.
    let mut catalog_rng = rng::Rng::stream(seed, 1);
    let sku_ids =
        catalog::write(db, &tables, large, &mut catalog_rng, progress, history_start_ms - 30 * timeline::DAY_MS)
            .await?;

    let tops: Vec<_> =
        tables.regions.iter().filter(|r| r.level == 1).filter_map(|r| region_map.get(r.code).cloned()).collect();
    progress.stage("users", 1);
    let mut tx = db.write(&scope()).await?;
    let brand_ms = history_start_ms - 60 * timeline::DAY_MS;
    let mut accounts = users::write_brand(&mut tx, &tables, &tops, &hashes, seed, brand_ms).await?;
    settings::set(&mut tx, settings::BRAND_NAME, "澜溪食品饮料", now_ms, None).await?;
    settings::set(&mut tx, settings::PARENT_SEES_SUB_DEALERS, "true", now_ms, None).await?;
    tx.commit().await?;
    progress.advance(1);

    let context = partners::Context {
        cities: &cities,
        regions: &region_map,
        tiers: &tiers,
        hashes: &hashes,
        history_start_ms,
        now_ms,
    };
    let (written, printed) = partners::write(db, &context, &plan, progress).await?;
    accounts.extend(printed);

    let goods = goods::Goods::load(db, &sku_ids).await?;
    let warehouses = warehouses::write(db, &region_map, brand_ms).await?;
    let platinum: Vec<&partners::Written> = plan
        .partners
        .iter()
        .zip(&written)
        .filter(|(p, _)| {
            p.tier == "platinum"
                && p.kind == qudao_domain::partners::PartnerKind::Distributor
                && p.status == qudao_domain::partners::PartnerStatus::Active
        })
        .map(|(_, w)| w)
        .collect();
    let pricing = prices::write(db, &goods, &tiers, &region_map, &platinum, history_start_ms, now_ms, progress).await?;
    let volume = history::Volume { percent: history_percent * if large { 20 } else { 100 } / 100 };
    let summary = book::write_history(
        db,
        &book::Inputs {
            plan: &plan,
            written: &written,
            goods: &goods,
            pricing: &pricing,
            warehouses: &warehouses,
            start_ms: history_start_ms,
            now_ms,
            seed,
            volume,
        },
        progress,
    )
    .await?;
    tracing::info!(
        orders = summary.orders,
        lines = summary.lines,
        shipments = summary.shipments,
        returns = summary.returns,
        journal_entries = summary.entries,
        stock_moves = summary.moves,
        "demo order history written"
    );

    let talk = collaboration::write(db, now_ms, progress).await?;
    tracing::info!(
        flows = talk.flows,
        approvals = talk.approvals,
        messages = talk.messages,
        "demo collaboration written"
    );

    let claims = deals::write(app, &accounts, progress).await?;
    tracing::info!(
        registrations = claims.registrations,
        pending = claims.pending,
        leads = claims.leads,
        opportunities = claims.opportunities,
        "demo registrations, leads and opportunities written"
    );

    let mut tx = db.write(&scope()).await?;
    settings::set(&mut tx, ACCOUNTS_KEY, &encode_accounts(&accounts), now_ms, None).await?;
    tx.commit().await?;
    db.analyze().await?;
    progress.finish();
    Ok(accounts)
}

/// Where the printed accounts are kept, so `qudao demo` can print them again on a later start.
const ACCOUNTS_KEY: &str = "demo.accounts";

fn encode_accounts(accounts: &[DemoAccount]) -> String {
    let rows: Vec<[String; 4]> = accounts
        .iter()
        .map(|a| {
            [
                a.role.as_str().to_string(),
                a.login.clone(),
                a.password.clone(),
                a.partner_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_default()
}

/// The accounts printed when the demo data was written, or none if this database was not seeded
/// with demo data.
pub async fn stored_accounts(app: &App) -> AppResult<Vec<DemoAccount>> {
    let mut tx = app.db().read(&scope()).await?;
    let text = settings::get(&mut tx, ACCOUNTS_KEY).await?;
    let rows: Vec<[String; 4]> = serde_json::from_str(&text).unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter_map(|[role, login, password, partner]| {
            Some(DemoAccount {
                role: role.parse().ok()?,
                login,
                password,
                partner_name: (!partner.is_empty()).then_some(partner),
            })
        })
        .collect())
}

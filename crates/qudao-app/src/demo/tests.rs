//! Seeding real databases: what the small data set contains, that it refuses a second run, and
//! that a seed always gives the same data. The tests seed a fifth of the order history (the same
//! two years, fewer orders a month) to stay quick; `qudao seed-demo` writes all of it.

use std::sync::Arc;
use std::time::Instant;

use qudao_domain::access::{Role, check_password};
use qudao_domain::partners::PartnerKind;
use qudao_store::catalog::{self, ProductFilter};
use qudao_store::orders::{self, OrderFilter, OrderSummary};
use qudao_store::page::{Cursor, PageRequest};
use qudao_store::partners::{self, PartnerFilter, PartnerView};
use qudao_store::{Db, Scope};

use super::{DemoSize, NoProgress, is_empty, seed, seed_with_history};
use crate::clock::Clock;
use crate::files::LocalDiskStore;
use crate::{App, AppConfig, AppError};

/// A fresh SQLite database in its own temporary folder, removed when dropped.
struct TempApp {
    app: App,
    dir: std::path::PathBuf,
}

impl Drop for TempApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A clock stopped at one instant, so two runs of the same seed see the same "now".
#[derive(Debug)]
struct StoppedClock(i64);

impl Clock for StoppedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

/// The instant every test seeds at: a Saturday noon in late November 2026, China time.
const NOW_MS: i64 = 1_795_838_400_000;

/// The share of the order history the tests write.
const TEST_HISTORY: u64 = 20;

async fn fresh(name: &str) -> TempApp {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("qudao-demo-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.sqlite");
    let db = Db::connect(&format!("sqlite://{}", path.display()), &Default::default()).await.unwrap();
    db.migrate().await.unwrap();
    let files = LocalDiskStore::new(dir.join("files")).unwrap();
    let app = App::new(db, AppConfig::default(), Arc::new(files), Arc::new(StoppedClock(NOW_MS)));
    TempApp { app, dir }
}

/// Every partner, newest first, read page by page.
async fn all_partners(app: &App) -> Vec<PartnerView> {
    let mut tx = app.db().read(&Scope::system("test")).await.unwrap();
    let mut page = PageRequest::first(200);
    let mut out = Vec::new();
    loop {
        let got = partners::list(&mut tx, &PartnerFilter::default(), &page).await.unwrap();
        out.extend(got.items);
        match got.next.as_deref().and_then(Cursor::decode) {
            Some(cursor) => page.after = Some(cursor),
            None => return out,
        }
    }
}

/// Every order, oldest first, read page by page.
async fn all_orders(app: &App) -> Vec<OrderSummary> {
    let mut tx = app.db().read(&Scope::system("test")).await.unwrap();
    let mut page = PageRequest::first(500);
    let mut out = Vec::new();
    loop {
        let got = orders::list(&mut tx, &OrderFilter::default(), &page).await.unwrap();
        out.extend(got.items);
        match got.next.as_deref().and_then(Cursor::decode) {
            Some(cursor) => page.after = Some(cursor),
            None => break,
        }
    }
    out.reverse();
    out
}

async fn sku_count(app: &App) -> i64 {
    let mut tx = app.db().read(&Scope::system("test")).await.unwrap();
    let mut page = PageRequest::first(200);
    let mut skus = 0;
    loop {
        let got = catalog::list(&mut tx, &ProductFilter::default(), &page).await.unwrap();
        skus += got.items.iter().map(|p| p.sku_count).sum::<i64>();
        match got.next.as_deref().and_then(Cursor::decode) {
            Some(cursor) => page.after = Some(cursor),
            None => return skus,
        }
    }
}

#[tokio::test]
async fn the_small_set_has_partners_skus_hierarchy_and_printed_accounts() {
    let t = fresh("small").await;
    assert!(is_empty(&t.app).await.unwrap());
    let started = Instant::now();
    let accounts = seed_with_history(&t.app, DemoSize::Small, 42, TEST_HISTORY, &NoProgress).await.unwrap();
    eprintln!("seeding Small ({TEST_HISTORY}% of the history) took {:?}", started.elapsed());
    assert!(!is_empty(&t.app).await.unwrap());

    let partners = all_partners(&t.app).await;
    assert_eq!(partners.len(), 200);
    let subs_with_parent = partners.iter().filter(|p| p.kind == PartnerKind::SubDealer && p.parent.is_some()).count();
    assert!(subs_with_parent >= 20, "{subs_with_parent}");
    assert!(sku_count(&t.app).await >= 500);

    let roles: Vec<Role> = accounts.iter().map(|a| a.role).collect();
    assert_eq!(
        roles,
        [
            Role::BrandAdmin,
            Role::ChannelManager,
            Role::Finance,
            Role::PartnerAdmin,
            Role::PartnerSales,
            Role::PartnerAdmin,
            Role::PartnerSales,
        ]
    );
    assert_eq!((accounts[0].login.as_str(), accounts[1].login.as_str()), ("admin", "cm.east"));
    for account in &accounts {
        assert_eq!(check_password(&account.password, &account.login), Ok(()), "{}", account.login);
        assert!(crate::access::users::parse_login(&account.login).is_ok(), "{}", account.login);
        assert_eq!(account.partner_name.is_some(), account.role.side() == qudao_domain::access::RoleSide::Partner);
    }
    let by_name = |name: &Option<String>| partners.iter().find(|p| Some(&p.name) == name.as_ref()).unwrap();
    let (first, second) = (by_name(&accounts[3].partner_name), by_name(&accounts[5].partner_name));
    assert_eq!(accounts[3].partner_name, accounts[4].partner_name);
    assert_eq!(accounts[5].partner_name, accounts[6].partner_name);
    assert_ne!(first.tier.code, second.tier.code);
    assert_eq!(first.tier.code, "platinum");
    assert!(partners.iter().any(|p| p.parent.as_ref().map(|r| r.id) == Some(first.id)));

    // Registrations: protected ones, three converted to opportunities, another partner's spelling
    // waiting for review, a duplicate refused by its credit code, one given up to the pool.
    let mut tx = t.app.db().read(&super::scope()).await.unwrap();
    let counts: std::collections::HashMap<String, i64> =
        qudao_store::deals::registrations::counts(&mut tx).await.unwrap().into_iter().collect();
    assert!(counts.get("approved").copied().unwrap_or(0) >= 6, "{counts:?}");
    assert_eq!(counts.get("converted"), Some(&3), "three became opportunities: {counts:?}");
    assert_eq!(counts.get("pending"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("rejected"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("released"), Some(&1), "{counts:?}");
    assert_eq!(qudao_store::deals::registrations::pool(&mut tx, None, 10).await.unwrap().len(), 1);
    let leads = qudao_store::deals::leads::list(
        &mut tx,
        &qudao_store::deals::leads::LeadFilter { limit: 50, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(leads.len(), 5);
    let statuses: Vec<&str> = leads.iter().map(|l| l.status.as_str()).collect();
    assert!(statuses.contains(&"converted") && statuses.contains(&"unassigned"), "{statuses:?}");
    let deals = qudao_store::deals::opportunities::list(&mut tx, None, false, 50).await.unwrap();
    assert!(deals.len() >= 3, "{deals:?}");
    assert!(deals.iter().any(|d| d.stage == "won") && deals.iter().any(|d| d.stage == "negotiate"));

    // Every printed account signs in with its printed password.
    let mut tx = t.app.db().read(&Scope::system("test")).await.unwrap();
    for account in &accounts {
        let credentials = qudao_store::access::users::credentials(&mut tx, &account.login).await.unwrap().unwrap();
        let ok = crate::access::verify_password(&account.password, credentials.password_hash.as_deref()).await.unwrap();
        assert!(ok, "{}", account.login);
    }
    // Collaboration: the two flows, the large orders waiting in them, discussions on orders.
    let flows = qudao_store::approvals::list_flows(&mut tx, None, false).await.unwrap();
    assert_eq!(flows.iter().map(|f| f.object_kind.as_str()).collect::<Vec<_>>(), ["order", "return"]);
    let recent = all_orders(&t.app).await;
    let newest = recent.iter().max_by_key(|o| (o.placed_ms, o.id.to_string())).unwrap();
    let talk = qudao_store::threads::list(&mut tx, "order", &newest.id.to_string(), None, 50).await.unwrap();
    assert!(talk.len() >= 2 && talk.iter().any(|m| m.author_brand), "{talk:?}");
    // Large orders still waiting for the brand (few in the history) wait in the order flow.
    for order in recent.iter().filter(|o| o.status == "submitted" && o.total > 5_000_000) {
        let approval = qudao_store::approvals::instances::running_of(&mut tx, "order", &order.id.to_string()).await;
        let waits_for_money = order.review_reason.as_deref().is_some_and(|r| r.starts_with("awaiting"));
        assert_eq!(approval.unwrap().is_some(), !waits_for_money, "{}", order.number);
    }
    drop(tx);

    let again = seed(&t.app, DemoSize::Small, 42, &NoProgress).await;
    assert!(matches!(again, Err(AppError::Conflict("database_not_empty"))), "{again:?}");
    // A later `qudao demo` on the same database prints the same accounts.
    assert_eq!(super::stored_accounts(&t.app).await.unwrap(), accounts);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_partners_in_the_same_order() {
    let (a, b) = (fresh("det-a").await, fresh("det-b").await);
    let accounts_a = seed_with_history(&a.app, DemoSize::Small, 7, TEST_HISTORY, &NoProgress).await.unwrap();
    let accounts_b = seed_with_history(&b.app, DemoSize::Small, 7, TEST_HISTORY, &NoProgress).await.unwrap();
    assert_eq!(accounts_a, accounts_b);
    let summary = |partners: Vec<PartnerView>| {
        partners
            .into_iter()
            .map(|p| (p.code, p.name, p.tier.code, p.region.code, p.credit_code, p.parent.map(|r| r.code)))
            .collect::<Vec<_>>()
    };
    let (pa, pb) = (summary(all_partners(&a.app).await), summary(all_partners(&b.app).await));
    assert_eq!(pa.len(), 200);
    assert_eq!(pa, pb);
    // The same orders: numbers, partners, statuses, payments and totals.
    let orders = |orders: Vec<OrderSummary>| {
        orders.into_iter().map(|o| (o.number, o.partner_code, o.status, o.payment, o.total)).collect::<Vec<_>>()
    };
    let (oa, ob) = (orders(all_orders(&a.app).await), orders(all_orders(&b.app).await));
    assert!(oa.len() > 1_000, "{}", oa.len());
    assert_eq!(oa, ob);
}

/// Run by hand: `cargo test -p qudao-app demo::tests::the_large_set -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "takes a while; run by hand to time the large data set"]
async fn the_large_set_has_5000_partners_and_5000_skus() {
    let t = fresh("large").await;
    let started = Instant::now();
    seed(&t.app, DemoSize::Large, 42, &NoProgress).await.unwrap();
    eprintln!("seeding Large took {:?}", started.elapsed());
    assert_eq!(all_partners(&t.app).await.len(), 5_000);
    assert_eq!(sku_count(&t.app).await, 5_000);
}

/// Orders per month (`yyyymm`).
fn per_month(orders: &[OrderSummary]) -> std::collections::BTreeMap<u32, usize> {
    let mut months = std::collections::BTreeMap::new();
    for o in orders {
        *months.entry(super::calendar::month_of(o.placed_ms)).or_insert(0) += 1;
    }
    months
}

#[tokio::test]
async fn the_order_history_spans_two_years_with_seasons_churn_and_consistent_stock_and_ledger() {
    let t = fresh("history").await;
    let started = Instant::now();
    seed_with_history(&t.app, DemoSize::Small, 42, TEST_HISTORY, &NoProgress).await.unwrap();
    eprintln!("seeding Small ({TEST_HISTORY}% of the history) took {:?}", started.elapsed());

    let problems = crate::stock::check_stock(&t.app).await.unwrap();
    assert!(problems.is_empty(), "stock problems: {problems:?}");
    let (wrong, total) = crate::accounts::check_ledger(&t.app).await.unwrap();
    assert!(wrong.is_empty(), "balances differ from the journal: {wrong:?}");
    assert_eq!(total, 0, "the journal does not balance");
    let mut tx = t.app.db().read(&Scope::system("test")).await.unwrap();
    assert!(qudao_store::accounts::over_credit_line(&mut tx).await.unwrap().is_empty());
    drop(tx);

    let orders = all_orders(&t.app).await;
    let months = per_month(&orders);
    eprintln!("{} orders; per month {months:?}", orders.len());
    // Every month of the two years (the first full month of the history to this one) has orders.
    let start = super::calendar::month_of(NOW_MS - super::timeline::HISTORY_MS);
    let mut month = if start % 100 == 12 { start + 89 } else { start + 1 };
    let last = super::calendar::month_of(NOW_MS);
    let mut seen = 0;
    while month <= last {
        assert!(months.get(&month).copied().unwrap_or(0) > 0, "no orders in {month}");
        seen += 1;
        month = if month % 100 == 12 { month + 89 } else { month + 1 };
    }
    assert!(seen >= 24, "{seen}");
    // 春节 (17 February 2026): December and January stock up, March and April are quiet.
    let m = |k: u32| months.get(&k).copied().unwrap_or(0);
    assert!(m(202512) + m(202601) > (m(202603) + m(202604)) * 5 / 4, "{months:?}");
    // The channel grows year over year.
    let year = 365 * super::timeline::DAY_MS;
    let recent = orders.iter().filter(|o| o.placed_ms > NOW_MS - year).count();
    let before = orders.iter().filter(|o| o.placed_ms <= NOW_MS - year && o.placed_ms > NOW_MS - 2 * year).count();
    eprintln!("last twelve months {recent}, the twelve before {before}");
    assert!(recent * 100 > before * 105 && recent * 100 < before * 170, "{recent} vs {before}");

    // Some partners stopped ordering: they ordered for months, then nothing in the last 75 days.
    let mut span: std::collections::HashMap<&str, (i64, i64)> = std::collections::HashMap::new();
    for o in &orders {
        let s = span.entry(o.partner_code.as_str()).or_insert((o.placed_ms, o.placed_ms));
        s.0 = s.0.min(o.placed_ms);
        s.1 = s.1.max(o.placed_ms);
    }
    let day = super::timeline::DAY_MS;
    let churned = span.values().filter(|(first, last)| last - first > 90 * day && *last < NOW_MS - 75 * day).count();
    assert!(churned >= 1, "no partner churned");

    // Most orders are closed; the recent ones are open in every state; a few were cancelled.
    let count = |status: &str| orders.iter().filter(|o| o.status == status).count();
    assert!(count("completed") * 10 > orders.len() * 8, "{}", count("completed"));
    assert!(count("cancelled") > 0 && count("cancelled") * 20 < orders.len());
    assert!(count("submitted") + count("approved") > 0, "no order waits for approval or shipping");
    for status in ["shipped", "received"] {
        assert!(count(status) > 0, "no {status} order");
    }
    assert!(orders.iter().any(|o| o.payment == "credit") && orders.iter().any(|o| o.payment == "prepaid"));

    // Numbers run per day without gaps, and the day's counter continues after the last one.
    let last_order = orders.last().unwrap();
    let date = crate::clock::china_date(last_order.placed_ms);
    let of_day: Vec<&OrderSummary> = orders.iter().filter(|o| crate::clock::china_date(o.placed_ms) == date).collect();
    for (n, o) in of_day.iter().enumerate() {
        assert_eq!(o.number, qudao_domain::docnum::format("SO", date, n as u64 + 1));
    }
    let mut tx = t.app.db().write(&Scope::system("test")).await.unwrap();
    let next = qudao_store::counters::next(&mut tx, &format!("order:{date}")).await.unwrap();
    assert_eq!(next, of_day.len() as u64 + 1);
    drop(tx);
}

#[tokio::test]
async fn the_printed_distributor_sees_its_tier_price_a_gift_and_a_spend_reduction() {
    use super::goods::{COLA, LATTE, LEMON_SODA};
    let t = fresh("quote").await;
    let accounts = seed_with_history(&t.app, DemoSize::Small, 42, 5, &NoProgress).await.unwrap();
    let sales = accounts.iter().find(|a| a.role == Role::PartnerSales).unwrap();
    let signed = crate::access::auth::sign_in(
        &t.app,
        crate::access::auth::SignIn {
            login: sales.login.clone(),
            password: sales.password.clone(),
            ip: "127.0.0.1".into(),
            user_agent: None,
            api: true,
        },
    )
    .await
    .unwrap();
    let ctx = crate::Ctx::new(signed.caller, None, None);
    let line =
        |sku: &str, quantity: i64| crate::pricing::LineRequest { sku: sku.into(), quantity, unit: Some("CASE".into()) };
    let quote =
        crate::orders::preview_order(&t.app, &ctx, &[line(COLA, 20), line(LATTE, 4), line("S-DAI-0001-01", 10)])
            .await
            .unwrap();
    let scopes: Vec<&str> = quote.lines.iter().map(|l| l.explanation.price_source.scope.as_str()).collect();
    assert!(scopes.contains(&"tier"), "{scopes:?}");
    let gift = quote.lines.iter().find(|l| l.gift).expect("a gift line");
    assert_eq!((gift.sku.as_str(), gift.base_quantity, gift.net), (LEMON_SODA, 48, 0));
    let kinds: Vec<&str> =
        quote.lines.iter().flat_map(|l| l.explanation.adjustments.iter().map(|a| a.kind.as_str())).collect();
    for kind in ["spend_reduce", "special_price", "item_discount"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(quote.discount < 0 && quote.total == quote.gross + quote.discount, "{quote:?}");
}

//! Seeding real databases: what the small data set contains, that it refuses a second run, and
//! that a seed always gives the same data.

use std::sync::Arc;
use std::time::Instant;

use qudao_domain::access::{Role, check_password};
use qudao_domain::partners::PartnerKind;
use qudao_store::catalog::{self, ProductFilter};
use qudao_store::page::{Cursor, PageRequest};
use qudao_store::partners::{self, PartnerFilter, PartnerView};
use qudao_store::{Db, Scope};

use super::{DemoSize, NoProgress, is_empty, seed};
use crate::clock::SystemClock;
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

async fn fresh(name: &str) -> TempApp {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("qudao-demo-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.sqlite");
    let db = Db::connect(&format!("sqlite://{}", path.display()), &Default::default()).await.unwrap();
    db.migrate().await.unwrap();
    let files = LocalDiskStore::new(dir.join("files")).unwrap();
    let app = App::new(db, AppConfig::default(), Arc::new(files), Arc::new(SystemClock));
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
    let accounts = seed(&t.app, DemoSize::Small, 42, &NoProgress).await.unwrap();
    eprintln!("seeding Small took {:?}", started.elapsed());
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

    // Every printed account signs in with its printed password.
    let mut tx = t.app.db().read(&Scope::system("test")).await.unwrap();
    for account in &accounts {
        let credentials = qudao_store::access::users::credentials(&mut tx, &account.login).await.unwrap().unwrap();
        let ok = crate::access::verify_password(&account.password, credentials.password_hash.as_deref()).await.unwrap();
        assert!(ok, "{}", account.login);
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
    let accounts_a = seed(&a.app, DemoSize::Small, 7, &NoProgress).await.unwrap();
    let accounts_b = seed(&b.app, DemoSize::Small, 7, &NoProgress).await.unwrap();
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

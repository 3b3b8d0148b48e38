//! The second wall alone: PostgreSQL row-level security hides other partners' rows even from SQL
//! that forgets the store's scope predicate, and refuses writes into another partner's data.
//! (The first wall alone is the isolation matrix on SQLite, which has no row-level security.)

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::collections::BTreeSet;

use qudao_domain::partners::ContactDraft;
use qudao_store::Scope;
use qudao_testkit::world::World;
use qudao_testkit::{Backend, TestApp};

async fn scope_of(app: &TestApp, login: &str) -> Scope {
    app.ctx_of(login).await.scope()
}

async fn unfiltered(app: &TestApp, scope: &Scope, table: &'static str) -> BTreeSet<String> {
    let mut tx = app.app.db().read(scope).await.expect("tx");
    tx.unfiltered_ids_for_wall_test(table).await.expect("query").into_iter().collect()
}

#[tokio::test]
async fn row_level_security_alone_hides_other_partners_rows() {
    if !qudao_testkit::backends().await.contains(&Backend::Postgres) {
        eprintln!("PostgreSQL not configured; row-level security exists only there");
        return;
    }
    let app = TestApp::new(Backend::Postgres).await;
    let world = World::build(&app).await;
    let id = |name: &str| world.partners[name].id.to_string();

    let d1 = scope_of(&app, "d1.admin").await;
    assert_eq!(unfiltered(&app, &d1, "partners").await, BTreeSet::from([id("d1"), id("s1")]));
    let contacts = unfiltered(&app, &d1, "partner_contacts").await;
    assert_eq!(
        contacts,
        BTreeSet::from([world.partners["d1"].contact.to_string(), world.partners["s1"].contact.to_string()])
    );
    let addresses = unfiltered(&app, &d1, "partner_addresses").await;
    assert_eq!(addresses.len(), 2);
    assert!(addresses.contains(&world.partners["d1"].address.to_string()));
    let users = unfiltered(&app, &d1, "users").await;
    assert!(users.contains(&world.partners["d1"].admin.to_string()));
    assert!(!users.contains(&world.partners["d2"].admin.to_string()));
    assert!(users.iter().all(|u| !world.brand_markers.contains(u)), "brand users are hidden from partners");
    let files = unfiltered(&app, &d1, "files").await;
    assert!(files.contains(&world.partners["d1"].file.to_string()));
    assert!(!files.contains(&world.partners["f1"].file.to_string()));
    assert!(unfiltered(&app, &d1, "api_keys").await.is_empty());
    assert!(unfiltered(&app, &d1, "assignments").await.is_empty());
    assert!(unfiltered(&app, &d1, "audit_log").await.len() >= 2, "its own contact and address audit rows");

    let s1 = scope_of(&app, "s1.admin").await;
    assert_eq!(
        unfiltered(&app, &s1, "partners").await,
        BTreeSet::from([id("s1")]),
        "a sub-dealer never sees its parent"
    );

    let cm = scope_of(&app, "brand.cm").await;
    assert_eq!(unfiltered(&app, &cm, "partners").await, BTreeSet::from([id("d1")]), "Shanghai only");
    assert_eq!(unfiltered(&app, &cm, "assignments").await.len(), 1, "the manager's own territory");

    let admin = scope_of(&app, "brand.root").await;
    assert_eq!(unfiltered(&app, &admin, "partners").await.len(), 5);

    // Nothing set: nothing visible. A raw connection in the application role without the scope
    // settings (a code path that forgot its transaction's scope) sees no partner data at all.
    {
        use sqlx::{Connection, Executor, Row};
        sqlx::any::install_default_drivers();
        let mut raw = sqlx::AnyConnection::connect(app.database_url()).await.expect("connect");
        raw.execute("BEGIN").await.expect("begin");
        raw.execute("SET LOCAL ROLE qudao_app").await.expect("role");
        let row =
            sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM partners").fetch_one(&mut raw).await.expect("count");
        assert_eq!(row.try_get::<i64, _>("n").expect("n"), 0);
        raw.execute("ROLLBACK").await.expect("rollback");
    }

    // Writes: a store call that skipped the use case's checks still cannot touch another
    // partner's rows on PostgreSQL.
    let mut tx = app.app.db().write(&d1).await.expect("tx");
    let draft = ContactDraft::parse("越界联系人", None, Some("13700000000"), None, false).expect("draft");
    let refused = qudao_store::partners::contacts::add_contact(&mut tx, world.partners["f1"].id, &draft, 0).await;
    assert!(refused.is_err(), "row-level security must refuse a contact for another partner");
    drop(tx);
    app.cleanup().await;
}

//! Backup and restore: a backup taken while orders keep flowing restores — into SQLite and into
//! PostgreSQL, whichever it came from — with every invariant intact, and a truncated, corrupted
//! or newer-schema file, or a target that already holds data, is refused before anything is
//! written.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use qudao_app::backup;
use qudao_app::clock::SystemClock;
use qudao_app::demo::NoProgress;
use qudao_app::files::LocalDiskStore;
use qudao_app::{App, AppConfig, AppError};
use qudao_domain::access::Role;
use qudao_store::Db;
use qudao_testkit::{PartnerBuilder, ScratchDatabase, TEST_PASSWORD, TestApp, UserBuilder, backends, each_backend};
use serde_json::json;
use sha2::Digest;

/// Partners with reps, stock and credit, so orders can flow during the backup.
async fn setup(app: &TestApp) -> Vec<String> {
    let sku = app.sku("S-BAK", 1_000).await;
    let warehouse = app.warehouse("WH-BAK", 1).await;
    app.receive(sku, warehouse, 1_000_000).await;
    let mut reps = Vec::new();
    for n in 0..4 {
        let partner = PartnerBuilder::new(&format!("备份测试{n}商贸")).create(app).await;
        let login = format!("rep{n}");
        UserBuilder::new(&login, Role::PartnerSales).partner(partner.id).create(app).await;
        app.credit_line(partner.id, 10_000_000_000).await;
        reps.push(login);
    }
    reps
}

/// Places orders as `rep` until `done`, counting the acknowledged ones.
async fn keep_ordering(app: &TestApp, rep: &str, done: &AtomicBool, acknowledged: &AtomicUsize) {
    let client = app.bearer(rep, TEST_PASSWORD).await;
    let body = json!({ "lines": [{ "sku": "S-BAK", "quantity": 2 }], "payment": "credit" });
    while !done.load(Ordering::SeqCst) {
        let placed = client.post_json("/api/v1/orders", &body).await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        acknowledged.fetch_add(1, Ordering::SeqCst);
    }
}

async fn count(db: &Db, table: &str) -> i64 {
    let mut snapshot = qudao_store::backup::Snapshot::open(db).await.expect("snapshot");
    i64::try_from(snapshot.count(table).await.expect("count")).expect("count")
}

fn app_on(db: Db, files: &Path) -> App {
    App::new(db, AppConfig::default(), Arc::new(LocalDiskStore::new(files).expect("files")), Arc::new(SystemClock))
}

/// Rewrites a backup's manifest (and the last line's checksum, so only the manifest differs).
fn with_manifest(from: &Path, to: &Path, change: impl Fn(&mut serde_json::Value)) {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(from).expect("open")).read_to_string(&mut text).expect("gunzip");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut manifest: serde_json::Value = serde_json::from_str(&lines[0]).expect("manifest");
    change(&mut manifest);
    lines[0] = manifest.to_string();
    let last = lines.len() - 1;
    let mut hash = sha2::Sha256::new();
    for line in &lines[..last] {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    let mut end: serde_json::Value = serde_json::from_str(&lines[last]).expect("end");
    end["sha256"] = json!(hash.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>());
    lines[last] = end.to_string();
    let mut out =
        flate2::write::GzEncoder::new(std::fs::File::create(to).expect("create"), flate2::Compression::fast());
    for line in lines {
        out.write_all(line.as_bytes()).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.finish().expect("finish");
}

#[tokio::test]
async fn a_backup_under_load_restores_whole_and_a_damaged_one_is_refused() {
    each_backend(|app| async move {
        let reps = setup(&app).await;
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("qudao.backup");
        let (done, acknowledged) = (AtomicBool::new(false), AtomicUsize::new(0));
        // Orders flow before, during and after the snapshot.
        let before_backup = AtomicUsize::new(0);
        let taking = async {
            while acknowledged.load(Ordering::SeqCst) < 20 {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            before_backup.store(acknowledged.load(Ordering::SeqCst), Ordering::SeqCst);
            let summary = backup::backup(app.app.db(), &file, app.app.now_ms(), &NoProgress).await.expect("backup");
            let target = acknowledged.load(Ordering::SeqCst) + 20;
            while acknowledged.load(Ordering::SeqCst) < target {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            done.store(true, Ordering::SeqCst);
            summary
        };
        let (summary, ..) = tokio::join!(
            taking,
            keep_ordering(&app, &reps[0], &done, &acknowledged),
            keep_ordering(&app, &reps[1], &done, &acknowledged),
            keep_ordering(&app, &reps[2], &done, &acknowledged),
            keep_ordering(&app, &reps[3], &done, &acknowledged),
        );
        let placed = count(app.app.db(), "orders").await;
        assert_eq!(placed as usize, acknowledged.load(Ordering::SeqCst));
        assert!(summary.rows > 0 && summary.tables > 40, "{summary:?}");

        // Restored into each kind of database, whatever it was taken from.
        for backend in backends().await {
            let scratch = ScratchDatabase::create(backend).await;
            let db = Db::connect(scratch.url(), &Default::default()).await.expect("connect");
            let restored = backup::restore(&db, &file, &NoProgress).await.expect("restore");
            assert_eq!((restored.tables, restored.rows), (summary.tables, summary.rows));
            let orders = count(&db, "orders").await;
            let before = before_backup.load(Ordering::SeqCst) as i64;
            assert!(orders >= before && orders < placed, "{before} ≤ {orders} < {placed}: a moment between");
            let restored_app = app_on(db.clone(), dir.path());
            let (wrong, total) = qudao_app::accounts::check_ledger(&restored_app).await.expect("ledger");
            assert!(wrong.is_empty() && total == 0, "the ledger balances: {wrong:?} {total}");
            let problems = qudao_app::stock::check_stock(&restored_app).await.expect("stock");
            assert!(problems.is_empty(), "stock and reservations match the orders: {problems:?}");
            let again = dir.path().join(format!("again-{backend:?}.backup"));
            let second = backup::backup(&db, &again, 0, &NoProgress).await.expect("backup of the restore");
            assert_eq!((second.tables, second.rows), (summary.tables, summary.rows), "the same data round trip");
            // A database that already holds data is not overwritten.
            let refused = backup::restore(&db, &file, &NoProgress).await;
            assert!(matches!(refused, Err(AppError::Conflict("database_not_empty"))), "{refused:?}");
            db.close().await;
            scratch.drop_now().await;
        }

        // Damaged files are refused whole, before the target is touched.
        let bytes = std::fs::read(&file).expect("read");
        let truncated = dir.path().join("truncated.backup");
        std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).expect("write");
        let corrupted = dir.path().join("corrupted.backup");
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x5a;
        std::fs::write(&corrupted, &flipped).expect("write");
        let newer = dir.path().join("newer.backup");
        with_manifest(&file, &newer, |m| m["schema"] = json!(qudao_store::latest_schema_version() + 1));
        let foreign = dir.path().join("foreign.backup");
        std::fs::write(&foreign, b"PGDMP not ours").expect("write");
        for (bad, says) in [(&truncated, "cut short"), (&corrupted, ""), (&newer, "newer Qudao"), (&foreign, "")] {
            let error = backup::verify(bad).expect_err("refused");
            assert!(error.to_string().contains(says), "{}: {error}", bad.display());
            let scratch = ScratchDatabase::create(app.backend).await;
            let db = Db::connect(scratch.url(), &Default::default()).await.expect("connect");
            let at = qudao_store::backup::schema_version(&db).await.expect("schema");
            assert!(backup::restore(&db, bad, &NoProgress).await.is_err(), "{}", bad.display());
            assert_eq!(qudao_store::backup::schema_version(&db).await.expect("schema"), at, "nothing was written");
            db.close().await;
            scratch.drop_now().await;
        }
        app
    })
    .await;
}

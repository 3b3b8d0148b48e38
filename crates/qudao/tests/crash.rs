//! Crash safety: under a stream of orders and ERP messages the server is killed (SIGKILL) at
//! random moments twenty times and started again. Afterwards every acknowledged order is there
//! exactly once, every ERP shipment and receipt applied once, every outbox event delivered at
//! least once and taken once by the simulator, and the trial balance sums to zero. On SQLite and,
//! when `QUDAO_TEST_PG_URL` names a server, PostgreSQL. Prints its counts.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Site, databases, drop_database, orderable, sign_in, sim_stats};
use serde_json::{Value, json};

const KILLS: usize = 20;

/// Every page of a list, following `next`.
async fn all_items(http: &reqwest::Client, url: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let separator = if url.contains('?') { '&' } else { '?' };
        let page_url = match &after {
            Some(cursor) => format!("{url}{separator}limit=200&after={cursor}"),
            None => format!("{url}{separator}limit=200"),
        };
        let page =
            http.get(&page_url).bearer_auth(token).send().await.expect("list").json::<Value>().await.expect("json");
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(next) if !next.is_empty() => after = Some(next.to_string()),
            _ => return items,
        }
    }
}

/// Places orders one after another, each under its own Idempotency-Key, retrying the same key
/// through crashes until the server answers: the acknowledged orders, by key.
async fn drive(
    http: reqwest::Client,
    base: String,
    token: String,
    sku: String,
    stop: Arc<AtomicBool>,
) -> BTreeMap<String, Value> {
    let mut acknowledged = BTreeMap::new();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("crash-{n:05}");
        loop {
            let sent = http
                .post(format!("{base}/api/v1/orders"))
                .bearer_auth(&token)
                .header("idempotency-key", &key)
                .json(&json!({ "lines": [{ "sku": sku, "quantity": 1 }], "payment": "credit", "remark": key }))
                .send()
                .await;
            match sent {
                Ok(response) if response.status().as_u16() == 201 => {
                    acknowledged.insert(key.clone(), response.json::<Value>().await.expect("json"));
                    break;
                }
                Ok(response) if response.status().is_client_error() && response.status().as_u16() != 409 => {
                    panic!("order {key} refused: {} {}", response.status(), response.text().await.unwrap_or_default());
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        n += 1;
    }
    acknowledged
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if let Ok(response) = http.get(format!("{base}/readyz")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come back");
}

/// A pseudo-random wait from the clock's nanoseconds (the moments need not be reproducible,
/// only spread): 150–1,150 ms.
fn random_wait() -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    Duration::from_millis(150 + u64::from(nanos % 1_000))
}

async fn crash(label: &str, database_url: &str) {
    let mut site = Site::start(database_url);
    let base = site.base.clone();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let rep_token = sign_in(&http, &base, &site.rep.0, &site.rep.1).await;
    let admin_token = sign_in(&http, &base, &site.admin.0, &site.admin.1).await;
    let orders_before = all_items(&http, &format!("{base}/api/v1/orders"), &rep_token).await.len();
    let (_sim, stats_url) = site.erp_sim();
    let (sku, first) = orderable(&http, &base, &rep_token).await;
    // Credit enough for every order of the run, whatever the demo partner already owes: the
    // ERP's receipts free credit only as fast as it pays, and the test is about crashes.
    let partner = first["partner_id"].as_str().expect("partner").to_string();
    let raised = http
        .put(format!("{base}/api/v1/partners/{partner}/credit-line"))
        .bearer_auth(&admin_token)
        .json(&json!({ "credit_line": "100000000.00" }))
        .send()
        .await
        .expect("credit line");
    assert!(raised.status().is_success(), "{}", raised.text().await.unwrap_or_default());

    let stop = Arc::new(AtomicBool::new(false));
    let driver = tokio::spawn(drive(http.clone(), base.clone(), rep_token.clone(), sku, Arc::clone(&stop)));
    let started = Instant::now();
    for _ in 0..KILLS {
        tokio::time::sleep(random_wait()).await;
        site.restart();
        wait_ready(&http, &base).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = driver.await.expect("driver");
    acknowledged.insert("first".into(), first);
    let crashing = started.elapsed();

    // Let the ERP and the webhooks catch up.
    let approved = acknowledged.values().filter(|o| o["status"] == "approved").count() as u64;
    let settle = Instant::now();
    let stats = loop {
        let stats = sim_stats(&http, &stats_url).await;
        let done = stats["pushed"].as_u64().unwrap_or(0) + stats["replayed"].as_u64().unwrap_or(0);
        let pending =
            all_items(&http, &format!("{base}/api/v1/webhook-deliveries?status=pending"), &admin_token).await.len();
        if done >= 3 * approved && pending == 0 {
            break stats;
        }
        assert!(settle.elapsed() < Duration::from_secs(240), "did not settle: {stats} pending={pending}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(stats["refused"], json!({}), "{stats}");
    assert_eq!(stats["bad_signatures"], 0);

    // Every acknowledged order once, and no order nobody was told about.
    let orders_after = all_items(&http, &format!("{base}/api/v1/orders"), &rep_token).await;
    assert_eq!(orders_after.len() - orders_before, acknowledged.len(), "orders placed = orders acknowledged");
    for (key, order) in &acknowledged {
        let id = order["id"].as_str().expect("id");
        let shown = http.get(format!("{base}/api/v1/orders/{id}")).bearer_auth(&admin_token).send().await.expect("get");
        let shown = shown.json::<Value>().await.expect("json");
        if order["status"] == "approved" {
            assert_eq!(shown["status"], "shipped", "{key}");
            for line in shown["lines"].as_array().expect("lines") {
                assert_eq!(line["shipped"], line["base_quantity"], "{key}: shipped once, not twice");
            }
        }
    }
    // Every ERP receipt once.
    let receipts = all_items(&http, &format!("{base}/api/v1/receipts"), &admin_token).await;
    let from_erp: Vec<&Value> = receipts.iter().filter(|r| r["source"] == "erp").collect();
    let mut documents: Vec<&str> = from_erp.iter().filter_map(|r| r["document_id"].as_str()).collect();
    documents.sort_unstable();
    documents.dedup();
    assert_eq!((from_erp.len(), documents.len()), (approved as usize, approved as usize), "one receipt per order");
    // Every event delivered (none pending or dead) and taken once by the simulator.
    let endpoints = http
        .get(format!("{base}/api/v1/webhook-endpoints"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .expect("endpoints")
        .json::<Value>()
        .await
        .expect("json");
    let endpoint = endpoints.as_array().and_then(|e| e.first()).cloned().expect("the simulator's endpoint");
    assert_eq!((endpoint["pending"].as_i64(), endpoint["dead"].as_i64()), (Some(0), Some(0)), "{endpoint}");
    assert_eq!(stats["events"].as_i64(), endpoint["delivered"].as_i64(), "{stats} {endpoint}");
    // The books balance.
    let trial = http
        .get(format!("{base}/api/v1/trial-balance"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .expect("trial")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!((trial["difference"].as_i64(), trial["accounts_out_of_step"].as_i64()), (Some(0), Some(0)), "{trial}");
    eprintln!(
        "crash test ({label}): kills={KILLS} in {:.1}s orders_acknowledged={} orders_new={} erp_receipts={} \
         events={} duplicate_deliveries={} documents_applied={} documents_replayed={} push_retries={} trial_difference=0",
        crashing.as_secs_f64(),
        acknowledged.len(),
        orders_after.len() - orders_before,
        from_erp.len(),
        stats["events"],
        stats["duplicates"],
        stats["pushed"],
        stats["replayed"],
        stats["retries"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_twenty_times_loses_and_doubles_nothing() {
    for (label, url) in databases("crash") {
        crash(label, &url).await;
        drop_database(&url);
    }
}

//! The ERP round trip with real processes: `qudao serve` on the demo data and `qudao erp-sim`
//! beside it. Orders placed through the API are announced by webhook, shipped, invoiced and paid
//! by the simulator through the ERP API, and every event and document counts once. On SQLite,
//! and on PostgreSQL when `QUDAO_TEST_PG_URL` names a server.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

mod common;

use std::time::{Duration, Instant};

use common::{Site, databases, drop_database, orderable, sign_in, sim_stats};
use serde_json::{Value, json};

async fn round_trip(database_url: &str) {
    let site = Site::start(database_url);
    let base = site.base.clone();
    let http = reqwest::Client::new();
    let rep_token = sign_in(&http, &base, &site.rep.0, &site.rep.1).await;
    let (_sim, stats_url) = site.erp_sim();

    let (sku, first) = orderable(&http, &base, &rep_token).await;
    let mut orders = vec![first];
    for _ in 0..7 {
        let placed = http
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&rep_token)
            .json(&json!({ "lines": [{ "sku": sku, "quantity": 1 }], "payment": "credit" }))
            .send()
            .await
            .expect("order");
        assert_eq!(placed.status(), 201);
        orders.push(placed.json::<Value>().await.expect("json"));
    }
    let approved: Vec<&Value> = orders.iter().filter(|o| o["status"] == "approved").collect();
    assert!(!approved.is_empty(), "the demo approves small orders at once");

    // Wait until every approved order was shipped, invoiced and paid by the ERP.
    let admin_token = sign_in(&http, &base, &site.admin.0, &site.admin.1).await;
    let started = Instant::now();
    let stats = loop {
        let stats = sim_stats(&http, &stats_url).await;
        if stats["pushed"].as_u64() == Some(3 * approved.len() as u64) {
            break stats;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "the round trip stalled: {stats}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(stats["bad_signatures"], 0);
    assert_eq!(stats["refused"], json!({}), "{stats}");
    for order in &approved {
        let id = order["id"].as_str().expect("id");
        let shown = http.get(format!("{base}/api/v1/orders/{id}")).bearer_auth(&admin_token).send().await.expect("get");
        assert_eq!(shown.json::<Value>().await.expect("json")["status"], "shipped");
    }
    // Every event Qudao delivered reached the simulator once as an event (repeats set aside).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let stats = sim_stats(&http, &stats_url).await;
    let delivered = http
        .get(format!("{base}/api/v1/webhook-deliveries?status=delivered&limit=200"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .expect("deliveries")
        .json::<Value>()
        .await
        .expect("json");
    let delivered = delivered["items"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(stats["events"].as_u64(), Some(delivered), "{stats}");
    let by_type = &stats["by_type"];
    assert_eq!(by_type["order.submitted"].as_u64(), Some(orders.len() as u64), "{stats}");
    assert_eq!(by_type["receipt.recorded"].as_u64(), Some(approved.len() as u64), "{stats}");
    let receipts = http
        .get(format!("{base}/api/v1/receipts?limit=200"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .expect("receipts")
        .json::<Value>()
        .await
        .expect("json");
    let from_erp = receipts["items"].as_array().expect("items").iter().filter(|r| r["source"] == "erp").count();
    assert_eq!(from_erp, approved.len(), "one receipt per order, however often it was pushed");
    let line = format!(
        "erp round trip: orders={} events={} duplicates={} pushed={} replayed={} retries={}",
        orders.len(),
        stats["events"],
        stats["duplicates"],
        stats["pushed"],
        stats["replayed"],
        stats["retries"]
    );
    eprintln!("{line}");
}

#[tokio::test]
async fn the_erp_simulator_ships_invoices_and_collects_every_order_once() {
    for (_, url) in databases("erp") {
        round_trip(&url).await;
        drop_database(&url);
    }
}

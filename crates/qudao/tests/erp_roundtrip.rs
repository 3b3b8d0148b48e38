//! The ERP round trip with real processes: `qudao serve` on the demo data and `qudao erp-sim`
//! beside it. Orders placed through the API are announced by webhook, shipped, invoiced and paid
//! by the simulator through the ERP API, and every event and document counts once. On SQLite,
//! and on PostgreSQL when `QUDAO_TEST_PG_URL` names a server.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn qudao() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qudao"));
    command.env("RUST_LOG", "warn").env_remove("QUDAO_DATABASE_URL");
    command
}

/// The demo accounts: (role, login, password).
fn seed(dir: &std::path::Path, database_url: &str) -> Vec<(String, String, String)> {
    let output = qudao()
        .args(["seed-demo", "--database-url", database_url, "--size", "small"])
        .current_dir(dir)
        .output()
        .expect("seed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            (cells[0].to_string(), cells[1].to_string(), cells[2].to_string())
        })
        .collect()
}

async fn sign_in(http: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
    for _ in 0..100 {
        if let Ok(response) = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            && response.status().is_success()
        {
            return response.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_string();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not sign in as {login}");
}

/// A SKU the rep can order one of on credit, found through the catalog, and the first order.
async fn orderable(http: &reqwest::Client, base: &str, rep: &str) -> (String, Value) {
    let products = http.get(format!("{base}/api/v1/products?limit=50")).bearer_auth(rep).send().await.expect("list");
    let products = products.json::<Value>().await.expect("json");
    for product in products["items"].as_array().expect("items") {
        let id = product["id"].as_str().expect("id");
        let detail = http.get(format!("{base}/api/v1/products/{id}")).bearer_auth(rep).send().await.expect("detail");
        let detail = detail.json::<Value>().await.expect("json");
        for sku in detail["skus"].as_array().cloned().unwrap_or_default() {
            let code = sku["code"].as_str().unwrap_or("").to_string();
            let placed = http
                .post(format!("{base}/api/v1/orders"))
                .bearer_auth(rep)
                .json(&json!({ "lines": [{ "sku": code, "quantity": 1 }], "payment": "credit" }))
                .send()
                .await
                .expect("order");
            if placed.status().is_success() {
                return (code, placed.json::<Value>().await.expect("json"));
            }
        }
    }
    panic!("no orderable SKU in the demo catalog");
}

async fn round_trip(database_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let accounts = seed(dir.path(), database_url);
    let find = |role: &str| accounts.iter().find(|a| a.0 == role).cloned().expect("a demo account");
    let (admin, rep) = (find("brand_admin"), find("partner_sales"));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Killed(
        qudao()
            .args(["serve", "--database-url", database_url, "--listen", &format!("127.0.0.1:{port}")])
            .env("QUDAO_WEBHOOK_ALLOW_NETS", "127.0.0.0/8")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    qudao_app::integration::worker::install_tls_provider();
    let http = reqwest::Client::new();
    let rep_token = sign_in(&http, &base, &rep.1, &rep.2).await;
    let mut sim = Killed(
        qudao()
            .args(["erp-sim", "--qudao", &base, "--login", &admin.1, "--password", &admin.2, "--seconds", "300"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("erp-sim"),
    );
    let mut first_line = String::new();
    BufReader::new(sim.0.stdout.as_mut().expect("stdout")).read_line(&mut first_line).expect("sim says where");
    let stats_url = first_line.split_whitespace().last().expect("stats url").to_string();

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
    let admin_token = sign_in(&http, &base, &admin.1, &admin.2).await;
    let started = Instant::now();
    let stats = loop {
        let stats = http.get(&stats_url).send().await.expect("stats").json::<Value>().await.expect("json");
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
    let stats = http.get(&stats_url).send().await.expect("stats").json::<Value>().await.expect("json");
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
    round_trip("sqlite://demo.sqlite").await;
    if let Ok(url) = std::env::var("QUDAO_TEST_PG_URL") {
        let database = format!("qudao_erp_{}", std::process::id());
        psql(&url, &format!("DROP DATABASE IF EXISTS {database}"));
        psql(&url, &format!("CREATE DATABASE {database}"));
        let (prefix, _) = url.rsplit_once('/').expect("a database in the URL");
        round_trip(&format!("{prefix}/{database}")).await;
        psql(&url, &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
    }
}

/// Runs a statement on the PostgreSQL server named by `url` (creating and dropping databases).
fn psql(url: &str, statement: &str) {
    let status = Command::new("psql").args([url, "-qc", statement]).stdout(Stdio::null()).status().expect("psql");
    assert!(status.success(), "{statement}");
}

//! Helpers of the tests that run `qudao` as real processes.

#![allow(dead_code, reason = "each test file uses its own part of the helpers")]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A child process killed (SIGKILL) and reaped when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The binary under test, quiet.
pub fn qudao() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qudao"));
    command.env("RUST_LOG", "warn").env_remove("QUDAO_DATABASE_URL");
    command
}

/// The demo accounts: (role, login, password).
pub fn seed(dir: &std::path::Path, database_url: &str) -> Vec<(String, String, String)> {
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

/// A bearer token for `login`, waiting for the server to come up.
pub async fn sign_in(http: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
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
pub async fn orderable(http: &reqwest::Client, base: &str, rep: &str) -> (String, Value) {
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

/// Runs a statement on the PostgreSQL server named by `url` (creating and dropping databases).
pub fn psql(url: &str, statement: &str) {
    let status = Command::new("psql").args([url, "-qc", statement]).stdout(Stdio::null()).status().expect("psql");
    assert!(status.success(), "{statement}");
}

/// Starts `qudao serve` on `port`, with webhooks to loopback allowed (the simulator lives there).
pub fn serve(dir: &std::path::Path, database_url: &str, port: u16) -> Killed {
    Killed(
        qudao()
            .args(["serve", "--database-url", database_url, "--listen", &format!("127.0.0.1:{port}")])
            .env("QUDAO_WEBHOOK_ALLOW_NETS", "127.0.0.0/8")
            .current_dir(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("serve"),
    )
}

/// The databases to run on: SQLite always, and a fresh PostgreSQL database when
/// `QUDAO_TEST_PG_URL` names a server. Each is `(label, url)`; [`drop_database`] cleans up.
pub fn databases(name: &str) -> Vec<(&'static str, String)> {
    let mut list = vec![("sqlite", format!("sqlite://{name}.sqlite"))];
    if let Ok(url) = std::env::var("QUDAO_TEST_PG_URL") {
        let database = format!("qudao_{name}_{}", std::process::id());
        psql(&url, &format!("DROP DATABASE IF EXISTS {database}"));
        psql(&url, &format!("CREATE DATABASE {database}"));
        let (prefix, _) = url.rsplit_once('/').expect("a database in the URL");
        list.push(("postgres", format!("{prefix}/{database}")));
    }
    list
}

/// Drops a PostgreSQL database [`databases`] made (SQLite files go with their folder).
pub fn drop_database(url: &str) {
    if let (Ok(admin), Some((_, database))) = (std::env::var("QUDAO_TEST_PG_URL"), url.rsplit_once('/'))
        && url.starts_with("postgres")
    {
        psql(&admin, &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
    }
}

//! Helpers of the tests that run `qudao` as real processes.

#![allow(dead_code, reason = "each test file uses its own part of the helpers")]

use std::io::{BufRead, BufReader};
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

/// A demo installation served by a real process: its folder, database, port and accounts.
pub struct Site {
    /// The working folder (the SQLite file lives here).
    pub dir: tempfile::TempDir,
    /// The database URL.
    pub database_url: String,
    /// The port it listens on.
    pub port: u16,
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The brand administrator's (login, password).
    pub admin: (String, String),
    /// A partner sales rep's (login, password).
    pub rep: (String, String),
    /// The server.
    pub server: Killed,
}

impl Site {
    /// Seeds the small demo into `database_url` and serves it.
    pub fn start(database_url: &str) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let accounts = seed(dir.path(), database_url);
        let find = |role: &str| {
            let (_, login, password) = accounts.iter().find(|a| a.0 == role).cloned().expect("a demo account");
            (login, password)
        };
        let (admin, rep) = (find("brand_admin"), find("partner_sales"));
        let port = free_port();
        let server = serve(dir.path(), database_url, port);
        qudao_app::integration::worker::install_tls_provider();
        let base = format!("http://127.0.0.1:{port}");
        Site { dir, database_url: database_url.to_string(), port, base, admin, rep, server }
    }

    /// Kills the server (SIGKILL) and starts it again.
    pub fn restart(&mut self) {
        let _ = self.server.0.kill();
        let _ = self.server.0.wait();
        self.server = serve(self.dir.path(), &self.database_url, self.port);
    }

    /// Starts `qudao erp-sim` against the site: the process and its stats URL.
    pub fn erp_sim(&self) -> (Killed, String) {
        let mut sim = Killed(
            qudao()
                .args(["erp-sim", "--qudao", &self.base, "--login", &self.admin.0, "--password", &self.admin.1])
                .args(["--seconds", "900"])
                .current_dir(self.dir.path())
                .stdout(Stdio::piped())
                .spawn()
                .expect("erp-sim"),
        );
        let mut first_line = String::new();
        BufReader::new(sim.0.stdout.as_mut().expect("stdout")).read_line(&mut first_line).expect("sim says where");
        let stats_url = first_line.split_whitespace().last().expect("stats url").to_string();
        (sim, stats_url)
    }
}

/// The simulator's counts.
pub async fn sim_stats(http: &reqwest::Client, stats_url: &str) -> Value {
    http.get(stats_url).send().await.expect("stats").json::<Value>().await.expect("json")
}

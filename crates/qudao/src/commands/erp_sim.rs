//! `qudao erp-sim`: a reference ERP, for the end-to-end and crash tests and for demos.
//!
//! It plays the brand's ERP against a running Qudao through the public API only: signs in as a
//! brand administrator, makes itself an `erp:write` API key (with its signing secret) and a
//! webhook endpoint pointing at its own listener, then for every event it receives — after
//! checking the signature and setting aside repeats by `webhook-id` — does what an ERP does:
//! an approved order is shipped in full and invoiced, a shipped order is paid. Each push is
//! signed, carries a document id derived from the order (so a push sent twice is one document),
//! and is retried until Qudao answers, across restarts of the server. `GET /stats` on its
//! listener gives the counts, also printed on exit.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use clap::Args;
use qudao_app::integration::signing::{signature_header, verify};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Arguments of `qudao erp-sim`.
#[derive(Debug, Clone, Args)]
pub struct ErpSimArgs {
    /// Qudao's base URL (`http://127.0.0.1:8080`).
    #[arg(long)]
    pub qudao: String,
    /// A brand administrator's login, to set the link up.
    #[arg(long)]
    pub login: String,
    /// Its password.
    #[arg(long)]
    pub password: String,
    /// Where to receive webhooks; Qudao must allow this network (`QUDAO_WEBHOOK_ALLOW_NETS`).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub hooks: String,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub seconds: Option<u64>,
}

/// What the simulator has seen and done.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct Stats {
    /// Distinct events received and applied.
    pub events: u64,
    /// Events received again (same `webhook-id`), set aside.
    pub duplicates: u64,
    /// Requests refused for a bad signature.
    pub bad_signatures: u64,
    /// Events per type.
    pub by_type: std::collections::BTreeMap<String, u64>,
    /// Documents Qudao applied (201).
    pub pushed: u64,
    /// Documents Qudao answered as repeats.
    pub replayed: u64,
    /// Documents Qudao refused (4xx), by code.
    pub refused: std::collections::BTreeMap<String, u64>,
    /// Attempts that did not reach Qudao (it was down) and were tried again.
    pub retries: u64,
}

struct Shared {
    webhook_secret: Mutex<String>,
    seen: Mutex<HashSet<String>>,
    stats: Mutex<Stats>,
    work: mpsc::UnboundedSender<Value>,
}

/// Runs the simulator until Ctrl-C or `--seconds`.
pub async fn run(args: ErpSimArgs) -> anyhow::Result<()> {
    qudao_app::integration::worker::install_tls_provider();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let base = args.qudao.trim_end_matches('/').to_string();
    let token = sign_in(&http, &base, &args.login, &args.password).await?;
    let key = http
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({ "name": "ERP simulator", "scopes": ["erp:write"] }))
        .send()
        .await?
        .error_for_status()
        .context("creating the ERP's API key")?
        .json::<Value>()
        .await?;
    let api_key = key["key"].as_str().context("no key")?.to_string();
    let signing_secret = key["signing_secret"].as_str().context("no signing secret")?.to_string();

    let listener =
        tokio::net::TcpListener::bind(&args.hooks).await.with_context(|| format!("listening on {}", args.hooks))?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    let (work, mut jobs) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        webhook_secret: Mutex::new(String::new()),
        seen: Mutex::new(HashSet::new()),
        stats: Mutex::new(Stats::default()),
        work,
    });
    let router =
        axum::Router::new().route("/hooks", post(receive)).route("/stats", get(stats)).with_state(Arc::clone(&shared));
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let endpoint = http
        .post(format!("{base}/api/v1/webhook-endpoints"))
        .bearer_auth(&token)
        .json(&json!({ "url": url, "events": ["*"], "description": "ERP simulator" }))
        .send()
        .await?;
    if !endpoint.status().is_success() {
        bail!("subscribing {url}: {} {}", endpoint.status(), endpoint.text().await.unwrap_or_default());
    }
    let endpoint = endpoint.json::<Value>().await?;
    if let Ok(mut secret) = shared.webhook_secret.lock() {
        *secret = endpoint["secret"].as_str().context("no endpoint secret")?.to_string();
    }
    {
        use std::io::Write;
        let stats_url = url.replace("/hooks", "/stats");
        writeln!(std::io::stdout().lock(), "erp-sim listening {url} stats {stats_url}")?;
    }

    let pusher = Pusher { http, base, api_key, secret: signing_secret, shared: Arc::clone(&shared) };
    let worker = tokio::spawn(async move {
        let mut orders: HashMap<String, Value> = HashMap::new();
        while let Some(event) = jobs.recv().await {
            pusher.act(&event, &mut orders).await;
        }
    });
    match args.seconds {
        Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    server.abort();
    worker.abort();
    let stats = shared.stats.lock().map(|s| s.clone()).unwrap_or_default();
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{}", serde_json::to_string(&stats)?)?;
    Ok(())
}

async fn sign_in(http: &reqwest::Client, base: &str, login: &str, password: &str) -> anyhow::Result<String> {
    for attempt in 0..60 {
        match http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => {
                let body = response.json::<Value>().await?;
                return Ok(body["token"].as_str().context("no token")?.to_string());
            }
            Ok(response) => bail!("signing in as {login}: {}", response.status()),
            Err(_) if attempt < 59 => tokio::time::sleep(Duration::from_millis(500)).await,
            Err(error) => return Err(error).context("reaching Qudao"),
        }
    }
    bail!("Qudao did not answer")
}

/// A webhook: checked, set aside if seen, queued for the ERP's work; answered 200 at once.
async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (id, timestamp, signature) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let secret = shared.webhook_secret.lock().map(|s| s.clone()).unwrap_or_default();
    let now_s = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let timestamp: i64 = timestamp.parse().unwrap_or(0);
    let signed = !secret.is_empty() && verify(&[&secret], &id, timestamp, &body, &signature, now_s).is_ok();
    let Ok(mut stats) = shared.stats.lock() else { return StatusCode::INTERNAL_SERVER_ERROR };
    if !signed {
        stats.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let first = shared.seen.lock().map(|mut seen| seen.insert(id)).unwrap_or(false);
    if !first {
        stats.duplicates += 1;
        return StatusCode::OK;
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else { return StatusCode::BAD_REQUEST };
    stats.events += 1;
    *stats.by_type.entry(event["type"].as_str().unwrap_or("?").to_string()).or_default() += 1;
    drop(stats);
    let _ = shared.work.send(event);
    StatusCode::OK
}

async fn stats(State(shared): State<Arc<Shared>>) -> axum::Json<Stats> {
    axum::Json(shared.stats.lock().map(|s| s.clone()).unwrap_or_default())
}

struct Pusher {
    http: reqwest::Client,
    base: String,
    api_key: String,
    secret: String,
    shared: Arc<Shared>,
}

impl Pusher {
    /// What an ERP does on an event.
    async fn act(&self, event: &Value, orders: &mut HashMap<String, Value>) {
        let order = &event["data"]["order"];
        let Some(id) = order["id"].as_str() else { return };
        orders.insert(id.to_string(), order.clone());
        match event["type"].as_str() {
            Some("order.approved") => {
                let shipment = json!({ "document_id": format!("DN-{id}"), "order_id": id, "carrier": "ERP物流",
                    "tracking_no": format!("ERP{}", &id[id.len().saturating_sub(12)..]) });
                self.push("shipments", &shipment).await;
                let total = order["total"].as_i64().unwrap_or(0);
                if total > 0 {
                    let invoice = json!({ "document_id": format!("INV-{id}"), "order_id": id,
                        "invoice_number": format!("FP{}", &id[id.len().saturating_sub(12)..]),
                        "amount": total, "tax": total * 13 / 113 });
                    self.push("invoices", &invoice).await;
                }
            }
            Some("order.shipped") if order["status"] == "shipped" => {
                let credit = order["paid"]["credit"].as_i64().unwrap_or(0);
                if credit > 0 {
                    let receipt = json!({ "document_id": format!("BANK-{id}"), "partner_id": order["partner_id"],
                        "amount": credit, "currency": "CNY", "allocations": [{ "order_id": id, "amount": credit }] });
                    self.push("receipts", &receipt).await;
                }
            }
            _ => {}
        }
    }

    /// Pushes a signed document until Qudao answers (it may be restarting).
    async fn push(&self, kind: &str, document: &Value) {
        let body = document.to_string();
        let mut wait = Duration::from_millis(200);
        loop {
            let id = format!("msg_{}", uuid_like());
            let now_s =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let Ok(signature) = signature_header(&[&self.secret], &id, now_s, body.as_bytes()) else { return };
            let sent = self
                .http
                .post(format!("{}/api/v1/erp/{kind}", self.base))
                .bearer_auth(&self.api_key)
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", now_s.to_string())
                .header("webhook-signature", signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    let replayed = response.headers().contains_key("idempotent-replayed");
                    self.bump(|s| if replayed { s.replayed += 1 } else { s.pushed += 1 });
                    return;
                }
                Ok(response)
                    if response.status().is_client_error() && response.status() != StatusCode::UNAUTHORIZED =>
                {
                    let answer = response.json::<Value>().await.unwrap_or_default();
                    let code = answer["error"]["fields"][0]["code"]
                        .as_str()
                        .or(answer["error"]["code"].as_str())
                        .unwrap_or("refused")
                        .to_string();
                    self.bump(|s| *s.refused.entry(code).or_default() += 1);
                    return;
                }
                _ => {
                    self.bump(|s| s.retries += 1);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    fn bump(&self, change: impl FnOnce(&mut Stats)) {
        if let Ok(mut stats) = self.shared.stats.lock() {
            change(&mut stats);
        }
    }
}

/// A message id: time and a counter, unique within the process.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{now:x}{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

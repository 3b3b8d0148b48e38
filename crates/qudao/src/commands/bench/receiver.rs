//! A webhook receiver for the benchmarks: counts what arrives and, for order events, how long
//! after the order was placed it arrived.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

/// What the receiver saw.
#[derive(Debug, Default)]
pub struct Received {
    /// Requests received.
    pub count: u64,
    /// Distinct webhook ids.
    pub ids: std::collections::HashSet<String>,
    /// Milliseconds from an order's placing to its event's arrival.
    pub lags_ms: Vec<f64>,
}

/// A running receiver.
pub struct Receiver {
    /// Its URL.
    pub url: String,
    /// What it saw.
    pub received: Arc<Mutex<Received>>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Starts one on a free loopback port.
    pub async fn start() -> anyhow::Result<Receiver> {
        let received = Arc::new(Mutex::new(Received::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let router = axum::Router::new().fallback(receive).with_state(Arc::clone(&received));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Receiver { url, received, server })
    }

    /// Distinct events received so far.
    pub fn distinct(&self) -> usize {
        self.received.lock().map_or(0, |r| r.ids.len())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(State(received): State<Arc<Mutex<Received>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let now = super::now_ms();
    let placed = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|event| event["data"]["order"]["placed_ms"].as_i64());
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if let Ok(mut received) = received.lock() {
        received.count += 1;
        if received.ids.insert(id)
            && let Some(placed) = placed
        {
            received.lags_ms.push((now - placed) as f64);
        }
    }
    StatusCode::NO_CONTENT
}

//! A webhook receiver for tests: records every request it is sent and answers with the statuses
//! a test scripts (200 unless told otherwise).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// One request the sink received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`, seconds.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    /// The body.
    pub body: String,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON webhook body")
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    script: VecDeque<(u16, Option<String>)>,
    default_status: Option<u16>,
}

/// A running receiver on 127.0.0.1.
pub struct Sink {
    /// Its URL (`http://127.0.0.1:port/hook`).
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    server: tokio::task::JoinHandle<()>,
}

impl Sink {
    /// Starts a receiver on a free port.
    pub async fn start() -> Sink {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let router = axum::Router::new().fallback(receive).with_state(Arc::clone(&inner));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Sink { url, inner, server }
    }

    /// The next request is answered with `status` (and `Retry-After`, if given).
    pub fn answer_next(&self, status: u16, retry_after: Option<&str>) {
        self.inner.lock().expect("sink").script.push_back((status, retry_after.map(str::to_string)));
    }

    /// Requests not scripted are answered with `status`.
    pub fn answer_always(&self, status: u16) {
        self.inner.lock().expect("sink").default_status = Some(status);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().expect("sink").received.clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mut inner = inner.lock().expect("sink");
    inner.received.push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let (status, retry_after) = inner.script.pop_front().unwrap_or((inner.default_status.unwrap_or(200), None));
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    match retry_after {
        Some(after) => (status, [("retry-after", after)], "scripted").into_response(),
        None => (status, "ok").into_response(),
    }
}

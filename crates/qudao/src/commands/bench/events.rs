//! `qudao bench events`: live fan-out. A server of our own on a fresh database, `streams` event
//! streams open on it over HTTP (brand staff, who may see the partner), one message posted to a
//! partner's thread: the time until every stream has received it.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use qudao_app::AppConfig;
use qudao_domain::access::Role;
use qudao_domain::ids::{PartnerId, UserId};
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_store::Scope;
use qudao_store::access::users::{NewUser, UserStatus};
use qudao_store::partners::regions::{self, NewRegion};
use qudao_store::partners::{self, NewPartner, tiers};
use serde_json::json;

use super::now_ms;
use super::order_fair::{Http, call};

const PASSWORD: &str = "bench-events-1";

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// A fresh database, or a temporary SQLite file.
    pub database_url: Option<String>,
    /// Event streams to open.
    pub streams: usize,
}

/// Seeds, opens the streams, posts, measures; the last line is
/// `streams=N fanout_ms=N p50_ms=N post_ms=N`.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let streams = options.streams.max(1);
    let app = super::fresh_app("events", options.database_url.as_deref(), 16, AppConfig::default()).await?;
    let partner = seed(&app).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = qudao_web::AppState::new(app.clone(), qudao_web::WebConfig::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(qudao_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let (status, _, body) = call(
        &http,
        "POST",
        &format!("{base}/api/v1/session"),
        None,
        None,
        &json!({ "login": "bench.admin", "password": PASSWORD }),
    )
    .await?;
    let token = body["token"].as_str().with_context(|| format!("signing in: {status} {body}"))?.to_owned();

    let (arrived, mut arrivals) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let mut readers = Vec::with_capacity(streams);
    for _ in 0..streams {
        let request = http::Request::builder()
            .uri(format!("{base}/api/v1/events"))
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "text/event-stream")
            .body(http_body_util::Full::new(bytes::Bytes::new()))?;
        let response = http.request(request).await?;
        if response.status() != 200 {
            bail!("the event stream answered {}", response.status());
        }
        let arrived = arrived.clone();
        readers.push(tokio::spawn(async move {
            let mut body = response.into_body();
            let mut seen = String::new();
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                    seen.push_str(&String::from_utf8_lossy(&data));
                    if seen.contains("event: message") {
                        let _ = arrived.send(Instant::now());
                        return;
                    }
                }
            }
        }));
    }
    // Every stream subscribed before the message goes out.
    let waited = Instant::now();
    while app.events().streams() < streams {
        if waited.elapsed() > Duration::from_secs(30) {
            bail!("only {} of {streams} streams opened", app.events().streams());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let posted_at = Instant::now();
    let (status, _, body) = call(
        &http,
        "POST",
        &format!("{base}/api/v1/threads/partner/{partner}/messages"),
        Some(&token),
        None,
        &json!({ "body": "新品下周到货，请各位留意。" }),
    )
    .await?;
    let post_ms = posted_at.elapsed().as_secs_f64() * 1e3;
    if status != 201 {
        bail!("posting answered {status}: {body}");
    }
    let mut times = Vec::with_capacity(streams);
    while times.len() < streams {
        match tokio::time::timeout(Duration::from_secs(30), arrivals.recv()).await {
            Ok(Some(at)) => times.push(at.duration_since(posted_at).as_secs_f64() * 1e3),
            _ => bail!("{} of {streams} streams received the message", times.len()),
        }
    }
    times.sort_by(f64::total_cmp);
    let fanout_ms = times.last().copied().unwrap_or(0.0);
    let p50 = times[times.len() / 2];
    for reader in readers {
        reader.abort();
    }
    let _ = stop.send(());
    server.abort();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "events: {streams} streams on {:?}; the message was acknowledged in {post_ms:.1} ms and reached every \
         stream {fanout_ms:.1} ms after it was sent (median {p50:.1} ms)",
        app.db().dialect()
    )?;
    writeln!(out, "streams={streams} fanout_ms={fanout_ms:.1} p50_ms={p50:.1} post_ms={post_ms:.1}")?;
    Ok(())
}

/// A region, a tier, one active partner and a brand administrator.
async fn seed(app: &qudao_app::App) -> anyhow::Result<PartnerId> {
    let now = now_ms();
    let mut tx = app.db().write(&Scope::system("the events benchmark seeds its own fresh database")).await?;
    let region = regions::insert(
        &mut tx,
        &NewRegion { code: "R-EAST", parent: None, name_zh: "华东大区", name_en: "East", sort: 0 },
    )
    .await?;
    let tier = tiers::insert(&mut tx, "gold", "黄金", "Gold", 30).await?;
    let id = PartnerId::new();
    let partner = NewPartner {
        id,
        code: "P-000001".into(),
        name: "上海示例商贸有限公司".into(),
        name_en: None,
        short_name: None,
        kind: PartnerKind::Distributor,
        tier_id: tier.id,
        region_id: region.id,
        region_path: region.path.clone(),
        parent_id: None,
        credit_code: None,
        status: PartnerStatus::Active,
        remark: None,
        search_key: "p-000001".into(),
        now_ms: now,
    };
    partners::insert(&mut tx, &partner).await?;
    let hash = qudao_app::access::hash_password(PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin = NewUser {
        id: UserId::new(),
        login: "bench.admin".into(),
        display_name: "Bench admin".into(),
        email: None,
        phone: None,
        role: Role::BrandAdmin,
        partner_id: None,
        status: UserStatus::Active,
        password_hash: Some(hash),
        now_ms: now,
    };
    qudao_store::access::users::insert(&mut tx, &admin).await?;
    tx.commit().await?;
    Ok(id)
}

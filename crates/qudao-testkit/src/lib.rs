//! The test harness: a fresh database per test on SQLite and PostgreSQL, the real router driven
//! in-process, a client per role, and data builders.
//!
//! Every test that touches storage runs once per backend with [`each_backend`]: always on SQLite,
//! and on PostgreSQL when `QUDAO_TEST_PG_URL` names a server (CI sets it, and sets
//! `QUDAO_TEST_REQUIRE_PG=1` so a missing server fails the run instead of skipping). Each run gets
//! its own database: a temporary SQLite file, or a PostgreSQL database copied from a migrated
//! template and dropped afterwards.

#![expect(clippy::expect_used, reason = "a test harness fails loudly, with the reason, at the first broken step")]

mod client;
pub mod commerce;
mod db;
mod fixtures;
pub mod sink;
pub mod smtp;
pub mod world;

use std::future::Future;
use std::sync::Arc;

use qudao_app::clock::ShiftedClock;
use qudao_app::files::LocalDiskStore;
use qudao_app::{App, AppConfig};
use qudao_store::Db;
use qudao_web::{AppState, WebConfig};

pub use client::{Client, TestResponse};
pub use db::{Backend, ScratchDatabase, backends};
pub use fixtures::{PartnerBuilder, TEST_PASSWORD, UserBuilder};

/// One application on a fresh database.
pub struct TestApp {
    /// The use-case layer, for direct calls.
    pub app: App,
    /// The web state.
    pub state: AppState,
    /// The router.
    pub router: axum::Router,
    /// Which database.
    pub backend: Backend,
    /// The clock tests can move forward.
    pub clock: Arc<ShiftedClock>,
    database: db::TestDatabase,
    _files: tempfile::TempDir,
}

impl TestApp {
    /// A fresh application on `backend`, with the test master data (regions, tiers, catalog
    /// masters) in place.
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with_config(backend, AppConfig { payment_simulator: true, ..AppConfig::default() }).await
    }

    /// Same, with use-case settings of the test's choosing.
    pub async fn with_config(backend: Backend, config: AppConfig) -> TestApp {
        let database = db::TestDatabase::create(backend).await;
        let db = Db::connect(&database.url, &Default::default()).await.expect("connect to the test database");
        if backend == Backend::Sqlite {
            db.migrate().await.expect("migrate");
        }
        let files = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ShiftedClock::default());
        let app = App::new(db, config, Arc::new(LocalDiskStore::new(files.path()).expect("file store")), clock.clone());
        fixtures::masters(&app).await;
        let web = WebConfig { trust_forwarded_for: true, ..WebConfig::default() };
        let state = AppState::new(app.clone(), web);
        let router = qudao_web::router(state.clone());
        TestApp { app, state, router, backend, clock, database, _files: files }
    }

    /// The database URL (tests that need a raw connection).
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// A client with no credentials.
    pub fn anonymous(&self) -> Client<'_> {
        Client::new(self)
    }

    /// Signs in through `POST /api/v1/session` and returns a client sending the bearer token.
    pub async fn bearer(&self, login: &str, password: &str) -> Client<'_> {
        let response = self
            .anonymous()
            .post_json("/api/v1/session", &serde_json::json!({ "login": login, "password": password }))
            .await;
        assert_eq!(response.status, 201, "sign-in of {login} failed: {}", response.text());
        let token = response.json()["token"].as_str().expect("token").to_string();
        Client::new(self).with_bearer(token)
    }

    /// Signs in through the sign-in form and returns a client sending the session cookie and the
    /// CSRF token, like a browser.
    pub async fn browser(&self, login: &str, password: &str) -> Client<'_> {
        let response = self.anonymous().post_form("/login", &[("login", login), ("password", password)]).await;
        assert_eq!(response.status, 303, "form sign-in of {login} failed: {}", response.text());
        let cookie = response.cookie("qudao_session").expect("session cookie");
        let mut client = Client::new(self).with_cookie(cookie);
        let account = client.get("/account").await;
        let csrf = account.csrf_token().expect("a CSRF token on the account page");
        client.csrf = Some(csrf);
        client
    }

    /// The use-case context of `login` (signed in with [`TEST_PASSWORD`]), for calling use cases
    /// directly.
    pub async fn ctx_of(&self, login: &str) -> qudao_app::Ctx {
        let signed = qudao_app::access::auth::sign_in(
            &self.app,
            qudao_app::access::auth::SignIn {
                login: login.into(),
                password: TEST_PASSWORD.into(),
                ip: "127.0.0.1".into(),
                user_agent: None,
                api: false,
            },
        )
        .await
        .expect("sign in");
        qudao_app::Ctx::new(signed.caller, None, None)
    }

    /// Drops the PostgreSQL database (SQLite files go with their temporary folder).
    pub async fn cleanup(self) {
        self.app.db().close().await;
        self.database.drop_now().await;
    }
}

/// Runs a test body once per backend, each time on a fresh application made with `config`.
pub async fn each_backend_with<F, Fut>(config: AppConfig, body: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in db::backends().await {
        let app = TestApp::with_config(backend, config.clone()).await;
        let app = body(app).await;
        app.cleanup().await;
    }
}

/// Runs a test body once per backend, each time on a fresh application.
pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in db::backends().await {
        let app = TestApp::new(backend).await;
        let app = body(app).await;
        app.cleanup().await;
    }
}

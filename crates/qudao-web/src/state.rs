//! The state every handler shares: the application and the web settings.

use std::sync::Arc;

use qudao_app::App;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Qudao is served over HTTPS, as it must be in production).
    pub secure_cookies: bool,
    /// Trust the first address of `X-Forwarded-For` as the client address (only behind a proxy
    /// that sets it; otherwise clients could pick their own address and dodge throttling).
    pub trust_forwarded_for: bool,
    /// Largest request body outside uploads.
    pub max_body_bytes: usize,
    /// Largest upload (images, import sheets).
    pub max_upload_bytes: usize,
    /// How long a request may take before it is answered with 503.
    pub request_timeout: std::time::Duration,
    /// Extra origins allowed to make state-changing requests (e.g. a separate front end).
    pub trusted_origins: Vec<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_forwarded_for: false,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 12 * 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            trusted_origins: Vec::new(),
        }
    }
}

/// The shared state: one per process, cloned cheaply into every request.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    app: App,
    config: WebConfig,
}

impl AppState {
    /// Wraps the application and the web settings.
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState(Arc::new(Inner { app, config }))
    }

    /// The application.
    pub fn app(&self) -> &App {
        &self.0.app
    }

    /// The web settings.
    pub fn config(&self) -> &WebConfig {
        &self.0.config
    }
}

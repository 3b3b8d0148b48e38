//! Settings the use cases need, with production defaults.

/// Timeouts, limits and paths the use cases apply.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A session ends after this long without a request.
    pub session_idle_ms: i64,
    /// A session ends this long after sign-in, however busy.
    pub session_absolute_ms: i64,
    /// How long an invitation link stays valid.
    pub invite_ttl_ms: i64,
    /// How long a password-reset link stays valid.
    pub reset_ttl_ms: i64,
    /// The window in which failed sign-ins are counted.
    pub login_window_ms: i64,
    /// Failed sign-ins per account within the window before it is throttled.
    pub login_max_per_account: i64,
    /// Failed sign-ins per client address within the window before it is throttled.
    pub login_max_per_address: i64,
    /// Largest accepted image upload.
    pub max_image_bytes: usize,
    /// Largest accepted import sheet.
    pub max_import_bytes: usize,
    /// Most rows one import may hold.
    pub max_import_rows: usize,
    /// How long `Idempotency-Key` records are kept (at least 24 hours).
    pub idempotency_keep_ms: i64,
    /// How long an in-flight idempotent request may run before a retry may take over.
    pub idempotency_lock_ms: i64,
    /// Private networks webhook endpoints may point at, from the server's configuration
    /// (`QUDAO_WEBHOOK_ALLOW_NETS`); the console can add more. Empty: public addresses only.
    pub webhook_allow_nets: qudao_domain::integration::AllowedNets,
    /// Whether the payment simulator takes online payments (tests and demos only: anyone holding
    /// a payment's link can "pay" it). Off, and with no real provider configured, checkout refuses
    /// payment `online`.
    pub payment_simulator: bool,
    /// The SMTP relay notifications are e-mailed through; none: no e-mail is sent (the inbox
    /// still fills, and e-mails wait in the queue).
    pub smtp: Option<SmtpConfig>,
}

/// Where e-mail goes: a relay speaking plain SMTP (a local postfix, a company relay on the
/// private network), and the sender's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port (25, 587…).
    pub port: u16,
    /// The From address (`Qudao <noreply@example.com>`).
    pub from: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        const MINUTE: i64 = 60_000;
        const HOUR: i64 = 60 * MINUTE;
        Self {
            session_idle_ms: 2 * HOUR,
            session_absolute_ms: 24 * HOUR,
            invite_ttl_ms: 7 * 24 * HOUR,
            reset_ttl_ms: 24 * HOUR,
            login_window_ms: 15 * MINUTE,
            login_max_per_account: 5,
            login_max_per_address: 30,
            max_image_bytes: 5 * 1024 * 1024,
            max_import_bytes: 10 * 1024 * 1024,
            max_import_rows: 20_000,
            idempotency_keep_ms: 48 * HOUR,
            idempotency_lock_ms: 2 * MINUTE,
            webhook_allow_nets: Default::default(),
            payment_simulator: false,
            smtp: None,
        }
    }
}

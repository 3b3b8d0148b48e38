//! The payment-provider interface: the shape WeChat Pay and Alipay share.
//!
//! A merchant creates a payment and gets back where the payer pays (a page to redirect to, and
//! the text of a QR code); the provider later tells the outcome in a signed asynchronous
//! notification, answers queries about it, and takes refunds. Each real provider (WeChat Pay v3,
//! Alipay) is one implementation of [`Provider`]; [`super::simulator::Simulator`] is the one for
//! tests and demos.

use std::future::Future;
use std::pin::Pin;

use qudao_domain::finance::payments::TradeState;
use qudao_domain::ids::{PaymentId, RefundId};

use crate::AppResult;

/// A provider call's future.
pub type Call<'a, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 'a>>;

/// A payment to create at the provider.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// Our id, which the provider keeps as the merchant's trade number.
    pub payment_id: PaymentId,
    /// Fen.
    pub amount: i64,
    /// What the payer sees (`订单 SO-20261129-0001`).
    pub description: String,
    /// When it lapses unpaid.
    pub expires_ms: i64,
}

/// Where the payer pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The provider's id of the payment.
    pub provider_ref: String,
    /// A page to send the payer to.
    pub pay_url: String,
    /// The text of the QR code to show.
    pub code_url: String,
}

/// A notification as it arrived: the provider's signature headers and the body.
#[derive(Debug, Clone)]
pub struct Notice {
    /// When the provider signed it, seconds.
    pub timestamp: String,
    /// The provider's nonce.
    pub nonce: String,
    /// The signature.
    pub signature: String,
    /// The body, as received.
    pub body: String,
}

/// What a verified notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notified {
    /// The provider's id of this notification (a repeat carries the same).
    pub notify_id: String,
    /// The payment it is about.
    pub provider_ref: String,
    /// What happened.
    pub state: TradeState,
    /// The provider's transaction id, when paid.
    pub txn: Option<String>,
}

/// Why a notification is not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeError {
    /// The signature does not verify, or the timestamp is too old: not from the provider.
    BadSignature,
    /// Signed, but not a notification we understand.
    Malformed(String),
}

/// One payment provider.
pub trait Provider: Send + Sync {
    /// Its stored name (`sim`, `wechat`, `alipay`).
    fn name(&self) -> &'static str;
    /// Creates a payment.
    fn create<'a>(&'a self, request: &'a PaymentRequest) -> Call<'a, Created>;
    /// Verifies a notification's signature and reads it; `now_ms` bounds its age.
    fn verify(&self, notice: &Notice, now_ms: i64) -> Result<Notified, NoticeError>;
    /// Asks what became of a payment (when a notification never came).
    fn query<'a>(&'a self, provider_ref: &'a str) -> Call<'a, (TradeState, Option<String>)>;
    /// Gives `amount` of a paid payment back; returns the provider's id of the refund. The same
    /// `refund_id` twice refunds once.
    fn refund<'a>(&'a self, provider_ref: &'a str, refund_id: RefundId, amount: i64) -> Call<'a, String>;
}

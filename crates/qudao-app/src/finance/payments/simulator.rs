//! A payment provider simulator, for tests and demos: it keeps its own book of payments in
//! memory, shows a page where the payer "pays", and sends Qudao a signed notification the way a
//! real provider does — HMAC-SHA256 over `timestamp\nnonce\nbody\n`, the message WeChat Pay v3
//! signs (with RSA there; a shared key here). It can also lose a notification or send it twice,
//! so tests can exercise reconciliation and idempotency.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use hmac::{Hmac, Mac};
use qudao_domain::finance::payments::TradeState;
use qudao_domain::ids::RefundId;
use sha2::Sha256;

use super::provider::{Call, Created, Notice, NoticeError, Notified, PaymentRequest, Provider};
use crate::{AppError, AppResult};

/// How old a notification may be, seconds.
const TOLERANCE_S: i64 = 300;

#[derive(Debug, Clone)]
struct Trade {
    amount: i64,
    state: TradeState,
    txn: Option<String>,
    expires_ms: i64,
    refunds: HashMap<String, i64>,
}

/// The simulator.
pub struct Simulator {
    key: Vec<u8>,
    book: Mutex<HashMap<String, Trade>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Simulator")
    }
}

fn random_hex(bytes: usize) -> AppResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(crate::tokens::hex(&buf))
}

impl Simulator {
    /// A simulator with a fresh signing key (from the system's random source; should that fail,
    /// from the clock and the process — a simulator's key guards nothing of value).
    pub fn new() -> Simulator {
        let mut key = vec![0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            key = <Sha256 as sha2::Digest>::digest(seed.as_bytes()).to_vec();
        }
        Simulator { key, book: Mutex::new(HashMap::new()) }
    }

    fn book(&self) -> AppResult<std::sync::MutexGuard<'_, HashMap<String, Trade>>> {
        self.book.lock().map_err(|_| AppError::Internal("payment simulator poisoned".into()))
    }

    /// What the simulator's page shows: the amount and whether it is still to pay.
    pub fn trade(&self, provider_ref: &str) -> AppResult<Option<(i64, TradeState)>> {
        Ok(self.book()?.get(provider_ref).map(|t| (t.amount, t.state)))
    }

    /// The payer pays at the simulator (`now_ms` decides expiry): the trade becomes paid and the
    /// notification the provider would send is returned, signed, for delivery.
    pub fn pay(&self, provider_ref: &str, now_ms: i64) -> AppResult<Notice> {
        let mut book = self.book()?;
        let trade = book.get_mut(provider_ref).ok_or(AppError::NotFound)?;
        match trade.state {
            TradeState::Pending if now_ms > trade.expires_ms => {
                trade.state = TradeState::Closed;
                return Err(AppError::Conflict("payment_expired"));
            }
            TradeState::Pending => {
                trade.state = TradeState::Paid(trade.amount);
                trade.txn = Some(format!("SIMTXN{}", random_hex(8)?));
            }
            TradeState::Paid(_) => {}
            TradeState::Closed => return Err(AppError::Conflict("payment_expired")),
        }
        let (state, txn) = (trade.state, trade.txn.clone());
        drop(book);
        self.notice(provider_ref, state, txn, now_ms)
    }

    /// A signed notification of `state` (also for tests that forge or replay one).
    pub fn notice(&self, provider_ref: &str, state: TradeState, txn: Option<String>, now_ms: i64) -> AppResult<Notice> {
        let (trade_state, amount) = match state {
            TradeState::Paid(amount) => ("SUCCESS", amount),
            TradeState::Pending => ("NOTPAY", 0),
            TradeState::Closed => ("CLOSED", 0),
        };
        let body = serde_json::json!({
            "notify_id": format!("SIMN{}", random_hex(8)?),
            "provider_ref": provider_ref,
            "trade_state": trade_state,
            "amount": amount,
            "txn": txn,
        })
        .to_string();
        let timestamp = (now_ms / 1_000).to_string();
        let nonce = random_hex(8)?;
        let signature = self.sign(&timestamp, &nonce, &body)?;
        Ok(Notice { timestamp, nonce, signature, body })
    }

    fn sign(&self, timestamp: &str, nonce: &str, body: &str) -> AppResult<String> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).map_err(|e| AppError::Internal(e.to_string()))?;
        mac.update(format!("{timestamp}\n{nonce}\n{body}\n").as_bytes());
        Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator::new()
    }
}

impl Provider for Simulator {
    fn name(&self) -> &'static str {
        "sim"
    }

    fn create<'a>(&'a self, request: &'a PaymentRequest) -> Call<'a, Created> {
        Box::pin(async move {
            let provider_ref = format!("SIM{}", random_hex(12)?);
            let trade = Trade {
                amount: request.amount,
                state: TradeState::Pending,
                txn: None,
                expires_ms: request.expires_ms,
                refunds: HashMap::new(),
            };
            self.book()?.insert(provider_ref.clone(), trade);
            Ok(Created {
                pay_url: format!("/sim-pay/{provider_ref}"),
                code_url: format!("qudao-sim://pay/{provider_ref}"),
                provider_ref,
            })
        })
    }

    fn verify(&self, notice: &Notice, now_ms: i64) -> Result<Notified, NoticeError> {
        let timestamp: i64 = notice.timestamp.trim().parse().map_err(|_| NoticeError::BadSignature)?;
        if (now_ms / 1_000 - timestamp).abs() > TOLERANCE_S {
            return Err(NoticeError::BadSignature);
        }
        let given = base64::engine::general_purpose::STANDARD
            .decode(notice.signature.trim())
            .map_err(|_| NoticeError::BadSignature)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).map_err(|_| NoticeError::BadSignature)?;
        mac.update(format!("{}\n{}\n{}\n", notice.timestamp, notice.nonce, notice.body).as_bytes());
        mac.verify_slice(&given).map_err(|_| NoticeError::BadSignature)?;
        let body: serde_json::Value =
            serde_json::from_str(&notice.body).map_err(|e| NoticeError::Malformed(e.to_string()))?;
        let text = |key: &str| body[key].as_str().map(str::to_string);
        let state = match body["trade_state"].as_str() {
            Some("SUCCESS") => {
                TradeState::Paid(body["amount"].as_i64().ok_or(NoticeError::Malformed("amount".into()))?)
            }
            Some("NOTPAY") => TradeState::Pending,
            Some("CLOSED") => TradeState::Closed,
            other => return Err(NoticeError::Malformed(format!("trade_state {other:?}"))),
        };
        Ok(Notified {
            notify_id: text("notify_id").ok_or(NoticeError::Malformed("notify_id".into()))?,
            provider_ref: text("provider_ref").ok_or(NoticeError::Malformed("provider_ref".into()))?,
            state,
            txn: text("txn"),
        })
    }

    fn query<'a>(&'a self, provider_ref: &'a str) -> Call<'a, (TradeState, Option<String>)> {
        Box::pin(async move {
            let book = self.book()?;
            let trade = book.get(provider_ref).ok_or(AppError::NotFound)?;
            Ok((trade.state, trade.txn.clone()))
        })
    }

    fn refund<'a>(&'a self, provider_ref: &'a str, refund_id: RefundId, amount: i64) -> Call<'a, String> {
        Box::pin(async move {
            let mut book = self.book()?;
            let trade = book.get_mut(provider_ref).ok_or(AppError::NotFound)?;
            let key = refund_id.to_string();
            if !trade.refunds.contains_key(&key) {
                let refunded: i64 = trade.refunds.values().sum();
                if !matches!(trade.state, TradeState::Paid(_)) || refunded + amount > trade.amount {
                    return Err(AppError::Conflict("refund_refused_by_provider"));
                }
                trade.refunds.insert(key.clone(), amount);
            }
            Ok(format!("SIMRF{}", &key.replace('-', "")[..16]))
        })
    }
}

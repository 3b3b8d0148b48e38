//! Online payment at checkout (在线支付): an order placed with payment `online` waits for its
//! money; the partner pays through a payment provider, whose signed notification — verified,
//! applied once per notification id and once per payment — posts the money and lets the order go
//! on. Payments the provider never told us about are found by reconciliation (a query per open
//! payment); refunds go back through the provider from the partner's prepaid balance.
//!
//! Money in: cash debit, sales credit (as a confirmed transfer posts), or — when the order was
//! cancelled or no longer waits — prepaid credit, so nothing paid is ever lost or counted twice.
//! Money back: prepaid debit, cash credit.

pub mod provider;
pub mod simulator;

use qudao_domain::access::Permission;
use qudao_domain::accounts::{AccountKind, Posting};
use qudao_domain::finance::payments::{Decision, PaymentState, TradeState, check_refund, decide};
use qudao_domain::ids::{EntryId, OrderId, PaymentId, RefundId, UserId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::orders::{OrderStatus, PaymentStatus};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::audit::AuditRecord;
use qudao_store::finance::payments::{self, NewPayment, NewRefund, PaymentView};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{Scope, Tx, accounts, audit, orders};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use self::provider::{Notice, NoticeError, PaymentRequest, Provider};
use self::simulator::Simulator;
use crate::accounts::{Movement, post_many};
use crate::idempotency::{self, IdemKey};
use crate::orders::lifecycle::{finish_by, load, status_of};
use crate::{App, AppError, AppResult, Ctx};

/// How long a payment waits for its payer.
pub const PAYMENT_TTL_MS: i64 = 30 * 60_000;

/// The providers this instance talks to. Today only the simulator, and only when configured
/// (`AppConfig::payment_simulator`: tests and demos); WeChat Pay and Alipay are further
/// implementations of [`Provider`].
#[derive(Debug, Default)]
pub struct Providers {
    simulator: Option<Simulator>,
}

impl Providers {
    /// The providers: the simulator when `simulator` is on.
    pub fn new(simulator: bool) -> Providers {
        Providers { simulator: simulator.then(Simulator::new) }
    }

    /// The provider named `name`, if configured.
    pub fn get(&self, name: &str) -> Option<&dyn Provider> {
        match name {
            "sim" => self.simulator.as_ref().map(|s| s as &dyn Provider),
            _ => None,
        }
    }

    /// The provider new payments go to, if any is configured.
    pub fn default_provider(&self) -> Option<&dyn Provider> {
        self.simulator.as_ref().map(|s| s as &dyn Provider)
    }

    /// Whether online payment is available at all.
    pub fn any(&self) -> bool {
        self.simulator.is_some()
    }

    /// The simulator (its payer page and tests), when on.
    pub fn simulator(&self) -> AppResult<&Simulator> {
        self.simulator.as_ref().ok_or(AppError::NotFound)
    }
}

/// Which provider to pay with.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartPayment {
    /// `sim` (the simulator) today; the default provider when left out.
    #[serde(default)]
    pub provider: Option<String>,
}

/// The partner starts paying an order placed with payment `online`: a payment at the provider,
/// or the one still open for it. Returns where to pay.
pub async fn start_payment(
    app: &App,
    ctx: &Ctx,
    order: OrderId,
    provider: Option<&str>,
    idem: Option<&IdemKey>,
) -> AppResult<PaymentView> {
    ctx.require(Permission::OrdersPlace)?;
    let now = app.now_ms();
    let view = {
        let mut tx = app.read(ctx).await?;
        let view = load(&mut tx, order).await?;
        let open = payments::list(&mut tx, Some(order), Some("created"), &PageRequest::first(1)).await?;
        if let Some(open) = open.items.into_iter().find(|p| p.expires_ms > now) {
            return Ok(open);
        }
        view
    };
    if view.summary.payment_status != PaymentStatus::AwaitingPayment.as_str()
        || status_of(&view)? == OrderStatus::Cancelled
    {
        return Err(AppError::Conflict("not_awaiting_payment"));
    }
    let id = PaymentId::new();
    let provider = match provider.map(str::trim).filter(|p| !p.is_empty()) {
        Some(name) => app.payments().get(name).ok_or_else(|| AppError::field("provider", "invalid_choice"))?,
        None => app.payments().default_provider().ok_or(AppError::Conflict("online_payment_unavailable"))?,
    };
    let request = PaymentRequest {
        payment_id: id,
        amount: view.paid.transfer,
        description: format!("订单 {}", view.summary.number),
        expires_ms: now + PAYMENT_TTL_MS,
    };
    if request.amount <= 0 {
        return Err(AppError::Conflict("not_awaiting_payment"));
    }
    let created = provider.create(&request).await?;
    let pay_url = format!("{}?return=/portal/orders/{order}", created.pay_url);
    let mut tx = app.write(ctx).await?;
    payments::insert(
        &mut tx,
        &NewPayment {
            id,
            order_id: order,
            partner_id: view.summary.partner_id,
            provider: provider.name(),
            provider_ref: &created.provider_ref,
            amount: request.amount,
            currency: &view.summary.currency,
            pay_url: &pay_url,
            code_url: &created.code_url,
            created_by: Some(ctx.caller().user_id()),
            created_ms: now,
            expires_ms: request.expires_ms,
        },
    )
    .await?;
    let payment = payments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "payment", id, "create", Some(view.summary.partner_id), None, Some(&payment)),
    )
    .await?;
    idempotency::complete(&mut tx, idem, 201, &payment).await?;
    tx.commit().await?;
    Ok(payment)
}

/// What became of a notification, for the provider's answer and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotifyOutcome {
    /// The money was applied now.
    Applied,
    /// This notification was seen before: answered as then, nothing done.
    Repeated,
    /// Nothing to do (already paid, still pending, an unknown payment).
    Nothing,
    /// The payment closed.
    Closed,
    /// The provider says paid, but not the amount asked: nothing applied, kept for finance.
    AmountMismatch,
}

fn scope() -> Scope {
    Scope::system("a payment provider's notification or reconciliation settles a payment")
}

/// A provider's notification: verified, claimed once per notification id, and applied in one
/// transaction with the claim. A forged or stale one is refused (`Unauthenticated`) and kept.
pub async fn receive_notification(app: &App, provider_name: &str, notice: &Notice) -> AppResult<NotifyOutcome> {
    let provider = app.payments().get(provider_name).ok_or(AppError::NotFound)?;
    let now = app.now_ms();
    let notified = match provider.verify(notice, now) {
        Ok(notified) => notified,
        Err(error) => {
            let reason = match &error {
                NoticeError::BadSignature => "bad_signature".to_string(),
                NoticeError::Malformed(what) => format!("malformed: {what}"),
            };
            let mut tx = app.db().write(&scope()).await?;
            let id = format!("refused-{}", uuid::Uuid::now_v7().simple());
            // Anyone can post here: only the start of a refused body is kept.
            let excerpt: String = notice.body.chars().take(500).collect();
            payments::record_refused(&mut tx, provider.name(), &id, &excerpt, &reason, now).await?;
            tx.commit().await?;
            return Err(match error {
                NoticeError::BadSignature => AppError::Unauthenticated,
                NoticeError::Malformed(_) => AppError::field("body", "invalid_value"),
            });
        }
    };
    let mut tx = app.db().write(&scope()).await?;
    if !payments::claim_notification(&mut tx, provider.name(), &notified.notify_id, &notice.body, now).await? {
        return Ok(NotifyOutcome::Repeated);
    }
    let payment = payments::by_provider_ref(&mut tx, provider.name(), &notified.provider_ref).await?;
    let outcome = match &payment {
        Some(payment) => {
            apply(&mut tx, payment.id, notified.state, notified.txn.as_deref(), provider.name(), now).await?
        }
        None => NotifyOutcome::Nothing,
    };
    let label = serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    payments::notification_outcome(&mut tx, provider.name(), &notified.notify_id, payment.map(|p| p.id), &label)
        .await?;
    tx.commit().await?;
    app.outbox_written();
    Ok(outcome)
}

/// Applies what the provider said to a payment, in the caller's transaction.
async fn apply(
    tx: &mut Tx,
    id: PaymentId,
    said: TradeState,
    txn: Option<&str>,
    provider: &str,
    now: i64,
) -> AppResult<NotifyOutcome> {
    let payment = payments::lock(tx, id).await?.ok_or(AppError::NotFound)?;
    let state = PaymentState::parse(&payment.status)
        .ok_or_else(|| AppError::Internal(format!("payment status {}", payment.status)))?;
    match decide(state, payment.amount, said) {
        Decision::Nothing => Ok(NotifyOutcome::Nothing),
        Decision::AmountMismatch => Ok(NotifyOutcome::AmountMismatch),
        Decision::Close => {
            payments::settle(tx, id, PaymentState::Closed.as_str(), None, None).await?;
            Ok(NotifyOutcome::Closed)
        }
        Decision::ApplyPaid => {
            if !payments::settle(tx, id, PaymentState::Paid.as_str(), Some(now), txn).await? {
                return Ok(NotifyOutcome::Nothing);
            }
            money_in(tx, &payment, provider, now).await?;
            Ok(NotifyOutcome::Applied)
        }
    }
}

/// Posts a paid payment's money and moves its order on: the order's money arrived (and it is
/// approved unless the amount needs a person), or — the order was cancelled or no longer waits —
/// the money is kept as the partner's prepaid balance.
async fn money_in(tx: &mut Tx, payment: &PaymentView, provider: &str, now: i64) -> AppResult<()> {
    orders::lock(tx, &[payment.order_id]).await?;
    let before = load(tx, payment.order_id).await?;
    // The money pays the order only if the order still waits for exactly this amount; otherwise
    // (cancelled, paid by another payment, amended) it is kept as the partner's prepaid balance.
    let waiting = before.summary.payment_status == PaymentStatus::AwaitingPayment.as_str()
        && status_of(&before)? != OrderStatus::Cancelled
        && before.paid.transfer == payment.amount;
    let (counter, template) = if waiting {
        (AccountKind::Sales, "online_payment")
    } else {
        (AccountKind::Prepaid, "online_payment_unapplied")
    };
    let by: UserId = payment.created_by.ok_or_else(|| AppError::Internal("a payment without its payer".into()))?;
    accounts::ensure_partner_accounts(tx, payment.partner_id, &payment.currency, now).await?;
    let movement = Movement {
        partner: payment.partner_id,
        template,
        currency: Currency::parse(&payment.currency).unwrap_or(Currency::CNY),
        postings: vec![
            Posting { account: AccountKind::Cash, amount: payment.amount },
            Posting { account: counter, amount: -payment.amount },
        ],
        reference: Some(("order", payment.order_id.to_string())),
        memo: Some(&payment.provider_ref),
        at_ms: now,
    };
    post_many(tx, &[(by, movement)]).await?;
    if !waiting {
        return Ok(());
    }
    payments::mark_applied(tx, payment.id).await?;
    orders::set_payment_status(tx, payment.order_id, PaymentStatus::PaidOnline.as_str(), false).await?;
    if status_of(&before)? == OrderStatus::Submitted {
        crate::orders::approval::after_money(tx, payment.order_id, now).await?;
    }
    let actor = |b: &serde_json::Value, a: &serde_json::Value| AuditRecord {
        actor_id: None,
        actor_label: format!("payment provider ({provider})"),
        partner_id: None,
        object_kind: "order",
        object_id: String::new(),
        action: "paid_online",
        before: Some(b.to_string()),
        after: Some(a.to_string()),
        request_id: None,
        ip: None,
        at_ms: now,
    };
    let detail = serde_json::json!({ "payment_id": payment.id, "provider_ref": payment.provider_ref });
    finish_by(tx, &actor, &before, "paid_online", Some(detail), now).await?;
    Ok(())
}

/// Asks the provider what became of one payment and applies it (finance, or reconciliation).
pub async fn sync_payment(app: &App, ctx: &Ctx, id: PaymentId) -> AppResult<PaymentView> {
    ctx.require(Permission::FinanceManage)?;
    let payment = {
        let mut tx = app.read(ctx).await?;
        payments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?
    };
    let outcome = sync(app, &payment).await?;
    let mut tx = app.write(ctx).await?;
    let after = payments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let record = ctx.audit(app.now_ms(), "payment", id, "sync", Some(after.partner_id), Some(&outcome), Some(&after));
    audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    Ok(after)
}

async fn sync(app: &App, payment: &PaymentView) -> AppResult<NotifyOutcome> {
    let provider = app.payments().get(&payment.provider).ok_or(AppError::NotFound)?;
    let (said, txn) = provider.query(&payment.provider_ref).await?;
    let now = app.now_ms();
    // A payment still unpaid past its time is closed here; paid later, it is applied anyway.
    let said = if said == TradeState::Pending && now > payment.expires_ms { TradeState::Closed } else { said };
    let mut tx = app.db().write(&scope()).await?;
    let outcome = apply(&mut tx, payment.id, said, txn.as_deref(), provider.name(), now).await?;
    tx.commit().await?;
    app.outbox_written();
    Ok(outcome)
}

/// What reconciliation found and did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reconciliation {
    /// Open payments asked about.
    pub checked: usize,
    /// Of which the provider had been paid (their notification never came): applied now.
    pub applied: usize,
    /// Of which lapsed unpaid: closed.
    pub closed: usize,
    /// Payments the provider could not be asked about (provider reference and why); asked again
    /// next time.
    pub failed: Vec<String>,
    /// Money received that did not pay its order (cancelled, already paid, another amount), or
    /// whose order was cancelled after: held as prepaid balance, to refund or to use.
    pub paid_not_applied: Vec<PaymentView>,
    /// Orders marked paid online without a paid payment behind them (always none).
    pub confirmed_not_paid: Vec<String>,
}

/// Reconciles payments with the provider and with orders (brand finance).
pub async fn reconcile(app: &App, ctx: &Ctx) -> AppResult<Reconciliation> {
    ctx.require(Permission::FinanceManage)?;
    let open = {
        let mut tx = app.read(ctx).await?;
        payments::open(&mut tx, 1_000).await?
    };
    let mut report = Reconciliation {
        checked: open.len(),
        applied: 0,
        closed: 0,
        failed: Vec::new(),
        paid_not_applied: Vec::new(),
        confirmed_not_paid: Vec::new(),
    };
    for payment in &open {
        // One payment the provider cannot answer about does not stop the others.
        match sync(app, payment).await {
            Ok(NotifyOutcome::Applied) => report.applied += 1,
            Ok(NotifyOutcome::Closed) => report.closed += 1,
            Ok(_) => {}
            Err(error) => report.failed.push(format!("{}: {error}", payment.provider_ref)),
        }
    }
    let mut tx = app.write(ctx).await?;
    report.paid_not_applied = payments::paid_without_order(&mut tx, 200).await?;
    report.confirmed_not_paid =
        payments::paid_orders_without_payment(&mut tx, 200).await?.into_iter().map(|(_, number)| number).collect();
    let summary = serde_json::json!({
        "checked": report.checked,
        "applied": report.applied,
        "closed": report.closed,
        "paid_not_applied": report.paid_not_applied.len(),
        "confirmed_not_paid": report.confirmed_not_paid.len(),
    });
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(app.now_ms(), "payments", "reconcile", "reconcile", None, None, Some(&summary)),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// A refund asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Yuan.
    pub amount: String,
    /// Why (kept on the journal entry).
    pub reason: String,
}

/// A refund as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundView {
    /// Id.
    pub id: RefundId,
    /// The payment.
    pub payment: PaymentView,
    /// Fen.
    pub amount: i64,
    /// The provider's id of the refund.
    pub provider_ref: String,
    /// The journal entry.
    pub entry_id: EntryId,
}

/// Gives money of a paid payment back through the provider (brand finance). It comes out of the
/// partner's prepaid balance — where a cancelled order's online payment went — so an order still
/// standing is cancelled or returned first. The provider is called last inside the transaction
/// (idempotent by refund id): a refused refund writes nothing.
pub async fn refund_payment(
    app: &App,
    ctx: &Ctx,
    id: PaymentId,
    input: &RefundInput,
    idem: Option<&IdemKey>,
) -> AppResult<RefundView> {
    ctx.require(Permission::FinanceManage)?;
    let mut invalid = Invalid::new();
    let amount = invalid.check(Money::parse_major("amount", &input.amount, Currency::CNY));
    let reason = invalid.check(text::required("reason", &input.reason, 200));
    invalid.into_result()?;
    let (Some(amount), Some(reason)) = (amount, reason) else {
        return Err(AppError::Internal("checked refund".into()));
    };
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let payment = payments::lock(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let state = PaymentState::parse(&payment.status)
        .ok_or_else(|| AppError::Internal(format!("payment status {}", payment.status)))?;
    check_refund(state, payment.amount, payment.refunded, amount.minor).map_err(Invalid::from)?;
    accounts::hold(&mut tx, &[payment.partner_id]).await?;
    // Retried under the same Idempotency-Key, a refund has the same id, and the provider refunds
    // an id once: a refund whose commit was lost is not paid out twice.
    let refund_id = match idem {
        Some(key) => refund_id_of(&key.storage_key()),
        None => RefundId::new(),
    };
    let memo = format!("{} {reason}", payment.provider_ref);
    let movement = Movement {
        partner: payment.partner_id,
        template: "online_refund",
        currency: Currency::CNY,
        postings: vec![
            Posting { account: AccountKind::Prepaid, amount: amount.minor },
            Posting { account: AccountKind::Cash, amount: -amount.minor },
        ],
        reference: Some(("order", payment.order_id.to_string())),
        memo: Some(&memo),
        at_ms: now,
    };
    let entry_id = match crate::accounts::post(&mut tx, ctx, &movement).await {
        Ok(entry) => entry,
        Err(crate::accounts::Refused::Overdraft(_)) => {
            return Err(AppError::Invalid(Invalid::from(FieldError::new("amount", "refund_exceeds_prepaid"))));
        }
        Err(crate::accounts::Refused::Failed(error)) => return Err(error),
    };
    // Everything is written first; the provider is asked last, just before the commit, so a
    // refused refund leaves nothing behind.
    let provider = app.payments().get(&payment.provider).ok_or(AppError::NotFound)?;
    let pending_ref = format!("pending-{refund_id}");
    let refund = NewRefund {
        id: refund_id,
        payment_id: id,
        partner_id: payment.partner_id,
        amount: amount.minor,
        provider_ref: &pending_ref,
        reason: &reason,
        entry_id,
        created_by: Some(ctx.caller().user_id()),
        created_ms: now,
    };
    if !payments::insert_refund(&mut tx, &refund).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    let provider_ref = provider.refund(&payment.provider_ref, refund_id, amount.minor).await?;
    payments::set_refund_ref(&mut tx, refund_id, &provider_ref).await?;
    let payment = payments::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let view = RefundView { id: refund_id, payment, amount: amount.minor, provider_ref, entry_id };
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "payment", id, "refund", Some(view.payment.partner_id), None, Some(&view)),
    )
    .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// How the simulator delivers the notification of a payment made at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Once, a moment later (as providers do).
    Once,
    /// Twice (a provider resending).
    Twice,
    /// Never (a notification lost on the way; reconciliation finds the payment).
    Lost,
}

/// The payer pays at the simulator: its book marks the payment paid, the payment's audit row
/// records it, and its signed notification is sent to this instance a moment later (in the
/// background), `delivery` times.
pub async fn pay_at_simulator(app: &App, provider_ref: &str, delivery: Delivery) -> AppResult<()> {
    let now = app.now_ms();
    let notice = app.payments().simulator()?.pay(provider_ref, now)?;
    let mut tx = app.db().write(&scope()).await?;
    if let Some(payment) = payments::by_provider_ref(&mut tx, "sim", provider_ref).await? {
        let record = AuditRecord {
            actor_id: None,
            actor_label: "payment simulator".into(),
            partner_id: Some(payment.partner_id),
            object_kind: "payment",
            object_id: payment.id.to_string(),
            action: "paid_at_provider",
            before: None,
            after: Some(serde_json::json!({ "provider_ref": provider_ref, "amount": payment.amount }).to_string()),
            request_id: None,
            ip: None,
            at_ms: now,
        };
        audit::insert(&mut tx, &record).await?;
    }
    tx.commit().await?;
    let times = match delivery {
        Delivery::Once => 1,
        Delivery::Twice => 2,
        Delivery::Lost => 0,
    };
    let app = app.clone();
    tokio::spawn(async move {
        for _ in 0..times {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if let Err(error) = receive_notification(&app, "sim", &notice).await {
                tracing::warn!(%error, "the payment simulator's notification was refused");
            }
        }
    });
    Ok(())
}

/// A refund id derived from an idempotency key (the same key, the same id).
fn refund_id_of(key: &str) -> RefundId {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // Version 8 (custom) and the RFC 4122 variant, so it is a well-formed UUID.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string().parse().unwrap_or_else(|_| RefundId::new())
}

/// A visible payment.
pub async fn get_payment(app: &App, ctx: &Ctx, id: PaymentId) -> AppResult<PaymentView> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    payments::get(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// Visible payments, newest first: one order's, one status's, or all.
pub async fn list_payments(
    app: &App,
    ctx: &Ctx,
    order: Option<OrderId>,
    status: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<PaymentView>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(payments::list(&mut tx, order, status, page).await?)
}

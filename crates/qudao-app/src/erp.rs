//! The ERP's messages in: shipments, invoices and receipts, each applied exactly once.
//!
//! A message comes with an API key holding the `erp:write` scope and is signed like our own
//! webhooks (Standard Webhooks headers, HMAC-SHA256 with the key's signing secret, timestamp
//! within five minutes), so a captured message cannot be replayed later or altered on the way.
//! Each carries the ERP's `document_id`: the first message under an id is applied and its answer
//! stored with it in the same transaction; the same message again — a retry, a duplicate, one
//! arriving out of order after the fact — is answered with the stored bytes and changes nothing.
//! A different message under a used id is refused. A refused message changes nothing and is
//! kept, with the reason, for the admin to see.

use qudao_domain::access::Permission;
use qudao_domain::finance::Allocation;
use qudao_domain::ids::{InvoiceId, OrderId, PartnerId, RejectionId};
use qudao_domain::money::Currency;
use qudao_domain::{FieldError, Invalid, dates, text};
use qudao_store::finance::invoices::{self, InvoiceView};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{CallerAuth, Scope, Tx, audit, erp, orders};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::finance::receipts::{ReceiptDraft, method_of, record_in};
use crate::integration::signing::{self, SignatureError};
use crate::orders::{LineAmount, ShipRequest, ship_in};
use crate::{App, AppError, AppResult, Ctx};

/// What an ERP sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// Goods left a warehouse.
    Shipment,
    /// A 发票 was issued.
    Invoice,
    /// Money arrived.
    Receipt,
}

impl DocumentKind {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Shipment => "shipment",
            DocumentKind::Invoice => "invoice",
            DocumentKind::Receipt => "receipt",
        }
    }
}

/// The signature headers of a message.
#[derive(Debug, Clone, Default)]
pub struct Signed {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: String,
    /// `webhook-signature`.
    pub signature: String,
}

/// The answer to a message: the status and the exact bytes, first time and every time after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
    /// Whether this is a stored answer sent again.
    pub replayed: bool,
}

/// A shipment the ERP made.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentDocument {
    /// The ERP's id of this message's document (its delivery note).
    pub document_id: String,
    /// The order, by id…
    #[serde(default)]
    pub order_id: Option<OrderId>,
    /// …or by number (`SO-20250101-0001`).
    #[serde(default)]
    pub order_number: Option<String>,
    /// The warehouse code; may be left out when the order is held in one.
    #[serde(default)]
    pub warehouse: Option<String>,
    /// The carrier.
    pub carrier: String,
    /// The tracking number.
    pub tracking_no: String,
    /// What left, in base units; everything held in the warehouse when left out.
    #[serde(default)]
    pub lines: Vec<ShipmentLine>,
}

/// A line of an ERP shipment: the order line by number or by SKU code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLine {
    /// The order line.
    #[serde(default)]
    pub line_no: Option<i64>,
    /// Or the SKU code.
    #[serde(default)]
    pub sku: Option<String>,
    /// Base units.
    pub quantity: i64,
}

/// An invoice the ERP issued.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceDocument {
    /// The ERP's document id.
    pub document_id: String,
    /// The order, by id…
    #[serde(default)]
    pub order_id: Option<OrderId>,
    /// …or by number.
    #[serde(default)]
    pub order_number: Option<String>,
    /// The 发票 number.
    pub invoice_number: String,
    /// Amount including tax, fen.
    pub amount: i64,
    /// Of which tax, fen.
    pub tax: i64,
    /// `CNY` (the default).
    #[serde(default)]
    pub currency: Option<String>,
    /// Issued on (`2026-11-29`); today when left out.
    #[serde(default)]
    pub issued_date: Option<String>,
}

/// Money the ERP recorded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptDocument {
    /// The ERP's document id.
    pub document_id: String,
    /// Who paid.
    pub partner_id: PartnerId,
    /// Fen.
    pub amount: i64,
    /// `CNY`.
    pub currency: String,
    /// How (`transfer` by default).
    #[serde(default)]
    pub method: Option<String>,
    /// When it arrived; today when left out.
    #[serde(default)]
    pub received_date: Option<String>,
    /// Orders to settle; oldest due first when left out.
    #[serde(default)]
    pub allocations: Option<Vec<ReceiptAllocation>>,
    /// A note.
    #[serde(default)]
    pub memo: Option<String>,
}

/// An order an ERP receipt settles.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptAllocation {
    /// The order.
    pub order_id: OrderId,
    /// Fen.
    pub amount: i64,
}

/// Applies one message from the ERP, or answers it again. Errors are kept for the admin.
pub async fn receive(app: &App, ctx: &Ctx, kind: DocumentKind, signed: &Signed, body: &[u8]) -> AppResult<Answer> {
    ctx.require(Permission::ErpPush)?;
    let key = match ctx.caller().auth() {
        CallerAuth::ApiKey { key_id, .. } => *key_id,
        CallerAuth::Session { .. } => return Err(AppError::field("authorization", "erp_key_required")),
    };
    let result = receive_checked(app, ctx, kind, signed, body, key).await;
    if let Err(error) = &result {
        keep_rejection(app, kind, key, body, error).await;
    }
    result
}

async fn receive_checked(
    app: &App,
    ctx: &Ctx,
    kind: DocumentKind,
    signed: &Signed,
    body: &[u8],
    key: qudao_domain::ids::ApiKeyId,
) -> AppResult<Answer> {
    let now = app.now_ms();
    let secret = {
        let mut tx = app.read(ctx).await?;
        erp::signing_secret(&mut tx, key).await?
    };
    let Some(secret) = secret else { return Err(AppError::field("authorization", "erp_key_unsigned")) };
    let timestamp: i64 =
        signed.timestamp.trim().parse().map_err(|_| AppError::field("webhook-timestamp", "required"))?;
    signing::verify(&[&secret], &signed.id, timestamp, body, &signed.signature, now.div_euclid(1_000)).map_err(
        |error| match error {
            SignatureError::StaleTimestamp => AppError::field("webhook-timestamp", "stale_timestamp"),
            _ => AppError::field("webhook-signature", "bad_signature"),
        },
    )?;
    let request_hash = format!("{:x}", Sha256::digest(body));
    let document_id = document_id_of(body)?;
    let mut tx = app.write(ctx).await?;
    if !erp::claim(&mut tx, kind.as_str(), &document_id, &request_hash, Some(key), now).await? {
        let answered = erp::answered(&mut tx, kind.as_str(), &document_id).await?;
        let Some(answered) = answered else { return Err(AppError::Conflict("idempotency_key_in_flight")) };
        if answered.request_hash != request_hash {
            return Err(AppError::Conflict("document_id_reused"));
        }
        return Ok(Answer { status: answered.status, body: answered.body, replayed: true });
    }
    let body_json = match kind {
        DocumentKind::Shipment => {
            let doc: ShipmentDocument = parse(body)?;
            serde_json::to_string(&apply_shipment(&mut tx, ctx, &doc, now).await?)
        }
        DocumentKind::Invoice => {
            let doc: InvoiceDocument = parse(body)?;
            serde_json::to_string(&apply_invoice(&mut tx, ctx, &doc, now).await?)
        }
        DocumentKind::Receipt => {
            let doc: ReceiptDocument = parse(body)?;
            serde_json::to_string(&apply_receipt(&mut tx, ctx, &doc, now).await?)
        }
    }
    .map_err(|e| AppError::Internal(format!("answer: {e}")))?;
    erp::answer(&mut tx, kind.as_str(), &document_id, 201, &body_json).await?;
    tx.commit().await?;
    app.outbox_written();
    Ok(Answer { status: 201, body: body_json, replayed: false })
}

/// The `document_id` of a message, before the rest of it is read: a message without one cannot
/// be applied exactly once.
fn document_id_of(body: &[u8]) -> AppResult<String> {
    #[derive(Deserialize)]
    struct Head {
        document_id: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_slice(body).map_err(|_| AppError::field("body", "invalid_json"))?;
    let id = head.document_id.and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    text::required("document_id", &id, 64).map_err(|e| AppError::Invalid(e.into()))
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let field = e.to_string().split('`').nth(1).unwrap_or("body").to_string();
        AppError::Invalid(FieldError::with_param(field, "invalid_value", e.to_string()).into())
    })
}

/// The order a document names, visible to the key's user.
async fn order_of(tx: &mut Tx, id: Option<OrderId>, number: Option<&str>) -> AppResult<orders::OrderView> {
    let id = match (id, number.map(str::trim).filter(|n| !n.is_empty())) {
        (Some(id), _) => id,
        (None, Some(number)) => {
            orders::id_by_number(tx, number).await?.ok_or_else(|| AppError::field("order_number", "unknown_order"))?
        }
        (None, None) => return Err(AppError::field("order_id", "required")),
    };
    orders::get(tx, id).await?.ok_or_else(|| AppError::field("order_id", "unknown_order"))
}

async fn apply_shipment(tx: &mut Tx, ctx: &Ctx, doc: &ShipmentDocument, now: i64) -> AppResult<orders::ShipmentView> {
    let order = order_of(tx, doc.order_id, doc.order_number.as_deref()).await?;
    let mut lines = Vec::with_capacity(doc.lines.len());
    for (index, line) in doc.lines.iter().enumerate() {
        let line_no = match (line.line_no, line.sku.as_deref()) {
            (Some(n), _) => n,
            (None, Some(sku)) => order
                .lines
                .iter()
                .find(|l| l.sku.eq_ignore_ascii_case(sku.trim()))
                .map(|l| l.line_no)
                .ok_or_else(|| AppError::field(format!("lines[{index}].sku").as_str(), "not_on_order"))?,
            (None, None) => return Err(AppError::field(format!("lines[{index}].line_no").as_str(), "required")),
        };
        lines.push(LineAmount { line_no, quantity: line.quantity });
    }
    let request = ShipRequest {
        warehouse: doc.warehouse.clone(),
        carrier: doc.carrier.clone(),
        tracking_no: doc.tracking_no.clone(),
        lines,
    };
    ship_in(tx, ctx, order.summary.id, &request, now).await
}

async fn apply_invoice(tx: &mut Tx, ctx: &Ctx, doc: &InvoiceDocument, now: i64) -> AppResult<InvoiceView> {
    let mut invalid = Invalid::new();
    let number = invalid.check(text::required("invoice_number", &doc.invoice_number, 40));
    if doc.amount <= 0 {
        invalid.push(FieldError::new("amount", "must_be_positive"));
    }
    if doc.tax < 0 || doc.tax > doc.amount {
        invalid.push(FieldError::new("tax", "out_of_range"));
    }
    let currency = doc.currency.as_deref().unwrap_or("CNY");
    if Currency::parse(currency) != Some(Currency::CNY) {
        invalid.push(FieldError::new("currency", "unsupported_currency"));
    }
    let issued = match doc.issued_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(date) => invalid.check(dates::parse_date("issued_date", date)).map(i64::from),
        None => Some(i64::from(crate::clock::china_date(now))),
    };
    invalid.into_result()?;
    let (Some(number), Some(issued)) = (number, issued) else {
        return Err(AppError::Internal("checked invoice fields".into()));
    };
    let order = order_of(tx, doc.order_id, doc.order_number.as_deref()).await?;
    let invoiced = invoices::invoiced(tx, order.summary.id).await?;
    if invoiced + doc.amount > order.summary.total - order.refunded {
        return Err(AppError::Invalid(
            FieldError::with_param("amount", "over_invoiceable", order.summary.total - order.refunded - invoiced)
                .into(),
        ));
    }
    let view = InvoiceView {
        id: InvoiceId::new(),
        order_id: order.summary.id,
        partner_id: order.summary.partner_id,
        invoice_number: number,
        amount: doc.amount,
        tax: doc.tax,
        currency: "CNY".into(),
        issued_date: issued,
        document_id: doc.document_id.clone(),
        created_ms: now,
    };
    invoices::insert(tx, &view).await.map_err(|e| AppError::duplicate_as_field(e, &["invoice_number"]))?;
    audit::insert(tx, &ctx.audit::<(), _>(now, "invoice", view.id, "create", Some(view.partner_id), None, Some(&view)))
        .await?;
    Ok(view)
}

async fn apply_receipt(
    tx: &mut Tx,
    ctx: &Ctx,
    doc: &ReceiptDocument,
    now: i64,
) -> AppResult<qudao_store::finance::receipts::ReceiptView> {
    let mut invalid = Invalid::new();
    let currency = Currency::parse(doc.currency.trim());
    if currency.is_none() {
        invalid.push(FieldError::new("currency", "unsupported_currency"));
    }
    let method = invalid.check(method_of(doc.method.as_deref()));
    let received_date = match doc.received_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(date) => invalid.check(dates::parse_date("received_date", date)).map(i64::from),
        None => Some(i64::from(crate::clock::china_date(now))),
    };
    let memo = invalid.check(text::optional("memo", doc.memo.as_deref(), 200));
    invalid.into_result()?;
    let (Some(currency), Some(method), Some(received_date), Some(memo)) = (currency, method, received_date, memo)
    else {
        return Err(AppError::Internal("checked receipt fields".into()));
    };
    let draft = ReceiptDraft {
        partner: doc.partner_id,
        amount: doc.amount,
        currency,
        method,
        received_date,
        proof: None,
        memo,
        by_hand: doc
            .allocations
            .as_ref()
            .map(|list| list.iter().map(|a| Allocation { order: a.order_id, amount: a.amount }).collect()),
        source: "erp",
        document_id: Some(doc.document_id.clone()),
    };
    record_in(tx, ctx, &draft, now).await
}

/// Keeps a refused message for the admin, in a transaction of its own (the message's was
/// rolled back). Losing this record must not hide the refusal from the ERP, so a failure to
/// keep it is only logged.
async fn keep_rejection(
    app: &App,
    kind: DocumentKind,
    key: qudao_domain::ids::ApiKeyId,
    body: &[u8],
    error: &AppError,
) {
    let (code, message) = match error {
        AppError::Invalid(invalid) => (
            invalid.errors.first().map_or("invalid", |e| e.code).to_string(),
            invalid
                .errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}{}",
                        e.field,
                        e.code,
                        e.param.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AppError::Conflict(code) => ((*code).to_string(), format!("conflict: {code}")),
        AppError::NotFound => ("not_found".to_string(), "the object named is not there".to_string()),
        other => ("error".to_string(), other.to_string()),
    };
    let text = String::from_utf8_lossy(body);
    let rejection = erp::Rejection {
        id: RejectionId::new(),
        kind: kind.as_str().to_string(),
        document_id: document_id_of(body).ok(),
        api_key_id: Some(key),
        code,
        message,
        body_excerpt: Some(text.chars().take(500).collect()),
        at_ms: app.now_ms(),
    };
    let kept = async {
        let mut tx = app.db().write(&Scope::system("the ERP's refused messages are kept for the admin")).await?;
        erp::reject(&mut tx, &rejection).await?;
        tx.commit().await
    };
    if let Err(error) = kept.await {
        tracing::warn!(%error, "an ERP refusal was not kept");
    }
}

/// The invoices of a visible order (a partner: of its own orders).
pub async fn order_invoices(app: &App, ctx: &Ctx, order: OrderId) -> AppResult<Vec<InvoiceView>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    orders::get(&mut tx, order).await?.ok_or(AppError::NotFound)?;
    Ok(invoices::for_order(&mut tx, order).await?)
}

/// The ERP's refused messages, newest first (brand administrators).
pub async fn list_rejections(app: &App, ctx: &Ctx, page: &PageRequest) -> AppResult<Page<erp::Rejection>> {
    ctx.require(Permission::IntegrationsManage)?;
    let mut tx = app.read(ctx).await?;
    Ok(erp::rejections(&mut tx, page).await?)
}

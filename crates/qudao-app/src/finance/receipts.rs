//! Recording money a partner paid: by finance with a bank slip, or pushed by the ERP.
//!
//! One transaction per receipt: the partner's accounts are locked first (so two receipts, or a
//! receipt and a cancellation, never settle the same order twice), what each credit order still
//! owes is read, `qudao_domain::finance::plan_receipt` decides the allocation, and one journal
//! entry posts it — cash in, the receivable settled, the remainder to prepaid — with the
//! receipt, its allocations, the audit row and the `receipt.recorded` event.

use qudao_domain::access::Permission;
use qudao_domain::accounts::{AccountKind, Posting};
use qudao_domain::finance::{Allocation, plan_receipt};
use qudao_domain::ids::{FileId, OrderId, PartnerId, ReceiptId};
use qudao_domain::integration::EventType;
use qudao_domain::money::{Currency, Money};
use qudao_domain::{FieldError, Invalid, dates, docnum, text};
use qudao_store::files::{self, FileRecord, Purpose};
use qudao_store::finance::receipts::{self, NewReceipt, ReceiptView};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{Tx, accounts, audit, counters, partners};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::{Movement, Refused, overdraft_error, post};
use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::integration::events;
use crate::{App, AppError, AppResult, Ctx};

/// The ways money arrives.
pub const METHODS: [&str; 5] = ["transfer", "cash", "cheque", "acceptance", "online"];

/// A receipt as finance records it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// Amount in yuan as typed (`12,345.60`).
    pub amount: String,
    /// `transfer` (default), `cash`, `cheque`, `acceptance` (承兑汇票) or `online`.
    #[serde(default)]
    pub method: Option<String>,
    /// The day the money arrived (`2026-11-29`); today when left out.
    #[serde(default)]
    pub received_date: Option<String>,
    /// The bank slip, uploaded first.
    #[serde(default)]
    pub proof_file_id: Option<FileId>,
    /// A note.
    #[serde(default)]
    pub memo: Option<String>,
    /// Orders to settle by hand; oldest due first when left out.
    #[serde(default)]
    pub allocations: Option<Vec<AllocationInput>>,
}

/// An order a receipt settles by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    /// The order.
    pub order_id: OrderId,
    /// Amount in yuan.
    pub amount: String,
}

/// A receipt ready to post, checked.
#[derive(Debug, Clone)]
pub(crate) struct ReceiptDraft {
    pub partner: PartnerId,
    pub amount: i64,
    pub currency: Currency,
    pub method: String,
    pub received_date: i64,
    pub proof: Option<FileId>,
    pub memo: Option<String>,
    pub by_hand: Option<Vec<Allocation>>,
    pub source: &'static str,
    pub document_id: Option<String>,
}

/// Records a receipt from `partner` (finance).
pub async fn record_receipt(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    input: &ReceiptInput,
    idem: Option<&IdemKey>,
) -> AppResult<ReceiptView> {
    record_receipt_with_proof(app, ctx, partner, input, None, idem).await
}

/// Records a receipt with its bank slip uploaded in the same step (the console's form): the
/// picture is checked and stored first, then its record and the receipt are written in one
/// transaction, so a refused receipt leaves no proof behind in the database.
pub async fn record_receipt_with_proof(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    input: &ReceiptInput,
    proof: Option<(&str, Vec<u8>)>,
    idem: Option<&IdemKey>,
) -> AppResult<ReceiptView> {
    ctx.require(Permission::FinanceManage)?;
    let now = app.now_ms();
    let mut draft = draft_of(partner, input, now)?;
    let record = match proof {
        Some((filename, bytes)) => {
            {
                let mut tx = app.read(ctx).await?;
                partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
            }
            let purpose = Purpose::ReceiptProof;
            Some(crate::files::store_picture(app, ctx, "receipts", purpose, Some(partner), filename, bytes).await?)
        }
        None => None,
    };
    let mut tx = app.write(ctx).await?;
    if let Some(record) = &record {
        files::insert(&mut tx, record).await?;
        draft.proof = Some(record.id);
    }
    let view = record_in(&mut tx, ctx, &draft, now).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    app.outbox_written();
    Ok(view)
}

/// A receipt's fields checked, every bad one reported.
fn draft_of(partner: PartnerId, input: &ReceiptInput, now: i64) -> AppResult<ReceiptDraft> {
    let mut invalid = Invalid::new();
    let amount = invalid.check(Money::parse_major("amount", &input.amount, Currency::CNY));
    let method = invalid.check(method_of(input.method.as_deref()));
    let received_date = match input.received_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(date) => invalid.check(dates::parse_date("received_date", date)).map(i64::from),
        None => Some(i64::from(china_date(now))),
    };
    let memo = invalid.check(text::optional("memo", input.memo.as_deref(), 200));
    let by_hand = input.allocations.as_ref().map(|list| {
        list.iter()
            .enumerate()
            .filter_map(|(index, a)| {
                let field = format!("allocations[{index}].amount");
                invalid
                    .check(Money::parse_major(&field, &a.amount, Currency::CNY))
                    .map(|m| Allocation { order: a.order_id, amount: m.minor })
            })
            .collect::<Vec<_>>()
    });
    invalid.into_result()?;
    let (Some(amount), Some(method), Some(received_date), Some(memo)) = (amount, method, received_date, memo) else {
        return Err(AppError::Internal("checked receipt fields".into()));
    };
    Ok(ReceiptDraft {
        partner,
        amount: amount.minor,
        currency: amount.currency,
        method,
        received_date,
        proof: input.proof_file_id,
        memo,
        by_hand,
        source: "manual",
        document_id: None,
    })
}

/// Stores the proof of a receipt (a photo or scan of the bank slip) for a visible partner, before
/// the receipt is recorded with its id. Same checks as every picture upload.
pub async fn upload_receipt_proof(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    filename: &str,
    bytes: Vec<u8>,
    idem: Option<&IdemKey>,
) -> AppResult<FileRecord> {
    ctx.require(Permission::FinanceManage)?;
    {
        let mut tx = app.read(ctx).await?;
        partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    }
    let record =
        crate::files::store_picture(app, ctx, "receipts", Purpose::ReceiptProof, Some(partner), filename, bytes)
            .await?;
    let mut tx = app.write(ctx).await?;
    files::insert(&mut tx, &record).await?;
    let now = record.created_ms;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "file", record.id, "create", Some(partner), None, Some(&record)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &record).await?;
    tx.commit().await?;
    Ok(record)
}

/// Checks that a receipt's proof is a proof uploaded for this partner (a picture of another
/// partner's slip, or a catalog image, is not).
async fn check_proof(tx: &mut Tx, partner: PartnerId, proof: FileId) -> AppResult<()> {
    let file = files::get(tx, proof).await?;
    let fits = file.is_some_and(|f| f.partner_id == Some(partner) && f.purpose == Purpose::ReceiptProof.as_str());
    if fits { Ok(()) } else { Err(AppError::field("proof_file_id", "not_a_proof_of_partner")) }
}

/// The method named, or `transfer`.
pub(crate) fn method_of(method: Option<&str>) -> Result<String, FieldError> {
    match method.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok("transfer".into()),
        Some(m) if METHODS.contains(&m) => Ok(m.to_string()),
        Some(_) => Err(FieldError::with_param("method", "not_one_of", METHODS.join(", "))),
    }
}

/// Posts a checked receipt in the caller's transaction (finance's, or the ERP's with its
/// document).
pub(crate) async fn record_in(tx: &mut Tx, ctx: &Ctx, draft: &ReceiptDraft, now: i64) -> AppResult<ReceiptView> {
    if draft.currency != Currency::CNY {
        return Err(AppError::field("currency", "unsupported_currency"));
    }
    partners::get(tx, draft.partner).await?.ok_or(AppError::NotFound)?;
    if let Some(proof) = draft.proof {
        check_proof(tx, draft.partner, proof).await?;
    }
    // The partner's accounts first: a cancellation or another receipt for the same partner
    // waits, so what the orders owe cannot change under the allocation.
    accounts::ensure_partner_accounts(tx, draft.partner, draft.currency.code(), now).await?;
    accounts::hold(tx, &[draft.partner]).await?;
    let terms_days = super::default_terms_days(tx).await?;
    let open = receipts::open_orders(tx, draft.partner, terms_days).await?;
    let plan = plan_receipt(draft.amount, &open, draft.by_hand.as_deref()).map_err(Invalid::from)?;
    let id = ReceiptId::new();
    let mut postings = vec![Posting { account: AccountKind::Cash, amount: draft.amount }];
    if plan.allocated() > 0 {
        postings.push(Posting { account: AccountKind::Receivable, amount: -plan.allocated() });
    }
    if plan.prepaid > 0 {
        postings.push(Posting { account: AccountKind::Prepaid, amount: -plan.prepaid });
    }
    let movement = Movement {
        partner: draft.partner,
        template: "receipt",
        currency: draft.currency,
        postings,
        reference: Some(("receipt", id.to_string())),
        memo: draft.memo.as_deref(),
        at_ms: now,
    };
    let entry_id = match post(tx, ctx, &movement).await {
        Ok(entry) => entry,
        Err(Refused::Overdraft(kind)) => return Err(overdraft_error("amount", kind)),
        Err(Refused::Failed(error)) => return Err(error),
    };
    let date = china_date(now);
    let number = docnum::format("RC", date, counters::next(tx, &format!("receipt:{date}")).await?);
    receipts::insert(
        tx,
        &NewReceipt {
            id,
            number: &number,
            partner_id: draft.partner,
            amount: draft.amount,
            currency: draft.currency.code(),
            source: draft.source,
            document_id: draft.document_id.as_deref(),
            method: &draft.method,
            received_date: draft.received_date,
            proof_file_id: draft.proof,
            memo: draft.memo.as_deref(),
            entry_id,
            created_by: Some(ctx.caller().user_id()),
            at_ms: now,
            allocations: &plan.allocations,
        },
    )
    .await
    .map_err(|e| AppError::duplicate_as_field(e, &["document_id"]))?;
    let view = receipts::get(tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(tx, &ctx.audit::<(), _>(now, "receipt", id, "create", Some(draft.partner), None, Some(&view)))
        .await?;
    let data = serde_json::json!({ "receipt": view });
    let event = events::event(EventType::ReceiptRecorded, Some(draft.partner), "receipt", id, &data, now)?;
    events::emit(tx, &[event]).await?;
    Ok(view)
}

/// A visible receipt.
pub async fn get_receipt(app: &App, ctx: &Ctx, id: ReceiptId) -> AppResult<ReceiptView> {
    ctx.require(Permission::AccountsRead)?;
    let mut tx = app.read(ctx).await?;
    receipts::get(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// Visible receipts, newest first, for one partner or all.
pub async fn list_receipts(
    app: &App,
    ctx: &Ctx,
    partner: Option<PartnerId>,
    page: &PageRequest,
) -> AppResult<Page<ReceiptView>> {
    ctx.require(Permission::AccountsRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(receipts::list(&mut tx, partner, page).await?)
}

//! Checkout: an order is checked and priced in the caller's scope, then handed to the desk,
//! which reserves stock, takes payment and writes it in a batch with others.

use qudao_domain::access::Permission;
use qudao_domain::ids::{AddressId, OrderId, PartnerId, SkuId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::orders::{OrderStatus, PaymentMethod, PaymentStatus, order_postings, review, split_payment};
use qudao_domain::partners::{AddressKind, PartnerStatus};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::orders::{NewLine, NewOrder, OrderLineView, OrderSummary, OrderView};
use qudao_store::partners::contacts::AddressView;
use qudao_store::partners::{self, PartnerView};
use qudao_store::{Tx, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::approval::{OrderShape, plan_for};
use super::desk::{Outcome, Prepared};
use super::snapshot::{PartnerFacts, Snapshot};
use crate::clock::china_date;
use crate::idempotency::{Claimed, IdemRequest};
use crate::pricing::{
    LineRequest, Quote, QuotedItem, Reads, line_codes, quote, quote_with_entries, resolve_found, resolve_lines,
};
use crate::{App, AppError, AppResult, Ctx};

/// An order as a partner places it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// The lines: SKU code, quantity and optionally the unit.
    pub lines: Vec<LineRequest>,
    /// `credit`, `prepaid` or `transfer`.
    pub payment: String,
    /// Rebate to use, yuan (`"120.00"`), up to the brand's share of the order.
    #[serde(default)]
    pub rebate: Option<String>,
    /// The delivery address; the partner's default shipping address when absent.
    #[serde(default)]
    pub address_id: Option<AddressId>,
    /// Requested delivery date, `2026-12-01`.
    #[serde(default)]
    pub requested_date: Option<String>,
    /// A remark for the brand.
    #[serde(default)]
    pub remark: Option<String>,
}

/// The result of placing an order.
#[derive(Debug)]
pub enum Placed {
    /// A new order.
    New(Box<OrderView>),
    /// The same request was already answered; send this again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Body.
        body: String,
    },
}

/// The parsed, checked header of an order request.
pub(super) struct Header {
    /// How it is paid.
    pub method: PaymentMethod,
    /// Rebate wanted, fen.
    pub rebate: i64,
    /// Requested delivery date, yyyymmdd.
    pub requested_date: Option<u32>,
    /// The remark.
    pub remark: Option<String>,
}

/// Checks an order request's header (payment, rebate, date, remark).
pub(super) fn parse_header(request: &OrderRequest, today: u32) -> AppResult<Header> {
    let mut invalid = Invalid::new();
    let method = invalid.check(PaymentMethod::parse("payment", &request.payment));
    let rebate = match request.rebate.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => Some(0),
        Some(text) => invalid.check(Money::parse_major("rebate", text, Currency::CNY)).map(|m| m.minor),
    };
    if rebate.is_some_and(|r| r < 0) {
        invalid.push(FieldError::new("rebate", "must_not_be_negative"));
    }
    let requested_date = match request.requested_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(text) => match qudao_domain::dates::parse_date("requested_date", text) {
            Ok(date) if date < today => {
                invalid.push(FieldError::new("requested_date", "date_in_past"));
                None
            }
            Ok(date) => Some(date),
            Err(error) => {
                invalid.push(error);
                None
            }
        },
    };
    let remark = match request.remark.as_deref() {
        None => None,
        Some(r) => invalid.check(text::optional_multiline("remark", Some(r), 500)).flatten(),
    };
    invalid.into_result()?;
    match (method, rebate) {
        (Some(method), Some(rebate)) => Ok(Header { method, rebate, requested_date, remark }),
        _ => Err(AppError::Internal("checked header lost a field".into())),
    }
}

/// Finds the delivery address: the one named, or the partner's default shipping address.
pub(super) async fn address_json(
    tx: &mut Tx,
    partner: &PartnerView,
    wanted: Option<AddressId>,
) -> AppResult<Option<String>> {
    let addresses = partners::contacts::addresses_of(tx, partner.id).await?;
    choose_address(&addresses, wanted)
}

/// The address named, or the default shipping one, as the order keeps it (JSON).
fn choose_address(addresses: &[AddressView], wanted: Option<AddressId>) -> AppResult<Option<String>> {
    let chosen = match wanted {
        Some(id) => Some(
            addresses.iter().find(|a| a.id == id).ok_or_else(|| AppError::field("address_id", "unknown_address"))?,
        ),
        None => addresses.iter().filter(|a| a.kind == AddressKind::Shipping).max_by_key(|a| a.is_default),
    };
    Ok(chosen.and_then(|a| serde_json::to_string(a).ok()))
}

/// Quotes an order without placing it: the checkout page's summary.
pub async fn preview_order(app: &App, ctx: &Ctx, lines: &[LineRequest]) -> AppResult<Quote> {
    ctx.require(Permission::OrdersPlace)?;
    let partner_id = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let mut tx = app.read(ctx).await?;
    let partner = partners::get(&mut tx, partner_id).await?.ok_or(AppError::NotFound)?;
    let items = resolve_lines(&mut tx, lines).await?;
    let settings = settings::snapshot(&mut tx).await?;
    quote(app, &mut tx, &partner, &items, china_date(app.now_ms()), false, &settings).await
}

/// The caller's own price of each SKU named, one base unit each, with its explanation: the
/// catalog's "your price" column. Each SKU is priced alone, so one SKU's price never depends on
/// which others share the page. Quantity rules are not applied (one unit is a price, not an
/// order); unknown or inactive codes are left out.
pub async fn sku_prices(app: &App, ctx: &Ctx, codes: &[String]) -> AppResult<Vec<crate::pricing::QuotedLine>> {
    ctx.require(Permission::OrdersPlace)?;
    let partner_id = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let mut tx = app.read(ctx).await?;
    let partner = partners::get(&mut tx, partner_id).await?.ok_or(AppError::NotFound)?;
    let codes: Vec<String> = codes.iter().map(|c| c.trim().to_uppercase()).collect();
    let found = qudao_store::catalog::sellable(&mut tx, qudao_store::catalog::SkuKeys::Codes(&codes)).await?;
    let mut items: Vec<crate::pricing::QuotedItem> = found
        .into_values()
        .filter(|s| s.active)
        .filter_map(|sellable| {
            let unit = sellable.units.first()?.code.clone();
            Some(crate::pricing::QuotedItem {
                sellable,
                unit_code: unit,
                unit_factor: 1,
                quantity: 1,
                base_quantity: 1,
            })
        })
        .collect();
    items.sort_by(|a, b| a.sellable.code.cmp(&b.sellable.code));
    let settings = settings::snapshot(&mut tx).await?;
    let today = china_date(app.now_ms());
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let priced = quote(app, &mut tx, &partner, std::slice::from_ref(&item), today, false, &settings).await?;
        lines.extend(priced.lines.into_iter().filter(|l| !l.gift));
    }
    Ok(lines)
}

/// Places an order for the caller's company: checks and prices it, then waits until the desk has
/// committed it (stock reserved, payment posted) or refused it. The idempotency key is looked up
/// in the pricing transaction and recorded by the desk with the order, so a repeated request gets
/// the first answer again and never a second order.
///
/// Pricing reads the ordering snapshot (see `snapshot`); when the desk finds the snapshot was
/// outdated, the order is priced again from fresh data, a few times at most.
pub async fn place_order(app: &App, ctx: &Ctx, request: &OrderRequest, idem: Option<IdemRequest>) -> AppResult<Placed> {
    ctx.require(Permission::OrdersPlace)?;
    let partner_id = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let now = app.now_ms();
    let header = parse_header(request, china_date(now))?;
    if header.method == PaymentMethod::Online && !app.payments().any() {
        return Err(AppError::field("payment", "online_payment_unavailable"));
    }
    for _ in 0..PRICING_ATTEMPTS {
        let snapshot = app.ordering_cache().snapshot(app).await?;
        let prepared = match prepare(app, ctx, &snapshot, partner_id, request, &header, idem.clone(), now).await? {
            Prepare::Ready(prepared) => prepared,
            Prepare::Replay { status, body } => return Ok(Placed::Replay { status, body }),
        };
        match app.desk().submit(*prepared).await? {
            Outcome::Placed(view) => return Ok(Placed::New(view)),
            Outcome::Replay { status, body } => return Ok(Placed::Replay { status, body }),
            Outcome::Stale => app.ordering_cache().forget(snapshot.version),
        }
    }
    Err(AppError::Conflict("prices_changed"))
}

/// How often an order is priced again because prices, the catalog or the partner changed
/// while it was being placed.
const PRICING_ATTEMPTS: usize = 3;

enum Prepare {
    Ready(Box<Prepared>),
    Replay { status: u16, body: String },
}

/// Checks and prices an order from `snapshot`. Nothing is read from the database unless the
/// snapshot lacks something or the cart needs promotion usage or gift SKUs; the idempotency key
/// is looked up by the desk (or here, for an order refused before it gets there).
#[expect(clippy::too_many_arguments, reason = "one order's parts, each already checked by the caller")]
async fn prepare(
    app: &App,
    ctx: &Ctx,
    snapshot: &Snapshot,
    partner_id: PartnerId,
    request: &OrderRequest,
    header: &Header,
    idem: Option<IdemRequest>,
    now: i64,
) -> AppResult<Prepare> {
    let today = china_date(now);
    let facts = snapshot.partner(app, ctx, partner_id).await?;
    let partner = &facts.partner;
    let (items, address) = match check(app, snapshot, &facts, request).await? {
        Ok(checked) => checked,
        Err(error) => return refused(app, ctx, idem.as_ref(), now, error).await,
    };
    if let Some(hold) = crate::finance::credit::hold_of(app, ctx, partner_id, &snapshot.settings, now).await? {
        return refused(app, ctx, idem.as_ref(), now, crate::finance::credit::hold_error(hold)).await;
    }
    let skus: Vec<SkuId> = items.iter().map(|i| i.sellable.sku_id).collect();
    let prices = snapshot.prices(app, &skus).await?;
    let settings = &snapshot.settings;
    let mut reads = Reads::Lazy { app, ctx, tx: None };
    let quoted =
        match quote_with_entries(app, &mut reads, partner, &items, today, settings, (&prices.0, &prices.1)).await {
            Ok(quoted) => quoted,
            Err(error) => return refused(app, ctx, idem.as_ref(), now, error).await,
        };
    drop(reads);
    let share = settings.number(settings::REBATE_MAX_SHARE_BP).unwrap_or(0);
    let shape = OrderShape {
        partner,
        total: quoted.total,
        gross: quoted.gross,
        discount: quoted.discount,
        categories: items.iter().flat_map(|i| i.sellable.categories.iter().copied()).collect(),
    };
    let approval = plan_for(&snapshot.flows, &snapshot.categories, &shape, ctx.caller().user_id());

    let split = match split_payment(quoted.total, header.method, header.rebate, share) {
        Ok(split) => split,
        Err(error) => return refused(app, ctx, idem.as_ref(), now, error.into()).await,
    };
    let review_reason = review(header.method, approval.is_some());
    let status = if review_reason.is_none() { OrderStatus::Approved } else { OrderStatus::Submitted };
    let payment_status = match header.method {
        PaymentMethod::Transfer => PaymentStatus::AwaitingTransfer,
        PaymentMethod::Online => PaymentStatus::AwaitingPayment,
        PaymentMethod::Credit | PaymentMethod::Prepaid => PaymentStatus::Paid,
    };
    let id = OrderId::new();
    let lines = new_lines(&quoted);
    let order = NewOrder {
        id,
        number: String::new(),
        partner_id,
        status: status.as_str(),
        payment: header.method.as_str(),
        payment_status: payment_status.as_str(),
        currency: quoted.currency.clone(),
        gross: quoted.gross,
        discount: quoted.discount,
        total: quoted.total,
        split,
        address_json: address,
        requested_date: header.requested_date.map(i64::from),
        remark: header.remark.clone(),
        review_reason: review_reason.map(|r| r.as_str()),
        pricing_date: i64::from(today),
        placed_by: Some(ctx.caller().user_id()),
        placed_ms: now,
        approved_ms: review_reason.is_none().then_some(now),
        lines,
        reservations: Vec::new(),
        promotion_usage: quoted.consumed.iter().map(|(id, amount, _)| (*id, *amount)).collect(),
    };
    let view = view_of(&order, partner);
    Ok(Prepare::Ready(Box::new(Prepared {
        demands: order.lines.iter().map(|l| (l.line_no, l.sku_id, l.base_quantity, l.sku_code.clone())).collect(),
        postings: order_postings(&split, false),
        limits: quoted.consumed.clone(),
        audit: ctx.audit::<(), ()>(now, "order", id, "place", Some(partner_id), None, None),
        idem,
        version: Some(snapshot.version),
        approval,
        order,
        view,
    })))
}

/// The order's lines checked against the catalog and its address chosen; the inner error is
/// the refusal to give the partner, the outer one a failure to read.
async fn check(
    app: &App,
    snapshot: &Snapshot,
    facts: &PartnerFacts,
    request: &OrderRequest,
) -> AppResult<AppResult<(Vec<QuotedItem>, Option<String>)>> {
    if facts.partner.status != PartnerStatus::Active {
        return Ok(Err(AppError::Conflict("partner_not_active")));
    }
    let codes = match line_codes(&request.lines) {
        Ok(codes) => codes,
        Err(error) => return Ok(Err(error)),
    };
    let found = snapshot.sellables(app, &codes).await?;
    Ok(resolve_found(&request.lines, &codes, found.iter())
        .and_then(|items| Ok((items, choose_address(&facts.addresses, request.address_id)?))))
}

/// An order refused before the desk. A retried request still gets its first answer (the desk
/// looks keys up for the orders that reach it; this one does not), so the key is looked up
/// before the refusal is returned.
async fn refused(app: &App, ctx: &Ctx, idem: Option<&IdemRequest>, now: i64, error: AppError) -> AppResult<Prepare> {
    let Some(idem) = idem else { return Err(error) };
    let mut tx = app.read(ctx).await?;
    match idem.lookup_in(&mut tx, now).await? {
        Some(Claimed::Replay { status, body }) => Ok(Prepare::Replay { status, body }),
        Some(Claimed::Mismatch) => Err(AppError::Conflict("idempotency_key_mismatch")),
        None | Some(Claimed::Proceed(_)) | Some(Claimed::InFlight) => Err(error),
    }
}

/// The lines to write for a priced cart, numbered from 1.
pub(super) fn new_lines(quoted: &Quote) -> Vec<NewLine> {
    quoted
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| NewLine {
            line_no: index as i64 + 1,
            sku_id: line.sku_id,
            sku_code: line.sku.clone(),
            name_zh: line.name_zh.clone(),
            name_en: line.name_en.clone(),
            unit_code: line.unit.clone(),
            unit_factor: line.unit_factor,
            quantity: line.quantity,
            base_quantity: line.base_quantity,
            list_price: line.list_price,
            gross: line.gross,
            net: line.net,
            gift: line.gift,
            explanation_json: serde_json::to_string(&line.explanation).unwrap_or_else(|_| "null".into()),
        })
        .collect()
}

/// The order as the API returns it, built from what is written.
pub(super) fn view_of(order: &NewOrder, partner: &PartnerView) -> OrderView {
    OrderView {
        summary: OrderSummary {
            id: order.id,
            number: order.number.clone(),
            partner_id: order.partner_id,
            partner_code: partner.code.clone(),
            partner_name: partner.name.clone(),
            status: order.status.to_string(),
            payment: order.payment.to_string(),
            payment_status: order.payment_status.to_string(),
            currency: order.currency.clone(),
            total: order.total,
            review_reason: order.review_reason.map(str::to_string),
            placed_ms: order.placed_ms,
        },
        gross: order.gross,
        discount: order.discount,
        paid: order.split,
        refunded: 0,
        address: order.address_json.as_deref().and_then(|a| serde_json::from_str(a).ok()),
        requested_date: order.requested_date,
        remark: order.remark.clone(),
        receipt_file_id: None,
        placed_by: order.placed_by,
        approved_ms: order.approved_ms,
        shipped_ms: None,
        received_ms: None,
        closed_ms: None,
        version: 1,
        lines: order
            .lines
            .iter()
            .map(|l| OrderLineView {
                line_no: l.line_no,
                sku_id: l.sku_id,
                sku: l.sku_code.clone(),
                name_zh: l.name_zh.clone(),
                name_en: l.name_en.clone(),
                unit: l.unit_code.clone(),
                unit_factor: l.unit_factor,
                quantity: l.quantity,
                base_quantity: l.base_quantity,
                list_price: l.list_price,
                gross: l.gross,
                net: l.net,
                gift: l.gift,
                shipped: 0,
                returned: 0,
                explanation: serde_json::from_str(&l.explanation_json).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    }
}

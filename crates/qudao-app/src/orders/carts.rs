//! The cart a partner's users share, quick order by SKU code, reorder, saved lists (常购清单),
//! order import from a sheet, and checkout from the cart.
//!
//! The cart holds what people chose, not prices: every read prices it afresh, so it always shows
//! today's prices, explanations and nudges. Quantity rules (minimum, multiple) are checked when
//! the cart is priced and shown against the line, so a cart can be fixed rather than refused.

use std::collections::HashMap;

use qudao_domain::access::Permission;
use qudao_domain::ids::{OrderId, PartnerId, SavedListId};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::catalog::{self, Sellable, SkuKeys};
use qudao_store::orders::{self as store, CartEntry, CartLine, SavedListSummary, SavedListView};
use qudao_store::{Tx, audit, partners, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checkout::{OrderRequest, Placed, place_order};
use crate::clock::china_date;
use crate::idempotency::{self, Claimed, IdemKey, IdemRequest};
use crate::partners::RowProblem;
use crate::pricing::{LineRequest, Quote, quote, resolve_lines};
use crate::sheets::read_sheet;
use crate::{App, AppError, AppResult, Ctx};

/// The most lines a cart or saved list holds.
pub const MAX_CART_LINES: usize = 500;

/// The cart as the portal shows it: what is in it, priced now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartView {
    /// What the partner's users put in, oldest first.
    pub lines: Vec<CartLine>,
    /// The cart priced for the partner today, with explanations and nudges; absent when it is
    /// empty or a line cannot be ordered as it stands (see `problems`).
    pub quote: Option<Quote>,
    /// Why the cart cannot be ordered as it stands: `lines[i].quantity` refers to `lines[i]`.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<FieldError>,
}

/// How cart lines are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CartMode {
    /// Quantities add to what is there (quick order, "add to cart").
    #[default]
    Add,
    /// Quantities replace what is there; 0 removes the line (editing the cart).
    Set,
}

/// Lines to put in the cart.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartChange {
    /// SKU code, quantity and optionally the unit of each line.
    pub lines: Vec<LineRequest>,
    /// `add` (default) or `set`.
    #[serde(default)]
    pub mode: CartMode,
}

/// Checkout from the cart: the order's header; the lines are the cart's.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// `credit`, `prepaid` or `transfer`.
    pub payment: String,
    /// Rebate to use, yuan.
    #[serde(default)]
    pub rebate: Option<String>,
    /// The delivery address; the default shipping address when absent.
    #[serde(default)]
    pub address_id: Option<qudao_domain::ids::AddressId>,
    /// Requested delivery date, `2026-12-01`.
    #[serde(default)]
    pub requested_date: Option<String>,
    /// A remark for the brand.
    #[serde(default)]
    pub remark: Option<String>,
}

/// A new saved list: the lines given, or the cart's when there are none.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedListRequest {
    /// Its name, unique per partner.
    pub name: String,
    /// The lines; the cart's when absent.
    #[serde(default)]
    pub lines: Option<Vec<LineRequest>>,
}

/// What reorder or a saved list put in the cart, and what it had to leave out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refilled {
    /// The cart afterwards.
    pub cart: CartView,
    /// SKU codes no longer orderable, left out.
    pub skipped: Vec<String>,
}

/// The row-by-row outcome of an order sheet import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Lines added to the cart (0 whenever a row is bad: nothing is added then).
    pub added: usize,
    /// The bad rows.
    pub problems: Vec<RowProblem>,
    /// The cart afterwards.
    pub cart: Option<CartView>,
}

fn partner_of(ctx: &Ctx) -> AppResult<PartnerId> {
    ctx.require(Permission::OrdersPlace)?;
    ctx.caller().partner_id().ok_or(AppError::Forbidden)
}

/// The partner's cart, priced for it today.
pub async fn get_cart(app: &App, ctx: &Ctx) -> AppResult<CartView> {
    let partner = partner_of(ctx)?;
    let mut tx = app.read(ctx).await?;
    cart_view(app, &mut tx, partner).await
}

async fn cart_view(app: &App, tx: &mut Tx, partner_id: PartnerId) -> AppResult<CartView> {
    let lines = store::cart(tx, partner_id).await?;
    if lines.is_empty() {
        return Ok(CartView { lines, quote: None, problems: Vec::new() });
    }
    let requests: Vec<LineRequest> = lines.iter().map(request_of).collect();
    let items = match resolve_lines(tx, &requests).await {
        Ok(items) => items,
        Err(AppError::Invalid(invalid)) => return Ok(CartView { lines, quote: None, problems: invalid.errors }),
        Err(other) => return Err(other),
    };
    let partner = partners::get(tx, partner_id).await?.ok_or(AppError::NotFound)?;
    let settings = settings::snapshot(tx).await?;
    let quoted = quote(app, tx, &partner, &items, china_date(app.now_ms()), false, &settings).await?;
    Ok(CartView { lines, quote: Some(quoted), problems: Vec::new() })
}

fn request_of(line: &CartLine) -> LineRequest {
    LineRequest { sku: line.sku.clone(), quantity: line.quantity, unit: Some(line.unit.clone()) }
}

/// Checks lines for the cart: known, orderable SKUs in their own units, sensible quantities
/// (0 only when setting). Minimum and multiple wait for pricing, which shows them on the line.
async fn entries_for(tx: &mut Tx, lines: &[LineRequest], mode: CartMode) -> AppResult<Vec<CartEntry>> {
    let mut invalid = Invalid::new();
    if lines.is_empty() {
        return Err(AppError::field("lines", "required"));
    }
    if lines.len() > MAX_CART_LINES {
        return Err(AppError::field("lines", "too_many_lines"));
    }
    let codes: Vec<String> = lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
    let found = catalog::sellable(tx, SkuKeys::Codes(&codes)).await?;
    let by_code: HashMap<&str, &Sellable> = found.values().map(|s| (s.code.as_str(), s)).collect();
    let mut entries: Vec<CartEntry> = Vec::with_capacity(lines.len());
    for (index, (line, code)) in lines.iter().zip(&codes).enumerate() {
        let Some(sellable) = by_code.get(code.as_str()).filter(|s| s.active) else {
            invalid.push(FieldError::with_param(format!("lines[{index}].sku"), "unknown_sku", code));
            continue;
        };
        let Some(unit) = sellable.unit(line.unit.as_deref().map(str::trim).filter(|u| !u.is_empty())) else {
            invalid.push(FieldError::new(format!("lines[{index}].unit"), "unknown_unit"));
            continue;
        };
        let smallest = if mode == CartMode::Set { 0 } else { 1 };
        if line.quantity < smallest || line.quantity.saturating_mul(unit.factor) > 10_000_000 {
            invalid.push(FieldError::new(format!("lines[{index}].quantity"), "invalid_quantity"));
            continue;
        }
        match entries.iter_mut().find(|e| e.sku == sellable.sku_id) {
            Some(same) if same.unit == unit.id && mode == CartMode::Add => same.quantity += line.quantity,
            Some(_) => invalid.push(FieldError::with_param(format!("lines[{index}].sku"), "duplicate_line", code)),
            None => entries.push(CartEntry { sku: sellable.sku_id, unit: unit.id, quantity: line.quantity }),
        }
    }
    invalid.into_result()?;
    Ok(entries)
}

async fn check_size(tx: &mut Tx, partner: PartnerId) -> AppResult<()> {
    if store::cart(tx, partner).await?.len() > MAX_CART_LINES {
        return Err(AppError::field("lines", "too_many_lines"));
    }
    Ok(())
}

/// Puts lines in the cart (quick order, "add to cart", editing quantities).
pub async fn change_cart(app: &App, ctx: &Ctx, change: &CartChange) -> AppResult<CartView> {
    let partner = partner_of(ctx)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let entries = entries_for(&mut tx, &change.lines, change.mode).await?;
    let by = ctx.caller().user_id();
    match change.mode {
        CartMode::Add => store::add_to_cart(&mut tx, partner, &entries, by, now).await?,
        CartMode::Set => store::set_in_cart(&mut tx, partner, &entries, by, now).await?,
    }
    check_size(&mut tx, partner).await?;
    let action = if change.mode == CartMode::Add { "cart_add" } else { "cart_set" };
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "cart", partner, action, Some(partner), None, Some(&change.lines)))
        .await?;
    let view = cart_view(app, &mut tx, partner).await?;
    tx.commit().await?;
    Ok(view)
}

/// Empties the cart.
pub async fn clear_cart(app: &App, ctx: &Ctx) -> AppResult<CartView> {
    let partner = partner_of(ctx)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let removed = store::clear_cart(&mut tx, partner).await?;
    let record = serde_json::json!({ "removed": removed });
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "cart", partner, "cart_clear", Some(partner), None, Some(&record)))
        .await?;
    tx.commit().await?;
    Ok(CartView { lines: Vec::new(), quote: None, problems: Vec::new() })
}

/// Adds lines that may no longer all be orderable (an old order, an old list): the orderable
/// ones go in, the others are named.
async fn refill(
    app: &App,
    ctx: &Ctx,
    tx: &mut Tx,
    partner: PartnerId,
    lines: &[CartLine],
    action: &'static str,
    object: String,
) -> AppResult<Refilled> {
    let ids: Vec<_> = lines.iter().map(|l| l.sku_id).collect();
    let found = catalog::sellable(tx, SkuKeys::Ids(&ids)).await?;
    let mut skipped = Vec::new();
    let mut entries: Vec<CartEntry> = Vec::new();
    for line in lines {
        let unit = found.get(&line.sku_id).filter(|s| s.active).and_then(|s| s.unit(Some(&line.unit)));
        match unit {
            Some(unit) => match entries.iter_mut().find(|e| e.sku == line.sku_id && e.unit == unit.id) {
                Some(same) => same.quantity += line.quantity,
                None => entries.push(CartEntry { sku: line.sku_id, unit: unit.id, quantity: line.quantity }),
            },
            None => skipped.push(line.sku.clone()),
        }
    }
    if entries.is_empty() {
        return Err(AppError::field("lines", "nothing_orderable"));
    }
    let now = app.now_ms();
    store::add_to_cart(tx, partner, &entries, ctx.caller().user_id(), now).await?;
    check_size(tx, partner).await?;
    let record = serde_json::json!({ "from": object, "lines": entries.len(), "skipped": skipped });
    audit::insert(tx, &ctx.audit::<(), _>(now, "cart", partner, action, Some(partner), None, Some(&record))).await?;
    let cart = cart_view(app, tx, partner).await?;
    Ok(Refilled { cart, skipped })
}

/// Reorder: puts an earlier order's lines (not its gifts) in the cart again, at today's prices.
pub async fn reorder(app: &App, ctx: &Ctx, order: OrderId) -> AppResult<Refilled> {
    let partner = partner_of(ctx)?;
    let mut tx = app.write(ctx).await?;
    let view = store::get(&mut tx, order).await?.ok_or(AppError::NotFound)?;
    let lines: Vec<CartLine> = view
        .lines
        .iter()
        .filter(|l| !l.gift)
        .map(|l| CartLine {
            sku_id: l.sku_id,
            sku: l.sku.clone(),
            name_zh: l.name_zh.clone(),
            name_en: l.name_en.clone(),
            unit: l.unit.clone(),
            quantity: l.quantity,
            updated_ms: 0,
        })
        .collect();
    let refilled = refill(app, ctx, &mut tx, partner, &lines, "cart_reorder", view.summary.number).await?;
    tx.commit().await?;
    Ok(refilled)
}

/// Orders what is in the cart, then takes what was ordered out of it. A replayed request (same
/// idempotency key) answers as the first did and leaves the cart alone.
pub async fn checkout_cart(
    app: &App,
    ctx: &Ctx,
    request: &CheckoutRequest,
    idem: Option<IdemRequest>,
) -> AppResult<Placed> {
    let partner = partner_of(ctx)?;
    // A retry after success finds the cart emptied by the first attempt: answer it first.
    if let Some(idem) = &idem
        && let Some(Claimed::Replay { status, body }) = idem.lookup(app).await?
    {
        return Ok(Placed::Replay { status, body });
    }
    let lines = {
        let mut tx = app.read(ctx).await?;
        store::cart(&mut tx, partner).await?
    };
    if lines.is_empty() {
        return Err(AppError::field("lines", "cart_empty"));
    }
    let order = OrderRequest {
        lines: lines.iter().map(request_of).collect(),
        payment: request.payment.clone(),
        rebate: request.rebate.clone(),
        address_id: request.address_id,
        requested_date: request.requested_date.clone(),
        remark: request.remark.clone(),
    };
    let placed = place_order(app, ctx, &order, idem).await?;
    if let Placed::New(_) = &placed {
        let mut tx = app.write(ctx).await?;
        let ids: Vec<_> = lines.iter().map(|l| l.sku_id).collect();
        let found = catalog::sellable(&mut tx, SkuKeys::Ids(&ids)).await?;
        let entries: Vec<CartEntry> = lines
            .iter()
            .filter_map(|l| {
                let unit = found.get(&l.sku_id)?.unit(Some(&l.unit))?;
                Some(CartEntry { sku: l.sku_id, unit: unit.id, quantity: l.quantity })
            })
            .collect();
        store::take_from_cart(&mut tx, partner, &entries).await?;
        tx.commit().await?;
    }
    Ok(placed)
}

/// The saved lists the caller may see.
pub async fn list_saved_lists(app: &App, ctx: &Ctx) -> AppResult<Vec<SavedListSummary>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(store::saved_lists(&mut tx).await?)
}

/// One saved list, or 404.
pub async fn get_saved_list(app: &App, ctx: &Ctx, id: SavedListId) -> AppResult<SavedListView> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    store::saved_list(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// Saves a list from the lines given or from the cart.
pub async fn create_saved_list(
    app: &App,
    ctx: &Ctx,
    request: &SavedListRequest,
    idem: Option<&IdemKey>,
) -> AppResult<SavedListView> {
    let partner = partner_of(ctx)?;
    let name = text::required("name", &request.name, 60).map_err(AppError::from)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let entries = match &request.lines {
        Some(lines) => entries_for(&mut tx, lines, CartMode::Add).await?,
        None => {
            let lines = store::cart(&mut tx, partner).await?;
            if lines.is_empty() {
                return Err(AppError::field("lines", "cart_empty"));
            }
            let requests: Vec<LineRequest> = lines.iter().map(request_of).collect();
            entries_for(&mut tx, &requests, CartMode::Add).await?
        }
    };
    let id = SavedListId::new();
    store::insert_saved_list(&mut tx, id, partner, &name, &entries, ctx.caller().user_id(), now)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["name"]))?;
    let view = store::saved_list(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "saved_list", id, "create", Some(partner), None, Some(&view)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Deletes a saved list.
pub async fn delete_saved_list(app: &App, ctx: &Ctx, id: SavedListId) -> AppResult<()> {
    let partner = partner_of(ctx)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let view = store::saved_list(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    store::delete_saved_list(&mut tx, id).await?;
    audit::insert(&mut tx, &ctx.audit::<_, ()>(now, "saved_list", id, "delete", Some(partner), Some(&view), None))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a saved list's lines in the cart.
pub async fn saved_list_to_cart(app: &App, ctx: &Ctx, id: SavedListId) -> AppResult<Refilled> {
    let partner = partner_of(ctx)?;
    let mut tx = app.write(ctx).await?;
    let view = store::saved_list(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let refilled = refill(app, ctx, &mut tx, partner, &view.items, "cart_from_list", view.summary.name).await?;
    tx.commit().await?;
    Ok(refilled)
}

/// Turns `lines[i].field` errors back into the sheet rows the lines came from.
fn rows_of(errors: Vec<FieldError>, numbers: &[usize]) -> Vec<RowProblem> {
    let mut rows: Vec<RowProblem> = Vec::new();
    for error in errors {
        let parsed = error
            .field
            .strip_prefix("lines[")
            .and_then(|rest| rest.split_once("]."))
            .and_then(|(index, field)| Some((index.parse::<usize>().ok()?, field.to_string())));
        let (row, field) = match parsed {
            Some((index, field)) => (numbers.get(index).copied().unwrap_or(1), field),
            None => (1, error.field.clone()),
        };
        let error = FieldError { field, ..error };
        match rows.iter_mut().find(|r| r.row == row) {
            Some(problem) => problem.errors.push(error),
            None => rows.push(RowProblem { row, errors: vec![error] }),
        }
    }
    rows
}

/// The column names an order sheet may use, in Chinese and English.
const SKU_HEADERS: &[&str] = &["sku", "sku code", "code", "sku编码", "商品编码", "编码"];
const QUANTITY_HEADERS: &[&str] = &["quantity", "qty", "数量", "订购数量"];
const UNIT_HEADERS: &[&str] = &["unit", "单位"];

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.trim().to_lowercase().as_str()))
}

/// Reads an order sheet (CSV or XLSX with columns SKU code, quantity and optionally unit) into
/// the cart. Every row is checked; if any is bad, the report names each bad row and nothing is
/// added.
pub async fn import_to_cart(app: &App, ctx: &Ctx, bytes: &[u8]) -> AppResult<CartImportReport> {
    let partner = partner_of(ctx)?;
    if bytes.len() > app.config().max_import_bytes {
        return Err(AppError::TooLarge);
    }
    let sheet = read_sheet(bytes, MAX_CART_LINES)?;
    let (Some(sku_column), Some(quantity_column)) =
        (column(&sheet.header, SKU_HEADERS), column(&sheet.header, QUANTITY_HEADERS))
    else {
        let mut missing = Vec::new();
        if column(&sheet.header, SKU_HEADERS).is_none() {
            missing.push(FieldError::new("sku", "missing_column"));
        }
        if column(&sheet.header, QUANTITY_HEADERS).is_none() {
            missing.push(FieldError::new("quantity", "missing_column"));
        }
        let problems = vec![RowProblem { row: 1, errors: missing }];
        return Ok(CartImportReport { rows: sheet.rows.len(), added: 0, problems, cart: None });
    };
    let unit_column = column(&sheet.header, UNIT_HEADERS);
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let mut numbers = Vec::new();
    for row in &sheet.rows {
        let cell = |index: usize| row.cells.get(index).map(String::as_str).unwrap_or("");
        let mut errors = Vec::new();
        for index in [Some(sku_column), Some(quantity_column), unit_column].into_iter().flatten() {
            if row.formula_columns.contains(&index) {
                errors.push(FieldError::new(sheet.header[index].clone(), "formula_not_allowed"));
            }
        }
        let sku = cell(sku_column);
        if sku.is_empty() {
            errors.push(FieldError::new("sku", "required"));
        }
        let quantity = match cell(quantity_column).parse::<f64>() {
            Ok(q) if q.fract() == 0.0 && (1.0..=10_000_000.0).contains(&q) => q as i64,
            _ => {
                errors.push(FieldError::with_param("quantity", "invalid_quantity", cell(quantity_column)));
                0
            }
        };
        if !errors.is_empty() {
            problems.push(RowProblem { row: row.number, errors });
            continue;
        }
        let unit = unit_column.map(cell).filter(|u| !u.is_empty()).map(str::to_string);
        lines.push(LineRequest { sku: sku.to_string(), quantity, unit });
        numbers.push(row.number);
    }
    if lines.is_empty() && problems.is_empty() {
        problems.push(RowProblem { row: 1, errors: vec![FieldError::new("file", "empty_sheet")] });
    }
    let mut tx = app.write(ctx).await?;
    let mut entries = Vec::new();
    if !lines.is_empty() {
        match entries_for(&mut tx, &lines, CartMode::Add).await {
            Ok(found) => entries = found,
            Err(AppError::Invalid(invalid)) => problems.extend(rows_of(invalid.errors, &numbers)),
            Err(other) => return Err(other),
        }
    }
    problems.sort_by_key(|p| p.row);
    if !problems.is_empty() {
        return Ok(CartImportReport { rows: sheet.rows.len(), added: 0, problems, cart: None });
    }
    let now = app.now_ms();
    store::add_to_cart(&mut tx, partner, &entries, ctx.caller().user_id(), now).await?;
    check_size(&mut tx, partner).await?;
    let record = serde_json::json!({ "rows": sheet.rows.len(), "lines": entries.len() });
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "cart", partner, "cart_import", Some(partner), None, Some(&record)),
    )
    .await?;
    let cart = cart_view(app, &mut tx, partner).await?;
    tx.commit().await?;
    Ok(CartImportReport { rows: sheet.rows.len(), added: entries.len(), problems, cart: Some(cart) })
}

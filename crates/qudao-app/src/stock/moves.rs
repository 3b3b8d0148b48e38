//! Warehouse work beyond receipts and corrections: transfers between warehouses and stock counts
//! (盘点). Each is one transaction that locks the SKUs' stock rows in the one global order, moves
//! the quantities with the same guarded statements as orders (never below what is reserved), and
//! journals every move under the document's number, like money.

use qudao_domain::access::Permission;
use qudao_domain::ids::SkuId;
use qudao_domain::stock::count::{Book, Counted, Difference, differences};
use qudao_domain::{FieldError, Invalid, docnum, text};
use qudao_store::catalog::{self, SkuKeys};
use qudao_store::stock::{self, Why};
use qudao_store::{audit, counters};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::warehouse_by_code;
use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A transfer between warehouses.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// SKU code.
    pub sku: String,
    /// From this warehouse (code).
    pub from: String,
    /// To this one.
    pub to: String,
    /// Base units.
    pub quantity: i64,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A transfer as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferView {
    /// `TR-20261129-0001`.
    pub number: String,
    /// SKU code.
    pub sku: String,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Base units.
    pub quantity: i64,
    /// The SKU's stock after it, per warehouse.
    pub stock: super::StockView,
}

async fn sku_of(tx: &mut qudao_store::Tx, field: &str, code: &str) -> AppResult<(String, SkuId)> {
    let code = code.trim().to_uppercase();
    let found = catalog::sellable(tx, SkuKeys::Codes(std::slice::from_ref(&code))).await?;
    let sku = found.values().next().ok_or_else(|| AppError::field(field, "unknown_sku"))?.sku_id;
    Ok((code, sku))
}

/// Moves stock from one warehouse to another (brand warehouse users). Only free stock moves:
/// what orders reserved stays where it is.
pub async fn transfer_stock(
    app: &App,
    ctx: &Ctx,
    input: &TransferInput,
    idem: Option<&IdemKey>,
) -> AppResult<TransferView> {
    ctx.require(Permission::StockManage)?;
    let mut invalid = Invalid::new();
    if input.quantity <= 0 || input.quantity > 100_000_000 {
        invalid.push(FieldError::new("quantity", "invalid_quantity"));
    }
    if input.from.trim().eq_ignore_ascii_case(input.to.trim()) {
        invalid.push(FieldError::new("to", "same_warehouse"));
    }
    let reason = invalid.check(text::optional("reason", input.reason.as_deref(), 200)).flatten();
    invalid.into_result()?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let (code, sku) = sku_of(&mut tx, "sku", &input.sku).await?;
    let from = warehouse_by_code(&mut tx, &input.from).await?;
    let to = warehouse_by_code(&mut tx, &input.to).await.map_err(|_| AppError::field("to", "unknown_warehouse"))?;
    let date = china_date(now);
    let number = docnum::format("TR", date, counters::next(&mut tx, &format!("transfer:{date}")).await?);
    // The SKU's rows first, in key order, as every writer takes them.
    stock::hold(&mut tx, &[sku]).await?;
    let by = Some(ctx.caller().user_id());
    let out =
        Why { kind: "transfer_out", reference: Some(("transfer", &number)), reason: reason.as_deref(), by, at_ms: now };
    if !stock::adjust(&mut tx, sku, from.id, -input.quantity, out).await? {
        return Err(AppError::field("quantity", "below_reserved"));
    }
    let inbound = Why { kind: "transfer_in", ..out };
    if !stock::adjust(&mut tx, sku, to.id, input.quantity, inbound).await? {
        return Err(AppError::Internal("a transfer's receiving side refused stock".into()));
    }
    let stock = super::brand_view(code.clone(), sku, stock::levels(&mut tx, &[sku]).await?);
    let view = TransferView { number, sku: code, from: from.code, to: to.code, quantity: input.quantity, stock };
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "stock", sku, "transfer", None, None, Some(&view))).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// A count sheet for one warehouse.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    /// Warehouse code.
    pub warehouse: String,
    /// What was found.
    pub lines: Vec<CountLine>,
    /// A note (`季度盘点`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// One SKU found.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    /// SKU code.
    pub sku: String,
    /// Base units found.
    pub counted: i64,
}

/// A count as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountView {
    /// `PD-20261129-0001`.
    pub number: String,
    /// Warehouse code.
    pub warehouse: String,
    /// Per line: book, counted and the move.
    pub lines: Vec<CountResult>,
}

/// One counted SKU's outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountResult {
    /// SKU code.
    pub sku: String,
    /// On hand before.
    pub book: i64,
    /// Found.
    pub counted: i64,
    /// The move journaled.
    pub delta: i64,
}

/// Records a stock count (brand warehouse users): on hand becomes what was found, every
/// difference a journal move under the count's number. Refused whole when a line is bad (an
/// unknown SKU, one counted twice, fewer than orders have reserved).
pub async fn record_count(app: &App, ctx: &Ctx, input: &CountInput, idem: Option<&IdemKey>) -> AppResult<CountView> {
    ctx.require(Permission::StockManage)?;
    if input.lines.is_empty() || input.lines.len() > 10_000 {
        return Err(AppError::field("lines", "required"));
    }
    let reason = text::optional("reason", input.reason.as_deref(), 200).map_err(Invalid::from)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let warehouse = warehouse_by_code(&mut tx, &input.warehouse).await?;
    let codes: Vec<String> = input.lines.iter().map(|l| l.sku.trim().to_uppercase()).collect();
    let found = catalog::sellable(&mut tx, SkuKeys::Codes(&codes)).await?;
    let mut invalid = Invalid::new();
    let mut counted = Vec::with_capacity(codes.len());
    for (index, (code, line)) in codes.iter().zip(&input.lines).enumerate() {
        match found.values().find(|s| s.code == *code) {
            Some(sku) => counted.push(Counted { line: index, sku: sku.sku_id, counted: line.counted }),
            None => invalid.push(FieldError::new(format!("lines[{index}].sku"), "unknown_sku")),
        }
    }
    let mut skus: Vec<SkuId> = counted.iter().map(|c| c.sku).collect();
    skus.sort_unstable();
    skus.dedup();
    let held = stock::hold(&mut tx, &skus).await?;
    let book: Vec<Book> = held
        .iter()
        .filter(|h| h.warehouse_id == warehouse.id)
        .map(|h| Book { sku: h.sku_id, on_hand: h.on_hand, reserved: h.reserved })
        .collect();
    let moves: Vec<Difference> = match differences(&book, &counted) {
        Ok(moves) => moves,
        Err(errors) => {
            for error in errors {
                invalid.push(error);
            }
            Vec::new()
        }
    };
    invalid.into_result()?;
    let date = china_date(now);
    let number = docnum::format("PD", date, counters::next(&mut tx, &format!("count:{date}")).await?);
    let by = Some(ctx.caller().user_id());
    let mut lines = Vec::with_capacity(moves.len());
    for m in &moves {
        if m.delta != 0 {
            let why =
                Why { kind: "count", reference: Some(("count", &number)), reason: reason.as_deref(), by, at_ms: now };
            if !stock::adjust(&mut tx, m.sku, warehouse.id, m.delta, why).await? {
                return Err(AppError::Internal("a checked count refused by the stock guard".into()));
            }
        }
        let code = found.values().find(|s| s.sku_id == m.sku).map(|s| s.code.clone()).unwrap_or_default();
        lines.push(CountResult { sku: code, book: m.book, counted: m.counted, delta: m.delta });
    }
    let view = CountView { number, warehouse: warehouse.code.clone(), lines };
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "warehouse", warehouse.id, "count", None, None, Some(&view)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

//! Bulk exports of orders, receipts and statements as CSV or XLSX, for ERPs without an API (a
//! nightly download with an API key, or a person in the console).
//!
//! Each export covers a period of China dates (at most 366 days) and what the caller sees: a
//! partner user its own company's rows, a channel manager its partners'. Rows are read in keyset
//! pages; money is a number (yuan) in XLSX and `123.45` in CSV; text never becomes a formula.

use qudao_domain::access::Permission;
use qudao_domain::dates::{china_midnight_ms, days_between, format_date, parse_date};
use qudao_domain::ids::PartnerId;
use qudao_domain::money::{Currency, Money};
use qudao_domain::{FieldError, Invalid};
use qudao_store::exports::{self, After, Range};

use crate::clock::{china_date, china_datetime};
use crate::partners::ExportFormat;
use crate::sheets::{Cell, write_csv, write_xlsx_cells};
use crate::{App, AppError, AppResult, Ctx};

/// Rows read per page.
const PAGE: i64 = 2_000;
/// The most rows one export holds; a longer period is asked for in parts.
pub const MAX_ROWS: usize = 500_000;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// One row per order line, with its order.
    Orders,
    /// One row per receipt, with the orders it settled.
    Receipts,
    /// One row per statement, with its figures and answer.
    Statements,
}

impl ExportKind {
    fn name(self, chinese: bool) -> &'static str {
        match (self, chinese) {
            (ExportKind::Orders, true) => "订单",
            (ExportKind::Orders, false) => "Orders",
            (ExportKind::Receipts, true) => "回款",
            (ExportKind::Receipts, false) => "Receipts",
            (ExportKind::Statements, true) => "对账单",
            (ExportKind::Statements, false) => "Statements",
        }
    }

    fn file_stem(self) -> &'static str {
        match self {
            ExportKind::Orders => "orders",
            ExportKind::Receipts => "receipts",
            ExportKind::Statements => "statements",
        }
    }
}

/// An export as asked for: a period of days (`2026-11-01`..`2026-11-30`, both included; the last
/// 31 days when left out), optionally one partner.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Only this partner.
    pub partner: Option<PartnerId>,
}

/// The file: its name and bytes.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// `orders-20261101-20261130.xlsx`.
    pub filename: String,
    /// Its content.
    pub bytes: Vec<u8>,
    /// Rows written (without the header).
    pub rows: usize,
}

/// Exports `kind` over the request's period as `format`, headings in Chinese or English.
pub async fn export(
    app: &App,
    ctx: &Ctx,
    kind: ExportKind,
    request: &ExportRequest,
    format: ExportFormat,
    chinese: bool,
) -> AppResult<ExportFile> {
    ctx.require(match kind {
        ExportKind::Orders => Permission::OrdersRead,
        ExportKind::Receipts | ExportKind::Statements => Permission::AccountsRead,
    })?;
    let (from, to) = period(request, china_date(app.now_ms()))?;
    let range = Range {
        from_ms: china_midnight_ms(from),
        until_ms: china_midnight_ms(to) + 86_400_000,
        partner: request.partner,
    };
    let mut tx = app.read(ctx).await?;
    let (header, rows) = match kind {
        ExportKind::Orders => orders(&mut tx, &range, chinese).await?,
        ExportKind::Receipts => receipts(&mut tx, &range, chinese).await?,
        ExportKind::Statements => statements(&mut tx, &range, chinese).await?,
    };
    drop(tx);
    let extension = if format == ExportFormat::Csv { "csv" } else { "xlsx" };
    let filename = format!("{}-{from}-{to}.{extension}", kind.file_stem());
    let count = rows.len();
    let bytes = match format {
        ExportFormat::Xlsx => write_xlsx_cells(kind.name(chinese), &[], &header, &rows)?,
        ExportFormat::Csv => {
            let text: Vec<Vec<String>> = rows.into_iter().map(|r| r.into_iter().map(csv_text).collect()).collect();
            write_csv(&header, &text)?
        }
    };
    Ok(ExportFile { filename, bytes, rows: count })
}

/// The period asked for, checked: both ends real days, in order, at most 366 days apart.
fn period(request: &ExportRequest, today: u32) -> AppResult<(u32, u32)> {
    let mut invalid = Invalid::new();
    let pick = |field: &str, text: &Option<String>| {
        text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(|t| parse_date(field, t))
    };
    let to = match pick("to", &request.to) {
        Some(parsed) => invalid.check(parsed),
        None => Some(today),
    };
    let from = match pick("from", &request.from) {
        Some(parsed) => invalid.check(parsed),
        None => to.map(|to| china_date(china_midnight_ms(to) - 30 * 86_400_000)),
    };
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            invalid.push(FieldError::new("to", "before_start"));
        } else if days_between(from, to) >= 366 {
            invalid.push(FieldError::with_param("to", "period_too_long", 366));
        }
    }
    invalid.into_result()?;
    match (from, to) {
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(AppError::Internal("checked period".into())),
    }
}

fn csv_text(cell: Cell) -> String {
    match cell {
        Cell::Text(text) => text,
        Cell::Yuan(fen) => Money::new(fen, Currency::CNY).to_decimal_string(),
    }
}

/// Where the next page starts after one of `page_len` rows (`None` after the last, a short one),
/// refusing an export that grew past [`MAX_ROWS`].
fn next_page(rows: usize, page_len: usize, last: Option<After>) -> AppResult<Option<After>> {
    if rows > MAX_ROWS {
        return Err(AppError::Invalid(Invalid::from(FieldError::with_param("from", "export_too_large", MAX_ROWS))));
    }
    Ok(last.filter(|_| page_len as i64 == PAGE))
}

async fn orders(
    tx: &mut qudao_store::Tx,
    range: &Range,
    chinese: bool,
) -> AppResult<(Vec<&'static str>, Vec<Vec<Cell>>)> {
    let header = if chinese {
        vec![
            "订单号",
            "下单时间",
            "伙伴编码",
            "伙伴名称",
            "状态",
            "付款方式",
            "订单金额",
            "行号",
            "SKU",
            "商品名称",
            "单位",
            "数量",
            "单价",
            "行金额",
            "赠品",
            "已发货",
        ]
    } else {
        vec![
            "Order",
            "Placed",
            "Partner code",
            "Partner",
            "Status",
            "Payment",
            "Order total",
            "Line",
            "SKU",
            "Name",
            "Unit",
            "Quantity",
            "List price",
            "Line net",
            "Gift",
            "Shipped",
        ]
    };
    let mut rows = Vec::new();
    let mut after = After { at_ms: i64::MIN, ..After::default() };
    loop {
        let page = exports::order_lines(tx, range, &after, PAGE).await?;
        for l in &page {
            rows.push(vec![
                Cell::Text(l.number.clone()),
                Cell::Text(china_datetime(l.placed_ms)),
                Cell::Text(l.partner_code.clone()),
                Cell::Text(l.partner_name.clone()),
                Cell::Text(l.status.clone()),
                Cell::Text(l.payment.clone()),
                Cell::Yuan(l.order_total),
                Cell::Text(l.line_no.to_string()),
                Cell::Text(l.sku.clone()),
                Cell::Text(if chinese { l.name_zh.clone() } else { l.name_en.clone() }),
                Cell::Text(l.unit.clone()),
                Cell::Text(l.quantity.to_string()),
                Cell::Yuan(l.list_price),
                Cell::Yuan(l.net),
                Cell::Text(if l.gift { "1" } else { "0" }.into()),
                Cell::Text(l.shipped.to_string()),
            ]);
        }
        let last = page.last().map(|l| After { at_ms: l.placed_ms, id: l.order_id.clone(), line_no: l.line_no });
        match next_page(rows.len(), page.len(), last)? {
            Some(next) => after = next,
            None => break,
        }
    }
    Ok((header, rows))
}

async fn receipts(
    tx: &mut qudao_store::Tx,
    range: &Range,
    chinese: bool,
) -> AppResult<(Vec<&'static str>, Vec<Vec<Cell>>)> {
    let header = if chinese {
        vec![
            "回款单号",
            "登记时间",
            "到账日期",
            "伙伴编码",
            "伙伴名称",
            "金额",
            "冲抵订单金额",
            "转预付款",
            "方式",
            "来源",
            "ERP单据号",
            "冲抵明细",
            "备注",
        ]
    } else {
        vec![
            "Receipt",
            "Recorded",
            "Received",
            "Partner code",
            "Partner",
            "Amount",
            "Allocated",
            "To prepaid",
            "Method",
            "Source",
            "ERP document",
            "Settled orders",
            "Memo",
        ]
    };
    let mut rows = Vec::new();
    let mut after = After { at_ms: i64::MIN, ..After::default() };
    loop {
        let page = exports::receipts(tx, range, &after, PAGE).await?;
        let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
        let allocations = exports::allocations_of(tx, &ids).await?;
        for r in &page {
            let settled: Vec<String> = allocations
                .iter()
                .filter(|(receipt, _, _)| *receipt == r.id)
                .map(|(_, number, fen)| format!("{number}:{}", Money::new(*fen, Currency::CNY).to_decimal_string()))
                .collect();
            rows.push(vec![
                Cell::Text(r.number.clone()),
                Cell::Text(china_datetime(r.created_ms)),
                Cell::Text(format_date(u32::try_from(r.received_date).unwrap_or_default())),
                Cell::Text(r.partner_code.clone()),
                Cell::Text(r.partner_name.clone()),
                Cell::Yuan(r.amount),
                Cell::Yuan(r.allocated),
                Cell::Yuan(r.amount - r.allocated),
                Cell::Text(r.method.clone()),
                Cell::Text(r.source.clone()),
                Cell::Text(r.document_id.clone().unwrap_or_default()),
                Cell::Text(settled.join("; ")),
                Cell::Text(r.memo.clone().unwrap_or_default()),
            ]);
        }
        let last = page.last().map(|l| After { at_ms: l.created_ms, id: l.id.clone(), line_no: 0 });
        match next_page(rows.len(), page.len(), last)? {
            Some(next) => after = next,
            None => break,
        }
    }
    Ok((header, rows))
}

async fn statements(
    tx: &mut qudao_store::Tx,
    range: &Range,
    chinese: bool,
) -> AppResult<(Vec<&'static str>, Vec<Vec<Cell>>)> {
    let header = if chinese {
        vec![
            "对账单号",
            "出具时间",
            "伙伴编码",
            "伙伴名称",
            "起始日",
            "截止日",
            "期初余额",
            "本期借方",
            "本期贷方",
            "期末余额",
            "状态",
            "答复时间",
            "答复意见",
        ]
    } else {
        vec![
            "Statement",
            "Issued",
            "Partner code",
            "Partner",
            "From",
            "To",
            "Opening",
            "Debits",
            "Credits",
            "Closing",
            "Status",
            "Answered",
            "Comment",
        ]
    };
    let day = |d: i64| format_date(u32::try_from(d).unwrap_or_default());
    let mut rows = Vec::new();
    let mut after = After { at_ms: i64::MIN, ..After::default() };
    loop {
        let page = exports::statements(tx, range, &after, PAGE).await?;
        for s in &page {
            rows.push(vec![
                Cell::Text(s.number.clone()),
                Cell::Text(china_datetime(s.created_ms)),
                Cell::Text(s.partner_code.clone()),
                Cell::Text(s.partner_name.clone()),
                Cell::Text(day(s.period_from)),
                Cell::Text(day(s.period_to)),
                Cell::Yuan(s.opening),
                Cell::Yuan(s.debits),
                Cell::Yuan(s.credits),
                Cell::Yuan(s.closing),
                Cell::Text(s.status.clone()),
                Cell::Text(s.responded_ms.map(china_datetime).unwrap_or_default()),
                Cell::Text(s.comment.clone().unwrap_or_default()),
            ]);
        }
        let last = page.last().map(|l| After { at_ms: l.created_ms, id: l.id.clone(), line_no: 0 });
        match next_page(rows.len(), page.len(), last)? {
            Some(next) => after = next,
            None => break,
        }
    }
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_defaults_to_the_last_month_and_is_at_most_a_year() {
        let none = ExportRequest::default();
        assert_eq!(period(&none, 20_261_129).ok(), Some((20_261_030, 20_261_129)), "31 days, today included");
        let year = ExportRequest { from: Some("2025-11-30".into()), to: Some("2026-11-29".into()), partner: None };
        assert_eq!(period(&year, 20_261_129).ok(), Some((20_251_130, 20_261_129)));
        let long = ExportRequest { from: Some("2025-11-28".into()), ..year.clone() };
        assert!(period(&long, 20_261_129).is_err());
        let backwards = ExportRequest { from: Some("2026-11-30".into()), ..year };
        assert!(period(&backwards, 20_261_129).is_err());
    }
}

//! Channel inventory (渠道进销存): partners report their stock and sell-out — in the portal, by
//! sheet, or by API — and the brand reads estimated stock, days of cover and safety stock per
//! partner, region and SKU (sell-in comes from Qudao's own shipments).
//!
//! A report is applied whole or not at all; a sheet with any bad row is refused with every
//! problem named by its row, and kept for the brand to see.

use std::collections::BTreeMap;

use qudao_domain::access::Permission;
use qudao_domain::channel::{AVERAGE_DAYS, Position, ReportKind, check_quantity};
use qudao_domain::dates::{china_midnight_ms, days_from_civil, parse_date};
use qudao_domain::ids::{PartnerId, SkuId};
use qudao_domain::{FieldError, Invalid};
use qudao_store::audit;
use qudao_store::catalog::{self, SkuKeys};
use qudao_store::channel::{self, ChannelFilter, ChannelRow, NewReport, Rejection, RejectionView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::sheets::read_sheet;
use crate::{App, AppError, AppResult, Ctx};

/// The most lines one report may carry.
pub const MAX_LINES: usize = 5_000;

/// A report as a partner sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `stock` (what it holds on `date`) or `sell_out` (what it sold that day).
    pub kind: String,
    /// The day (`2026-11-28`); today when left out.
    #[serde(default)]
    pub date: Option<String>,
    /// One line per SKU.
    pub lines: Vec<ReportLine>,
}

/// One SKU's quantity.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportLine {
    /// SKU code.
    pub sku: String,
    /// Base units.
    pub quantity: i64,
}

/// A report as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportView {
    /// Id.
    pub id: String,
    /// `stock` or `sell_out`.
    pub kind: String,
    /// The day, yyyymmdd.
    pub date: u32,
    /// Lines applied.
    pub lines: usize,
}

/// The report's day, checked: not in the future, at most a year back.
fn day_of(text: Option<&str>, today: u32) -> Result<u32, FieldError> {
    let date = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => parse_date("date", text)?,
        None => today,
    };
    if date > today || days_from_civil(today) - days_from_civil(date) > 366 {
        return Err(FieldError::new("date", "out_of_range"));
    }
    Ok(date)
}

/// Resolves the lines' SKU codes and checks the quantities; `label` names a line in errors.
async fn resolve(
    tx: &mut qudao_store::Tx,
    lines: &[(String, i64)],
    label: &(dyn Fn(usize, &str) -> String + Sync),
) -> AppResult<Result<Vec<(SkuId, i64)>, Invalid>> {
    let codes: Vec<String> = lines.iter().map(|(c, _)| c.trim().to_uppercase()).collect();
    let found = catalog::sellable(tx, SkuKeys::Codes(&codes)).await?;
    let mut invalid = Invalid::new();
    let mut out: Vec<(SkuId, i64)> = Vec::with_capacity(lines.len());
    for (index, (code, (_, quantity))) in codes.iter().zip(lines).enumerate() {
        let Some(sku) = found.values().find(|s| s.code == *code) else {
            invalid.push(FieldError::with_param(label(index, "sku"), "unknown_sku", code));
            continue;
        };
        if out.iter().any(|(s, _)| *s == sku.sku_id) {
            invalid.push(FieldError::new(label(index, "sku"), "counted_twice"));
            continue;
        }
        if let Some(q) = invalid.check(check_quantity(&label(index, "quantity"), *quantity)) {
            out.push((sku.sku_id, q));
        }
    }
    Ok(if invalid.is_empty() { Ok(out) } else { Err(invalid) })
}

/// A partner reports its stock or sell-out (its own users). Applied whole or not at all.
pub async fn report(
    app: &App,
    ctx: &Ctx,
    input: &ReportInput,
    source: &'static str,
    idem: Option<&IdemKey>,
) -> AppResult<ReportView> {
    ctx.require(Permission::OrdersPlace)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let now = app.now_ms();
    let mut invalid = Invalid::new();
    let kind = invalid.check(ReportKind::parse("kind", &input.kind));
    let date = invalid.check(day_of(input.date.as_deref(), china_date(now)));
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        invalid.push(FieldError::with_param("lines", "between", format!("1-{MAX_LINES}")));
    }
    invalid.into_result()?;
    let (Some(kind), Some(date)) = (kind, date) else { return Err(AppError::Internal("checked report".into())) };
    let lines: Vec<(String, i64)> = input.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
    let mut tx = app.write(ctx).await?;
    let resolved = resolve(&mut tx, &lines, &|i, f| format!("lines[{i}].{f}")).await?.map_err(AppError::Invalid)?;
    let view = apply(&mut tx, ctx, partner, kind, date, source, &resolved, now).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

#[expect(clippy::too_many_arguments, reason = "one report's parts, each checked by the caller")]
async fn apply(
    tx: &mut qudao_store::Tx,
    ctx: &Ctx,
    partner: PartnerId,
    kind: ReportKind,
    date: u32,
    source: &'static str,
    lines: &[(SkuId, i64)],
    now: i64,
) -> AppResult<ReportView> {
    let id = uuid::Uuid::now_v7().to_string();
    let report = NewReport {
        id: id.clone(),
        partner_id: partner,
        kind,
        date,
        end_of_day_ms: china_midnight_ms(date) + 86_400_000,
        source,
        lines,
        created_by: Some(ctx.caller().user_id()),
        created_ms: now,
    };
    channel::insert_report(tx, &report).await?;
    let view = ReportView { id: id.clone(), kind: kind.as_str().into(), date, lines: lines.len() };
    audit::insert(tx, &ctx.audit::<(), _>(now, "channel_report", &id, "create", Some(partner), None, Some(&view)))
        .await?;
    Ok(view)
}

/// A partner reports by sheet (CSV or XLSX; a SKU column — `SKU`, `商品编码` — and a quantity
/// column — `数量`, `库存`, `销量`, `quantity`). Any bad row refuses the whole sheet: every problem
/// is named by its row, and the refused sheet is kept for the brand.
pub async fn upload_report(
    app: &App,
    ctx: &Ctx,
    kind: &str,
    date: Option<&str>,
    filename: &str,
    bytes: &[u8],
    idem: Option<&IdemKey>,
) -> AppResult<ReportView> {
    ctx.require(Permission::OrdersPlace)?;
    let partner = ctx.caller().partner_id().ok_or(AppError::Forbidden)?;
    let now = app.now_ms();
    let mut invalid = Invalid::new();
    let report_kind = invalid.check(ReportKind::parse("kind", kind));
    let day = invalid.check(day_of(date, china_date(now)));
    invalid.into_result()?;
    let (Some(report_kind), Some(day)) = (report_kind, day) else {
        return Err(AppError::Internal("checked upload".into()));
    };
    let sheet = read_sheet(bytes, MAX_LINES + 1)?;
    let column =
        |names: &[&str]| sheet.header.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
    let sku_at = column(&["sku", "sku code", "商品编码", "sku编码", "编码"]);
    let quantity_at = column(&["quantity", "qty", "数量", "库存", "销量", "库存数量", "销售数量"]);
    let mut problems = Invalid::new();
    let mut lines: Vec<(String, i64)> = Vec::new();
    let mut numbers: Vec<usize> = Vec::new();
    match (sku_at, quantity_at) {
        (Some(sku_at), Some(quantity_at)) => {
            if sheet.rows.is_empty() || sheet.rows.len() > MAX_LINES {
                problems.push(FieldError::with_param("file", "between", format!("1-{MAX_LINES}")));
            }
            for row in &sheet.rows {
                let cell = |at: usize| row.cells.get(at).map(String::as_str).unwrap_or("");
                match cell(quantity_at).replace(',', "").parse::<i64>() {
                    Ok(q) => {
                        lines.push((cell(sku_at).to_string(), q));
                        numbers.push(row.number);
                    }
                    Err(_) => {
                        problems.push(FieldError::new(format!("row {}: quantity", row.number), "invalid_quantity"))
                    }
                }
            }
        }
        _ => problems.push(FieldError::new("file", "missing_columns")),
    }
    let mut tx = app.write(ctx).await?;
    if problems.is_empty() {
        let label = |i: usize, f: &str| format!("row {}: {f}", numbers.get(i).copied().unwrap_or(0));
        match resolve(&mut tx, &lines, &label).await? {
            Ok(resolved) => {
                let view = apply(&mut tx, ctx, partner, report_kind, day, "upload", &resolved, now).await?;
                idempotency::complete(&mut tx, idem, 201, &view).await?;
                tx.commit().await?;
                return Ok(view);
            }
            Err(invalid) => problems = invalid,
        }
    }
    let problems_json = serde_json::to_string(&problems.errors.iter().map(|f| (&f.field, f.code)).collect::<Vec<_>>())
        .unwrap_or_default();
    let id = uuid::Uuid::now_v7().to_string();
    let rejection = Rejection {
        id: &id,
        partner,
        kind: report_kind.as_str(),
        filename,
        problems_json: &problems_json,
        by: Some(ctx.caller().user_id()),
        at_ms: now,
    };
    channel::insert_rejection(&mut tx, &rejection).await?;
    tx.commit().await?;
    Err(AppError::Invalid(problems))
}

/// Who the brand looks at.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChannelQuery {
    /// One partner.
    pub partner: Option<PartnerId>,
    /// A region code (its partners and those below).
    pub region: Option<String>,
    /// One SKU code.
    pub sku: Option<String>,
}

/// The visible partner × SKU rows (a partner user: its own).
pub async fn channel_rows(app: &App, ctx: &Ctx, query: &ChannelQuery) -> AppResult<Vec<ChannelRow>> {
    ctx.require(Permission::StockRead)?;
    let today = china_date(app.now_ms());
    let mut tx = app.read(ctx).await?;
    let region_path = match query.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => Some(
            qudao_store::partners::regions::by_code(&mut tx, code)
                .await?
                .ok_or_else(|| AppError::field("region", "unknown_region"))?
                .path,
        ),
        None => None,
    };
    let filter = ChannelFilter {
        partner: query.partner,
        region_path,
        sku: query.sku.as_deref().map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty()),
    };
    let since = china_date(china_midnight_ms(today) - (AVERAGE_DAYS - 1) * 86_400_000);
    // Sales of the last 30 days: the day 29 days ago and after.
    let before_window = china_date(china_midnight_ms(since) - 86_400_000);
    Ok(channel::rows(&mut tx, &filter, before_window, 20_000).await?)
}

/// Channel stock rolled up by partner, region or SKU.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelSummary {
    /// The partner, region or SKU code.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Estimated stock.
    pub estimated: i64,
    /// Sold over the last 30 days.
    pub sold_recently: i64,
    /// Days of cover of the whole (none when nothing sells).
    pub days_of_cover: Option<i64>,
    /// Partner × SKU rows below safety stock.
    pub under_safety: usize,
}

/// Rolls rows up by `by` (`partner`, `region` or `sku`).
pub fn summarise(rows: &[ChannelRow], by: &str) -> Vec<ChannelSummary> {
    let mut groups: BTreeMap<String, ChannelSummary> = BTreeMap::new();
    for row in rows {
        let (key, name) = match by {
            "region" => (row.region_code.clone(), row.region_name.clone()),
            "sku" => (row.sku.clone(), row.sku_name.clone()),
            _ => (row.partner_code.clone(), row.partner_name.clone()),
        };
        let group = groups.entry(key.clone()).or_insert(ChannelSummary {
            key,
            name,
            estimated: 0,
            sold_recently: 0,
            days_of_cover: None,
            under_safety: 0,
        });
        group.estimated += row.estimated;
        group.sold_recently += row.sold_recently;
        group.under_safety += usize::from(row.under_safety);
    }
    groups
        .into_values()
        .map(|mut g| {
            let whole = Position { reported: g.estimated, sold_recently: g.sold_recently, ..Position::default() };
            g.days_of_cover = whole.days_of_cover();
            g
        })
        .collect()
}

/// Safety stock set by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyInput {
    /// SKU code.
    pub sku: String,
    /// Base units.
    pub quantity: i64,
}

/// Sets a partner's safety stock of a SKU by hand (brand administrators and channel managers,
/// within their partners).
pub async fn set_safety(app: &App, ctx: &Ctx, partner: PartnerId, input: &SafetyInput) -> AppResult<()> {
    ctx.require(Permission::PartnersWrite)?;
    let quantity = check_quantity("quantity", input.quantity).map_err(Invalid::from)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    qudao_store::partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    let code = input.sku.trim().to_uppercase();
    let found = catalog::sellable(&mut tx, SkuKeys::Codes(std::slice::from_ref(&code))).await?;
    let sku = found.values().next().ok_or_else(|| AppError::field("sku", "unknown_sku"))?.sku_id;
    channel::set_safety(&mut tx, partner, sku, quantity, "manual", Some(ctx.caller().user_id()), now).await?;
    let record = serde_json::json!({ "sku": code, "quantity": quantity });
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "channel_safety", partner, "update", Some(partner), None, Some(&record)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets every visible partner × SKU's safety stock to `days` of its recent average sell-out,
/// leaving those set by hand; returns how many were set.
pub async fn auto_safety(app: &App, ctx: &Ctx, days: i64) -> AppResult<usize> {
    ctx.require(Permission::PartnersWrite)?;
    if !(1..=180).contains(&days) {
        return Err(AppError::field("days", "out_of_range"));
    }
    let rows = channel_rows(app, ctx, &ChannelQuery::default()).await?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let mut set = 0;
    for row in &rows {
        let position = Position { sold_recently: row.sold_recently, ..Position::default() };
        let quantity = position.safety_for(days);
        if quantity > 0 {
            channel::set_safety(
                &mut tx,
                row.partner_id,
                row.sku_id,
                quantity,
                "auto",
                Some(ctx.caller().user_id()),
                now,
            )
            .await?;
            set += 1;
        }
    }
    let record = serde_json::json!({ "days": days, "rows": set });
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "channel_safety", "auto", "update", None, None, Some(&record)))
        .await?;
    tx.commit().await?;
    Ok(set)
}

/// The latest refused sheets the caller sees (a partner user: its own).
pub async fn rejections(app: &App, ctx: &Ctx) -> AppResult<Vec<RejectionView>> {
    ctx.require(Permission::StockRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(channel::rejections(&mut tx, 100).await?)
}

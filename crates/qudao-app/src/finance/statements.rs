//! Statements (对账单): brand finance issues one per partner and closed period; the partner
//! confirms it or disputes it with a comment in the portal; both sides print it or take it to a
//! spreadsheet.
//!
//! Only the figures and the answer are stored. The lines are read again from the journal each
//! time: entries of a closed period never change, so the statement a partner confirmed is the one
//! it sees again later, and a test checks that the stored figures and the lines agree.

use qudao_domain::access::Permission;
use qudao_domain::dates::{china_midnight_ms, format_date, parse_date};
use qudao_domain::finance::statements::{self as rules, Answer, AnswerError, Line, Totals};
use qudao_domain::ids::{PartnerId, StatementId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::{Invalid, docnum, text};
use qudao_store::finance::statements::{self, MovementInfo, NewStatement, StatementView};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{StoreError, Tx, audit, counters, partners};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::china_date;
use crate::idempotency::{self, IdemKey};
use crate::sheets::{Cell, write_xlsx_cells};
use crate::{App, AppError, AppResult, Ctx};

/// A statement to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    /// First day (`2026-11-01`).
    pub period_from: String,
    /// Last day, before today (`2026-11-30`).
    pub period_to: String,
}

/// A statement with its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementDetail {
    /// The statement.
    #[serde(flatten)]
    pub statement: StatementView,
    /// Every movement of the period with the balance after it.
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<Line<MovementInfo>>,
    /// The lines no longer add up to the stored figures (an entry of the period committed after
    /// the statement was issued); the stored figures are what the partner answered.
    pub journal_changed: bool,
}

/// The partner's answer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementResponse {
    /// Why it is disputed (required to dispute), or a note with a confirmation.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Issues the statement of a visible partner for a closed period (brand finance).
pub async fn issue_statement(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    input: &StatementInput,
    idem: Option<&IdemKey>,
) -> AppResult<StatementDetail> {
    ctx.require(Permission::FinanceManage)?;
    let now = app.now_ms();
    let today = china_date(now);
    let mut invalid = Invalid::new();
    let from = invalid.check(parse_date("period_from", &input.period_from));
    let to = invalid.check(parse_date("period_to", &input.period_to));
    if let (Some(from), Some(to)) = (from, to) {
        invalid.check(rules::check_period(from, to, today));
    }
    invalid.into_result()?;
    let (Some(from), Some(to)) = (from, to) else { return Err(AppError::Internal("checked period".into())) };
    let currency = Currency::CNY.code();
    let mut tx = app.write(ctx).await?;
    partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    let (lines, totals) = compute(&mut tx, partner, currency, from, to).await?;
    let id = StatementId::new();
    let number = docnum::format("ST", today, counters::next(&mut tx, &format!("statement:{today}")).await?);
    let new = NewStatement {
        id,
        number: &number,
        partner_id: partner,
        currency,
        period_from: from,
        period_to: to,
        totals,
        created_by: Some(ctx.caller().user_id()),
        created_ms: now,
    };
    statements::insert(&mut tx, &new).await.map_err(|error| match error {
        StoreError::Duplicate(_) => AppError::Conflict("statement_exists"),
        other => other.into(),
    })?;
    let statement = statements::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "statement", id, "create", Some(partner), None, Some(&statement)))
        .await?;
    let detail = StatementDetail { statement, lines, journal_changed: false };
    idempotency::complete(&mut tx, idem, 201, &detail).await?;
    tx.commit().await?;
    Ok(detail)
}

/// The lines and figures of a period, from the journal.
async fn compute(
    tx: &mut Tx,
    partner: PartnerId,
    currency: &str,
    from: u32,
    to: u32,
) -> AppResult<(Vec<Line<MovementInfo>>, Totals)> {
    let (from_ms, until_ms) = bounds(from, to);
    let opening = statements::position_before(tx, partner, currency, from_ms).await?;
    let movements = statements::movements(tx, partner, currency, from_ms, until_ms).await?;
    Ok(rules::build(opening, movements))
}

/// The instants a period of China dates covers: from the first day's midnight to the midnight
/// after the last day.
fn bounds(from: u32, to: u32) -> (i64, i64) {
    (china_midnight_ms(from), china_midnight_ms(to) + 86_400_000)
}

/// A visible statement with its lines.
pub async fn get_statement(app: &App, ctx: &Ctx, id: StatementId) -> AppResult<StatementDetail> {
    ctx.require(Permission::AccountsRead)?;
    let mut tx = app.read(ctx).await?;
    let statement = statements::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let from = u32::try_from(statement.period_from).map_err(|_| AppError::Internal("period".into()))?;
    let to = u32::try_from(statement.period_to).map_err(|_| AppError::Internal("period".into()))?;
    let (lines, totals) = compute(&mut tx, statement.partner_id, &statement.currency, from, to).await?;
    // An entry booked just before midnight may commit just after a statement of that day was
    // issued: then the lines read now differ from the figures the partner answered. The
    // statement is still shown, flagged, never refused.
    let journal_changed = totals != statement.totals;
    if journal_changed {
        tracing::warn!(statement = %statement.number, "a statement's period changed after it was issued");
    }
    Ok(StatementDetail { statement, lines, journal_changed })
}

/// Visible statements, newest first, for one partner or all, optionally in one status.
pub async fn list_statements(
    app: &App,
    ctx: &Ctx,
    partner: Option<PartnerId>,
    status: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<StatementView>> {
    ctx.require(Permission::AccountsRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(statements::list(&mut tx, partner, status, page).await?)
}

/// The partner confirms or disputes its own statement.
pub async fn respond_statement(
    app: &App,
    ctx: &Ctx,
    id: StatementId,
    confirm: bool,
    response: &StatementResponse,
) -> AppResult<StatementView> {
    ctx.require(Permission::StatementsRespond)?;
    let comment = text::optional_multiline("comment", response.comment.as_deref(), 1000).map_err(Invalid::from)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = statements::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if ctx.caller().partner_id() != Some(before.partner_id) {
        return Err(AppError::NotFound);
    }
    let answer = if confirm { Answer::Confirm } else { Answer::Dispute };
    let status = match rules::answer(&before.status, answer, comment.is_some()) {
        Ok(status) => status,
        Err(AnswerError::AlreadyAnswered) => return Err(AppError::Conflict("status_transition")),
        Err(AnswerError::NoReason(field)) => return Err(AppError::Invalid(field.into())),
    };
    let by = ctx.caller().user_id();
    if !statements::respond(&mut tx, id, &before.status, status, comment.as_deref(), by, now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    let after = statements::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let action = if confirm { "confirm" } else { "dispute" };
    audit::insert(
        &mut tx,
        &ctx.audit(now, "statement", id, action, Some(after.partner_id), Some(&before), Some(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A visible statement as an XLSX workbook: the heading figures, then one row per movement with
/// amounts as numbers (yuan, two decimals) a spreadsheet can sum. Headings in the reader's
/// language.
pub async fn statement_xlsx(app: &App, ctx: &Ctx, id: StatementId, chinese: bool) -> AppResult<(String, Vec<u8>)> {
    let detail = get_statement(app, ctx, id).await?;
    let s = &detail.statement;
    let t = |zh: &str, en: &str| if chinese { zh.to_string() } else { en.to_string() };
    let period = format!(
        "{} – {}",
        format_date(u32::try_from(s.period_from).unwrap_or_default()),
        format_date(u32::try_from(s.period_to).unwrap_or_default())
    );
    let preamble = vec![
        vec![Cell::Text(t("对账单", "Statement")), Cell::Text(s.number.clone())],
        vec![Cell::Text(t("合作伙伴", "Partner")), Cell::Text(format!("{} {}", s.partner_code, s.partner_name))],
        vec![Cell::Text(t("期间", "Period")), Cell::Text(period)],
        vec![Cell::Text(t("期初余额", "Opening balance")), Cell::Yuan(s.totals.opening)],
        vec![Cell::Text(t("本期借方", "Debits")), Cell::Yuan(s.totals.debits)],
        vec![Cell::Text(t("本期贷方", "Credits")), Cell::Yuan(s.totals.credits)],
        vec![Cell::Text(t("期末余额", "Closing balance")), Cell::Yuan(s.totals.closing)],
        vec![Cell::Text(t("状态", "Status")), Cell::Text(s.status.clone())],
        Vec::new(),
    ];
    let header = if chinese {
        ["记账时间", "类型", "单据号", "摘要", "借方", "贷方", "余额"]
    } else {
        ["Booked", "Type", "Document", "Memo", "Debit", "Credit", "Balance"]
    };
    let rows: Vec<Vec<Cell>> = detail
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::Text(crate::clock::china_datetime(l.at_ms)),
                Cell::Text(l.about.template.clone()),
                Cell::Text(l.about.document.clone().unwrap_or_default()),
                Cell::Text(l.about.memo.clone().unwrap_or_default()),
                Cell::Yuan(l.debit),
                Cell::Yuan(l.credit),
                Cell::Yuan(l.balance),
            ]
        })
        .collect();
    let bytes = write_xlsx_cells(&t("对账单", "Statement"), &preamble, &header, &rows)?;
    Ok((format!("{}.xlsx", s.number), bytes))
}

/// Yuan as text with two decimals, for the print page and tests.
pub fn yuan(fen: i64) -> String {
    Money::new(fen, Currency::CNY).to_decimal_string()
}

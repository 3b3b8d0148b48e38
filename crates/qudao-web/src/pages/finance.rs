//! Finance pages, for the brand (`/console/finance`) and for partners (`/portal/finance`).
//!
//! The console's overview ages what partners owe and shows who is on credit hold, the
//! adjustments waiting for a second person and the latest statements; a partner's finance page
//! records receipts (with the bank slip), sets credit line and terms, issues statements and asks
//! for adjustments. The portal shows the company's balances, standing and statements, and a
//! statement's print page (PDF-ready) with the confirm and dispute forms. Both sides print the
//! same statement template.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::finance::{self as uc, CreditStanding, StatementDetail};
use qudao_app::{AppError, Ctx};
use qudao_domain::access::Permission;
use qudao_domain::dates::format_date;
use qudao_domain::finance::HoldPolicy;
use qudao_domain::ids::{AdjustmentId, PartnerId, StatementId};
use qudao_store::accounts::AccountView;
use qudao_store::finance::adjustments::AdjustmentView;
use qudao_store::finance::receipts::ReceiptView;
use qudao_store::finance::statements::StatementView;
use qudao_store::page::PageRequest;

use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm, UploadForm};
use crate::pages::form::field_value;
use crate::pages::threads::ThreadPanel;
use crate::pages::{Chrome, FormState, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const CONSOLE: &str = "/console/finance";
const PORTAL: &str = "/portal/finance";

/// One line of the aging table.
struct AgingRow {
    partner_id: String,
    partner: String,
    current: i64,
    days_1_30: i64,
    days_31_60: i64,
    days_61_90: i64,
    over_90: i64,
    total: i64,
    on_hold: bool,
}

/// A statement in a list.
struct StatementRow {
    id: String,
    number: String,
    partner: String,
    period: String,
    closing: i64,
    status: String,
}

fn statement_row(s: &StatementView) -> StatementRow {
    StatementRow {
        id: s.id.to_string(),
        number: s.number.clone(),
        partner: format!("{} {}", s.partner_code, s.partner_name),
        period: period(s),
        closing: s.totals.closing,
        status: s.status.clone(),
    }
}

fn period(s: &StatementView) -> String {
    let day = |d: i64| format_date(u32::try_from(d).unwrap_or_default());
    format!("{} – {}", day(s.period_from), day(s.period_to))
}

#[derive(Template)]
#[template(path = "finance/overview.html")]
struct OverviewPage {
    c: Chrome,
    settings: FormState,
    rows: Vec<AgingRow>,
    totals: qudao_domain::finance::Buckets,
    held: usize,
    adjustments: Vec<AdjustmentView>,
    statements: Vec<StatementRow>,
    trial_difference: Option<i64>,
    may_manage: bool,
}

async fn overview(state: &AppState, ctx: &Ctx, context: &RequestContext, form: FormState) -> WebResult<Response> {
    let app = state.app();
    let settings = uc::finance_settings(app, ctx).await?;
    let report = uc::aging_report(app, ctx).await?;
    let policy = HoldPolicy {
        overdue_above: match settings.credit_hold_overdue.as_deref() {
            Some(text) => {
                qudao_domain::Money::parse_major("x", text, qudao_domain::Currency::CNY).ok().map(|m| m.minor)
            }
            None => None,
        },
    };
    let rows: Vec<AgingRow> = report
        .partners
        .iter()
        .take(200)
        .map(|p| AgingRow {
            partner_id: p.partner_id.to_string(),
            partner: format!("{} {}", p.partner_code, p.partner_name),
            current: p.buckets.current,
            days_1_30: p.buckets.days_1_30,
            days_31_60: p.buckets.days_31_60,
            days_61_90: p.buckets.days_61_90,
            over_90: p.buckets.over_90,
            total: p.total,
            on_hold: policy.hold(&p.buckets).is_some(),
        })
        .collect();
    let held = report.partners.iter().filter(|p| policy.hold(&p.buckets).is_some()).count();
    let adjustments = uc::list_adjustments(app, ctx, None, Some("pending"), &PageRequest::first(50)).await?.items;
    let statements = uc::list_statements(app, ctx, None, None, &PageRequest::first(20)).await?.items;
    let trial_difference = uc::trial_balance(app, ctx, None).await.ok().map(|t| t.difference);
    let form = if form.failed() {
        form
    } else {
        FormState::with_values([
            ("credit_terms_days", settings.credit_terms_days.to_string()),
            ("credit_hold_overdue", settings.credit_hold_overdue.clone().unwrap_or_default()),
        ])
    };
    let status = if form.failed() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let c = Chrome::new(state, context, "finance.title", CONSOLE).await;
    let page = OverviewPage {
        c,
        settings: form,
        rows,
        totals: report.totals,
        held,
        adjustments,
        statements: statements.iter().map(statement_row).collect(),
        trial_difference,
        may_manage: ctx.caller().may(Permission::FinanceManage),
    };
    Ok(render(status, &page))
}

async fn show_overview(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    overview(&state, &ctx, &context, FormState::new()).await
}

async fn save_settings(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |name: &str| field_value(&fields, name);
    let (terms, hold) = (value("credit_terms_days"), value("credit_hold_overdue"));
    let mut form =
        FormState::with_values([("credit_terms_days", terms.clone()), ("credit_hold_overdue", hold.clone())]);
    let Ok(days) = terms.parse::<i64>() else {
        form.add_error("credit_terms_days", crate::i18n::t(context.lang, "field.out_of_range"));
        return overview(&state, &ctx, &context, form).await;
    };
    let settings =
        uc::FinanceSettings { credit_terms_days: days, credit_hold_overdue: (!hold.is_empty()).then_some(hold) };
    match uc::update_finance_settings(state.app(), &ctx, &settings).await {
        Ok(_) => Ok(see_other(CONSOLE, Some("finance.saved"))),
        Err(AppError::Invalid(invalid)) => {
            form.fail(context.lang, &invalid, &["credit_terms_days", "credit_hold_overdue"]);
            overview(&state, &ctx, &context, form).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "finance/partner.html")]
struct PartnerPage {
    c: Chrome,
    partner_id: String,
    accounts: Vec<AccountView>,
    standing: CreditStanding,
    receipts: Vec<ReceiptView>,
    statements: Vec<StatementRow>,
    receipt: FormState,
    statement: FormState,
    adjustment: FormState,
    credit: FormState,
    methods: &'static [&'static str],
    may_manage: bool,
    approvals: Vec<crate::pages::approvals::ApprovalPanel>,
    delegates: Vec<(String, String)>,
}

/// The forms of a partner's finance page, one of which may carry errors.
#[derive(Default)]
struct PartnerForms {
    receipt: FormState,
    statement: FormState,
    adjustment: FormState,
    credit: FormState,
}

async fn partner_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    partner: PartnerId,
    forms: PartnerForms,
) -> WebResult<Response> {
    let app = state.app();
    let detail = qudao_app::partners::get_partner(app, ctx, partner).await?;
    let accounts = qudao_app::accounts::partner_accounts(app, ctx, partner).await?;
    let standing = uc::credit_standing(app, ctx, partner).await?;
    let receipts = uc::list_receipts(app, ctx, Some(partner), &PageRequest::first(20)).await?.items;
    let statements = uc::list_statements(app, ctx, Some(partner), None, &PageRequest::first(20)).await?.items;
    let failed =
        forms.receipt.failed() || forms.statement.failed() || forms.adjustment.failed() || forms.credit.failed();
    let credit = if forms.credit.failed() {
        forms.credit
    } else {
        let receivable = accounts.iter().find(|a| a.kind == "receivable");
        FormState::with_values([
            ("credit_line", receivable.map(|a| format!("{:.2}", a.credit_line as f64 / 100.0)).unwrap_or_default()),
            ("terms_days", receivable.and_then(|a| a.terms_days).map(|d| d.to_string()).unwrap_or_default()),
        ])
    };
    let mut c = Chrome::new(state, context, "finance.partner_title", CONSOLE).await;
    c.title = format!("{} · {}", c.title, detail.partner.name);
    // Credit line changes and the recent adjustments a flow held: where they stand, and the
    // caller's turn.
    let mut approvals = crate::pages::approvals::panels_of(state, ctx, &c, "credit_line", &partner.to_string()).await?;
    let recent = uc::list_adjustments(app, ctx, Some(partner), None, &PageRequest::first(10)).await?.items;
    for adjustment in &recent {
        approvals.extend(
            crate::pages::approvals::panels_of(state, ctx, &c, "adjustment", &adjustment.id.to_string()).await?,
        );
    }
    let delegates = if approvals.iter().any(|a| a.my_turn) {
        crate::pages::approvals::delegates(state, ctx).await
    } else {
        Vec::new()
    };
    let page = PartnerPage {
        approvals,
        delegates,
        c,
        partner_id: partner.to_string(),
        accounts,
        standing,
        receipts,
        statements: statements.iter().map(statement_row).collect(),
        receipt: forms.receipt,
        statement: forms.statement,
        adjustment: forms.adjustment,
        credit,
        methods: &uc::receipts::METHODS,
        may_manage: ctx.caller().may(Permission::FinanceManage),
    };
    Ok(render(if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, &page))
}

async fn show_partner(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(partner): Id<PartnerId>,
) -> WebResult<Response> {
    partner_page(&state, &ctx, &context, partner, PartnerForms::default()).await
}

fn partner_url(partner: PartnerId) -> String {
    format!("{CONSOLE}/partners/{partner}")
}

/// `POST /console/finance/partners/{id}/receipts`: a multipart form, so the bank slip goes with
/// the receipt in one step.
async fn record_receipt(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(partner): Id<PartnerId>,
    mut form: UploadForm,
) -> WebResult<Response> {
    let app = state.app();
    let keep = ["amount", "method", "received_date", "memo"];
    let mut values = FormState::with_values(keep.iter().map(|k| (*k, form.value(k))));
    let file = form.file.take();
    let input = uc::ReceiptInput {
        amount: form.value("amount"),
        method: Some(form.value("method")),
        received_date: Some(form.value("received_date")),
        proof_file_id: None,
        memo: Some(form.value("memo")),
        allocations: None,
    };
    let proof = file.as_ref().map(|f| (f.filename.as_str(), f.bytes.clone()));
    match uc::record_receipt_with_proof(app, &ctx, partner, &input, proof, None).await {
        Ok(_) => Ok(see_other(&partner_url(partner), Some("finance.receipt_recorded"))),
        Err(AppError::Invalid(invalid)) => {
            values.fail(context.lang, &invalid, &["amount", "method", "received_date", "memo", "file"]);
            partner_page(&state, &ctx, &context, partner, PartnerForms { receipt: values, ..PartnerForms::default() })
                .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_credit(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(partner): Id<PartnerId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |name: &str| field_value(&fields, name);
    let (line, terms) = (value("credit_line"), value("terms_days"));
    let mut form = FormState::with_values([("credit_line", line.clone()), ("terms_days", terms.clone())]);
    let terms_days = if terms.is_empty() {
        Some(None)
    } else if let Ok(days) = terms.parse::<i64>() {
        Some(Some(days))
    } else {
        form.add_error("terms_days", crate::i18n::t(context.lang, "field.out_of_range"));
        return partner_page(&state, &ctx, &context, partner, PartnerForms { credit: form, ..PartnerForms::default() })
            .await;
    };
    match qudao_app::accounts::set_credit_line(state.app(), &ctx, partner, &line, terms_days).await {
        Ok(qudao_app::approvals::Gated::Applied(_)) => Ok(see_other(&partner_url(partner), Some("finance.saved"))),
        Ok(qudao_app::approvals::Gated::Waiting(..)) => {
            Ok(see_other(&partner_url(partner), Some("approvals.submitted")))
        }
        Err(AppError::Invalid(invalid)) => {
            form.fail(context.lang, &invalid, &["credit_line", "terms_days"]);
            partner_page(&state, &ctx, &context, partner, PartnerForms { credit: form, ..PartnerForms::default() })
                .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn issue_statement(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(partner): Id<PartnerId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |name: &str| field_value(&fields, name);
    let input = uc::StatementInput { period_from: value("period_from"), period_to: value("period_to") };
    let mut form =
        FormState::with_values([("period_from", input.period_from.clone()), ("period_to", input.period_to.clone())]);
    match uc::issue_statement(state.app(), &ctx, partner, &input, None).await {
        Ok(issued) => {
            Ok(see_other(&format!("{CONSOLE}/statements/{}", issued.statement.id), Some("finance.statement_issued")))
        }
        Err(AppError::Invalid(invalid)) => {
            form.fail(context.lang, &invalid, &["period_from", "period_to"]);
            partner_page(&state, &ctx, &context, partner, PartnerForms { statement: form, ..PartnerForms::default() })
                .await
        }
        Err(AppError::Conflict(code)) => {
            form.fail_general(context.lang, &format!("error.conflict.{code}"));
            partner_page(&state, &ctx, &context, partner, PartnerForms { statement: form, ..PartnerForms::default() })
                .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn request_adjustment(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(partner): Id<PartnerId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |name: &str| field_value(&fields, name);
    let keep = ["account", "amount", "order_number", "reason"];
    let mut form = FormState::with_values(keep.iter().map(|k| (*k, value(k))));
    let order_id = match value("order_number").as_str() {
        "" => None,
        number => match qudao_app::orders::order_id_by_number(state.app(), &ctx, number).await {
            Ok(id) => Some(id),
            Err(AppError::NotFound) => {
                form.add_error("order_number", crate::i18n::t(context.lang, "field.not_a_credit_order_of_partner"));
                let forms = PartnerForms { adjustment: form, ..PartnerForms::default() };
                return partner_page(&state, &ctx, &context, partner, forms).await;
            }
            Err(other) => return Err(other.into()),
        },
    };
    let input =
        uc::AdjustmentInput { account: value("account"), amount: value("amount"), order_id, reason: value("reason") };
    match uc::request_adjustment(state.app(), &ctx, partner, &input, None).await {
        Ok(_) => Ok(see_other(&partner_url(partner), Some("finance.adjustment_requested"))),
        Err(AppError::Invalid(invalid)) => {
            form.fail(context.lang, &invalid, &["account", "amount", "order_id", "reason"]);
            partner_page(&state, &ctx, &context, partner, PartnerForms { adjustment: form, ..PartnerForms::default() })
                .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn decide(ctx: &Ctx, state: &AppState, id: AdjustmentId, approve: bool, comment: String) -> WebResult<Response> {
    let decision = uc::AdjustmentDecision { comment: Some(comment) };
    uc::decide_adjustment(state.app(), ctx, id, approve, &decision).await?;
    Ok(see_other(CONSOLE, Some(if approve { "finance.adjustment_approved" } else { "finance.adjustment_rejected" })))
}

async fn approve_adjustment(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<AdjustmentId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let comment = field_value(&fields, "comment");
    decide(&ctx, &state, id, true, comment).await
}

async fn reject_adjustment(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<AdjustmentId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let comment = field_value(&fields, "comment");
    decide(&ctx, &state, id, false, comment).await
}

#[derive(Template)]
#[template(path = "finance/statement.html")]
struct StatementPage {
    c: Chrome,
    st: StatementView,
    status_label: &'static str,
    period: String,
    detail: StatementDetail,
    back: &'static str,
    may_confirm: bool,
    may_dispute: bool,
    form: FormState,
    thread: ThreadPanel,
}

async fn statement_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: StatementId,
    form: FormState,
) -> WebResult<Response> {
    let detail = uc::get_statement(state.app(), ctx, id).await?;
    let portal = ctx.caller().partner_id().is_some();
    let (section, back) = if portal { (PORTAL, PORTAL) } else { (CONSOLE, CONSOLE) };
    let mut c = Chrome::new(state, context, "finance.statement", section).await;
    let s = detail.statement.clone();
    c.title = format!("{} {}", c.title, s.number);
    let may_answer = ctx.caller().may(Permission::StatementsRespond);
    let status = if form.failed() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let here = format!("{section}/statements/{id}");
    let thread = crate::pages::threads::panel(state, ctx, &c, "statement", &id.to_string(), &here).await?;
    let page = StatementPage {
        thread,
        c,
        period: period(&s),
        may_confirm: may_answer && matches!(s.status.as_str(), "issued" | "disputed"),
        may_dispute: may_answer && s.status == "issued",
        status_label: crate::i18n::t(context.lang, &format!("finance.status.{}", s.status)),
        st: s,
        detail,
        back,
        form,
    };
    Ok(render(status, &page))
}

async fn show_statement(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<StatementId>,
) -> WebResult<Response> {
    statement_page(&state, &ctx, &context, id, FormState::new()).await
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: StatementId,
    confirm: bool,
    fields: &[(String, String)],
) -> WebResult<Response> {
    let comment = fields.iter().find(|(k, _)| k == "comment").map(|(_, v)| v.clone());
    let response = uc::StatementResponse { comment: comment.clone() };
    match uc::respond_statement(state.app(), ctx, id, confirm, &response).await {
        Ok(_) => Ok(see_other(
            &format!("{PORTAL}/statements/{id}"),
            Some(if confirm { "finance.statement_confirmed" } else { "finance.statement_disputed" }),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut form = FormState::with_values([("comment", comment.unwrap_or_default())]);
            form.fail(context.lang, &invalid, &["comment"]);
            statement_page(state, ctx, context, id, form).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn confirm_statement(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<StatementId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    answer(&state, &ctx, &context, id, true, &fields).await
}

async fn dispute_statement(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<StatementId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    answer(&state, &ctx, &context, id, false, &fields).await
}

#[derive(Template)]
#[template(path = "finance/portal.html")]
struct PortalPage {
    c: Chrome,
    accounts: Vec<AccountView>,
    standing: CreditStanding,
    receipts: Vec<ReceiptView>,
    statements: Vec<StatementRow>,
}

async fn show_portal(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let app = state.app();
    let partner = ctx.caller().partner_id().ok_or(AppError::NotFound)?;
    let accounts = qudao_app::accounts::partner_accounts(app, &ctx, partner).await?;
    let standing = uc::credit_standing(app, &ctx, partner).await?;
    let receipts = uc::list_receipts(app, &ctx, Some(partner), &PageRequest::first(20)).await?.items;
    let statements = uc::list_statements(app, &ctx, Some(partner), None, &PageRequest::first(24)).await?.items;
    let c = Chrome::new(&state, &context, "finance.title", PORTAL).await;
    let statements = statements.iter().map(statement_row).collect();
    Ok(render(StatusCode::OK, &PortalPage { c, accounts, standing, receipts, statements }))
}

const PARTNER: &[(&str, ObjectKind)] = &[("id", ObjectKind::Partner)];
const STATEMENT: &[(&str, ObjectKind)] = &[("id", ObjectKind::Statement)];
const ADJUSTMENT: &[(&str, ObjectKind)] = &[("id", ObjectKind::Adjustment)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/console/finance",
        Permission::AccountsRead,
        "Finance: aging, credit holds, adjustments waiting, statements",
        |v| on(v, show_overview),
    ),
    Route::page(
        Verb::Post,
        "/console/finance/settings",
        Permission::FinanceManage,
        "Save credit terms and the hold",
        |v| on(v, save_settings),
    )
    .effect(Effect::Change)
    .form(&[("credit_terms_days", "30"), ("credit_hold_overdue", "")]),
    Route::page(
        Verb::Get,
        "/console/finance/partners/{id}",
        Permission::AccountsRead,
        "A partner's finance: balances, standing, receipts, statements",
        |v| on(v, show_partner),
    )
    .params(PARTNER),
    Route::page(
        Verb::Post,
        "/console/finance/partners/{id}/receipts",
        Permission::FinanceManage,
        "Record a receipt with its bank slip",
        |v| on(v, record_receipt),
    )
    .params(PARTNER)
    .effect(Effect::Create)
    .upload(),
    Route::page(
        Verb::Post,
        "/console/finance/partners/{id}/credit",
        Permission::FinanceManage,
        "Set a partner's credit line and terms",
        |v| on(v, set_credit),
    )
    .params(PARTNER)
    .effect(Effect::Change)
    .form(&[("credit_line", "50000.00"), ("terms_days", "45")]),
    Route::page(
        Verb::Post,
        "/console/finance/partners/{id}/statements",
        Permission::FinanceManage,
        "Issue a partner's statement for a closed period",
        |v| on(v, issue_statement),
    )
    .params(PARTNER)
    .effect(Effect::Create)
    .form(&[("period_from", "2026-09-01"), ("period_to", "2026-09-30")]),
    Route::page(
        Verb::Post,
        "/console/finance/partners/{id}/adjustments",
        Permission::FinanceManage,
        "Ask for an adjustment of a partner's balance",
        |v| on(v, request_adjustment),
    )
    .params(PARTNER)
    .effect(Effect::Create)
    .form(&[("account", "rebate"), ("amount", "100.00"), ("reason", "陈列奖励")]),
    Route::page(
        Verb::Post,
        "/console/finance/adjustments/{id}/approve",
        Permission::FinanceManage,
        "Approve an adjustment",
        |v| on(v, approve_adjustment),
    )
    .params(ADJUSTMENT)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/finance/adjustments/{id}/reject",
        Permission::FinanceManage,
        "Reject an adjustment",
        |v| on(v, reject_adjustment),
    )
    .params(ADJUSTMENT)
    .effect(Effect::Change),
    Route::page(
        Verb::Get,
        "/console/finance/statements/{id}",
        Permission::AccountsRead,
        "A statement, ready to print",
        |v| on(v, show_statement),
    )
    .params(STATEMENT),
    Route::page(
        Verb::Get,
        "/portal/finance",
        Permission::AccountsRead,
        "The company's balances, standing and statements",
        |v| on(v, show_portal),
    ),
    Route::page(
        Verb::Get,
        "/portal/finance/statements/{id}",
        Permission::AccountsRead,
        "A statement, ready to print, with confirm and dispute",
        |v| on(v, show_statement),
    )
    .params(STATEMENT),
    Route::page(
        Verb::Post,
        "/portal/finance/statements/{id}/confirm",
        Permission::StatementsRespond,
        "Confirm a statement",
        |v| on(v, confirm_statement),
    )
    .params(STATEMENT)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/portal/finance/statements/{id}/dispute",
        Permission::StatementsRespond,
        "Dispute a statement with a reason",
        |v| on(v, dispute_statement),
    )
    .params(STATEMENT)
    .effect(Effect::Change)
    .form(&[("comment", "11月15日回款未计入")]),
];

//! Opportunity pages. Portal: the board by stage, one opportunity (stage moves, follow-ups, its
//! stays in stages), the monthly forecast. Console: the pipeline — funnel for a period, the
//! month's forecasts by province and tier, open opportunities by stage.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::deals::opportunities::{
    self as uc, FollowupBody, ForecastInput, ForecastLine, OpportunityBody, StageMove,
};
use qudao_app::threads::Attachment;
use qudao_domain::access::{Permission, RoleSide};
use qudao_domain::deals::pipeline::{ForecastCategory, StageKind};
use serde::Deserialize;

use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiQuery, PageForm, UploadForm};
use crate::pages::form::optional;
use crate::pages::ordering::label;
use crate::pages::{Chrome, area_of, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// An opportunity as a card on the board.
pub struct Card {
    href: String,
    name: String,
    customer: String,
    amount: String,
    weighted: String,
    close: String,
    partner: String,
}

/// One column of the board.
pub struct Column {
    code: String,
    name: String,
    probability: u8,
    total: String,
    cards: Vec<Card>,
}

fn card(c: &Chrome, base: &str, o: &uc::OpportunityView) -> Card {
    let row = &o.opportunity;
    Card {
        href: format!("{base}/opportunities/{}", row.id),
        name: row.name.clone(),
        customer: row.customer_name.clone(),
        amount: c.money(row.amount),
        weighted: c.money(o.weighted_amount),
        close: row.close_date.map(|d| c.date(i64::from(d))).unwrap_or_default(),
        partner: row.partner_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "opportunities/board.html")]
struct BoardPage {
    c: Chrome,
    columns: Vec<Column>,
    closed: Vec<(Card, String)>,
    may_create: bool,
}

async fn board(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let stages = uc::stages(state.app(), &ctx).await?;
    let all = uc::list(state.app(), &ctx, false).await?;
    let c = Chrome::new(&state, &context, "opportunities.board_title", "/portal/opportunities").await;
    let columns = stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|s| {
            let here: Vec<&uc::OpportunityView> = all.iter().filter(|o| o.opportunity.stage == s.code).collect();
            Column {
                code: s.code.clone(),
                name: s.name.clone(),
                probability: s.probability,
                total: c.money(here.iter().map(|o| o.opportunity.amount).sum::<i64>()),
                cards: here.iter().map(|o| card(&c, "/portal", o)).collect(),
            }
        })
        .collect();
    let closed = all
        .iter()
        .filter(|o| o.opportunity.closed_ms.is_some())
        .map(|o| (card(&c, "/portal", o), o.stage_name.clone()))
        .collect();
    Ok(page(&BoardPage { columns, closed, may_create: ctx.caller().may(Permission::DealsRegister), c }))
}

/// The new-opportunity form (also the "convert" buttons of registrations and leads).
#[derive(Debug, Default, Deserialize)]
struct CreateForm {
    #[serde(default)]
    customer_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    close_date: String,
    #[serde(default)]
    from_registration: String,
    #[serde(default)]
    from_lead: String,
}

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    PageForm(form): PageForm<CreateForm>,
) -> WebResult<Response> {
    let body = OpportunityBody {
        name: optional(&form.name),
        from_lead: optional(&form.from_lead),
        from_registration: optional(&form.from_registration),
        customer_name: optional(&form.customer_name),
        amount: optional(&form.amount).map(serde_json::Value::String),
        close_date: optional(&form.close_date),
        products: None,
        competitors: None,
    };
    let view = uc::create(state.app(), &ctx, &body, None).await?;
    Ok(see_other(&format!("/portal/opportunities/{}", view.opportunity.id), Some("opportunities.flash_created")))
}

#[derive(Template)]
#[template(path = "opportunities/show.html")]
struct ShowPage {
    c: Chrome,
    console: bool,
    id: String,
    card: Card,
    stage_name: String,
    probability: u8,
    closed: bool,
    reason: String,
    stages: Vec<(String, String)>,
    visits: Vec<(String, String, String)>,
    followups: Vec<(String, String, String, String)>,
    members: Vec<(String, String)>,
    shared: Vec<String>,
    /// Moves the stage: the owner's sellers.
    may_work: bool,
    /// Writes follow-ups: the partners' sellers and the deal's team.
    may_follow_up: bool,
}

#[derive(Debug, Deserialize)]
struct OpportunityPath {
    id: String,
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
) -> WebResult<Response> {
    let view = uc::get(state.app(), &ctx, &path.id).await?;
    let stages = uc::stages(state.app(), &ctx).await?;
    let console = ctx.caller().role().side() == RoleSide::Brand;
    let section = if console { "/console/pipeline" } else { "/portal/opportunities" };
    let mut c = Chrome::new(&state, &context, "opportunities.title", section).await;
    c.title = format!("{} {}", c.t("opportunities.title"), view.opportunity.number);
    let name_of =
        |code: &str| stages.iter().find(|s| s.code == code).map_or_else(|| code.to_string(), |s| s.name.clone());
    let visits = view
        .visits
        .iter()
        .map(|v| {
            let days =
                v.left_ms.map(|left| format!("{:.1}", (left - v.entered_ms) as f64 / 86_400_000.0)).unwrap_or_default();
            (name_of(&v.stage), c.datetime(v.entered_ms), days)
        })
        .collect();
    let followups = view
        .followups
        .iter()
        .map(|f| {
            let file = f.file_id.clone().unwrap_or_default();
            (c.datetime(f.at_ms), label(&c, "opportunities.kind.", &f.kind), f.note.clone(), file)
        })
        .collect();
    let page_view = ShowPage {
        console,
        id: path.id.clone(),
        card: card(&c, area_of(&ctx), &view),
        stage_name: view.stage_name.clone(),
        probability: view.probability,
        closed: view.opportunity.closed_ms.is_some(),
        reason: view.opportunity.outcome_reason.clone().unwrap_or_default(),
        stages: stages
            .iter()
            .filter(|s| s.code != view.opportunity.stage)
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        visits,
        followups,
        members: view.members.iter().map(|m| (m.name.clone(), m.role.clone())).collect(),
        shared: view.shared_with.iter().map(|(_, name)| name.clone()).collect(),
        may_work: uc::may_move_stage(&ctx, &view.opportunity),
        may_follow_up: uc::may_write_followups(&ctx, &view.members),
        c,
    };
    Ok(page(&page_view))
}

#[derive(Debug, Default, Deserialize)]
struct StageForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    reason: String,
}

async fn move_stage(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    PageForm(form): PageForm<StageForm>,
) -> WebResult<Response> {
    let input = StageMove { stage: form.stage.clone(), reason: optional(&form.reason) };
    uc::move_stage(state.app(), &ctx, &path.id, &input).await?;
    Ok(see_other(&format!("/portal/opportunities/{}", path.id), Some("opportunities.flash_moved")))
}

/// A follow-up written on the page: multipart `kind`, `date`, `note` and an optional picture
/// `file` (checked like every upload).
async fn followup(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<OpportunityPath>,
    form: Result<UploadForm, WebError>,
) -> WebResult<Response> {
    let form = form?;
    let body = FollowupBody { kind: form.value("kind"), note: form.value("note"), date: optional(&form.value("date")) };
    let picture = form.file.map(|f| Attachment { filename: f.filename, bytes: f.bytes });
    uc::add_followup(state.app(), &ctx, &path.id, &body, picture).await?;
    let area = area_of(&ctx);
    Ok(see_other(&format!("{area}/opportunities/{}#followups", path.id), Some("opportunities.flash_followed")))
}

/// One line of the forecast form: the opportunity, its amount, the categories to choose from.
pub struct ForecastRow {
    id: String,
    name: String,
    amount: String,
    options: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "opportunities/forecast.html")]
struct ForecastPage {
    c: Chrome,
    period: String,
    lines: Vec<ForecastRow>,
    commit: String,
    best_case: String,
    pipeline: String,
}

#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

fn this_month(state: &AppState) -> String {
    let today = qudao_app::clock::china_date(state.app().now_ms());
    format!("{}-{:02}", today / 10_000, today / 100 % 100)
}

async fn forecast(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> WebResult<Response> {
    let period = query.period.filter(|p| !p.trim().is_empty()).unwrap_or_else(|| this_month(&state));
    let draft = uc::forecast_draft(state.app(), &ctx, &period).await?;
    let c = Chrome::new(&state, &context, "opportunities.forecast_title", "/portal/opportunities").await;
    let lines = draft
        .lines
        .iter()
        .map(|l| ForecastRow {
            id: l.opportunity_id.clone(),
            name: l.name.clone(),
            amount: c.money(l.amount),
            options: ForecastCategory::ALL
                .into_iter()
                .map(|k| (k.as_str(), c.t(&format!("opportunities.forecast.{}", k.as_str())), k == l.category))
                .collect(),
        })
        .collect();
    Ok(page(&ForecastPage {
        period,
        lines,
        commit: c.money(draft.totals.commit),
        best_case: c.money(draft.totals.best_case),
        pipeline: c.money(draft.totals.pipeline),
        c,
    }))
}

async fn submit_forecast(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let period = crate::pages::form::field_value(&fields, "period");
    let mut lines = Vec::new();
    for (key, value) in &fields {
        let Some(id) = key.strip_prefix("category.") else { continue };
        // A category the form never offers is refused, not read as "pipeline".
        let category = ForecastCategory::parse(value).ok_or_else(|| {
            let codes: Vec<&str> = ForecastCategory::ALL.iter().map(|k| k.as_str()).collect();
            qudao_app::AppError::from(qudao_domain::FieldError::with_param(
                key.as_str(),
                "not_one_of",
                codes.join(", "),
            ))
        })?;
        lines.push(ForecastLine { opportunity_id: id.to_string(), name: String::new(), category, amount: 0 });
    }
    uc::submit_forecast(state.app(), &ctx, &ForecastInput { period: period.clone(), lines }).await?;
    Ok(see_other(&format!("/portal/forecast?period={period}"), Some("opportunities.flash_forecast")))
}

#[derive(Template)]
#[template(path = "opportunities/pipeline.html")]
struct PipelinePage {
    c: Chrome,
    from: String,
    to: String,
    period: String,
    funnel: Vec<(String, usize, usize, String, String, usize)>,
    rollup: Vec<(String, String, i64, String, String, String)>,
    columns: Vec<Column>,
}

#[derive(Debug, Default, Deserialize)]
struct PipelineQuery {
    from: Option<String>,
    to: Option<String>,
    period: Option<String>,
}

async fn pipeline(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<PipelineQuery>,
) -> WebResult<Response> {
    let today = qudao_app::clock::china_date(state.app().now_ms());
    let parse = |text: Option<&str>, default: u32| {
        text.and_then(|t| qudao_domain::dates::parse_date("date", t).ok()).unwrap_or(default)
    };
    let from = parse(query.from.as_deref(), today / 10_000 * 10_000 + 101);
    let to = parse(query.to.as_deref(), today);
    let period = query.period.clone().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| this_month(&state));
    let stages = uc::stages(state.app(), &ctx).await?;
    let funnel = uc::funnel(state.app(), &ctx, from, to, 30).await?;
    let rollup = uc::forecast_rollup(state.app(), &ctx, &period).await?;
    let all = uc::list(state.app(), &ctx, true).await?;
    let c = Chrome::new(&state, &context, "opportunities.pipeline_title", "/console/pipeline").await;
    let name_of =
        |code: &str| stages.iter().find(|s| s.code == code).map_or_else(|| code.to_string(), |s| s.name.clone());
    let funnel = funnel
        .iter()
        .map(|f| {
            (
                name_of(&f.stage),
                f.entered,
                f.advanced,
                format!("{:.0}%", f.conversion * 100.0),
                f.mean_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                f.stagnant,
            )
        })
        .collect();
    let rollup = rollup
        .iter()
        .map(|r| {
            (
                r.region_name.clone(),
                r.tier.clone(),
                r.partners,
                c.money(r.commit),
                c.money(r.best_case),
                c.money(r.pipeline),
            )
        })
        .collect();
    let columns = stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|s| {
            let here: Vec<&uc::OpportunityView> = all.iter().filter(|o| o.opportunity.stage == s.code).collect();
            Column {
                code: s.code.clone(),
                name: s.name.clone(),
                probability: s.probability,
                total: c.money(here.iter().map(|o| o.opportunity.amount).sum::<i64>()),
                cards: here.iter().map(|o| card(&c, "/console", o)).collect(),
            }
        })
        .collect();
    Ok(page(&PipelinePage {
        from: qudao_domain::dates::format_date(from),
        to: qudao_domain::dates::format_date(to),
        period,
        funnel,
        rollup,
        columns,
        c,
    }))
}

const OPPORTUNITY: &[(&str, ObjectKind)] = &[("id", ObjectKind::Opportunity)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/portal/opportunities",
        Permission::DealsRead,
        "The partner's opportunity board by stage",
        |v| on(v, board),
    ),
    Route::page(
        Verb::Post,
        "/portal/opportunities",
        Permission::DealsRegister,
        "Enter an opportunity (or convert a registration or lead)",
        |v| on(v, create),
    )
    .effect(Effect::Create)
    .form(&[("customer_name", "苏州同创智能装备有限公司"), ("amount", "300000"), ("close_date", "2027-03-31")]),
    Route::page(
        Verb::Get,
        "/portal/opportunities/{id}",
        Permission::DealsRead,
        "One opportunity: stage, follow-ups, stays in stages",
        |v| on(v, show),
    )
    .params(OPPORTUNITY),
    Route::page(
        Verb::Post,
        "/portal/opportunities/{id}/stage",
        Permission::DealsRegister,
        "Move an opportunity to a stage",
        |v| on(v, move_stage),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .form(&[("stage", "qualify")]),
    Route::page(
        Verb::Post,
        "/opportunities/{id}/followups",
        Permission::DealsRead,
        "Add a follow-up record from the deal's page (partners' sellers and the deal's team)",
        |v| on(v, followup),
    )
    .params(OPPORTUNITY)
    .effect(Effect::Change)
    .upload(),
    Route::page(Verb::Get, "/portal/forecast", Permission::DealsRegister, "The monthly forecast to commit", |v| {
        on(v, forecast)
    }),
    Route::page(Verb::Post, "/portal/forecast", Permission::DealsRegister, "Commit the monthly forecast", |v| {
        on(v, submit_forecast)
    })
    .effect(Effect::Change)
    .form(&[("period", "2026-12")]),
    Route::page(
        Verb::Get,
        "/console/pipeline",
        Permission::DealsRead,
        "The pipeline: funnel, forecasts by province and tier, open opportunities",
        |v| on(v, pipeline),
    ),
    Route::page(
        Verb::Get,
        "/console/opportunities/{id}",
        Permission::DealsRead,
        "One opportunity as the brand sees it",
        |v| on(v, show),
    )
    .params(OPPORTUNITY),
];

//! Lead pages. Public: the contact form prospects fill in. Portal: the lead inbox with each
//! lead's deadline, accept and decline. Console: every lead with where it went and why, the
//! routing rules with a "test this lead" preview, and SLA breaches per partner.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::deals::leads::{self as uc, LeadBody, LeadQuery, PreviewInput, RuleInput};
use qudao_domain::access::Permission;
use qudao_domain::deals::routing::{Rule, Strategy, TierWeight};
use qudao_store::deals::leads::LeadRow;
use serde::Deserialize;

use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{ApiQuery, PageForm};
use crate::pages::console::partners::{Choice, region_choices};
use crate::pages::ordering::label;
use crate::pages::{Chrome, FormState, area_of, page, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A lead as a card.
pub struct Card {
    id: String,
    href: String,
    number: String,
    company: String,
    contact: String,
    region: String,
    industry: String,
    message: String,
    status: String,
    status_label: String,
    partner: String,
    deadline: String,
    reason: String,
    waiting: bool,
}

/// The reason of a routing as one sentence.
fn reason_text(c: &Chrome, reason: Option<&serde_json::Value>) -> String {
    let Some(reason) = reason else { return String::new() };
    if reason["nobody"].as_bool() == Some(true) {
        return c.t("leads.nobody").into();
    }
    let matched: Vec<&str> =
        reason["matched"].as_array().map(|m| m.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
    let picked = label(c, "leads.strategy.", reason["picked_by"].as_str().unwrap_or_default());
    let mut text = format!(
        "{} #{} {}",
        c.t("leads.rule"),
        reason["rule_position"].as_i64().unwrap_or_default(),
        reason["rule"].as_str().unwrap_or_default()
    );
    if !matched.is_empty() {
        text.push_str(&format!(" · {}", matched.join(", ")));
    }
    text.push_str(&format!(
        " · {} · {}",
        c.tn("leads.eligible", &reason["eligible"].as_i64().unwrap_or_default().to_string()),
        picked
    ));
    let tried = reason["already_tried"].as_i64().unwrap_or_default();
    if tried > 0 {
        text.push_str(&format!(" · {}", c.tn("leads.tried", &tried.to_string())));
    }
    text
}

fn card(c: &Chrome, base: &str, lead: &LeadRow, now: i64) -> Card {
    let waiting = lead.status.as_str() == "assigned";
    let deadline = match lead.due_ms {
        Some(due) if waiting => {
            let hours = ((due - now).max(0) + 3_599_999) / 3_600_000;
            format!("{} · {}", c.datetime(due), c.tn("leads.hours_left", &hours.to_string()))
        }
        _ => String::new(),
    };
    let contact: Vec<&str> =
        [lead.contact_name.as_deref(), lead.phone.as_deref(), lead.email.as_deref()].into_iter().flatten().collect();
    Card {
        id: lead.id.clone(),
        href: format!("{base}/leads/{}", lead.id),
        number: lead.number.clone(),
        company: lead.company.clone(),
        contact: contact.join(" · "),
        region: lead.region_name.clone(),
        industry: lead.industry.clone(),
        message: lead.message.clone().unwrap_or_default(),
        status: lead.status.as_str().into(),
        status_label: label(c, "leads.status.", lead.status.as_str()),
        partner: lead.partner_name.clone().unwrap_or_default(),
        deadline,
        reason: reason_text(c, lead.reason.as_ref()),
        waiting,
    }
}

#[derive(Template)]
#[template(path = "leads/list.html")]
struct ListPage {
    c: Chrome,
    console: bool,
    cards: Vec<Card>,
    status: String,
    statuses: Vec<Choice>,
    may_answer: bool,
}

#[derive(Debug, Default, Deserialize)]
struct ListFilter {
    status: Option<String>,
    q: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> WebResult<Response> {
    let base = area_of(&ctx);
    let console = base == "/console";
    let query =
        LeadQuery { status: filter.status.clone(), q: filter.q.clone(), limit: Some(200), ..LeadQuery::default() };
    let leads = uc::list(state.app(), &ctx, &query).await?;
    let section = format!("{base}/leads");
    let c = Chrome::new(&state, &context, if console { "leads.title" } else { "leads.inbox_title" }, &section).await;
    let now = state.app().now_ms();
    let cards = leads.iter().map(|l| card(&c, base, l, now)).collect();
    let statuses = ["unassigned", "assigned", "accepted", "converted", "closed"]
        .into_iter()
        .map(|s| Choice { value: s.into(), label: label(&c, "leads.status.", s) })
        .collect();
    Ok(page(&ListPage {
        console,
        cards,
        status: filter.status.unwrap_or_default(),
        statuses,
        may_answer: ctx.caller().may(Permission::DealsRegister),
        c,
    }))
}

#[derive(Template)]
#[template(path = "leads/show.html")]
struct ShowPage {
    c: Chrome,
    console: bool,
    card: Card,
    history: Vec<(String, String, String, String)>,
    may_answer: bool,
}

#[derive(Debug, Deserialize)]
struct LeadPath {
    id: String,
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
) -> WebResult<Response> {
    let view = uc::get(state.app(), &ctx, &path.id).await?;
    let base = area_of(&ctx);
    let console = base == "/console";
    let mut c = Chrome::new(&state, &context, "leads.lead_title", &format!("{base}/leads")).await;
    c.title = format!("{} {}", c.t("leads.lead_title"), view.lead.number);
    let now = state.app().now_ms();
    let history = view
        .assignments
        .iter()
        .map(|a| {
            (
                c.datetime(a.assigned_ms),
                a.partner_name.clone(),
                label(&c, "leads.outcome.", &a.outcome),
                [reason_text(&c, Some(&a.reason)), a.note.clone().unwrap_or_default()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
            )
        })
        .collect();
    let card = card(&c, base, &view.lead, now);
    Ok(page(&ShowPage { console, card, history, may_answer: ctx.caller().may(Permission::DealsRegister), c }))
}

/// An answer as posted.
#[derive(Debug, Default, Deserialize)]
struct AnswerForm {
    #[serde(default)]
    reason: String,
}

async fn accept(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
) -> WebResult<Response> {
    uc::accept(state.app(), &ctx, &path.id).await?;
    Ok(see_other(&format!("/portal/leads/{}", path.id), Some("leads.flash_accepted")))
}

async fn decline(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(path): axum::extract::Path<LeadPath>,
    PageForm(form): PageForm<AnswerForm>,
) -> WebResult<Response> {
    uc::decline(state.app(), &ctx, &path.id, Some(&form.reason).filter(|r| !r.trim().is_empty()).map(String::as_str))
        .await?;
    Ok(see_other("/portal/leads", Some("leads.flash_declined")))
}

/// One rule in the editor's list.
pub struct RuleLine {
    id: String,
    position: i64,
    name: String,
    summary: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "leads/rules.html")]
struct RulesPage {
    c: Chrome,
    rules: Vec<RuleLine>,
    form: FormState,
    regions: Vec<Choice>,
    preview: Option<String>,
    test_region: String,
    test_industry: String,
}

fn rule_summary(c: &Chrome, definition: &serde_json::Value) -> String {
    let list = |key: &str| -> String {
        definition[key]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let mut parts = Vec::new();
    for (key, label_key) in
        [("lead_regions", "leads.lead_regions"), ("lead_industries", "leads.lead_industries"), ("tiers", "leads.tiers")]
    {
        let value = list(key);
        if !value.is_empty() {
            parts.push(format!("{} {value}", c.t(label_key)));
        }
    }
    if let Some(capacity) = definition["capacity"].as_i64() {
        parts.push(c.tn("leads.capacity_n", &capacity.to_string()));
    }
    parts.push(label(c, "leads.strategy.", definition["strategy"].as_str().unwrap_or_default()));
    parts.push(c.tn("leads.sla_n", &definition["sla_hours"].as_i64().unwrap_or_default().to_string()));
    parts.join(" · ")
}

#[derive(Debug, Default, Deserialize)]
struct TestQuery {
    region: Option<String>,
    industry: Option<String>,
}

async fn rules_page(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &RequestContext,
    form: FormState,
    test: &TestQuery,
    status: StatusCode,
) -> WebResult<Response> {
    let rows = uc::rules(state.app(), ctx).await?;
    let c = Chrome::new(state, context, "leads.rules_title", "/console/leads").await;
    let rules = rows
        .iter()
        .map(|r| RuleLine {
            id: r.id.clone(),
            position: r.position,
            name: r.name.clone(),
            summary: rule_summary(&c, &r.definition),
            active: r.active,
        })
        .collect();
    let regions = qudao_app::partners::list_regions(state.app(), ctx).await?;
    let preview = match test.region.as_deref().filter(|r| !r.is_empty()) {
        Some(region) => {
            let input = PreviewInput { region: region.into(), industry: test.industry.clone() };
            match uc::preview(state.app(), ctx, &input).await {
                Ok(found) => Some(match found.partner_name {
                    Some(name) => {
                        format!("{} {name} · {}", c.t("leads.would_go_to"), reason_text(&c, Some(&found.reason)))
                    }
                    None => c.t("leads.nobody").into(),
                }),
                Err(AppError::Invalid(_)) => Some(c.t("field.unknown_region").into()),
                Err(other) => return Err(other.into()),
            }
        }
        None => None,
    };
    Ok(render(
        status,
        &RulesPage {
            rules,
            form,
            regions: region_choices(c.lang, &regions),
            preview,
            test_region: test.region.clone().unwrap_or_default(),
            test_industry: test.industry.clone().unwrap_or_default(),
            c,
        },
    ))
}

async fn show_rules(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(test): ApiQuery<TestQuery>,
) -> WebResult<Response> {
    let form = FormState::with_values([("position", "10"), ("strategy", "round_robin"), ("sla_hours", "24")]);
    rules_page(&state, &ctx, &context, form, &test, StatusCode::OK).await
}

/// The rule form: regions as codes, lists comma-separated, weights as `tier:weight`.
#[derive(Debug, Default, Deserialize)]
struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    lead_region: String,
    #[serde(default)]
    lead_industries: String,
    #[serde(default)]
    partner_region: String,
    #[serde(default)]
    tiers: String,
    #[serde(default)]
    certifications: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    strategy: String,
    #[serde(default)]
    weights: String,
    #[serde(default)]
    sla_hours: String,
}

fn split(text: &str) -> Vec<String> {
    text.split([',', '，', '、']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

const RULE_FIELDS: [&str; 12] = [
    "name",
    "position",
    "lead_region",
    "lead_industries",
    "partner_region",
    "tiers",
    "certifications",
    "capacity",
    "strategy",
    "weights",
    "sla_hours",
    "rule",
];

async fn create_rule(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<RuleForm>,
) -> WebResult<Response> {
    let mut invalid = qudao_domain::Invalid::new();
    let regions = qudao_app::partners::list_regions(state.app(), &ctx).await?;
    let path_of = |code: &str, field: &'static str, invalid: &mut qudao_domain::Invalid| -> Vec<String> {
        if code.trim().is_empty() {
            return Vec::new();
        }
        match regions.iter().find(|r| r.code == code.trim()) {
            Some(region) => vec![region.path.clone()],
            None => {
                invalid.push(qudao_domain::FieldError::new(field, "unknown_region"));
                Vec::new()
            }
        }
    };
    let lead_regions = path_of(&form.lead_region, "lead_region", &mut invalid);
    let partner_regions = path_of(&form.partner_region, "partner_region", &mut invalid);
    let number = |text: &str, field: &'static str, invalid: &mut qudao_domain::Invalid| -> Option<u32> {
        if text.trim().is_empty() {
            return None;
        }
        text.trim().parse().map_err(|_| invalid.push(qudao_domain::FieldError::new(field, "not_a_number"))).ok()
    };
    let position = number(&form.position, "position", &mut invalid).unwrap_or(10);
    let capacity = number(&form.capacity, "capacity", &mut invalid);
    let sla_hours = number(&form.sla_hours, "sla_hours", &mut invalid).unwrap_or(0);
    let mut weights = Vec::new();
    for pair in split(&form.weights) {
        match pair.split_once([':', '：']).map(|(t, w)| (t.trim().to_lowercase(), w.trim().parse::<u32>())) {
            Some((tier, Ok(weight))) if !tier.is_empty() => weights.push(TierWeight { tier, weight }),
            _ => invalid.push(qudao_domain::FieldError::new("weights", "invalid_tier_weights")),
        }
    }
    let strategy = if form.strategy == "weighted" { Strategy::Weighted } else { Strategy::RoundRobin };
    let rule = Rule {
        name: form.name.trim().to_string(),
        lead_regions,
        lead_industries: split(&form.lead_industries),
        partner_regions,
        tiers: split(&form.tiers).into_iter().map(|t| t.to_lowercase()).collect(),
        certifications: split(&form.certifications),
        partners: Vec::new(),
        capacity,
        strategy,
        weights,
        sla_hours,
    };
    let result = if invalid.is_empty() {
        uc::create_rule(
            state.app(),
            &ctx,
            &RuleInput { position: i64::from(position), active: None, rule, revision: None },
            None,
        )
        .await
        .map(|_| ())
    } else {
        Err(AppError::Invalid(invalid))
    };
    match result {
        Ok(()) => Ok(see_other("/console/routing-rules", Some("leads.flash_rule_saved"))),
        Err(AppError::Invalid(invalid)) => {
            let mut values = FormState::with_values([
                ("name", form.name.as_str()),
                ("position", &form.position),
                ("lead_region", &form.lead_region),
                ("lead_industries", &form.lead_industries),
                ("partner_region", &form.partner_region),
                ("tiers", &form.tiers),
                ("certifications", &form.certifications),
                ("capacity", &form.capacity),
                ("strategy", &form.strategy),
                ("weights", &form.weights),
                ("sla_hours", &form.sla_hours),
            ]);
            // The use case names fields as the API does (`rule.sla_hours`).
            let named = qudao_domain::Invalid {
                errors: invalid
                    .errors
                    .iter()
                    .map(|e| {
                        let field = e.field.trim_start_matches("rule.");
                        let field = if field.starts_with("regions[") { "lead_region" } else { field };
                        qudao_domain::FieldError { field: field.to_string(), ..e.clone() }
                    })
                    .collect(),
            };
            values.fail(context.lang, &named, &RULE_FIELDS);
            rules_page(&state, &ctx, &context, values, &TestQuery::default(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "leads/sla.html")]
struct SlaPage {
    c: Chrome,
    rows: Vec<(String, i64, i64, i64, i64, String)>,
}

async fn sla(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let rows = uc::sla(state.app(), &ctx, 90).await?;
    let c = Chrome::new(&state, &context, "leads.sla_title", "/console/leads").await;
    let rows = rows
        .iter()
        .map(|r| {
            let mean =
                r.mean_answer_ms.map(|ms| c.tn("leads.hours", &format!("{:.1}", ms / 3_600_000.0))).unwrap_or_default();
            (r.partner_name.clone(), r.assigned, r.accepted, r.declined, r.timed_out, mean)
        })
        .collect();
    Ok(page(&SlaPage { c, rows }))
}

#[derive(Template)]
#[template(path = "leads/public.html")]
struct PublicPage {
    c: Chrome,
    form: FormState,
    regions: Vec<Choice>,
    sent: bool,
}

#[derive(Debug, Default, Deserialize)]
struct SentQuery {
    sent: Option<String>,
}

async fn public_regions(state: &AppState) -> WebResult<Vec<qudao_store::partners::regions::Region>> {
    Ok(qudao_app::deals::leads::public_regions(state.app()).await?)
}

async fn contact_form(
    State(state): State<AppState>,
    context: RequestContext,
    ApiQuery(query): ApiQuery<SentQuery>,
) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "leads.public_title", "").await;
    let regions = region_choices(c.lang, &public_regions(&state).await?);
    Ok(page(&PublicPage { c, form: FormState::new(), regions, sent: query.sent.is_some() }))
}

/// The public form: `website` is the trap field people never see.
#[derive(Debug, Default, Deserialize)]
struct PublicForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    website: String,
}

async fn contact_submit(
    State(state): State<AppState>,
    context: RequestContext,
    PageForm(form): PageForm<PublicForm>,
) -> WebResult<Response> {
    let some = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let body = LeadBody {
        company: form.company.clone(),
        contact_name: some(&form.contact_name),
        phone: some(&form.phone),
        email: some(&form.email),
        region: some(&form.region),
        industry: some(&form.industry),
        message: some(&form.message),
    };
    match uc::submit_public(state.app(), &body, &context.ip, !form.website.trim().is_empty()).await {
        Ok(()) => Ok(see_other("/contact?sent=1", None)),
        Err(AppError::Invalid(invalid)) => {
            let c = Chrome::new(&state, &context, "leads.public_title", "").await;
            let mut values = FormState::with_values([
                ("company", form.company.as_str()),
                ("contact_name", &form.contact_name),
                ("phone", &form.phone),
                ("email", &form.email),
                ("region", &form.region),
                ("industry", &form.industry),
                ("message", &form.message),
            ]);
            values.fail(
                c.lang,
                &invalid,
                &["company", "contact_name", "phone", "email", "region", "industry", "message"],
            );
            let regions = region_choices(c.lang, &public_regions(&state).await?);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &PublicPage { c, form: values, regions, sent: false }))
        }
        Err(other) => Err(other.into()),
    }
}

const LEAD: &[(&str, ObjectKind)] = &[("id", ObjectKind::Lead)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/contact", Permission::SignedIn, "The public form prospects leave their details in", |v| {
        on(v, contact_form)
    })
    .public(),
    Route::page(
        Verb::Post,
        "/contact",
        Permission::SignedIn,
        "A prospect's details: a lead, routed at once (throttled per address)",
        |v| on(v, contact_submit),
    )
    .public()
    .effect(Effect::Create)
    .form(&[
        ("company", "上海表单测试科技有限公司"),
        ("phone", "13800138000"),
        ("region", "CN-SH"),
        ("industry", "制造业"),
    ]),
    Route::page(Verb::Get, "/portal/leads", Permission::DealsRead, "The partner's lead inbox with deadlines", |v| {
        on(v, list)
    }),
    Route::page(Verb::Get, "/portal/leads/{id}", Permission::DealsRead, "One of the partner's leads", |v| on(v, show))
        .params(LEAD),
    Route::page(
        Verb::Post,
        "/portal/leads/{id}/accept",
        Permission::DealsRegister,
        "Accept a lead before its deadline",
        |v| on(v, accept),
    )
    .params(LEAD)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/portal/leads/{id}/decline",
        Permission::DealsRegister,
        "Decline a lead; it goes to the next partner",
        |v| on(v, decline),
    )
    .params(LEAD)
    .effect(Effect::Change)
    .form(&[("reason", "不在服务范围")]),
    Route::page(Verb::Get, "/console/leads", Permission::DealsRead, "Every lead with where it went and why", |v| {
        on(v, list)
    }),
    Route::page(
        Verb::Get,
        "/console/leads/{id}",
        Permission::DealsRead,
        "One lead with its assignments and reasons",
        |v| on(v, show),
    )
    .params(LEAD),
    Route::page(
        Verb::Get,
        "/console/routing-rules",
        Permission::SettingsManage,
        "The routing rules, with a test-this-lead preview",
        |v| on(v, show_rules),
    ),
    Route::page(Verb::Post, "/console/routing-rules", Permission::SettingsManage, "Add a routing rule", |v| {
        on(v, create_rule)
    })
    .effect(Effect::Create)
    .form(&[
        ("name", "华东制造业"),
        ("position", "20"),
        ("lead_region", "CN-SH"),
        ("lead_industries", "制造业"),
        ("strategy", "round_robin"),
        ("sla_hours", "24"),
    ]),
    Route::page(
        Verb::Get,
        "/console/lead-sla",
        Permission::DealsManage,
        "How partners answer their leads: SLA breaches",
        |v| on(v, sla),
    ),
];

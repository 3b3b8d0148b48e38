//! Deal registration pages. Portal: register a customer, my registrations with their status and
//! protection countdown, one registration (conflicts as evidence only, timeline, extension,
//! release, discussion), the pool. Console: the review queue with each conflict's two sides next
//! to each other, one registration with its decisions, the rule table.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::deals::{self as uc, ContactBody, Decision, RegistrationBody, RegistrationQuery, RegistrationView};
use qudao_domain::access::Permission;
use qudao_domain::deals::conflicts::ConflictRules;
use qudao_domain::deals::registration::{ProtectionRules, TierDays};
use qudao_domain::ids::RegistrationId;
use serde::Deserialize;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::console::partners::{Choice, region_choices};
use crate::pages::form::optional;
use crate::pages::ordering::label;
use crate::pages::threads::{self, ThreadPanel};
use crate::pages::{Chrome, FormState, area_of, page, render, see_other};
use crate::registry::{ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// One registration in a list.
pub struct Row {
    href: String,
    number: String,
    customer: String,
    partner: String,
    status: String,
    status_label: String,
    countdown: String,
    created: String,
    conflicts: Vec<ConflictLine>,
    id: String,
    extension_asked: bool,
}

/// One conflict, as evidence sentences, with the other side for the brand.
pub struct ConflictLine {
    score: i64,
    relation: String,
    protected: bool,
    evidence: Vec<String>,
    other_href: String,
    other_number: String,
    other_partner: String,
    other_customer: String,
    other_status: String,
}

fn conflict_lines(c: &Chrome, view: &RegistrationView) -> Vec<ConflictLine> {
    view.conflicts
        .iter()
        .map(|conflict| ConflictLine {
            score: conflict.score,
            relation: label(c, "deals.relation.", &conflict.relation),
            protected: conflict.protected,
            evidence: conflict
                .evidence
                .as_array()
                .map(|e| e.iter().map(|item| evidence(c, item)).collect())
                .unwrap_or_default(),
            other_href: conflict.other_id.map(|id| format!("/console/registrations/{id}")).unwrap_or_default(),
            other_number: conflict.other_number.clone().unwrap_or_default(),
            other_partner: conflict.other_partner.clone().unwrap_or_default(),
            other_customer: conflict.other_customer.clone().unwrap_or_default(),
            other_status: conflict.other_status.as_deref().map(|s| label(c, "deals.status.", s)).unwrap_or_default(),
        })
        .collect()
}

/// One piece of evidence as a sentence in the page's language.
fn evidence(c: &Chrome, item: &serde_json::Value) -> String {
    let kind = item["kind"].as_str().unwrap_or_default();
    let text = |key: &str| item[key].as_str().unwrap_or_default().to_string();
    match kind {
        "credit_code" => c.t("deals.evidence.credit_code").into(),
        "other_credit_code" => c.t("deals.evidence.other_credit_code").into(),
        "phone" => format!("{}: {}", c.t("deals.evidence.phone"), text("phone")),
        "email_domain" => format!("{}: {}", c.t("deals.evidence.email_domain"), text("domain")),
        "name" => {
            let mut notes: Vec<String> = item["notes"]
                .as_array()
                .map(|n| n.iter().filter_map(|n| n.as_str()).map(|n| label(c, "deals.name_note.", n)).collect())
                .unwrap_or_default();
            notes.insert(0, label(c, "deals.sign.", &text("sign")));
            format!("{}: {} ↔ {} ({})", c.t("deals.evidence.name"), text("ours"), text("theirs"), notes.join(", "))
        }
        other => other.to_string(),
    }
}

fn countdown(c: &Chrome, view: &RegistrationView) -> String {
    match view.days_left {
        Some(days) => c.tn("deals.days_left", &days.to_string()),
        None => String::new(),
    }
}

fn row(c: &Chrome, base: &str, view: &RegistrationView) -> Row {
    let r = &view.registration;
    Row {
        href: format!("{base}/registrations/{}", r.id),
        id: r.id.to_string(),
        number: r.number.clone(),
        customer: r.customer_name.clone(),
        partner: r.partner_name.clone(),
        status: r.status.as_str().into(),
        status_label: label(c, "deals.status.", r.status.as_str()),
        countdown: countdown(c, view),
        created: c.datetime(r.created_ms),
        conflicts: conflict_lines(c, view),
        extension_asked: r.extension_asked_ms.is_some(),
    }
}

/// A status filter's choices.
fn status_choices(c: &Chrome) -> Vec<Choice> {
    ["pending", "approved", "converted", "expired", "released", "rejected"]
        .into_iter()
        .map(|s| Choice { value: s.into(), label: label(c, "deals.status.", s) })
        .collect()
}

#[derive(Template)]
#[template(path = "deals/list.html")]
struct ListPage {
    c: Chrome,
    console: bool,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    status: String,
    q: String,
    extension: bool,
    may_register: bool,
    may_decide: bool,
}

#[derive(Debug, Default, Deserialize)]
struct ListFilter {
    status: Option<String>,
    q: Option<String>,
    extension: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> WebResult<Response> {
    let console = area_of(&ctx) == "/console";
    let extension = filter.extension.as_deref().is_some_and(|v| !v.is_empty());
    // The console opens on the review queue: pending first.
    let status = match filter.status.as_deref() {
        Some(s) => s.to_string(),
        None if console && !extension => "pending".into(),
        None => String::new(),
    };
    let query = RegistrationQuery {
        status: Some(status.clone()).filter(|s| !s.is_empty()),
        q: filter.q.clone(),
        extension_asked: Some(extension),
        limit: Some(200),
        ..RegistrationQuery::default()
    };
    let views = uc::list(state.app(), &ctx, &query).await?;
    let section = if console { "/console/registrations" } else { "/portal/registrations" };
    let c =
        Chrome::new(&state, &context, if console { "deals.queue_title" } else { "deals.mine_title" }, section).await;
    let base = area_of(&ctx);
    let rows = views.iter().map(|v| row(&c, base, v)).collect();
    let caller = ctx.caller();
    Ok(page(&ListPage {
        statuses: status_choices(&c),
        rows,
        status,
        q: filter.q.unwrap_or_default(),
        extension,
        console,
        may_register: caller.may(Permission::DealsRegister),
        may_decide: caller.may(Permission::DealsManage),
        c,
    }))
}

#[derive(Template)]
#[template(path = "deals/form.html")]
struct FormPage {
    c: Chrome,
    form: FormState,
    regions: Vec<Choice>,
}

const FORM_FIELDS: [&str; 14] = [
    "customer_name",
    "short_name",
    "english_name",
    "credit_code",
    "region",
    "industry",
    "contacts[0].name",
    "contacts[0].phone",
    "contacts[0].email",
    "products",
    "expected_amount",
    "expected_close",
    "note",
    "contacts",
];

async fn form_page(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    c: Chrome,
    form: FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let regions = qudao_app::partners::list_regions(state.app(), ctx).await?;
    let regions = region_choices(c.lang, &regions);
    Ok(render(status, &FormPage { c, form, regions }))
}

async fn new_form(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "deals.register_title", "/portal/registrations").await;
    form_page(&state, &ctx, c, FormState::new(), StatusCode::OK).await
}

/// The registration form as posted (one contact).
#[derive(Debug, Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    customer_name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    english_name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    products: String,
    #[serde(default)]
    expected_amount: String,
    #[serde(default)]
    expected_close: String,
    #[serde(default)]
    note: String,
}

async fn register(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<RegisterForm>,
) -> WebResult<Response> {
    let contact = ContactBody {
        name: optional(&form.contact_name),
        phone: optional(&form.contact_phone),
        email: optional(&form.contact_email),
    };
    let body = RegistrationBody {
        customer_name: form.customer_name.clone(),
        short_name: optional(&form.short_name),
        english_name: optional(&form.english_name),
        credit_code: optional(&form.credit_code),
        region: optional(&form.region),
        industry: optional(&form.industry),
        contacts: vec![contact],
        products: optional(&form.products),
        expected_amount: optional(&form.expected_amount).map(serde_json::Value::String),
        expected_close: optional(&form.expected_close),
        note: optional(&form.note),
    };
    let failed = |error: AppError| async {
        let c = Chrome::new(&state, &context, "deals.register_title", "/portal/registrations").await;
        let mut state_form = FormState::with_values([
            ("customer_name", form.customer_name.as_str()),
            ("short_name", &form.short_name),
            ("english_name", &form.english_name),
            ("credit_code", &form.credit_code),
            ("region", &form.region),
            ("industry", &form.industry),
            ("contacts[0].name", &form.contact_name),
            ("contacts[0].phone", &form.contact_phone),
            ("contacts[0].email", &form.contact_email),
            ("products", &form.products),
            ("expected_amount", &form.expected_amount),
            ("expected_close", &form.expected_close),
            ("note", &form.note),
        ]);
        let status = match &error {
            AppError::Invalid(invalid) => {
                state_form.fail(c.lang, invalid, &FORM_FIELDS);
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(code) => {
                state_form.fail_general(c.lang, &format!("error.conflict.{code}"));
                StatusCode::CONFLICT
            }
            _ => return Err(error.into()),
        };
        form_page(&state, &ctx, c, state_form, status).await
    };
    match uc::submit(state.app(), &ctx, &body, None).await {
        Ok(view) => {
            let flash = match view.registration.status.as_str() {
                "approved" => "deals.flash_approved",
                "pending" => "deals.flash_pending",
                _ => "deals.flash_rejected",
            };
            Ok(see_other(&format!("/portal/registrations/{}", view.registration.id), Some(flash)))
        }
        Err(error) => failed(error).await,
    }
}

/// One entry of the timeline.
pub struct TimelineLine {
    at: String,
    label: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "deals/show.html")]
struct ShowPage {
    c: Chrome,
    console: bool,
    id: String,
    row: Row,
    fields: Vec<(&'static str, String)>,
    timeline: Vec<TimelineLine>,
    may_extend: bool,
    may_release: bool,
    may_decide: bool,
    may_decide_extension: bool,
    thread: ThreadPanel,
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<RegistrationId>,
) -> WebResult<Response> {
    let view = uc::get(state.app(), &ctx, id).await?;
    let console = area_of(&ctx) == "/console";
    let section = if console { "/console/registrations" } else { "/portal/registrations" };
    let mut c = Chrome::new(&state, &context, "deals.registration_title", section).await;
    c.title = format!("{} {}", c.t("deals.registration_title"), view.registration.number);
    let base = area_of(&ctx);
    let here = format!("{base}/registrations/{id}");
    let thread = threads::panel(&state, &ctx, &c, "registration", &id.to_string(), &here).await?;
    let r = &view.registration;
    let mut fields = vec![
        ("deals.customer_name", r.customer_name.clone()),
        ("deals.short_name", r.short_name.clone().unwrap_or_default()),
        ("deals.english_name", r.english_name.clone().unwrap_or_default()),
        ("deals.credit_code", r.credit_code.clone().unwrap_or_default()),
        ("deals.region", r.region_name.clone().unwrap_or_default()),
        ("deals.industry", r.industry.clone().unwrap_or_default()),
        ("deals.products", r.products.clone().unwrap_or_default()),
        ("deals.expected_amount", r.expected_amount.map(|a| c.money(a)).unwrap_or_default()),
        ("deals.expected_close", r.expected_close.map(|d| c.date(i64::from(d))).unwrap_or_default()),
        ("deals.note", r.note.clone().unwrap_or_default()),
        ("deals.protected_until", r.protected_until.map(|ms| c.datetime(ms)).unwrap_or_default()),
    ];
    for contact in &r.contacts {
        let parts: Vec<&str> = [Some(contact.name.as_str()), contact.phone.as_deref(), contact.email.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        fields.push(("deals.contact", parts.join(" · ")));
    }
    if console {
        fields.insert(0, ("deals.partner", r.partner_name.clone()));
    }
    fields.retain(|(_, v)| !v.is_empty());
    let timeline = view
        .timeline
        .iter()
        .map(|e| {
            let comment = ["comment", "reason"].iter().find_map(|k| e.detail[*k].as_str()).unwrap_or_default();
            let rule = if e.detail["by_rule"].as_bool() == Some(true) { c.t("deals.by_rule") } else { "" };
            TimelineLine {
                at: c.datetime(e.at_ms),
                label: label(&c, "deals.event.", &e.kind),
                detail: [rule, comment].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · "),
            }
        })
        .collect();
    let caller = ctx.caller();
    let status = r.status.as_str();
    let page_view = ShowPage {
        console,
        id: id.to_string(),
        may_extend: !console
            && status == "approved"
            && r.extension_asked_ms.is_none()
            && caller.may(Permission::DealsRegister),
        may_release: matches!(status, "approved" | "pending") && caller.may(Permission::DealsRelease),
        may_decide: console && status == "pending" && caller.may(Permission::DealsManage),
        may_decide_extension: console && r.extension_asked_ms.is_some() && caller.may(Permission::DealsManage),
        row: row(&c, base, &view),
        fields,
        timeline,
        thread,
        c,
    };
    Ok(page(&page_view))
}

/// A decision as posted.
#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    next: String,
}

async fn decide(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    PageForm(form): PageForm<DecisionForm>,
) -> WebResult<Response> {
    let decision = Decision { decision: form.decision.clone(), comment: optional(&form.comment) };
    uc::decide(state.app(), &ctx, id, &decision).await?;
    let back = crate::pages::approvals::back_to(&form.next, &format!("/console/registrations/{id}"));
    Ok(see_other(&back, Some("deals.flash_decided")))
}

async fn decide_extension(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    PageForm(form): PageForm<DecisionForm>,
) -> WebResult<Response> {
    let decision = Decision { decision: form.decision.clone(), comment: optional(&form.comment) };
    uc::decide_extension(state.app(), &ctx, id, &decision).await?;
    let back = crate::pages::approvals::back_to(&form.next, &format!("/console/registrations/{id}"));
    Ok(see_other(&back, Some("deals.flash_decided")))
}

async fn extend(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    PageForm(form): PageForm<DecisionForm>,
) -> WebResult<Response> {
    let view = uc::ask_extension(state.app(), &ctx, id, optional(&form.comment).as_deref()).await?;
    let flash = if view.registration.extension_asked_ms.is_some() {
        "deals.flash_extension_asked"
    } else {
        "deals.flash_extended"
    };
    Ok(see_other(&format!("/portal/registrations/{id}"), Some(flash)))
}

async fn release(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    PageForm(form): PageForm<DecisionForm>,
) -> WebResult<Response> {
    uc::release(state.app(), &ctx, id, optional(&form.comment).as_deref()).await?;
    Ok(see_other(&format!("{}/registrations/{id}", area_of(&ctx)), Some("deals.flash_released")))
}

/// One customer of the pool.
pub struct PoolLine {
    id: String,
    customer: String,
    region: String,
    industry: String,
    status: String,
    since: String,
}

#[derive(Template)]
#[template(path = "deals/pool.html")]
struct PoolPage {
    c: Chrome,
    lines: Vec<PoolLine>,
    q: String,
    may_claim: bool,
}

#[derive(Debug, Default, Deserialize)]
struct PoolFilter {
    q: Option<String>,
}

async fn pool(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<PoolFilter>,
) -> WebResult<Response> {
    let entries = uc::pool(state.app(), &ctx, filter.q.as_deref()).await?;
    let c = Chrome::new(&state, &context, "deals.pool_title", "/portal/registrations").await;
    let lines = entries
        .iter()
        .map(|e| PoolLine {
            id: e.id.to_string(),
            customer: e.customer_name.clone(),
            region: e.region_name.clone().unwrap_or_default(),
            industry: e.industry.clone().unwrap_or_default(),
            status: label(&c, "deals.status.", e.status.as_str()),
            since: c.datetime(e.since_ms),
        })
        .collect();
    Ok(page(&PoolPage {
        lines,
        q: filter.q.unwrap_or_default(),
        may_claim: ctx.caller().may(Permission::DealsRegister),
        c,
    }))
}

async fn claim(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<RegistrationId>,
    PageForm(form): PageForm<DecisionForm>,
) -> WebResult<Response> {
    let view = uc::claim(state.app(), &ctx, id, optional(&form.comment).as_deref(), None).await?;
    Ok(see_other(&format!("/portal/registrations/{}", view.registration.id), Some("deals.flash_claimed")))
}

#[derive(Template)]
#[template(path = "deals/rules.html")]
struct RulesPage {
    c: Chrome,
    form: FormState,
}

fn rules_values(conflicts: &ConflictRules, protection: &ProtectionRules) -> FormState {
    let tiers: Vec<String> = protection.tier_days.iter().map(|t| format!("{}:{}", t.tier, t.days)).collect();
    FormState::with_values([
        ("reject_at", conflicts.reject_at.to_string()),
        ("review_at", conflicts.review_at.to_string()),
        ("group_level", if conflicts.group_level { "on".into() } else { String::new() }),
        ("default_days", protection.default_days.to_string()),
        ("tier_days", tiers.join(", ")),
        ("extension_days", protection.extension_days.to_string()),
        ("auto_extensions", protection.auto_extensions.to_string()),
        ("max_extensions", protection.max_extensions.to_string()),
        ("remind_days", protection.remind_days.to_string()),
    ])
}

async fn show_rules(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let rules = uc::get_rules(state.app(), &ctx).await?;
    let c = Chrome::new(&state, &context, "deals.rules_title", "/console/registrations").await;
    let form = rules_values(&rules.conflicts, &rules.protection);
    Ok(page(&RulesPage { c, form }))
}

/// The rule table as posted: numbers as typed, tiers as `code:days` pairs.
#[derive(Debug, Default, Deserialize)]
struct RulesForm {
    #[serde(default)]
    reject_at: String,
    #[serde(default)]
    review_at: String,
    #[serde(default)]
    group_level: Option<String>,
    #[serde(default)]
    default_days: String,
    #[serde(default)]
    tier_days: String,
    #[serde(default)]
    extension_days: String,
    #[serde(default)]
    auto_extensions: String,
    #[serde(default)]
    max_extensions: String,
    #[serde(default)]
    remind_days: String,
}

const RULE_FIELDS: [&str; 9] = [
    "reject_at",
    "review_at",
    "group_level",
    "default_days",
    "tier_days",
    "extension_days",
    "auto_extensions",
    "max_extensions",
    "remind_days",
];

async fn save_rules(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<RulesForm>,
) -> WebResult<Response> {
    let mut invalid = qudao_domain::Invalid::new();
    let mut number = |field: &'static str, text: &str| -> u32 {
        text.trim().parse::<u32>().unwrap_or_else(|_| {
            invalid.push(qudao_domain::FieldError::new(field, "not_a_number"));
            0
        })
    };
    let reject_at = number("reject_at", &form.reject_at);
    let review_at = number("review_at", &form.review_at);
    let protection = ProtectionRules {
        default_days: number("default_days", &form.default_days),
        tier_days: Vec::new(),
        extension_days: number("extension_days", &form.extension_days),
        auto_extensions: number("auto_extensions", &form.auto_extensions),
        max_extensions: number("max_extensions", &form.max_extensions),
        remind_days: number("remind_days", &form.remind_days),
    };
    let mut protection = protection;
    for pair in form.tier_days.split([',', '，', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        match pair.split_once([':', '：']).map(|(t, d)| (t.trim().to_lowercase(), d.trim().parse::<u32>())) {
            Some((tier, Ok(days))) if !tier.is_empty() => protection.tier_days.push(TierDays { tier, days }),
            _ => invalid.push(qudao_domain::FieldError::new("tier_days", "invalid_tier_days")),
        }
    }
    let conflicts = ConflictRules {
        reject_at: u8::try_from(reject_at).unwrap_or(u8::MAX),
        review_at: u8::try_from(review_at).unwrap_or(u8::MAX),
        group_level: form.group_level.as_deref().is_some_and(|v| !v.is_empty()),
    };
    let result = if invalid.is_empty() {
        uc::set_rules(state.app(), &ctx, &uc::RegistrationRules { conflicts, protection: protection.clone() })
            .await
            .map(|_| ())
    } else {
        Err(AppError::Invalid(invalid))
    };
    match result {
        Ok(()) => Ok(see_other("/console/registration-rules", Some("deals.flash_rules_saved"))),
        Err(AppError::Invalid(invalid)) => {
            let c = Chrome::new(&state, &context, "deals.rules_title", "/console/registrations").await;
            let mut values = rules_values(&conflicts, &protection);
            values.set("tier_days", form.tier_days.clone());
            // Errors come back named as the API names them (`conflicts.review_at`).
            let named = qudao_domain::Invalid {
                errors: invalid
                    .errors
                    .iter()
                    .map(|e| qudao_domain::FieldError {
                        field: e.field.trim_start_matches("conflicts.").trim_start_matches("protection.").to_string(),
                        ..e.clone()
                    })
                    .map(|mut e| {
                        if e.field.starts_with("tier_days[") {
                            e.field = "tier_days".into();
                        }
                        e
                    })
                    .collect(),
            };
            values.fail(c.lang, &named, &RULE_FIELDS);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &RulesPage { c, form: values }))
        }
        Err(other) => Err(other.into()),
    }
}

const REGISTRATION: &[(&str, ObjectKind)] = &[("id", ObjectKind::Registration)];
const DECISION: &[(&str, &str)] = &[("decision", "reject"), ("comment", "与已有报备为同一客户")];
const COMMENT: &[(&str, &str)] = &[("comment", "客户采购推迟")];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/portal/registrations",
        Permission::DealsRead,
        "The partner's registrations with status and protection countdown",
        |v| on(v, list),
    ),
    Route::page(
        Verb::Get,
        "/portal/registrations/new",
        Permission::DealsRegister,
        "The form to register an end customer",
        |v| on(v, new_form),
    ),
    Route::page(Verb::Post, "/portal/registrations", Permission::DealsRegister, "Register an end customer", |v| {
        on(v, register)
    })
    .effect(crate::registry::Effect::Create)
    .form(&[
        ("customer_name", "南京启明星电子有限公司"),
        ("region", "CN-JS"),
        ("contact_name", "孙经理"),
        ("contact_phone", "13770001234"),
    ]),
    Route::page(
        Verb::Get,
        "/portal/registrations/{id}",
        Permission::DealsRead,
        "One registration: status, countdown, conflicts as evidence, timeline, discussion",
        |v| on(v, show),
    )
    .params(REGISTRATION),
    Route::page(
        Verb::Post,
        "/portal/registrations/{id}/extension",
        Permission::DealsRegister,
        "Ask for a longer protection",
        |v| on(v, extend),
    )
    .params(REGISTRATION)
    .effect(crate::registry::Effect::Change)
    .form(COMMENT),
    Route::page(
        Verb::Post,
        "/portal/registrations/{id}/release",
        Permission::DealsRelease,
        "Give up a registration: the customer goes to the pool",
        |v| on(v, release),
    )
    .params(REGISTRATION)
    .effect(crate::registry::Effect::Change)
    .form(COMMENT),
    Route::page(
        Verb::Get,
        "/portal/registration-pool",
        Permission::DealsRead,
        "Customers in the pool, to claim",
        |v| on(v, pool),
    ),
    Route::page(
        Verb::Post,
        "/portal/registration-pool/{id}/claim",
        Permission::DealsRegister,
        "Claim a customer from the pool",
        |v| on(v, claim),
    )
    .params(&[("id", ObjectKind::PoolEntry)])
    .effect(crate::registry::Effect::Create)
    .form(COMMENT),
    Route::page(
        Verb::Get,
        "/console/registrations",
        Permission::DealsRead,
        "The review queue: registrations with each conflict's two sides",
        |v| on(v, list),
    ),
    Route::page(
        Verb::Get,
        "/console/registrations/{id}",
        Permission::DealsRead,
        "One registration with its conflicts, decisions, timeline and discussion",
        |v| on(v, show),
    )
    .params(REGISTRATION),
    Route::page(
        Verb::Post,
        "/console/registrations/{id}/decision",
        Permission::DealsManage,
        "Approve or reject a pending registration",
        |v| on(v, decide),
    )
    .params(REGISTRATION)
    .effect(crate::registry::Effect::Change)
    .form(DECISION),
    Route::page(
        Verb::Post,
        "/console/registrations/{id}/extension-decision",
        Permission::DealsManage,
        "Grant or refuse a waiting extension",
        |v| on(v, decide_extension),
    )
    .params(REGISTRATION)
    .effect(crate::registry::Effect::Change)
    .form(DECISION),
    Route::page(
        Verb::Post,
        "/console/registrations/{id}/release",
        Permission::DealsRelease,
        "Take a registration back: the customer goes to the pool",
        |v| on(v, release),
    )
    .params(REGISTRATION)
    .effect(crate::registry::Effect::Change)
    .form(COMMENT),
    Route::page(
        Verb::Get,
        "/console/registration-rules",
        Permission::DealsRead,
        "The conflict table and protection periods",
        |v| on(v, show_rules),
    ),
    Route::page(
        Verb::Post,
        "/console/registration-rules",
        Permission::SettingsManage,
        "Save the conflict table and protection periods",
        |v| on(v, save_rules),
    )
    .effect(crate::registry::Effect::Change)
    .form(&[
        ("reject_at", "98"),
        ("review_at", "60"),
        ("default_days", "90"),
        ("tier_days", "gold:180"),
        ("extension_days", "30"),
        ("auto_extensions", "1"),
        ("max_extensions", "3"),
        ("remind_days", "7"),
    ]),
];

//! Approval work in pages: the "waiting for me" queue with filters and bulk approval (console
//! and portal, readable on a phone), the approval panel every object page shows (its steps, the
//! current one, who it waits for, the history, and the caller's actions), and the flow editor.

pub mod flows;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::approvals::{self as uc, ActionInput, ApprovalView, QueueQuery};
use qudao_app::{AppError, Ctx};
use qudao_domain::access::{Permission, RoleSide};
use qudao_domain::approvals::Subject;
use qudao_domain::ids::{ApprovalId, UserId};
use qudao_domain::{Currency, FieldError, Money};
use qudao_store::access::users::UserFilter;
use qudao_store::page::PageRequest;
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::form::field_value;
use crate::pages::ordering::label;
use crate::pages::{Chrome, page, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// Where an object's page is, for the caller's side (a link from the queue or the inbox).
pub fn object_href(side: RoleSide, kind: &str, id: &str) -> String {
    let brand = side == RoleSide::Brand;
    match (kind, brand) {
        ("order", true) => format!("/console/orders/{id}"),
        ("order", false) => format!("/portal/orders/{id}"),
        ("return", true) => format!("/console/returns/{id}"),
        ("return", false) => format!("/portal/returns/{id}"),
        ("partner", true) => format!("/console/partners/{id}"),
        ("partner", false) => "/portal/company".into(),
        ("statement", true) => format!("/console/finance/statements/{id}"),
        ("statement", false) => format!("/portal/finance/statements/{id}"),
        ("registration", true) => format!("/console/registrations/{id}"),
        ("registration", false) => format!("/portal/registrations/{id}"),
        ("lead", true) => format!("/console/leads/{id}"),
        ("lead", false) => format!("/portal/leads/{id}"),
        // Changes kept with their approval are shown on the partner's pages.
        ("credit_line", true) => format!("/console/finance/partners/{id}"),
        ("partner_onboarding", true) => format!("/console/partners/{id}"),
        ("adjustment", true) => "/console/finance".into(),
        (_, true) => "/console".into(),
        (_, false) => "/portal".into(),
    }
}

/// A local path to return to after a form post, or `fallback`.
pub fn back_to(next: &str, fallback: &str) -> String {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if ok { next.to_string() } else { fallback.to_string() }
}

/// One step of the flow on the panel.
pub struct StepRow {
    /// Its name.
    pub name: String,
    /// `done`, `current`, `pending`, `skipped`, `stopped`.
    pub status: String,
    /// The status, localised.
    pub status_label: String,
}

/// One entry of an approval's history.
pub struct HistoryRow {
    /// When.
    pub when: String,
    /// Who (or "the brand" for a partner, "system" for the sweep).
    pub who: String,
    /// What, localised.
    pub what: String,
    /// At which step.
    pub step: String,
    /// Their comment.
    pub comment: String,
    /// To whom (a delegation).
    pub target: String,
}

/// An approval as the panel shows it.
pub struct ApprovalPanel {
    /// Id.
    pub id: String,
    /// What it is about (a page may show the approvals of several objects).
    pub summary: String,
    /// The flow's name and version.
    pub flow: String,
    /// `running`, `approved`, `rejected`, `withdrawn`.
    pub outcome: String,
    /// The outcome, localised.
    pub outcome_label: String,
    /// The current step's name.
    pub current_step: String,
    /// The steps.
    pub steps: Vec<StepRow>,
    /// Who it waits for.
    pub waiting: String,
    /// What happened.
    pub history: Vec<HistoryRow>,
    /// The caller may approve, reject, return or delegate.
    pub my_turn: bool,
    /// The caller may withdraw it.
    pub may_withdraw: bool,
    /// Earlier steps it may go back to: (position, name).
    pub return_choices: Vec<(usize, String)>,
    /// Whether it is the newest approval of the object (older ones are folded).
    pub latest: bool,
}

/// Who it waits for, as the caller may see it: a partner sees its own people by name and the
/// brand's staff only as "the brand".
fn waiting_text(c: &Chrome, view: &ApprovalView, partner_view: bool) -> String {
    let mut names: Vec<String> = view.waiting_for.iter().map(|p| p.name.clone()).collect();
    if partner_view && view.waiting_on_brand {
        names.push(c.t("approvals.the_brand").to_string());
    }
    names.join("、")
}

/// The panel of one approval for the caller.
pub fn panel(c: &Chrome, view: &ApprovalView, latest: bool, partner_view: bool) -> ApprovalPanel {
    let steps = view
        .steps
        .iter()
        .map(|s| StepRow {
            name: s.name.clone(),
            status: s.status.clone(),
            status_label: label(c, "approvals.step.", &s.status),
        })
        .collect();
    let current = view.steps.iter().find(|s| s.status == "current").and_then(|s| s.position);
    let return_choices = match current {
        Some(at) => {
            view.steps.iter().filter_map(|s| s.position.filter(|p| *p < at).map(|p| (p, s.name.clone()))).collect()
        }
        None => Vec::new(),
    };
    let history = view
        .history
        .iter()
        .map(|h| HistoryRow {
            when: c.datetime(h.at_ms),
            who: match (&h.actor_name, h.actor_side.as_str()) {
                (Some(name), _) => name.clone(),
                (None, "brand") => c.t("approvals.the_brand").to_string(),
                (None, _) => c.t("approvals.system").to_string(),
            },
            what: label(c, "approvals.action.", &h.action),
            step: h.step_name.clone().unwrap_or_default(),
            comment: h.comment.clone().unwrap_or_default(),
            target: h.target_name.clone().unwrap_or_default(),
        })
        .collect();
    ApprovalPanel {
        id: view.id.to_string(),
        summary: view.summary.clone(),
        flow: format!("{} · {}", view.flow_name, c.tn("approvals.version", &view.flow_version.to_string())),
        outcome: view.outcome.clone(),
        outcome_label: label(c, "approvals.outcome.", &view.outcome),
        current_step: view.current_step.clone().unwrap_or_default(),
        steps,
        waiting: waiting_text(c, view, partner_view),
        history,
        my_turn: view.my_turn,
        may_withdraw: view.may_withdraw,
        return_choices,
        latest,
    }
}

/// The approval panels of an object for its page, newest first.
pub async fn panels_of(state: &AppState, ctx: &Ctx, c: &Chrome, kind: &str, id: &str) -> WebResult<Vec<ApprovalPanel>> {
    let views = uc::of_object(state.app(), ctx, kind, id).await?;
    let count = views.len();
    let partner_view = ctx.caller().role().side() == RoleSide::Partner;
    Ok(views.iter().enumerate().rev().map(|(i, v)| panel(c, v, i + 1 == count, partner_view)).collect())
}

/// People the caller may hand a step to: colleagues on their own side, (id, name).
pub async fn delegates(state: &AppState, ctx: &Ctx) -> Vec<(String, String)> {
    let caller = ctx.caller();
    let filter = match caller.partner_id() {
        Some(partner) => UserFilter { partner: Some(partner), ..Default::default() },
        None => UserFilter { brand_only: true, ..Default::default() },
    };
    let me = caller.user_id();
    qudao_app::access::users::list_users(state.app(), ctx, &filter, &PageRequest::first(200))
        .await
        .map(|found| {
            found
                .items
                .into_iter()
                .filter(|u| u.id != me && u.status.as_str() == "active")
                .map(|u| (u.id.to_string(), format!("{} ({})", u.display_name, u.login)))
                .collect()
        })
        .unwrap_or_default()
}

/// A row of the queue.
struct QueueRow {
    id: String,
    kind_label: String,
    summary: String,
    href: String,
    partner: String,
    amount: String,
    flow: String,
    step: String,
    since: String,
    simple: bool,
}

#[derive(Template)]
#[template(path = "approvals/queue.html")]
struct QueuePage {
    c: Chrome,
    base: &'static str,
    kinds: Vec<(String, String)>,
    kind: String,
    simple: bool,
    min_amount: String,
    rows: Vec<QueueRow>,
    next: Option<String>,
}

/// The queue's filters.
#[derive(Debug, Deserialize, Default)]
struct QueueFilter {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    simple: String,
    #[serde(default)]
    min_amount: String,
    #[serde(default)]
    after: String,
}

async fn queue(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(filter): ApiQuery<QueueFilter>,
) -> WebResult<Response> {
    let side = ctx.caller().role().side();
    let base = if side == RoleSide::Brand { "/console/approvals" } else { "/portal/approvals" };
    let c = Chrome::new(&state, &context, "approvals.title", base).await;
    let kind = Subject::parse(filter.kind.trim());
    let min_amount = match filter.min_amount.trim() {
        "" => None,
        text => Some(Money::parse_major("min_amount", text, Currency::CNY).map_err(AppError::from)?.minor),
    };
    let query = QueueQuery { kind, partner: None, simple_only: filter.simple == "1", min_amount };
    let paging = ListQuery { limit: Some(50), after: Some(filter.after.clone()).filter(|a| !a.is_empty()) }.page()?;
    let found = uc::waiting(state.app(), &ctx, &query, &paging).await?;
    let rows = found
        .items
        .iter()
        .map(|v| QueueRow {
            id: v.id.to_string(),
            kind_label: label(&c, "approvals.kind.", &v.object_kind),
            summary: v.summary.clone(),
            href: if v.object_kind == "adjustment" {
                format!("/console/finance/partners/{}", v.partner_id)
            } else {
                object_href(side, &v.object_kind, &v.object_id)
            },
            partner: v.partner_name.clone(),
            amount: c.money(v.amount),
            flow: v.flow_name.clone(),
            step: v.current_step.clone().unwrap_or_default(),
            since: c.datetime(v.step_started_ms),
            simple: v.simple,
        })
        .collect();
    let kinds =
        Subject::ALL.iter().map(|s| (s.as_str().to_string(), label(&c, "approvals.kind.", s.as_str()))).collect();
    let next = found.next.map(|n| {
        format!("{base}?kind={}&simple={}&min_amount={}&after={n}", filter.kind, filter.simple, filter.min_amount)
    });
    Ok(page(&QueuePage {
        c,
        base,
        kinds,
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        simple: filter.simple == "1",
        min_amount: filter.min_amount.trim().to_string(),
        rows,
        next,
    }))
}

/// Approves the ticked approvals of the queue; those whose step needs more than one approval
/// stay in the queue and the flash says so.
async fn bulk_approve(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut ids = Vec::new();
    for (name, value) in fields.iter().filter(|(name, _)| name == "id") {
        let id: ApprovalId = value.trim().parse().map_err(|_| AppError::field(name, "invalid_id"))?;
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(AppError::Invalid(FieldError::new("id", "required").into()).into());
    }
    let comment = field_value(&fields, "comment");
    let done = uc::bulk_approve(state.app(), &ctx, &ids, Some(comment.as_str()).filter(|c| !c.is_empty())).await?;
    let base = if ctx.caller().role().side() == RoleSide::Brand { "/console/approvals" } else { "/portal/approvals" };
    let flash = if done.refused.is_empty() { "approvals.bulk_done" } else { "approvals.bulk_partial" };
    Ok(see_other(base, Some(flash)))
}

/// One action on one approval from its panel.
#[derive(Debug, Deserialize)]
struct ActForm {
    action: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    to_step: String,
    #[serde(default)]
    delegate_to: String,
    #[serde(default)]
    next: String,
}

async fn act(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ApprovalId>,
    PageForm(form): PageForm<ActForm>,
) -> WebResult<Response> {
    let to_step = match form.to_step.trim() {
        "" => None,
        text => Some(text.parse::<usize>().map_err(|_| AppError::field("to_step", "invalid_choice"))?),
    };
    let delegate_to = match form.delegate_to.trim() {
        "" => None,
        text => Some(text.parse::<UserId>().map_err(|_| AppError::field("delegate_to", "invalid_id"))?),
    };
    let input = ActionInput {
        action: form.action.trim().to_string(),
        comment: Some(form.comment.trim().to_string()).filter(|c| !c.is_empty()),
        to_step,
        delegate_to,
    };
    let view = uc::act_on(state.app(), &ctx, id, &input).await?;
    let fallback = object_href(ctx.caller().role().side(), &view.object_kind, &view.object_id);
    Ok(see_other(&back_to(&form.next, &fallback), Some("approvals.acted")))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/console/approvals",
        Permission::ConsoleAccess,
        "What waits for the caller's approval, with filters and bulk approval",
        |v| on(v, queue),
    ),
    Route::page(
        Verb::Get,
        "/portal/approvals",
        Permission::PortalAccess,
        "What waits for the caller's approval in the portal (a partner approving its staff's orders)",
        |v| on(v, queue),
    ),
    Route::page(
        Verb::Post,
        "/approvals/bulk-approve",
        Permission::SignedIn,
        "Approve the ticked approvals whose step one approval finishes",
        |v| on(v, bulk_approve),
    )
    .effect(Effect::Change)
    .form(&[("id", "not-an-id")]),
    Route::page(
        Verb::Post,
        "/approvals/{id}/act",
        Permission::SignedIn,
        "Approve, reject, return, delegate or withdraw one approval",
        |v| on(v, act),
    )
    .params(&[("id", ObjectKind::Approval)])
    .effect(Effect::Change)
    .form(&[("action", "approve")]),
];

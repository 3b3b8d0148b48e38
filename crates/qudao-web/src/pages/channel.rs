//! Channel inventory pages: the partner reports its stock and sell-out (`/portal/channel`: one
//! SKU by form, or a whole sheet) and sees its estimated stock; the brand sees it rolled up by
//! partner, region or SKU, who is below safety stock, and sets safety stock from sell-out
//! (`/console/channel`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::channel::{self as uc, ChannelQuery, ChannelSummary, ReportInput, ReportLine};
use qudao_domain::access::Permission;
use qudao_store::channel::ChannelRow;
use serde::Deserialize;

use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{PageForm, UploadForm};
use crate::pages::form::field_value;
use crate::pages::{Chrome, FormState, render, see_other};
use crate::registry::{Effect, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "channel/portal.html")]
struct PortalPage {
    c: Chrome,
    rows: Vec<ChannelRow>,
    form: FormState,
}

async fn portal_page(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &RequestContext,
    form: FormState,
) -> WebResult<Response> {
    let rows = uc::channel_rows(state.app(), ctx, &ChannelQuery::default()).await?;
    let status = if form.failed() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let c = Chrome::new(state, context, "channel.title", "/portal/channel").await;
    Ok(render(status, &PortalPage { c, rows, form }))
}

async fn show_portal(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    portal_page(&state, &ctx, &context, FormState::new()).await
}

async fn report_one(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |name: &str| field_value(&fields, name);
    let mut form = FormState::with_values(["kind", "date", "sku", "quantity"].map(|k| (k, value(k))));
    let Ok(quantity) = value("quantity").parse::<i64>() else {
        form.add_error("quantity", crate::i18n::t(context.lang, "field.invalid_quantity"));
        return portal_page(&state, &ctx, &context, form).await;
    };
    let input = ReportInput {
        kind: value("kind"),
        date: Some(value("date")),
        lines: vec![ReportLine { sku: value("sku"), quantity }],
    };
    match uc::report(state.app(), &ctx, &input, "portal", None).await {
        Ok(_) => Ok(see_other("/portal/channel", Some("channel.reported_flash"))),
        Err(AppError::Invalid(invalid)) => {
            let renamed = qudao_domain::Invalid {
                errors: invalid
                    .errors
                    .into_iter()
                    .map(|mut e| {
                        e.field = e.field.replace("lines[0].", "");
                        e
                    })
                    .collect(),
            };
            form.fail(context.lang, &renamed, &["kind", "date", "sku", "quantity"]);
            portal_page(&state, &ctx, &context, form).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn report_sheet(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    mut form: UploadForm,
) -> WebResult<Response> {
    let Some(file) = form.file.take() else {
        let mut state_form = FormState::new();
        state_form.add_error("file", crate::i18n::t(context.lang, "field.required"));
        return portal_page(&state, &ctx, &context, state_form).await;
    };
    let (kind, date) = (form.value("kind"), form.value("date"));
    // The form always sends a kind; a sheet sent without one is a stock report, as on the API.
    let kind = if kind.trim().is_empty() { "stock".to_string() } else { kind };
    match uc::upload_report(state.app(), &ctx, &kind, Some(&date), &file.filename, &file.bytes, None).await {
        Ok(_) => Ok(see_other("/portal/channel", Some("channel.reported_flash"))),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = FormState::new();
            let messages: Vec<String> = invalid
                .errors
                .iter()
                .map(|e| format!("{} — {}", e.field, crate::context::field_message(context.lang, e)))
                .collect();
            failed.add_error("file", &messages.join("; "));
            portal_page(&state, &ctx, &context, failed).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "channel/console.html")]
struct ConsolePage {
    c: Chrome,
    by: String,
    summary: Vec<ChannelSummary>,
    under: Vec<ChannelRow>,
    may_set: bool,
}

/// `?by=partner|region|sku`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ByQuery {
    by: Option<String>,
}

async fn show_console(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Query(query): Query<ByQuery>,
) -> WebResult<Response> {
    let by = match query.by.as_deref() {
        Some(by @ ("region" | "sku")) => by.to_string(),
        _ => "partner".to_string(),
    };
    let rows = uc::channel_rows(state.app(), &ctx, &ChannelQuery::default()).await?;
    let summary = uc::summarise(&rows, &by);
    let under = rows.into_iter().filter(|r| r.under_safety).collect();
    let c = Chrome::new(&state, &context, "channel.title", "/console/channel").await;
    let may_set = ctx.caller().may(Permission::PartnersWrite);
    Ok(render(StatusCode::OK, &ConsolePage { c, by, summary, under, may_set }))
}

async fn auto_safety(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let days = fields.iter().find(|(k, _)| k == "days").and_then(|(_, v)| v.trim().parse().ok()).unwrap_or(14);
    uc::auto_safety(state.app(), &ctx, days).await?;
    Ok(see_other("/console/channel", Some("channel.safety_set")))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/channel", Permission::StockRead, "The company's stock and sell-out reports", |v| {
        on(v, show_portal)
    }),
    Route::page(
        Verb::Post,
        "/portal/channel/report",
        Permission::OrdersPlace,
        "Report one SKU's stock or sell-out",
        |v| on(v, report_one),
    )
    .effect(Effect::Create)
    .form(&[("kind", "stock"), ("sku", "S-ON-1"), ("quantity", "12")]),
    Route::page(
        Verb::Post,
        "/portal/channel/upload",
        Permission::OrdersPlace,
        "Report stock or sell-out by sheet",
        |v| on(v, report_sheet),
    )
    .effect(Effect::Create)
    .upload(),
    Route::page(Verb::Get, "/console/channel", Permission::StockRead, "Channel stock by partner, region or SKU", |v| {
        on(v, show_console)
    }),
    Route::page(
        Verb::Post,
        "/console/channel/safety/auto",
        Permission::PartnersWrite,
        "Set safety stock from sell-out",
        |v| on(v, auto_safety),
    )
    .effect(Effect::Change)
    .form(&[("days", "14")]),
];

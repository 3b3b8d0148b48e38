//! `/api/v1/channel`: channel inventory (渠道进销存) — partners' stock and sell-out reports, and
//! the brand's view of estimated stock, days of cover and safety stock.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::channel::{self as uc, ChannelQuery, ChannelSummary, ReportInput, ReportView, SafetyInput};
use qudao_domain::access::Permission;
use qudao_domain::ids::PartnerId;
use qudao_store::channel::{ChannelRow, RejectionView};
use serde::Deserialize;

use crate::api::statements::partner_filter;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id, UploadForm};
use crate::guard::Idem;
use crate::openapi::schema;
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

async fn report(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<ReportInput>,
) -> WebResult<(StatusCode, Json<ReportView>)> {
    Ok((StatusCode::CREATED, Json(uc::report(state.app(), &ctx, &body, "api", idem.as_ref()).await?)))
}

/// A sheet with the multipart fields `kind` (`stock` by default) and `date` (today by default).
async fn upload(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    form: UploadForm,
) -> WebResult<(StatusCode, Json<ReportView>)> {
    let file = form.file.as_ref().ok_or_else(|| WebError::App(qudao_app::AppError::field("file", "required")))?;
    let kind = form.value("kind");
    let kind = if kind.trim().is_empty() { "stock".to_string() } else { kind };
    let date = form.value("date");
    let view =
        uc::upload_report(state.app(), &ctx, &kind, Some(&date), &file.filename, &file.bytes, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `?partner_id=&region=&sku=` and, for the summary, `by=partner|region|sku`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChannelParams {
    partner_id: Option<String>,
    region: Option<String>,
    sku: Option<String>,
    by: Option<String>,
}

impl ChannelParams {
    pub(crate) fn query(&self) -> WebResult<ChannelQuery> {
        Ok(ChannelQuery {
            partner: partner_filter(self.partner_id.as_deref())?,
            region: self.region.clone(),
            sku: self.sku.clone(),
        })
    }
}

async fn rows(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(params): ApiQuery<ChannelParams>,
) -> WebResult<Json<Vec<ChannelRow>>> {
    Ok(Json(uc::channel_rows(state.app(), &ctx, &params.query()?).await?))
}

async fn summary(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(params): ApiQuery<ChannelParams>,
) -> WebResult<Json<Vec<ChannelSummary>>> {
    let by = match params.by.as_deref().unwrap_or("partner") {
        by @ ("partner" | "region" | "sku") => by,
        _ => return Err(WebError::BadQuery("by must be partner, region or sku".into())),
    };
    let rows = uc::channel_rows(state.app(), &ctx, &params.query()?).await?;
    Ok(Json(uc::summarise(&rows, by)))
}

async fn under_safety(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(params): ApiQuery<ChannelParams>,
) -> WebResult<Json<Vec<ChannelRow>>> {
    let rows = uc::channel_rows(state.app(), &ctx, &params.query()?).await?;
    Ok(Json(rows.into_iter().filter(|r| r.under_safety).collect()))
}

async fn safety(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(partner): Id<PartnerId>,
    ApiJson(body): ApiJson<SafetyInput>,
) -> WebResult<StatusCode> {
    uc::set_safety(state.app(), &ctx, partner, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rejections(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<RejectionView>>> {
    Ok(Json(uc::rejections(state.app(), &ctx).await?))
}

/// How many days of sell-out the automatic safety stock covers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoSafety {
    /// Days, 1–180.
    pub days: i64,
}

async fn auto_safety(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<AutoSafety>,
) -> WebResult<Json<serde_json::Value>> {
    let set = uc::auto_safety(state.app(), &ctx, body.days).await?;
    Ok(Json(serde_json::json!({ "set": set })))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Post,
        "/api/v1/channel/reports",
        Permission::OrdersPlace,
        "Report the company's stock or sell-out per SKU for a day (kind stock|sell_out)",
        |v| on(v, report),
    )
    .effect(Effect::Create)
    .body(schema::<ReportInput>)
    .example(|| serde_json::json!({ "kind": "stock", "lines": [{ "sku": "S-ON-1", "quantity": 40 }] }))
    .response(schema::<ReportView>),
    Route::api(
        Verb::Post,
        "/api/v1/channel/reports/upload",
        Permission::OrdersPlace,
        "Report stock or sell-out by CSV or XLSX (fields kind, date, file); any bad row refuses the sheet",
        |v| on(v, upload),
    )
    .effect(Effect::Create)
    .upload()
    .response(schema::<ReportView>),
    Route::api(
        Verb::Get,
        "/api/v1/channel/stock",
        Permission::StockRead,
        "Channel stock per partner and SKU: last count, sell-in and sell-out since, estimate, days of cover, safety",
        |v| on(v, rows),
    )
    .response(schema::<Vec<ChannelRow>>),
    Route::api(
        Verb::Get,
        "/api/v1/channel/summary",
        Permission::StockRead,
        "Channel stock rolled up by partner, region or SKU (by=partner|region|sku)",
        |v| on(v, summary),
    )
    .response(schema::<Vec<ChannelSummary>>),
    Route::api(
        Verb::Get,
        "/api/v1/channel/under-safety",
        Permission::StockRead,
        "Partner × SKU rows whose estimated stock is below safety stock",
        |v| on(v, under_safety),
    )
    .response(schema::<Vec<ChannelRow>>),
    Route::api(
        Verb::Get,
        "/api/v1/channel/rejections",
        Permission::StockRead,
        "Stock and sell-out sheets refused, with their problems",
        |v| on(v, rejections),
    )
    .response(schema::<Vec<RejectionView>>),
    Route::api(
        Verb::Put,
        "/api/v1/partners/{id}/channel-safety",
        Permission::PartnersWrite,
        "Set a partner's safety stock of a SKU by hand",
        |v| on(v, safety),
    )
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Change)
    .body(schema::<SafetyInput>)
    .example(|| serde_json::json!({ "sku": "S-ON-1", "quantity": 20 })),
    Route::api(
        Verb::Post,
        "/api/v1/channel/safety/auto",
        Permission::PartnersWrite,
        "Set safety stock from average sell-out (days of it), leaving those set by hand",
        |v| on(v, auto_safety),
    )
    .effect(Effect::Change)
    .body(schema::<AutoSafety>)
    .example(|| serde_json::json!({ "days": 14 })),
];

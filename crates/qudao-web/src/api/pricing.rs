//! `/api/v1/price-lists` and `/api/v1/promotions`: the brand's price list and promotion editors,
//! each with a check that runs the save-time checks and prices a sample cart before and after.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::pricing::{
    self as uc, CheckResult, PriceListCheck, PriceListDetail, PriceListInput, PromotionCheck, PromotionDetail,
    PromotionInput,
};
use qudao_domain::access::Permission;
use qudao_domain::ids::{PriceListId, PromotionId};
use qudao_store::pricing::PriceListView;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::{ApiJson, Id};
use crate::guard::Idem;
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const LIST: &[(&str, ObjectKind)] = &[("id", ObjectKind::PriceList)];
const PROMOTION: &[(&str, ObjectKind)] = &[("id", ObjectKind::Promotion)];

async fn list_price_lists(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
) -> WebResult<Json<Vec<PriceListView>>> {
    Ok(Json(uc::list_price_lists(state.app(), &ctx).await?))
}

async fn show_price_list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PriceListId>,
) -> WebResult<Json<PriceListDetail>> {
    Ok(Json(uc::get_price_list(state.app(), &ctx, id).await?))
}

async fn create_price_list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<PriceListInput>,
) -> WebResult<(StatusCode, Json<PriceListDetail>)> {
    Ok((StatusCode::CREATED, Json(uc::create_price_list(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn update_price_list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PriceListId>,
    ApiJson(body): ApiJson<PriceListInput>,
) -> WebResult<Json<PriceListDetail>> {
    Ok(Json(uc::update_price_list(state.app(), &ctx, id, &body).await?))
}

async fn check_price_list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<PriceListCheck>,
) -> WebResult<Json<CheckResult>> {
    Ok(Json(uc::check_price_list(state.app(), &ctx, &body).await?))
}

async fn list_promotions(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
) -> WebResult<Json<Vec<PromotionDetail>>> {
    Ok(Json(uc::list_promotions(state.app(), &ctx).await?))
}

async fn show_promotion(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PromotionId>,
) -> WebResult<Json<PromotionDetail>> {
    Ok(Json(uc::get_promotion(state.app(), &ctx, id).await?))
}

async fn create_promotion(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<PromotionInput>,
) -> WebResult<(StatusCode, Json<PromotionDetail>)> {
    Ok((StatusCode::CREATED, Json(uc::create_promotion(state.app(), &ctx, &body, idem.as_ref()).await?)))
}

async fn update_promotion(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PromotionId>,
    ApiJson(body): ApiJson<PromotionInput>,
) -> WebResult<Json<PromotionDetail>> {
    Ok(Json(uc::update_promotion(state.app(), &ctx, id, &body).await?))
}

async fn check_promotion(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<PromotionCheck>,
) -> WebResult<Json<CheckResult>> {
    Ok(Json(uc::check_promotion_draft(state.app(), &ctx, &body).await?))
}

/// A draft base list for the SKU every test world has, as documentation and for the
/// registry-driven tests.
fn price_list_example(version: Option<i64>) -> serde_json::Value {
    let mut body = serde_json::json!({ "code": "PL-EXAMPLE", "name": "示例价目表", "scope": "base",
        "valid_from": "2026-01-01", "valid_to": "2026-12-31", "status": "draft",
        "entries": [{ "sku": "S-ON-1", "price": "3.20" }] });
    if let Some(version) = version {
        body["version"] = version.into();
    }
    body
}

/// A draft 满减 for the SKU every test world has.
fn promotion_example(version: Option<i64>) -> serde_json::Value {
    let mut body = serde_json::json!({ "code": "PR-EXAMPLE", "name": "满100减10",
        "kind": { "type": "spend_reduce", "threshold": "100.00", "off": "10.00", "repeat": false },
        "eligibility": { "tiers": ["gold"], "valid_from": "2026-01-01", "valid_to": "2026-12-31" },
        "scope": { "skus": ["S-ON-1"] }, "priority": 10, "stacking": "stackable", "status": "draft" });
    if let Some(version) = version {
        body["version"] = version.into();
    }
    body
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(
        Verb::Get,
        "/api/v1/price-lists",
        Permission::PricingRead,
        "Price lists the caller may see, live ones first (without prices)",
        |v| on(v, list_price_lists),
    )
    .response(list_of::<PriceListView>),
    Route::api(
        Verb::Post,
        "/api/v1/price-lists",
        Permission::PricingManage,
        "Create a price list; overlaps with live lists of the same scope are refused when active",
        |v| on(v, create_price_list),
    )
    .effect(Effect::Create)
    .body(schema::<PriceListInput>)
    .example(|| price_list_example(None))
    .response(schema::<PriceListDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/price-lists/check",
        Permission::PricingManage,
        "Run a price list's save-time checks and price a sample cart before and after, without saving",
        |v| on(v, check_price_list),
    )
    .body(schema::<PriceListCheck>)
    .example(|| serde_json::json!({ "list": price_list_example(None) }))
    .response(schema::<CheckResult>),
    Route::api(
        Verb::Get,
        "/api/v1/price-lists/{id}",
        Permission::PricingRead,
        "A price list with its prices, also in the editor's shape",
        |v| on(v, show_price_list),
    )
    .params(LIST)
    .response(schema::<PriceListDetail>),
    Route::api(
        Verb::Put,
        "/api/v1/price-lists/{id}",
        Permission::PricingManage,
        "Replace a price list (optimistic `version`); changing what is live reloads every quote",
        |v| on(v, update_price_list),
    )
    .params(LIST)
    .effect(Effect::Change)
    .body(schema::<PriceListInput>)
    .example(|| price_list_example(Some(1)))
    .response(schema::<PriceListDetail>),
    Route::api(
        Verb::Get,
        "/api/v1/promotions",
        Permission::PricingRead,
        "Promotions in the editor's shape, live ones first",
        |v| on(v, list_promotions),
    )
    .response(list_of::<PromotionDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/promotions",
        Permission::PricingManage,
        "Create a promotion; contradictions are refused, overlaps returned as notices",
        |v| on(v, create_promotion),
    )
    .effect(Effect::Create)
    .body(schema::<PromotionInput>)
    .example(|| promotion_example(None))
    .response(schema::<PromotionDetail>),
    Route::api(
        Verb::Post,
        "/api/v1/promotions/check",
        Permission::PricingManage,
        "Run a promotion's save-time checks and price a sample cart before and after, without saving",
        |v| on(v, check_promotion),
    )
    .body(schema::<PromotionCheck>)
    .example(|| serde_json::json!({ "promotion": promotion_example(None) }))
    .response(schema::<CheckResult>),
    Route::api(
        Verb::Get,
        "/api/v1/promotions/{id}",
        Permission::PricingRead,
        "A promotion in the editor's shape",
        |v| on(v, show_promotion),
    )
    .params(PROMOTION)
    .response(schema::<PromotionDetail>),
    Route::api(
        Verb::Put,
        "/api/v1/promotions/{id}",
        Permission::PricingManage,
        "Replace a promotion (optimistic `version`); changing what is live reloads every quote",
        |v| on(v, update_promotion),
    )
    .params(PROMOTION)
    .effect(Effect::Change)
    .body(schema::<PromotionInput>)
    .example(|| promotion_example(Some(1)))
    .response(schema::<PromotionDetail>),
];

//! Master lists every signed-in user reads: regions, tiers, categories, brands, units.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qudao_app::catalog::MasterInput;
use qudao_domain::access::Permission;
use qudao_store::catalog::masters::{Brand, Category, Unit};
use qudao_store::partners::regions::Region;
use qudao_store::partners::tiers::Tier;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::ApiJson;
use crate::guard::Idem;
use crate::openapi::{list_of, schema};
use crate::registry::{Effect, Route, Verb, on};
use crate::state::AppState;

async fn regions(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Region>>> {
    Ok(Json(qudao_app::partners::list_regions(state.app(), &ctx).await?))
}

async fn tiers(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Tier>>> {
    Ok(Json(qudao_app::partners::list_tiers(state.app(), &ctx).await?))
}

async fn categories(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Category>>> {
    Ok(Json(qudao_app::catalog::list_categories(state.app(), &ctx).await?))
}

async fn brands(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Brand>>> {
    Ok(Json(qudao_app::catalog::list_brands(state.app(), &ctx).await?))
}

async fn units(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<Unit>>> {
    Ok(Json(qudao_app::catalog::list_units(state.app(), &ctx).await?))
}

async fn progress(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> WebResult<Json<qudao_app::progress::ProgressView>> {
    let owner = ctx.caller().owner_key();
    state.app().progress().get(&owner, &id).map(Json).ok_or(crate::error::WebError::App(qudao_app::AppError::NotFound))
}

/// A new category, brand or unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MasterCreate {
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Categories only: the top-level category to file it under.
    pub parent: Option<String>,
}

impl MasterCreate {
    fn input(self) -> MasterInput {
        MasterInput { code: self.code, name_zh: self.name_zh, name_en: self.name_en, parent: self.parent }
    }
}

async fn create_category(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<MasterCreate>,
) -> WebResult<impl IntoResponse> {
    let category = qudao_app::catalog::create_category(state.app(), &ctx, &body.input(), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(category)))
}

async fn create_brand(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<MasterCreate>,
) -> WebResult<impl IntoResponse> {
    let brand = qudao_app::catalog::create_brand(state.app(), &ctx, &body.input(), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(brand)))
}

async fn create_unit(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<MasterCreate>,
) -> WebResult<impl IntoResponse> {
    let unit = qudao_app::catalog::create_unit(state.app(), &ctx, &body.input(), idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/regions", Permission::SignedIn, "Regions: 大区, provinces, cities", |v| {
        on(v, regions)
    })
    .response(list_of::<Region>),
    Route::api(Verb::Get, "/api/v1/tiers", Permission::SignedIn, "Partner tiers", |v| on(v, tiers))
        .response(list_of::<Tier>),
    Route::api(Verb::Get, "/api/v1/categories", Permission::CatalogRead, "Product categories", |v| on(v, categories))
        .response(list_of::<Category>),
    Route::api(Verb::Get, "/api/v1/brands", Permission::CatalogRead, "Brands", |v| on(v, brands))
        .response(list_of::<Brand>),
    Route::api(Verb::Get, "/api/v1/units", Permission::CatalogRead, "Units of measure", |v| on(v, units))
        .response(list_of::<Unit>),
    Route::api(
        Verb::Get,
        "/api/v1/progress/{id}",
        Permission::SignedIn,
        "Progress of the caller's long work (an import)",
        |v| on(v, progress),
    )
    .params(&[("id", crate::registry::ObjectKind::Progress)])
    .response(schema::<qudao_app::progress::ProgressView>),
    Route::api(Verb::Post, "/api/v1/categories", Permission::CatalogWrite, "Add a category (two levels)", |v| {
        on(v, create_category)
    })
    .effect(Effect::Create)
    .body(schema::<MasterCreate>)
    .example(
        || serde_json::json!({ "code": "BEV-TEA2", "name_zh": "冷泡茶", "name_en": "Cold Brew Tea", "parent": "BEV" }),
    )
    .response(schema::<Category>),
    Route::api(Verb::Post, "/api/v1/brands", Permission::CatalogWrite, "Add a brand", |v| on(v, create_brand))
        .effect(Effect::Create)
        .body(schema::<MasterCreate>)
        .example(|| serde_json::json!({ "code": "QINGHE", "name_zh": "青禾", "name_en": "Qinghe" }))
        .response(schema::<Brand>),
    Route::api(Verb::Post, "/api/v1/units", Permission::CatalogWrite, "Add a unit of measure", |v| on(v, create_unit))
        .effect(Effect::Create)
        .body(schema::<MasterCreate>)
        .example(|| serde_json::json!({ "code": "TRAY", "name_zh": "托", "name_en": "tray" }))
        .response(schema::<Unit>),
];

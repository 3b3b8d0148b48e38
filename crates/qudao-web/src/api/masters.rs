//! Master lists every signed-in user reads: regions, tiers, categories, brands, units.

use axum::Json;
use axum::extract::State;
use qudao_domain::access::Permission;
use qudao_store::catalog::masters::{Brand, Category, Unit};
use qudao_store::partners::regions::Region;
use qudao_store::partners::tiers::Tier;

use crate::context::Authed;
use crate::error::WebResult;
use crate::openapi::list_of;
use crate::registry::{Route, Verb, on};
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
];

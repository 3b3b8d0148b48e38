//! API keys, the audit log and brand settings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use qudao_app::access::api_keys::{self, CreatedKey};
use qudao_app::settings::{self, BrandSettings};
use qudao_domain::access::Permission;
use qudao_domain::ids::{ApiKeyId, UserId};
use qudao_store::access::api_keys::ApiKeyView;
use qudao_store::audit::{AuditFilter, AuditView};
use qudao_store::page::Page;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::guard::Idem;
use crate::openapi::{list_of, page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreate {
    /// What the key is for.
    pub name: String,
    /// Scopes such as `partners:read`, `catalog:read`.
    pub scopes: Vec<String>,
}

/// Audit log filters.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Object kind (`partner`, `user`…).
    pub object_kind: Option<String>,
    /// Object id.
    pub object_id: Option<String>,
    /// Actor (user id).
    pub actor: Option<String>,
    /// From (epoch ms, inclusive).
    pub from_ms: Option<i64>,
    /// Until (epoch ms, exclusive).
    pub to_ms: Option<i64>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

impl AuditQuery {
    /// The store filter.
    pub fn filter(&self) -> WebResult<AuditFilter> {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(AuditFilter {
            object_kind: blank(&self.object_kind),
            object_id: blank(&self.object_id),
            actor_id: match blank(&self.actor) {
                Some(a) => Some(a.parse::<UserId>().map_err(|_| WebError::BadQuery("unknown actor".into()))?),
                None => None,
            },
            from_ms: self.from_ms,
            to_ms: self.to_ms,
        })
    }
}

async fn list_keys(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<Vec<ApiKeyView>>> {
    Ok(Json(api_keys::list_api_keys(state.app(), &ctx).await?))
}

async fn create_key(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<ApiKeyCreate>,
) -> WebResult<impl IntoResponse> {
    let created: CreatedKey =
        api_keys::create_api_key(state.app(), &ctx, &body.name, &body.scopes, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke_key(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ApiKeyId>,
) -> WebResult<Json<ApiKeyView>> {
    Ok(Json(api_keys::revoke_api_key(state.app(), &ctx, id).await?))
}

async fn audit(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> WebResult<Json<Page<AuditView>>> {
    let page = ListQuery { limit: query.limit, after: query.after.clone() }.page()?;
    Ok(Json(qudao_app::audit::list_audit(state.app(), &ctx, &query.filter()?, &page).await?))
}

async fn get_settings(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Json<BrandSettings>> {
    Ok(Json(settings::get_settings(state.app(), &ctx).await?))
}

/// New brand settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    /// Brand owner's name.
    pub brand_name: String,
    /// Whether distributors' users see their sub-dealers.
    pub parent_sees_sub_dealers: bool,
}

async fn put_settings(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiJson(body): ApiJson<SettingsUpdate>,
) -> WebResult<Json<BrandSettings>> {
    let new = BrandSettings { brand_name: body.brand_name, parent_sees_sub_dealers: body.parent_sees_sub_dealers };
    Ok(Json(settings::update_settings(state.app(), &ctx, &new).await?))
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/api-keys", Permission::ApiKeysManage, "List API keys", |v| on(v, list_keys))
        .response(list_of::<ApiKeyView>),
    Route::api(
        Verb::Post,
        "/api/v1/api-keys",
        Permission::ApiKeysManage,
        "Create an API key; the secret is shown once",
        |v| on(v, create_key),
    )
    .effect(Effect::Create)
    .body(schema::<ApiKeyCreate>)
    .example(|| serde_json::json!({ "name": "ERP link", "scopes": ["partners:read", "catalog:read"] }))
    .response(schema::<CreatedKey>),
    Route::api(Verb::Delete, "/api/v1/api-keys/{id}", Permission::ApiKeysManage, "Revoke an API key", |v| {
        on(v, revoke_key)
    })
    .params(&[("id", ObjectKind::ApiKey)])
    .effect(Effect::Change)
    .response(schema::<ApiKeyView>),
    Route::api(Verb::Get, "/api/v1/audit", Permission::AuditRead, "The audit log, by object, user and time", |v| {
        on(v, audit)
    })
    .response(page_of::<AuditView>),
    Route::api(Verb::Get, "/api/v1/settings", Permission::SignedIn, "Brand settings", |v| on(v, get_settings))
        .response(schema::<BrandSettings>),
    Route::api(Verb::Put, "/api/v1/settings", Permission::SettingsManage, "Change brand settings", |v| {
        on(v, put_settings)
    })
    .effect(Effect::Change)
    .body(schema::<SettingsUpdate>)
    .example(|| serde_json::json!({ "brand_name": "澜溪食品饮料", "parent_sees_sub_dealers": true }))
    .response(schema::<BrandSettings>),
];

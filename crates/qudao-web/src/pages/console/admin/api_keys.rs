//! API keys: the list, the form for a new key, the page that shows its secret once, revocation.

use askama::Template;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::Ctx;
use qudao_app::access::api_keys as uc;
use qudao_domain::ids::ApiKeyId;
use qudao_store::API_SCOPES;
use qudao_store::access::api_keys::ApiKeyView;

use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::{Chrome, FormState, page, render, see_other};
use crate::state::AppState;

/// One key as a list row.
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    scopes: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

/// One scope checkbox.
struct ScopeOption {
    value: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
struct KeysPage {
    c: Chrome,
    rows: Vec<KeyRow>,
    form: FormState,
    scopes: Vec<ScopeOption>,
}

#[derive(Template)]
#[template(path = "console/api_keys_created.html")]
struct CreatedPage {
    c: Chrome,
    name: String,
    scopes: String,
    secret: String,
    signing_secret: Option<String>,
}

fn row(c: &Chrome, key: &ApiKeyView) -> KeyRow {
    KeyRow {
        id: key.id.to_string(),
        name: key.name.clone(),
        prefix: key.prefix.clone(),
        scopes: key.scopes.join(", "),
        created: c.datetime(key.created_ms),
        last_used: key.last_used_ms.map(|ms| c.datetime(ms)),
        revoked: key.revoked_ms.map(|ms| c.datetime(ms)),
    }
}

async fn keys_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    form: FormState,
    chosen: &[String],
    status: StatusCode,
) -> WebResult<Response> {
    let keys = uc::list_api_keys(state.app(), ctx).await?;
    let c = Chrome::new(state, context, "apikey.title", "/console/api-keys").await;
    let rows = keys.iter().map(|key| row(&c, key)).collect();
    let scopes =
        API_SCOPES.into_iter().map(|value| ScopeOption { value, checked: chosen.iter().any(|s| s == value) }).collect();
    Ok(render(status, &KeysPage { c, rows, form, scopes }))
}

pub(super) async fn list_api_keys(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    keys_page(&state, &ctx, &context, FormState::new(), &[], StatusCode::OK).await
}

/// The new-key form arrives as pairs: one `scopes` pair per ticked box.
pub(super) async fn create_api_key(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let name = fields.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()).unwrap_or_default();
    let scopes: Vec<String> = fields.iter().filter(|(k, _)| k == "scopes").map(|(_, v)| v.clone()).collect();
    match uc::create_api_key(state.app(), &ctx, &name, &scopes, None).await {
        Ok(created) => {
            let Some(secret) = created.key else {
                return Ok(see_other("/console/api-keys", None));
            };
            let c = Chrome::new(&state, &context, "apikey.created_title", "/console/api-keys").await;
            let template = CreatedPage {
                c,
                name: created.view.name.clone(),
                scopes: created.view.scopes.join(", "),
                secret,
                signing_secret: created.signing_secret,
            };
            let mut response = page(&template);
            response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(AppError::Invalid(invalid)) => {
            let mut form = FormState::with_values([("name", name)]);
            form.fail(context.lang, &invalid, &["name", "scopes"]);
            keys_page(&state, &ctx, &context, form, &scopes, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn revoke_api_key(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<ApiKeyId>,
) -> WebResult<Response> {
    uc::revoke_api_key(state.app(), &ctx, id).await?;
    Ok(see_other("/console/api-keys", Some("apikey.revoked_flash")))
}

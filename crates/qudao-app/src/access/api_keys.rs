//! API keys for integrations: created by an administrator, shown once, acting as their creator
//! limited to the scopes they were given.

use qudao_domain::access::Permission;
use qudao_domain::ids::ApiKeyId;
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::access::api_keys::{self, ApiKeyView, NewApiKey};
use qudao_store::{API_SCOPES, audit};

use super::auth::API_KEY_PREFIX;
use crate::idempotency::{self, IdemKey};
use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, AppResult, Ctx};

/// A key just created: the secret is in `key` and is never shown again. A replay of the
/// creating request (same `Idempotency-Key`) answers without the secret, which is stored
/// nowhere but in its hash.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    /// The stored key.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// The full key, `qdk_…`; absent on a replay.
    pub key: Option<String>,
    /// For a key with the `erp:write` scope: the `whsec_…` secret the ERP signs its messages
    /// with; shown once, like the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

/// Creates a key named `name` with `scopes` (each one of [`API_SCOPES`]).
pub async fn create_api_key(
    app: &App,
    ctx: &Ctx,
    name: &str,
    scopes: &[String],
    idem: Option<&IdemKey>,
) -> AppResult<CreatedKey> {
    ctx.require(Permission::ApiKeysManage)?;
    let mut invalid = Invalid::new();
    let name = invalid.check(text::required("name", name, 60));
    let mut granted: Vec<String> = Vec::new();
    for scope in scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if API_SCOPES.contains(&scope) {
            if !granted.iter().any(|g| g == scope) {
                granted.push(scope.to_string());
            }
        } else {
            invalid.push(FieldError::with_param("scopes", "unknown_scope", scope));
        }
    }
    if granted.is_empty() && invalid.is_empty() {
        invalid.push(FieldError::new("scopes", "required"));
    }
    invalid.into_result()?;
    let name = name.ok_or_else(|| AppError::Internal("validated key lost its name".into()))?;
    let key = format!("{API_KEY_PREFIX}{}", random_token()?);
    let prefix: String = key.chars().take(12).collect();
    let now = app.now_ms();
    let id = ApiKeyId::new();
    let mut tx = app.write(ctx).await?;
    api_keys::insert(
        &mut tx,
        &NewApiKey {
            id,
            name: &name,
            key_hash: &hash_token(&key),
            prefix: &prefix,
            scopes: &granted,
            user_id: ctx.caller().user_id(),
            partner_id: ctx.caller().partner_id(),
            created_by: ctx.caller().user_id(),
            now_ms: now,
        },
    )
    .await?;
    let view = api_keys::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "api_key", id, "create", ctx.caller().partner_id(), None, Some(&view)),
    )
    .await?;
    let signing_secret = if granted.iter().any(|s| s == "erp:write") {
        let secret =
            crate::integration::signing::new_secret().map_err(|e| AppError::Internal(format!("random secret: {e}")))?;
        qudao_store::erp::set_signing_secret(&mut tx, id, &secret, now).await?;
        Some(secret)
    } else {
        None
    };
    idempotency::complete(&mut tx, idem, 201, &CreatedKey { view: view.clone(), key: None, signing_secret: None })
        .await?;
    tx.commit().await?;
    Ok(CreatedKey { view, key: Some(key), signing_secret })
}

/// The keys the caller may see.
pub async fn list_api_keys(app: &App, ctx: &Ctx) -> AppResult<Vec<ApiKeyView>> {
    ctx.require(Permission::ApiKeysManage)?;
    let mut tx = app.read(ctx).await?;
    Ok(api_keys::list(&mut tx).await?)
}

/// Revokes a key; requests with it fail from then on.
pub async fn revoke_api_key(app: &App, ctx: &Ctx, id: ApiKeyId) -> AppResult<ApiKeyView> {
    ctx.require(Permission::ApiKeysManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = api_keys::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !api_keys::revoke(&mut tx, id, now).await? {
        return Err(AppError::Conflict("already_revoked"));
    }
    let after = api_keys::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(
        &mut tx,
        &ctx.audit(now, "api_key", id, "revoke", ctx.caller().partner_id(), Some(&before), Some(&after)),
    )
    .await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(after)
}

//! Webhook endpoints and their deliveries, as an admin manages them.

use qudao_domain::access::Permission;
use qudao_domain::ids::{DeliveryId, EndpointId};
use qudao_domain::integration::{AllowedNets, Subscription};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::integration::deliveries::{self, AttemptView, DeliveryFilter, DeliveryView};
use qudao_store::integration::endpoints::{self, EndpointRow, NewEndpoint};
use qudao_store::page::{Page, PageRequest};
use qudao_store::{Tx, audit, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::signing::new_secret;
use super::target::{Refused, check_url, parse_url};
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// How long a rotated-out secret keeps signing, so the ERP can switch to the new one.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 60 * 60 * 1_000;

/// An endpoint as an admin submits it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EndpointInput {
    /// `https://erp.example.com/hooks/qudao`.
    pub url: String,
    /// `["*"]` for every event, or types such as `order.approved`.
    pub events: Vec<String>,
    /// What the admin calls it.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it receives deliveries (default: yes).
    #[serde(default)]
    pub active: Option<bool>,
}

/// An endpoint as shown: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct EndpointView {
    /// Id.
    pub id: EndpointId,
    /// Where deliveries go.
    pub url: String,
    /// What the admin calls it.
    pub description: String,
    /// What it receives.
    pub events: Vec<String>,
    /// `active` or `disabled`.
    pub status: String,
    /// Why it is disabled: `gone` (it answered 410) or `admin`.
    pub disabled_reason: Option<String>,
    /// Until when the previous secret still signs, during a rotation.
    pub previous_secret_until_ms: Option<i64>,
    /// Deliveries waiting (held, while the endpoint is disabled).
    pub pending: i64,
    /// Deliveries delivered.
    pub delivered: i64,
    /// Deliveries dead-lettered.
    pub dead: i64,
    /// Created at.
    pub created_ms: i64,
    /// Changed at.
    pub updated_ms: i64,
}

/// An endpoint just created or given a new secret: the secret is shown this once (and to a
/// replay of the same request).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    /// The endpoint.
    #[serde(flatten)]
    pub view: EndpointView,
    /// Its signing secret, `whsec_…`: the ERP verifies signatures with it.
    pub secret: String,
}

/// A delivery with its attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryDetail {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryView,
    /// Its attempts, newest first.
    pub attempts: Vec<AttemptView>,
}

/// Subscribes a new endpoint. Its URL must be http(s) and, unless an admin allowed its network,
/// point at public addresses only — checked now, and again on every delivery.
pub async fn create_endpoint(
    app: &App,
    ctx: &Ctx,
    input: &EndpointInput,
    idem: Option<&IdemKey>,
) -> AppResult<CreatedEndpoint> {
    ctx.require(Permission::IntegrationsManage)?;
    let (url, description, subscription) = validate(app, ctx, input).await?;
    let secret = new_secret().map_err(|e| AppError::Internal(format!("random secret: {e}")))?;
    let now = app.now_ms();
    let id = EndpointId::new();
    let mut tx = app.write(ctx).await?;
    let new = NewEndpoint {
        id,
        url,
        description,
        subscription,
        secret: secret.clone(),
        created_by: Some(ctx.caller().user_id()),
        at_ms: now,
    };
    endpoints::insert(&mut tx, &new).await?;
    let view = view_of(&mut tx, id).await?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "webhook_endpoint", id, "create", None, None, Some(&view))).await?;
    let created = CreatedEndpoint { view, secret };
    // The secret is kept with the endpoint (it signs every delivery), so a replay of this
    // request may show it again: a client that lost the first answer is not left without it.
    idempotency::complete(&mut tx, idem, 201, &created).await?;
    tx.commit().await?;
    Ok(created)
}

/// Every endpoint, with its deliveries counted by status.
pub async fn list_endpoints(app: &App, ctx: &Ctx) -> AppResult<Vec<EndpointView>> {
    ctx.require(Permission::IntegrationsManage)?;
    let mut tx = app.read(ctx).await?;
    let rows = endpoints::list(&mut tx).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(view_from(&mut tx, row).await?);
    }
    Ok(views)
}

/// One endpoint.
pub async fn get_endpoint(app: &App, ctx: &Ctx, id: EndpointId) -> AppResult<EndpointView> {
    ctx.require(Permission::IntegrationsManage)?;
    let mut tx = app.read(ctx).await?;
    view_of(&mut tx, id).await
}

/// Changes an endpoint's URL, description, events or whether it is active. Enabling an
/// endpoint that answered 410 sends its waiting deliveries again.
pub async fn update_endpoint(app: &App, ctx: &Ctx, id: EndpointId, input: &EndpointInput) -> AppResult<EndpointView> {
    ctx.require(Permission::IntegrationsManage)?;
    let (url, description, subscription) = validate(app, ctx, input).await?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = view_of(&mut tx, id).await?;
    let active = input.active.unwrap_or(true);
    if !endpoints::update(&mut tx, id, &url, &description, &subscription, active, now).await? {
        return Err(AppError::NotFound);
    }
    let after = view_of(&mut tx, id).await?;
    audit::insert(&mut tx, &ctx.audit(now, "webhook_endpoint", id, "update", None, Some(&before), Some(&after)))
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Gives an endpoint a new secret. The old one keeps signing beside it for a day (two
/// signatures per delivery), so the ERP can switch without losing a message.
pub async fn rotate_secret(app: &App, ctx: &Ctx, id: EndpointId) -> AppResult<CreatedEndpoint> {
    ctx.require(Permission::IntegrationsManage)?;
    let secret = new_secret().map_err(|e| AppError::Internal(format!("random secret: {e}")))?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = view_of(&mut tx, id).await?;
    if !endpoints::rotate(&mut tx, id, &secret, now + ROTATION_OVERLAP_MS, now).await? {
        return Err(AppError::NotFound);
    }
    let after = view_of(&mut tx, id).await?;
    audit::insert(&mut tx, &ctx.audit(now, "webhook_endpoint", id, "rotate_secret", None, Some(&before), Some(&after)))
        .await?;
    tx.commit().await?;
    Ok(CreatedEndpoint { view: after, secret })
}

/// A page of deliveries, newest first.
pub async fn list_deliveries(
    app: &App,
    ctx: &Ctx,
    filter: &DeliveryFilter,
    page: &PageRequest,
) -> AppResult<Page<DeliveryView>> {
    ctx.require(Permission::IntegrationsManage)?;
    if let Some(status) = &filter.status
        && !matches!(status.as_str(), "pending" | "held" | "delivered" | "dead")
    {
        return Err(AppError::field("status", "invalid_choice"));
    }
    let mut tx = app.read(ctx).await?;
    Ok(deliveries::list(&mut tx, filter, page).await?)
}

/// One delivery and its attempts.
pub async fn delivery_detail(app: &App, ctx: &Ctx, id: DeliveryId) -> AppResult<DeliveryDetail> {
    ctx.require(Permission::IntegrationsManage)?;
    let mut tx = app.read(ctx).await?;
    let delivery = deliveries::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let attempts = deliveries::attempts(&mut tx, id).await?;
    Ok(DeliveryDetail { delivery, attempts })
}

/// Sends a delivered or dead-lettered delivery again, with a fresh retry window.
pub async fn replay_delivery(app: &App, ctx: &Ctx, id: DeliveryId) -> AppResult<DeliveryView> {
    ctx.require(Permission::IntegrationsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = deliveries::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !deliveries::replay(&mut tx, id, now).await? {
        return Err(AppError::Conflict("delivery_pending"));
    }
    let after = deliveries::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit(now, "webhook_delivery", id, "replay", None, Some(&before), Some(&after)))
        .await?;
    tx.commit().await?;
    app.outbox_written();
    Ok(after)
}

/// Sends every dead-lettered delivery of an endpoint again (after the ERP was fixed); returns
/// how many.
pub async fn replay_dead(app: &App, ctx: &Ctx, endpoint: EndpointId) -> AppResult<u64> {
    ctx.require(Permission::IntegrationsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    view_of(&mut tx, endpoint).await?;
    let replayed = deliveries::replay_dead(&mut tx, endpoint, now).await?;
    let record = serde_json::json!({ "replayed": replayed });
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "webhook_endpoint", endpoint, "replay_dead", None, None, Some(&record)),
    )
    .await?;
    tx.commit().await?;
    app.outbox_written();
    Ok(replayed)
}

/// The networks endpoints may point at now: the server's and the console's.
pub async fn allowed_nets(app: &App, tx: &mut Tx) -> AppResult<AllowedNets> {
    let console = settings::get(tx, settings::WEBHOOK_ALLOW_NETS).await?;
    let console = AllowedNets::parse(&console).unwrap_or_default();
    Ok(app.config().webhook_allow_nets.union(&console))
}

async fn validate(app: &App, ctx: &Ctx, input: &EndpointInput) -> AppResult<(String, String, Subscription)> {
    let mut invalid = Invalid::new();
    let url = invalid.check(parse_url("url", &input.url));
    let description = invalid.check(text::optional("description", input.description.as_deref(), 100));
    let subscription = invalid.check(Subscription::parse(&input.events));
    invalid.into_result()?;
    let (Some(url), Some(description), Some(subscription)) = (url, description, subscription) else {
        return Err(AppError::Internal("validated endpoint lost a field".into()));
    };
    let nets = {
        let mut tx = app.read(ctx).await?;
        allowed_nets(app, &mut tx).await?
    };
    match check_url(&url, &nets).await {
        Ok(()) => {}
        Err(Refused::Address(ip)) => {
            return Err(AppError::Invalid(Invalid {
                errors: vec![FieldError::with_param("url", "url_not_allowed", ip)],
            }));
        }
        Err(_) => return Err(AppError::field("url", "invalid_url")),
    }
    Ok((url.to_string(), description.unwrap_or_default(), subscription))
}

async fn view_of(tx: &mut Tx, id: EndpointId) -> AppResult<EndpointView> {
    let row = endpoints::get(tx, id).await?.ok_or(AppError::NotFound)?;
    view_from(tx, row).await
}

async fn view_from(tx: &mut Tx, row: EndpointRow) -> AppResult<EndpointView> {
    let counts = deliveries::counts(tx, Some(row.id)).await?;
    let count = |status: &str| counts.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
    Ok(EndpointView {
        id: row.id,
        url: row.url,
        description: row.description,
        events: row.subscription.names(),
        status: row.status,
        disabled_reason: row.disabled_reason,
        previous_secret_until_ms: row.previous_until_ms.filter(|_| row.previous_secret.is_some()),
        pending: count("pending") + count("held"),
        delivered: count("delivered"),
        dead: count("dead"),
        created_ms: row.created_ms,
        updated_ms: row.updated_ms,
    })
}

/// The private networks endpoints may point at: the server's (fixed by its configuration) and
/// the console's (which an admin edits).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct WebhookNetworks {
    /// From `QUDAO_WEBHOOK_ALLOW_NETS`, read-only here.
    pub server: String,
    /// Set in the console, comma-separated CIDRs.
    pub console: String,
}

/// The allowed networks.
pub async fn get_networks(app: &App, ctx: &Ctx) -> AppResult<WebhookNetworks> {
    ctx.require(Permission::IntegrationsManage)?;
    let mut tx = app.read(ctx).await?;
    Ok(WebhookNetworks {
        server: app.config().webhook_allow_nets.to_text(),
        console: settings::get(&mut tx, settings::WEBHOOK_ALLOW_NETS).await?,
    })
}

/// Sets the console's networks; every entry must be a CIDR (`10.0.0.0/8`, `fd00::/8`), and
/// those that are not are all named in the error.
pub async fn set_networks(app: &App, ctx: &Ctx, console: &str) -> AppResult<WebhookNetworks> {
    ctx.require(Permission::IntegrationsManage)?;
    let parsed = AllowedNets::parse(console).map_err(|bad| {
        AppError::Invalid(Invalid {
            errors: vec![FieldError::with_param("console", "invalid_networks", bad.join(", "))],
        })
    })?;
    let before = get_networks(app, ctx).await?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    settings::set(&mut tx, settings::WEBHOOK_ALLOW_NETS, &parsed.to_text(), now, Some(ctx.caller().user_id())).await?;
    let after = WebhookNetworks { server: before.server.clone(), console: parsed.to_text() };
    audit::insert(
        &mut tx,
        &ctx.audit(now, "settings", "webhook_networks", "update", None, Some(&before), Some(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

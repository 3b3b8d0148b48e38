//! Console pages for administration: API keys, webhooks, the audit log and the brand settings.

mod api_keys;
mod audit;
mod settings;
mod webhooks;

use qudao_domain::access::Permission;

use crate::registry::{Effect, ObjectKind, Route, Verb, on};

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/console/api-keys",
        Permission::ApiKeysManage,
        "API keys and the form for a new one",
        |v| on(v, api_keys::list_api_keys),
    ),
    Route::page(Verb::Post, "/console/api-keys", Permission::ApiKeysManage, "Create an API key; shows it once", |v| {
        on(v, api_keys::create_api_key)
    })
    .effect(Effect::Create)
    .form(&[("name", "ERP link"), ("scopes", "partners:read"), ("scopes", "catalog:read")]),
    Route::page(Verb::Post, "/console/api-keys/{id}/revoke", Permission::ApiKeysManage, "Revoke an API key", |v| {
        on(v, api_keys::revoke_api_key)
    })
    .params(&[("id", ObjectKind::ApiKey)])
    .effect(Effect::Change),
    Route::page(
        Verb::Get,
        "/console/webhooks",
        Permission::IntegrationsManage,
        "Webhook endpoints, allowed networks and the delivery log",
        |v| on(v, webhooks::list_webhooks),
    ),
    Route::page(
        Verb::Post,
        "/console/webhooks",
        Permission::IntegrationsManage,
        "Subscribe a webhook endpoint; shows its secret once",
        |v| on(v, webhooks::create_webhook),
    )
    .effect(Effect::Create)
    .form(&[("url", "https://1.1.1.1/hooks/qudao"), ("description", "ERP"), ("events", "order.approved")]),
    Route::page(
        Verb::Post,
        "/console/webhooks/{id}/rotate",
        Permission::IntegrationsManage,
        "Give an endpoint a new secret; shows it once",
        |v| on(v, webhooks::rotate_webhook),
    )
    .params(&[("id", ObjectKind::WebhookEndpoint)])
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/webhooks/{id}/toggle",
        Permission::IntegrationsManage,
        "Disable or enable an endpoint",
        |v| on(v, webhooks::toggle_webhook),
    )
    .params(&[("id", ObjectKind::WebhookEndpoint)])
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/webhooks/{id}/replay-dead",
        Permission::IntegrationsManage,
        "Send an endpoint's dead-lettered deliveries again",
        |v| on(v, webhooks::replay_dead),
    )
    .params(&[("id", ObjectKind::WebhookEndpoint)])
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/webhook-deliveries/{id}/replay",
        Permission::IntegrationsManage,
        "Send a delivery again",
        |v| on(v, webhooks::replay_delivery),
    )
    .params(&[("id", ObjectKind::WebhookDelivery)])
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/webhooks/networks",
        Permission::IntegrationsManage,
        "Set the private networks webhook endpoints may point at",
        |v| on(v, webhooks::save_networks),
    )
    .effect(Effect::Change)
    .form(&[("console", "10.20.0.0/16")]),
    Route::page(Verb::Get, "/console/audit", Permission::AuditRead, "The audit log, by object, user and time", |v| {
        on(v, audit::list_audit)
    }),
    Route::page(Verb::Get, "/console/settings", Permission::SettingsManage, "Brand settings", |v| {
        on(v, settings::show_settings)
    }),
    Route::page(Verb::Post, "/console/settings", Permission::SettingsManage, "Change brand settings", |v| {
        on(v, settings::update_settings)
    })
    .effect(Effect::Change)
    .form(&[("brand_name", "澜溪食品饮料"), ("parent_sees_sub_dealers", "on")]),
];

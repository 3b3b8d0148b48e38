//! Console pages for administration: API keys, the audit log and the brand settings.

mod api_keys;
mod audit;
mod settings;

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

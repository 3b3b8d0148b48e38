//! The OpenAPI 3.1 document, generated from the route registry.
//!
//! Schemas come from `utoipa::ToSchema` derives on the request and response types; paths,
//! methods, parameters, permissions and error responses come from the registry, so the document
//! cannot drift from the router.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::registry::{Access, Effect, Route, Surface};

/// Named component schemas collected while describing routes.
pub type Components = BTreeMap<String, Value>;

/// Describes a body or response: adds the schemas it needs and returns the reference to it.
pub type SchemaFn = fn(&mut Components) -> Value;

fn collect<T: ToSchema>(components: &mut Components) -> String {
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    for (name, schema) in nested {
        components.entry(name).or_insert_with(|| serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    let name = T::name().to_string();
    components.entry(name.clone()).or_insert_with(|| serde_json::to_value(T::schema()).unwrap_or(Value::Null));
    name
}

/// The schema of `T`, by reference.
pub fn schema<T: ToSchema>(components: &mut Components) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", collect::<T>(components)) })
}

/// An array of `T`.
pub fn list_of<T: ToSchema>(components: &mut Components) -> Value {
    json!({ "type": "array", "items": schema::<T>(components) })
}

/// A cursor page of `T`: `{ "items": [T], "next": cursor or null }`.
pub fn page_of<T: ToSchema>(components: &mut Components) -> Value {
    json!({
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": list_of::<T>(components),
            "next": { "type": ["string", "null"], "description": "Pass back as `after` for the next page." }
        }
    })
}

/// The error body every API error uses.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "description": "Stable machine code, e.g. not_found, invalid, conflict.stale_version." },
                    "message": { "type": "string", "description": "In the caller's language (zh-CN or en)." },
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["field", "code", "message"],
                            "properties": {
                                "field": { "type": "string" },
                                "code": { "type": "string" },
                                "message": { "type": "string" }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// The whole document.
pub fn document(routes: &[Route]) -> Value {
    let mut components = Components::new();
    let mut paths: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for route in routes.iter().filter(|r| r.surface == Surface::Api && r.path.starts_with("/api/v1")) {
        let mut operation = serde_json::Map::new();
        operation.insert("summary".into(), json!(route.summary));
        let tag = route.path.trim_start_matches("/api/v1/").split('/').next().unwrap_or("api");
        operation.insert("tags".into(), json!([tag]));
        let parameters: Vec<Value> = route
            .params
            .iter()
            .map(|(name, kind)| {
                json!({
                    "name": name, "in": "path", "required": true,
                    "schema": { "type": "string" },
                    "description": format!("Id of a {kind:?}")
                })
            })
            .collect();
        if !parameters.is_empty() {
            operation.insert("parameters".into(), Value::Array(parameters));
        }
        match route.access {
            Access::Public => {
                operation.insert("security".into(), json!([]));
            }
            Access::Signed(permission) => {
                operation.insert("x-permission".into(), json!(permission));
                operation.insert("x-api-key-scope".into(), json!(qudao_store::permission_scope(permission)));
            }
        }
        if let Some(body) = route.body {
            let schema = body(&mut components);
            let content = if route.upload { "multipart/form-data" } else { "application/json" };
            let mut media = json!({ "schema": schema });
            if let Some(crate::registry::Example::Json(example)) = route.example {
                media["example"] = example();
            }
            operation.insert("requestBody".into(), json!({ "required": true, "content": { content: media } }));
        } else if route.upload {
            let file = json!({
                "type": "object",
                "required": ["file"],
                "properties": { "file": { "type": "string", "format": "binary" } }
            });
            operation.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "multipart/form-data": { "schema": file } } }),
            );
        }
        if route.effect == Effect::Create {
            operation.insert(
                "parameters".into(),
                {
                    let mut list = operation.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
                    list.push(json!({
                        "name": "Idempotency-Key", "in": "header", "required": false,
                        "schema": { "type": "string", "maxLength": 255 },
                        "description": "Same key and body: the original response. Same key, other body: 422. While the first is running: 409. Kept 48 hours."
                    }));
                    Value::Array(list)
                },
            );
        }
        let ok_status = if route.effect == Effect::Create { "201" } else { "200" };
        let mut responses = serde_json::Map::new();
        let ok = match route.response {
            Some(response) => {
                json!({ "description": "OK", "content": { "application/json": { "schema": response(&mut components) } } })
            }
            None => json!({ "description": "OK" }),
        };
        responses.insert(ok_status.into(), ok);
        for (status, what) in [
            ("401", "Not signed in, or the session expired"),
            ("403", "The role may not use this function, or a CSRF check failed"),
            ("404", "No such object, or outside the caller's scope (indistinguishable on purpose)"),
            ("422", "Invalid input; see error.fields"),
        ] {
            responses.insert(
                status.into(),
                json!({ "description": what, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }),
            );
        }
        operation.insert("responses".into(), Value::Object(responses));
        paths.entry(route.path.to_string()).or_default().insert(route.method.lower().into(), Value::Object(operation));
    }
    components.insert("Error".into(), error_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Qudao API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Channel sales management. Authenticate with `POST /api/v1/session` (returns a token) or an API key, sent as `Authorization: Bearer <token>`. Money is integer minor units (fen). Lists use cursor pagination (`limit`, `after`)."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}

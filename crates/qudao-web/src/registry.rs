//! The route registry: the one list of every route.
//!
//! The router is built from it (each route wrapped in its permission guard), the OpenAPI document
//! is generated from it, and the isolation, CSRF, idempotency and audit tests walk it. A new
//! endpoint is one more entry in its module's list, and is covered by all of those the day it is
//! added; a path parameter whose object kind the isolation test cannot fill fails that test.

use axum::http::Method;
use axum::routing::{self, MethodRouter};
use qudao_domain::access::Permission;

use crate::openapi::SchemaFn;
use crate::state::AppState;

/// An HTTP method, as a `Copy` value the registry can hold in constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Verb {
    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
        }
    }

    /// Lower-case name, as OpenAPI writes it.
    pub fn lower(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
        }
    }
}

/// Wraps a handler for `verb`, for route constructors.
pub fn on<H, T>(verb: Verb, handler: H) -> MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    match verb {
        Verb::Get => routing::get(handler),
        Verb::Post => routing::post(handler),
        Verb::Put => routing::put(handler),
        Verb::Patch => routing::patch(handler),
        Verb::Delete => routing::delete(handler),
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health checks, assets).
    Public,
    /// A signed-in caller whose role (and API key scopes) grant the permission.
    Signed(Permission),
}

/// What a route does to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only.
    Read,
    /// Changes existing state.
    Change,
    /// Creates something; on the API, `Idempotency-Key` is honoured.
    Create,
    /// Changes only the caller's own session or preferences (sign-in, sign-out, language):
    /// not a business change, so it writes no audit row.
    Session,
}

/// Which surface a route belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// JSON under `/api`.
    Api,
    /// Server-rendered pages and form posts.
    Page,
}

/// The kind of object a path parameter names; the isolation test fills each kind with ids of
/// objects the caller must not reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A partner company.
    Partner,
    /// A partner's contact.
    Contact,
    /// A partner's address.
    Address,
    /// A user.
    User,
    /// A product.
    Product,
    /// A SKU.
    Sku,
    /// An uploaded file.
    File,
    /// An API key.
    ApiKey,
    /// A one-time invitation token.
    InviteToken,
    /// A one-time password-reset token.
    ResetToken,
    /// A static asset's hashed file name.
    Asset,
    /// The id of a caller's long-running work.
    Progress,
    /// An order.
    Order,
    /// A shipment of an order.
    Shipment,
    /// A return against an order.
    Return,
    /// An ordering fair (brand-wide; its demand is per partner).
    Fair,
    /// A partner's saved list (常购清单).
    SavedList,
    /// A price list (brand-wide, or one partner's own, which only that partner's wall sees).
    PriceList,
    /// A promotion (brand-side; partners eligible by name are shown only within the caller's
    /// territory).
    Promotion,
    /// A webhook endpoint (brand administrators only).
    WebhookEndpoint,
    /// A webhook delivery (brand administrators only).
    WebhookDelivery,
    /// A receipt (回款) of a partner.
    Receipt,
    /// A statement (对账单) of a partner.
    Statement,
    /// A manual adjustment (调账) of a partner's balance.
    Adjustment,
    /// An online payment of an order.
    Payment,
    /// A payment's id at the provider (the simulator's payer page).
    PaymentRef,
    /// An approval flow (the brand's configuration).
    ApprovalFlow,
    /// One object's approval (seen by whoever sees the object's partner).
    Approval,
    /// A user's hand-over of approvals (only its owner's).
    Delegation,
    /// The kind of object a thread is on (`order`, `return`, `partner`, `statement`).
    ThreadKind,
    /// One of a person's notifications (only its owner's).
    Notification,
    /// A partner's registration (客户报备) of an end customer.
    Registration,
    /// An expired or released registration in the pool (open to every partner by design).
    PoolEntry,
    /// A lead (seen by the partner it is with, and by the brand).
    Lead,
    /// A lead routing rule (the brand's configuration).
    RoutingRule,
    /// An opportunity (seen by whoever sees its partner).
    Opportunity,
}

/// A valid request body for a route, used by the registry-driven tests (so a 404 they expect comes
/// from the scope check, not from a validation error) and shown in the API documentation.
#[derive(Clone, Copy)]
pub enum Example {
    /// A JSON body.
    Json(fn() -> serde_json::Value),
    /// Urlencoded form fields.
    Form(&'static [(&'static str, &'static str)]),
}

/// One route.
#[derive(Clone, Copy)]
pub struct Route {
    /// HTTP method.
    pub method: Verb,
    /// Path, with `{name}` parameters.
    pub path: &'static str,
    /// API or page.
    pub surface: Surface,
    /// Who may call it.
    pub access: Access,
    /// The object kind of each path parameter, in order.
    pub params: &'static [(&'static str, ObjectKind)],
    /// What it does.
    pub effect: Effect,
    /// Whether the body is a file upload (multipart, larger size limit).
    pub upload: bool,
    /// Whether the use case records the `Idempotency-Key` in its own transaction (the order
    /// desk's batches) instead of the guard claiming it in a transaction of its own first.
    pub idempotency_in_effect: bool,
    /// Whether the response is a stream that stays open (server-sent events): the route walks
    /// that read whole responses leave it to its own tests.
    pub streaming: bool,
    /// One line for the API documentation.
    pub summary: &'static str,
    /// The JSON request body's schema (API routes).
    pub body: Option<SchemaFn>,
    /// The JSON response's schema (API routes).
    pub response: Option<SchemaFn>,
    /// A valid body (routes that take one).
    pub example: Option<Example>,
    /// Builds the handler for the route's method (`|v| on(v, list_partners)`).
    pub handler: fn(Verb) -> MethodRouter<AppState>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.method(), self.path)
    }
}

impl Route {
    /// Whether the route changes state (and so needs CSRF protection and, unless it is a
    /// session route, writes an audit row).
    pub fn mutates(&self) -> bool {
        self.effect != Effect::Read
    }

    /// A JSON route, reading until told otherwise.
    pub const fn api(
        method: Verb,
        path: &'static str,
        permission: Permission,
        summary: &'static str,
        handler: fn(Verb) -> MethodRouter<AppState>,
    ) -> Route {
        Route {
            method,
            path,
            surface: Surface::Api,
            access: Access::Signed(permission),
            params: &[],
            effect: Effect::Read,
            upload: false,
            idempotency_in_effect: false,
            streaming: false,
            summary,
            body: None,
            response: None,
            example: None,
            handler,
        }
    }

    /// A page or form post, reading until told otherwise.
    pub const fn page(
        method: Verb,
        path: &'static str,
        permission: Permission,
        summary: &'static str,
        handler: fn(Verb) -> MethodRouter<AppState>,
    ) -> Route {
        let mut route = Route::api(method, path, permission, summary, handler);
        route.surface = Surface::Page;
        route
    }

    /// Marks the response as a stream that stays open.
    pub const fn streaming(mut self) -> Route {
        self.streaming = true;
        self
    }

    /// Sets the path parameters' kinds.
    pub const fn params(mut self, params: &'static [(&'static str, ObjectKind)]) -> Route {
        self.params = params;
        self
    }

    /// Sets the effect.
    pub const fn effect(mut self, effect: Effect) -> Route {
        self.effect = effect;
        self
    }

    /// Makes the route public.
    pub const fn public(mut self) -> Route {
        self.access = Access::Public;
        self
    }

    /// Lets the use case record the `Idempotency-Key` itself (see the field).
    pub const fn idempotency_in_effect(mut self) -> Route {
        self.idempotency_in_effect = true;
        self
    }

    /// Marks a file upload.
    pub const fn upload(mut self) -> Route {
        self.upload = true;
        self
    }

    /// Sets the request schema.
    pub const fn body(mut self, schema: SchemaFn) -> Route {
        self.body = Some(schema);
        self
    }

    /// Sets a valid JSON body for tests and docs.
    pub const fn example(mut self, example: fn() -> serde_json::Value) -> Route {
        self.example = Some(Example::Json(example));
        self
    }

    /// Sets valid form fields for tests.
    pub const fn form(mut self, fields: &'static [(&'static str, &'static str)]) -> Route {
        self.example = Some(Example::Form(fields));
        self
    }

    /// Sets the response schema.
    pub const fn response(mut self, schema: SchemaFn) -> Route {
        self.response = Some(schema);
        self
    }
}

/// Whether `caller` may call `route`: the route's permission, and for the console and the portal
/// also the side of the channel the caller is on. The guard and the tests both ask this.
pub fn permits(route: &Route, caller: &qudao_store::Caller) -> bool {
    let area_ok = if route.path.starts_with("/console") {
        caller.may(Permission::ConsoleAccess)
    } else if route.path.starts_with("/portal") {
        caller.may(Permission::PortalAccess)
    } else {
        true
    };
    match route.access {
        Access::Public => true,
        Access::Signed(permission) => area_ok && caller.may(permission),
    }
}

/// Every route of Qudao.
pub fn all() -> Vec<Route> {
    let mut routes = crate::api::routes();
    routes.extend(crate::pages::routes());
    routes
}

//! Portal pages: the cart the company's users share — priced with "why this price" and nudges —
//! quick order by SKU code, order sheet import, saved lists (常购清单), and checkout.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::idempotency::IdemRequest;
use qudao_app::orders::{self as uc, CartChange, CartMode, CartView, CheckoutRequest, Placed};
use qudao_app::pricing::LineRequest;
use qudao_domain::FieldError;
use qudao_domain::access::Permission;
use qudao_domain::ids::{AddressId, SavedListId};
use serde::Deserialize;

use crate::context::{Authed, RequestContext, field_message};
use crate::error::{WebError, WebResult};
use crate::extract::{Id, PageForm, Upload};
use crate::i18n;
use crate::pages::ordering::{LineRow, nudges, quote_lines, sku_lines};
use crate::pages::{Chrome, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A saved list as the cart page lists it.
struct ListRow {
    id: String,
    name: String,
    lines: String,
}

/// An address to deliver to.
struct AddressChoice {
    id: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "portal/cart.html")]
struct CartPage {
    c: Chrome,
    lines: Vec<LineRow>,
    /// Cart lines that could not be priced: (SKU, unit, quantity).
    raw: Vec<(String, String, i64)>,
    gross: String,
    discount: String,
    total: String,
    discounted: bool,
    nudges: Vec<String>,
    problems: Vec<String>,
    import_problems: Vec<String>,
    lists: Vec<ListRow>,
    addresses: Vec<AddressChoice>,
    idem: String,
    error: Option<String>,
}

/// Messages for a failed change, in the page's language; line indexes become SKU codes.
fn messages(lang: i18n::Lang, errors: &[FieldError], codes: &[String]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let field = e
                .field
                .strip_prefix("lines[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(index, _)| index.parse::<usize>().ok())
                .and_then(|index| codes.get(index).cloned())
                .unwrap_or_else(|| e.field.clone());
            format!("{field}: {}", field_message(lang, e))
        })
        .collect()
}

async fn render_cart(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &RequestContext,
    error: Option<String>,
    import_problems: Vec<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let c = Chrome::new(state, context, "cart.title", "/portal/cart").await;
    let cart: CartView = uc::get_cart(state.app(), ctx).await?;
    let codes: Vec<String> = cart.lines.iter().map(|l| l.sku.clone()).collect();
    let problems = messages(c.lang, &cart.problems, &codes);
    let (lines, gross, discount, total, discounted, nudge_lines) = match &cart.quote {
        Some(quote) => (
            quote_lines(&c, quote),
            c.money(quote.gross),
            c.money(quote.discount),
            c.money(quote.total),
            quote.discount != 0,
            nudges(&c, quote),
        ),
        None => (Vec::new(), String::new(), String::new(), String::new(), false, Vec::new()),
    };
    let raw = if cart.quote.is_none() {
        cart.lines.iter().map(|l| (l.sku.clone(), l.unit.clone(), l.quantity)).collect()
    } else {
        Vec::new()
    };
    let lists = uc::list_saved_lists(state.app(), ctx)
        .await?
        .into_iter()
        .map(|l| ListRow { id: l.id.to_string(), name: l.name, lines: c.tn("cart.lines_count", &l.lines.to_string()) })
        .collect();
    let addresses = match ctx.caller().partner_id() {
        Some(partner) => match qudao_app::partners::get_partner(state.app(), ctx, partner).await {
            Ok(detail) => detail
                .addresses
                .iter()
                .filter(|a| a.kind == qudao_domain::partners::AddressKind::Shipping)
                .map(|a| AddressChoice {
                    id: a.id.to_string(),
                    label: format!(
                        "{} {} {}",
                        c.pick(&a.region_name_zh, &a.region_name_en),
                        a.detail,
                        a.recipient.clone().unwrap_or_default()
                    ),
                    selected: a.is_default,
                })
                .collect(),
            Err(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    let template = CartPage {
        lines,
        raw,
        gross,
        discount,
        total,
        discounted,
        nudges: nudge_lines,
        problems,
        import_problems,
        lists,
        addresses,
        idem: qudao_app::tokens::random_token()?,
        error,
        c,
    };
    Ok(render(status, &template))
}

async fn show_cart(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    render_cart(&state, &ctx, &context, None, Vec::new(), StatusCode::OK).await
}

/// A failed change shown on the cart page (422); other errors go to the error page.
async fn refused(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &RequestContext,
    error: AppError,
    codes: &[String],
) -> WebResult<Response> {
    match error {
        AppError::Invalid(invalid) => {
            let text = messages(context.lang, &invalid.errors, codes).join("; ");
            render_cart(state, ctx, context, Some(text), Vec::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        AppError::Conflict(code) => {
            let text = i18n::t(context.lang, &format!("error.conflict.{code}")).to_string();
            render_cart(state, ctx, context, Some(text), Vec::new(), StatusCode::CONFLICT).await
        }
        other => Err(WebError::App(other)),
    }
}

/// Quick order and "add to cart".
#[derive(Debug, Deserialize)]
struct AddForm {
    sku: String,
    quantity: String,
    #[serde(default)]
    unit: String,
    /// Where to go afterwards (a portal page); the cart when absent.
    #[serde(default)]
    back: String,
}

async fn add_to_cart(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<AddForm>,
) -> WebResult<Response> {
    let quantity = form.quantity.trim().parse::<i64>().unwrap_or(0);
    let unit = Some(form.unit.trim().to_string()).filter(|u| !u.is_empty());
    let change = CartChange { lines: vec![LineRequest { sku: form.sku.clone(), quantity, unit }], mode: CartMode::Add };
    match uc::change_cart(state.app(), &ctx, &change).await {
        Ok(_) => {
            let back = if form.back.starts_with("/portal/") && !form.back.starts_with("//") {
                form.back.as_str()
            } else {
                "/portal/cart"
            };
            Ok(see_other(back, Some("cart.added")))
        }
        Err(error) => refused(&state, &ctx, &context, error, std::slice::from_ref(&form.sku)).await,
    }
}

/// Editing quantities: `qty.<SKU>` and `unit.<SKU>` per line.
async fn update_cart(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let lines = sku_lines(&fields);
    let codes: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
    match uc::change_cart(state.app(), &ctx, &CartChange { lines, mode: CartMode::Set }).await {
        Ok(_) => Ok(see_other("/portal/cart", Some("cart.updated"))),
        Err(error) => refused(&state, &ctx, &context, error, &codes).await,
    }
}

async fn clear_cart(State(state): State<AppState>, Authed(ctx, _): Authed) -> WebResult<Response> {
    uc::clear_cart(state.app(), &ctx).await?;
    Ok(see_other("/portal/cart", Some("cart.cleared")))
}

async fn import_sheet(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    upload: Result<Upload, WebError>,
) -> WebResult<Response> {
    let upload = upload?;
    match uc::import_to_cart(state.app(), &ctx, &upload.bytes).await {
        Ok(report) if report.problems.is_empty() => Ok(see_other("/portal/cart", Some("cart.imported"))),
        Ok(report) => {
            let lang = context.lang;
            let rows = report
                .problems
                .iter()
                .map(|p| {
                    let errors: Vec<String> =
                        p.errors.iter().map(|e| format!("{}: {}", e.field, field_message(lang, e))).collect();
                    format!("{} — {}", i18n::tf(lang, "cart.row", &[("n", &p.row.to_string())]), errors.join("; "))
                })
                .collect();
            render_cart(&state, &ctx, &context, None, rows, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => refused(&state, &ctx, &context, error, &[]).await,
    }
}

#[derive(Debug, Deserialize)]
struct SaveForm {
    name: String,
}

async fn save_list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<SaveForm>,
) -> WebResult<Response> {
    let request = uc::SavedListRequest { name: form.name, lines: None };
    match uc::create_saved_list(state.app(), &ctx, &request, None).await {
        Ok(_) => Ok(see_other("/portal/cart#lists", Some("cart.list_saved"))),
        Err(error) => refused(&state, &ctx, &context, error, &[]).await,
    }
}

async fn list_to_cart(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<SavedListId>,
) -> WebResult<Response> {
    match uc::saved_list_to_cart(state.app(), &ctx, id).await {
        Ok(_) => Ok(see_other("/portal/cart", Some("cart.refilled"))),
        Err(error) => refused(&state, &ctx, &context, error, &[]).await,
    }
}

async fn delete_list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<SavedListId>,
) -> WebResult<Response> {
    uc::delete_saved_list(state.app(), &ctx, id).await?;
    Ok(see_other("/portal/cart#lists", Some("cart.list_deleted")))
}

/// The checkout form; `idem` is drawn when the page is shown, so a double click orders once.
#[derive(Debug, Deserialize)]
struct CheckoutForm {
    payment: String,
    #[serde(default)]
    rebate: String,
    #[serde(default)]
    address_id: String,
    #[serde(default)]
    requested_date: String,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    idem: String,
}

async fn checkout(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<CheckoutForm>,
) -> WebResult<Response> {
    let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let request = CheckoutRequest {
        payment: form.payment.clone(),
        rebate: blank(&form.rebate),
        address_id: blank(&form.address_id).and_then(|a| a.parse::<AddressId>().ok()),
        requested_date: blank(&form.requested_date),
        remark: blank(&form.remark),
    };
    let idem = match blank(&form.idem) {
        Some(key) => Some(IdemRequest::new(&ctx, &key, "portal-checkout")?),
        None => None,
    };
    match uc::checkout_cart(state.app(), &ctx, &request, idem).await {
        Ok(Placed::New(order)) => {
            Ok(see_other(&format!("/portal/orders/{}", order.summary.id), Some("checkout.placed")))
        }
        Ok(Placed::Replay { body, .. }) => {
            let id = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_string))
                .unwrap_or_default();
            Ok(see_other(&format!("/portal/orders/{id}"), Some("checkout.placed")))
        }
        Err(error) => refused(&state, &ctx, &context, error, &[]).await,
    }
}

const LIST: &[(&str, ObjectKind)] = &[("id", ObjectKind::SavedList)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/cart", Permission::OrdersPlace, "The shared cart, priced, with checkout", |v| {
        on(v, show_cart)
    }),
    Route::page(Verb::Post, "/portal/cart/lines", Permission::OrdersPlace, "Quick order: add a SKU to the cart", |v| {
        on(v, add_to_cart)
    })
    .effect(Effect::Change)
    .form(&[("sku", "S-ON-1"), ("quantity", "1")]),
    Route::page(Verb::Post, "/portal/cart/update", Permission::OrdersPlace, "Set the cart's quantities", |v| {
        on(v, update_cart)
    })
    .effect(Effect::Change)
    .form(&[("qty.S-ON-1", "2")]),
    Route::page(Verb::Post, "/portal/cart/clear", Permission::OrdersPlace, "Empty the cart", |v| on(v, clear_cart))
        .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/portal/cart/import",
        Permission::OrdersPlace,
        "Import an order sheet into the cart",
        |v| on(v, import_sheet),
    )
    .effect(Effect::Change)
    .upload(),
    Route::page(Verb::Post, "/portal/cart/save", Permission::OrdersPlace, "Save the cart as a list", |v| {
        on(v, save_list)
    })
    .effect(Effect::Create)
    .form(&[("name", "常用")]),
    Route::page(
        Verb::Post,
        "/portal/saved-lists/{id}/to-cart",
        Permission::OrdersPlace,
        "Put a saved list in the cart",
        |v| on(v, list_to_cart),
    )
    .params(LIST)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/portal/saved-lists/{id}/delete", Permission::OrdersPlace, "Delete a saved list", |v| {
        on(v, delete_list)
    })
    .params(LIST)
    .effect(Effect::Change),
    Route::page(Verb::Post, "/portal/cart/checkout", Permission::OrdersPlace, "Order what is in the cart", |v| {
        on(v, checkout)
    })
    .effect(Effect::Create)
    .form(&[("payment", "credit")]),
];

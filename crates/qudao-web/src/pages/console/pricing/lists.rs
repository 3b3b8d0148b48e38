//! The price list editor: header fields, the prices as one "SKU price" per line (a column pasted
//! from a spreadsheet works), and the sample-cart preview.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::Ctx;
use qudao_app::pricing::{self as uc, CheckResult, PriceEntryInput, PriceListCheck, PriceListInput};
use qudao_domain::access::Permission;
use qudao_domain::ids::PriceListId;

use super::{CheckView, FieldMap, Preview, choices, refusal, rows, sample_or_error};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::console::products::view::Choice;
use crate::pages::{Chrome, FormState, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/pricing_list.html")]
struct ListEditorPage {
    c: Chrome,
    heading: String,
    /// Where the form saves to.
    action: String,
    /// The list's id when it exists (the preview replaces it rather than adding to it).
    id: String,
    new: bool,
    can_manage: bool,
    form: FormState,
    scopes: Vec<Choice>,
    statuses: Vec<Choice>,
    notices: Vec<String>,
    preview: Option<Preview>,
}

/// The form's fields whose errors show next to them.
fn rename(field: &str) -> Option<&'static str> {
    Some(match field {
        "code" => "code",
        "name" => "name",
        "scope" => "scope",
        "target" => "target",
        "valid_from" => "valid_from",
        "valid_to" => "valid_to",
        "status" => "status",
        "entries" => "entries",
        _ => return None,
    })
}

/// The typed prices and the textarea line each came from.
fn entries(form: &FormState) -> (Vec<PriceEntryInput>, Vec<usize>) {
    rows(form.value("entries"))
        .into_iter()
        .map(|(n, words)| {
            // "S-COLA 可乐 330ml 2.50": the code first, the price last, whatever is between.
            let price = if words.len() > 1 { words[words.len() - 1] } else { "" };
            (PriceEntryInput { sku: words[0].to_string(), price: price.to_string() }, n)
        })
        .unzip()
}

/// The form as the use case takes it.
fn input(form: &FormState) -> (PriceListInput, Vec<usize>) {
    let (entries, lines) = entries(form);
    let optional = |name: &str| Some(form.value(name).trim().to_string()).filter(|v| !v.is_empty());
    let input = PriceListInput {
        code: form.value("code").to_string(),
        name: form.value("name").to_string(),
        scope: form.value("scope").to_string(),
        target: optional("target"),
        valid_from: form.value("valid_from").to_string(),
        valid_to: optional("valid_to"),
        status: form.value("status").to_string(),
        entries,
        version: form.value("version").trim().parse().ok(),
    };
    (input, lines)
}

/// A stored list's values for the form.
fn values_of(list: &PriceListInput) -> FormState {
    let entries: Vec<String> = list.entries.iter().map(|e| format!("{} {}", e.sku, e.price)).collect();
    FormState::with_values([
        ("code", list.code.clone()),
        ("name", list.name.clone()),
        ("scope", list.scope.clone()),
        ("target", list.target.clone().unwrap_or_default()),
        ("valid_from", list.valid_from.clone()),
        ("valid_to", list.valid_to.clone().unwrap_or_default()),
        ("status", list.status.clone()),
        ("entries", entries.join("\n")),
        ("version", list.version.map(|v| v.to_string()).unwrap_or_default()),
    ])
}

/// The line of the textarea entry `index` was typed on.
fn line_of(lines: &[usize]) -> impl Fn(&str, usize) -> (&'static str, usize) + '_ {
    move |_, index| ("pricing.line", lines.get(index).copied().unwrap_or(index + 1))
}

async fn editor(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: Option<PriceListId>,
    form: FormState,
    check: Option<CheckResult>,
    status: StatusCode,
) -> WebResult<Response> {
    let mut c = Chrome::new(state, context, "pricing.list.title", "/console/pricing").await;
    let heading = match id {
        Some(_) => format!("{} {}", c.t("pricing.list.title"), form.value("code")),
        None => c.t("pricing.list.new").to_string(),
    };
    c.title = heading.clone();
    let (_, lines) = input(&form);
    let check = check.map(|result| CheckView::of(&c, &result, &line_of(&lines))).unwrap_or_else(CheckView::empty);
    let template = ListEditorPage {
        action: id.map(|id| format!("/console/pricing/lists/{id}")).unwrap_or_else(|| "/console/pricing/lists".into()),
        id: id.map(|id| id.to_string()).unwrap_or_default(),
        new: id.is_none(),
        can_manage: ctx.caller().may(Permission::PricingManage),
        scopes: choices(&c, "pricing.scope.", &["base", "tier", "region", "partner"], form.value("scope")),
        statuses: choices(&c, "pricing.status.", &["draft", "active", "archived"], form.value("status")),
        notices: check.notices,
        preview: check.preview,
        heading,
        form,
        c,
    };
    Ok(render(status, &template))
}

async fn new_list(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let form = FormState::with_values([("scope", "tier"), ("status", "draft")]);
    editor(&state, &ctx, &context, None, form, None, StatusCode::OK).await
}

/// The list as stored, with what its checks say about it against what is live now (another list
/// may have gone live since it was saved).
async fn show_list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PriceListId>,
) -> WebResult<Response> {
    let detail = uc::get_price_list(state.app(), &ctx, id).await?;
    let form = values_of(&detail.form);
    let mut check = None;
    if ctx.caller().may(Permission::PricingManage) {
        let request = PriceListCheck { id: Some(id), list: detail.form, sample: None };
        check = uc::check_price_list(state.app(), &ctx, &request).await.ok();
    }
    editor(&state, &ctx, &context, Some(id), form, check, StatusCode::OK).await
}

async fn create_list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut form = FormState::with_values(fields);
    let (input, lines) = input(&form);
    match uc::create_price_list(state.app(), &ctx, &input, None).await {
        Ok(detail) => Ok(see_other(&format!("/console/pricing/lists/{}", detail.list.id), Some("pricing.saved"))),
        Err(error) => {
            let map = FieldMap { rename: &rename, lines: &line_of(&lines) };
            let status = refusal(&mut form, &context, error, &map, &[])?;
            editor(&state, &ctx, &context, None, form, None, status).await
        }
    }
}

async fn update_list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PriceListId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut form = FormState::with_values(fields);
    let (input, lines) = input(&form);
    match uc::update_price_list(state.app(), &ctx, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/console/pricing/lists/{id}"), Some("pricing.saved"))),
        Err(error) => {
            let map = FieldMap { rename: &rename, lines: &line_of(&lines) };
            let status = refusal(&mut form, &context, error, &map, &[])?;
            editor(&state, &ctx, &context, Some(id), form, None, status).await
        }
    }
}

/// Checks the draft and prices the sample cart before and after, saving nothing.
async fn preview_list(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut form = FormState::with_values(fields);
    let id: Option<PriceListId> = form.value("id").trim().parse().ok();
    let (list, lines) = input(&form);
    let map = FieldMap { rename: &rename, lines: &line_of(&lines) };
    let (sample, sample_lines) = match sample_or_error(&form) {
        Ok(Some((cart, numbers))) => (Some(cart), numbers),
        Ok(None) => (None, Vec::new()),
        Err(invalid) => {
            let status = refusal(&mut form, &context, invalid.into(), &map, &[])?;
            return editor(&state, &ctx, &context, id, form, None, status).await;
        }
    };
    let request = PriceListCheck { id, list, sample };
    match uc::check_price_list(state.app(), &ctx, &request).await {
        Ok(result) => editor(&state, &ctx, &context, id, form, Some(result), StatusCode::OK).await,
        Err(error) => {
            let status = refusal(&mut form, &context, error, &map, &sample_lines)?;
            editor(&state, &ctx, &context, id, form, None, status).await
        }
    }
}

const LIST: &[(&str, ObjectKind)] = &[("id", ObjectKind::PriceList)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/console/pricing/lists/new", Permission::PricingManage, "A new price list", |v| {
        on(v, new_list)
    }),
    Route::page(Verb::Post, "/console/pricing/lists", Permission::PricingManage, "Create a price list", |v| {
        on(v, create_list)
    })
    .effect(Effect::Create),
    Route::page(
        Verb::Post,
        "/console/pricing/lists/preview",
        Permission::PricingManage,
        "Check a draft price list and price a sample cart before and after, saving nothing",
        |v| on(v, preview_list),
    ),
    Route::page(
        Verb::Get,
        "/console/pricing/lists/{id}",
        Permission::PricingRead,
        "A price list in the editor, with what its checks find against the live lists",
        |v| on(v, show_list),
    )
    .params(LIST),
    Route::page(Verb::Post, "/console/pricing/lists/{id}", Permission::PricingManage, "Save a price list", |v| {
        on(v, update_list)
    })
    .params(LIST)
    .effect(Effect::Change),
];

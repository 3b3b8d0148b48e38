//! Console page: the catalog's master lists — categories (two levels), brands and units — with
//! forms to add to them.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::catalog::{self as uc, MasterInput};
use qudao_domain::access::Permission;
use serde::Deserialize;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::PageForm;
use crate::pages::{Chrome, FormState, page, render, see_other};
use crate::state::AppState;

/// One row of a master list.
struct Row {
    code: String,
    name_zh: String,
    name_en: String,
    /// For sub-categories: their parent's code.
    parent: String,
}

/// The brands or units part of the page.
struct ListSection {
    title: &'static str,
    action: &'static str,
    button: &'static str,
    rows: Vec<Row>,
    form: FormState,
}

#[derive(Template)]
#[template(path = "console/catalog_masters.html")]
struct MastersPage {
    c: Chrome,
    can_write: bool,
    categories: Vec<Row>,
    top_categories: Vec<Row>,
    category_form: FormState,
    lists: Vec<ListSection>,
}

fn rows<Id>(list: Vec<qudao_store::catalog::masters::Named<Id>>) -> Vec<Row> {
    list.into_iter()
        .map(|x| Row { code: x.code, name_zh: x.name_zh, name_en: x.name_en, parent: String::new() })
        .collect()
}

async fn masters_page(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    context: &crate::context::RequestContext,
    failed: Option<(&'static str, FormState)>,
) -> WebResult<MastersPage> {
    let c = Chrome::new(state, context, "catalog.masters.title", "/console/products").await;
    let all = uc::list_categories(state.app(), ctx).await?;
    let code_of = |id| all.iter().find(|c| Some(c.id) == id).map(|c| c.code.clone()).unwrap_or_default();
    let categories: Vec<Row> = all
        .iter()
        .map(|x| Row {
            code: x.code.clone(),
            name_zh: x.name_zh.clone(),
            name_en: x.name_en.clone(),
            parent: code_of(x.parent_id),
        })
        .collect();
    let top_categories = all
        .iter()
        .filter(|x| x.parent_id.is_none())
        .map(|x| Row {
            code: x.code.clone(),
            name_zh: x.name_zh.clone(),
            name_en: x.name_en.clone(),
            parent: String::new(),
        })
        .collect();
    let form_of = |which: &str| match &failed {
        Some((name, state)) if *name == which => state.clone(),
        _ => FormState::new(),
    };
    let lists = vec![
        ListSection {
            title: "catalog.masters.brands",
            action: "/console/catalog/brands",
            button: "catalog.masters.add_brand",
            rows: rows(uc::list_brands(state.app(), ctx).await?),
            form: form_of("brand"),
        },
        ListSection {
            title: "catalog.masters.units",
            action: "/console/catalog/units",
            button: "catalog.masters.add_unit",
            rows: rows(uc::list_units(state.app(), ctx).await?),
            form: form_of("unit"),
        },
    ];
    Ok(MastersPage {
        can_write: ctx.caller().may(Permission::CatalogWrite),
        category_form: form_of("category"),
        c,
        categories,
        top_categories,
        lists,
    })
}

/// `GET /console/catalog`.
pub async fn show_masters(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    Ok(page(&masters_page(&state, &ctx, &context, None).await?))
}

/// The add form of any master list.
#[derive(Debug, Deserialize)]
pub struct MasterForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    parent: String,
}

async fn add(state: AppState, authed: Authed, which: &'static str, form: MasterForm) -> WebResult<Response> {
    let Authed(ctx, context) = authed;
    let input = MasterInput {
        code: form.code.clone(),
        name_zh: form.name_zh.clone(),
        name_en: form.name_en.clone(),
        parent: Some(form.parent.clone()).filter(|p| !p.is_empty()),
    };
    let result = match which {
        "category" => uc::create_category(state.app(), &ctx, &input, None).await.map(|_| ()),
        "brand" => uc::create_brand(state.app(), &ctx, &input, None).await.map(|_| ()),
        _ => uc::create_unit(state.app(), &ctx, &input, None).await.map(|_| ()),
    };
    match result {
        Ok(()) => Ok(see_other("/console/catalog", Some("catalog.masters.added"))),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = FormState::with_values([
                ("code", form.code),
                ("name_zh", form.name_zh),
                ("name_en", form.name_en),
                ("parent", form.parent),
            ]);
            failed.fail(context.lang, &invalid, &["code", "name_zh", "name_en", "parent"]);
            let page = masters_page(&state, &ctx, &context, Some((which, failed))).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /console/catalog/categories`.
pub async fn add_category(
    State(state): State<AppState>,
    authed: Authed,
    PageForm(form): PageForm<MasterForm>,
) -> WebResult<Response> {
    add(state, authed, "category", form).await
}

/// `POST /console/catalog/brands`.
pub async fn add_brand(
    State(state): State<AppState>,
    authed: Authed,
    PageForm(form): PageForm<MasterForm>,
) -> WebResult<Response> {
    add(state, authed, "brand", form).await
}

/// `POST /console/catalog/units`.
pub async fn add_unit(
    State(state): State<AppState>,
    authed: Authed,
    PageForm(form): PageForm<MasterForm>,
) -> WebResult<Response> {
    add(state, authed, "unit", form).await
}

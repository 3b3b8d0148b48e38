//! Creating and editing a product: names in both languages, category, brand, base unit, tax rate,
//! description and up to three larger units ("1 箱 = 24 瓶").

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::catalog::{self as uc, ProductEdit};
use qudao_app::{AppError, Ctx};
use qudao_domain::catalog::ProductInput;
use qudao_domain::ids::ProductId;
use qudao_domain::{FieldError, Invalid};
use qudao_store::catalog::ProductView;
use serde::Deserialize;

use super::view::{self, Choice};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::{Chrome, FormState, render, see_other};
use crate::state::AppState;

/// How many larger units a form offers.
const UNIT_ROWS: usize = 3;

/// The fields whose errors are shown next to them.
const FIELDS: &[&str] = &[
    "code",
    "name_zh",
    "name_en",
    "category",
    "brand",
    "base_unit",
    "tax_rate",
    "description",
    "unit1",
    "unit2",
    "unit3",
];

/// One row of the larger units.
struct UnitRow {
    /// The unit select's name (`unit1`).
    unit_name: &'static str,
    /// The factor input's name (`factor1`).
    factor_name: &'static str,
    /// The unit choices, the submitted one selected.
    units: Vec<Choice>,
    /// The submitted factor.
    factor: String,
}

#[derive(Template)]
#[template(path = "console/product_form.html")]
struct ProductFormPage {
    c: Chrome,
    heading: &'static str,
    action: String,
    cancel: String,
    /// Whether the code can be typed (new products only).
    new: bool,
    form: FormState,
    categories: Vec<Choice>,
    brands: Vec<Choice>,
    base_units: Vec<Choice>,
    unit_rows: Vec<UnitRow>,
}

/// The product form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    code: String,
    name_zh: String,
    name_en: String,
    category: String,
    brand: String,
    base_unit: String,
    tax_rate: String,
    description: String,
    unit1: String,
    factor1: String,
    unit2: String,
    factor2: String,
    unit3: String,
    factor3: String,
    version: String,
    active: Option<String>,
}

const UNIT_NAMES: [(&str, &str); UNIT_ROWS] = [("unit1", "factor1"), ("unit2", "factor2"), ("unit3", "factor3")];

impl ProductForm {
    fn rows(&self) -> [(&str, &str); UNIT_ROWS] {
        [(&self.unit1, &self.factor1), (&self.unit2, &self.factor2), (&self.unit3, &self.factor3)]
    }

    /// The filled unit rows as (unit, factor), with the form row each came from.
    fn units(&self) -> (Vec<(String, String)>, Vec<usize>) {
        let mut units = Vec::new();
        let mut rows = Vec::new();
        for (index, (unit, factor)) in self.rows().into_iter().enumerate() {
            if !unit.trim().is_empty() || !factor.trim().is_empty() {
                units.push((unit.trim().to_string(), factor.trim().to_string()));
                rows.push(index);
            }
        }
        (units, rows)
    }

    fn input(&self, with_code: bool) -> ProductInput {
        ProductInput {
            code: with_code.then(|| self.code.clone()),
            name_zh: Some(self.name_zh.clone()),
            name_en: Some(self.name_en.clone()),
            category: Some(self.category.clone()),
            brand: Some(self.brand.clone()),
            base_unit: Some(self.base_unit.clone()),
            tax_rate: Some(self.tax_rate.clone()),
            description: Some(self.description.clone()),
        }
    }

    /// The submitted values, for re-rendering.
    fn state(&self) -> FormState {
        let mut form = FormState::with_values([
            ("code", self.code.as_str()),
            ("name_zh", &self.name_zh),
            ("name_en", &self.name_en),
            ("category", &self.category),
            ("brand", &self.brand),
            ("base_unit", &self.base_unit),
            ("tax_rate", &self.tax_rate),
            ("description", &self.description),
            ("version", &self.version),
        ]);
        for ((unit_name, factor_name), (unit, factor)) in UNIT_NAMES.into_iter().zip(self.rows()) {
            form.set(unit_name, unit);
            form.set(factor_name, factor);
        }
        if self.active.is_some() {
            form.set("active", "on");
        }
        form
    }
}

/// The use case names larger units `units[i]` by their place among the filled rows; the form
/// shows the error on the row it came from.
fn rename_unit_errors(invalid: &Invalid, rows: &[usize]) -> Invalid {
    let errors = invalid
        .errors
        .iter()
        .map(|error| {
            let row = error
                .field
                .strip_prefix("units[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|index| index.parse::<usize>().ok())
                .and_then(|index| rows.get(index));
            match row.and_then(|row| UNIT_NAMES.get(*row)) {
                Some((unit_name, _)) => FieldError { field: (*unit_name).to_string(), ..error.clone() },
                None => error.clone(),
            }
        })
        .collect();
    Invalid { errors }
}

/// The values of an existing product, for the edit form.
fn values_of(product: &ProductView) -> FormState {
    let s = &product.summary;
    let mut form = FormState::with_values([
        ("code", s.code.clone()),
        ("name_zh", s.name_zh.clone()),
        ("name_en", s.name_en.clone()),
        ("category", s.category_code.clone()),
        ("brand", product.brand_code.clone()),
        ("base_unit", product.base_unit_code.clone()),
        ("tax_rate", view::tax_text(product.tax_rate_bp)),
        ("description", product.description.clone().unwrap_or_default()),
        ("version", product.version.to_string()),
    ]);
    for ((unit_name, factor_name), unit) in UNIT_NAMES.into_iter().zip(&product.units) {
        form.set(unit_name, unit.code.clone());
        form.set(factor_name, unit.factor.to_string());
    }
    if s.status == "active" {
        form.set("active", "on");
    }
    form
}

/// Renders the form for a new product (`product` is `None`) or an existing one.
async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    product: Option<ProductId>,
    form: FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let (title, action, cancel) = match product {
        None => ("product.new", "/console/products".to_string(), "/console/products".to_string()),
        Some(id) => ("product.edit", format!("/console/products/{id}/edit"), format!("/console/products/{id}")),
    };
    let c = Chrome::new(state, context, title, "/console/products").await;
    let categories = view::category_choices(state, ctx, &c, form.value("category")).await?;
    let brands = view::brand_choices(state, ctx, &c, form.value("brand")).await?;
    let base_units = view::unit_choices(state, ctx, &c, form.value("base_unit")).await?;
    let unit_rows = UNIT_NAMES
        .into_iter()
        .map(|(unit_name, factor_name)| UnitRow {
            unit_name,
            factor_name,
            units: view::select(&base_units, form.value(unit_name)),
            factor: form.value(factor_name).to_string(),
        })
        .collect();
    let heading = c.t(title);
    let template = ProductFormPage {
        c,
        heading,
        action,
        cancel,
        new: product.is_none(),
        form,
        categories,
        brands,
        base_units,
        unit_rows,
    };
    Ok(render(status, &template))
}

/// `GET /console/products/new`.
pub async fn new_product(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let form = FormState::with_values([("tax_rate", "13"), ("active", "on")]);
    form_page(&state, &ctx, &context, None, form, StatusCode::OK).await
}

/// Re-renders a form after a failed save: field errors (422) or a conflict (409).
async fn failed(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    product: Option<ProductId>,
    form: &ProductForm,
    error: AppError,
) -> WebResult<Response> {
    let mut values = form.state();
    let status = match error {
        AppError::Invalid(invalid) => {
            let (_, rows) = form.units();
            values.fail(context.lang, &rename_unit_errors(&invalid, &rows), FIELDS);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(code) => {
            values.fail_general(context.lang, &format!("error.conflict.{code}"));
            StatusCode::CONFLICT
        }
        other => return Err(other.into()),
    };
    form_page(state, ctx, context, product, values, status).await
}

/// `POST /console/products`.
pub async fn create_product(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<ProductForm>,
) -> WebResult<Response> {
    let (units, _) = form.units();
    match uc::create_product(state.app(), &ctx, &form.input(true), &units, None).await {
        Ok(product) => Ok(see_other(&format!("/console/products/{}", product.summary.id), Some("product.created"))),
        Err(error) => failed(&state, &ctx, &context, None, &form, error).await,
    }
}

/// `GET /console/products/{id}/edit`.
pub async fn edit_product(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ProductId>,
) -> WebResult<Response> {
    let product = uc::get_product(state.app(), &ctx, id).await?;
    form_page(&state, &ctx, &context, Some(id), values_of(&product), StatusCode::OK).await
}

/// `POST /console/products/{id}/edit`.
pub async fn update_product(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ProductId>,
    PageForm(form): PageForm<ProductForm>,
) -> WebResult<Response> {
    let (units, _) = form.units();
    let edit = ProductEdit {
        version: form.version.trim().parse().ok(),
        fields: form.input(false),
        units: Some(units),
        active: Some(form.active.is_some()),
    };
    match uc::update_product(state.app(), &ctx, id, &edit).await {
        Ok(_) => Ok(see_other(&format!("/console/products/{id}"), Some("product.saved"))),
        Err(error) => failed(&state, &ctx, &context, Some(id), &form, error).await,
    }
}

//! One product in the console: its pictures, units and SKUs, with the forms that add and edit SKUs
//! and upload pictures. A failed form re-renders this page with its errors next to it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::catalog as uc;
use qudao_app::{AppError, Ctx};
use qudao_domain::access::Permission;
use qudao_domain::catalog::SkuInput;
use qudao_domain::ids::{ProductId, SkuId};
use serde::Deserialize;

use super::view;
use crate::context::{Authed, RequestContext};
use crate::error::{WebError, WebResult};
use crate::extract::{Id, Ids, PageForm, Upload};
use crate::i18n;
use crate::pages::{Chrome, FormState, render, see_other};
use crate::state::AppState;

/// The SKU form fields whose errors are shown next to them.
const SKU_FIELDS: &[&str] = &["code", "spec", "barcode", "list_price"];

/// One SKU with its edit form.
struct SkuRow {
    id: String,
    code: String,
    spec: String,
    barcode: String,
    price: String,
    status: String,
    status_label: &'static str,
    /// The edit form's values and errors.
    form: FormState,
    /// Whether the edit form starts open (it failed).
    open: bool,
}

#[derive(Template)]
#[template(path = "console/product.html")]
struct ProductPage {
    c: Chrome,
    id: String,
    code: String,
    name: String,
    other_name: String,
    category: String,
    brand: String,
    base_unit: String,
    tax_rate: String,
    description: String,
    status: String,
    status_label: &'static str,
    updated: String,
    units: Vec<String>,
    images: Vec<String>,
    skus: Vec<SkuRow>,
    new_sku: FormState,
    upload_error: Option<String>,
    can_write: bool,
}

/// Which form on the page failed, with what.
enum Failure {
    None,
    NewSku(FormState),
    EditSku(SkuId, FormState),
    Upload(String),
}

async fn product_page(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: ProductId,
    failure: Failure,
    status: StatusCode,
) -> WebResult<Response> {
    let product = uc::get_product(state.app(), ctx, id).await?;
    let mut c = Chrome::new(state, context, "product.detail_title", "/console/products").await;
    let s = &product.summary;
    c.title = c.pick(&s.name_zh, &s.name_en).to_string();
    let (mut new_sku, mut edited, mut upload_error) = (FormState::new(), None, None);
    match failure {
        Failure::None => {}
        Failure::NewSku(form) => new_sku = form,
        Failure::EditSku(sku, form) => edited = Some((sku, form)),
        Failure::Upload(message) => upload_error = Some(message),
    }
    let skus = product
        .skus
        .iter()
        .map(|sku| {
            let (form, open) = match edited.take_if(|(failed, _)| *failed == sku.id) {
                Some((_, form)) => (form, true),
                None => {
                    let mut form = FormState::with_values([
                        ("spec", view::spec_text(&sku.spec)),
                        ("barcode", sku.barcode.clone().unwrap_or_default()),
                        ("list_price", view::yuan(sku.list_price)),
                    ]);
                    if sku.status == "active" {
                        form.set("active", "on");
                    }
                    (form, false)
                }
            };
            SkuRow {
                id: sku.id.to_string(),
                code: sku.code.clone(),
                spec: view::spec_text(&sku.spec),
                barcode: sku.barcode.clone().unwrap_or_default(),
                price: view::money(sku.list_price, &sku.currency),
                status: sku.status.clone(),
                status_label: view::status_label(&c, &sku.status),
                form,
                open,
            }
        })
        .collect();
    let template = ProductPage {
        id: s.id.to_string(),
        code: s.code.clone(),
        name: c.pick(&s.name_zh, &s.name_en).to_string(),
        other_name: c.pick(&s.name_en, &s.name_zh).to_string(),
        category: c.pick(&s.category_zh, &s.category_en).to_string(),
        brand: c.pick(&s.brand_zh, &s.brand_en).to_string(),
        base_unit: c.pick(&s.unit_zh, &s.unit_en).to_string(),
        tax_rate: view::tax_text(product.tax_rate_bp),
        description: product.description.clone().unwrap_or_default(),
        status: s.status.clone(),
        status_label: view::status_label(&c, &s.status),
        updated: c.datetime(product.updated_ms),
        units: view::unit_lines(&c, &product),
        images: product.images.iter().map(ToString::to_string).collect(),
        skus,
        new_sku,
        upload_error,
        can_write: ctx.caller().may(Permission::CatalogWrite),
        c,
    };
    Ok(render(status, &template))
}

/// `GET /console/products/{id}`.
pub async fn show_product(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ProductId>,
) -> WebResult<Response> {
    product_page(&state, &ctx, &context, id, Failure::None, StatusCode::OK).await
}

/// A SKU as posted by the add and edit forms; the price is in yuan as typed ("3.50").
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SkuForm {
    code: String,
    spec: String,
    barcode: String,
    list_price: String,
    active: Option<String>,
}

impl SkuForm {
    fn input(&self) -> SkuInput {
        SkuInput {
            code: Some(self.code.clone()),
            spec: Some(self.spec.clone()),
            barcode: Some(self.barcode.clone()),
            list_price: Some(self.list_price.clone()),
            currency: None,
        }
    }

    fn state(&self) -> FormState {
        let mut form = FormState::with_values([
            ("code", self.code.as_str()),
            ("spec", &self.spec),
            ("barcode", &self.barcode),
            ("list_price", &self.list_price),
        ]);
        if self.active.is_some() {
            form.set("active", "on");
        }
        form
    }
}

/// The form state and status of a failed SKU save, or the error to return.
fn sku_failure(lang: i18n::Lang, form: &SkuForm, error: AppError) -> WebResult<(FormState, StatusCode)> {
    let mut state = form.state();
    match error {
        AppError::Invalid(invalid) => {
            state.fail(lang, &invalid, SKU_FIELDS);
            Ok((state, StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Conflict(code) => {
            state.fail_general(lang, &format!("error.conflict.{code}"));
            Ok((state, StatusCode::CONFLICT))
        }
        other => Err(other.into()),
    }
}

/// `POST /console/products/{id}/skus`.
pub async fn add_sku(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ProductId>,
    PageForm(form): PageForm<SkuForm>,
) -> WebResult<Response> {
    match uc::add_sku(state.app(), &ctx, id, &form.input(), None).await {
        Ok(_) => Ok(see_other(&format!("/console/products/{id}"), Some("sku.added"))),
        Err(error) => {
            let (failed, status) = sku_failure(context.lang, &form, error)?;
            product_page(&state, &ctx, &context, id, Failure::NewSku(failed), status).await
        }
    }
}

/// `POST /console/products/{id}/skus/{sku_id}`.
pub async fn update_sku(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Ids(id, sku): Ids<ProductId, SkuId>,
    PageForm(form): PageForm<SkuForm>,
) -> WebResult<Response> {
    match uc::update_sku(state.app(), &ctx, id, sku, &form.input(), form.active.is_some()).await {
        Ok(_) => Ok(see_other(&format!("/console/products/{id}"), Some("sku.saved"))),
        Err(error) => {
            let (failed, status) = sku_failure(context.lang, &form, error)?;
            product_page(&state, &ctx, &context, id, Failure::EditSku(sku, failed), status).await
        }
    }
}

/// `POST /console/products/{id}/images`: a picture, checked by its content. A file too large or
/// not a picture re-renders the page with the reason in the user's language.
pub async fn upload_image(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<ProductId>,
    upload: Result<Upload, WebError>,
) -> WebResult<Response> {
    let result = match upload {
        Ok(upload) => uc::upload_product_image(state.app(), &ctx, id, &upload.filename, upload.bytes, None)
            .await
            .map_err(WebError::from),
        Err(error) => Err(error),
    };
    let lang = context.lang;
    let (status, message) = match result {
        Ok(_) => return Ok(see_other(&format!("/console/products/{id}"), Some("picture.uploaded"))),
        Err(WebError::App(AppError::TooLarge)) => (StatusCode::PAYLOAD_TOO_LARGE, i18n::t(lang, "error.too_large")),
        Err(WebError::App(AppError::UnsupportedMedia)) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, i18n::t(lang, "error.unsupported_media"))
        }
        Err(WebError::App(AppError::Invalid(_))) => (StatusCode::UNPROCESSABLE_ENTITY, i18n::t(lang, "picture.choose")),
        Err(other) => return Err(other),
    };
    product_page(&state, &ctx, &context, id, Failure::Upload(message.to_string()), status).await
}

//! Creating and editing a partner. Editing carries the version the form was read at, so a save
//! over someone else's change is refused (optimistic lock) instead of silently undoing it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::partners::{self as uc, PartnerEdit};
use qudao_app::{AppError, Ctx};
use qudao_domain::ids::PartnerId;
use qudao_domain::partners::{PartnerInput, PartnerStatus};
use qudao_store::partners::PartnerView;
use serde::Deserialize;

use super::{Choice, kind_choices, region_choices, status_choices, tier_choices};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::{Chrome, FormState, render, see_other};
use crate::state::AppState;

/// The fields of the form whose errors are shown next to them.
const FIELDS: &[&str] =
    &["name", "name_en", "short_name", "kind", "tier", "region", "parent", "credit_code", "status", "remark"];

#[derive(Template)]
#[template(path = "console/partners_form.html")]
struct FormPage {
    c: Chrome,
    form: FormState,
    heading: String,
    action: String,
    cancel: String,
    /// `Some(version)` when editing.
    version: Option<String>,
    kinds: Vec<Choice>,
    tiers: Vec<Choice>,
    regions: Vec<Choice>,
    statuses: Vec<Choice>,
}

/// The partner form as posted.
#[derive(Debug, Deserialize)]
pub(super) struct PartnerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    version: String,
}

impl PartnerForm {
    fn state(&self) -> FormState {
        FormState::with_values([
            ("name", self.name.as_str()),
            ("name_en", self.name_en.as_str()),
            ("short_name", self.short_name.as_str()),
            ("kind", self.kind.as_str()),
            ("tier", self.tier.as_str()),
            ("region", self.region.as_str()),
            ("parent", self.parent.as_str()),
            ("credit_code", self.credit_code.as_str()),
            ("status", self.status.as_str()),
            ("remark", self.remark.as_str()),
        ])
    }

    /// Every field as input; an empty field clears an optional one on an edit.
    fn input(&self, with_status: bool) -> PartnerInput {
        let some = |value: &str| Some(value.to_string());
        PartnerInput {
            name: some(&self.name),
            name_en: some(&self.name_en),
            short_name: some(&self.short_name),
            kind: some(&self.kind),
            tier: some(&self.tier),
            region: some(&self.region),
            parent: some(&self.parent),
            credit_code: some(&self.credit_code),
            status: if with_status { some(&self.status) } else { None },
            remark: some(&self.remark),
        }
    }
}

/// What the form of an existing partner starts with.
fn values_of(p: &PartnerView) -> FormState {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    FormState::with_values([
        ("name", p.name.clone()),
        ("name_en", text(&p.name_en)),
        ("short_name", text(&p.short_name)),
        ("kind", p.kind.as_str().to_string()),
        ("tier", p.tier.code.clone()),
        ("region", p.region.code.clone()),
        ("parent", p.parent.as_ref().map(|x| x.code.clone()).unwrap_or_default()),
        ("credit_code", text(&p.credit_code)),
        ("remark", text(&p.remark)),
    ])
}

/// Which partner a form is for.
enum Target {
    New,
    Existing { id: PartnerId, heading: String, version: String },
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    target: Target,
    form: FormState,
    status: StatusCode,
) -> WebResult<Response> {
    let lang = context.lang;
    let regions = uc::list_regions(state.app(), ctx).await?;
    let tiers = uc::list_tiers(state.app(), ctx).await?;
    let (title, heading, action, cancel, version) = match target {
        Target::New => {
            let title = "partner.new.title";
            let heading = crate::i18n::t(lang, title).to_string();
            (title, heading, "/console/partners".to_string(), "/console/partners".to_string(), None)
        }
        Target::Existing { id, heading, version } => (
            "partner.edit.title",
            heading,
            format!("/console/partners/{id}/edit"),
            format!("/console/partners/{id}"),
            Some(version),
        ),
    };
    let c = Chrome::new(state, context, title, "/console/partners").await;
    let page = FormPage {
        c,
        form,
        heading,
        action,
        cancel,
        version,
        kinds: kind_choices(lang),
        tiers: tier_choices(lang, &tiers),
        regions: region_choices(lang, &regions),
        statuses: status_choices(lang, &[PartnerStatus::Prospect, PartnerStatus::Active]),
    };
    Ok(render(status, &page))
}

/// `GET /console/partners/new`.
pub(super) async fn new_partner(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let form = FormState::with_values([("kind", "distributor"), ("status", "prospect")]);
    render_form(&state, &ctx, &context, Target::New, form, StatusCode::OK).await
}

/// `POST /console/partners`.
pub(super) async fn create_partner(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<PartnerForm>,
) -> WebResult<Response> {
    match uc::create_partner(state.app(), &ctx, &form.input(true), None).await {
        Ok(view) => Ok(see_other(&format!("/console/partners/{}", view.id), Some("partner.flash.created"))),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = form.state();
            failed.fail(context.lang, &invalid, FIELDS);
            render_form(&state, &ctx, &context, Target::New, failed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

fn edit_heading(context: &RequestContext, p: &PartnerView) -> String {
    format!("{} · {} {}", crate::i18n::t(context.lang, "partner.edit.title"), p.code, p.name)
}

/// `GET /console/partners/{id}/edit`.
pub(super) async fn edit_partner(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
) -> WebResult<Response> {
    let detail = uc::get_partner(state.app(), &ctx, id).await?;
    let p = &detail.partner;
    let target = Target::Existing { id, heading: edit_heading(&context, p), version: p.version.to_string() };
    render_form(&state, &ctx, &context, target, values_of(p), StatusCode::OK).await
}

/// `POST /console/partners/{id}/edit`.
pub(super) async fn update_partner(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
    PageForm(form): PageForm<PartnerForm>,
) -> WebResult<Response> {
    // A form without a readable version cannot prove it saw the current partner.
    let version = form.version.trim().parse::<i64>().unwrap_or(-1);
    let edit = PartnerEdit { version: Some(version), fields: form.input(false) };
    let (mut failed, status) = match uc::update_partner(state.app(), &ctx, id, &edit).await {
        Ok(_) => return Ok(see_other(&format!("/console/partners/{id}"), Some("partner.flash.updated"))),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = form.state();
            failed.fail(context.lang, &invalid, FIELDS);
            (failed, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Conflict(code)) => {
            let mut failed = form.state();
            failed.fail_general(context.lang, &format!("error.conflict.{code}"));
            (failed, StatusCode::CONFLICT)
        }
        Err(other) => return Err(other.into()),
    };
    let detail = uc::get_partner(state.app(), &ctx, id).await?;
    failed.set("conflict", if status == StatusCode::CONFLICT { "1" } else { "" });
    let target = Target::Existing { id, heading: edit_heading(&context, &detail.partner), version: form.version };
    render_form(&state, &ctx, &context, target, failed, status).await
}

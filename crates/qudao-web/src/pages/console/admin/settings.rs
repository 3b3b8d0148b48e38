//! The brand settings page: the brand's name and whether distributors see their sub-dealers.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::settings::{self, BrandSettings};
use serde::Deserialize;

use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::PageForm;
use crate::pages::{Chrome, FormState, page, render, see_other};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    c: Chrome,
    form: FormState,
}

fn values(brand_name: &str, sub_dealers: bool) -> FormState {
    FormState::with_values([
        ("brand_name", brand_name),
        ("parent_sees_sub_dealers", if sub_dealers { "on" } else { "" }),
    ])
}

pub(super) async fn show_settings(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let current = settings::get_settings(state.app(), &ctx).await?;
    let c = Chrome::new(&state, &context, "settings.title", "/console/settings").await;
    let form = values(&current.brand_name, current.parent_sees_sub_dealers);
    Ok(page(&SettingsPage { c, form }))
}

/// The settings form; an unticked checkbox is simply absent.
#[derive(Debug, Deserialize)]
pub(super) struct SettingsForm {
    #[serde(default)]
    brand_name: String,
    #[serde(default)]
    parent_sees_sub_dealers: Option<String>,
}

pub(super) async fn update_settings(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<SettingsForm>,
) -> WebResult<Response> {
    let sub_dealers = form.parent_sees_sub_dealers.as_deref().is_some_and(|v| !v.is_empty());
    let new = BrandSettings { brand_name: form.brand_name.clone(), parent_sees_sub_dealers: sub_dealers };
    match settings::update_settings(state.app(), &ctx, &new).await {
        Ok(_) => Ok(see_other("/console/settings", Some("settings.saved"))),
        Err(AppError::Invalid(invalid)) => {
            let c = Chrome::new(&state, &context, "settings.title", "/console/settings").await;
            let mut form = values(&form.brand_name, sub_dealers);
            form.fail(c.lang, &invalid, &["brand_name"]);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &SettingsPage { c, form }))
        }
        Err(other) => Err(other.into()),
    }
}

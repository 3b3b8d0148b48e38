//! The partner list: search, filters, cursor paging and the export links; and the export itself.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::partners as uc;
use qudao_domain::access::Permission;
use qudao_domain::partners::PartnerStatus;

use super::query::{self, ListParams};
use super::{Choice, kind_choices, kind_label, pick, region_choices, status_choices, status_label, tier_choices};
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::ApiQuery;
use crate::pages::{Chrome, FormState, page};
use crate::state::AppState;

/// A partner as listed.
struct Row {
    href: String,
    code: String,
    name: String,
    short_name: String,
    kind: &'static str,
    tier: String,
    region: String,
    status: &'static str,
    status_label: &'static str,
    parent: String,
}

#[derive(Template)]
#[template(path = "console/partners.html")]
struct ListPage {
    c: Chrome,
    filter: FormState,
    statuses: Vec<Choice>,
    tiers: Vec<Choice>,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
    rows: Vec<Row>,
    next_href: Option<String>,
    csv_href: Option<String>,
    xlsx_href: Option<String>,
    can_create: bool,
    can_import: bool,
}

/// `GET /console/partners`.
pub(super) async fn list_partners(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(params): ApiQuery<ListParams>,
) -> WebResult<Response> {
    let lang = context.lang;
    let filter = params.filter(&state, &ctx).await?;
    let paging = params.page()?;
    let found = uc::list_partners(state.app(), &ctx, &filter, &paging).await?;
    let regions = uc::list_regions(state.app(), &ctx).await?;
    let tiers = uc::list_tiers(state.app(), &ctx).await?;
    let c = Chrome::new(&state, &context, "partner.list.title", "/console/partners").await;
    let rows = found
        .items
        .iter()
        .map(|p| Row {
            href: format!("/console/partners/{}", p.id),
            code: p.code.clone(),
            name: p.name.clone(),
            short_name: p.short_name.clone().unwrap_or_default(),
            kind: kind_label(lang, p.kind),
            tier: pick(lang, &p.tier.name_zh, &p.tier.name_en),
            region: pick(lang, &p.region.name_zh, &p.region.name_en),
            status: p.status.as_str(),
            status_label: status_label(lang, p.status),
            parent: p.parent.as_ref().map(|x| x.name.clone()).unwrap_or_default(),
        })
        .collect();
    let mut extra = Vec::new();
    if let Some(limit) = params.limit {
        extra.push(("limit", limit.to_string()));
    }
    let next_href = found.next.as_ref().map(|next| {
        let mut with_cursor = extra.clone();
        with_cursor.push(("after", next.clone()));
        params.href("/console/partners", &with_cursor)
    });
    let caller = ctx.caller();
    let can_export = caller.may(Permission::PartnersExport);
    let export =
        |format: &str| can_export.then(|| params.href("/console/partners/export", &[("format", format.to_string())]));
    let page_data = ListPage {
        filter: FormState::with_values(params.filters()),
        statuses: status_choices(lang, &PartnerStatus::ALL),
        tiers: tier_choices(lang, &tiers),
        kinds: kind_choices(lang),
        regions: region_choices(lang, &regions),
        rows,
        next_href,
        csv_href: export("csv"),
        xlsx_href: export("xlsx"),
        can_create: caller.may(Permission::PartnersWrite),
        can_import: caller.may(Permission::PartnersImport),
        c,
    };
    Ok(page(&page_data))
}

/// `GET /console/partners/export`: the filtered partners as CSV (default) or XLSX, with headers
/// in the caller's language.
pub(super) async fn export_partners(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(params): ApiQuery<ListParams>,
) -> WebResult<Response> {
    query::export(&state, &ctx, &params, context.lang).await
}

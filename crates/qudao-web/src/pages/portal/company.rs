//! Portal pages for the caller's own company and its sub-dealers.
//!
//! The company is always the caller's own, taken from the session and never from a form or a
//! path; a partner administrator may add and remove its contacts and addresses. A sub-dealer's
//! page is read only, and answers 404 for any partner that is not a sub-dealer of the caller's
//! company, exactly like a missing one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::partners as uc;
use qudao_app::{AppError, Ctx};
use qudao_domain::access::Permission;
use qudao_domain::ids::{AddressId, ContactId, PartnerId};
use qudao_store::page::PageRequest;
use qudao_store::partners::{PartnerFilter, PartnerRef};
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{ApiQuery, Id, PageForm};
use crate::pages::console::partners::people::{self, AddressForm, ContactForm, Editing, People};
use crate::pages::console::partners::{Summary, kind_label, pick, status_label, summary};
use crate::pages::threads::{self, ThreadPanel};
use crate::pages::{Chrome, page, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

const COMPANY: &str = "/portal/company";

#[derive(Template)]
#[template(path = "portal/company.html")]
struct CompanyPage {
    c: Chrome,
    heading: String,
    summary: Summary,
    people: People,
    thread: ThreadPanel,
}

/// The caller's own company; a caller without one has none to show.
fn own_company(ctx: &Ctx) -> Result<PartnerId, AppError> {
    ctx.caller().partner_id().ok_or(AppError::NotFound)
}

fn no_link(_: &PartnerRef) -> Option<String> {
    None
}

async fn render_company(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    editing: Editing,
    status: StatusCode,
) -> WebResult<Response> {
    let detail = uc::get_partner(state.app(), ctx, own_company(ctx)?).await?;
    let lang = context.lang;
    let c = Chrome::new(state, context, "nav.company", COMPANY).await;
    let p = &detail.partner;
    let heading = p.name.clone();
    let summary = summary(lang, p, &no_link);
    let people = people::people(state, ctx, lang, detail.contacts, detail.addresses, editing).await?;
    let thread = threads::panel(state, ctx, &c, "partner", &p.id.to_string(), COMPANY).await?;
    Ok(render(status, &CompanyPage { c, heading, summary, people, thread }))
}

fn editing(ctx: &Ctx) -> Editing {
    Editing::new(COMPANY.into(), ctx.caller().may(Permission::PartnerContactsWrite))
}

/// `GET /portal/company`.
async fn show_company(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    render_company(&state, &ctx, &context, editing(&ctx), StatusCode::OK).await
}

/// `POST /portal/company/contacts`.
async fn add_contact(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<ContactForm>,
) -> WebResult<Response> {
    match people::add_contact(&state, &ctx, context.lang, own_company(&ctx)?, &form).await? {
        None => Ok(see_other("/portal/company#contacts", Some("partner.flash.contact_added"))),
        Some(failed) => {
            let mut forms = editing(&ctx);
            forms.contact = failed;
            render_company(&state, &ctx, &context, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /portal/company/contacts/{contact_id}/delete`.
async fn remove_contact(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(contact): Id<ContactId>,
) -> WebResult<Response> {
    uc::remove_contact(state.app(), &ctx, own_company(&ctx)?, contact).await?;
    Ok(see_other("/portal/company#contacts", Some("partner.flash.contact_removed")))
}

/// `POST /portal/company/addresses`.
async fn add_address(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(form): PageForm<AddressForm>,
) -> WebResult<Response> {
    match people::add_address(&state, &ctx, context.lang, own_company(&ctx)?, &form).await? {
        None => Ok(see_other("/portal/company#addresses", Some("partner.flash.address_added"))),
        Some(failed) => {
            let mut forms = editing(&ctx);
            forms.address = failed;
            render_company(&state, &ctx, &context, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /portal/company/addresses/{address_id}/delete`.
async fn remove_address(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(address): Id<AddressId>,
) -> WebResult<Response> {
    uc::remove_address(state.app(), &ctx, own_company(&ctx)?, address).await?;
    Ok(see_other("/portal/company#addresses", Some("partner.flash.address_removed")))
}

/// A sub-dealer as listed.
struct DealerRow {
    href: String,
    code: String,
    name: String,
    kind: &'static str,
    tier: String,
    region: String,
    status: &'static str,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "portal/dealers.html")]
struct DealersPage {
    c: Chrome,
    q: String,
    rows: Vec<DealerRow>,
    next_href: Option<String>,
}

/// `?q=` and paging of the sub-dealer list; other parameters are ignored.
#[derive(Debug, Default, Deserialize)]
struct DealerParams {
    q: Option<String>,
    after: Option<String>,
}

/// `GET /portal/dealers`: the sub-dealers of the caller's company that the caller may see.
async fn list_dealers(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(params): ApiQuery<DealerParams>,
) -> WebResult<Response> {
    let lang = context.lang;
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_string);
    let filter = PartnerFilter { q: q.clone(), parent: Some(own_company(&ctx)?), ..PartnerFilter::default() };
    let paging: PageRequest = ListQuery { limit: None, after: params.after.clone() }.page()?;
    let found = uc::list_partners(state.app(), &ctx, &filter, &paging).await?;
    let rows = found
        .items
        .iter()
        .map(|p| DealerRow {
            href: format!("/portal/dealers/{}", p.id),
            code: p.code.clone(),
            name: p.name.clone(),
            kind: kind_label(lang, p.kind),
            tier: pick(lang, &p.tier.name_zh, &p.tier.name_en),
            region: pick(lang, &p.region.name_zh, &p.region.name_en),
            status: p.status.as_str(),
            status_label: status_label(lang, p.status),
        })
        .collect();
    let next_href = found.next.as_ref().map(|next| {
        let mut pairs = vec![("after", next.clone())];
        if let Some(q) = &q {
            pairs.insert(0, ("q", q.clone()));
        }
        format!("/portal/dealers?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    });
    let c = Chrome::new(&state, &context, "nav.dealers", "/portal/dealers").await;
    Ok(page(&DealersPage { c, q: q.unwrap_or_default(), rows, next_href }))
}

#[derive(Template)]
#[template(path = "portal/dealers_show.html")]
struct DealerPage {
    c: Chrome,
    heading: String,
    summary: Summary,
    people: People,
}

fn company_link(_: &PartnerRef) -> Option<String> {
    Some(COMPANY.into())
}

/// `GET /portal/dealers/{id}`: a sub-dealer's page, read only.
async fn show_dealer(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
) -> WebResult<Response> {
    let own = own_company(&ctx)?;
    let detail = uc::get_partner(state.app(), &ctx, id).await?;
    if detail.partner.parent.as_ref().map(|p| p.id) != Some(own) {
        return Err(AppError::NotFound.into());
    }
    let lang = context.lang;
    let c = Chrome::new(&state, &context, "nav.dealers", "/portal/dealers").await;
    let p = &detail.partner;
    let heading = format!("{} · {}", p.code, p.name);
    let summary = summary(lang, p, &company_link);
    let people = people::people(&state, &ctx, lang, detail.contacts, detail.addresses, Editing::read_only()).await?;
    Ok(page(&DealerPage { c, heading, summary, people }))
}

const CONTACT: &[(&str, ObjectKind)] = &[("contact_id", ObjectKind::Contact)];
const ADDRESS: &[(&str, ObjectKind)] = &[("address_id", ObjectKind::Address)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/portal/company", Permission::PartnersRead, "The caller's own company", |v| {
        on(v, show_company)
    }),
    Route::page(
        Verb::Post,
        "/portal/company/contacts",
        Permission::PartnerContactsWrite,
        "Add a contact to the own company",
        |v| on(v, add_contact),
    )
    .effect(Effect::Create)
    .form(people::CONTACT_EXAMPLE),
    Route::page(
        Verb::Post,
        "/portal/company/contacts/{contact_id}/delete",
        Permission::PartnerContactsWrite,
        "Remove a contact of the own company",
        |v| on(v, remove_contact),
    )
    .params(CONTACT)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/portal/company/addresses",
        Permission::PartnerContactsWrite,
        "Add an address to the own company",
        |v| on(v, add_address),
    )
    .effect(Effect::Create)
    .form(people::ADDRESS_EXAMPLE),
    Route::page(
        Verb::Post,
        "/portal/company/addresses/{address_id}/delete",
        Permission::PartnerContactsWrite,
        "Remove an address of the own company",
        |v| on(v, remove_address),
    )
    .params(ADDRESS)
    .effect(Effect::Change),
    Route::page(Verb::Get, "/portal/dealers", Permission::PartnersRead, "The own company's sub-dealers", |v| {
        on(v, list_dealers)
    }),
    Route::page(Verb::Get, "/portal/dealers/{id}", Permission::PartnersRead, "A sub-dealer's page, read only", |v| {
        on(v, show_dealer)
    })
    .params(&[("id", ObjectKind::Partner)]),
];

//! A partner's page: its fields, its lifecycle buttons, contacts, addresses, sub-dealers and
//! users; and the posts made from it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::partners as uc;
use qudao_app::{AppError, Ctx};
use qudao_domain::access::Permission;
use qudao_domain::ids::{AddressId, ContactId, PartnerId};
use qudao_store::access::users::UserFilter;
use qudao_store::page::PageRequest;
use qudao_store::partners::PartnerRef;
use serde::Deserialize;

use super::people::{self, AddressForm, ContactForm, Editing, People};
use super::{Choice, Link, Summary, status_label, summary};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, Ids, PageForm};
use crate::i18n;
use crate::pages::approvals::{ApprovalPanel, delegates, panels_of};
use crate::pages::threads::{self, ThreadPanel};
use crate::pages::{Chrome, FormState, render, see_other};
use crate::state::AppState;

/// A user of the partner, as listed on its page.
struct UserRow {
    href: String,
    login: String,
    name: String,
    role: &'static str,
    status: &'static str,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "console/partners_show.html")]
struct ShowPage {
    c: Chrome,
    id: PartnerId,
    heading: String,
    summary: Summary,
    people: People,
    sub_dealers: Vec<Link>,
    next_statuses: Vec<Choice>,
    status_form: FormState,
    can_edit: bool,
    users: Option<Vec<UserRow>>,
    audit_href: Option<String>,
    thread: ThreadPanel,
    approvals: Vec<ApprovalPanel>,
    delegates: Vec<(String, String)>,
}

/// The forms of the page; empty unless a post just failed.
struct Forms {
    status: FormState,
    people: Editing,
}

impl Forms {
    fn fresh(id: PartnerId, can_edit: bool) -> Self {
        Forms { status: FormState::new(), people: Editing::new(base(id), can_edit) }
    }
}

fn base(id: PartnerId) -> String {
    format!("/console/partners/{id}")
}

fn console_href(parent: &PartnerRef) -> Option<String> {
    Some(base(parent.id))
}

/// Renders the page of partner `id` with `forms` and `status`.
async fn render_show(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: PartnerId,
    forms: Forms,
    status: StatusCode,
) -> WebResult<Response> {
    let detail = uc::get_partner(state.app(), ctx, id).await?;
    let lang = context.lang;
    let caller = ctx.caller();
    let c = Chrome::new(state, context, "partner.show.title", "/console/partners").await;
    let p = &detail.partner;
    let heading = format!("{} · {}", p.code, p.name);
    let thread = threads::panel(state, ctx, &c, "partner", &id.to_string(), &base(id)).await?;
    // Its onboarding and credit line changes, when flows held them.
    let mut approvals = panels_of(state, ctx, &c, "partner_onboarding", &id.to_string()).await?;
    approvals.extend(panels_of(state, ctx, &c, "credit_line", &id.to_string()).await?);
    let delegates = if approvals.iter().any(|a| a.my_turn) { delegates(state, ctx).await } else { Vec::new() };
    let summary = summary(lang, p, &console_href);
    let next_statuses = if caller.may(Permission::PartnersStatus) {
        p.status
            .next_statuses()
            .into_iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: i18n::tf(lang, "partner.show.move_to", &[("n", status_label(lang, s))]),
            })
            .collect()
    } else {
        Vec::new()
    };
    let sub_dealers =
        detail.sub_dealers.iter().map(|s| Link { href: base(s.id), label: format!("{} {}", s.code, s.name) }).collect();
    let users = if caller.may(Permission::UsersRead) {
        let filter = UserFilter { partner: Some(id), ..UserFilter::default() };
        let page = qudao_app::access::users::list_users(state.app(), ctx, &filter, &PageRequest::first(100)).await?;
        Some(
            page.items
                .into_iter()
                .map(|u| UserRow {
                    href: format!("/console/users/{}", u.id),
                    login: u.login,
                    name: u.display_name,
                    role: i18n::t(lang, &format!("role.{}", u.role.as_str())),
                    status: u.status.as_str(),
                    status_label: i18n::t(lang, &format!("partner.user_status.{}", u.status.as_str())),
                })
                .collect(),
        )
    } else {
        None
    };
    let audit_href =
        caller.may(Permission::AuditRead).then(|| format!("/console/audit?object_kind=partner&object_id={id}"));
    let can_edit = caller.may(Permission::PartnersWrite);
    let people = people::people(state, ctx, lang, detail.contacts, detail.addresses, forms.people).await?;
    let page = ShowPage {
        c,
        id,
        heading,
        summary,
        people,
        sub_dealers,
        next_statuses,
        status_form: forms.status,
        can_edit,
        users,
        audit_href,
        thread,
        approvals,
        delegates,
    };
    Ok(render(status, &page))
}

fn may_edit_people(ctx: &Ctx) -> bool {
    ctx.caller().may(Permission::PartnerContactsWrite)
}

/// `GET /console/partners/{id}`.
pub(super) async fn show_partner(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
) -> WebResult<Response> {
    let forms = Forms::fresh(id, may_edit_people(&ctx));
    render_show(&state, &ctx, &context, id, forms, StatusCode::OK).await
}

/// The status form: the new status (the button pressed) and why.
#[derive(Debug, Deserialize)]
pub(super) struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/partners/{id}/status`.
pub(super) async fn change_partner_status(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
    PageForm(form): PageForm<StatusForm>,
) -> WebResult<Response> {
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    match uc::change_status(state.app(), &ctx, id, &form.status, reason).await {
        Ok(qudao_app::approvals::Gated::Applied(_)) => Ok(see_other(&base(id), Some("partner.flash.status_changed"))),
        Ok(qudao_app::approvals::Gated::Waiting(..)) => Ok(see_other(&base(id), Some("approvals.submitted"))),
        Err(AppError::Invalid(invalid)) => {
            let mut forms = Forms::fresh(id, may_edit_people(&ctx));
            forms.status = FormState::with_values([("reason", form.reason.as_str())]);
            forms.status.fail(context.lang, &invalid, &["status", "reason"]);
            render_show(&state, &ctx, &context, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /console/partners/{id}/contacts`.
pub(super) async fn add_contact(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
    PageForm(form): PageForm<ContactForm>,
) -> WebResult<Response> {
    match people::add_contact(&state, &ctx, context.lang, id, &form).await? {
        None => Ok(see_other(&format!("{}#contacts", base(id)), Some("partner.flash.contact_added"))),
        Some(failed) => {
            let mut forms = Forms::fresh(id, may_edit_people(&ctx));
            forms.people.contact = failed;
            render_show(&state, &ctx, &context, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /console/partners/{id}/contacts/{contact_id}/delete`.
pub(super) async fn remove_contact(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Ids(id, contact): Ids<PartnerId, ContactId>,
) -> WebResult<Response> {
    uc::remove_contact(state.app(), &ctx, id, contact).await?;
    Ok(see_other(&format!("{}#contacts", base(id)), Some("partner.flash.contact_removed")))
}

/// `POST /console/partners/{id}/addresses`.
pub(super) async fn add_address(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PartnerId>,
    PageForm(form): PageForm<AddressForm>,
) -> WebResult<Response> {
    match people::add_address(&state, &ctx, context.lang, id, &form).await? {
        None => Ok(see_other(&format!("{}#addresses", base(id)), Some("partner.flash.address_added"))),
        Some(failed) => {
            let mut forms = Forms::fresh(id, may_edit_people(&ctx));
            forms.people.address = failed;
            render_show(&state, &ctx, &context, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /console/partners/{id}/addresses/{address_id}/delete`.
pub(super) async fn remove_address(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Ids(id, address): Ids<PartnerId, AddressId>,
) -> WebResult<Response> {
    uc::remove_address(state.app(), &ctx, id, address).await?;
    Ok(see_other(&format!("{}#addresses", base(id)), Some("partner.flash.address_removed")))
}

//! Managing users: invitations, suspension, password resets, roles and territories.

use qudao_domain::access::{Permission, Role, RoleSide, check_password};
use qudao_domain::ids::{PartnerId, UserId};
use qudao_domain::partners::{parse_email, parse_phone};
use qudao_domain::{FieldError, Invalid, text};
use qudao_store::access::assignments::{self, AssignmentView};
use qudao_store::access::sessions;
use qudao_store::access::tokens::{self, Purpose};
use qudao_store::access::users::{self, NewUser, UserFilter, UserStatus, UserView};
use qudao_store::page::{Page, PageRequest};
use qudao_store::partners::{self, regions};
use qudao_store::{Scope, Tx, audit};

use super::hash_password;
use crate::idempotency::{self, IdemKey};
use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, AppResult, Ctx};

/// An invitation as typed in the console or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct InviteInput {
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Role name.
    pub role: String,
    /// Partner id or code, for partner roles. Ignored for partner administrators, who can only
    /// invite into their own company.
    pub partner: Option<String>,
}

/// A user just invited, with the one-time link token to pass on (the link is
/// `/invitations/<token>`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Invited {
    /// The new user.
    pub user: UserView,
    /// The invitation token (the link is `/invitations/<token>`).
    pub token: String,
    /// When the link expires.
    pub expires_ms: i64,
}

/// Parses a login: 3–40 characters of lower-case letters, digits, `.`, `_`, `-` and `@`.
pub fn parse_login(input: &str) -> Result<String, FieldError> {
    let login = super::auth::normalise_login(input);
    let shape_ok = (3..=40).contains(&login.chars().count())
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if shape_ok { Ok(login) } else { Err(FieldError::new("login", "invalid_login")) }
}

/// Resolves a partner named by id or code within the transaction's scope.
pub(crate) async fn visible_partner(tx: &mut Tx, reference: &str) -> AppResult<Option<partners::PartnerView>> {
    let reference = reference.trim();
    if let Ok(id) = reference.parse::<PartnerId>() {
        return Ok(partners::get(tx, id).await?);
    }
    Ok(partners::get_by_code(tx, &reference.to_ascii_uppercase()).await?)
}

/// Invites a user: creates them as `invited` and returns a one-time link to choose a password.
/// A role can only be granted by someone allowed to grant it ([`Role::may_grant`]); a partner
/// administrator always invites into their own company, whatever the request says.
pub async fn invite_user(app: &App, ctx: &Ctx, input: InviteInput, idem: Option<&IdemKey>) -> AppResult<Invited> {
    ctx.require(Permission::UsersManage)?;
    let mut invalid = Invalid::new();
    let login = invalid.check(parse_login(&input.login));
    let display_name = invalid.check(text::required("display_name", &input.display_name, 50));
    let email = match input.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(email) => invalid.check(parse_email("email", email)),
        None => None,
    };
    let phone = match input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(phone) => invalid.check(parse_phone("phone", phone)),
        None => None,
    };
    let role = invalid.check(input.role.trim().parse::<Role>());
    let mut tx = app.write(ctx).await?;
    let caller_role = ctx.caller().role();
    let partner = match role {
        Some(role) if role.side() == RoleSide::Partner => {
            let reference = match (caller_role, ctx.caller().partner_id()) {
                (Role::PartnerAdmin, Some(own)) => Some(own.to_string()),
                _ => input.partner.clone().filter(|p| !p.trim().is_empty()),
            };
            match reference {
                None => {
                    invalid.push(FieldError::new("partner", "required"));
                    None
                }
                Some(reference) => match visible_partner(&mut tx, &reference).await? {
                    Some(partner) => Some(partner),
                    None => {
                        invalid.push(FieldError::new("partner", "unknown_partner"));
                        None
                    }
                },
            }
        }
        Some(_) if input.partner.as_deref().is_some_and(|p| !p.trim().is_empty()) => {
            invalid.push(FieldError::new("partner", "not_allowed_for_role"));
            None
        }
        _ => None,
    };
    if let Some(login) = &login
        && users::login_taken(&mut tx, login).await?
    {
        invalid.push(FieldError::new("login", "already_taken"));
    }
    invalid.into_result()?;
    let (Some(login), Some(display_name), Some(role)) = (login, display_name, role) else {
        return Err(AppError::Internal("validated invitation lost a field".into()));
    };
    if !caller_role.may_grant(role) {
        return Err(AppError::Forbidden);
    }
    let now = app.now_ms();
    let id = UserId::new();
    let partner_id = partner.as_ref().map(|p| p.id);
    users::insert(
        &mut tx,
        &NewUser {
            id,
            login,
            display_name,
            email,
            phone,
            role,
            partner_id,
            status: UserStatus::Invited,
            password_hash: None,
            now_ms: now,
        },
    )
    .await
    .map_err(|e| AppError::duplicate_as_field(e, &["login"]))?;
    let token = random_token()?;
    let expires_ms = now + app.config().invite_ttl_ms;
    tokens::create(&mut tx, &hash_token(&token), id, Purpose::Invite, Some(ctx.caller().user_id()), now, expires_ms)
        .await?;
    let user = users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "user", id, "invite", partner_id, None, Some(&user))).await?;
    let invited = Invited { user, token, expires_ms };
    idempotency::complete(&mut tx, idem, 201, &invited).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(invited)
}

/// A page of the users the caller may see.
pub async fn list_users(app: &App, ctx: &Ctx, filter: &UserFilter, page: &PageRequest) -> AppResult<Page<UserView>> {
    ctx.require(Permission::UsersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(users::list(&mut tx, filter, page).await?)
}

/// A user and, for channel managers, their territory.
pub async fn get_user(app: &App, ctx: &Ctx, id: UserId) -> AppResult<(UserView, Vec<AssignmentView>)> {
    ctx.require(Permission::UsersRead)?;
    let mut tx = app.read(ctx).await?;
    let user = users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let territory = assignments::list_for(&mut tx, id).await?;
    Ok((user, territory))
}

/// Loads a user the caller may manage: visible (else 404), of a role the caller could grant and
/// not the caller (else 403).
async fn manageable(tx: &mut Tx, ctx: &Ctx, id: UserId) -> AppResult<UserView> {
    let user = users::get(tx, id).await?.ok_or(AppError::NotFound)?;
    if user.id == ctx.caller().user_id() || !ctx.caller().role().may_grant(user.role) {
        return Err(AppError::Forbidden);
    }
    // A distributor's administrator may see its sub-dealers' users, but manages only its own
    // company's: each sub-dealer has its own administrator.
    let caller = ctx.caller();
    if caller.role().side() == RoleSide::Partner && user.partner.as_ref().map(|p| p.id) != caller.partner_id() {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// Suspends a user: every session and the way back in end at once.
pub async fn suspend_user(app: &App, ctx: &Ctx, id: UserId) -> AppResult<UserView> {
    change_status(app, ctx, id, "suspend", |s| s != UserStatus::Suspended, UserStatus::Suspended).await
}

/// Lifts a suspension (an invited user who never accepted becomes invited again).
pub async fn reactivate_user(app: &App, ctx: &Ctx, id: UserId) -> AppResult<UserView> {
    change_status(app, ctx, id, "reactivate", |s| s == UserStatus::Suspended, UserStatus::Active).await
}

async fn change_status(
    app: &App,
    ctx: &Ctx,
    id: UserId,
    action: &'static str,
    allowed_from: impl Fn(UserStatus) -> bool,
    to: UserStatus,
) -> AppResult<UserView> {
    ctx.require(Permission::UsersManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = manageable(&mut tx, ctx, id).await?;
    if !allowed_from(before.status) {
        return Err(AppError::Conflict("status_transition"));
    }
    let mut target = to;
    if to == UserStatus::Active && !has_password(&mut tx, &before.login).await? {
        target = UserStatus::Invited;
    }
    if !users::set_status(&mut tx, id, before.status, target, now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    sessions::delete_for_user(&mut tx, id).await?;
    let after = users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let partner = before.partner.as_ref().map(|p| p.id);
    audit::insert(&mut tx, &ctx.audit(now, "user", id, action, partner, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(after)
}

async fn has_password(tx: &mut Tx, login: &str) -> AppResult<bool> {
    Ok(users::credentials(tx, login).await?.is_some_and(|c| c.password_hash.is_some()))
}

/// A password-reset link made by an administrator for a user.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResetLink {
    /// The token (the link is `/password-reset/<token>`).
    pub token: String,
    /// When it expires.
    pub expires_ms: i64,
}

/// Makes a one-time password-reset link for a user (for invited users, a fresh invitation).
pub async fn reset_password(app: &App, ctx: &Ctx, id: UserId) -> AppResult<ResetLink> {
    ctx.require(Permission::UsersManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let user = manageable(&mut tx, ctx, id).await?;
    if user.status == UserStatus::Suspended {
        return Err(AppError::Conflict("user_suspended"));
    }
    let (purpose, ttl) = match user.status {
        UserStatus::Invited => (Purpose::Invite, app.config().invite_ttl_ms),
        _ => (Purpose::Reset, app.config().reset_ttl_ms),
    };
    let token = random_token()?;
    let expires_ms = now + ttl;
    tokens::create(&mut tx, &hash_token(&token), id, purpose, Some(ctx.caller().user_id()), now, expires_ms).await?;
    let partner = user.partner.as_ref().map(|p| p.id);
    audit::insert(&mut tx, &ctx.audit::<(), ()>(now, "user", id, "password_reset_link", partner, None, None)).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(ResetLink { token, expires_ms })
}

/// Gives a user another role and company. Every session of the user ends, so the new scope
/// applies from the next sign-in.
pub async fn change_role(app: &App, ctx: &Ctx, id: UserId, role: &str, partner: Option<&str>) -> AppResult<UserView> {
    ctx.require(Permission::UsersManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    // The user must be visible before anything else is said about the request, so an invisible
    // user answers exactly like a missing one.
    let before = manageable(&mut tx, ctx, id).await?;
    let role: Role = role.trim().parse().map_err(|e: FieldError| AppError::Invalid(Invalid { errors: vec![e] }))?;
    if !ctx.caller().role().may_grant(role) {
        return Err(AppError::Forbidden);
    }
    let partner_id = match (role.side(), partner.map(str::trim).filter(|p| !p.is_empty())) {
        (RoleSide::Partner, Some(reference)) => Some(
            visible_partner(&mut tx, reference).await?.ok_or_else(|| AppError::field("partner", "unknown_partner"))?.id,
        ),
        (RoleSide::Partner, None) => return Err(AppError::field("partner", "required")),
        (RoleSide::Brand, Some(_)) => {
            return Err(AppError::field("partner", "not_allowed_for_role"));
        }
        (RoleSide::Brand, None) => None,
    };
    if ctx.caller().role() == Role::PartnerAdmin && partner_id != ctx.caller().partner_id() {
        return Err(AppError::field("partner", "unknown_partner"));
    }
    if !users::set_role(&mut tx, id, role, partner_id, now).await? {
        return Err(AppError::NotFound);
    }
    sessions::delete_for_user(&mut tx, id).await?;
    let after = users::get(&mut tx, id).await?;
    let audit_partner = partner_id.or(before.partner.as_ref().map(|p| p.id));
    audit::insert(&mut tx, &ctx.audit(now, "user", id, "change_role", audit_partner, Some(&before), after.as_ref()))
        .await?;
    tx.commit().await?;
    app.callers().forget_all();
    // A user moved out of the caller's scope is no longer visible to the caller; answer with
    // what the caller last saw.
    Ok(after.unwrap_or(before))
}

/// Replaces a channel manager's territory: regions (by code) and partners (by id or code).
pub async fn set_assignments(
    app: &App,
    ctx: &Ctx,
    id: UserId,
    region_codes: &[String],
    partner_refs: &[String],
) -> AppResult<Vec<AssignmentView>> {
    ctx.require(Permission::AssignmentsManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let user = users::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if user.role != Role::ChannelManager {
        return Err(AppError::Conflict("not_a_channel_manager"));
    }
    let mut invalid = Invalid::new();
    let mut found_regions = Vec::new();
    for (index, code) in region_codes.iter().enumerate().filter(|(_, c)| !c.trim().is_empty()) {
        match regions::by_code(&mut tx, &code.trim().to_ascii_uppercase()).await? {
            Some(region) => found_regions.push(region),
            None => invalid.push(FieldError::new(format!("regions[{index}]"), "unknown_region")),
        }
    }
    let mut found_partners = Vec::new();
    for (index, reference) in partner_refs.iter().enumerate().filter(|(_, r)| !r.trim().is_empty()) {
        match visible_partner(&mut tx, reference).await? {
            Some(partner) => found_partners.push(partner.id),
            None => invalid.push(FieldError::new(format!("partners[{index}]"), "unknown_partner")),
        }
    }
    invalid.into_result()?;
    let before = assignments::list_for(&mut tx, id).await?;
    assignments::replace(&mut tx, id, &found_regions, &found_partners, now).await?;
    let after = assignments::list_for(&mut tx, id).await?;
    audit::insert(&mut tx, &ctx.audit(now, "user", id, "assignments", None, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(after)
}

/// Sets the caller's own language (`zh-CN`, `en`, or empty to follow the browser).
pub async fn set_my_locale(app: &App, ctx: &Ctx, locale: &str) -> AppResult<()> {
    let locale = match locale.trim() {
        "" => None,
        "zh-CN" => Some("zh-CN"),
        "en" => Some("en"),
        _ => return Err(AppError::field("locale", "invalid_choice")),
    };
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    if !users::set_locale(&mut tx, ctx.caller().user_id(), locale, now).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    app.callers().forget_all();
    Ok(())
}

/// The first administrator of an empty database (`qudao user create`); refused once any user
/// exists, so the command cannot be used to add a back door later.
pub async fn create_first_admin(app: &App, login: &str, display_name: &str, password: &str) -> AppResult<UserId> {
    let login = parse_login(login).map_err(|e| AppError::Invalid(Invalid { errors: vec![e] }))?;
    let display_name =
        text::required("display_name", display_name, 50).map_err(|e| AppError::Invalid(Invalid { errors: vec![e] }))?;
    if let Err(problem) = check_password(password, &login) {
        return Err(AppError::field("password", problem.code()));
    }
    let hash = hash_password(password).await?;
    let now = app.now_ms();
    let mut tx = app.db().write(&Scope::system("the first administrator is created from the command line")).await?;
    if users::count_all(&mut tx).await? > 0 {
        return Err(AppError::Conflict("users_exist"));
    }
    let id = UserId::new();
    users::insert(
        &mut tx,
        &NewUser {
            id,
            login: login.clone(),
            display_name: display_name.clone(),
            email: None,
            phone: None,
            role: Role::BrandAdmin,
            partner_id: None,
            status: UserStatus::Active,
            password_hash: Some(hash),
            now_ms: now,
        },
    )
    .await?;
    let record = audit::AuditRecord {
        actor_id: None,
        actor_label: "qudao user create".into(),
        partner_id: None,
        object_kind: "user",
        object_id: id.to_string(),
        action: "create_first_admin",
        before: None,
        after: Some(serde_json::json!({ "login": login }).to_string()),
        request_id: None,
        ip: None,
        at_ms: now,
    };
    audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(id)
}

//! Signing in and out, resolving tokens to callers, and one-time links.

use qudao_domain::access::check_password;
use qudao_store::access::sessions::{self, Lookup, NewSession};
use qudao_store::access::tokens::{self, Purpose};
use qudao_store::access::users::{self, UserStatus};
use qudao_store::access::{api_keys, login_attempts};
use qudao_store::{Caller, CallerAuth, Scope};

use super::{hash_password, verify_password};
use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, AppResult, Ctx};

/// The prefix that tells an API key from a session token in an `Authorization` header.
pub const API_KEY_PREFIX: &str = "qdk_";

/// A sign-in attempt.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// Login as typed.
    pub login: String,
    /// Password as typed.
    pub password: String,
    /// Client address, for throttling.
    pub ip: String,
    /// Client software, kept with the session.
    pub user_agent: Option<String>,
    /// Whether the session is for API use (`Bearer`) rather than a browser cookie.
    pub api: bool,
}

/// A new session: the token goes to the client once and is never stored.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session token.
    pub token: String,
    /// The caller it stands for.
    pub caller: Caller,
    /// When the session ends at the latest.
    pub expires_ms: i64,
}

/// Normalises a login as typed: trimmed and lower-cased, so "Li.Lei " and "li.lei" are one user.
pub fn normalise_login(login: &str) -> String {
    qudao_domain::text::clean(login, false).to_lowercase()
}

/// Signs in with a password. Always a fresh session with a fresh token: whatever token the
/// client held before is never promoted (no session fixation). Failed attempts are counted per
/// account and per address across every instance; over the limit the answer is "throttled"
/// whether or not the password is right.
pub async fn sign_in(app: &App, attempt: SignIn) -> AppResult<SignedIn> {
    let login = normalise_login(&attempt.login);
    let now = app.now_ms();
    let config = app.config();
    let scope = Scope::system("sign-in reads credentials before anyone is signed in");
    let (credentials, by_login, by_ip) = {
        let mut tx = app.db().read(&scope).await?;
        let since = now - config.login_window_ms;
        let (by_login, by_ip) = login_attempts::failures_since(&mut tx, &login, &attempt.ip, since).await?;
        (users::credentials(&mut tx, &login).await?, by_login, by_ip)
    };
    if by_login >= config.login_max_per_account || by_ip >= config.login_max_per_address {
        return Err(AppError::Throttled { retry_after_s: (config.login_window_ms / 1000) as u64 });
    }
    let hash = credentials.as_ref().and_then(|c| c.password_hash.as_deref());
    let password_ok = verify_password(&attempt.password, hash).await?;
    let may_sign_in = credentials.as_ref().is_some_and(|c| c.status == UserStatus::Active && !c.partner_terminated);
    let mut tx = app.db().write(&scope).await?;
    let Some(credentials) = credentials.filter(|_| password_ok && may_sign_in) else {
        login_attempts::record(&mut tx, &login, &attempt.ip, false, now).await?;
        tx.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    login_attempts::record(&mut tx, &login, &attempt.ip, true, now).await?;
    login_attempts::clear_login(&mut tx, &login).await?;
    let token = random_token()?;
    let token_hash = hash_token(&token);
    let csrf = random_token()?;
    let expires_ms = now + config.session_absolute_ms;
    sessions::create(
        &mut tx,
        &NewSession {
            token_hash: &token_hash,
            user_id: credentials.id,
            csrf_token: &csrf,
            api: attempt.api,
            now_ms: now,
            expires_ms,
            ip: Some(&attempt.ip),
            user_agent: attempt.user_agent.as_deref(),
        },
    )
    .await?;
    let Lookup::Alive { caller, .. } = sessions::resolve(&mut tx, &token_hash, now, config.session_idle_ms).await?
    else {
        return Err(AppError::Unauthenticated);
    };
    tx.commit().await?;
    tracing::info!(user.id = %caller.user_id(), "signed in");
    Ok(SignedIn { token, caller: *caller, expires_ms })
}

/// Resolves a session token or an API key (`qdk_…`) to its caller; `None` when it is unknown,
/// expired, revoked, or its user may no longer sign in. Reads only, except for the occasional
/// last-seen refresh and the removal of a dead session.
pub async fn authenticate(app: &App, token: &str) -> AppResult<Option<Caller>> {
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let now = app.now_ms();
    let hash = hash_token(token);
    let scope = Scope::system("authentication resolves a token before the caller is known");
    if token.starts_with(API_KEY_PREFIX) {
        if let Some(caller) = app.callers().get(&hash, now) {
            return Ok(Some(caller));
        }
        let resolved = {
            let mut tx = app.db().read(&scope).await?;
            api_keys::resolve(&mut tx, &hash, now).await?
        };
        let Some((caller, touch)) = resolved else { return Ok(None) };
        if touch && let CallerAuth::ApiKey { key_id, .. } = caller.auth() {
            let mut tx = app.db().write(&scope).await?;
            api_keys::touch(&mut tx, *key_id, now).await?;
            tx.commit().await?;
        }
        app.callers().put(hash, caller.clone(), now);
        return Ok(Some(caller));
    }
    if let Some(caller) = app.callers().get(&hash, now) {
        return Ok(Some(caller));
    }
    let lookup = {
        let mut tx = app.db().read(&scope).await?;
        sessions::resolve(&mut tx, &hash, now, app.config().session_idle_ms).await?
    };
    match lookup {
        Lookup::Missing => Ok(None),
        Lookup::Dead => {
            let mut tx = app.db().write(&scope).await?;
            sessions::delete(&mut tx, &hash).await?;
            tx.commit().await?;
            Ok(None)
        }
        Lookup::Alive { caller, touch } => {
            if touch {
                let mut tx = app.db().write(&scope).await?;
                sessions::touch(&mut tx, &hash, now).await?;
                tx.commit().await?;
            }
            app.callers().put(hash, (*caller).clone(), now);
            Ok(Some(*caller))
        }
    }
}

/// Ends the caller's session (API keys have no session to end).
pub async fn sign_out(app: &App, ctx: &Ctx) -> AppResult<()> {
    if let CallerAuth::Session { token_hash, .. } = ctx.caller().auth() {
        let mut tx = app.db().write(&Scope::system("sign-out deletes the caller's own session")).await?;
        sessions::delete(&mut tx, token_hash).await?;
        tx.commit().await?;
        app.callers().forget_all();
    }
    Ok(())
}

/// Who a one-time link is for, to greet them on its page.
#[derive(Debug, Clone)]
pub struct LinkHolder {
    /// Their login.
    pub login: String,
    /// Their name.
    pub display_name: String,
}

/// Reads a live invitation or reset link without using it up.
pub async fn peek_link(app: &App, token: &str, purpose: Purpose) -> AppResult<LinkHolder> {
    let scope = Scope::system("a one-time link is checked before its holder signs in");
    let mut tx = app.db().read(&scope).await?;
    let user_id = tokens::peek(&mut tx, &hash_token(token), purpose, app.now_ms()).await?.ok_or(AppError::NotFound)?;
    let user = users::get(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    Ok(LinkHolder { login: user.login, display_name: user.display_name })
}

/// Uses an invitation or reset link to set a password. The link works once; every existing
/// session of the user ends, and an invited user becomes active.
pub async fn use_link(app: &App, token: &str, purpose: Purpose, password: &str) -> AppResult<()> {
    let holder = peek_link(app, token, purpose).await?;
    if let Err(problem) = check_password(password, &holder.login) {
        return Err(AppError::field("password", problem.code()));
    }
    let hash = hash_password(password).await?;
    let now = app.now_ms();
    let scope = Scope::system("a one-time link sets its holder's password");
    let mut tx = app.db().write(&scope).await?;
    let user_id = tokens::take(&mut tx, &hash_token(token), purpose, now).await?.ok_or(AppError::NotFound)?;
    let before = users::get(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    if before.status == UserStatus::Suspended {
        return Err(AppError::NotFound);
    }
    users::set_password(&mut tx, user_id, &hash, now).await?;
    sessions::delete_for_user(&mut tx, user_id).await?;
    let after = users::get(&mut tx, user_id).await?;
    let action = match purpose {
        Purpose::Invite => "accept_invitation",
        Purpose::Reset => "reset_password",
    };
    let record = qudao_store::audit::AuditRecord {
        actor_id: Some(user_id),
        actor_label: format!("{} ({})", before.display_name, before.login),
        partner_id: before.partner.as_ref().map(|p| p.id),
        object_kind: "user",
        object_id: user_id.to_string(),
        action,
        before: serde_json::to_string(&before).ok(),
        after: after.and_then(|a| serde_json::to_string(&a).ok()),
        request_id: None,
        ip: None,
        at_ms: now,
    };
    qudao_store::audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(())
}

/// Changes the caller's own password after checking the current one; other sessions end.
pub async fn change_password(app: &App, ctx: &Ctx, current: &str, new: &str) -> AppResult<()> {
    let login = ctx.caller().login().to_string();
    let credentials = {
        let mut tx = app.db().read(&Scope::system("a password change re-checks the current password")).await?;
        users::credentials(&mut tx, &login).await?.ok_or(AppError::Unauthenticated)?
    };
    if !verify_password(current, credentials.password_hash.as_deref()).await? {
        return Err(AppError::field("current_password", "wrong_password"));
    }
    if let Err(problem) = check_password(new, &login) {
        return Err(AppError::field("new_password", problem.code()));
    }
    let hash = hash_password(new).await?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    if !users::set_password(&mut tx, ctx.caller().user_id(), &hash, now).await? {
        return Err(AppError::NotFound);
    }
    match ctx.caller().auth() {
        CallerAuth::Session { token_hash, .. } => {
            sessions::delete_others(&mut tx, ctx.caller().user_id(), token_hash).await?;
        }
        CallerAuth::ApiKey { .. } => {
            sessions::delete_for_user(&mut tx, ctx.caller().user_id()).await?;
        }
    }
    let record = ctx.audit::<(), ()>(
        now,
        "user",
        ctx.caller().user_id(),
        "change_password",
        ctx.caller().partner_id(),
        None,
        None,
    );
    qudao_store::audit::insert(&mut tx, &record).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(())
}

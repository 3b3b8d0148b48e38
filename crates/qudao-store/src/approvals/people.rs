//! The directory reads behind an approval step: who could approve one partner's object, and
//! whether a flow's approvers exist at all. Approvers are mostly brand users a partner's scope
//! may not list, so these reads run past the caller's scope — only here, only to produce user
//! ids for tasks, never rows for the caller — and switch back before they return.

use std::collections::HashMap;

use qudao_domain::access::Role;
use qudao_domain::approvals::resolve::{Manager, Person, Pool};
use qudao_domain::ids::{PartnerId, UserId};

use crate::{RowExt, Scope, Sql, StoreError, StoreResult, Tx};

fn role_of(row: &sqlx::any::AnyRow) -> StoreResult<Role> {
    let text = row.text("role")?;
    text.parse().map_err(|_| StoreError::Corrupt(format!("role {text}")))
}

/// Runs `reads` with the system's scope, then gives the transaction its own scope back.
macro_rules! past_scope {
    ($tx:ident, $reads:expr) => {{
        let own = $tx.swap_scope(Scope::system("approval routing")).await?;
        let result = $reads;
        $tx.swap_scope(own).await?;
        result
    }};
}

/// Everyone who could approve an object of `partner` of kind `kind` at `now_ms`.
pub async fn pool(tx: &mut Tx, partner: PartnerId, kind: &str, now_ms: i64) -> StoreResult<Pool> {
    past_scope!(tx, read_pool(tx, partner, kind, now_ms).await)
}

async fn read_pool(tx: &mut Tx, partner: PartnerId, kind: &str, now_ms: i64) -> StoreResult<Pool> {
    let mut pool = Pool::default();
    let mut sql = Sql::new(
        "SELECT id, role, partner_id FROM users WHERE status = 'active' AND role <> 'channel_manager' \
         AND (partner_id IS NULL OR partner_id = ",
    );
    sql.bind(partner).push(")");
    for row in sql.fetch_all(tx.conn()).await? {
        let person = Person { id: row.parse("id")?, role: role_of(&row)? };
        if row.opt_text("partner_id")?.is_some() {
            pool.partner.push(person);
        } else {
            pool.brand.push(person);
        }
    }
    let mut sql = Sql::new(
        "SELECT a.user_id, a.partner_id, a.region_path FROM assignments a JOIN users u ON u.id = a.user_id \
         JOIN partners p ON p.id = ",
    );
    sql.bind(partner).push(
        " WHERE u.status = 'active' AND u.role = 'channel_manager' AND (a.partner_id = p.id \
         OR substr(p.region_path, 1, length(a.region_path)) = a.region_path) ORDER BY a.user_id",
    );
    for row in sql.fetch_all(tx.conn()).await? {
        let id: UserId = row.parse("user_id")?;
        let direct = row.opt_text("partner_id")?.is_some();
        let depth = row.opt_text("region_path")?.map_or(0, |p| p.matches('/').count().saturating_sub(1));
        match pool.managers.iter_mut().find(|m| m.id == id) {
            // A manager assigned twice counts by the closer assignment.
            Some(known) => {
                known.direct |= direct;
                known.depth = known.depth.max(depth);
            }
            None => pool.managers.push(Manager { id, direct, depth }),
        }
    }
    let mut sql = Sql::new(
        "SELECT d.user_id, d.delegate_id FROM approval_delegations d JOIN users u ON u.id = d.delegate_id \
         WHERE u.status = 'active' AND d.revoked_ms IS NULL AND d.from_ms <= ",
    );
    sql.bind(now_ms).push_bind(" AND d.until_ms > ", now_ms);
    sql.push_bind(" AND (d.object_kind IS NULL OR d.object_kind = ", kind).push(") ORDER BY d.created_ms");
    for row in sql.fetch_all(tx.conn()).await? {
        pool.delegations.push((row.parse("user_id")?, row.parse("delegate_id")?));
    }
    Ok(pool)
}

/// What a flow's approvers could name anywhere: the roles active users hold, whether any channel
/// manager has a territory (and whether any through a region), and the named users' roles.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Roles held by at least one active user.
    pub roles: Vec<Role>,
    /// Some active channel manager has an assignment.
    pub managers: bool,
    /// Some active channel manager has a region assignment.
    pub regional_managers: bool,
    /// Named users that are active, with their roles.
    pub users: HashMap<UserId, Role>,
}

/// The directory for checking a flow before it is saved.
pub async fn directory(tx: &mut Tx, named: &[UserId]) -> StoreResult<Directory> {
    past_scope!(tx, read_directory(tx, named).await)
}

async fn read_directory(tx: &mut Tx, named: &[UserId]) -> StoreResult<Directory> {
    let mut directory = Directory::default();
    let sql = Sql::new("SELECT DISTINCT role FROM users WHERE status = 'active'");
    for row in sql.fetch_all(tx.conn()).await? {
        directory.roles.push(role_of(&row)?);
    }
    let sql = Sql::new(
        "SELECT COUNT(*) AS n, COUNT(a.region_path) AS regional FROM assignments a \
         JOIN users u ON u.id = a.user_id WHERE u.status = 'active' AND u.role = 'channel_manager'",
    );
    if let Some(row) = sql.fetch_optional(tx.conn()).await? {
        directory.managers = row.int("n")? > 0;
        directory.regional_managers = row.int("regional")? > 0;
    }
    if !named.is_empty() {
        let mut sql = Sql::new("SELECT id, role FROM users WHERE status = 'active' AND id IN ");
        sql.bind_list(named.iter().copied());
        for row in sql.fetch_all(tx.conn()).await? {
            directory.users.insert(row.parse("id")?, role_of(&row)?);
        }
    }
    Ok(directory)
}

/// A person's display name, and whether they are brand staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Display name.
    pub name: String,
    /// Brand staff (not a partner's user).
    pub brand: bool,
}

/// Display names of people on an approval, and which side they are on (the app layer shows a
/// partner its own people by name and the brand's only as "the brand").
pub async fn names(tx: &mut Tx, ids: &[UserId]) -> StoreResult<HashMap<UserId, Named>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    past_scope!(tx, read_names(tx, ids).await)
}

async fn read_names(tx: &mut Tx, ids: &[UserId]) -> StoreResult<HashMap<UserId, Named>> {
    let mut sql = Sql::new("SELECT id, display_name, partner_id FROM users WHERE id IN ");
    sql.bind_list(ids.iter().copied());
    let mut names = HashMap::new();
    for row in sql.fetch_all(tx.conn()).await? {
        let named = Named { name: row.text("display_name")?, brand: row.opt_text("partner_id")?.is_none() };
        names.insert(row.parse("id")?, named);
    }
    Ok(names)
}

/// The active brand administrators: an escalated step goes to them.
pub async fn administrators(tx: &mut Tx) -> StoreResult<Vec<UserId>> {
    past_scope!(tx, {
        let sql = Sql::new("SELECT id FROM users WHERE status = 'active' AND role = 'brand_admin' ORDER BY id");
        sql.fetch_all(tx.conn()).await.and_then(|rows| rows.iter().map(|r| r.parse("id")).collect())
    })
}

/// The active users of these logins (lower case), with their ids: the people a message
/// mentions, checked against the object's pool by the caller.
pub async fn by_logins(tx: &mut Tx, logins: &[String]) -> StoreResult<Vec<(String, UserId)>> {
    if logins.is_empty() {
        return Ok(Vec::new());
    }
    past_scope!(tx, {
        let mut sql = Sql::new("SELECT login, id FROM users WHERE status = 'active' AND login IN ");
        sql.bind_list(logins.iter().map(String::as_str));
        match sql.fetch_all(tx.conn()).await {
            Ok(rows) => rows.iter().map(|r| Ok((r.text("login")?, r.parse("id")?))).collect(),
            Err(error) => Err(error),
        }
    })
}

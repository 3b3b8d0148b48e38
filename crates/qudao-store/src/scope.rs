//! The caller and the data it may see: the one place partner isolation is turned into SQL.
//!
//! A [`Caller`] is only ever built by this crate, from a session or API key row it has just read;
//! a [`Scope`] is built from a caller (or is the greppable [`Scope::system`]). Every transaction
//! carries its scope ([`crate::Tx::scope`]), and every query a user can reach appends the
//! scope's predicate with [`Scope::filter_partner`] or [`Scope::filter_owned`]. On PostgreSQL the
//! same scope is also set for row-level security when the transaction begins, so a query that
//! forgot its predicate would still see nothing it should not.

use qudao_domain::access::{DataScope, Permission, Role};
use qudao_domain::ids::{ApiKeyId, PartnerId, UserId};

use crate::sql::Sql;

/// How the caller proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerAuth {
    /// A browser or API session; `csrf_token` must accompany cookie-borne state changes.
    Session {
        /// SHA-256 of the session token (the session's key).
        token_hash: String,
        /// The session's CSRF token.
        csrf_token: String,
        /// Whether the token was issued for API use (`Authorization: Bearer`).
        api: bool,
    },
    /// An integration's API key, limited to its scopes.
    ApiKey {
        /// The key.
        key_id: ApiKeyId,
        /// The permissions the key was granted (a subset of its user's).
        scopes: Vec<String>,
    },
}

/// The signed-in user behind a request. Only this crate can construct one, from rows it read.
#[derive(Debug, Clone)]
pub struct Caller {
    pub(crate) user_id: UserId,
    pub(crate) login: String,
    pub(crate) display_name: String,
    pub(crate) role: Role,
    pub(crate) partner_id: Option<PartnerId>,
    pub(crate) locale: Option<String>,
    pub(crate) data: DataScope,
    pub(crate) auth: CallerAuth,
}

impl Caller {
    /// The user.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    /// The user's login name.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The name shown in the header and the audit log.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// The user's role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The user's company, for partner roles.
    pub fn partner_id(&self) -> Option<PartnerId> {
        self.partner_id
    }
    /// The user's chosen language, if any.
    pub fn locale(&self) -> Option<&str> {
        self.locale.as_deref()
    }
    /// How the caller authenticated.
    pub fn auth(&self) -> &CallerAuth {
        &self.auth
    }
    /// The partners whose data the caller may see.
    pub fn data_scope(&self) -> &DataScope {
        &self.data
    }

    /// Whether the caller may use a function: the role must permit it and, for an API key, the
    /// key's scopes must include it.
    pub fn may(&self, permission: Permission) -> bool {
        if !self.role.permits(permission) {
            return false;
        }
        match &self.auth {
            CallerAuth::Session { .. } => true,
            CallerAuth::ApiKey { scopes, .. } => {
                permission == Permission::SignedIn
                    || scopes.iter().any(|s| s == "*" || s == permission_scope(permission))
            }
        }
    }

    /// The key idempotency records and rate limits are kept under: one per user or API key.
    pub fn owner_key(&self) -> String {
        match &self.auth {
            CallerAuth::ApiKey { key_id, .. } => format!("key:{key_id}"),
            CallerAuth::Session { .. } => format!("user:{}", self.user_id),
        }
    }
}

/// The scope name an API key must hold for a permission (`partners:read`).
pub fn permission_scope(permission: Permission) -> &'static str {
    use Permission as P;
    match permission {
        P::SignedIn => "me",
        P::ConsoleAccess | P::PortalAccess => "pages",
        P::PartnersRead => "partners:read",
        P::PartnersWrite | P::PartnersStatus | P::PartnerContactsWrite => "partners:write",
        P::PartnersImport => "partners:import",
        P::PartnersExport => "partners:export",
        P::CatalogRead => "catalog:read",
        P::CatalogWrite => "catalog:write",
        P::UsersRead => "users:read",
        P::UsersManage | P::AssignmentsManage => "users:write",
        P::ApiKeysManage => "api_keys:write",
        P::AuditRead => "audit:read",
        P::SettingsManage => "settings:write",
        P::OrdersRead => "orders:read",
        P::OrdersPlace => "orders:write",
        P::OrdersApprove => "orders:approve",
        P::OrdersShip => "orders:ship",
        P::PricingRead => "pricing:read",
        P::PricingManage => "pricing:write",
        P::StockRead => "stock:read",
        P::StockManage => "stock:write",
        P::AccountsRead => "accounts:read",
        P::FinanceManage => "accounts:write",
        P::FairsManage => "fairs:write",
        P::IntegrationsManage => "integrations:write",
        P::ErpPush => "erp:write",
        P::StatementsRespond => "statements:write",
        P::DealsRead => "deals:read",
        P::DealsRegister | P::DealsRelease | P::DealsTeam => "deals:write",
        P::DealsManage => "deals:manage",
    }
}

/// Every scope name an API key can be given, for the key form and validation.
pub const API_SCOPES: [&str; 28] = [
    "partners:read",
    "partners:write",
    "partners:import",
    "partners:export",
    "catalog:read",
    "catalog:write",
    "users:read",
    "users:write",
    "api_keys:write",
    "audit:read",
    "settings:write",
    "orders:read",
    "orders:write",
    "orders:approve",
    "orders:ship",
    "pricing:read",
    "pricing:write",
    "stock:read",
    "stock:write",
    "accounts:read",
    "accounts:write",
    "fairs:write",
    "integrations:write",
    "erp:write",
    "statements:write",
    "deals:read",
    "deals:write",
    "deals:manage",
];

#[derive(Debug, Clone)]
enum ScopeKind {
    Caller { user_id: UserId, data: DataScope },
    System { reason: &'static str },
}

/// What one transaction may see. Carried by every [`crate::Tx`].
#[derive(Debug, Clone)]
pub struct Scope(ScopeKind);

impl Scope {
    /// The scope of a signed-in caller.
    pub fn of(caller: &Caller) -> Scope {
        Scope(ScopeKind::Caller { user_id: caller.user_id, data: caller.data.clone() })
    }

    /// Unscoped access for work no user asked for (sign-in, migrations, demo data, background
    /// jobs). The reason is logged; grep for `Scope::system` to review every use.
    pub fn system(reason: &'static str) -> Scope {
        tracing::debug!(scope.reason = reason, "system scope");
        Scope(ScopeKind::System { reason })
    }

    /// The caller's user, when a user is behind this scope.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.0 {
            ScopeKind::Caller { user_id, .. } => Some(*user_id),
            ScopeKind::System { .. } => None,
        }
    }

    /// The caller's data scope; `None` for the system scope.
    pub fn data(&self) -> Option<&DataScope> {
        match &self.0 {
            ScopeKind::Caller { data, .. } => Some(data),
            ScopeKind::System { .. } => None,
        }
    }

    /// Whether brand-only records (brand users, settings, brand files) are visible.
    pub fn sees_brand_records(&self) -> bool {
        self.data().is_none_or(DataScope::is_brand)
    }

    /// Appends ` AND 1 = 0` for scopes that may not see brand-only records: the guard of tables
    /// that are the brand's configuration (approval flows, routing rules, staff assignments), so
    /// SQLite, which has no row-level policies, refuses partners in the query itself too.
    pub fn filter_brand_only(&self, sql: &mut Sql) {
        if !self.sees_brand_records() {
            sql.push(" AND 1 = 0");
        }
    }

    /// Appends ` AND <column> is a partner this scope may see` to `sql`. Use it on every column
    /// that names the partner a row belongs to.
    pub fn filter_partner(&self, sql: &mut Sql, column: &str) {
        match self.data() {
            None | Some(DataScope::AllPartners) => {}
            Some(_) => {
                sql.push(" AND ");
                self.partner_predicate(sql, column);
            }
        }
    }

    /// Like [`Scope::filter_partner`] for tables where a NULL partner means "the brand's own":
    /// brand callers see those rows too, partner callers never do.
    pub fn filter_owned(&self, sql: &mut Sql, column: &str) {
        match self.data() {
            None | Some(DataScope::AllPartners) => {}
            Some(DataScope::Partner { .. }) => {
                sql.push(" AND ");
                self.partner_predicate(sql, column);
            }
            Some(DataScope::Assigned { .. }) => {
                sql.push(" AND (").push(column).push(" IS NULL OR ");
                self.partner_predicate(sql, column);
                sql.push(")");
            }
        }
    }

    /// Like [`Scope::filter_partner`] for tables where a NULL partner means "for everyone" (brand
    /// price lists, which partners are priced from): every caller sees those rows.
    pub fn filter_shared(&self, sql: &mut Sql, column: &str) {
        match self.data() {
            None | Some(DataScope::AllPartners) => {}
            Some(_) => {
                sql.push(" AND (").push(column).push(" IS NULL OR ");
                self.partner_predicate(sql, column);
                sql.push(")");
            }
        }
    }

    /// Like [`Scope::filter_partner`] for records their owner shares with other partners (an
    /// opportunity and the distributor behind its reseller): visible when the owner, or a partner
    /// it is shared with in `share_table` (rows of `share_key` = `key_column`, `partner_id`), is
    /// one this scope may see.
    pub fn filter_partner_or_shared(
        &self,
        sql: &mut Sql,
        owner_column: &str,
        share_table: &str,
        share_key: &str,
        key_column: &str,
    ) {
        match self.data() {
            None | Some(DataScope::AllPartners) => {}
            Some(_) => {
                sql.push(" AND (");
                self.partner_predicate(sql, owner_column);
                sql.push(" OR EXISTS (SELECT 1 FROM ").push(share_table).push(" shared WHERE shared.");
                sql.push(share_key).push(" = ").push(key_column).push(" AND ");
                self.partner_predicate(sql, "shared.partner_id");
                sql.push("))");
            }
        }
    }

    fn partner_predicate(&self, sql: &mut Sql, column: &str) {
        match self.data() {
            None | Some(DataScope::AllPartners) => {
                sql.push("1 = 1");
            }
            Some(DataScope::Partner { partner_id, with_sub_dealers: false }) => {
                sql.push(column).push(" = ").bind(partner_id);
            }
            Some(DataScope::Partner { partner_id, with_sub_dealers: true }) => {
                sql.push("(").push(column).push(" = ").bind(partner_id);
                sql.push(" OR ").push(column);
                sql.push(" IN (SELECT sd.id FROM partners sd WHERE sd.parent_id = ").bind(partner_id);
                sql.push("))");
            }
            Some(DataScope::Assigned { user_id }) => {
                sql.push(column);
                sql.push(
                    " IN (SELECT sp.id FROM partners sp JOIN assignments sa \
                     ON sa.partner_id = sp.id \
                     OR substr(sp.region_path, 1, length(sa.region_path)) = sa.region_path \
                     WHERE sa.user_id = ",
                );
                sql.bind(user_id).push(")");
            }
        }
    }

    /// The row-level-security settings for PostgreSQL: scope kind, user, partner, sub-dealers.
    pub(crate) fn rls_settings(&self) -> [String; 4] {
        match &self.0 {
            ScopeKind::System { .. } => ["system".into(), String::new(), String::new(), "0".into()],
            ScopeKind::Caller { user_id, data } => match data {
                DataScope::AllPartners => ["all".into(), user_id.to_string(), String::new(), "0".into()],
                DataScope::Assigned { user_id } => ["assigned".into(), user_id.to_string(), String::new(), "0".into()],
                DataScope::Partner { partner_id, with_sub_dealers } => [
                    "partner".into(),
                    user_id.to_string(),
                    partner_id.to_string(),
                    if *with_sub_dealers { "1".into() } else { "0".into() },
                ],
            },
        }
    }

    /// The reason given for a system scope, for logs.
    pub fn system_reason(&self) -> Option<&'static str> {
        match &self.0 {
            ScopeKind::System { reason } => Some(reason),
            ScopeKind::Caller { .. } => None,
        }
    }
}

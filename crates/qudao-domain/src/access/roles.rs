//! Roles and the permissions each one grants.

use std::fmt;
use std::str::FromStr;

/// Which side of the channel a role belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleSide {
    /// The brand owner's staff; they work in the console.
    Brand,
    /// A partner company's staff; they work in the portal and always belong to one partner.
    Partner,
}

/// A user's role. Brand roles work across partners (a channel manager only within assigned
/// regions or partners); partner roles always belong to exactly one partner company.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Brand administrator: everything, including users, keys and settings.
    BrandAdmin,
    /// 渠道经理: owns a set of partners or regions, limited to them.
    ChannelManager,
    /// Brand finance (财务).
    Finance,
    /// Brand marketing.
    Marketing,
    /// Brand warehouse and logistics.
    Warehouse,
    /// Executive: reads everything, changes nothing.
    Executive,
    /// A partner's administrator: manages the company's own users and profile.
    PartnerAdmin,
    /// A partner's sales rep.
    PartnerSales,
    /// A partner's finance user.
    PartnerFinance,
}

impl Role {
    /// Every role, for forms, tests and the isolation matrix.
    pub const ALL: [Role; 9] = [
        Role::BrandAdmin,
        Role::ChannelManager,
        Role::Finance,
        Role::Marketing,
        Role::Warehouse,
        Role::Executive,
        Role::PartnerAdmin,
        Role::PartnerSales,
        Role::PartnerFinance,
    ];

    /// The stable name used in the database, the API and the demo account list.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::BrandAdmin => "brand_admin",
            Role::ChannelManager => "channel_manager",
            Role::Finance => "finance",
            Role::Marketing => "marketing",
            Role::Warehouse => "warehouse",
            Role::Executive => "executive",
            Role::PartnerAdmin => "partner_admin",
            Role::PartnerSales => "partner_sales",
            Role::PartnerFinance => "partner_finance",
        }
    }

    /// Whether the role belongs to the brand or to a partner.
    pub fn side(self) -> RoleSide {
        match self {
            Role::PartnerAdmin | Role::PartnerSales | Role::PartnerFinance => RoleSide::Partner,
            _ => RoleSide::Brand,
        }
    }

    /// The one table of what each role may do. A function a role may not use answers 403; data
    /// outside its scope answers 404 (that is [`super::DataScope`]'s job, not this one's).
    pub fn permits(self, permission: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match permission {
            P::SignedIn | P::PartnersRead | P::CatalogRead => true,
            P::PartnersWrite => matches!(self, R::BrandAdmin | R::ChannelManager),
            P::PartnersStatus => matches!(self, R::BrandAdmin | R::ChannelManager),
            P::PartnersImport => matches!(self, R::BrandAdmin),
            P::PartnersExport => {
                matches!(self, R::BrandAdmin | R::ChannelManager | R::Finance | R::Marketing | R::Executive)
            }
            P::PartnerContactsWrite => {
                matches!(self, R::BrandAdmin | R::ChannelManager | R::PartnerAdmin)
            }
            P::CatalogWrite => matches!(self, R::BrandAdmin),
            P::UsersRead => matches!(self, R::BrandAdmin | R::ChannelManager | R::Executive | R::PartnerAdmin),
            P::UsersManage => matches!(self, R::BrandAdmin | R::ChannelManager | R::PartnerAdmin),
            P::AssignmentsManage => matches!(self, R::BrandAdmin),
            P::ApiKeysManage => matches!(self, R::BrandAdmin),
            P::AuditRead => matches!(self, R::BrandAdmin | R::Executive),
            P::SettingsManage => matches!(self, R::BrandAdmin),
            P::OrdersRead | P::StockRead => true,
            P::AccountsRead => !matches!(self, R::Marketing | R::Warehouse),
            P::OrdersPlace => matches!(self, R::PartnerAdmin | R::PartnerSales),
            P::OrdersApprove => matches!(self, R::BrandAdmin | R::ChannelManager | R::Finance),
            P::OrdersShip => matches!(self, R::BrandAdmin | R::Warehouse),
            P::PricingRead => self.side() == RoleSide::Brand,
            P::PricingManage => matches!(self, R::BrandAdmin | R::Marketing),
            P::StockManage => matches!(self, R::BrandAdmin | R::Warehouse),
            P::FinanceManage => matches!(self, R::BrandAdmin | R::Finance),
            P::FairsManage => matches!(self, R::BrandAdmin | R::Marketing | R::ChannelManager),
            P::IntegrationsManage | P::ErpPush => matches!(self, R::BrandAdmin),
            P::StatementsRespond => matches!(self, R::PartnerAdmin | R::PartnerFinance),
            P::DealsRead => !matches!(self, R::Finance | R::Warehouse | R::PartnerFinance),
            P::DealsRegister => matches!(self, R::PartnerAdmin | R::PartnerSales),
            P::DealsManage => matches!(self, R::BrandAdmin | R::ChannelManager),
            P::DealsRelease | P::DealsTeam => {
                matches!(self, R::BrandAdmin | R::ChannelManager | R::PartnerAdmin | R::PartnerSales)
            }
            P::ConsoleAccess => self.side() == RoleSide::Brand,
            P::PortalAccess => self.side() == RoleSide::Partner,
        }
    }

    /// The roles a user of this role may give to a user it invites: an administrator any role, a
    /// channel manager only partner roles, a partner administrator only its own company's roles.
    pub fn may_grant(self, role: Role) -> bool {
        match self {
            Role::BrandAdmin => true,
            Role::ChannelManager | Role::PartnerAdmin => role.side() == RoleSide::Partner,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| crate::FieldError::new("role", "invalid_choice"))
    }
}

/// A function of Qudao that a route needs; the route registry names one per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Any signed-in user (own profile, sign out).
    SignedIn,
    /// The brand console.
    ConsoleAccess,
    /// The partner portal.
    PortalAccess,
    /// Read partners within scope (a partner user: its own company).
    PartnersRead,
    /// Create and edit partners.
    PartnersWrite,
    /// Move a partner through its status lifecycle.
    PartnersStatus,
    /// Import partners from a sheet.
    PartnersImport,
    /// Export partners to a sheet.
    PartnersExport,
    /// Edit a partner's contacts and addresses.
    PartnerContactsWrite,
    /// Read the catalog.
    CatalogRead,
    /// Edit the catalog.
    CatalogWrite,
    /// List users within scope.
    UsersRead,
    /// Invite, suspend and reset users within scope.
    UsersManage,
    /// Assign regions and partners to channel managers.
    AssignmentsManage,
    /// Create and revoke API keys.
    ApiKeysManage,
    /// Read the audit log.
    AuditRead,
    /// Change brand settings.
    SettingsManage,
    /// Read orders within scope (a partner: its own).
    OrdersRead,
    /// Place, amend, cancel and receive a partner's own orders, and ask for returns.
    OrdersPlace,
    /// Approve or reject orders and returns.
    OrdersApprove,
    /// Pick, ship and track orders; restock returns.
    OrdersShip,
    /// Read price lists and promotions (the brand's side; partners see only their own prices).
    PricingRead,
    /// Edit price lists, promotions and their checks.
    PricingManage,
    /// See stock (partners as far as the brand's visibility setting allows).
    StockRead,
    /// Receive, count and adjust stock; manage warehouses.
    StockManage,
    /// Read ledger accounts within scope (a partner: its own balances).
    AccountsRead,
    /// Set credit lines, record prepayments, confirm offline transfers.
    FinanceManage,
    /// Set up ordering fairs, their prices, quotas and allocation.
    FairsManage,
    /// Subscribe webhook endpoints, rotate their secrets, see and replay deliveries.
    IntegrationsManage,
    /// Push the ERP's shipments, invoices and receipts (an integration's API key).
    ErpPush,
    /// Confirm or dispute the company's own statements (对账单).
    StatementsRespond,
    /// See registrations, leads and opportunities (the caller's own, or those of partners in scope).
    DealsRead,
    /// Register customers, claim from the pool, ask for extensions, work leads (partners).
    DealsRegister,
    /// Review registrations, decide extensions, route leads, set the rules (the brand).
    DealsManage,
    /// Give up a registration (its partner) or take it back (the brand).
    DealsRelease,
    /// Put people on an opportunity's team (its partner's people or the brand's).
    DealsTeam,
}

impl Permission {
    /// Every permission, for the session's list and the isolation matrix.
    pub const ALL: [Permission; 36] = [
        Permission::SignedIn,
        Permission::ConsoleAccess,
        Permission::PortalAccess,
        Permission::PartnersRead,
        Permission::PartnersWrite,
        Permission::PartnersStatus,
        Permission::PartnersImport,
        Permission::PartnersExport,
        Permission::PartnerContactsWrite,
        Permission::CatalogRead,
        Permission::CatalogWrite,
        Permission::UsersRead,
        Permission::UsersManage,
        Permission::AssignmentsManage,
        Permission::ApiKeysManage,
        Permission::AuditRead,
        Permission::SettingsManage,
        Permission::OrdersRead,
        Permission::OrdersPlace,
        Permission::OrdersApprove,
        Permission::OrdersShip,
        Permission::PricingRead,
        Permission::PricingManage,
        Permission::StockRead,
        Permission::StockManage,
        Permission::AccountsRead,
        Permission::FinanceManage,
        Permission::FairsManage,
        Permission::IntegrationsManage,
        Permission::ErpPush,
        Permission::StatementsRespond,
        Permission::DealsRead,
        Permission::DealsRegister,
        Permission::DealsManage,
        Permission::DealsRelease,
        Permission::DealsTeam,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn executives_read_but_never_write() {
        let r = Role::Executive;
        assert!(r.permits(Permission::PartnersRead));
        assert!(r.permits(Permission::AuditRead));
        for p in [
            Permission::PartnersWrite,
            Permission::CatalogWrite,
            Permission::UsersManage,
            Permission::SettingsManage,
            Permission::ApiKeysManage,
        ] {
            assert!(!r.permits(p), "{p:?}");
        }
    }

    #[test]
    fn partner_roles_stay_in_the_portal() {
        for role in [Role::PartnerAdmin, Role::PartnerSales, Role::PartnerFinance] {
            assert!(role.permits(Permission::PortalAccess));
            assert!(!role.permits(Permission::ConsoleAccess));
            assert!(!role.permits(Permission::PartnersWrite));
            assert!(!role.may_grant(Role::BrandAdmin));
        }
        assert!(Role::PartnerAdmin.may_grant(Role::PartnerSales));
        assert!(!Role::PartnerSales.may_grant(Role::PartnerSales));
        assert!(!Role::ChannelManager.may_grant(Role::Finance));
    }
}

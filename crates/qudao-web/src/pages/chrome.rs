//! The frame around every page: language, signed-in user, navigation, flash message, CSRF token.

use qudao_domain::access::{Permission, RoleSide};

use crate::assets;
use crate::context::RequestContext;
use crate::i18n::{self, Lang};
use crate::state::AppState;

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Whether it is the current section.
    pub active: bool,
}

/// What the base layout needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's language.
    pub lang: Lang,
    /// The page title.
    pub title: String,
    /// The signed-in user's name.
    pub user_name: Option<String>,
    /// Their role, localised.
    pub role_label: String,
    /// The navigation.
    pub nav: Vec<NavItem>,
    /// The CSRF token for forms.
    pub csrf: String,
    /// A one-shot message.
    pub flash: Option<String>,
    /// The brand owner's name.
    pub brand_name: String,
    /// The stylesheet's hashed URL.
    pub css: &'static str,
    /// The script's hashed URL.
    pub js: &'static str,
    /// The current path (the language switch returns here).
    pub path: String,
    /// Unread notifications (the header's badge; the live stream keeps it current).
    pub unread: i64,
    /// Approvals waiting for the signed-in user.
    pub waiting: i64,
    /// The approval queue of the user's side.
    pub approvals_href: &'static str,
}

/// The sections of the console and the portal, with the permission each needs.
const CONSOLE: &[(&str, &str, Permission)] = &[
    ("/console", "nav.dashboard", Permission::ConsoleAccess),
    ("/console/approvals", "nav.approvals", Permission::ConsoleAccess),
    ("/console/partners", "nav.partners", Permission::PartnersRead),
    ("/console/orders", "nav.orders", Permission::OrdersRead),
    ("/console/returns", "nav.returns", Permission::OrdersRead),
    ("/console/registrations", "nav.registrations", Permission::DealsRead),
    ("/console/leads", "nav.leads", Permission::DealsRead),
    ("/console/pipeline", "nav.pipeline", Permission::DealsRead),
    ("/console/stock", "nav.stock", Permission::StockRead),
    ("/console/warehouse", "nav.warehouse", Permission::StockManage),
    ("/console/fairs", "nav.fairs", Permission::OrdersRead),
    ("/console/finance", "nav.finance", Permission::AccountsRead),
    ("/console/channel", "nav.channel", Permission::StockRead),
    ("/console/pricing", "nav.pricing", Permission::PricingRead),
    ("/console/products", "nav.products", Permission::CatalogRead),
    ("/console/users", "nav.users", Permission::UsersRead),
    ("/console/api-keys", "nav.api_keys", Permission::ApiKeysManage),
    ("/console/webhooks", "nav.webhooks", Permission::IntegrationsManage),
    ("/console/audit", "nav.audit", Permission::AuditRead),
    ("/console/approval-flows", "nav.flows", Permission::SettingsManage),
    ("/console/settings", "nav.settings", Permission::SettingsManage),
];
const PORTAL: &[(&str, &str, Permission)] = &[
    ("/portal", "nav.home", Permission::PortalAccess),
    ("/portal/catalog", "nav.catalog", Permission::CatalogRead),
    ("/portal/cart", "nav.cart", Permission::OrdersPlace),
    ("/portal/orders", "nav.orders", Permission::OrdersRead),
    ("/portal/approvals", "nav.approvals", Permission::PortalAccess),
    ("/portal/registrations", "nav.registrations", Permission::DealsRead),
    ("/portal/leads", "nav.leads", Permission::DealsRead),
    ("/portal/opportunities", "nav.opportunities", Permission::DealsRead),
    ("/portal/fairs", "nav.fairs", Permission::OrdersRead),
    ("/portal/finance", "nav.finance", Permission::AccountsRead),
    ("/portal/channel", "nav.channel", Permission::StockRead),
    ("/portal/company", "nav.company", Permission::PortalAccess),
    ("/portal/dealers", "nav.dealers", Permission::PortalAccess),
    ("/portal/users", "nav.users", Permission::UsersRead),
];

impl Chrome {
    /// The frame for a page titled by `title_key`, with the navigation section `section`
    /// highlighted.
    pub async fn new(state: &AppState, context: &RequestContext, title_key: &str, section: &str) -> Chrome {
        let lang = context.lang;
        let mut chrome = Chrome {
            lang,
            title: i18n::t(lang, title_key).to_string(),
            user_name: None,
            role_label: String::new(),
            nav: Vec::new(),
            csrf: context.csrf_token().to_string(),
            flash: context.flash.as_deref().map(|key| i18n::t(lang, key).to_string()),
            brand_name: "Qudao".into(),
            css: assets::css_href(),
            js: assets::js_href(),
            path: context.path.clone(),
            unread: 0,
            waiting: 0,
            approvals_href: "/console/approvals",
        };
        let Some(ctx) = context.ctx() else { return chrome };
        let caller = ctx.caller();
        chrome.user_name = Some(caller.display_name().to_string());
        chrome.role_label = i18n::t(lang, &format!("role.{}", caller.role().as_str())).to_string();
        if let Ok(settings) = qudao_app::settings::get_settings(state.app(), &ctx).await {
            chrome.brand_name = settings.brand_name;
        }
        chrome.unread = qudao_app::notifications::unread_count(state.app(), &ctx).await.unwrap_or(0);
        chrome.waiting = qudao_app::approvals::waiting_count(state.app(), &ctx).await.unwrap_or(0);
        let brand = caller.role().side() == RoleSide::Brand;
        if !brand {
            chrome.approvals_href = "/portal/approvals";
        }
        let waiting = chrome.waiting;
        let sections = if brand { CONSOLE } else { PORTAL };
        let sub_dealers_visible =
            matches!(caller.data_scope(), qudao_domain::access::DataScope::Partner { with_sub_dealers: true, .. });
        chrome.nav = sections
            .iter()
            .filter(|(href, _, permission)| {
                caller.may(*permission)
                    && (*href != "/portal/dealers" || sub_dealers_visible)
                    // A partner's people see their approval queue when something waits for them.
                    && (*href != "/portal/approvals" || waiting > 0 || section == "/portal/approvals")
            })
            .map(|(href, key, _)| NavItem { href, label: i18n::t(lang, key), active: *href == section })
            .collect();
        chrome
    }

    /// A message in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// A message with one `{n}` placeholder filled.
    pub fn tn(&self, key: &str, n: &str) -> String {
        i18n::tf(self.lang, key, &[("n", n)])
    }

    /// Picks the Chinese or the English of a pair.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.lang.is_zh() { zh } else { en }
    }

    /// Formats epoch milliseconds as a China-time date and time.
    pub fn datetime(&self, ms: impl std::borrow::Borrow<i64>) -> String {
        crate::pages::format::datetime(*ms.borrow())
    }

    /// Formats a `yyyymmdd` day as `2026-11-29`.
    pub fn date(&self, yyyymmdd: impl std::borrow::Borrow<i64>) -> String {
        qudao_domain::dates::format_date(u32::try_from(*yyyymmdd.borrow()).unwrap_or_default())
    }

    /// Formats fen as money.
    pub fn money(&self, fen: impl std::borrow::Borrow<i64>) -> String {
        qudao_domain::Money::new(*fen.borrow(), qudao_domain::Currency::CNY).to_string()
    }
}

//! Test data: a small set of master data every test app starts with, and builders for partners
//! and users written straight through the store (fast, and independent of the use cases under
//! test).

use qudao_domain::access::Role;
use qudao_domain::ids::{PartnerId, UserId};
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_store::access::users::{NewUser, UserStatus};
use qudao_store::catalog::masters;
use qudao_store::partners::regions::{self, NewRegion};
use qudao_store::partners::{self, NewPartner, PartnerView, tiers};
use qudao_store::{Scope, access, counters};
use tokio::sync::OnceCell;

use crate::TestApp;

/// The password of every user the builders make.
pub const TEST_PASSWORD: &str = "Lanzhou-Noodles-42";

async fn password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async { qudao_app::access::hash_password(TEST_PASSWORD).await.expect("hash") }).await
}

fn scope() -> Scope {
    Scope::system("test fixtures")
}

/// Regions: two 大区 with provinces and cities; four tiers; a few catalog masters.
pub(crate) async fn masters(app: &qudao_app::App) {
    let mut tx = app.db().write(&scope()).await.expect("tx");
    let tree: &[(&str, &str, &str, &str)] = &[
        ("R-EAST", "", "华东", "East China"),
        ("CN-SH", "R-EAST", "上海市", "Shanghai"),
        ("CN-SH-SH", "CN-SH", "上海市", "Shanghai City"),
        ("CN-JS", "R-EAST", "江苏省", "Jiangsu"),
        ("CN-JS-NJ", "CN-JS", "南京市", "Nanjing"),
        ("CN-JS-SZ", "CN-JS", "苏州市", "Suzhou"),
        ("R-SOUTH", "", "华南", "South China"),
        ("CN-GD", "R-SOUTH", "广东省", "Guangdong"),
        ("CN-GD-GZ", "CN-GD", "广州市", "Guangzhou"),
        ("CN-GD-SZ", "CN-GD", "深圳市", "Shenzhen"),
    ];
    for (index, (code, parent, zh, en)) in tree.iter().enumerate() {
        let parent = if parent.is_empty() { None } else { regions::by_code(&mut tx, parent).await.expect("parent") };
        regions::insert(
            &mut tx,
            &NewRegion { code, parent: parent.as_ref(), name_zh: zh, name_en: en, sort: index as i64 },
        )
        .await
        .expect("region");
    }
    for (code, zh, en, rank) in [
        ("platinum", "铂金", "Platinum", 40),
        ("gold", "黄金", "Gold", 30),
        ("silver", "白银", "Silver", 20),
        ("registered", "注册", "Registered", 10),
    ] {
        tiers::insert(&mut tx, code, zh, en, rank).await.expect("tier");
    }
    let drinks = masters::insert_category(&mut tx, "BEV", None, "饮料", "Beverages", 1).await.expect("category");
    masters::insert_category(&mut tx, "BEV-CSD", Some(drinks.id), "碳酸饮料", "Carbonated Drinks", 1)
        .await
        .expect("category");
    masters::insert_brand(&mut tx, "LANXI", "澜溪", "Lanxi").await.expect("brand");
    masters::insert_unit(&mut tx, "BOTTLE", "瓶", "bottle").await.expect("unit");
    masters::insert_unit(&mut tx, "CASE", "箱", "case").await.expect("unit");
    tx.commit().await.expect("commit");
}

/// Builds a partner.
#[derive(Debug, Clone)]
pub struct PartnerBuilder {
    name: String,
    kind: PartnerKind,
    tier: String,
    region: String,
    parent: Option<PartnerId>,
    status: PartnerStatus,
    credit_code: Option<String>,
}

impl PartnerBuilder {
    /// An active gold distributor in Shanghai named `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            kind: PartnerKind::Distributor,
            tier: "gold".into(),
            region: "CN-SH-SH".into(),
            parent: None,
            status: PartnerStatus::Active,
            credit_code: None,
        }
    }

    /// Sets the kind.
    pub fn kind(mut self, kind: PartnerKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the tier code.
    pub fn tier(mut self, tier: &str) -> Self {
        self.tier = tier.into();
        self
    }

    /// Sets the region code.
    pub fn region(mut self, region: &str) -> Self {
        self.region = region.into();
        self
    }

    /// Makes it a sub-dealer of `parent`.
    pub fn sub_dealer_of(mut self, parent: PartnerId) -> Self {
        self.kind = PartnerKind::SubDealer;
        self.parent = Some(parent);
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: PartnerStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the credit code.
    pub fn credit_code(mut self, code: &str) -> Self {
        self.credit_code = Some(code.into());
        self
    }

    /// Writes it.
    pub async fn create(self, app: &TestApp) -> PartnerView {
        let mut tx = app.app.db().write(&scope()).await.expect("tx");
        let tier = tiers::by_code(&mut tx, &self.tier).await.expect("tier").expect("known tier");
        let region = regions::by_code(&mut tx, &self.region).await.expect("region").expect("known region");
        let code = qudao_domain::docnum::format_code("P", counters::next(&mut tx, "partner").await.expect("counter"));
        let id = PartnerId::new();
        partners::insert(
            &mut tx,
            &NewPartner {
                id,
                code: code.clone(),
                name: self.name.clone(),
                name_en: None,
                short_name: None,
                kind: self.kind,
                tier_id: tier.id,
                region_id: region.id,
                region_path: region.path.clone(),
                parent_id: self.parent,
                credit_code: self.credit_code.clone(),
                status: self.status,
                remark: None,
                search_key: qudao_domain::text::search_key(&[&self.name, &code]),
                now_ms: app.app.now_ms(),
            },
        )
        .await
        .expect("insert partner");
        let view = partners::get(&mut tx, id).await.expect("read").expect("visible to system");
        tx.commit().await.expect("commit");
        view
    }
}

/// Builds a user with [`TEST_PASSWORD`].
#[derive(Debug, Clone)]
pub struct UserBuilder {
    login: String,
    role: Role,
    partner: Option<PartnerId>,
    status: UserStatus,
    email: Option<String>,
}

impl UserBuilder {
    /// An active user.
    pub fn new(login: &str, role: Role) -> Self {
        Self { login: login.into(), role, partner: None, status: UserStatus::Active, email: None }
    }

    /// Their e-mail address.
    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Their company.
    pub fn partner(mut self, partner: PartnerId) -> Self {
        self.partner = Some(partner);
        self
    }

    /// Their status.
    pub fn status(mut self, status: UserStatus) -> Self {
        self.status = status;
        self
    }

    /// Writes it.
    pub async fn create(self, app: &TestApp) -> UserId {
        let hash = password_hash().await.to_string();
        let mut tx = app.app.db().write(&scope()).await.expect("tx");
        let id = UserId::new();
        access::users::insert(
            &mut tx,
            &NewUser {
                id,
                login: self.login.clone(),
                display_name: format!("{} ({})", self.login, self.role),
                email: self.email.clone(),
                phone: None,
                role: self.role,
                partner_id: self.partner,
                status: self.status,
                password_hash: Some(hash),
                now_ms: app.app.now_ms(),
            },
        )
        .await
        .expect("insert user");
        tx.commit().await.expect("commit");
        id
    }
}

impl TestApp {
    /// Gives a channel manager a region (by code).
    pub async fn assign_region(&self, user: UserId, region_code: &str) {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        let region = regions::by_code(&mut tx, region_code).await.expect("region").expect("known region");
        access::assignments::replace(&mut tx, user, &[region], &[], self.app.now_ms()).await.expect("assign");
        tx.commit().await.expect("commit");
        self.app.callers().forget_all();
    }

    /// Sets a brand setting.
    pub async fn setting(&self, key: &str, value: &str) {
        let mut tx = self.app.db().write(&scope()).await.expect("tx");
        qudao_store::settings::set(&mut tx, key, value, self.app.now_ms(), None).await.expect("setting");
        tx.commit().await.expect("commit");
        self.app.callers().forget_all();
    }
}

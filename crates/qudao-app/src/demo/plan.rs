//! The demo partners decided in memory before anything is written: kinds, cities, tiers,
//! statuses, parents, names, credit codes, contacts, addresses and users. Pure and deterministic:
//! the same seed gives the same plan, in the same order.

use std::collections::HashSet;

use qudao_domain::access::Role;
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_store::access::users::UserStatus;

use super::data::Tables;
use super::geo::{City, credit_code};
use super::people::{self, Person};
use super::rng::Rng;
use super::timeline::creation_order;
use crate::{AppError, AppResult};

/// How many partners of each kind: distributors, sub-dealers, agents, retailers.
pub(crate) fn counts(large: bool) -> [usize; 4] {
    if large { [1_500, 625, 1_000, 1_875] } else { [60, 25, 40, 75] }
}

/// Which printed demo account a partner carries, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Showcase {
    /// A platinum distributor with sub-dealers.
    Distributor,
    /// A silver retailer on its own.
    Retailer,
}

/// A user to create for a partner; the login is the partner's code and this suffix.
#[derive(Debug, Clone)]
pub(crate) struct UserPlan {
    pub suffix: &'static str,
    pub role: Role,
    pub person: Person,
    pub email: String,
    pub status: UserStatus,
}

/// A contact person with title and e-mail.
#[derive(Debug, Clone)]
pub(crate) struct ContactPlan {
    pub person: Person,
    pub title: &'static str,
    pub email: String,
}

/// One partner, ready to write.
#[derive(Debug, Clone)]
pub(crate) struct PartnerPlan {
    pub kind: PartnerKind,
    /// Index into the city list.
    pub city: usize,
    pub tier: &'static str,
    pub status: PartnerStatus,
    /// Index of the parent distributor in the plan.
    pub parent: Option<usize>,
    pub name: String,
    pub name_en: String,
    pub short_name: String,
    pub credit_code: String,
    pub remark: Option<&'static str>,
    pub contacts: Vec<ContactPlan>,
    pub shipping: String,
    pub billing: Option<String>,
    pub users: Vec<UserPlan>,
    /// Milliseconds after the start of the partner history; strictly increasing in `order`.
    pub created_offset_ms: i64,
    pub showcase: Option<Showcase>,
}

/// The plan: partners, and the order to write them in (parents before their sub-dealers, oldest
/// first).
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub partners: Vec<PartnerPlan>,
    pub order: Vec<usize>,
}

const TIERS: [&str; 4] = ["platinum", "gold", "silver", "registered"];

/// Tier weights (platinum, gold, silver, registered) by kind: few platinum, many registered;
/// sub-dealers and retailers mostly silver or registered.
fn tier_weights(kind: PartnerKind) -> [u64; 4] {
    match kind {
        PartnerKind::Distributor => [12, 28, 32, 28],
        PartnerKind::Agent => [5, 20, 35, 40],
        PartnerKind::SubDealer => [0, 6, 36, 58],
        PartnerKind::Retailer => [2, 8, 35, 55],
    }
}

/// Status weights: active, prospect, suspended, terminated.
const STATUS_WEIGHTS: [u64; 4] = [82, 11, 6, 1];
const STATUSES: [PartnerStatus; 4] =
    [PartnerStatus::Active, PartnerStatus::Prospect, PartnerStatus::Suspended, PartnerStatus::Terminated];

const REMARKS: [&str; 8] = [
    "年度框架协议已签署",
    "季度返利按销量阶梯执行",
    "重点开发商超渠道",
    "需关注回款周期",
    "新品试销合作伙伴",
    "春节备货大户",
    "覆盖周边县级市场",
    "已完成年度资质审核",
];

/// What decides a partner before its names and people are drawn.
struct Spec {
    kind: PartnerKind,
    city: usize,
    tier: &'static str,
    status: PartnerStatus,
    parent: Option<usize>,
    showcase: Option<Showcase>,
}

/// The plan under construction, with the sets that keep names, domains and codes unique.
struct Builder<'a> {
    tables: &'a Tables,
    cities: &'a [City],
    rng: Rng,
    names: HashSet<String>,
    domains: HashSet<String>,
    credit_codes: HashSet<String>,
    partners: Vec<PartnerPlan>,
}

impl Builder<'_> {
    /// A city, weighted, among those `filter` accepts.
    fn city(&mut self, filter: impl Fn(&City) -> bool) -> usize {
        let weights: Vec<u64> = self.cities.iter().map(|c| if filter(c) { c.weight } else { 0 }).collect();
        self.rng.weighted(&weights).unwrap_or(0)
    }

    /// A spec with a weighted tier and status.
    fn spec(&mut self, kind: PartnerKind, city: usize, parent: Option<usize>) -> Spec {
        let tier = TIERS[self.rng.weighted(&tier_weights(kind)).unwrap_or(3)];
        let status = STATUSES[self.rng.weighted(&STATUS_WEIGHTS).unwrap_or(0)];
        Spec { kind, city, tier, status, parent, showcase: None }
    }

    /// A showcase partner: active, in East China (so that the printed channel manager, cm.east,
    /// sees it), of a fixed tier.
    fn showcase(&mut self, kind: PartnerKind, tier: &'static str, showcase: Showcase) -> Spec {
        let city = self.city(|c| c.top == "R-EAST");
        Spec { kind, city, tier, status: PartnerStatus::Active, parent: None, showcase: Some(showcase) }
    }

    /// Draws the partner's names, code, people and addresses and adds it to the plan.
    fn add(&mut self, spec: Spec) -> AppResult<()> {
        let (tables, rng) = (self.tables, &mut self.rng);
        let place = self.cities.get(spec.city).ok_or_else(|| AppError::Internal("demo city".into()))?;
        let company = people::company(tables, spec.kind, place, rng, &mut self.names, &mut self.domains);
        let credit_code = credit_code(place, rng, &mut self.credit_codes)?;
        let mut emails = HashSet::new();
        let contact_count = match spec.kind {
            PartnerKind::Distributor => rng.between(2, 3),
            _ => rng.between(1, 2),
        };
        let contacts: Vec<ContactPlan> = (0..contact_count as usize)
            .map(|position| {
                let person = people::person(tables, rng);
                let email = people::email(&person, &company.domain, &mut emails);
                ContactPlan { person, title: people::contact_title(spec.kind, position), email }
            })
            .collect();
        let users = users_for(tables, &spec, &contacts, &company.domain, &mut emails, rng);
        let remark = if rng.percent(12) { rng.pick(&REMARKS).copied() } else { None };
        let shipping = people::shipping_detail(spec.kind, rng);
        let billing = if rng.percent(35) { Some(people::billing_detail(rng)) } else { None };
        self.partners.push(PartnerPlan {
            kind: spec.kind,
            city: spec.city,
            tier: spec.tier,
            status: spec.status,
            parent: spec.parent,
            name: company.name,
            name_en: company.name_en,
            short_name: company.short_name,
            credit_code,
            remark,
            contacts,
            shipping,
            billing,
            users,
            created_offset_ms: 0,
            showcase: spec.showcase,
        });
        Ok(())
    }

    fn province_of(&self, partner: usize) -> &'static str {
        self.partners.get(partner).and_then(|p| self.cities.get(p.city)).map_or("", |c| c.province)
    }
}

/// Builds the plan for a data set; `seed` decides everything.
pub(crate) fn build(tables: &Tables, cities: &[City], large: bool, seed: u64) -> AppResult<Plan> {
    if cities.is_empty() {
        return Err(AppError::Internal("demo data: no cities".into()));
    }
    let mut b = Builder {
        tables,
        cities,
        rng: Rng::stream(seed, 2),
        names: HashSet::new(),
        domains: HashSet::new(),
        credit_codes: HashSet::new(),
        partners: Vec::new(),
    };
    let [distributors, sub_dealers, agents, retailers] = counts(large);

    // Distributors first; the first is the printed platinum distributor.
    let spec = b.showcase(PartnerKind::Distributor, "platinum", Showcase::Distributor);
    b.add(spec)?;
    for _ in 1..distributors {
        let city = b.city(|_| true);
        let spec = b.spec(PartnerKind::Distributor, city, None);
        b.add(spec)?;
    }
    let active_distributors: Vec<usize> =
        (0..b.partners.len()).filter(|i| b.partners[*i].status == PartnerStatus::Active).collect();
    // Sub-dealers buy through an active distributor of their own province; the printed
    // distributor (index 0) gets the first three.
    for i in 0..sub_dealers {
        let parent = if i < 3 { 0 } else { b.rng.pick(&active_distributors).copied().unwrap_or(0) };
        let province = b.province_of(parent);
        let city = b.city(|c| c.province == province);
        let spec = b.spec(PartnerKind::SubDealer, city, Some(parent));
        b.add(spec)?;
    }
    for _ in 0..agents {
        let city = b.city(|_| true);
        let spec = b.spec(PartnerKind::Agent, city, None);
        b.add(spec)?;
    }
    // Retailers; the first is the printed silver retailer, on its own. About one in ten others
    // buys through a distributor of its province.
    let spec = b.showcase(PartnerKind::Retailer, "silver", Showcase::Retailer);
    b.add(spec)?;
    for _ in 1..retailers {
        let city = b.city(|_| true);
        let province = cities[city].province;
        let parent = if b.rng.percent(10) {
            let local: Vec<usize> =
                active_distributors.iter().copied().filter(|d| b.province_of(*d) == province).collect();
            b.rng.pick(&local).copied()
        } else {
            None
        };
        let spec = b.spec(PartnerKind::Retailer, city, parent);
        b.add(spec)?;
    }
    let mut partners = b.partners;
    let order = creation_order(&mut partners, &mut b.rng);
    Ok(Plan { partners, order })
}

/// The users of a partner. Active partners get an administrator (their main contact); bigger
/// ones also sales and finance users. Suspended and terminated partners keep a suspended
/// administrator; prospects have no users yet.
fn users_for(
    tables: &Tables,
    spec: &Spec,
    contacts: &[ContactPlan],
    domain: &str,
    emails: &mut HashSet<String>,
    rng: &mut Rng,
) -> Vec<UserPlan> {
    let status = match spec.status {
        PartnerStatus::Prospect => return Vec::new(),
        PartnerStatus::Active => UserStatus::Active,
        PartnerStatus::Suspended | PartnerStatus::Terminated => UserStatus::Suspended,
    };
    let mut users = Vec::new();
    if let Some(main) = contacts.first() {
        let (person, email) = (main.person.clone(), main.email.clone());
        users.push(UserPlan { suffix: "admin", role: Role::PartnerAdmin, person, email, status });
    }
    if spec.status != PartnerStatus::Active {
        return users;
    }
    let big = matches!(spec.tier, "platinum" | "gold");
    let distributor = spec.kind == PartnerKind::Distributor;
    let mut wanted: Vec<(&'static str, Role)> = Vec::new();
    if distributor || spec.kind == PartnerKind::Agent || spec.tier != "registered" || spec.showcase.is_some() {
        wanted.push(("sales1", Role::PartnerSales));
    }
    if distributor && big {
        wanted.push(("sales2", Role::PartnerSales));
    }
    if distributor || big {
        wanted.push(("finance", Role::PartnerFinance));
    }
    for (suffix, role) in wanted {
        let person = people::person(tables, rng);
        let email = people::email(&person, domain, emails);
        users.push(UserPlan { suffix, role, person, email, status });
    }
    users
}

#[cfg(test)]
mod tests {
    use qudao_domain::partners::CreditCode;

    use super::*;
    use crate::demo::geo;
    use crate::demo::timeline::HISTORY_MS;

    fn small(seed: u64) -> (Vec<City>, Plan) {
        let tables = Tables::load().unwrap();
        let cities = geo::cities(&tables).unwrap();
        let plan = build(&tables, &cities, false, seed).unwrap();
        (cities, plan)
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
        let names = |plan: &Plan| plan.order.iter().map(|i| plan.partners[*i].name.clone()).collect::<Vec<_>>();
        let (_, a) = small(42);
        let (_, b) = small(42);
        let (_, c) = small(43);
        assert_eq!(names(&a), names(&b));
        assert_ne!(names(&a), names(&c));
    }

    #[test]
    fn parents_come_first_and_live_in_the_same_province() {
        let (cities, plan) = small(42);
        assert_eq!(plan.partners.len(), 200);
        let position: Vec<usize> = {
            let mut p = vec![0; plan.order.len()];
            for (at, index) in plan.order.iter().enumerate() {
                p[*index] = at;
            }
            p
        };
        for (index, partner) in plan.partners.iter().enumerate() {
            if let Some(parent) = partner.parent {
                let parent_plan = &plan.partners[parent];
                assert_eq!(parent_plan.kind, PartnerKind::Distributor);
                assert_eq!(parent_plan.status, PartnerStatus::Active);
                assert!(position[parent] < position[index]);
                assert_eq!(cities[parent_plan.city].province, cities[partner.city].province);
            }
            if partner.kind == PartnerKind::SubDealer {
                assert!(partner.parent.is_some());
            }
        }
        let offsets: Vec<i64> = plan.order.iter().map(|i| plan.partners[*i].created_offset_ms).collect();
        assert!(offsets.windows(2).all(|w| w[0] < w[1]));
        assert!(*offsets.last().unwrap() < HISTORY_MS);
    }

    #[test]
    fn names_and_credit_codes_are_unique_and_valid() {
        let (_, plan) = small(7);
        let names: HashSet<&str> = plan.partners.iter().map(|p| p.name.as_str()).collect();
        let codes: HashSet<&str> = plan.partners.iter().map(|p| p.credit_code.as_str()).collect();
        assert_eq!(names.len(), plan.partners.len());
        assert_eq!(codes.len(), plan.partners.len());
        for p in &plan.partners {
            assert!(CreditCode::parse("c", &p.credit_code).is_ok(), "{}", p.credit_code);
            assert!((1..=3).contains(&p.contacts.len()));
        }
    }

    #[test]
    fn the_showcase_partners_differ_in_tier_and_both_have_sales_users() {
        for seed in [1, 42, 2026] {
            let (_, plan) = small(seed);
            let first = plan.partners.iter().find(|p| p.showcase == Some(Showcase::Distributor)).unwrap();
            let second = plan.partners.iter().find(|p| p.showcase == Some(Showcase::Retailer)).unwrap();
            assert_eq!(first.tier, "platinum");
            assert!(matches!(second.tier, "silver" | "registered"));
            assert!(plan.partners.iter().filter(|p| p.parent == Some(0)).count() >= 3);
            for p in [first, second] {
                assert_eq!(p.status, PartnerStatus::Active);
                assert!(p.users.iter().any(|u| u.suffix == "sales1"));
            }
        }
    }
}

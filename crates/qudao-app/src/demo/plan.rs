//! The demo partners decided in memory before anything is written: kinds, cities, tiers,
//! statuses, parents, names, credit codes, contacts, addresses and users. Pure and deterministic:
//! the same seed gives the same plan, in the same order.

use std::collections::HashSet;

use qudao_domain::access::Role;
use qudao_domain::partners::{CreditCode, PartnerKind, PartnerStatus};
use qudao_store::access::users::UserStatus;

use super::data::Tables;
use super::geo::City;
use super::people::{self, Person};
use super::rng::Rng;
use crate::{AppError, AppResult};

/// How many partners of each kind: distributors, sub-dealers, agents, retailers.
pub(crate) fn counts(large: bool) -> [usize; 4] {
    if large {
        [1_500, 625, 1_000, 1_875]
    } else {
        [60, 25, 40, 75]
    }
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

/// The time the partner history spans: two years.
pub(crate) const HISTORY_MS: i64 = 730 * 86_400_000;

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
const STATUSES: [PartnerStatus; 4] = [
    PartnerStatus::Active,
    PartnerStatus::Prospect,
    PartnerStatus::Suspended,
    PartnerStatus::Terminated,
];

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

/// The 31 characters credit codes are made of.
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn credit_code(city: &City, rng: &mut Rng, used: &mut HashSet<String>) -> AppResult<String> {
    loop {
        let org: String = (0..9)
            .map(|_| char::from(CREDIT_ALPHABET[rng.index(CREDIT_ALPHABET.len())]))
            .collect();
        let first17 = format!("91{}{:02}{org}", city.area, rng.between(1, 18));
        let code = CreditCode::with_check_char(&first17)
            .ok_or_else(|| AppError::Internal(format!("demo credit code {first17}")))?
            .as_str()
            .to_string();
        if used.insert(code.clone()) {
            return Ok(code);
        }
    }
}

fn pick_city(cities: &[City], rng: &mut Rng, filter: impl Fn(&City) -> bool) -> usize {
    let weights: Vec<u64> = cities
        .iter()
        .map(|c| if filter(c) { c.weight } else { 0 })
        .collect();
    rng.weighted(&weights).unwrap_or(0)
}

/// Builds the plan for a data set; `seed` decides everything.
pub(crate) fn build(tables: &Tables, cities: &[City], large: bool, seed: u64) -> AppResult<Plan> {
    if cities.is_empty() {
        return Err(AppError::Internal("demo data: no cities".into()));
    }
    let mut rng = Rng::stream(seed, 2);
    let [distributors, sub_dealers, agents, retailers] = counts(large);
    let mut names = HashSet::new();
    let mut domains = HashSet::new();
    let mut credit_codes = HashSet::new();
    let mut partners: Vec<PartnerPlan> = Vec::new();
    let mut add = |kind: PartnerKind,
                   city: usize,
                   tier: &'static str,
                   status: PartnerStatus,
                   parent: Option<usize>,
                   showcase: Option<Showcase>,
                   rng: &mut Rng,
                   partners: &mut Vec<PartnerPlan>|
     -> AppResult<()> {
        let place = &cities[city];
        let company = people::company(tables, kind, place, rng, &mut names, &mut domains);
        let credit_code = credit_code(place, rng, &mut credit_codes)?;
        let mut emails = HashSet::new();
        let contact_count = match kind {
            PartnerKind::Distributor => rng.between(2, 3),
            _ => rng.between(1, 2),
        } as usize;
        let contacts: Vec<ContactPlan> = (0..contact_count)
            .map(|position| {
                let person = people::person(tables, rng);
                let email = people::email(&person, &company.domain, &mut emails);
                ContactPlan {
                    person,
                    title: people::contact_title(kind, position),
                    email,
                }
            })
            .collect();
        let users = users_for(
            tables,
            kind,
            tier,
            status,
            showcase,
            &contacts,
            &company.domain,
            &mut emails,
            rng,
        );
        partners.push(PartnerPlan {
            kind,
            city,
            tier,
            status,
            parent,
            name: company.name,
            name_en: company.name_en,
            short_name: company.short_name,
            credit_code,
            remark: if rng.percent(12) {
                rng.pick(&REMARKS).copied()
            } else {
                None
            },
            shipping: people::shipping_detail(kind, rng),
            billing: if rng.percent(35) {
                Some(people::billing_detail(rng))
            } else {
                None
            },
            contacts,
            users,
            created_offset_ms: 0,
            showcase,
        });
        Ok(())
    };
    let tier =
        |kind: PartnerKind, rng: &mut Rng| TIERS[rng.weighted(&tier_weights(kind)).unwrap_or(3)];
    let status = |rng: &mut Rng| STATUSES[rng.weighted(&STATUS_WEIGHTS).unwrap_or(0)];

    // Distributors first: the first is the printed platinum distributor, in East China so that
    // the printed channel manager (cm.east) sees it.
    for i in 0..distributors {
        if i == 0 {
            let city = pick_city(cities, &mut rng, |c| c.top == "R-EAST");
            let showcase = Some(Showcase::Distributor);
            add(
                PartnerKind::Distributor,
                city,
                "platinum",
                PartnerStatus::Active,
                None,
                showcase,
                &mut rng,
                &mut partners,
            )?;
        } else {
            let city = pick_city(cities, &mut rng, |_| true);
            let (t, s) = (tier(PartnerKind::Distributor, &mut rng), status(&mut rng));
            add(
                PartnerKind::Distributor,
                city,
                t,
                s,
                None,
                None,
                &mut rng,
                &mut partners,
            )?;
        }
    }
    let active_distributors: Vec<usize> = (0..partners.len())
        .filter(|i| partners[*i].status == PartnerStatus::Active)
        .collect();
    // Sub-dealers buy through an active distributor of their own province; the printed
    // distributor gets the first three.
    for i in 0..sub_dealers {
        let parent = if i < 3 {
            0
        } else {
            rng.pick(&active_distributors).copied().unwrap_or(0)
        };
        let province = cities[partners[parent].city].province;
        let city = pick_city(cities, &mut rng, |c| c.province == province);
        let (t, s) = (tier(PartnerKind::SubDealer, &mut rng), status(&mut rng));
        add(
            PartnerKind::SubDealer,
            city,
            t,
            s,
            Some(parent),
            None,
            &mut rng,
            &mut partners,
        )?;
    }
    for _ in 0..agents {
        let city = pick_city(cities, &mut rng, |_| true);
        let (t, s) = (tier(PartnerKind::Agent, &mut rng), status(&mut rng));
        add(
            PartnerKind::Agent,
            city,
            t,
            s,
            None,
            None,
            &mut rng,
            &mut partners,
        )?;
    }
    // Retailers; the first is the printed silver retailer, also in East China. About one in ten
    // others buys through a distributor of its province.
    for i in 0..retailers {
        if i == 0 {
            let city = pick_city(cities, &mut rng, |c| c.top == "R-EAST");
            let showcase = Some(Showcase::Retailer);
            add(
                PartnerKind::Retailer,
                city,
                "silver",
                PartnerStatus::Active,
                None,
                showcase,
                &mut rng,
                &mut partners,
            )?;
            continue;
        }
        let city = pick_city(cities, &mut rng, |_| true);
        let province = cities[city].province;
        let parent = if rng.percent(10) {
            let local: Vec<usize> = active_distributors
                .iter()
                .copied()
                .filter(|d| cities[partners[*d].city].province == province)
                .collect();
            rng.pick(&local).copied()
        } else {
            None
        };
        let (t, s) = (tier(PartnerKind::Retailer, &mut rng), status(&mut rng));
        add(
            PartnerKind::Retailer,
            city,
            t,
            s,
            parent,
            None,
            &mut rng,
            &mut partners,
        )?;
    }
    let order = creation_order(&mut partners, &mut rng);
    Ok(Plan { partners, order })
}

/// The users of a partner. Active partners get an administrator (their main contact); bigger
/// ones also sales and finance users. Suspended and terminated partners keep a suspended
/// administrator; prospects have no users yet.
#[expect(
    clippy::too_many_arguments,
    reason = "one private helper of the plan builder"
)]
fn users_for(
    tables: &Tables,
    kind: PartnerKind,
    tier: &str,
    status: PartnerStatus,
    showcase: Option<Showcase>,
    contacts: &[ContactPlan],
    domain: &str,
    emails: &mut HashSet<String>,
    rng: &mut Rng,
) -> Vec<UserPlan> {
    let user_status = match status {
        PartnerStatus::Prospect => return Vec::new(),
        PartnerStatus::Active => UserStatus::Active,
        PartnerStatus::Suspended | PartnerStatus::Terminated => UserStatus::Suspended,
    };
    let mut users = Vec::new();
    if let Some(main) = contacts.first() {
        users.push(UserPlan {
            suffix: "admin",
            role: Role::PartnerAdmin,
            person: main.person.clone(),
            email: main.email.clone(),
            status: user_status,
        });
    }
    if status != PartnerStatus::Active {
        return users;
    }
    let big = matches!(tier, "platinum" | "gold");
    let distributor = kind == PartnerKind::Distributor;
    let mut wanted: Vec<(&'static str, Role)> = Vec::new();
    if distributor || kind == PartnerKind::Agent || tier != "registered" || showcase.is_some() {
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
        users.push(UserPlan {
            suffix,
            role,
            person,
            email,
            status: user_status,
        });
    }
    users
}

/// Decides when each partner joined: distributors, agents and most retailers at any time in the
/// two years, a sub-dealer after its parent, prospects mostly in the last months. Returns the
/// write order (oldest first) and sets every partner's creation offset, strictly increasing.
fn creation_order(partners: &mut [PartnerPlan], rng: &mut Rng) -> Vec<usize> {
    const SPAN: u64 = 1 << 40;
    let mut keys = vec![0u64; partners.len()];
    for index in 0..partners.len() {
        let mut key = if partners[index].status == PartnerStatus::Prospect {
            SPAN - 1 - rng.below(SPAN / 8)
        } else {
            rng.below(SPAN)
        };
        // Parents precede their children in the plan, so their keys are already known.
        if let Some(parent) = partners[index].parent {
            let after = keys[parent] + 1;
            key = key.max(after + rng.below(SPAN.saturating_sub(after).max(1)));
        }
        keys[index] = key;
    }
    let mut order: Vec<usize> = (0..partners.len()).collect();
    order.sort_by_key(|i| (keys[*i], *i));
    let step = (HISTORY_MS / (partners.len().max(1) as i64)).max(2);
    for (position, index) in (0_i64..).zip(&order) {
        let jitter = rng.below((step / 2) as u64) as i64;
        partners[*index].created_offset_ms = position * step + jitter;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::geo;

    fn small(seed: u64) -> (Vec<City>, Plan) {
        let tables = Tables::load().unwrap();
        let cities = geo::cities(&tables).unwrap();
        let plan = build(&tables, &cities, false, seed).unwrap();
        (cities, plan)
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
        let names = |plan: &Plan| {
            plan.order
                .iter()
                .map(|i| plan.partners[*i].name.clone())
                .collect::<Vec<_>>()
        };
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
                assert_eq!(
                    cities[parent_plan.city].province,
                    cities[partner.city].province
                );
            }
            assert_eq!(
                partner.kind == PartnerKind::SubDealer,
                partner.kind == PartnerKind::SubDealer && partner.parent.is_some()
            );
        }
        let offsets: Vec<i64> = plan
            .order
            .iter()
            .map(|i| plan.partners[*i].created_offset_ms)
            .collect();
        assert!(offsets.windows(2).all(|w| w[0] < w[1]));
        assert!(*offsets.last().unwrap() < HISTORY_MS);
    }

    #[test]
    fn names_and_credit_codes_are_unique_and_valid() {
        let (_, plan) = small(7);
        let names: HashSet<&str> = plan.partners.iter().map(|p| p.name.as_str()).collect();
        let codes: HashSet<&str> = plan
            .partners
            .iter()
            .map(|p| p.credit_code.as_str())
            .collect();
        assert_eq!(names.len(), plan.partners.len());
        assert_eq!(codes.len(), plan.partners.len());
        for p in &plan.partners {
            assert!(
                CreditCode::parse("c", &p.credit_code).is_ok(),
                "{}",
                p.credit_code
            );
            assert!((1..=3).contains(&p.contacts.len()));
        }
    }

    #[test]
    fn the_showcase_partners_differ_in_tier_and_both_have_sales_users() {
        for seed in [1, 42, 2026] {
            let (_, plan) = small(seed);
            let first = plan
                .partners
                .iter()
                .find(|p| p.showcase == Some(Showcase::Distributor))
                .unwrap();
            let second = plan
                .partners
                .iter()
                .find(|p| p.showcase == Some(Showcase::Retailer))
                .unwrap();
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

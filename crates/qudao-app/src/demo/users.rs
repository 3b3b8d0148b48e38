//! The demo's passwords and the brand's own users: an administrator, a channel manager per 大区,
//! finance, marketing, warehouse and an executive.
//!
//! Hashing is Argon2id and deliberately slow (~50 ms), so the demo hashes each printed account's
//! password once and one shared password once, and stores that same PHC string for every other
//! user. Thousands of users with one hash would be wrong for real accounts; for demo data, where
//! the password is printed in the README anyway, it saves minutes.

use std::collections::{HashMap, HashSet};

use qudao_domain::access::Role;
use qudao_domain::ids::UserId;
use qudao_store::Tx;
use qudao_store::access::assignments;
use qudao_store::access::users::{self, NewUser, UserStatus};
use qudao_store::partners::regions::Region;

use super::data::Tables;
use super::people;
use super::rng::Rng;
use super::{DemoAccount, Progress, SHARED_PASSWORD};
use crate::AppResult;
use crate::access::hash_password;

/// The printed accounts, in the order `seed` returns them, with their passwords. The logins of
/// the partner accounts depend on the partner codes, so only the brand logins are listed here.
pub(crate) const ADMIN: (&str, &str) = ("admin", "Harbour-Lights-2026");
/// The channel manager of East China.
pub(crate) const CHANNEL_MANAGER: (&str, &str) = ("cm.east", "Jade-River-Ferry-2026");
/// Brand finance.
pub(crate) const FINANCE: (&str, &str) = ("finance", "Abacus-Lantern-2026");
/// The platinum distributor's administrator and sales rep.
pub(crate) const DISTRIBUTOR_PASSWORDS: [&str; 2] = ["Plum-Blossom-Gate-2026", "Silk-Road-Caravan-2026"];
/// The silver retailer's administrator and sales rep.
pub(crate) const RETAILER_PASSWORDS: [&str; 2] = ["Bamboo-Tea-House-2026", "Night-Market-Noodle-2026"];

/// The domain of the brand's own (made-up) e-mail addresses.
const BRAND_DOMAIN: &str = "lanxi-foods.cn";

/// Password hashes by password, each computed once.
pub(crate) struct Hashes(HashMap<&'static str, String>);

impl Hashes {
    /// Hashes the shared password and every printed one.
    pub(crate) async fn compute(progress: &dyn Progress) -> AppResult<Hashes> {
        let mut all = vec![SHARED_PASSWORD, ADMIN.1, CHANNEL_MANAGER.1, FINANCE.1];
        all.extend(DISTRIBUTOR_PASSWORDS);
        all.extend(RETAILER_PASSWORDS);
        progress.stage("passwords", all.len() as u64);
        let mut map = HashMap::new();
        for password in all {
            map.insert(password, hash_password(password).await?);
            progress.advance(1);
        }
        Ok(Hashes(map))
    }

    /// The hash of one of the demo passwords.
    pub(crate) fn of(&self, password: &str) -> AppResult<String> {
        self.0.get(password).cloned().ok_or_else(|| crate::AppError::Internal("demo password was not hashed".into()))
    }
}

/// A brand user to create.
struct BrandUser {
    login: String,
    role: Role,
    password: &'static str,
    region: Option<Region>,
}

/// Writes the brand's users (channel managers assigned to their 大区) and returns the printed
/// brand accounts: admin, cm.east, finance.
pub(crate) async fn write_brand(
    tx: &mut Tx,
    tables: &Tables,
    tops: &[Region],
    hashes: &Hashes,
    seed: u64,
    created_ms: i64,
) -> AppResult<Vec<DemoAccount>> {
    let mut rng = Rng::stream(seed, 3);
    let mut wanted = vec![BrandUser { login: ADMIN.0.into(), role: Role::BrandAdmin, password: ADMIN.1, region: None }];
    for region in tops {
        let login = format!("cm.{}", region.code.trim_start_matches("R-").to_lowercase());
        let password = if login == CHANNEL_MANAGER.0 { CHANNEL_MANAGER.1 } else { SHARED_PASSWORD };
        wanted.push(BrandUser { login, role: Role::ChannelManager, password, region: Some(region.clone()) });
    }
    wanted.push(BrandUser { login: FINANCE.0.into(), role: Role::Finance, password: FINANCE.1, region: None });
    for (login, role) in
        [("marketing", Role::Marketing), ("warehouse", Role::Warehouse), ("executive", Role::Executive)]
    {
        wanted.push(BrandUser { login: login.into(), role, password: SHARED_PASSWORD, region: None });
    }
    let mut emails = HashSet::new();
    let mut printed = Vec::new();
    for user in wanted {
        let person = people::person(tables, &mut rng);
        let id = UserId::new();
        users::insert(
            tx,
            &NewUser {
                id,
                login: user.login.clone(),
                display_name: person.name.clone(),
                email: Some(people::email(&person, BRAND_DOMAIN, &mut emails)),
                phone: Some(person.phone.clone()),
                role: user.role,
                partner_id: None,
                status: UserStatus::Active,
                password_hash: Some(hashes.of(user.password)?),
                now_ms: created_ms,
            },
        )
        .await?;
        if let Some(region) = &user.region {
            assignments::replace(tx, id, std::slice::from_ref(region), &[], created_ms).await?;
        }
        if user.password != SHARED_PASSWORD {
            printed.push(DemoAccount {
                role: user.role,
                login: user.login,
                password: user.password.to_string(),
                partner_name: None,
            });
        }
    }
    Ok(printed)
}

#[cfg(test)]
mod tests {
    use qudao_domain::access::check_password;

    use super::*;

    #[test]
    fn every_demo_password_passes_the_policy_for_its_logins() {
        for (login, password) in [ADMIN, CHANNEL_MANAGER, FINANCE] {
            assert_eq!(check_password(password, login), Ok(()), "{login}");
        }
        for password in DISTRIBUTOR_PASSWORDS.into_iter().chain(RETAILER_PASSWORDS) {
            for login in ["p000001.admin", "p000123.sales1"] {
                assert_eq!(check_password(password, login), Ok(()), "{password}");
            }
        }
        for login in ["cm.north", "marketing", "warehouse", "executive", "p004321.finance", "p000002.sales2"] {
            assert_eq!(check_password(SHARED_PASSWORD, login), Ok(()), "{login}");
        }
    }
}

//! Writes the planned partners in creation order, each with its contacts, addresses and users,
//! a few dozen partners per transaction.

use std::collections::HashMap;

use qudao_domain::access::Role;
use qudao_domain::ids::{PartnerId, TierId, UserId};
use qudao_domain::partners::{AddressDraft, ContactDraft};
use qudao_domain::{docnum, text};
use qudao_store::access::users::{self, NewUser};
use qudao_store::partners::regions::Region;
use qudao_store::partners::{self, NewPartner, contacts};
use qudao_store::{Db, Tx, counters};

use super::geo::City;
use super::plan::{PartnerPlan, Plan, Showcase};
use super::users::{DISTRIBUTOR_PASSWORDS, Hashes, RETAILER_PASSWORDS};
use super::{DemoAccount, Progress, SHARED_PASSWORD, scope};
use crate::{AppError, AppResult};

/// Partners per transaction: each brings some eight rows (contacts, addresses, users).
const BATCH_PARTNERS: usize = 40;

/// What writing a partner needs besides its plan.
pub(crate) struct Context<'a> {
    pub cities: &'a [City],
    pub regions: &'a HashMap<String, Region>,
    pub tiers: &'a HashMap<&'static str, TierId>,
    pub hashes: &'a Hashes,
    /// When the partner history starts; plans hold offsets from here.
    pub history_start_ms: i64,
    /// Now: nothing is dated later.
    pub now_ms: i64,
}

fn invalid(what: &str, error: impl std::fmt::Debug) -> AppError {
    AppError::Internal(format!("demo {what} refused: {error:?}"))
}

/// The printed password of a showcase partner's user, if it is one.
fn printed_password(showcase: Option<Showcase>, suffix: &str) -> Option<&'static str> {
    let passwords = match showcase? {
        Showcase::Distributor => DISTRIBUTOR_PASSWORDS,
        Showcase::Retailer => RETAILER_PASSWORDS,
    };
    match suffix {
        "admin" => Some(passwords[0]),
        "sales1" => Some(passwords[1]),
        _ => None,
    }
}

/// A written partner as the ordering history needs it.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub id: PartnerId,
    pub code: String,
    pub tier_id: TierId,
    /// Its city's region path (`/R-EAST/CN-JS/CN-JS-NJ/`).
    pub region_path: String,
    pub created_ms: i64,
    /// The user who places its orders: the first sales user, else the administrator.
    pub buyer: Option<UserId>,
}

/// Writes one partner; returns what was written and the printed accounts it carries.
async fn write_one(
    tx: &mut Tx,
    ctx: &Context<'_>,
    plan: &PartnerPlan,
    parent: Option<PartnerId>,
) -> AppResult<(Written, Vec<DemoAccount>)> {
    let city = ctx.cities.get(plan.city).ok_or_else(|| invalid("city", plan.city))?;
    let region = ctx.regions.get(city.code).ok_or_else(|| invalid("region", city.code))?;
    let tier_id = *ctx.tiers.get(plan.tier).ok_or_else(|| invalid("tier", plan.tier))?;
    let created_ms = (ctx.history_start_ms + plan.created_offset_ms).min(ctx.now_ms);
    let code = docnum::format_code("P", counters::next(tx, "partner").await?);
    let id = PartnerId::new();
    let search_key = text::search_key(&[&plan.name, &plan.name_en, &plan.short_name, &code, &plan.credit_code]);
    partners::insert(
        tx,
        &NewPartner {
            id,
            code: code.clone(),
            name: plan.name.clone(),
            name_en: Some(plan.name_en.clone()),
            short_name: Some(plan.short_name.clone()),
            kind: plan.kind,
            tier_id,
            region_id: region.id,
            region_path: region.path.clone(),
            parent_id: parent,
            credit_code: Some(plan.credit_code.clone()),
            status: plan.status,
            remark: plan.remark.map(str::to_string),
            search_key,
            now_ms: created_ms,
        },
    )
    .await?;
    qudao_store::accounts::ensure_partner_accounts(tx, id, qudao_domain::money::Currency::CNY.code(), created_ms)
        .await?;
    for (position, c) in plan.contacts.iter().enumerate() {
        let draft =
            ContactDraft::parse(&c.person.name, Some(c.title), Some(&c.person.phone), Some(&c.email), position == 0)
                .map_err(|e| invalid("contact", e))?;
        contacts::add_contact(tx, id, &draft, created_ms).await?;
    }
    let main = plan.contacts.first().map(|c| &c.person);
    let recipient = main.map(|p| p.name.as_str());
    let phone = main.map(|p| p.phone.as_str());
    let mut addresses = vec![("shipping", plan.shipping.as_str())];
    if let Some(billing) = &plan.billing {
        addresses.push(("billing", billing.as_str()));
    }
    for (kind, detail) in addresses {
        let draft =
            AddressDraft::parse(kind, city.code, detail, recipient, phone, true).map_err(|e| invalid("address", e))?;
        contacts::add_address(tx, id, &draft, region.id, created_ms).await?;
    }
    let login_stem = code.replace('-', "").to_lowercase();
    let mut printed = Vec::new();
    let mut buyer = None;
    for user in &plan.users {
        let login = format!("{login_stem}.{}", user.suffix);
        let password = printed_password(plan.showcase, user.suffix);
        let user_id = UserId::new();
        if buyer.is_none() || user.suffix == "sales1" {
            buyer = Some(user_id);
        }
        users::insert(
            tx,
            &NewUser {
                id: user_id,
                login: login.clone(),
                display_name: user.person.name.clone(),
                email: Some(user.email.clone()),
                phone: Some(user.person.phone.clone()),
                role: user.role,
                partner_id: Some(id),
                status: user.status,
                password_hash: Some(ctx.hashes.of(password.unwrap_or(SHARED_PASSWORD))?),
                now_ms: created_ms,
            },
        )
        .await?;
        if let Some(password) = password {
            printed.push(DemoAccount {
                role: user.role,
                login,
                password: password.to_string(),
                partner_name: Some(plan.name.clone()),
            });
        }
    }
    let written = Written { id, code, tier_id, region_path: region.path.clone(), created_ms, buyer };
    Ok((written, printed))
}

/// Writes every planned partner; returns them by plan index, and the printed partner accounts:
/// the distributor's administrator and sales rep, then the retailer's.
pub(crate) async fn write(
    db: &Db,
    ctx: &Context<'_>,
    plan: &Plan,
    progress: &dyn Progress,
) -> AppResult<(Vec<Written>, Vec<DemoAccount>)> {
    progress.stage("partners", plan.partners.len() as u64);
    let mut ids: Vec<Option<PartnerId>> = vec![None; plan.partners.len()];
    let mut written: Vec<Option<Written>> = vec![None; plan.partners.len()];
    let mut distributor = Vec::new();
    let mut retailer = Vec::new();
    for batch in plan.order.chunks(BATCH_PARTNERS) {
        let mut tx = db.write(&scope()).await?;
        for index in batch {
            let partner = plan.partners.get(*index).ok_or_else(|| invalid("plan index", index))?;
            let parent = match partner.parent {
                None => None,
                Some(p) => Some(ids.get(p).copied().flatten().ok_or_else(|| invalid("parent order", p))?),
            };
            let (one, printed) = write_one(&mut tx, ctx, partner, parent).await?;
            ids[*index] = Some(one.id);
            written[*index] = Some(one);
            match partner.showcase {
                Some(Showcase::Distributor) => distributor = printed,
                Some(Showcase::Retailer) => retailer = printed,
                None => {}
            }
        }
        tx.commit().await?;
        progress.advance(batch.len() as u64);
    }
    // Administrator before sales rep, whatever order the users were planned in.
    for accounts in [&mut distributor, &mut retailer] {
        accounts.sort_by_key(|a| a.role != Role::PartnerAdmin);
    }
    distributor.extend(retailer);
    let written = written.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| invalid("plan order", "a partner"))?;
    Ok((written, distributor))
}

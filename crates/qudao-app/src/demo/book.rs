//! The ordering part of the demo data, in order: credit lines by tier, then two years of days —
//! monthly prepayments, quarterly rebates and each day's orders — then the stock that all of it
//! leaves and the document counters.

use std::collections::HashMap;

use qudao_domain::accounts::AccountKind;
use qudao_domain::ids::{AccountId, PartnerId};
use qudao_domain::partners::PartnerStatus;
use qudao_store::Db;
use qudao_store::accounts;
use qudao_store::partners::contacts;
use qudao_store::stock::Warehouse;

use super::calendar::{add_days, date_of, midnight_ms};
use super::goods::Goods;
use super::history::{self, Volume};
use super::orders::{Context, Summary, Writer};
use super::partners::Written;
use super::plan::Plan;
use super::prices::Pricing;
use super::rng::Rng;
use super::timeline::DAY_MS;
use super::{Progress, scope, warehouses};
use crate::AppResult;

/// What the history is written from.
pub(crate) struct Inputs<'a> {
    pub plan: &'a Plan,
    pub written: &'a [Written],
    pub goods: &'a Goods,
    pub pricing: &'a Pricing,
    pub warehouses: &'a [Warehouse],
    pub start_ms: i64,
    pub now_ms: i64,
    pub seed: u64,
    pub volume: Volume,
}

/// Credit line by tier, fen: what a month of the tier's orders needs, with room to spare.
fn credit_line(tier: &str) -> i64 {
    match tier {
        "platinum" => 30_000_000,
        "gold" => 15_000_000,
        "silver" => 6_000_000,
        _ => 2_000_000,
    }
}

/// Quarterly rebate by tier, per mille of the quarter's purchases.
fn rebate_rate(tier: &str) -> i64 {
    match tier {
        "platinum" => 20,
        "gold" => 15,
        "silver" => 10,
        _ => 0,
    }
}

/// Sets the credit lines of active partners; returns every partner's account ids and default
/// shipping address.
async fn accounts_and_addresses(
    db: &Db,
    input: &Inputs<'_>,
    progress: &dyn Progress,
) -> AppResult<(HashMap<(PartnerId, AccountKind), AccountId>, Vec<Option<String>>)> {
    progress.stage("accounts", input.written.len() as u64);
    let mut ids = HashMap::new();
    let mut addresses = Vec::with_capacity(input.written.len());
    for (plans, written) in input.plan.partners.chunks(200).zip(input.written.chunks(200)) {
        let mut tx = db.write(&scope()).await?;
        for (p, w) in plans.iter().zip(written) {
            if p.status == PartnerStatus::Active {
                accounts::set_credit_line(&mut tx, w.id, "CNY", credit_line(p.tier)).await?;
            }
            let found = contacts::addresses_of(&mut tx, w.id).await?;
            let shipping = found
                .iter()
                .filter(|a| a.kind == qudao_domain::partners::AddressKind::Shipping)
                .max_by_key(|a| a.is_default);
            addresses.push(shipping.and_then(|a| serde_json::to_string(a).ok()));
        }
        let partners: Vec<PartnerId> = written.iter().map(|w| w.id).collect();
        for held in accounts::hold(&mut tx, &partners).await? {
            ids.insert((held.partner_id, held.kind), held.id);
        }
        tx.commit().await?;
        progress.advance(written.len() as u64);
    }
    Ok((ids, addresses))
}

/// Writes the history; returns what it wrote.
pub(crate) async fn write_history(db: &Db, input: &Inputs<'_>, progress: &dyn Progress) -> AppResult<Summary> {
    let (accounts, addresses) = accounts_and_addresses(db, input, progress).await?;
    let created: Vec<i64> = input.written.iter().map(|w| w.created_ms).collect();
    let (choices, favourites) = input.goods.choices(&mut Rng::stream(input.seed, 14));
    let habits = history::habits(
        &input.plan.partners,
        &created,
        &choices,
        &favourites,
        input.now_ms,
        input.volume,
        &mut Rng::stream(input.seed, 12),
    );
    let serving: Vec<usize> = input.written.iter().map(|w| warehouses::serving(&w.region_path)).collect();
    let context = Context {
        goods: input.goods,
        pricing: input.pricing,
        written: input.written,
        habits: &habits,
        warehouses: input.warehouses,
        serving: &serving,
        addresses: &addresses,
        accounts: &accounts,
        now_ms: input.now_ms,
    };
    let mut writer = Writer::new(context, Rng::stream(input.seed, 11));
    let tiers: Vec<&str> = habits.iter().map(|h| input.plan.partners[h.partner].tier).collect();
    let actives: Vec<bool> =
        habits.iter().map(|h| input.plan.partners[h.partner].status == PartnerStatus::Active).collect();
    for (h, balances) in writer.balances.iter_mut().enumerate() {
        balances.credit_line = if actives[h] { credit_line(tiers[h]) } else { 0 };
    }
    warehouses::opening(&mut writer, input.goods, input.warehouses.len(), input.start_ms - DAY_MS);

    let first = date_of(input.start_ms);
    let days = (input.now_ms - input.start_ms) / DAY_MS + 1;
    progress.stage("orders", days as u64);
    let mut rng = Rng::stream(input.seed, 10);
    for day in 0..days {
        let date = add_days(first, day);
        let day_ms = midnight_ms(date);
        if day_ms > input.now_ms {
            break;
        }
        let active = |h: &history::Habit| h.started_by(day_ms) && h.until_ms.is_none_or(|u| u >= day_ms);
        if date % 100 == 1 {
            for (h, habit) in habits.iter().enumerate() {
                let balances = &mut writer.balances[h];
                balances.prepaid_last_month = std::mem::take(&mut balances.prepaid_this_month);
                if habit.prepays && active(habit) {
                    let entry = writer.balances[h].top_up(h, day_ms + 9 * 3_600_000);
                    writer.post(Some(entry));
                }
            }
        }
        if date % 100 == 10 && matches!(date / 100 % 100, 1 | 4 | 7 | 10) {
            let (year, month) = (date / 10_000, date / 100 % 100);
            let quarter = if month == 1 { format!("{}Q4", year - 1) } else { format!("{year}Q{}", (month - 1) / 3) };
            for (h, habit) in habits.iter().enumerate() {
                let rate = rebate_rate(tiers[h]);
                if rate > 0 && active(habit) {
                    let entry = writer.balances[h].grant_rebate(h, rate, &quarter, day_ms + 10 * 3_600_000);
                    writer.post(entry);
                } else {
                    writer.balances[h].quarter_purchases = 0;
                }
            }
        }
        for basket in history::baskets_on(&habits, &choices, day_ms, input.now_ms, &mut rng) {
            writer.place(db, &basket).await?;
        }
        progress.advance(1);
    }
    writer.flush(db).await?;
    warehouses::finish(
        db,
        &mut writer,
        input.goods,
        input.warehouses,
        &favourites,
        &mut Rng::stream(input.seed, 13),
        input.now_ms,
    )
    .await?;
    writer.write_counters(db).await?;
    Ok(writer.done.clone())
}

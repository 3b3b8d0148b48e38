//! `qudao bench finance`: the aging report across thousands of partners and the statement of a
//! partner with thousands of movements.
//!
//! It seeds a fresh database straight through the store (partners with credit lines; six credit
//! orders each over the last 150 days with their journal entries; receipts through the use case
//! for every other partner, so allocations are real), and gives one partner `movements` journal
//! movements over the last 300 days — credit orders and prepayments, half each. Then it times,
//! as a brand finance user would ask: the aging report, the statement issued for that partner's
//! period, the same statement read again, and its XLSX.

use std::io::Write;
use std::time::Instant;

use anyhow::bail;
use qudao_app::clock::china_date;
use qudao_app::demo::Progress;
use qudao_app::{App, AppConfig, Ctx};
use qudao_domain::access::Role;
use qudao_domain::accounts::{AccountKind, Template, postings};
use qudao_domain::dates::format_date;
use qudao_domain::ids::{AccountId, EntryId, OrderId, PartnerId, UserId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::orders::PaymentSplit;
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_store::Scope;
use qudao_store::access::users::{NewUser, UserStatus};
use qudao_store::accounts::{self, NewEntry, NewPosting};
use qudao_store::orders::NewOrder;
use qudao_store::partners::regions::{self, NewRegion};
use qudao_store::partners::{self, NewPartner, tiers};

use super::{SplitMix, now_ms};

const DAY: i64 = 86_400_000;
const PASSWORD: &str = "bench-finance-1";
/// Credit orders per partner for the aging report.
const ORDERS_EACH: usize = 6;

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// A fresh database, or a temporary SQLite file.
    pub database_url: Option<String>,
    /// Partners for the aging report.
    pub partners: usize,
    /// Movements of the one partner's statement.
    pub movements: usize,
}

/// Seeds, measures and prints; the last line is
/// `aging_ms=N statement_ms=N statement_read_ms=N statement_xlsx_ms=N partners=N movements=N`.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let partners = options.partners.max(1);
    let movements = options.movements.max(2);
    let app = super::fresh_app("finance", options.database_url.as_deref(), 8, AppConfig::default()).await?;
    let dialect = app.db().dialect();
    let bar = crate::progress::Bar::new();
    writeln!(
        std::io::stdout().lock(),
        "finance: seeding {partners} partners and a statement of {movements} movements on {dialect:?}"
    )?;
    let ids = seed_partners(&app, partners, &bar).await?;
    let ctx = finance_ctx(&app).await?;
    seed_orders(&app, &ids, movements, &bar).await?;
    seed_receipts(&app, &ctx, &ids, &bar).await?;
    app.db().analyze().await?;
    bar.finish();

    let mut aging = Vec::new();
    let mut lines = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let report = qudao_app::finance::aging_report(&app, &ctx).await?;
        aging.push(started.elapsed().as_secs_f64() * 1000.0);
        lines = report.partners.len();
    }
    let today = china_date(now_ms());
    let period = qudao_app::finance::StatementInput {
        period_from: format_date(china_date(now_ms() - 301 * DAY)),
        period_to: format_date(china_date(now_ms() - DAY)),
    };
    let started = Instant::now();
    let issued = qudao_app::finance::issue_statement(&app, &ctx, ids[0], &period, None).await?;
    let issue_ms = started.elapsed().as_secs_f64() * 1000.0;
    if issued.lines.len() < movements {
        bail!("the statement has {} lines, fewer than the {movements} movements seeded", issued.lines.len());
    }
    let mut reads = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let again = qudao_app::finance::get_statement(&app, &ctx, issued.statement.id).await?;
        reads.push(started.elapsed().as_secs_f64() * 1000.0);
        if again.lines.len() != issued.lines.len() {
            bail!("the statement read again has other lines");
        }
    }
    let started = Instant::now();
    let (_, xlsx) = qudao_app::finance::statement_xlsx(&app, &ctx, issued.statement.id, true).await?;
    let xlsx_ms = started.elapsed().as_secs_f64() * 1000.0;
    let trial = qudao_app::finance::trial_balance(&app, &ctx, None).await?;
    if trial.difference != 0 || trial.accounts_out_of_step != 0 {
        bail!("the trial balance is off: {} / {}", trial.difference, trial.accounts_out_of_step);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "finance: aging over {lines} owing partners, runs {:?} ms; statement of {} lines ({} – {}, issued {today}), \
         opening {} closing {} fen; xlsx {} bytes",
        aging.iter().map(|ms| ms.round() as i64).collect::<Vec<_>>(),
        issued.lines.len(),
        period.period_from,
        period.period_to,
        issued.statement.totals.opening,
        issued.statement.totals.closing,
        xlsx.len(),
    )?;
    writeln!(
        out,
        "aging_ms={:.0} statement_ms={issue_ms:.0} statement_read_ms={:.0} statement_xlsx_ms={xlsx_ms:.0} \
         partners={partners} movements={}",
        median(&mut aging),
        median(&mut reads),
        issued.lines.len()
    )?;
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn scope() -> Scope {
    Scope::system("the finance benchmark seeds its own fresh database")
}

/// Partners with accounts and generous credit lines, in one transaction per thousand.
async fn seed_partners(app: &App, count: usize, bar: &crate::progress::Bar) -> anyhow::Result<Vec<PartnerId>> {
    let now = now_ms();
    let mut tx = app.db().write(&scope()).await?;
    if !partners::list(&mut tx, &Default::default(), &qudao_store::page::PageRequest::first(1)).await?.items.is_empty()
    {
        bail!("the database is not fresh: it already has partners");
    }
    let region = regions::insert(
        &mut tx,
        &NewRegion { code: "R-FIN", parent: None, name_zh: "财务大区", name_en: "Finance region", sort: 0 },
    )
    .await?;
    let tier = tiers::insert(&mut tx, "gold", "黄金", "Gold", 30).await?;
    bar.stage("partners", count as u64);
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let id = PartnerId::new();
        let code = format!("P-{:06}", n + 1);
        let partner = NewPartner {
            id,
            code: code.clone(),
            name: format!("账龄经销商{n:05}"),
            name_en: None,
            short_name: None,
            kind: PartnerKind::Distributor,
            tier_id: tier.id,
            region_id: region.id,
            region_path: region.path.clone(),
            parent_id: None,
            credit_code: None,
            status: PartnerStatus::Active,
            remark: None,
            search_key: code.to_lowercase(),
            now_ms: now,
        };
        partners::insert(&mut tx, &partner).await?;
        accounts::ensure_partner_accounts(&mut tx, id, "CNY", now).await?;
        accounts::set_credit_line(&mut tx, id, "CNY", 1_000_000_000_000).await?;
        ids.push(id);
        bar.advance(1);
        if n % 1_000 == 999 {
            tx.commit().await?;
            tx = app.db().write(&scope()).await?;
        }
    }
    tx.commit().await?;
    Ok(ids)
}

/// A brand finance user and its use-case context.
async fn finance_ctx(app: &App) -> anyhow::Result<Ctx> {
    let hash = qudao_app::access::hash_password(PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = app.db().write(&scope()).await?;
    let user = NewUser {
        id: UserId::new(),
        login: "bench.finance".into(),
        display_name: "Bench finance".into(),
        email: None,
        phone: None,
        role: Role::Finance,
        partner_id: None,
        status: UserStatus::Active,
        password_hash: Some(hash),
        now_ms: now_ms(),
    };
    qudao_store::access::users::insert(&mut tx, &user).await?;
    tx.commit().await?;
    super::signed_in(app, "bench.finance", PASSWORD).await
}

/// One credit order (no lines: the ledger and the aging read only the head) and its entry.
fn credit_order<'a>(
    partner: PartnerId,
    receivable: AccountId,
    number: String,
    total: i64,
    at_ms: i64,
) -> anyhow::Result<(NewOrder, (EntryId, NewEntry<'a>))> {
    let id = OrderId::new();
    let order = NewOrder {
        id,
        number,
        partner_id: partner,
        status: "approved",
        payment: "credit",
        payment_status: "paid",
        currency: "CNY".into(),
        gross: total,
        discount: 0,
        total,
        split: PaymentSplit { credit: total, prepaid: 0, rebate: 0, transfer: 0 },
        address_json: None,
        requested_date: None,
        remark: None,
        review_reason: None,
        pricing_date: i64::from(china_date(at_ms)),
        placed_by: None,
        placed_ms: at_ms,
        approved_ms: Some(at_ms),
        lines: Vec::new(),
        reservations: Vec::new(),
        promotion_usage: Vec::new(),
    };
    let entry = NewEntry {
        partner: Some(partner),
        template: "order_payment",
        reference: Some(("order", id.to_string())),
        memo: None,
        created_by: None,
        at_ms,
        postings: ledger(receivable, Template::PayOnCredit, total)?,
    };
    Ok((order, (EntryId::new(), entry)))
}

/// The postings of `template` with the partner's account resolved.
fn ledger(account: AccountId, template: Template, amount: i64) -> anyhow::Result<Vec<NewPosting>> {
    let sales: AccountId = accounts::BRAND_SALES_CNY.parse().map_err(|_| anyhow::anyhow!("sales account"))?;
    let cash: AccountId = accounts::BRAND_CASH_CNY.parse().map_err(|_| anyhow::anyhow!("cash account"))?;
    postings(template, Money::new(amount, Currency::CNY), false)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .map(|p| {
            let account = match p.account {
                AccountKind::Sales => sales,
                AccountKind::Cash => cash,
                _ => account,
            };
            Ok(NewPosting { account, amount: p.amount })
        })
        .collect()
}

/// Six credit orders per partner over the last 150 days, and the statement partner's movements
/// over the last 300: credit orders and prepayments in turn.
async fn seed_orders(app: &App, ids: &[PartnerId], movements: usize, bar: &crate::progress::Bar) -> anyhow::Result<()> {
    let now = now_ms();
    let mut rng = SplitMix(7);
    let mut receivables = Vec::with_capacity(ids.len());
    let mut tx = app.db().read(&scope()).await?;
    for id in ids {
        let account = accounts::partner_account(&mut tx, *id, AccountKind::Receivable, "CNY").await?;
        receivables.push(account.ok_or_else(|| anyhow::anyhow!("no receivable account"))?);
    }
    let prepaid = accounts::partner_account(&mut tx, ids[0], AccountKind::Prepaid, "CNY")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no prepaid account"))?;
    drop(tx);
    let mut work: Vec<(PartnerId, AccountId, Template, i64, i64)> = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        for _ in 0..ORDERS_EACH {
            let at = now - 150 * DAY + (rng.below(150 * 24) as i64) * 3_600_000;
            work.push((*id, receivables[n], Template::PayOnCredit, 50_000 + rng.below(2_000_000) as i64, at));
        }
    }
    for m in 0..movements {
        let at = now - 300 * DAY + (m as i64) * (299 * DAY / movements as i64);
        let (account, template) =
            if m % 2 == 0 { (receivables[0], Template::PayOnCredit) } else { (prepaid, Template::Prepayment) };
        work.push((ids[0], account, template, 10_000 + rng.below(500_000) as i64, at));
    }
    work.sort_by_key(|w| w.4);
    bar.stage("movements", work.len() as u64);
    for (chunk_no, chunk) in work.chunks(1_000).enumerate() {
        let mut orders = Vec::new();
        let mut entries = Vec::new();
        for (k, (partner, account, template, amount, at)) in chunk.iter().enumerate() {
            if *template == Template::PayOnCredit {
                let number = format!("SO-{}-B{:07}", china_date(*at), chunk_no * 1_000 + k);
                let (order, entry) = credit_order(*partner, *account, number, *amount, *at)?;
                orders.push(order);
                entries.push(entry);
            } else {
                let entry = NewEntry {
                    partner: Some(*partner),
                    template: "prepayment",
                    reference: None,
                    memo: Some("银行转账"),
                    created_by: None,
                    at_ms: *at,
                    postings: ledger(*account, *template, *amount)?,
                };
                entries.push((EntryId::new(), entry));
            }
        }
        let mut tx = app.db().write(&scope()).await?;
        qudao_store::orders::insert_batch(&mut tx, &orders).await?;
        if !accounts::post_batch(&mut tx, &entries).await? {
            bail!("a seeded movement was refused by the ledger");
        }
        tx.commit().await?;
        bar.advance(chunk.len() as u64);
    }
    Ok(())
}

/// Every other partner pays about half of what it owes, through the use case (oldest first).
async fn seed_receipts(app: &App, ctx: &Ctx, ids: &[PartnerId], bar: &crate::progress::Bar) -> anyhow::Result<()> {
    let payers: Vec<PartnerId> = ids.iter().skip(1).step_by(2).copied().collect();
    bar.stage("receipts", payers.len() as u64);
    let mut rng = SplitMix(11);
    for id in payers {
        let yuan = 1_000 + rng.below(20_000);
        let input = qudao_app::finance::ReceiptInput {
            amount: format!("{yuan}.00"),
            method: None,
            received_date: None,
            proof_file_id: None,
            memo: Some("电汇".into()),
            allocations: None,
        };
        qudao_app::finance::record_receipt(app, ctx, id, &input, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        bar.advance(1);
    }
    Ok(())
}

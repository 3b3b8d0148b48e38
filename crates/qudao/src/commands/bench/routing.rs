//! `qudao bench routing`: leads routed through 20 rules over 5,000 partners.
//!
//! First the rules alone, in memory: 10,000 leads of random regions and industries, each routed
//! and its assignment counted against its partner (open leads, last assigned), so capacity and
//! round robin work as they would. Then through the database: `db_leads` leads entered through
//! the use case (filed, partners' facts read, routed, assignment written, partner told), on a
//! fresh database holding the same partners and rules; then as many imported in one sheet, where
//! the partners' facts are read once and kept current as the leads are placed.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use qudao_app::AppConfig;
use qudao_app::demo::Progress;
use qudao_domain::access::Role;
use qudao_domain::deals::routing::{LeadFacts, PartnerFacts, Routed, Rule, Strategy, TierWeight, route};
use qudao_domain::ids::{PartnerId, UserId};
use qudao_store::Scope;
use qudao_store::access::users::{NewUser, UserStatus};
use qudao_store::partners::regions::{self, NewRegion};
use qudao_store::partners::{self, tiers};

use super::{SplitMix, bench_partner, now_ms};

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// A fresh database, or a temporary SQLite file.
    pub database_url: Option<String>,
    /// Leads routed in memory.
    pub leads: usize,
    /// Rules.
    pub rules: usize,
    /// Partners.
    pub partners: usize,
    /// Leads entered through the database.
    pub db_leads: usize,
}

const PASSWORD: &str = "bench-routing-1";
/// Provinces (under one 大区) the partners and leads are spread over.
const PROVINCES: [&str; 10] = ["SH", "JS", "ZJ", "AH", "FJ", "JX", "SD", "HB", "HN", "GD"];
const INDUSTRIES: [&str; 8] = ["制造业", "零售", "医疗", "教育", "餐饮", "物流", "能源", "金融"];
const TIERS: [&str; 4] = ["platinum", "gold", "silver", "bronze"];

fn path(province: &str) -> String {
    format!("/R-BENCH/CN-{province}/")
}

/// The rules: for each of the first provinces, its leads of two industries to its gold and
/// platinum partners (weighted), then its other leads round robin; a last catch-all.
fn rules(count: usize) -> Vec<Rule> {
    let mut out = Vec::with_capacity(count);
    let mut n = 0usize;
    while out.len() + 1 < count {
        let province = PROVINCES[n % PROVINCES.len()];
        let weighted = n.is_multiple_of(2);
        out.push(Rule {
            name: format!("规则{n:02}"),
            lead_regions: vec![path(province)],
            lead_industries: if weighted {
                vec![INDUSTRIES[n % INDUSTRIES.len()].into(), INDUSTRIES[(n + 3) % INDUSTRIES.len()].into()]
            } else {
                Vec::new()
            },
            partner_regions: Vec::new(),
            tiers: if weighted { vec!["platinum".into(), "gold".into()] } else { Vec::new() },
            certifications: Vec::new(),
            partners: Vec::new(),
            capacity: Some(20),
            strategy: if weighted { Strategy::Weighted } else { Strategy::RoundRobin },
            weights: vec![
                TierWeight { tier: "platinum".into(), weight: 3 },
                TierWeight { tier: "gold".into(), weight: 2 },
            ],
            sla_hours: 24,
        });
        n += 1;
    }
    out.push(Rule {
        name: "兜底".into(),
        lead_regions: Vec::new(),
        lead_industries: Vec::new(),
        partner_regions: vec!["/R-BENCH/".into()],
        tiers: Vec::new(),
        certifications: Vec::new(),
        partners: Vec::new(),
        capacity: None,
        strategy: Strategy::RoundRobin,
        weights: Vec::new(),
        sla_hours: 48,
    });
    out
}

/// Runs the bench; the last line is
/// `leads=N rules=N partners=N route_us=N db_leads=N db_ms=N import_ms=N`.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let rules = rules(options.rules.max(1));
    let mut rng = SplitMix(3);
    let mut partners: Vec<PartnerFacts> = (0..options.partners.max(1))
        .map(|n| PartnerFacts {
            id: PartnerId::new(),
            tier: TIERS[n % TIERS.len()].into(),
            region_path: path(PROVINCES[rng.below(PROVINCES.len())]),
            certifications: Vec::new(),
            open_leads: 0,
            last_assigned_ms: 0,
        })
        .collect();
    let leads: Vec<LeadFacts> = (0..options.leads.max(1))
        .map(|_| LeadFacts {
            region_path: format!("{}CITY/", path(PROVINCES[rng.below(PROVINCES.len())])),
            industry: INDUSTRIES[rng.below(INDUSTRIES.len())].into(),
            tried: Vec::new(),
        })
        .collect();
    let started = Instant::now();
    let (mut routed, mut fell_through) = (0usize, 0usize);
    for (n, lead) in leads.iter().enumerate() {
        if let Routed::To { partner, rule, .. } = route(&rules, lead, &partners) {
            routed += 1;
            fell_through += usize::from(rule + 1 == rules.len());
            if let Some(p) = partners.iter_mut().find(|p| p.id == partner) {
                p.open_leads += 1;
                p.last_assigned_ms = n as i64 + 1;
            }
        }
    }
    let route_us = started.elapsed().as_secs_f64() * 1e6 / leads.len() as f64;
    let timings = if options.db_leads == 0 {
        Timings { one_by_one: 0.0, imported: 0.0 }
    } else {
        through_database(&options, &rules, &partners).await?
    };
    let (db_ms, import_ms) = (timings.one_by_one, timings.imported);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "routing: {} leads through {} rules over {} partners in memory: {route_us:.1} µs per lead, {routed} routed \
         ({fell_through} by the catch-all); {} leads through the database: {db_ms:.2} ms per lead one at a time, \
         {import_ms:.2} ms per lead imported in one sheet",
        leads.len(),
        rules.len(),
        partners.len(),
        options.db_leads
    )?;
    writeln!(
        out,
        "leads={} rules={} partners={} route_us={route_us:.1} db_leads={} db_ms={db_ms:.2} import_ms={import_ms:.2}",
        leads.len(),
        rules.len(),
        partners.len(),
        options.db_leads
    )?;
    Ok(())
}

/// Milliseconds per lead through the database.
struct Timings {
    /// Entered one at a time through the API's use case.
    one_by_one: f64,
    /// Imported as one sheet.
    imported: f64,
}

/// The same partners and rules on a fresh database; `db_leads` leads entered through the use case
/// one at a time, then as many imported in one sheet.
async fn through_database(options: &Options, rules: &[Rule], partners: &[PartnerFacts]) -> anyhow::Result<Timings> {
    let app = super::fresh_app("routing", options.database_url.as_deref(), 4, AppConfig::default()).await?;
    let bar = crate::progress::Bar::new();
    let scope = Scope::system("the routing bench seeds its own database");
    let now = now_ms();
    let mut tx = app.db().write(&scope).await?;
    let top = regions::insert(
        &mut tx,
        &NewRegion { code: "R-BENCH", parent: None, name_zh: "测试大区", name_en: "Bench", sort: 0 },
    )
    .await?;
    let mut provinces = Vec::new();
    for province in PROVINCES {
        let code = format!("CN-{province}");
        let region = regions::insert(
            &mut tx,
            &NewRegion { code: &code, parent: Some(&top), name_zh: province, name_en: province, sort: 0 },
        )
        .await?;
        provinces.push(region);
    }
    let mut tier_ids = Vec::new();
    for (rank, code) in TIERS.iter().enumerate() {
        tier_ids.push(tiers::insert(&mut tx, code, code, code, 40 - rank as i64 * 10).await?);
    }
    tx.commit().await?;
    bar.stage("partners", partners.len() as u64);
    for (chunk_no, chunk) in partners.chunks(1_000).enumerate() {
        let mut tx = app.db().write(&scope).await?;
        for (i, p) in chunk.iter().enumerate() {
            let n = chunk_no * 1_000 + i;
            let region = provinces.iter().find(|r| r.path == p.region_path).context("a province")?;
            let tier = &tier_ids[TIERS.iter().position(|t| *t == p.tier).unwrap_or(0)];
            let row = bench_partner(
                p.id,
                format!("P-RT-{n:05}"),
                format!("路由测试{n:05}商贸有限公司"),
                tier.id,
                region,
                now,
            );
            partners::insert(&mut tx, &row).await?;
        }
        tx.commit().await?;
        bar.advance(chunk.len() as u64);
    }
    let mut tx = app.db().write(&scope).await?;
    let hash = qudao_app::access::hash_password(PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    qudao_store::access::users::insert(
        &mut tx,
        &NewUser {
            id: UserId::new(),
            login: "bench.router".into(),
            display_name: "路由".into(),
            email: None,
            phone: None,
            role: Role::BrandAdmin,
            partner_id: None,
            status: UserStatus::Active,
            password_hash: Some(hash),
            now_ms: now,
        },
    )
    .await?;
    tx.commit().await?;
    app.db().analyze().await?;
    let ctx = super::signed_in(&app, "bench.router", PASSWORD).await?;
    for (position, rule) in rules.iter().enumerate() {
        let input = qudao_app::deals::leads::RuleInput {
            position: position as i64,
            active: None,
            rule: rule.clone(),
            revision: None,
        };
        qudao_app::deals::leads::create_rule(&app, &ctx, &input, None).await?;
    }
    bar.stage("leads", options.db_leads as u64);
    let mut rng = SplitMix(9);
    let started = Instant::now();
    for n in 0..options.db_leads {
        let body = qudao_app::deals::leads::LeadBody {
            company: format!("路由线索{n:05}有限公司"),
            phone: Some(format!("139{:08}", n)),
            region: Some(format!("CN-{}", PROVINCES[rng.below(PROVINCES.len())])),
            industry: Some(INDUSTRIES[rng.below(INDUSTRIES.len())].into()),
            ..Default::default()
        };
        qudao_app::deals::leads::create(&app, &ctx, &body, None).await?;
        bar.advance(1);
    }
    let one_by_one = started.elapsed().as_secs_f64() * 1e3 / options.db_leads as f64;
    // The same number again as one sheet (an import holds 5,000 rows at most): the partners'
    // facts are read once for the whole import.
    let rows = options.db_leads.min(5_000);
    let mut sheet = String::from("company,phone,region,industry\n");
    for n in 0..rows {
        let province = PROVINCES[rng.below(PROVINCES.len())];
        let industry = INDUSTRIES[rng.below(INDUSTRIES.len())];
        sheet.push_str(&format!("导入线索{n:05}有限公司,137{n:08},CN-{province},{industry}\n"));
    }
    bar.stage("import", 1);
    let started = Instant::now();
    let report = qudao_app::deals::leads::import(&app, &ctx, sheet.as_bytes(), None).await?;
    let imported = started.elapsed().as_secs_f64() * 1e3 / rows as f64;
    anyhow::ensure!(report.created == rows, "the import filed {} leads of {rows}", report.created);
    bar.finish();
    Ok(Timings { one_by_one, imported })
}

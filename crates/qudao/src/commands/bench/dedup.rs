//! `qudao bench dedup`: how well and how fast registrations are matched to the customers on file.
//!
//! Quality: precision, recall and F1 of "same company" on the labelled pairs kept in the
//! repository (and on the holdout set written beside them but never tuned on). Speed: one
//! registration checked, through the use case and the database, against `customers` claims
//! already on file (100,000 by default) — blocking keys, candidates read, entity resolution, the
//! rule table. Outside data: `--pairs` judges an outside file of pairs; `--corpus` with
//! `--queries` finds each query's company in an outside list of names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use qudao_app::demo::Progress;
use qudao_app::{AppConfig, Ctx};
use qudao_domain::access::Role;
use qudao_domain::deals::conflicts::Party;
use qudao_domain::deals::evaluation::{Confusion, HOLDOUT, LABELLED, same_company};
use qudao_domain::deals::keys::NameIndex;
use qudao_domain::deals::registration::{Contact, RegistrationStatus};
use qudao_domain::ids::{PartnerId, RegistrationId, UserId};
use qudao_store::Scope;
use qudao_store::access::users::{NewUser, UserStatus};
use qudao_store::deals::registrations::{self, NewRegistration};
use qudao_store::partners::{self, regions, tiers};

use super::{SplitMix, bench_partner, now_ms};

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// A fresh database, or a temporary SQLite file.
    pub database_url: Option<String>,
    /// Claims on file for the timed check (0: no timing).
    pub customers: usize,
    /// Checks to time.
    pub checks: usize,
    /// An outside file of pairs (`a,b[,same]`).
    pub pairs: Option<PathBuf>,
    /// An outside list of names (`id,name`).
    pub corpus: Option<PathBuf>,
    /// Queries against the corpus (`query,expected_id`).
    pub queries: Option<PathBuf>,
}

const PASSWORD: &str = "bench-dedup-1";
/// Partners the claims on file belong to.
const PARTNERS: usize = 50;

/// Runs the bench.
pub async fn run(options: Options) -> anyhow::Result<()> {
    if let Some(corpus) = &options.corpus {
        let queries = options.queries.as_deref().context("--corpus needs --queries")?;
        return corpus_mode(corpus, queries);
    }
    if options.queries.is_some() {
        bail!("--queries needs --corpus");
    }
    let confusion = match &options.pairs {
        Some(path) => pairs_mode(path)?,
        None => {
            let labelled = measure(LABELLED)?;
            let holdout = measure(HOLDOUT)?;
            let mut out = std::io::stderr().lock();
            for (name, c) in [("labelled", &labelled), ("holdout", &holdout)] {
                writeln!(
                    out,
                    "dedup: {name} set: {} pairs, precision {:.3} recall {:.3} f1 {:.3} ({} same judged different, {} different judged same)",
                    c.true_same + c.false_same + c.true_different + c.false_different,
                    c.precision(),
                    c.recall(),
                    c.f1(),
                    c.false_different,
                    c.false_same
                )?;
            }
            Some(labelled)
        }
    };
    let check_ms = if options.customers == 0 { 0.0 } else { timed_checks(&options).await? };
    let mut out = std::io::stdout().lock();
    let figure = |v: Option<f64>| v.map_or_else(|| "NA".to_string(), |v| format!("{v:.3}"));
    writeln!(
        out,
        "precision={} recall={} f1={} check_ms={check_ms:.2}",
        figure(confusion.map(|c| c.precision())),
        figure(confusion.map(|c| c.recall())),
        figure(confusion.map(|c| c.f1()))
    )?;
    Ok(())
}

/// The confusion counts on a labelled CSV text (`a,b,same,…`).
fn measure(text: &str) -> anyhow::Result<Confusion> {
    let mut confusion = Confusion::default();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for row in reader.records() {
        let row = row?;
        confusion.add(row.get(2) == Some("1"), same_company(&row[0], &row[1]));
    }
    Ok(confusion)
}

/// Reads an outside UTF-8 CSV (a byte-order mark allowed) with a header row.
fn reader(path: &Path) -> anyhow::Result<csv::Reader<std::io::Cursor<Vec<u8>>>> {
    let mut bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    std::str::from_utf8(&bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    Ok(csv::ReaderBuilder::new().flexible(true).from_reader(std::io::Cursor::new(bytes)))
}

/// The index of a named column.
fn column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name))
}

/// Judges every pair of an outside file: writes `a,b,predicted` to standard output; the
/// confusion counts when the file says which pairs are the same.
fn pairs_mode(path: &Path) -> anyhow::Result<Option<Confusion>> {
    let mut reader = reader(path)?;
    let headers = reader.headers()?.clone();
    let a = column(&headers, "a").context("the pairs file needs a column a")?;
    let b = column(&headers, "b").context("the pairs file needs a column b")?;
    let same = column(&headers, "same");
    let mut confusion = Confusion::default();
    let stdout = std::io::stdout();
    let mut writer = csv::Writer::from_writer(stdout.lock());
    writer.write_record(["a", "b", "predicted"])?;
    for row in reader.records() {
        let row = row?;
        let (x, y) = (row.get(a).unwrap_or(""), row.get(b).unwrap_or(""));
        let predicted = same_company(x, y);
        writer.write_record([x, y, if predicted { "1" } else { "0" }])?;
        if let Some(truth) = same.and_then(|i| row.get(i)) {
            confusion.add(matches!(truth.trim(), "1" | "true" | "yes"), predicted);
        }
    }
    writer.flush()?;
    Ok(same.map(|_| confusion))
}

/// Finds each query's company in an outside corpus: writes `query,returned_id` (empty: no
/// match) and ends with `top1=N false_match=N` — top1: of the queries whose company is in the
/// corpus, the share answered with it; false_match: of all queries, the share answered with a
/// company that is not theirs (or with any, when theirs is not in the corpus).
fn corpus_mode(corpus: &Path, queries: &Path) -> anyhow::Result<()> {
    let mut index = NameIndex::default();
    let mut reader = reader(corpus)?;
    let headers = reader.headers()?.clone();
    let id = column(&headers, "id").context("the corpus needs a column id")?;
    let name = column(&headers, "name").context("the corpus needs a column name")?;
    for row in reader.records() {
        let row = row?;
        index.insert(row.get(id).unwrap_or("").to_string(), row.get(name).unwrap_or(""));
    }
    let mut reader = reader_of(queries)?;
    let headers = reader.headers()?.clone();
    let query = column(&headers, "query").context("the queries need a column query")?;
    let expected = column(&headers, "expected_id");
    let (mut known, mut found, mut wrong, mut total) = (0usize, 0usize, 0usize, 0usize);
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut writer = csv::Writer::from_writer(stdout.lock());
    writer.write_record(["query", "returned_id"])?;
    for row in reader.records() {
        let row = row?;
        let text = row.get(query).unwrap_or("");
        let want = expected.and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
        let got = index.best(text).map(|(id, _)| id.to_string()).unwrap_or_default();
        writer.write_record([text, got.as_str()])?;
        total += 1;
        if !want.is_empty() {
            known += 1;
            if got == want {
                found += 1;
            }
        }
        if !got.is_empty() && got != want {
            wrong += 1;
        }
    }
    writer.flush()?;
    drop(writer);
    let ratio = |part: usize, whole: usize| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
    eprintln!(
        "dedup: {total} queries against {} names in {:.1} ms ({known} with their company in the corpus)",
        index.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let mut out = std::io::stdout().lock();
    writeln!(out, "top1={:.3} false_match={:.3}", ratio(found, known), ratio(wrong, total))?;
    Ok(())
}

fn reader_of(path: &Path) -> anyhow::Result<csv::Reader<std::io::Cursor<Vec<u8>>>> {
    reader(path)
}

/// Trade-name characters, places and industries the generated customers are made of.
const TRADE: &str = "华恒泰盛鑫源达通宏远嘉瑞丰德昌隆兴和信安康美佳宝利金鼎博创新合众联邦海天星辰光明正大万福中科汇智云腾飞扬龙凤祥锦绣东方南北青山绿水春秋晨曦启航卓越精诚";
const PLACES: [&str; 12] =
    ["上海", "北京", "深圳", "广州", "杭州", "苏州", "南京", "成都", "武汉", "西安", "天津", "重庆"];
const INDUSTRIES: [&str; 12] =
    ["科技", "贸易", "电子", "食品", "物流", "医药", "实业", "网络科技", "机械设备", "文化传媒", "建筑工程", "新能源"];
const FORMS: [&str; 3] = ["有限公司", "有限责任公司", "股份有限公司"];

fn customer_name(rng: &mut SplitMix) -> String {
    let trade: Vec<char> = TRADE.chars().collect();
    let len = 2 + rng.below(2);
    let name: String = (0..len).map(|_| trade[rng.below(trade.len())]).collect();
    format!(
        "{}{}{}{}",
        PLACES[rng.below(PLACES.len())],
        name,
        INDUSTRIES[rng.below(INDUSTRIES.len())],
        FORMS[rng.below(FORMS.len())]
    )
}

/// Another way of writing a name on file: the city into brackets, another legal form.
fn respelt(name: &str) -> String {
    let place = PLACES.iter().find(|p| name.starts_with(**p)).copied().unwrap_or("");
    let rest = &name[place.len()..];
    let form = FORMS.iter().filter(|f| rest.ends_with(**f)).max_by_key(|f| f.len()).copied().unwrap_or("");
    let core = &rest[..rest.len() - form.len()];
    format!("{core}（{place}）股份有限公司")
}

/// Files `customers` claims, then times `checks` registrations (half of them other spellings
/// of claims on file) through the use case's check; answers milliseconds per check.
async fn timed_checks(options: &Options) -> anyhow::Result<f64> {
    let app = super::fresh_app("dedup", options.database_url.as_deref(), 4, AppConfig::default()).await?;
    let bar = crate::progress::Bar::new();
    let (ctx, names) = seed(&app, options.customers, &bar).await?;
    let checks = options.checks.max(1);
    let mut rng = SplitMix(11);
    let bodies: Vec<qudao_app::deals::RegistrationBody> = (0..checks)
        .map(|n| {
            let name = if n % 2 == 0 { respelt(&names[rng.below(names.len())]) } else { customer_name(&mut rng) };
            qudao_app::deals::RegistrationBody { customer_name: name, ..Default::default() }
        })
        .collect();
    bar.stage("check", checks as u64);
    let mut times = Vec::with_capacity(checks);
    let (mut found, mut compared) = (0usize, 0usize);
    for body in &bodies {
        let started = Instant::now();
        let outcome = qudao_app::deals::check(&app, &ctx, body).await?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        found += usize::from(!outcome.conflicts.is_empty());
        compared += outcome.compared;
        bar.advance(1);
    }
    bar.finish();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    eprintln!(
        "dedup: {checks} checks against {} claims on {:?}: mean {mean:.2} ms, p50 {:.2} ms, p95 {:.2} ms; \
         {found} found a conflict (half were other spellings of claims on file); {:.1} claims compared per check",
        options.customers,
        app.db().dialect(),
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        compared as f64 / checks as f64
    );
    Ok(mean)
}

/// The partners, a partner user to check as, and the claims on file (with their blocking keys),
/// written in transactions of a thousand.
async fn seed(
    app: &qudao_app::App,
    customers: usize,
    bar: &crate::progress::Bar,
) -> anyhow::Result<(Ctx, Vec<String>)> {
    let scope = Scope::system("the dedup bench seeds its own database");
    let mut tx = app.db().write(&scope).await?;
    let region = regions::insert(
        &mut tx,
        &regions::NewRegion { code: "CN-SH", parent: None, name_zh: "上海", name_en: "Shanghai", sort: 0 },
    )
    .await?;
    let tier = tiers::insert(&mut tx, "gold", "金牌", "Gold", 3).await?;
    let now = now_ms();
    let mut partner_ids = Vec::new();
    for n in 0..PARTNERS {
        let id = PartnerId::new();
        let row =
            bench_partner(id, format!("P-DEDUP-{n:03}"), format!("报备测试{n:03}商贸有限公司"), tier.id, &region, now);
        partners::insert(&mut tx, &row).await?;
        partner_ids.push(id);
    }
    let checker = PartnerId::new();
    let row = bench_partner(checker, "P-DEDUP-CHECK".into(), "报备查重商贸有限公司".into(), tier.id, &region, now);
    partners::insert(&mut tx, &row).await?;
    let user = UserId::new();
    let hash = qudao_app::access::hash_password(PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    qudao_store::access::users::insert(
        &mut tx,
        &NewUser {
            id: user,
            login: "dedup.rep".into(),
            display_name: "查重".into(),
            email: None,
            phone: None,
            role: Role::PartnerSales,
            partner_id: Some(checker),
            status: UserStatus::Active,
            password_hash: Some(hash),
            now_ms: now,
        },
    )
    .await?;
    tx.commit().await?;
    bar.stage("customers", customers as u64);
    let mut rng = SplitMix(5);
    let mut names = Vec::with_capacity(customers);
    let mut written = 0usize;
    while written < customers {
        let mut tx = app.db().write(&scope).await?;
        let batch = (customers - written).min(1_000);
        for n in written..written + batch {
            let name = customer_name(&mut rng);
            let phone = format!("139{:08}", n);
            let contacts = [Contact { name: "联系人".into(), phone: Some(phone.clone()), email: None }];
            let party = Party::new([name.as_str()], None, [phone.as_str()], []);
            let number = format!("REG-BENCH-{n:06}");
            registrations::insert(
                &mut tx,
                &NewRegistration {
                    id: RegistrationId::new(),
                    number: &number,
                    partner_id: partner_ids[n % PARTNERS],
                    customer_name: &name,
                    short_name: None,
                    english_name: None,
                    credit_code: None,
                    region_id: None,
                    industry: None,
                    contacts: &contacts,
                    products: None,
                    expected_amount: None,
                    expected_close: None,
                    note: None,
                    status: RegistrationStatus::Approved,
                    verdict: "accept",
                    protected_until: Some(now + 90 * 86_400_000),
                    claimed_from: None,
                    search_key: "",
                    created_by: user,
                    now_ms: now,
                },
                &party.keys(),
            )
            .await?;
            names.push(name);
        }
        tx.commit().await?;
        written += batch;
        bar.advance(batch as u64);
    }
    app.db().analyze().await?;
    let ctx = super::signed_in(app, "dedup.rep", PASSWORD).await?;
    Ok((ctx, names))
}

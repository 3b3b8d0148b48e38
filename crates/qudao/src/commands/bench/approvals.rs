//! `qudao bench approvals`: conditions evaluated and submissions routed through a four-step flow.
//!
//! The flow: objects over ¥1,000 go to the partner's channel manager; then finance when the
//! discount is over 5 %; then a brand administrator for gold partners; then the manager of the
//! East region. First the rules alone, in memory: each submission's flow chosen, its steps
//! decided, its approvers resolved and every step approved to the end. Then on a database:
//! `submissions` routed (flow read, chosen, instance and tasks written, one transaction each),
//! and the first `acted` of them approved to the end through the use case, as the people they
//! wait for. Figures are per submission and per action. The objects are bare onboarding requests
//! (kind `partner_onboarding`, no payload), so approving one to the end changes nothing beside
//! the approval: the figures are the engine's, not an object's.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail};
use qudao_app::approvals::{self, ActionInput, FlowChoice, Submission, flows::FlowInput};
use qudao_app::demo::Progress;
use qudao_app::{App, AppConfig, Ctx};
use qudao_domain::access::Role;
use qudao_domain::approvals::resolve::{Manager, Person, Pool, resolve_step};
use qudao_domain::approvals::{Action, Facts, Flow, Outcome, Step, Subject, act, start};
use qudao_domain::ids::{PartnerId, UserId};
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_store::Scope;
use qudao_store::access::assignments;
use qudao_store::access::users::{NewUser, UserStatus};
use qudao_store::partners::regions::{self, NewRegion};
use qudao_store::partners::{self, NewPartner, tiers};

use super::{SplitMix, now_ms};

const PASSWORD: &str = "bench-approvals-1";
/// Partners the submissions belong to.
const PARTNERS: usize = 200;

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// A fresh database, or a temporary SQLite file.
    pub database_url: Option<String>,
    /// Submissions to route.
    pub submissions: usize,
    /// Of those, how many to approve to the end through the database.
    pub acted: usize,
}

fn flow_input() -> anyhow::Result<FlowInput> {
    Ok(serde_json::from_value(serde_json::json!({
        "object_kind": "partner_onboarding",
        "name": "四级审批",
        "applies_if": { "field": "amount_over", "value": 100_000 },
        "steps": [
            { "name": "渠道经理", "branches": [{ "approvers": [{ "kind": "channel_manager" }], "mode": "any" }] },
            { "name": "财务", "only_if": { "field": "discount_over", "value": 500 },
              "branches": [{ "approvers": [{ "kind": "role", "role": "finance" }], "mode": "any" }] },
            { "name": "管理员", "only_if": { "field": "tier_in", "values": ["gold"] },
              "branches": [{ "approvers": [{ "kind": "role", "role": "brand_admin" }], "mode": "any" }] },
            { "name": "大区经理", "only_if": { "field": "region_under", "value": "R-EAST" },
              "branches": [{ "approvers": [{ "kind": "region_manager" }], "mode": "any" }] }
        ]
    }))?)
}

/// A submission's facts, from the generator: amounts up to ¥20,000, discounts up to 20 %,
/// half the partners gold.
fn facts(rng: &mut SplitMix, region_path: &str) -> (usize, Facts) {
    let partner = rng.below(PARTNERS);
    let facts = Facts {
        amount: rng.below(2_000_000) as i64,
        tier: if partner.is_multiple_of(2) { "gold" } else { "silver" }.into(),
        region_path: region_path.into(),
        categories: Vec::new(),
        discount_bp: rng.below(2_000) as i64,
    };
    (partner, facts)
}

/// Seeds, measures and prints; the last line is
/// `submissions=N steps_per=N eval_us=N route_ms=N act_ms=N acted=N`.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let submissions = options.submissions.max(1);
    let acted = options.acted.min(submissions);
    let app = super::fresh_app("approvals", options.database_url.as_deref(), 8, AppConfig::default()).await?;
    let dialect = app.db().dialect();
    let bar = crate::progress::Bar::new();
    let mut out = std::io::stdout().lock();
    writeln!(out, "approvals: {submissions} submissions through a four-step flow on {dialect:?}")?;
    drop(out);
    let world = seed(&app).await?;
    let admin = &world.people[&Role::BrandAdmin];
    let saved = approvals::flows::create(&app, &admin.1, &flow_input()?, None).await?;
    let flow: Flow = serde_json::from_value(saved.definition.clone())?;

    // The rules alone, in memory.
    let pool = Pool {
        brand: vec![
            Person { id: world.people[&Role::Finance].0, role: Role::Finance },
            Person { id: admin.0, role: Role::BrandAdmin },
        ],
        partner: Vec::new(),
        managers: vec![
            Manager { id: world.people[&Role::ChannelManager].0, direct: false, depth: 2 },
            Manager { id: world.region_manager.0, direct: false, depth: 1 },
        ],
        delegations: Vec::new(),
    };
    let choices = [FlowChoice { id: saved.id, name: saved.name.clone(), flow: flow.clone() }];
    let mut rng = SplitMix(7);
    let started = Instant::now();
    let mut steps = 0usize;
    let mut routed = 0usize;
    for _ in 0..submissions {
        let (_, facts) = facts(&mut rng, &world.region_path);
        let Some(plan) = approvals::plan(&choices, &facts) else { continue };
        routed += 1;
        let resolve = |step: &Step| resolve_step(&pool, step);
        let mut instance =
            start(plan.choice.flow.version, &plan.choice.flow.steps, plan.running, UserId::new(), &resolve);
        while instance.outcome == Outcome::Running {
            let Some(who) = instance.waiting().first().copied() else { bail!("a step waits for nobody") };
            act(&plan.choice.flow.steps, &mut instance, &Action::Approve(who), &resolve)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            steps += 1;
        }
    }
    let eval_us = started.elapsed().as_secs_f64() * 1e6 / submissions as f64;

    // Through the database.
    let mut rng = SplitMix(7);
    bar.stage("route", submissions as u64);
    let started = Instant::now();
    let mut ids = Vec::new();
    for n in 0..submissions {
        let (partner, facts) = facts(&mut rng, &world.region_path);
        let submission = Submission {
            subject: Subject::PartnerOnboarding,
            object_id: format!("bench-{n}"),
            partner_id: world.partners[partner],
            summary: format!("ONBOARD-BENCH-{n:05}"),
            amount: facts.amount,
            submitter: admin.0,
            payload: None,
        };
        if let Some(id) = approvals::submit(&app, &submission, &facts).await? {
            ids.push(id);
        }
        bar.advance(1);
    }
    let route_ms = started.elapsed().as_secs_f64() * 1e3 / submissions as f64;
    if ids.len() != routed {
        bail!("{} submissions routed through the database, {routed} by the rules alone", ids.len());
    }
    let by_id: HashMap<UserId, &Ctx> =
        world.people.values().chain([&world.region_manager]).map(|(id, ctx)| (*id, ctx)).collect();
    bar.stage("approve", acted as u64);
    let approve = ActionInput { action: "approve".into(), comment: None, to_step: None, delegate_to: None };
    let started = Instant::now();
    let mut actions = 0usize;
    for id in ids.iter().take(acted) {
        let mut view = approvals::get(&app, &admin.1, *id).await?;
        while view.outcome == "running" {
            let Some(who) = view.waiting_for.first() else { bail!("approval {id} waits for nobody") };
            let ctx = by_id.get(&who.id).context("an approver the bench did not create")?;
            view = approvals::act_on(&app, ctx, *id, &approve).await?;
            actions += 1;
        }
        if view.outcome != "approved" {
            bail!("approval {id} ended {}", view.outcome);
        }
        bar.advance(1);
    }
    let act_ms = if actions == 0 { 0.0 } else { started.elapsed().as_secs_f64() * 1e3 / actions as f64 };
    bar.finish();
    let steps_per = if routed == 0 { 0.0 } else { steps as f64 / routed as f64 };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "approvals: {routed} of {submissions} needed approval, {steps_per:.2} steps each; in memory {eval_us:.1} µs \
         per submission (choose, skip, resolve, approve every step); database: route {route_ms:.2} ms per \
         submission, approve {act_ms:.2} ms per action over {actions} actions"
    )?;
    writeln!(
        out,
        "submissions={submissions} steps_per={steps_per:.2} eval_us={eval_us:.1} route_ms={route_ms:.2} \
         act_ms={act_ms:.2} acted={acted}"
    )?;
    Ok(())
}

/// The seeded people (id and signed-in context by role), the region manager, the partners.
struct Seeded {
    people: HashMap<Role, (UserId, Ctx)>,
    region_manager: (UserId, Ctx),
    partners: Vec<PartnerId>,
    region_path: String,
}

fn scope() -> Scope {
    Scope::system("the approvals benchmark seeds its own fresh database")
}

async fn seed(app: &App) -> anyhow::Result<Seeded> {
    let now = now_ms();
    let mut tx = app.db().write(&scope()).await?;
    if !partners::list(&mut tx, &Default::default(), &qudao_store::page::PageRequest::first(1)).await?.items.is_empty()
    {
        bail!("the database is not fresh: it already has partners");
    }
    let east = regions::insert(
        &mut tx,
        &NewRegion { code: "R-EAST", parent: None, name_zh: "华东大区", name_en: "East", sort: 0 },
    )
    .await?;
    let city = regions::insert(
        &mut tx,
        &NewRegion { code: "CN-SH", parent: Some(&east), name_zh: "上海", name_en: "Shanghai", sort: 0 },
    )
    .await?;
    let gold = tiers::insert(&mut tx, "gold", "黄金", "Gold", 30).await?;
    let silver = tiers::insert(&mut tx, "silver", "白银", "Silver", 20).await?;
    let mut ids = Vec::with_capacity(PARTNERS);
    for n in 0..PARTNERS {
        let id = PartnerId::new();
        let code = format!("P-{:06}", n + 1);
        let partner = NewPartner {
            id,
            code: code.clone(),
            name: format!("审批经销商{n:05}"),
            name_en: None,
            short_name: None,
            kind: PartnerKind::Distributor,
            tier_id: if n.is_multiple_of(2) { gold.id } else { silver.id },
            region_id: city.id,
            region_path: city.path.clone(),
            parent_id: None,
            credit_code: None,
            status: PartnerStatus::Active,
            remark: None,
            search_key: code.to_lowercase(),
            now_ms: now,
        };
        partners::insert(&mut tx, &partner).await?;
        ids.push(id);
    }
    let hash = qudao_app::access::hash_password(PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut made = Vec::new();
    for (login, role) in [
        ("bench.cm", Role::ChannelManager),
        ("bench.rm", Role::ChannelManager),
        ("bench.finance", Role::Finance),
        ("bench.admin", Role::BrandAdmin),
    ] {
        let user = NewUser {
            id: UserId::new(),
            login: login.into(),
            display_name: login.into(),
            email: None,
            phone: None,
            role,
            partner_id: None,
            status: UserStatus::Active,
            password_hash: Some(hash.clone()),
            now_ms: now,
        };
        qudao_store::access::users::insert(&mut tx, &user).await?;
        made.push((login, role, user.id));
    }
    assignments::replace(&mut tx, made[0].2, std::slice::from_ref(&city), &[], now).await?;
    assignments::replace(&mut tx, made[1].2, std::slice::from_ref(&east), &[], now).await?;
    tx.commit().await?;
    let mut people = HashMap::new();
    let mut region_manager = None;
    for (login, role, id) in made {
        let ctx = super::signed_in(app, login, PASSWORD).await?;
        if login == "bench.rm" {
            region_manager = Some((id, ctx));
        } else {
            people.insert(role, (id, ctx));
        }
    }
    Ok(Seeded {
        people,
        region_manager: region_manager.context("the region manager")?,
        partners: ids,
        region_path: city.path,
    })
}

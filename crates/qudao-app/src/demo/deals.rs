//! Demo registrations (客户报备), filed through the use case by the demo's partner accounts so
//! every one is checked like a real one: protected customers with their countdown, another
//! partner's other spelling of one of them waiting for a channel manager with its evidence, a
//! duplicate refused by its credit code, an extension waiting for a decision, customers given up
//! to the pool — routing rules with leads through them, opportunities along the stages with
//! follow-ups (one won) and the distributor's forecast for the month.

use qudao_domain::access::RoleSide;
use qudao_domain::partners::CreditCode;

use super::{DemoAccount, Progress};
use crate::deals::{self, ContactBody, RegistrationBody};
use crate::{App, AppError, AppResult, Ctx};

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Written {
    /// Registrations filed.
    pub registrations: usize,
    /// Of those, waiting for a channel manager.
    pub pending: usize,
    /// Leads entered (and routed).
    pub leads: usize,
    /// Opportunities entered.
    pub opportunities: usize,
}

/// An end customer: name, short name, region, industry, contact, phone, mail domain, amount
/// (yuan).
type Customer =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

/// End customers the demo's partners are working on. Invented.
const CUSTOMERS: [Customer; 12] = [
    (
        "上海澄明精密仪器有限公司",
        "澄明仪器",
        "CN-SH",
        "仪器仪表",
        "周敏",
        "13916008800",
        "chengming-inst.com",
        "520000",
    ),
    ("杭州绿源食品股份有限公司", "绿源食品", "CN-ZJ", "食品", "李娜", "13857001234", "lvyuan-food.cn", "180000"),
    ("南京启明星电子有限公司", "启明星", "CN-JS", "电子", "孙浩", "13770001234", "qmx-elec.com", "260000"),
    ("苏州同创智能装备有限公司", "同创装备", "CN-JS", "机械设备", "王强", "13962101234", "tongchuang-zn.com", "900000"),
    ("宁波甬兴塑业有限公司", "甬兴塑业", "CN-ZJ", "塑料制品", "陈静", "13805741234", "yongxing-plastic.com", "150000"),
    ("合肥安和医疗器械有限公司", "安和医疗", "CN-AH", "医疗器械", "赵磊", "13905511234", "anhe-med.cn", "430000"),
    ("无锡恒远物流有限公司", "恒远物流", "CN-JS", "物流", "刘洋", "13921201234", "hengyuan56.com", "120000"),
    ("上海锦程酒店管理有限公司", "锦程酒店", "CN-SH", "酒店", "吴芳", "13817001234", "jincheng-hotels.com", "300000"),
    ("温州瑞丰鞋业有限公司", "瑞丰鞋业", "CN-ZJ", "鞋服", "郑凯", "13705771234", "ruifeng-shoes.com", "210000"),
    ("常州天合新能源科技有限公司", "天合新能源", "CN-JS", "新能源", "钱伟", "13961201234", "tianhe-ne.com", "800000"),
    ("上海云帆网络科技有限公司", "云帆网络", "CN-SH", "互联网", "黄磊", "13671601234", "yunfan-net.com", "160000"),
    ("嘉兴禾丰农业发展有限公司", "禾丰农业", "CN-ZJ", "农业", "沈丽", "13857301234", "hefeng-agri.cn", "90000"),
];

fn body(customer: &Customer, n: usize) -> RegistrationBody {
    let (name, short, region, industry, person, phone, domain, amount) = *customer;
    // Every third customer carries its credit code (valid: the check character is computed).
    let code = n.is_multiple_of(3).then(|| format!("9131{:04}MA1{:06}", 100 + n, 400_000 + n * 7_919));
    RegistrationBody {
        customer_name: name.into(),
        short_name: Some(short.into()),
        credit_code: code.and_then(|c| CreditCode::with_check_char(&c)).map(|c| c.as_str().to_string()),
        region: Some(region.into()),
        industry: Some(industry.into()),
        contacts: vec![ContactBody {
            name: Some(person.into()),
            phone: Some(phone.into()),
            email: Some(format!("{}@{domain}", qudao_domain::deals::names::pinyin_plain(person))),
        }],
        expected_amount: Some(serde_json::Value::String(amount.into())),
        products: Some("年度采购框架协议".into()),
        ..RegistrationBody::default()
    }
}

async fn sign_in(app: &App, account: &DemoAccount) -> AppResult<Ctx> {
    let signed = crate::access::auth::sign_in(
        app,
        crate::access::auth::SignIn {
            login: account.login.clone(),
            password: account.password.clone(),
            ip: "127.0.0.1".into(),
            user_agent: None,
            api: false,
        },
    )
    .await?;
    Ok(Ctx::new(signed.caller, None, None))
}

/// Files the demo's registrations as its partner accounts.
pub(crate) async fn write(app: &App, accounts: &[DemoAccount], progress: &dyn Progress) -> AppResult<Written> {
    // One account per partner company (the first printed: its administrator).
    let mut partners: Vec<&DemoAccount> = Vec::new();
    for account in accounts.iter().filter(|a| a.role.side() == RoleSide::Partner) {
        if !partners.iter().any(|p| p.partner_name == account.partner_name) {
            partners.push(account);
        }
    }
    if partners.len() < 2 {
        return Ok(Written::default());
    }
    progress.stage("registrations", CUSTOMERS.len() as u64 + 3);
    let mut ctxs = Vec::new();
    for account in &partners {
        ctxs.push(sign_in(app, account).await?);
    }
    let mut written = Written::default();
    let mut filed = Vec::new();
    for (n, customer) in CUSTOMERS.iter().enumerate() {
        let ctx = &ctxs[n % ctxs.len()];
        let view = deals::submit(app, ctx, &body(customer, n), None).await?;
        filed.push(view);
        written.registrations += 1;
        progress.advance(1);
    }
    // Another partner's spelling of the first customer: the city in brackets, a public mail
    // address — a name alone, so a channel manager decides.
    let other = &ctxs[1];
    let spelt = RegistrationBody {
        customer_name: "澄明精密仪器（上海）有限公司".into(),
        region: Some("CN-SH".into()),
        contacts: vec![ContactBody {
            name: Some("周经理".into()),
            phone: Some("021-6888 1234".into()),
            email: Some("chengming2026@163.com".into()),
        }],
        expected_amount: Some(serde_json::Value::String("480000".into())),
        ..RegistrationBody::default()
    };
    let waiting = deals::submit(app, other, &spelt, None).await?;
    written.registrations += 1;
    written.pending += usize::from(waiting.registration.status.as_str() == "pending");
    // The same customer by its credit code: refused at once.
    if let Some(code) = filed[0].registration.credit_code.clone() {
        let duplicate = RegistrationBody {
            customer_name: "澄明仪器".into(),
            credit_code: Some(code),
            ..RegistrationBody::default()
        };
        deals::submit(app, &ctxs[ctxs.len() - 1], &duplicate, None).await?;
        written.registrations += 1;
    }
    progress.advance(2);
    // An extension granted by rule, then one waiting for a decision; a customer given up.
    let extended = &filed[0];
    deals::ask_extension(app, &ctxs[0], extended.registration.id, Some("客户招标推迟到下季度")).await?;
    match deals::ask_extension(app, &ctxs[0], extended.registration.id, Some("客户要求再等一个月")).await {
        Ok(_) | Err(AppError::Conflict(_)) => {}
        Err(other) => return Err(other),
    }
    let given_up = &filed[filed.len() - 1];
    let holder = &ctxs[(filed.len() - 1) % ctxs.len()];
    deals::release(app, holder, given_up.registration.id, Some("客户已选择其他品牌")).await?;
    progress.advance(1);
    let (lead_count, accepted_lead) = leads(app, accounts, &ctxs).await?;
    written.leads = lead_count;
    written.opportunities = opportunities(app, &ctxs, &filed, accepted_lead).await?;
    Ok(written)
}

/// Opportunities from the printed partners' protected registrations and the accepted lead,
/// moved along the stages with follow-ups, one won; the distributor's forecast for this month.
async fn opportunities(
    app: &App,
    ctxs: &[Ctx],
    filed: &[crate::deals::RegistrationView],
    accepted_lead: Option<String>,
) -> AppResult<usize> {
    use crate::deals::opportunities::{self as uc, FollowupBody, ForecastInput, OpportunityBody, StageMove};
    let plan = [
        (2usize, "negotiate", "拜访采购总监，确认年度预算"),
        (3, "propose", "电话沟通报价方案"),
        (4, "won", "签订年度框架协议"),
    ];
    let mut made = 0;
    for (index, stage, note) in plan {
        let Some(claim) = filed.get(index) else { continue };
        if claim.registration.status.as_str() != "approved" {
            continue;
        }
        let ctx = &ctxs[index % ctxs.len()];
        let body = OpportunityBody {
            from_registration: Some(claim.registration.id.to_string()),
            amount: claim.registration.expected_amount.map(|fen| serde_json::json!((fen / 100).to_string())),
            close_date: Some("2027-03-31".into()),
            products: Some("年度采购框架协议".into()),
            ..OpportunityBody::default()
        };
        let deal = uc::create(app, ctx, &body, None).await?;
        let id = deal.opportunity.id.clone();
        uc::add_followup(app, ctx, &id, &FollowupBody { kind: "visit".into(), note: note.into(), date: None }, None)
            .await?;
        let reason = (stage == "won").then(|| "价格与服务获认可".to_string());
        uc::move_stage(app, ctx, &id, &StageMove { stage: stage.into(), reason }).await?;
        made += 1;
    }
    if let Some(lead) = accepted_lead {
        let body = OpportunityBody {
            from_lead: Some(lead),
            amount: Some(serde_json::json!("120000")),
            ..OpportunityBody::default()
        };
        uc::create(app, &ctxs[0], &body, None).await?;
        made += 1;
    }
    let today = crate::clock::china_date(app.now_ms());
    let period = format!("{}-{:02}", today / 10_000, today / 100 % 100);
    uc::submit_forecast(app, &ctxs[0], &ForecastInput { period, lines: Vec::new() }).await?;
    Ok(made)
}

/// Leads: a rule sending food and catering leads to the printed distributor, one sending retail
/// leads to the printed retailer, a weighted catch-all for East China; leads through them — one
/// accepted, one declined and routed on, one from elsewhere left to the brand.
async fn leads(app: &App, accounts: &[DemoAccount], partners: &[Ctx]) -> AppResult<(usize, Option<String>)> {
    use crate::deals::leads::{self, LeadBody, RuleInput};
    let Some(admin) = accounts.iter().find(|a| a.role == qudao_domain::access::Role::BrandAdmin) else {
        return Ok((0, None));
    };
    let admin = sign_in(app, admin).await?;
    let mut ids = Vec::new();
    for ctx in partners.iter().take(2) {
        let id = ctx.caller().partner_id().ok_or_else(|| AppError::Internal("a partner account".into()))?;
        let detail = crate::partners::get_partner(app, &admin, id).await?;
        ids.push((id, detail.partner.region.path.clone()));
    }
    let rules = [
        ("旗舰经销商 · 食品餐饮", serde_json::json!(["食品饮料", "餐饮"]), Some(&ids[0])),
        ("零售门店线索", serde_json::json!(["零售"]), Some(&ids[1])),
    ];
    for (position, (name, industries, partner)) in rules.into_iter().enumerate() {
        let input: RuleInput = serde_json::from_value(serde_json::json!({
            "position": position + 1,
            "rule": {
                "name": name,
                "lead_regions": ["/R-EAST/"],
                "lead_industries": industries,
                "partner_regions": partner.map(|(_, path)| vec![path.clone()]).unwrap_or_default(),
                "partners": partner.map(|(id, _)| vec![*id]).unwrap_or_default(),
                "strategy": "round_robin",
                "sla_hours": 24
            }
        }))
        .map_err(|e| AppError::Internal(e.to_string()))?;
        leads::create_rule(app, &admin, &input, None).await?;
    }
    let catch_all: RuleInput = serde_json::from_value(serde_json::json!({
        "position": 9,
        "rule": {
            "name": "华东兜底（按等级加权）",
            "lead_regions": ["/R-EAST/"],
            "capacity": 10,
            "strategy": "weighted",
            "weights": [{ "tier": "platinum", "weight": 3 }, { "tier": "gold", "weight": 2 }],
            "sla_hours": 48
        }
    }))
    .map_err(|e| AppError::Internal(e.to_string()))?;
    leads::create_rule(app, &admin, &catch_all, None).await?;
    let region_of = |path: &str| path.trim_end_matches('/').rsplit('/').next().unwrap_or("CN-SH").to_string();
    let (food_region, retail_region) = (region_of(&ids[0].1), region_of(&ids[1].1));
    let made = [
        ("杭州知味餐饮管理有限公司", "餐饮", food_region.as_str(), "13957101234", "门店 30 家，询年度饮料供应"),
        ("上海鲜享食品饮料商行", "食品饮料", food_region.as_str(), "13817009876", "想代理气泡水系列"),
        ("苏州万家福超市有限公司", "零售", retail_region.as_str(), "13962105678", "新开 5 家社区店"),
        ("宁波甬城便利连锁有限公司", "零售", retail_region.as_str(), "13805749876", "询价进场费政策"),
        ("成都蓉城火锅餐饮有限公司", "餐饮", "CN-SC", "13880001234", "西南地区的询价"),
    ];
    let mut views = Vec::new();
    for (company, industry, region, phone, message) in made {
        let body = LeadBody {
            company: company.into(),
            contact_name: Some("采购负责人".into()),
            phone: Some(phone.into()),
            region: Some(region.into()),
            industry: Some(industry.into()),
            message: Some(message.into()),
            ..LeadBody::default()
        };
        views.push(leads::create(app, &admin, &body, None).await?);
    }
    // The distributor accepts the first; the retailer declines the fourth, which goes on.
    let mut accepted = None;
    if views[0].lead.partner_id == Some(ids[0].0) {
        leads::accept(app, &partners[0], &views[0].lead.id).await?;
        accepted = Some(views[0].lead.id.clone());
    }
    if views[3].lead.partner_id == Some(ids[1].0) {
        leads::decline(app, &partners[1], &views[3].lead.id, Some("本月进场名额已满")).await?;
    }
    Ok((views.len(), accepted))
}

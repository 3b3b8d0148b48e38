//! Made-up people, companies, phone numbers, e-mail addresses and street addresses. Every domain
//! ends in `.cn` under a name we invent; none is meant to exist.

use std::collections::HashSet;

use qudao_domain::partners::PartnerKind;

use super::data::{IndustryRow, Tables, Word};
use super::geo::City;
use super::rng::Rng;

/// A person: Chinese name, the e-mail local part from its pinyin, a mobile number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub name: String,
    /// `zhang.wei`
    pub local: String,
    pub phone: String,
}

/// A new person: a surname and a given name (one or two characters, as the file has them).
pub(crate) fn person(tables: &Tables, rng: &mut Rng) -> Person {
    let none = Word { zh: "", pinyin: "" };
    let surname = rng.pick(&tables.surnames).copied().unwrap_or(none);
    let given = rng.pick(&tables.given_names).copied().unwrap_or(none);
    Person {
        name: format!("{}{}", surname.zh, given.zh),
        local: format!("{}.{}", surname.pinyin, given.pinyin).to_lowercase(),
        phone: mobile(rng),
    }
}

/// Prefixes that mainland operators give to ordinary mobile subscribers.
const MOBILE_PREFIXES: [u16; 30] = [
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 176, 177, 180,
    181, 182, 186, 187, 188, 189, 199,
];

/// A mainland mobile number: a common three-digit prefix and eight digits.
pub(crate) fn mobile(rng: &mut Rng) -> String {
    let prefix = rng.pick(&MOBILE_PREFIXES).copied().unwrap_or(138);
    format!("{prefix}{:08}", rng.below(100_000_000))
}

/// An address at `domain` for `person`, numbered if the partner already uses that one.
pub(crate) fn email(person: &Person, domain: &str, used: &mut HashSet<String>) -> String {
    let mut address = format!("{}@{domain}", person.local);
    let mut n = 2;
    while !used.insert(address.clone()) {
        address = format!("{}{n}@{domain}", person.local);
        n += 1;
    }
    address
}

/// Sole-trader forms (个体户) carry no 有限公司.
fn is_sole_trader(industry_zh: &str) -> bool {
    ["批发部", "经营部", "商行"].iter().any(|form| industry_zh.ends_with(form))
}

/// Words put between trade name and industry when every trade name drawn was taken.
const DISAMBIGUATORS: [(&str, &str); 4] =
    [("兴业", "Xingye"), ("汇通", "Huitong"), ("中联", "Zhonglian"), ("嘉禾", "Jiahe")];

/// A partner company's names, unique over the data set.
#[derive(Debug, Clone)]
pub(crate) struct CompanyName {
    pub name: String,
    pub name_en: String,
    /// 简称: city and trade name.
    pub short_name: String,
    /// The made-up e-mail domain, unique too.
    pub domain: String,
}

/// Names for a company of `kind` in `city`: `南京恒泰商贸有限公司`, `Nanjing Hengtai Trading Co.,
/// Ltd.`. A name already used gets another trade name, then a disambiguating word.
pub(crate) fn company(
    tables: &Tables,
    kind: PartnerKind,
    city: &City,
    rng: &mut Rng,
    names: &mut HashSet<String>,
    domains: &mut HashSet<String>,
) -> CompanyName {
    let industries: Vec<&IndustryRow> = tables.industries.iter().filter(|i| i.kind == kind.as_str()).collect();
    let industry = rng.pick(&industries).copied().map_or(("商贸", "Trading"), |i| (i.zh, i.en));
    let none = Word { zh: "", pinyin: "" };
    let compose = |trade: &str, trade_en: &str| {
        let (zh_suffix, en_suffix) = if is_sole_trader(industry.0) { ("", "") } else { ("有限公司", " Co., Ltd.") };
        (
            format!("{}{trade}{}{zh_suffix}", city.short_zh, industry.0),
            format!("{} {trade_en} {}{en_suffix}", city.name_en, industry.1),
        )
    };
    let mut attempt = 0u32;
    let (trade, trade_en, name, name_en) = loop {
        let word = rng.pick(&tables.trade_names).copied().unwrap_or(none);
        let (mut trade, mut trade_en) = (word.zh.to_string(), word.pinyin.to_string());
        if attempt >= 40 {
            // Every draw was taken: add a word (and then a number) until the name is new.
            let extra = attempt - 40;
            let (zh, en) = DISAMBIGUATORS[extra as usize % DISAMBIGUATORS.len()];
            trade = format!("{trade}{zh}");
            trade_en = format!("{trade_en} {en}");
            if extra as usize >= DISAMBIGUATORS.len() {
                trade = format!("{trade}{extra}");
                trade_en = format!("{trade_en} {extra}");
            }
        }
        let (name, name_en) = compose(&trade, &trade_en);
        if names.insert(name.clone()) {
            break (trade, trade_en, name, name_en);
        }
        attempt += 1;
    };
    let slug = industry.1.split_whitespace().next().unwrap_or("trading").to_lowercase();
    let trade_slug: String = trade_en.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    let city_slug: String = city.name_en.chars().filter(char::is_ascii_alphabetic).collect::<String>().to_lowercase();
    let mut domain = format!("{trade_slug}-{slug}.cn");
    if !domains.insert(domain.clone()) {
        domain = format!("{city_slug}{trade_slug}-{slug}.cn");
        let mut n = 2;
        while !domains.insert(domain.clone()) {
            domain = format!("{city_slug}{trade_slug}{n}-{slug}.cn");
            n += 1;
        }
    }
    CompanyName { short_name: format!("{}{trade}", city.short_zh), name, name_en, domain }
}

/// Streets every Chinese city has one of.
const STREETS: [&str; 24] = [
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "长江路",
    "黄河路",
    "胜利路",
    "文化路",
    "工业园路",
    "发展大道",
    "科技路",
    "滨江路",
    "迎宾大道",
    "商贸大道",
    "物流园路",
    "朝阳路",
    "青年路",
    "振兴路",
    "东风路",
    "光明路",
    "学府路",
    "湖滨路",
];

const FLOORS: [&str; 4] = ["一楼", "一层东侧", "负一楼", "二楼"];

/// A shipping address's street part, shaped by what the partner receives: a warehouse for a
/// distributor, a shop front for a retailer, an office otherwise.
pub(crate) fn shipping_detail(kind: PartnerKind, rng: &mut Rng) -> String {
    let street = rng.pick(&STREETS).copied().unwrap_or("中山路");
    let number = rng.between(1, 299);
    match kind {
        PartnerKind::Distributor => format!("{street}{number}号{}号仓库", rng.between(1, 8)),
        PartnerKind::SubDealer => format!("{street}{number}号"),
        PartnerKind::Retailer => format!("{street}{number}号{}", rng.pick(&FLOORS).copied().unwrap_or("一楼")),
        PartnerKind::Agent => format!("{street}{number}号{}栋{}室", rng.between(1, 12), rng.between(101, 1_808)),
    }
}

/// An office address for invoices.
pub(crate) fn billing_detail(rng: &mut Rng) -> String {
    let street = rng.pick(&STREETS).copied().unwrap_or("人民路");
    let tower = rng.pick(&["A", "B", "C"]).copied().unwrap_or("A");
    format!("{street}{}号{tower}座{}{:02}室", rng.between(1, 399), rng.between(2, 28), rng.between(1, 20))
}

/// Job titles of a partner's contacts, main contact first.
pub(crate) fn contact_title(kind: PartnerKind, position: usize) -> &'static str {
    match (kind, position) {
        (PartnerKind::Retailer, 0) => "店长",
        (PartnerKind::SubDealer, 0) => "老板",
        (_, 0) => "总经理",
        (PartnerKind::Retailer, 1) => "采购",
        (_, 1) => "采购经理",
        _ => "财务主管",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::geo;

    #[test]
    fn names_follow_the_legal_forms_and_never_repeat() {
        let tables = Tables::load().unwrap();
        let cities = geo::cities(&tables).unwrap();
        let nanjing = cities.iter().find(|c| c.code == "CN-JS-NJ").unwrap();
        let mut rng = Rng::stream(1, 1);
        let (mut names, mut domains) = (HashSet::new(), HashSet::new());
        for _ in 0..2_000 {
            let n = company(&tables, PartnerKind::Distributor, nanjing, &mut rng, &mut names, &mut domains);
            assert!(n.name.starts_with("南京") && n.name.ends_with("有限公司"), "{}", n.name);
            assert!(n.name_en.starts_with("Nanjing ") && n.name_en.ends_with(" Co., Ltd."), "{}", n.name_en);
        }
        assert_eq!(names.len(), 2_000);
        assert_eq!(domains.len(), 2_000);
        let sub = company(&tables, PartnerKind::SubDealer, nanjing, &mut rng, &mut names, &mut domains);
        assert!(!sub.name.contains("有限公司") && !sub.name_en.contains("Ltd."), "{}", sub.name);
    }

    #[test]
    fn people_have_mobiles_and_ascii_mail_names() {
        let tables = Tables::load().unwrap();
        let mut rng = Rng::stream(1, 2);
        for _ in 0..200 {
            let p = person(&tables, &mut rng);
            assert!(qudao_domain::partners::parse_phone("p", &p.phone).is_ok(), "{}", p.phone);
            let mut used = HashSet::new();
            let address = email(&p, "hengtai-trading.cn", &mut used);
            assert!(qudao_domain::partners::parse_email("e", &address).is_ok(), "{address}");
            assert_eq!(email(&p, "hengtai-trading.cn", &mut used), format!("{}2@hengtai-trading.cn", p.local));
        }
    }
}

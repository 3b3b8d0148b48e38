//! Whether two company names are one company: compared part by part, each decision explained.
//!
//! Same company: the same trade name and industry, written with any legal form, width, script
//! (simplified/traditional) or punctuation, the city in front, in brackets or left out, a trade
//! name mistyped with a same-sounding character or two characters swapped, an English name that
//! spells the trade name in pinyin, a bare short name (小米) for the company whose trade name it is.
//! Not the same: another industry under the same trade name (华为技术 / 华为终端: one group, two
//! companies), a branch and its head office, the same name in another city, a trade name one
//! differently-sounding character away (华为 / 华美).

use serde::Serialize;

use super::names::{CompanyName, Script, fuzzy_sound, pinyin_plain, syllables};

/// How two names relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// One company written two ways.
    Same,
    /// One group's two companies: a branch and its head office, or the same trade name in another
    /// industry. A conflict only where the rules ask for group-level protection.
    Group,
    /// Two companies.
    Different,
}

/// What made two names one company (or one group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameSign {
    /// The same trade name and industry once normalised.
    SameName,
    /// The trade names sound the same (腾讯 / 腾迅): a pinyin typing slip.
    SameSound,
    /// Two characters of the trade name swapped.
    Swapped,
    /// An English name one letter away.
    Misspelt,
    /// An English name spelling the Chinese trade name in pinyin (Huawei / 华为).
    OtherScript,
    /// A short name (简称) for the full name.
    ShortName,
    /// The same trade name in another industry (one group).
    SameTrade,
    /// A branch of the same company.
    Branch,
}

/// Something worth knowing about a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameNote {
    /// One of the names has no city: it may be elsewhere.
    PlaceMissing,
    /// The names are in different cities.
    OtherPlace,
    /// One is a branch, or they are different branches.
    OtherBranch,
    /// The industry words differ.
    OtherIndustry,
}

/// The comparison of two names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameMatch {
    /// Same company, same group or different.
    pub relation: Relation,
    /// What matched, when something did.
    pub sign: Option<NameSign>,
    /// How sure, 0–100.
    pub score: u8,
    /// What else was seen.
    pub notes: Vec<NameNote>,
}

impl NameMatch {
    fn different(notes: Vec<NameNote>) -> NameMatch {
        NameMatch { relation: Relation::Different, sign: None, score: 0, notes }
    }
}

/// How the trade names compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trade {
    Equal,
    Sound,
    Swapped,
    Misspelt,
    Script,
    PartScript,
}

impl Trade {
    fn sign(self) -> NameSign {
        match self {
            Trade::Equal => NameSign::SameName,
            Trade::Sound => NameSign::SameSound,
            Trade::Swapped => NameSign::Swapped,
            Trade::Misspelt => NameSign::Misspelt,
            Trade::Script | Trade::PartScript => NameSign::OtherScript,
        }
    }

    fn score(self) -> u8 {
        match self {
            Trade::Equal => 96,
            Trade::Sound => 88,
            Trade::Misspelt => 86,
            Trade::Script => 84,
            Trade::Swapped => 80,
            Trade::PartScript => 76,
        }
    }
}

/// Compares two names read by [`CompanyName::parse`].
pub fn compare(a: &CompanyName, b: &CompanyName) -> NameMatch {
    let Some(trade) = trade_relation(a, b) else {
        return NameMatch::different(Vec::new());
    };
    let mut notes = Vec::new();
    match (a.place, b.place) {
        (Some(x), Some(y)) if !x.compatible(y) => {
            notes.push(NameNote::OtherPlace);
            return NameMatch::different(notes);
        }
        (Some(_), None) | (None, Some(_)) => notes.push(NameNote::PlaceMissing),
        _ => {}
    }
    if !same_industry(a, b) {
        notes.push(NameNote::OtherIndustry);
        let whole = matches!(trade, Trade::Equal | Trade::Script);
        if whole && (short_for(a, b) || short_for(b, a)) {
            return NameMatch { relation: Relation::Same, sign: Some(NameSign::ShortName), score: 74, notes };
        }
        if whole {
            return NameMatch { relation: Relation::Group, sign: Some(NameSign::SameTrade), score: 50, notes };
        }
        return NameMatch::different(notes);
    }
    if trade == Trade::PartScript && a.concepts.is_empty() {
        return NameMatch::different(notes);
    }
    if a.branch != b.branch {
        notes.push(NameNote::OtherBranch);
        return NameMatch { relation: Relation::Group, sign: Some(NameSign::Branch), score: 55, notes };
    }
    let missing = if notes.contains(&NameNote::PlaceMissing) { 4 } else { 0 };
    NameMatch { relation: Relation::Same, sign: Some(trade.sign()), score: trade.score() - missing, notes }
}

/// Concepts that English names often leave out (Midea Group / 美的集团股份有限公司 is the group
/// itself, but "Mengniu Dairy" is written for 蒙牛乳业（集团）too).
const OPTIONAL_CONCEPTS: [&str; 2] = ["group", "holding"];

/// Whether the industries are the same: the words themselves between Chinese names (科技 is not
/// 技术), the concepts across scripts, where "Group" may be left out.
fn same_industry(a: &CompanyName, b: &CompanyName) -> bool {
    if a.script == Script::Chinese && b.script == Script::Chinese {
        return a.industry == b.industry;
    }
    let essential = |n: &CompanyName| -> Vec<&'static str> {
        n.concepts.iter().copied().filter(|c| !OPTIONAL_CONCEPTS.contains(c)).collect()
    };
    essential(a) == essential(b)
}

/// Whether `short` is a short name (简称) of `full`: written without a legal form, its industry
/// words the start of the full name's, followed only by 集团/控股 unless the short name is the
/// bare trade name (小米 → 小米科技有限责任公司, 万华化学 → 万华化学集团股份有限公司; not
/// 美的集团 → 美的电器).
fn short_for(short: &CompanyName, full: &CompanyName) -> bool {
    if !short.is_short() || !full.formal || full.branch.is_some() {
        return false;
    }
    let (s, f): (Vec<&str>, Vec<&str>) = if short.script == Script::Chinese && full.script == Script::Chinese {
        (short.industry.iter().map(String::as_str).collect(), full.industry.iter().map(String::as_str).collect())
    } else {
        (short.concepts.clone(), full.concepts.clone())
    };
    if s.is_empty() {
        return true;
    }
    f.starts_with(&s) && f[s.len()..].iter().all(|w| matches!(*w, "集团" | "控股" | "group" | "holding"))
}

/// Compares the trade names: equal, a same-sounding slip, two characters swapped, an English
/// misspelling, or the pinyin of one in the other's Latin letters.
fn trade_relation(a: &CompanyName, b: &CompanyName) -> Option<Trade> {
    if a.trade.is_empty() || b.trade.is_empty() {
        return None;
    }
    match (a.script, b.script) {
        (Script::Chinese, Script::Chinese) => chinese_trades(&a.trade, &b.trade),
        (Script::Latin, Script::Latin) => {
            let (x, y) = (a.trade_latin(), b.trade_latin());
            if x == y {
                Some(Trade::Equal)
            } else if x.len() >= 6 && y.len() >= 6 && strsim::levenshtein(&x, &y) == 1 {
                Some(Trade::Misspelt)
            } else {
                None
            }
        }
        (Script::Chinese, Script::Latin) => across_scripts(a, b),
        (Script::Latin, Script::Chinese) => across_scripts(b, a),
    }
}

/// A Chinese trade name against an English one: the English spells the pinyin (sounds a keyboard
/// mixes up allowed: "Yonyou" for 用友 yongyou), or its first word spells the start of the Chinese
/// trade name and the rest is a translation (Baidu Online / 百度在线) — the latter only counts
/// where the industries then agree.
fn across_scripts(chinese: &CompanyName, latin: &CompanyName) -> Option<Trade> {
    let spelt = fuzzy_sound(&latin.trade_latin());
    if spelt.len() >= 4 && fuzzy_sound(&chinese.trade_latin()) == spelt {
        return Some(Trade::Script);
    }
    let words: Vec<&str> = latin.trade.split(' ').collect();
    let first = fuzzy_sound(words.first()?);
    if words.len() < 2 || first.len() < 4 {
        return None;
    }
    let chars: Vec<char> = chinese.trade.chars().collect();
    (2..chars.len())
        .any(|k| fuzzy_sound(&pinyin_plain(&chars[..k].iter().collect::<String>())) == first)
        .then_some(Trade::PartScript)
}

fn chinese_trades(a: &str, b: &str) -> Option<Trade> {
    if a == b {
        return Some(Trade::Equal);
    }
    let x: Vec<char> = a.chars().collect();
    let y: Vec<char> = b.chars().collect();
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let differing: Vec<usize> = (0..x.len()).filter(|i| x[*i] != y[*i]).collect();
    let (sx, sy) = (syllables(a), syllables(b));
    let sounds_same = |i: usize, fuzzy: bool| match (sx.get(i).copied().flatten(), sy.get(i).copied().flatten()) {
        (Some(p), Some(q)) => p == q || (fuzzy && fuzzy_sound(p) == fuzzy_sound(q)),
        _ => false,
    };
    if differing.len() == 1 && sounds_same(differing[0], x.len() >= 3) {
        return Some(Trade::Sound);
    }
    if differing.len() >= 2 && differing.len() * 2 <= x.len() && differing.iter().all(|i| sounds_same(*i, false)) {
        return Some(Trade::Sound);
    }
    if x.len() >= 3 && differing.len() == 2 && differing[1] == differing[0] + 1 {
        let (i, j) = (differing[0], differing[1]);
        if x[i] == y[j] && x[j] == y[i] {
            return Some(Trade::Swapped);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation(a: &str, b: &str) -> (Relation, Option<NameSign>) {
        let m = compare(&CompanyName::parse(a), &CompanyName::parse(b));
        (m.relation, m.sign)
    }

    #[test]
    fn one_company_written_differently() {
        for (a, b) in [
            ("上海某某科技有限公司", "某某科技（上海）有限公司"),
            ("上海某某科技有限公司", "某某科技(上海)有限公司"),
            ("華為技術有限公司", "华为技术有限公司"),
            ("杭州绿源食品有限公司", "杭州 绿源食品 股份有限公司"),
            ("深圳市南山区某某电子有限公司", "深圳某某电子有限公司"),
            ("某某科技有限公司", "北京某某科技有限公司"),
        ] {
            assert_eq!(relation(a, b), (Relation::Same, Some(NameSign::SameName)), "{a} / {b}");
        }
        assert_eq!(relation("腾讯科技（深圳）有限公司", "腾迅科技(深圳)有限公司").1, Some(NameSign::SameSound));
        assert_eq!(relation("华为技术有限公司", "Huawei Technologies Co., Ltd.").1, Some(NameSign::OtherScript));
        assert_eq!(relation("小米", "小米科技有限责任公司").1, Some(NameSign::ShortName));
        assert_eq!(
            relation("Shanghai Lvyuan Trading Co., Ltd.", "SHANGHAI LVYUAN TRADING COMPANY LIMITED").0,
            Relation::Same
        );
    }

    #[test]
    fn names_that_only_look_alike_stay_apart() {
        assert_eq!(relation("华为技术有限公司", "华为终端有限公司"), (Relation::Group, Some(NameSign::SameTrade)));
        assert_eq!(relation("某某科技有限公司", "某某科技有限公司上海分公司").0, Relation::Group);
        assert_eq!(relation("北京某某科技有限公司", "上海某某科技有限公司").0, Relation::Different);
        assert_eq!(relation("华为技术有限公司", "华美技术有限公司").0, Relation::Different);
        assert_eq!(relation("上海某某科技有限公司", "上海某某技术有限公司").0, Relation::Group);
        assert_eq!(relation("新希望", "新希望六和股份有限公司").0, Relation::Different);
    }
}

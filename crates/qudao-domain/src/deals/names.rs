//! A company name read into its parts, the way Chinese company names are built (企业名称 =
//! 行政区划 + 字号 + 行业 + 组织形式, GB/T and the naming rules of 2020): place, trade name,
//! industry, legal form — and a branch (分公司) when there is one.
//!
//! Reading a name into parts is what lets the matcher ignore what does not tell companies apart
//! (the legal form, full-width letters, traditional characters, where the city is written) and
//! keep what does (the trade name, the industry, the city, the branch).

use pinyin::ToPinyin;

use super::industries::{JOINERS, industries};
use super::places::{Place, places};

/// Legal forms at the end of a Chinese name, longest first.
const FORMS: [&str; 12] = [
    "股份有限公司",
    "有限责任公司",
    "个人独资企业",
    "有限合伙企业",
    "有限公司",
    "股份公司",
    "有限合伙",
    "普通合伙",
    "合伙企业",
    "特殊普通合伙",
    "独资企业",
    "公司",
];

/// Words after a head office's name that make a branch of it.
const BRANCHES: [&str; 12] =
    ["分公司", "分店", "分厂", "办事处", "营业部", "分行", "支行", "分所", "分院", "分部", "分中心", "代表处"];

/// English legal-form words, dropped wherever they stand at the end.
const LATIN_FORMS: [&str; 20] = [
    "joint-stock",
    "joint",
    "stock",
    "shareholding",
    "co",
    "ltd",
    "limited",
    "company",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "pte",
    "pty",
];

/// How the name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Has Chinese characters.
    Chinese,
    /// Latin letters only (an English name).
    Latin,
}

/// A company name read into its parts. Every part is normalised: simplified characters, half-width,
/// lower case, no spaces or punctuation in Chinese parts; Latin parts are words joined by one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName {
    /// Chinese or English.
    pub script: Script,
    /// The place the name was registered under, the most specific one written.
    pub place: Option<&'static Place>,
    /// The trade name (字号): 华为, or "huawei".
    pub trade: String,
    /// The industry words (技术, 网络+科技), in order.
    pub industry: Vec<String>,
    /// Their concepts, for reading against another script.
    pub concepts: Vec<&'static str>,
    /// A legal form was written (有限公司, Co., Ltd.): the name is a full name, not a short one.
    pub formal: bool,
    /// A branch: where it is ("上海", or empty when only 分公司 was written).
    pub branch: Option<String>,
}

impl CompanyName {
    /// Reads a name as typed.
    pub fn parse(raw: &str) -> CompanyName {
        let folded = fold(raw);
        let (main, bracket_place, formal_in_brackets) = take_brackets(&folded);
        let mut name = if main.chars().any(is_chinese) { parse_chinese(&main) } else { parse_latin(&main) };
        if let Some(place) = bracket_place {
            name.place = Some(name.place.filter(|p| place.compatible(p) && p.province == place.name).unwrap_or(place));
        }
        name.formal |= formal_in_brackets;
        name
    }

    /// The trade name and industry together (华为技术), the part two spellings of one company share.
    pub fn core(&self) -> String {
        match self.script {
            Script::Chinese => format!("{}{}", self.trade, self.industry.concat()),
            Script::Latin => {
                let mut core = self.trade.clone();
                for word in &self.industry {
                    core.push(' ');
                    core.push_str(word);
                }
                core
            }
        }
    }

    /// A short name (简称) as people write it: no legal form and no branch — "小米", "万华化学".
    pub fn is_short(&self) -> bool {
        !self.formal && self.branch.is_none()
    }

    /// The trade name as it sounds, in the Latin letters English names use for it ("huawei").
    pub fn trade_latin(&self) -> String {
        match self.script {
            Script::Chinese => pinyin_plain(&self.trade),
            Script::Latin => self.trade.replace(' ', ""),
        }
    }
}

/// Traditional → simplified, NFKC (full-width → half-width), lower case, every kind of bracket
/// made `(`/`)`.
fn fold(raw: &str) -> String {
    let simplified = simplet2s::convert(&crate::text::clean(raw, false));
    simplified
        .to_lowercase()
        .chars()
        .map(|c| SIMPLIFIED_FIXES.iter().find(|(from, _)| *from == c).map_or(c, |(_, to)| *to))
        .map(|c| match c {
            '【' | '〔' | '［' | '[' | '{' | '「' | '〈' | '《' => '(',
            '】' | '〕' | '］' | ']' | '}' | '」' | '〉' | '》' => ')',
            other => other,
        })
        .collect()
}

/// Takes bracketed parts out of a name: a place in brackets (某某科技（上海）有限公司) becomes the
/// name's place, a legal form (普通合伙) is noted, an English name beside a Chinese one is
/// dropped, anything else (集团) stays in the name without its brackets.
fn take_brackets(folded: &str) -> (String, Option<&'static Place>, bool) {
    let has_chinese = folded.chars().any(is_chinese);
    let mut main = String::new();
    let mut inner = String::new();
    let mut depth = 0usize;
    let mut place = None;
    let mut formal = false;
    for ch in folded.chars() {
        match ch {
            '(' => {
                depth += 1;
                if depth > 1 {
                    inner.push(' ');
                }
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let content: String = inner.chars().filter(|c| c.is_alphanumeric() || is_chinese(*c)).collect();
                    let latin_content = !content.chars().any(is_chinese);
                    let as_place = places()
                        .exact(&content)
                        .or_else(|| if latin_content { places().by_latin(&content) } else { None });
                    if let Some(found) = as_place {
                        place = Some(found);
                    } else if FORMS.contains(&content.as_str()) {
                        formal = true;
                    } else if !(has_chinese && latin_content) {
                        main.push(' ');
                        main.push_str(&inner);
                        main.push(' ');
                    }
                    inner.clear();
                }
            }
            _ if depth > 0 => inner.push(ch),
            _ => main.push(ch),
        }
    }
    if depth > 0 {
        main.push(' ');
        main.push_str(&inner);
    }
    (main, place, formal)
}

fn parse_chinese(main: &str) -> CompanyName {
    let mut chars: Vec<char> = main.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut name = CompanyName {
        script: Script::Chinese,
        place: None,
        trade: String::new(),
        industry: Vec::new(),
        concepts: Vec::new(),
        formal: false,
        branch: None,
    };
    // A branch: 某某科技有限公司上海分公司 → head office 某某科技有限公司, branch 上海.
    if let Some(marker) = BRANCHES.iter().find(|m| ends_with(&chars, m)) {
        chars.truncate(chars.len() - marker.chars().count());
        let label = match last_form(&chars) {
            Some(end) if end < chars.len() => {
                let label: Vec<char> = chars.split_off(end);
                label
            }
            _ => match places().at_end(&chars) {
                Some((_, len)) if chars.len() - len >= 2 => chars.split_off(chars.len() - len),
                _ => Vec::new(),
            },
        };
        let label: String = label.into_iter().collect();
        let label = places().exact(&label).map_or(label, |p| p.name.to_string());
        name.branch = Some(label);
    }
    // The legal form.
    while let Some(form) = FORMS.iter().find(|f| ends_with(&chars, f) && chars.len() > f.chars().count() + 1) {
        chars.truncate(chars.len() - form.chars().count());
        name.formal = true;
    }
    // Places at the start (广东省深圳市南山区…), then a district after them.
    while let Some((place, len)) = places().at_start(&chars) {
        let rest = &chars[len..];
        if rest.len() < 2 || all_industry(rest) {
            break;
        }
        name.place = Some(match name.place {
            Some(outer) if place.province == outer.name || outer.name == "中国" => place,
            Some(outer) => outer,
            None => place,
        });
        chars.drain(..len);
    }
    if name.place.is_some() {
        strip_district(&mut chars);
    }
    // A place at the end, brackets dropped (某某科技上海有限公司).
    if let Some((place, len)) = places().at_end(&chars)
        && chars.len() - len >= 2
        && !all_industry(&chars[..chars.len() - len])
    {
        if name.place.is_none_or(|p| place.compatible(p)) {
            name.place = Some(place);
        }
        chars.truncate(chars.len() - len);
    }
    // Industry words from the end, leaving a trade name of at least two characters.
    let mut industry = Vec::new();
    while let Some((word, concept)) = industries().chinese_at_end(&chars, 2) {
        chars.truncate(chars.len() - word.chars().count());
        industry.push((word, concept));
    }
    industry.reverse();
    name.industry = industry.iter().map(|(word, _)| (*word).to_string()).collect();
    name.concepts = dedup_concepts(industry.iter().map(|(_, concept)| *concept));
    name.trade = chars.into_iter().collect();
    name
}

fn parse_latin(main: &str) -> CompanyName {
    let mut tokens: Vec<String> = main
        .split(|c: char| !(c.is_alphanumeric() || c == '&' || c == '-'))
        .map(|t| t.trim_matches('-').to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let mut name = CompanyName {
        script: Script::Latin,
        place: None,
        trade: String::new(),
        industry: Vec::new(),
        concepts: Vec::new(),
        formal: false,
        branch: None,
    };
    name.formal |= pop_forms(&mut tokens);
    if tokens.last().is_some_and(|t| t == "branch" || t == "office") {
        tokens.pop();
        let label = match tokens.last().and_then(|t| places().by_latin(t)) {
            Some(place) if tokens.len() > 2 => {
                tokens.pop();
                place.name.to_string()
            }
            _ => String::new(),
        };
        name.formal |= pop_forms(&mut tokens);
        name.branch = Some(label);
    }
    // A place at the end: "Gree Electric Appliances, Inc. of Zhuhai", "Wuliangye Yibin".
    if tokens.len() >= 2
        && let Some(place) = tokens.last().and_then(|t| places().by_latin(t))
    {
        name.place = Some(place);
        tokens.pop();
        if tokens.len() > 1 && tokens.last().is_some_and(|t| t == "of") {
            tokens.pop();
        }
        name.formal |= pop_forms(&mut tokens);
    }
    if tokens.len() > 1
        && let Some(place) = places().by_latin(&tokens[0])
    {
        name.place = name.place.or(Some(place));
        tokens.remove(0);
    } else if tokens.len() > 2
        && tokens.first().zip(tokens.get(1)).is_some_and(|(a, b)| places().by_latin(&format!("{a}{b}")).is_some())
    {
        name.place = places().by_latin(&format!("{}{}", tokens[0], tokens[1]));
        tokens.drain(..2);
    }
    let mut concepts = Vec::new();
    let mut words = Vec::new();
    while let Some((len, concept)) = industries().english_at_end(&tokens, 1) {
        let phrase = tokens.split_off(tokens.len() - len);
        words.push(phrase.join(" "));
        concepts.push(concept);
        while tokens.len() > 1 && tokens.last().is_some_and(|t| JOINERS.contains(&t.as_str())) {
            tokens.pop();
        }
    }
    words.reverse();
    concepts.reverse();
    name.industry = words;
    name.concepts = dedup_concepts(concepts.into_iter());
    name.trade = tokens.join(" ");
    name
}

/// Drops legal-form words (and a dangling "and") from the end; whether any was there.
fn pop_forms(tokens: &mut Vec<String>) -> bool {
    let mut popped = false;
    while tokens.len() > 1
        && tokens.last().is_some_and(|t| LATIN_FORMS.contains(&t.as_str()) || JOINERS.contains(&t.as_str()))
    {
        tokens.pop();
        popped = true;
    }
    popped
}

fn dedup_concepts(concepts: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for concept in concepts {
        if out.last() != Some(&concept) {
            out.push(concept);
        }
    }
    out
}

/// Drops a district written after the city (深圳市南山区某某 → 某某), keeping two characters.
fn strip_district(chars: &mut Vec<char>) {
    for len in 2..=5usize {
        if chars.len() < len + 2 {
            return;
        }
        let head: String = chars[..len].iter().collect();
        if head.ends_with("新区") || head.ends_with('区') || head.ends_with('县') {
            chars.drain(..len);
            return;
        }
    }
}

/// Where the last legal form in the name ends, if one is there.
fn last_form(chars: &[char]) -> Option<usize> {
    let text: String = chars.iter().collect();
    FORMS.iter().filter_map(|form| text.rfind(form).map(|at| text[..at].chars().count() + form.chars().count())).max()
}

fn all_industry(chars: &[char]) -> bool {
    let mut rest = chars.to_vec();
    while let Some((word, _)) = industries().chinese_at_end(&rest, 0) {
        rest.truncate(rest.len() - word.chars().count());
    }
    rest.is_empty()
}

fn ends_with(chars: &[char], suffix: &str) -> bool {
    let suffix: Vec<char> = suffix.chars().collect();
    chars.ends_with(&suffix)
}

/// Whether a character is a Chinese (CJK unified) ideograph.
pub fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// The toneless pinyin of the Chinese characters in `text`, other characters kept: 华为 → "huawei";
/// ü is written v, as keyboards and English names write it (绿源 → "lvyuan").
pub fn pinyin_plain(text: &str) -> String {
    let mut out = String::new();
    for (ch, reading) in text.chars().zip(text.to_pinyin()) {
        match reading {
            Some(p) => out.push_str(p.plain()),
            None => out.push(ch),
        }
    }
    out.replace('ü', "v")
}

/// The toneless syllables of each character (None for a character without a reading).
pub fn syllables(text: &str) -> Vec<Option<&'static str>> {
    text.to_pinyin().map(|p| p.map(|p| p.plain())).collect()
}

/// Characters the traditional → simplified table maps to a form other than the one names use
/// (瀋陽 is 沈阳, not 渖阳).
const SIMPLIFIED_FIXES: [(char, char); 1] = [('渖', '沈')];

/// Folds sounds a pinyin keyboard user mixes up (zh/z, ch/c, sh/s, -ng/-n), so 腾讯 and 滕迅
/// or 张 and 章 read alike.
pub fn fuzzy_sound(latin: &str) -> String {
    latin.replace("zh", "z").replace("ch", "c").replace("sh", "s").replace("ng", "n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> (Option<&'static str>, String, Vec<String>, bool, Option<String>) {
        let name = CompanyName::parse(raw);
        (name.place.map(|p| p.name), name.trade, name.industry, name.formal, name.branch)
    }

    #[test]
    fn a_city_in_brackets_or_in_front_is_the_same_place() {
        let a = parts("上海某某科技有限公司");
        let b = parts("某某科技（上海）有限公司");
        let c = parts("某某科技(上海市)有限公司");
        assert_eq!(a, (Some("上海"), "某某".into(), vec!["科技".to_string()], true, None));
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn traditional_full_width_and_districts_are_folded() {
        assert_eq!(parts("華為技術有限公司"), (None, "华为".into(), vec!["技术".to_string()], true, None));
        assert_eq!(parts("深圳市南山区ＡＢＣ电子有限公司").1, "abc");
        assert_eq!(parts("广东省深圳市腾讯计算机系统有限公司").0, Some("深圳"));
    }

    #[test]
    fn branches_are_kept_apart_from_their_head_office() {
        assert_eq!(parts("某某科技有限公司上海分公司").4, Some("上海".into()));
        assert_eq!(parts("某某科技有限公司上海分公司").1, "某某");
        assert_eq!(parts("某某科技上海分公司").4, Some("上海".into()));
        assert_eq!(parts("中国工商银行北京分行").4, Some("北京".into()));
    }

    #[test]
    fn english_names_have_the_same_parts() {
        let name = CompanyName::parse("Huawei Technologies Co., Ltd.");
        assert_eq!(name.trade, "huawei");
        assert_eq!(name.concepts, vec!["tech"]);
        assert!(name.formal);
        let name = CompanyName::parse("Shanghai Lvyuan Import & Export Co., Ltd. Beijing Branch");
        assert_eq!(name.place.map(|p| p.name), Some("上海"));
        assert_eq!(name.trade, "lvyuan");
        assert_eq!(name.concepts, vec!["import_export"]);
        assert_eq!(name.branch, Some("北京".into()));
    }

    #[test]
    fn short_names_are_bare() {
        assert!(CompanyName::parse("小米").is_short());
        assert!(!CompanyName::parse("小米科技有限公司").is_short());
        assert_eq!(CompanyName::parse("小米科技有限责任公司").trade_latin(), "xiaomi");
    }
}

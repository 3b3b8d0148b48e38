//! Blocking keys: a few short strings per customer such that two records of one company share at
//! least one, so a registration is compared with the handful of customers sharing a key instead of
//! with every customer (100,000 comparisons would take tens of milliseconds; a key lookup takes
//! microseconds). The same keys are stored beside each customer in the database.

use rustc_hash::{FxHashMap, FxHashSet};

use super::matcher::{NameMatch, Relation, compare};
use super::names::{CompanyName, Script, fuzzy_sound, pinyin_plain, syllables};

/// Public mail services: a shared address domain there says nothing about the company.
pub const PUBLIC_MAIL_DOMAINS: [&str; 26] = [
    "qq.com",
    "vip.qq.com",
    "foxmail.com",
    "163.com",
    "vip.163.com",
    "126.com",
    "yeah.net",
    "188.com",
    "sina.com",
    "sina.cn",
    "vip.sina.com",
    "sohu.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "21cn.com",
    "tom.com",
    "aliyun.com",
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
];

/// The domain of an e-mail address when it can say which company wrote it (not a public service).
pub fn company_domain(email: &str) -> Option<String> {
    let domain = email.rsplit_once('@')?.1.trim().to_lowercase();
    (!domain.is_empty() && !PUBLIC_MAIL_DOMAINS.contains(&domain.as_str())).then_some(domain)
}

/// The keys of a name: its trade name's sound (catches every spelling, same-sound slips, short
/// names and pinyin English names), the sound of its start (English names translating the rest),
/// its syllables sorted (swapped characters), and for English names the one-letter deletions
/// (misspellings).
pub fn name_keys(name: &CompanyName) -> Vec<String> {
    let latin = name.trade_latin();
    if latin.chars().count() < 2 {
        return Vec::new();
    }
    let mut keys = vec![format!("n:{}", fuzzy_sound(&latin))];
    match name.script {
        Script::Chinese => {
            // The sound of the trade name's start, for an English name whose first word spells
            // only that start (百度在线 / "Baidu Online").
            let chars: Vec<char> = name.trade.chars().collect();
            for k in 2..chars.len() {
                keys.push(format!("f:{}", fuzzy_sound(&pinyin_plain(&chars[..k].iter().collect::<String>()))));
            }
        }
        Script::Latin => {
            if let Some((first, _)) = name.trade.split_once(' ')
                && first.len() >= 4
            {
                keys.push(format!("f:{}", fuzzy_sound(first)));
            }
        }
    }
    match name.script {
        Script::Chinese if name.trade.chars().count() >= 3 => {
            let mut sounds: Vec<String> =
                syllables(&name.trade).into_iter().map(|s| fuzzy_sound(s.unwrap_or("?"))).collect();
            sounds.sort();
            keys.push(format!("t:{}", sounds.join("")));
        }
        Script::Latin if latin.len() >= 6 => {
            keys.push(format!("d:{latin}"));
            let chars: Vec<char> = latin.chars().collect();
            for skip in 0..chars.len() {
                let deleted: String = chars.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| *c).collect();
                keys.push(format!("d:{deleted}"));
            }
        }
        _ => {}
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The key of a credit code.
pub fn credit_code_key(code: &str) -> String {
    format!("c:{code}")
}

/// The key of a phone number (digits only).
pub fn phone_key(phone: &str) -> String {
    format!("p:{}", phone.chars().filter(char::is_ascii_digit).collect::<String>())
}

/// The key of a company mail domain.
pub fn domain_key(domain: &str) -> String {
    format!("e:{domain}")
}

/// Names in memory, looked up by their keys: the bench's corpus, and a way to test the keys.
#[derive(Default)]
pub struct NameIndex {
    names: Vec<(String, CompanyName)>,
    keys: FxHashMap<String, Vec<u32>>,
}

impl NameIndex {
    /// Adds a name under an id.
    pub fn insert(&mut self, id: String, raw: &str) {
        let name = CompanyName::parse(raw);
        let at = self.names.len() as u32;
        for key in name_keys(&name) {
            self.keys.entry(key).or_default().push(at);
        }
        self.names.push((id, name));
    }

    /// Names held.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is held.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The id of the best name judged the same company as `raw`, with the comparison.
    pub fn best(&self, raw: &str) -> Option<(&str, NameMatch)> {
        let query = CompanyName::parse(raw);
        let mut seen = FxHashSet::default();
        let mut best: Option<(&str, NameMatch)> = None;
        for key in name_keys(&query) {
            for at in self.keys.get(&key).into_iter().flatten() {
                if !seen.insert(*at) {
                    continue;
                }
                let (id, name) = &self.names[*at as usize];
                let found = compare(&query, name);
                if found.relation == Relation::Same && best.as_ref().is_none_or(|(_, b)| found.score > b.score) {
                    best = Some((id.as_str(), found));
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_company_share_a_key() {
        let keys = |raw: &str| name_keys(&CompanyName::parse(raw));
        let shares = |a: &str, b: &str| keys(a).iter().any(|k| keys(b).contains(k));
        assert!(shares("华为技术有限公司", "Huawei Technologies Co., Ltd."));
        assert!(shares("腾讯科技（深圳）有限公司", "滕迅科技有限公司"));
        assert!(shares("阿里巴巴网络", "阿巴里巴网络"));
        assert!(shares("Lvyuan Trading", "Lvyaun Trading Co"));
        assert!(!shares("华为技术有限公司", "小米科技有限责任公司"));
    }

    #[test]
    fn public_mail_domains_say_nothing() {
        assert_eq!(company_domain("li@qq.com"), None);
        assert_eq!(company_domain("li@Huawei.com"), Some("huawei.com".into()));
    }

    #[test]
    fn the_index_finds_the_company_behind_a_spelling() {
        let mut index = NameIndex::default();
        index.insert("1".into(), "上海绿源食品有限公司");
        index.insert("2".into(), "北京绿源食品有限公司");
        index.insert("3".into(), "华为技术有限公司");
        assert_eq!(index.best("绿源食品（上海）股份有限公司").map(|(id, _)| id), Some("1"));
        assert_eq!(index.best("華為技術").map(|(id, _)| id), Some("3"));
        assert_eq!(index.best("杭州绿源食品有限公司"), None);
    }
}

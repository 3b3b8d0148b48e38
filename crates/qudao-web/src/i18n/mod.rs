//! The message catalogue, complete in Chinese and English.
//!
//! Messages live in `locales/<lang>/<module>.toml`, one file per module so a new module adds its
//! own files. Keys are `section.name`; values may hold `{name}` placeholders. The catalogue is
//! compiled into the binary and parsed once; a test fails when a key exists in one language and
//! not the other, or when code asks for a key that exists in neither.

use std::collections::HashMap;
use std::sync::OnceLock;

mod lang;

pub use lang::{Lang, negotiate};

/// Every catalogue file: (module, English text, Chinese text).
const FILES: &[(&str, &str, &str)] = &[
    ("common", include_str!("../../locales/en/common.toml"), include_str!("../../locales/zh-CN/common.toml")),
    ("errors", include_str!("../../locales/en/errors.toml"), include_str!("../../locales/zh-CN/errors.toml")),
    ("access", include_str!("../../locales/en/access.toml"), include_str!("../../locales/zh-CN/access.toml")),
    ("partners", include_str!("../../locales/en/partners.toml"), include_str!("../../locales/zh-CN/partners.toml")),
    ("catalog", include_str!("../../locales/en/catalog.toml"), include_str!("../../locales/zh-CN/catalog.toml")),
    ("admin", include_str!("../../locales/en/admin.toml"), include_str!("../../locales/zh-CN/admin.toml")),
    ("orders", include_str!("../../locales/en/orders.toml"), include_str!("../../locales/zh-CN/orders.toml")),
    ("pricing", include_str!("../../locales/en/pricing.toml"), include_str!("../../locales/zh-CN/pricing.toml")),
    ("finance", include_str!("../../locales/en/finance.toml"), include_str!("../../locales/zh-CN/finance.toml")),
    ("channel", include_str!("../../locales/en/channel.toml"), include_str!("../../locales/zh-CN/channel.toml")),
    ("deals", include_str!("../../locales/en/deals.toml"), include_str!("../../locales/zh-CN/deals.toml")),
    (
        "collaboration",
        include_str!("../../locales/en/collaboration.toml"),
        include_str!("../../locales/zh-CN/collaboration.toml"),
    ),
];

/// The parsed catalogue of one language.
pub type Messages = HashMap<String, String>;

/// Flattens one TOML file into `section.key` → text.
pub(crate) fn parse(text: &str) -> Result<Messages, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut out = Messages::new();
    flatten("", &table, &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Messages) -> Result<(), String> {
    for (key, value) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::String(text) => {
                if out.insert(full.clone(), text.clone()).is_some() {
                    return Err(format!("duplicate key {full}"));
                }
            }
            toml::Value::Table(inner) => flatten(&full, inner, out)?,
            _ => return Err(format!("{full} is not text")),
        }
    }
    Ok(())
}

/// Both languages' messages, parsed once.
pub(crate) fn catalogue() -> &'static (Messages, Messages) {
    static CATALOGUE: OnceLock<(Messages, Messages)> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut en = Messages::new();
        let mut zh = Messages::new();
        for (module, en_text, zh_text) in FILES {
            for (target, text, lang) in [(&mut en, en_text, "en"), (&mut zh, zh_text, "zh-CN")] {
                match parse(text) {
                    Ok(messages) => target.extend(messages),
                    // A broken catalogue is caught by the tests; at run time show keys instead.
                    Err(error) => tracing::error!(i18n.module = module, i18n.lang = lang, %error, "bad catalogue"),
                }
            }
        }
        (en, zh)
    })
}

/// The message for `key` in `lang`; the key itself if it is missing (and a test fails).
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (en, zh) = catalogue();
    let messages = match lang {
        Lang::En => en,
        Lang::Zh => zh,
    };
    match messages.get(key) {
        Some(text) => text.as_str(),
        None => {
            tracing::warn!(i18n.key = key, "missing message");
            missing(key)
        }
    }
}

/// Keeps missing keys alive for the `&'static str` return without leaking per call.
fn missing(key: &str) -> &'static str {
    static SEEN: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let Ok(mut seen) = seen.lock() else { return "?" };
    if let Some(text) = seen.get(key) {
        return text;
    }
    let leaked: &'static str = Box::leak(key.to_string().into_boxed_str());
    seen.insert(key.to_string(), leaked);
    leaked
}

/// The message for `key` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key).to_string();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Whether `key` exists (in English; the parity test covers Chinese).
pub fn has(key: &str) -> bool {
    catalogue().0.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_both_languages_have_the_same_keys() {
        for (module, en_text, zh_text) in FILES {
            let en = parse(en_text).unwrap_or_else(|e| panic!("en/{module}.toml: {e}"));
            let zh = parse(zh_text).unwrap_or_else(|e| panic!("zh-CN/{module}.toml: {e}"));
            let mut only_en: Vec<&String> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
            let mut only_zh: Vec<&String> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
            only_en.sort();
            only_zh.sort();
            assert!(only_en.is_empty(), "{module}: missing in zh-CN: {only_en:?}");
            assert!(only_zh.is_empty(), "{module}: missing in en: {only_zh:?}");
            for (key, value) in &zh {
                assert!(!value.trim().is_empty(), "zh-CN {key} is empty");
            }
        }
    }

    #[test]
    fn keys_are_unique_across_modules() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (module, en_text, _) in FILES {
            for key in parse(en_text).unwrap().into_keys() {
                if let Some(other) = seen.insert(key.clone(), module) {
                    panic!("{key} is in both {other} and {module}");
                }
            }
        }
    }

    /// Every literal key the code or a template names (`"partner.field.name"`) must exist, so a
    /// typo fails here instead of showing the key to a user.
    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let (en, _) = catalogue();
        let sections: std::collections::BTreeSet<&str> = en.keys().filter_map(|k| k.split('.').next()).collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut folders = vec![root.join("src"), root.join("templates")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                    files.push(path);
                }
            }
        }
        let mut missing = Vec::new();
        let mut checked = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let looks_like_key = literal.contains('.')
                    && !literal.ends_with('.')
                    && !literal.ends_with(".html")
                    && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
                    && literal.split('.').next().is_some_and(|s| sections.contains(s));
                if looks_like_key {
                    checked += 1;
                    if !en.contains_key(literal) {
                        missing.push(format!("{}: {literal}", file.display()));
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} keys found: is the scan broken?");
        assert!(missing.is_empty(), "keys used but not in the catalogue:\n{}", missing.join("\n"));
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(tf(Lang::En, "common.page_of", &[("n", "3")]), "Page 3");
        assert_eq!(t(Lang::Zh, "common.save"), "保存");
    }
}

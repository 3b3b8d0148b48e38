//! Text as users type it: cleaning, length limits and search keys.
//!
//! Chinese users mix full-width and half-width characters, paste names with stray spaces, and
//! search by pinyin (可乐 by "kele" or by its initials "kl"). Every name Qudao stores is cleaned the
//! same way here, and every searchable record carries a search key built by [`search_key`], so that
//! a query normalised by [`search_query`] matches with a plain substring comparison that behaves
//! the same on SQLite and PostgreSQL.

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

use crate::FieldError;

/// Trims, collapses runs of white space to one space, and applies NFKC so that full-width letters
/// and digits become their ASCII forms. Line breaks are kept only when `multiline` is set.
pub fn clean(input: &str, multiline: bool) -> String {
    let normalised: String = input.nfkc().collect();
    let mut out = String::with_capacity(normalised.len());
    let mut pending_space = false;
    for ch in normalised.chars() {
        if ch == '\n' && multiline {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('\n');
            pending_space = false;
        } else if ch.is_whitespace() {
            pending_space = !out.is_empty() && !out.ends_with('\n');
        } else if ch.is_control() {
            // Control characters never belong in business text; drop them rather than store them.
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out.trim().to_string()
}

/// A required single-line text field: cleaned, not empty, at most `max_chars` characters.
pub fn required(field: &str, input: &str, max_chars: usize) -> Result<String, FieldError> {
    let value = clean(input, false);
    if value.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    within(field, value, max_chars)
}

/// An optional single-line text field: empty input becomes `None`.
pub fn optional(field: &str, input: Option<&str>, max_chars: usize) -> Result<Option<String>, FieldError> {
    let Some(input) = input else { return Ok(None) };
    let value = clean(input, false);
    if value.is_empty() {
        return Ok(None);
    }
    within(field, value, max_chars).map(Some)
}

/// An optional multi-line text field (descriptions, remarks).
pub fn optional_multiline(field: &str, input: Option<&str>, max_chars: usize) -> Result<Option<String>, FieldError> {
    let Some(input) = input else { return Ok(None) };
    let value = clean(input, true);
    if value.is_empty() {
        return Ok(None);
    }
    within(field, value, max_chars).map(Some)
}

/// A required message as people write it (a thread's text, a comment): kept as typed — no NFKC,
/// because full-width punctuation is correct Chinese and a message is read, not matched — but
/// trimmed, with Windows line ends made plain and control characters dropped.
pub fn prose(field: &str, input: &str, max_chars: usize) -> Result<String, FieldError> {
    let value: String = input
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    if value.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    within(field, value, max_chars)
}

/// An optional message as people write it (a comment, a reason): like [`prose`], `None` when
/// blank.
pub fn optional_prose(field: &str, input: Option<&str>, max_chars: usize) -> Result<Option<String>, FieldError> {
    match input {
        Some(text) if !text.trim().is_empty() => prose(field, text, max_chars).map(Some),
        _ => Ok(None),
    }
}

fn within(field: &str, value: String, max_chars: usize) -> Result<String, FieldError> {
    if value.chars().count() > max_chars {
        return Err(FieldError::with_param(field, "too_long", max_chars));
    }
    Ok(value)
}

/// A code (SKU code, partner code): upper-case ASCII letters, digits, `-`, `_` and `.`.
pub fn code(field: &str, input: &str, max_chars: usize) -> Result<String, FieldError> {
    let value = clean(input, false).to_ascii_uppercase();
    if value.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(FieldError::new(field, "invalid_code"));
    }
    within(field, value, max_chars)
}

/// The key stored beside a searchable record: its names lower-cased and NFKC-normalised, the full
/// pinyin of the Chinese parts without spaces, and their pinyin initials, separated by `|` so a
/// query cannot match across two parts.
pub fn search_key(parts: &[&str]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for part in parts {
        let lowered = search_query(part);
        if lowered.is_empty() {
            continue;
        }
        let (full, initials) = pinyin_of(&lowered);
        keys.push(lowered);
        if !full.is_empty() {
            keys.push(full);
            keys.push(initials);
        }
    }
    let mut joined = String::from("|");
    for key in keys {
        joined.push_str(&key);
        joined.push('|');
    }
    joined
}

/// A query normalised the way [`search_key`] normalises names: NFKC, lower case, no white space.
pub fn search_query(input: &str) -> String {
    clean(input, false).to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '|').collect()
}

/// The full pinyin (without tones or spaces) and the initials of the Chinese characters in
/// `text`; other characters are kept as they are, so "可乐500ml" gives ("kele500ml", "kl500ml").
/// Both are empty when the text has no Chinese character, to keep keys short.
fn pinyin_of(text: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    let mut any_chinese = false;
    for (ch, reading) in text.chars().zip(text.to_pinyin()) {
        match reading {
            Some(p) => {
                any_chinese = true;
                full.push_str(p.plain());
                initials.push_str(&p.plain()[..1]);
            }
            None => {
                full.push(ch);
                initials.push(ch);
            }
        }
    }
    if any_chinese { (full, initials) } else { (String::new(), String::new()) }
}

/// Escapes `%`, `_` and `\` so a user's query is matched literally by `LIKE … ESCAPE '\'`.
pub fn like_escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for ch in input.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_keeps_what_people_typed_but_control_characters() {
        assert_eq!(
            prose("body", "  下周二能到货吗？\r\n可以，谢谢！\u{7}  ", 100).unwrap(),
            "下周二能到货吗？\n可以，谢谢！"
        );
        assert_eq!(prose("body", " \n ", 100).unwrap_err().code, "required");
        assert_eq!(prose("body", "长", 0).unwrap_err().code, "too_long");
    }

    #[test]
    fn clean_folds_full_width_and_spaces() {
        assert_eq!(clean("  ＡＢＣ　１２３  有限  公司 ", false), "ABC 123 有限 公司");
        assert_eq!(clean("a\u{0}b", false), "ab");
        assert_eq!(clean("line one \n  line two", true), "line one\nline two");
        assert_eq!(clean("line one \n line two", false), "line one line two");
    }

    #[test]
    fn required_text_rejects_blank_and_long_values() {
        assert_eq!(required("name", "   ", 10).unwrap_err().code, "required");
        assert_eq!(required("name", "上海渠道科技有限公司", 5).unwrap_err().code, "too_long");
        assert_eq!(required("name", " 可乐 ", 5).unwrap(), "可乐");
    }

    #[test]
    fn chinese_names_are_found_by_characters_full_pinyin_and_initials() {
        let key = search_key(&["可乐", "Cola 500ml"]);
        for query in ["可乐", "kele", "kl", "KL", "cola", "cola500ml", "ｋｅｌｅ"] {
            assert!(key.contains(&search_query(query)), "{query} should match {key}");
        }
        assert!(!key.contains(&search_query("xuebi")));
    }

    #[test]
    fn codes_are_upper_case_and_plain() {
        assert_eq!(code("code", " sku-001 ", 20).unwrap(), "SKU-001");
        assert_eq!(code("code", "SKU 001", 20).unwrap_err().code, "invalid_code");
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }
}

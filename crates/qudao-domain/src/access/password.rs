//! The password policy: long enough, not guessable, not the login.
//!
//! Qudao refuses the passwords an attacker tries first — a list compiled into the binary, and the
//! same words dressed up with digits or symbols ("Password2026!") — rather than imposing
//! composition rules that push people towards exactly those patterns.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The shortest password Qudao accepts.
pub const MIN_CHARS: usize = 10;
/// The longest: hashing is deliberately slow, so unbounded input would be a denial of service.
pub const MAX_CHARS: usize = 128;

/// Why a password was refused; each has a message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_CHARS`] characters.
    TooShort,
    /// More than [`MAX_CHARS`] characters.
    TooLong,
    /// On the built-in list of common passwords, or a dressed-up form of one.
    TooCommon,
    /// Contains the user's own login.
    ContainsLogin,
    /// A single repeated character or a plain run such as "abcdefghij".
    TooSimple,
}

impl PasswordProblem {
    /// The stable code, also the i18n key suffix.
    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password_too_short",
            PasswordProblem::TooLong => "password_too_long",
            PasswordProblem::TooCommon => "password_too_common",
            PasswordProblem::ContainsLogin => "password_contains_login",
            PasswordProblem::TooSimple => "password_too_simple",
        }
    }
}

fn common_list() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// Checks a new password for `login` against the policy.
pub fn check_password(password: &str, login: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 && lower.contains(&login) {
        return Err(PasswordProblem::ContainsLogin);
    }
    if is_run(&lower) {
        return Err(PasswordProblem::TooSimple);
    }
    let list = common_list();
    let stem = lower.trim_matches(|c: char| !c.is_alphabetic());
    if list.contains(lower.as_str()) || stem.is_empty() || list.contains(stem) || is_run(stem) {
        return Err(PasswordProblem::TooCommon);
    }
    // "password2026password" and "qwertyqwerty": one common word repeated.
    for word in list.iter().filter(|w| w.len() >= 4) {
        if stem.len() % word.len() == 0 && stem.len() > word.len() && stem == word.repeat(stem.len() / word.len()) {
            return Err(PasswordProblem::TooCommon);
        }
    }
    Ok(())
}

/// One repeated character, or a run of consecutive characters up or down ("abcdef", "98765").
fn is_run(text: &str) -> bool {
    let chars: Vec<u32> = text.chars().map(u32::from).collect();
    if chars.len() < 2 {
        return true;
    }
    let steps: HashSet<i64> = chars.windows(2).map(|pair| i64::from(pair[1]) - i64::from(pair[0])).collect();
    steps.len() == 1 && steps.iter().all(|s| s.abs() <= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_passwords_pass() {
        assert_eq!(check_password("Lanzhou-Noodles-42", "li.lei"), Ok(()));
        assert_eq!(check_password("柳絮飞来片片红2026", "admin"), Ok(()));
    }

    #[test]
    fn short_long_and_simple_passwords_are_refused() {
        assert_eq!(check_password("Abc!23", "x"), Err(PasswordProblem::TooShort));
        assert_eq!(check_password(&"x".repeat(129), "x"), Err(PasswordProblem::TooLong));
        assert_eq!(check_password("aaaaaaaaaaaa", "x"), Err(PasswordProblem::TooSimple));
        assert_eq!(check_password("abcdefghijkl", "x"), Err(PasswordProblem::TooSimple));
        assert_eq!(check_password("9876543210", "x"), Err(PasswordProblem::TooSimple));
    }

    #[test]
    fn common_words_dressed_up_are_refused() {
        for weak in ["Password2026!", "password123", "!!Qwerty2026", "woaini1314520", "5201314520"] {
            assert_eq!(check_password(weak, "someone"), Err(PasswordProblem::TooCommon), "{weak}");
        }
        assert_eq!(check_password("qwertyqwerty", "someone"), Err(PasswordProblem::TooCommon));
    }

    #[test]
    fn the_login_may_not_hide_in_the_password() {
        assert_eq!(check_password("zhang.san-Secure-2026", "Zhang.San"), Err(PasswordProblem::ContainsLogin));
    }
}

//! The two languages and how a request's language is chosen.

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag, as stored in user settings and cookies and put in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a stored tag (`zh-CN`, `zh`, `en`, `en-US`…).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "zh" || tag.starts_with("zh-") {
            Some(Lang::Zh)
        } else if tag == "en" || tag.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Whether this is Chinese (templates pick `name_zh` or `name_en` with it).
    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }
}

/// Chooses the language: the user's own setting, else the language cookie, else the best match
/// of `Accept-Language` (by quality), else Chinese.
pub fn negotiate(user_setting: Option<&str>, cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = user_setting.and_then(Lang::from_tag) {
        return lang;
    }
    if let Some(lang) = cookie.and_then(Lang::from_tag) {
        return lang;
    }
    let Some(header) = accept_language else { return Lang::default() };
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let quality =
            pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
        if let Some(lang) = Lang::from_tag(tag)
            && best.is_none_or(|(q, _)| quality > q)
        {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_setting_wins_then_the_cookie_then_the_browser() {
        assert_eq!(negotiate(Some("en"), Some("zh-CN"), Some("zh")), Lang::En);
        assert_eq!(negotiate(None, Some("en"), Some("zh")), Lang::En);
        assert_eq!(negotiate(None, None, Some("fr-FR, en-US;q=0.8, zh;q=0.5")), Lang::En);
        assert_eq!(negotiate(None, None, Some("en;q=0.4, zh-TW;q=0.9")), Lang::Zh);
        assert_eq!(negotiate(None, None, Some("fr")), Lang::Zh);
        assert_eq!(negotiate(None, None, None), Lang::Zh);
    }
}

//! Form state for re-rendering a form with the user's values and field errors in their language.

use std::collections::HashMap;

use qudao_domain::Invalid;

use crate::context::field_message;
use crate::i18n::{self, Lang};

/// Submitted values and the errors against them.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// An error that belongs to no field (a conflict, a wrong password).
    pub general: Option<String>,
}

impl FormState {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A form pre-filled with values.
    pub fn with_values<I, K, V>(values: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self { values: values.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), ..Self::default() }
    }

    /// Sets one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// Attaches the errors of a failed use case, each message in `lang`. Errors whose field is
    /// not on the form are shown at the top.
    pub fn fail(&mut self, lang: Lang, invalid: &Invalid, known_fields: &[&str]) {
        for error in &invalid.errors {
            let message = field_message(lang, error);
            if known_fields.contains(&error.field.as_str()) {
                self.errors.entry(error.field.clone()).or_insert(message);
            } else {
                let line = format!("{}: {message}", error.field);
                self.general = Some(match self.general.take() {
                    Some(previous) => format!("{previous}; {line}"),
                    None => line,
                });
            }
        }
    }

    /// Adds a message to a field, after any it already has: forms whose one field stands for
    /// many values (a textarea of prices) collect every error against it.
    pub fn add_error(&mut self, field: &str, message: &str) {
        let entry = self.errors.entry(field.to_string()).or_default();
        if !entry.is_empty() {
            entry.push_str("; ");
        }
        entry.push_str(message);
    }

    /// Shows a general error from an error code.
    pub fn fail_general(&mut self, lang: Lang, key: &str) {
        self.general = Some(i18n::t(lang, key).to_string());
    }

    /// The submitted value of a field ("" when none).
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether a checkbox or option was submitted with this value.
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }

    /// The error of a field, if any.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// Whether anything failed.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || self.general.is_some()
    }
}

/// A posted form field's trimmed value, or empty when it was not sent (forms read as
/// `Vec<(String, String)>`, where a field may repeat or be missing).
pub fn field_value(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

/// An optional text field: trimmed, none when blank (the use cases tell "not given" from "given").
pub fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

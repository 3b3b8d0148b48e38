//! Field-level validation errors.
//!
//! Parsing user input produces either a typed value or an [`Invalid`] listing every bad field with
//! a stable code. The code is also the i18n key suffix (`error.field.<code>`), so the web layer can
//! show each message in the user's language next to its field, and API clients can rely on it.

use std::fmt;

/// One bad field: which field, and why, as a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field name as the client sent it (`name`, `contacts[2].phone`, `row 7: credit_code`).
    pub field: String,
    /// A stable snake_case code such as `required`, `too_long`, `invalid_credit_code`.
    pub code: &'static str,
    /// Optional parameter for the message (a maximum length, an allowed value list).
    pub param: Option<String>,
}

impl FieldError {
    /// A field error without a parameter.
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self { field: field.into(), code, param: None }
    }

    /// A field error whose message needs a value, such as the maximum length.
    pub fn with_param(field: impl Into<String>, code: &'static str, param: impl ToString) -> Self {
        Self { field: field.into(), code, param: Some(param.to_string()) }
    }
}

/// Input that failed validation; holds every field error found, not only the first, so a form can
/// show them all at once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalid {
    /// The field errors, in the order the fields were checked.
    pub errors: Vec<FieldError>,
}

impl Invalid {
    /// An empty collector; add errors with [`Invalid::push`], then call [`Invalid::into_result`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A single-field error.
    pub fn one(field: impl Into<String>, code: &'static str) -> Self {
        Self { errors: vec![FieldError::new(field, code)] }
    }

    /// Records one more bad field.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Keeps the value of a field parse, or records its error and gives `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.errors.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Whether no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.errors.iter().map(|e| format!("{}: {}", e.field, e.code)).collect();
        write!(f, "invalid input ({})", parts.join(", "))
    }
}

impl std::error::Error for Invalid {}

impl From<FieldError> for Invalid {
    fn from(error: FieldError) -> Self {
        Invalid { errors: vec![error] }
    }
}

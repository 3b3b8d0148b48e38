//! The error every use case returns; the web layer turns each variant into one HTTP status and a
//! localised message, the CLI into a line on stderr.

use qudao_domain::Invalid;
use qudao_store::StoreError;

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The object does not exist or is outside the caller's scope; deliberately the same.
    #[error("not found")]
    NotFound,
    /// The caller's role may not use this function.
    #[error("forbidden")]
    Forbidden,
    /// No valid session or key, or wrong credentials.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The input has bad fields; nothing was written.
    #[error("{0}")]
    Invalid(Invalid),
    /// The request conflicts with the current state; the code names which conflict
    /// (`stale_version`, `status_transition`, …) and is the i18n key suffix.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many attempts; try again after this many seconds.
    #[error("throttled")]
    Throttled {
        /// Seconds until the next attempt may succeed.
        retry_after_s: u64,
    },
    /// The upload is larger than allowed.
    #[error("too large")]
    TooLarge,
    /// The upload's content is not of an accepted type (whatever its name or header claims).
    #[error("unsupported media type")]
    UnsupportedMedia,
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::Store(error)
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Invalid(invalid)
    }
}

impl From<qudao_domain::FieldError> for AppError {
    fn from(error: qudao_domain::FieldError) -> Self {
        AppError::Invalid(error.into())
    }
}

impl AppError {
    /// A single-field validation error.
    pub fn field(field: &str, code: &'static str) -> AppError {
        AppError::Invalid(Invalid::one(field, code))
    }

    /// Turns a unique-constraint failure into a field error on the first listed column the
    /// database's message names (both SQLite and PostgreSQL name the column or constraint);
    /// other errors pass through.
    pub fn duplicate_as_field(error: StoreError, columns: &[&str]) -> AppError {
        if let StoreError::Duplicate(message) = &error {
            for column in columns {
                if message.contains(column) {
                    return AppError::field(column, "already_taken");
                }
            }
            return AppError::Conflict("duplicate");
        }
        AppError::Store(error)
    }
}

/// The result of a use case.
pub type AppResult<T> = Result<T, AppError>;

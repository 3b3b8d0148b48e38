//! The store's one error type.

/// What can go wrong talking to the database, in terms the use cases act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; carries the constraint or column text the database
    /// reported, so the use case can name the duplicate field.
    #[error("duplicate value ({0})")]
    Duplicate(String),
    /// A foreign key or check constraint refused the write.
    #[error("constraint violated ({0})")]
    Constraint(String),
    /// A row read back could not be turned into its type (an unparseable id, an unknown enum
    /// value): the data is not what this version of Qudao wrote.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() {
                return StoreError::Duplicate(db.message().to_string());
            }
            if db.is_foreign_key_violation() || db.is_check_violation() {
                return StoreError::Constraint(db.message().to_string());
            }
        }
        StoreError::Database(error)
    }
}

/// The store's result type.
pub type StoreResult<T> = Result<T, StoreError>;

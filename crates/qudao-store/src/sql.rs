//! A small SQL builder that numbers `$1…$N` for both databases.
//!
//! sqlx's `QueryBuilder<Any>` emits `?`, which PostgreSQL refuses, so dynamic filters are built
//! here: text and values are appended together and every value gets the next `$N`. Values are only
//! the portable types (BIGINT, SMALLINT, DOUBLE, TEXT, NULL).

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row};

use crate::StoreResult;
use crate::error::StoreError;

/// A bind value of one of the portable types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A NULL in a TEXT column (PostgreSQL wants typed NULLs).
    NullText,
    /// A NULL in a BIGINT column.
    NullInt,
    /// BIGINT.
    Int(i64),
    /// SMALLINT flag (0/1).
    Flag(i16),
    /// DOUBLE PRECISION.
    Float(f64),
    /// TEXT.
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Flag(i16::from(v))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
/// The typed NULL that stands for a missing value of a type.
pub trait TypedNull {
    /// The NULL of this type's column type.
    fn null() -> Value;
}
impl TypedNull for i64 {
    fn null() -> Value {
        Value::NullInt
    }
}
impl TypedNull for String {
    fn null() -> Value {
        Value::NullText
    }
}
impl TypedNull for &str {
    fn null() -> Value {
        Value::NullText
    }
}
impl TypedNull for &String {
    fn null() -> Value {
        Value::NullText
    }
}
impl<T: Into<Value> + TypedNull> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or_else(T::null, Into::into)
    }
}

/// Implements `Into<Value>` for the typed ids, stored as their canonical text.
macro_rules! id_values {
    ($($id:ty),*) => {$(
        impl From<$id> for Value {
            fn from(v: $id) -> Self {
                Value::Text(v.to_string())
            }
        }
        impl From<&$id> for Value {
            fn from(v: &$id) -> Self {
                Value::Text(v.to_string())
            }
        }
        impl TypedNull for $id {
            fn null() -> Value {
                Value::NullText
            }
        }
    )*};
}
use qudao_domain::ids::*;
id_values!(
    RegistrationId,
    RegistrationEventId,
    PartnerId,
    ContactId,
    AddressId,
    UserId,
    RegionId,
    TierId,
    CategoryId,
    BrandId,
    UnitId,
    ProductId,
    SkuId,
    FileId,
    ApiKeyId,
    AuditId,
    AssignmentId,
    PriceListId,
    PromotionId,
    AccountId,
    EntryId,
    WarehouseId,
    OrderId,
    ShipmentId,
    ReturnId,
    FairId,
    SavedListId,
    EventId,
    EndpointId,
    DeliveryId,
    AttemptId,
    ReceiptId,
    InvoiceId,
    RejectionId,
    StatementId,
    AdjustmentId,
    PaymentId,
    RefundId,
    FlowId,
    ApprovalId,
    ApprovalActionId,
    DelegationId,
    MessageId,
    NotificationId
);

/// SQL text with its values, numbered as they are appended.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// Starts a statement.
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), values: Vec::new() }
    }

    /// Appends plain SQL text (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.values.len().to_string());
        self
    }

    /// Appends `text` then a placeholder: `sql.push_bind(" AND status = ", status)`.
    pub fn push_bind(&mut self, text: &str, value: impl Into<Value>) -> &mut Self {
        self.push(text);
        self.bind(value)
    }

    /// Appends `(v1, v2, …)` placeholders for an `IN` list; an empty list becomes `(NULL)`, which
    /// matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.push("(");
        let mut first = true;
        for value in values {
            if !first {
                self.push(", ");
            }
            first = false;
            self.bind(value);
        }
        if first {
            self.push("NULL");
        }
        self.push(")")
    }

    /// The SQL text, for tests and logs.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text as the connection's database wants it. SQLite gets anonymous `?` placeholders:
    /// with `$N` its driver looks every parameter up by name, which is quadratic in the number
    /// of parameters and dominated the order desk's multi-row statements. The builder numbers
    /// placeholders strictly in order, once each, so position is the same information.
    fn text_for(&self, conn: &AnyConnection) -> String {
        if conn.backend_name() != "SQLite" {
            return self.text.clone();
        }
        let mut out = String::with_capacity(self.text.len());
        let mut chars = self.text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            if c == '\'' {
                quoted = !quoted;
            }
            if c == '$' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    }

    fn query(&self, conn: &AnyConnection) -> Query<'_, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(self.text_for(conn)));
        for value in &self.values {
            query = match value {
                Value::NullText => query.bind(Option::<String>::None),
                Value::NullInt => query.bind(Option::<i64>::None),
                Value::Int(v) => query.bind(*v),
                Value::Flag(v) => query.bind(*v),
                Value::Float(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.as_str()),
            };
        }
        query
    }

    /// Runs a statement; returns the number of rows it touched.
    pub async fn execute(&self, conn: &mut AnyConnection) -> StoreResult<u64> {
        Ok(self.query(conn).execute(conn).await?.rows_affected())
    }

    /// Fetches every row.
    pub async fn fetch_all(&self, conn: &mut AnyConnection) -> StoreResult<Vec<AnyRow>> {
        Ok(self.query(conn).fetch_all(conn).await?)
    }

    /// Fetches at most one row.
    pub async fn fetch_optional(&self, conn: &mut AnyConnection) -> StoreResult<Option<AnyRow>> {
        Ok(self.query(conn).fetch_optional(conn).await?)
    }

    /// Fetches a single BIGINT (a count, a sum).
    pub async fn fetch_i64(&self, conn: &mut AnyConnection) -> StoreResult<i64> {
        let row = self.query(conn).fetch_one(conn).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }
}

/// Typed reads from a row, with errors that say which column was wrong.
pub trait RowExt {
    /// A TEXT column.
    fn text(&self, column: &str) -> StoreResult<String>;
    /// A nullable TEXT column.
    fn opt_text(&self, column: &str) -> StoreResult<Option<String>>;
    /// A BIGINT column.
    fn int(&self, column: &str) -> StoreResult<i64>;
    /// A nullable BIGINT column.
    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>>;
    /// A nullable DOUBLE PRECISION column (an average).
    fn opt_float(&self, column: &str) -> StoreResult<Option<f64>>;
    /// A SMALLINT 0/1 flag.
    fn flag(&self, column: &str) -> StoreResult<bool>;
    /// A TEXT column parsed into a typed id or enum.
    fn parse<T: std::str::FromStr>(&self, column: &str) -> StoreResult<T>;
    /// A nullable TEXT column parsed into a typed id or enum.
    fn opt_parse<T: std::str::FromStr>(&self, column: &str) -> StoreResult<Option<T>>;
}

impl RowExt for AnyRow {
    fn text(&self, column: &str) -> StoreResult<String> {
        Ok(self.try_get::<String, _>(column)?)
    }

    fn opt_text(&self, column: &str) -> StoreResult<Option<String>> {
        Ok(self.try_get::<Option<String>, _>(column)?)
    }

    fn int(&self, column: &str) -> StoreResult<i64> {
        Ok(self.try_get::<i64, _>(column)?)
    }

    fn opt_int(&self, column: &str) -> StoreResult<Option<i64>> {
        Ok(self.try_get::<Option<i64>, _>(column)?)
    }

    fn opt_float(&self, column: &str) -> StoreResult<Option<f64>> {
        Ok(self.try_get::<Option<f64>, _>(column)?)
    }

    fn flag(&self, column: &str) -> StoreResult<bool> {
        Ok(self.try_get::<i64, _>(column)? != 0)
    }

    fn parse<T: std::str::FromStr>(&self, column: &str) -> StoreResult<T> {
        let text = self.text(column)?;
        text.parse().map_err(|_| StoreError::Corrupt(format!("{column} = {text:?}")))
    }

    fn opt_parse<T: std::str::FromStr>(&self, column: &str) -> StoreResult<Option<T>> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("{column} = {text:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT * FROM t WHERE a = ");
        sql.bind(1i64).push_bind(" AND b IN ", "x").push(" AND c IN ").bind_list(["p", "q"]);
        assert_eq!(sql.text(), "SELECT * FROM t WHERE a = $1 AND b IN $2 AND c IN ($3, $4)");
    }

    #[test]
    fn empty_in_lists_match_nothing() {
        let mut sql = Sql::new("x IN ");
        sql.bind_list(Vec::<String>::new());
        assert_eq!(sql.text(), "x IN (NULL)");
    }
}

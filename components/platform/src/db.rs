//! The database port: values, rows and errors shaped like Spin's `spin:postgres@4.0.0`
//! interface, so that a query written against the port behaves the same under Spin
//! and under the native adapter.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

/// A parameter or a column value. Each variant maps to exactly one PostgreSQL type
/// family, as Spin 3.6 maps them: binding a variant to a column of another type fails.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float64(f64),
    /// `text`, `varchar`.
    Str(String),
    Uuid(Uuid),
    /// `numeric`, as a base-10 string.
    Decimal(String),
    /// `timestamp` (without time zone). Spin cannot read or bind `timestamptz`
    /// directly: select `col at time zone 'UTC'` and bind `$1::text::timestamptz`.
    Timestamp(NaiveDateTime),
    Date(NaiveDate),
    Jsonb(serde_json::Value),
    /// `text[]`.
    ArrayStr(Vec<Option<String>>),
    /// A column type the adapter cannot convert (raw bytes), as Spin reports it.
    Unsupported,
}

impl Value {
    /// Binds an instant as text, to be cast with `$n::text::timestamptz` in SQL.
    pub fn instant(at: DateTime<Utc>) -> Value {
        Value::Str(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }

    pub fn opt_str(value: Option<&str>) -> Value {
        value.map_or(Value::Null, |text| Value::Str(text.to_owned()))
    }

    pub fn opt_uuid(value: Option<Uuid>) -> Value {
        value.map_or(Value::Null, Value::Uuid)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Str(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Str(value)
    }
}

impl From<Uuid> for Value {
    fn from(value: Uuid) -> Self {
        Value::Uuid(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Value::Int32(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int64(value)
    }
}

/// A failed database call.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database connection failed: {0}")]
    Connection(String),
    #[error("invalid query parameter: {0}")]
    BadParameter(String),
    #[error("query failed: {message}")]
    Query {
        /// SQLSTATE code, when the server reported one.
        code: Option<String>,
        /// Name of the violated constraint, when the server reported one.
        constraint: Option<String>,
        message: String,
    },
    #[error("value conversion failed: {0}")]
    Conversion(String),
    #[error("unexpected result: {0}")]
    Decode(String),
}

impl DbError {
    /// Returns the constraint a unique violation (SQLSTATE 23505) broke.
    pub fn unique_violation(&self) -> Option<&str> {
        match self {
            DbError::Query {
                code: Some(code),
                constraint: Some(constraint),
                ..
            } if code == "23505" => Some(constraint),
            _ => None,
        }
    }

    /// Builds a query error, taking the constraint name from the message text when
    /// the driver gave none (Spin reports only the message for some errors).
    pub fn query(code: Option<String>, constraint: Option<String>, message: String) -> DbError {
        let constraint = constraint.or_else(|| quoted_after(&message, "constraint \""));
        DbError::Query {
            code,
            constraint,
            message,
        }
    }
}

fn quoted_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

/// The rows of a query, with column names.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row {
            columns: &self.columns,
            values,
        })
    }

    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
}

/// One row, read by column name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> Row<'a> {
    pub fn value(&self, column: &str) -> Result<&'a Value, DbError> {
        let index = self
            .columns
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| DbError::Decode(format!("no column named {column}")))?;
        Ok(&self.values[index])
    }

    pub fn str(&self, column: &str) -> Result<String, DbError> {
        match self.value(column)? {
            Value::Str(text) => Ok(text.clone()),
            other => Err(mismatch(column, "text", other)),
        }
    }

    pub fn opt_str(&self, column: &str) -> Result<Option<String>, DbError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            _ => self.str(column).map(Some),
        }
    }

    pub fn uuid(&self, column: &str) -> Result<Uuid, DbError> {
        match self.value(column)? {
            Value::Uuid(id) => Ok(*id),
            other => Err(mismatch(column, "uuid", other)),
        }
    }

    pub fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, DbError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            _ => self.uuid(column).map(Some),
        }
    }

    pub fn bool(&self, column: &str) -> Result<bool, DbError> {
        match self.value(column)? {
            Value::Bool(flag) => Ok(*flag),
            other => Err(mismatch(column, "bool", other)),
        }
    }

    pub fn i64(&self, column: &str) -> Result<i64, DbError> {
        match self.value(column)? {
            Value::Int64(number) => Ok(*number),
            Value::Int32(number) => Ok(i64::from(*number)),
            Value::Int16(number) => Ok(i64::from(*number)),
            other => Err(mismatch(column, "integer", other)),
        }
    }

    pub fn decimal(&self, column: &str) -> Result<String, DbError> {
        match self.value(column)? {
            Value::Decimal(text) => Ok(text.clone()),
            other => Err(mismatch(column, "numeric", other)),
        }
    }

    /// Reads a `numeric` column as an exact energy value.
    pub fn kwh(&self, column: &str) -> Result<crate::energy::Kwh, DbError> {
        crate::energy::Kwh::parse(&self.decimal(column)?).map_err(DbError::Decode)
    }

    pub fn opt_decimal(&self, column: &str) -> Result<Option<String>, DbError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            _ => self.decimal(column).map(Some),
        }
    }

    /// Reads a `timestamp` column that holds a UTC instant
    /// (selected as `col at time zone 'UTC'`).
    pub fn instant(&self, column: &str) -> Result<DateTime<Utc>, DbError> {
        match self.value(column)? {
            Value::Timestamp(naive) => Ok(naive.and_utc()),
            other => Err(mismatch(column, "timestamp", other)),
        }
    }

    pub fn opt_instant(&self, column: &str) -> Result<Option<DateTime<Utc>>, DbError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            _ => self.instant(column).map(Some),
        }
    }

    pub fn date(&self, column: &str) -> Result<NaiveDate, DbError> {
        match self.value(column)? {
            Value::Date(date) => Ok(*date),
            other => Err(mismatch(column, "date", other)),
        }
    }

    pub fn jsonb(&self, column: &str) -> Result<serde_json::Value, DbError> {
        match self.value(column)? {
            Value::Jsonb(json) => Ok(json.clone()),
            other => Err(mismatch(column, "jsonb", other)),
        }
    }
}

fn mismatch(column: &str, expected: &str, found: &Value) -> DbError {
    DbError::Decode(format!(
        "column {column}: expected {expected}, found {found:?}"
    ))
}

/// A connection to PostgreSQL. One statement per call, in its own transaction
/// (autocommit), as `spin:postgres` offers it.
pub trait Database {
    /// Runs a statement that returns rows.
    ///
    /// # Errors
    /// Connection, parameter, query and conversion failures, as Spin reports them.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError>;

    /// Runs a statement and returns the number of rows it affected.
    ///
    /// # Errors
    /// As [`Database::query`].
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
}

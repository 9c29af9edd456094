//! Spin adapters for the ports: `spin:postgres@4.0.0` through spin-sdk's `pg4`,
//! and Spin variables. Compiled only for `wasm32`; exercised under a real Spin
//! runtime, so they stay as small as the conversions allow.

use spin_sdk::pg4::{self, DbValue, ParameterValue};

use crate::db::{Database, DbError, Rows, Value};
use crate::host::Config;

/// One `pg4` connection for the request.
pub struct SpinDatabase(pg4::Connection);

impl SpinDatabase {
    /// # Errors
    /// When Spin cannot open the connection.
    pub fn open(url: &str) -> Result<SpinDatabase, DbError> {
        pg4::Connection::open(url)
            .map(SpinDatabase)
            .map_err(convert_error)
    }
}

impl Database for SpinDatabase {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        let params = params
            .iter()
            .map(to_parameter)
            .collect::<Result<Vec<_>, _>>()?;
        let set = self.0.query(sql, &params).map_err(convert_error)?;
        let columns = set
            .columns
            .iter()
            .map(|column| column.name.clone())
            .collect();
        let rows = set
            .rows
            .into_iter()
            .map(|row| row.into_iter().map(from_db_value).collect())
            .collect();
        Ok(Rows { columns, rows })
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let params = params
            .iter()
            .map(to_parameter)
            .collect::<Result<Vec<_>, _>>()?;
        self.0.execute(sql, &params).map_err(convert_error)
    }
}

fn to_parameter(value: &Value) -> Result<ParameterValue, DbError> {
    use chrono::{Datelike, Timelike};
    Ok(match value {
        Value::Null => ParameterValue::DbNull,
        Value::Bool(flag) => ParameterValue::Boolean(*flag),
        Value::Int16(number) => ParameterValue::Int16(*number),
        Value::Int32(number) => ParameterValue::Int32(*number),
        Value::Int64(number) => ParameterValue::Int64(*number),
        Value::Float64(number) => ParameterValue::Floating64(*number),
        Value::Str(text) => ParameterValue::Str(text.clone()),
        Value::Uuid(id) => ParameterValue::Uuid(id.to_string()),
        Value::Decimal(text) => ParameterValue::Decimal(text.clone()),
        Value::Timestamp(at) => ParameterValue::Datetime((
            at.year(),
            at.month() as u8,
            at.day() as u8,
            at.hour() as u8,
            at.minute() as u8,
            at.second() as u8,
            at.nanosecond(),
        )),
        Value::Date(date) => {
            ParameterValue::Date((date.year(), date.month() as u8, date.day() as u8))
        }
        Value::Jsonb(json) => ParameterValue::Jsonb(
            serde_json::to_vec(json).map_err(|err| DbError::BadParameter(err.to_string()))?,
        ),
        Value::ArrayStr(items) => ParameterValue::ArrayStr(items.clone()),
        Value::Unsupported => {
            return Err(DbError::BadParameter(
                "an unsupported value cannot be bound".into(),
            ))
        }
    })
}

fn from_db_value(value: DbValue) -> Value {
    match value {
        DbValue::Boolean(flag) => Value::Bool(flag),
        DbValue::Int16(number) => Value::Int16(number),
        DbValue::Int32(number) => Value::Int32(number),
        DbValue::Int64(number) => Value::Int64(number),
        DbValue::Floating32(number) => Value::Float64(f64::from(number)),
        DbValue::Floating64(number) => Value::Float64(number),
        DbValue::Str(text) => Value::Str(text),
        DbValue::Uuid(text) => text.parse().map_or(Value::Unsupported, Value::Uuid),
        DbValue::Decimal(text) => Value::Decimal(text),
        DbValue::Datetime((year, month, day, hour, minute, second, nanos)) => {
            chrono::NaiveDate::from_ymd_opt(year, month.into(), day.into())
                .and_then(|date| {
                    date.and_hms_nano_opt(hour.into(), minute.into(), second.into(), nanos)
                })
                .map_or(Value::Unsupported, Value::Timestamp)
        }
        DbValue::Date((year, month, day)) => {
            chrono::NaiveDate::from_ymd_opt(year, month.into(), day.into())
                .map_or(Value::Unsupported, Value::Date)
        }
        DbValue::Jsonb(bytes) => {
            serde_json::from_slice(&bytes).map_or(Value::Unsupported, Value::Jsonb)
        }
        DbValue::ArrayStr(items) => Value::ArrayStr(items),
        DbValue::DbNull => Value::Null,
        _ => Value::Unsupported,
    }
}

fn convert_error(err: pg4::PgError) -> DbError {
    match err {
        pg4::PgError::ConnectionFailed(message) => DbError::Connection(message),
        pg4::PgError::BadParameter(message) => DbError::BadParameter(message),
        pg4::PgError::QueryFailed(pg4::QueryError::DbError(db)) => {
            let constraint = db
                .extras
                .iter()
                .find(|(key, _)| key == "constraint")
                .map(|(_, value)| value.clone());
            DbError::query(Some(db.code), constraint, db.message)
        }
        pg4::PgError::QueryFailed(pg4::QueryError::Text(message)) => {
            DbError::query(None, None, message)
        }
        pg4::PgError::ValueConversionFailed(message) => DbError::Conversion(message),
        pg4::PgError::Other(message) => DbError::Query {
            code: None,
            constraint: None,
            message,
        },
    }
}

/// Spin variables, by their lowercase names.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpinConfig;

impl Config for SpinConfig {
    fn get(&self, key: &str) -> Option<String> {
        spin_sdk::variables::get(key).ok()
    }
}

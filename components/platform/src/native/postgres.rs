//! Native database adapter over the blocking `postgres` client. It converts values
//! with the same fixed types as Spin 3.6's outbound PostgreSQL, so a query that
//! Spin rejects (a `timestamptz` column read directly, text bound to `uuid`, `int8`
//! bound to `int4`) fails here too.

use std::error::Error as _;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, NoTls};
use rust_decimal::Decimal;

use crate::db::{Database, DbError, Rows, Value};

/// A small pool of blocking connections, shared by the request threads of devhost.
#[derive(Clone)]
pub struct NativePool {
    config: postgres::Config,
    idle: Arc<Mutex<IdleClients>>,
    max_idle: usize,
}

/// The idle connections. Closing a blocking client runs a small runtime of its
/// own, which panics inside an async context (where devhost's pool is dropped), so
/// they are closed on a thread of their own.
#[derive(Default)]
struct IdleClients(Vec<Client>);

impl Drop for IdleClients {
    fn drop(&mut self) {
        let clients = std::mem::take(&mut self.0);
        if !clients.is_empty() {
            std::thread::spawn(move || drop(clients));
        }
    }
}

impl NativePool {
    /// # Errors
    /// When the URL is not a valid PostgreSQL connection string.
    pub fn new(url: &str, max_idle: usize) -> Result<NativePool, DbError> {
        let config = postgres::Config::from_str(url)
            .map_err(|err| DbError::Connection(format!("invalid database URL: {err}")))?;
        Ok(NativePool {
            config,
            idle: Arc::new(Mutex::new(IdleClients::default())),
            max_idle,
        })
    }

    /// Takes an idle connection or opens a new one.
    ///
    /// # Errors
    /// When a new connection cannot be opened.
    pub fn get(&self) -> Result<PooledConnection, DbError> {
        let reused = self.lock_idle().0.pop();
        let client = match reused {
            Some(client) if !client.is_closed() => client,
            _ => self
                .config
                .connect(NoTls)
                .map_err(|err| DbError::Connection(describe(&err)))?,
        };
        Ok(PooledConnection {
            client: Mutex::new(Some(client)),
            pool: self.clone(),
        })
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, IdleClients> {
        // A panic while holding this lock leaves only a list of clients behind,
        // which is still consistent, so a poisoned lock is safe to reuse.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A connection checked out of a [`NativePool`]; it goes back on drop.
pub struct PooledConnection {
    client: Mutex<Option<Client>>,
    pool: NativePool,
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(client) = client {
            let mut idle = self.pool.lock_idle();
            if !client.is_closed() && idle.0.len() < self.pool.max_idle {
                idle.0.push(client);
            }
        }
    }
}

impl PooledConnection {
    fn with_client<T>(
        &self,
        run: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, DbError> {
        let mut guard = self
            .client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = guard
            .as_mut()
            .ok_or_else(|| DbError::Connection("connection already returned".into()))?;
        run(client).map_err(|err| convert_error(&err))
    }
}

impl Database for PooledConnection {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DbError> {
        let bound = bind_all(params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|param| param.as_ref()).collect();
        let rows = self.with_client(|client| client.query(sql, &refs))?;
        decode_rows(&rows)
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let bound = bind_all(params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|param| param.as_ref()).collect();
        self.with_client(|client| client.execute(sql, &refs))
    }
}

/// SQL NULL for a parameter of any type, as Spin's `db-null` binds.
#[derive(Debug)]
struct AnyNull;

impl ToSql for AnyNull {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn bind_all(params: &[Value]) -> Result<Vec<Box<dyn ToSql + Sync>>, DbError> {
    params.iter().map(bind).collect()
}

fn bind(value: &Value) -> Result<Box<dyn ToSql + Sync>, DbError> {
    Ok(match value {
        Value::Null => Box::new(AnyNull),
        Value::Bool(flag) => Box::new(*flag),
        Value::Int16(number) => Box::new(*number),
        Value::Int32(number) => Box::new(*number),
        Value::Int64(number) => Box::new(*number),
        Value::Float64(number) => Box::new(*number),
        Value::Str(text) => Box::new(text.clone()),
        Value::Uuid(id) => Box::new(*id),
        Value::Decimal(text) => Box::new(
            Decimal::from_str_exact(text)
                .map_err(|err| DbError::BadParameter(format!("invalid decimal {text:?}: {err}")))?,
        ),
        Value::Timestamp(naive) => Box::new(*naive),
        Value::Date(date) => Box::new(*date),
        Value::Jsonb(json) => Box::new(postgres::types::Json(json.clone())),
        Value::ArrayStr(items) => Box::new(items.clone()),
        Value::Unsupported => {
            return Err(DbError::BadParameter(
                "an unsupported value cannot be bound".into(),
            ))
        }
    })
}

fn decode_rows(rows: &[postgres::Row]) -> Result<Rows, DbError> {
    let Some(first) = rows.first() else {
        return Ok(Rows::default());
    };
    let columns = first
        .columns()
        .iter()
        .map(|column| column.name().to_owned())
        .collect();
    let mut decoded = Vec::with_capacity(rows.len());
    for row in rows {
        let values = (0..row.len())
            .map(|index| decode_value(row, index))
            .collect::<Result<Vec<_>, _>>()?;
        decoded.push(values);
    }
    Ok(Rows {
        columns,
        rows: decoded,
    })
}

fn decode_value(row: &postgres::Row, index: usize) -> Result<Value, DbError> {
    let column_type = row.columns()[index].type_().clone();
    let value = match column_type {
        Type::BOOL => get::<bool>(row, index)?.map(Value::Bool),
        Type::INT2 => get::<i16>(row, index)?.map(Value::Int16),
        Type::INT4 => get::<i32>(row, index)?.map(Value::Int32),
        Type::INT8 => get::<i64>(row, index)?.map(Value::Int64),
        Type::FLOAT4 => get::<f32>(row, index)?.map(|number| Value::Float64(f64::from(number))),
        Type::FLOAT8 => get::<f64>(row, index)?.map(Value::Float64),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            get::<String>(row, index)?.map(Value::Str)
        }
        Type::UUID => get::<uuid::Uuid>(row, index)?.map(Value::Uuid),
        Type::NUMERIC => {
            get::<Decimal>(row, index)?.map(|number| Value::Decimal(number.to_string()))
        }
        // Spin 3.6 decodes every timestamp as a naive date-time, which fails for
        // `timestamptz`; `get` reproduces that failure.
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            get::<chrono::NaiveDateTime>(row, index)?.map(Value::Timestamp)
        }
        Type::DATE => get::<chrono::NaiveDate>(row, index)?.map(Value::Date),
        Type::JSONB | Type::JSON => get::<serde_json::Value>(row, index)?.map(Value::Jsonb),
        Type::TEXT_ARRAY => get::<Vec<Option<String>>>(row, index)?.map(Value::ArrayStr),
        _ => Some(Value::Unsupported),
    };
    Ok(value.unwrap_or(Value::Null))
}

fn get<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    index: usize,
) -> Result<Option<T>, DbError> {
    row.try_get::<_, Option<T>>(index).map_err(|err| {
        let column = row.columns()[index].name();
        DbError::Conversion(format!("column {column}: {}", describe(&err)))
    })
}

fn convert_error(err: &postgres::Error) -> DbError {
    if let Some(db_error) = err.as_db_error() {
        return DbError::query(
            Some(db_error.code().code().to_owned()),
            db_error.constraint().map(str::to_owned),
            db_error.message().to_owned(),
        );
    }
    let text = describe(err);
    if text.contains("serializing parameter") {
        DbError::BadParameter(text)
    } else if err.is_closed() || text.contains("connect") {
        DbError::Connection(text)
    } else {
        DbError::Query {
            code: None,
            constraint: None,
            message: text,
        }
    }
}

fn describe(err: &postgres::Error) -> String {
    match err.source() {
        Some(source) => format!("{err}: {source}"),
        None => err.to_string(),
    }
}

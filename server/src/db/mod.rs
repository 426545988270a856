//! One way to speak SQL to either database the server runs on: SQLite (the default, one
//! file) or PostgreSQL (several replicas, issue 16). The membership database
//! ([`crate::accounts`]) is written once against this module; each query runs unchanged on
//! both, in the SQL the two share (`?1` parameters, `ON CONFLICT`, `RETURNING`).
//!
//! The shape follows rusqlite's, which the code was first written for: [`Connection`] with
//! `execute`, `query_row`, `prepare(..).query_map(..)`, `transaction`; [`Row::get`];
//! [`OptionalExtension::optional`]; [`params!`]. Values cross as [`Value`]: an integer, a
//! boolean, text, bytes or NULL, read back into Rust types by [`FromValue`] (a boolean is
//! `INTEGER` 0/1 in SQLite and `BOOLEAN` in PostgreSQL; both read as `bool`).
//!
//! - [`sqlite`]: over a rusqlite connection.
//! - [`postgres`]: over a blocking `postgres` client; `?N` becomes `$N`.
//! - [`schema_postgres`]: every table on PostgreSQL, made by numbered migrations.

pub mod postgres;
pub mod schema_postgres;
pub mod sqlite;

use std::cell::RefCell;

/// A value going to or coming from the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
}

/// A database failure, or a value of another type than asked for.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no row")]
    NoRows,
    #[error("column {0}: {1}")]
    Type(usize, String),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL's own message (its `Display` alone says only "db error").
    #[error("postgres: {0}")]
    Postgres(String),
}

impl From<::postgres::Error> for DbError {
    fn from(e: ::postgres::Error) -> Self {
        DbError::Postgres(match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        })
    }
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// A Rust value that goes into a query as a [`Value`].
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, u16, u8);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Bytes(self.clone())
    }
}

/// The parameters of one query.
pub trait Params {
    fn values(&self) -> Vec<Value>;
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|p| p.to_value()).collect()
    }
}

impl Params for [&dyn ToValue; 0] {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}

macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(ToValue::to_value).collect()
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6, 7, 8);

/// Parameters of mixed types: `params![id, name, now]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[&dyn $crate::db::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue] };
}
pub use params;

/// A Rust type a column's [`Value`] reads into.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Option<Self> {
                i64::from_value(v).and_then(|i| <$t>::try_from(i).ok())
            }
        }
    )*};
}
int_from_value!(i32, u32, u64, usize);

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bytes(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column's position (a trait, as in rusqlite, so a literal `0` reads as `usize`).
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One row of an answer.
pub struct Row(Vec<Value>);

impl Row {
    /// Column `idx` as a `T` (`r.get::<_, String>(1)` reads as it did with rusqlite).
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        let v = self
            .0
            .get(idx)
            .ok_or_else(|| DbError::Type(idx, "no such column".into()))?;
        T::from_value(v).ok_or_else(|| {
            DbError::Type(
                idx,
                format!("{v:?} is not a {}", std::any::type_name::<T>()),
            )
        })
    }
}

/// `query_row(..).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A connection to SQLite or PostgreSQL.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    /// The client needs `&mut` for every call; a connection is only ever used by one thread
    /// at a time (behind the caller's lock), so a `RefCell` gives it that. Boxed: it is
    /// far larger than SQLite's handle.
    Postgres(Box<RefCell<postgres::Client>>),
}

impl Connection {
    /// Run a statement; how many rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values();
        match self {
            Connection::Sqlite(c) => sqlite::execute(c, sql, &values),
            Connection::Postgres(c) => postgres::execute(&mut c.borrow_mut(), sql, &values),
        }
    }

    /// Run several statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Connection::Postgres(c) => {
                let mut c = c.borrow_mut();
                let done = match c.ready() {
                    Ok(()) => c.batch_execute(sql).map_err(DbError::from),
                    Err(e) => Err(e),
                };
                c.note_transaction(sql, done.is_ok());
                done
            }
        }
    }

    /// Every row of a query.
    pub fn query<P: Params>(&self, sql: &str, params: P) -> Result<Vec<Row>> {
        let values = params.values();
        match self {
            Connection::Sqlite(c) => sqlite::query(c, sql, &values),
            Connection::Postgres(c) => postgres::query(&mut c.borrow_mut(), sql, &values),
        }
    }

    /// The first row of a query, read by `f`; [`DbError::NoRows`] if there is none.
    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let rows = self.query(sql, params)?;
        rows.first().ok_or(DbError::NoRows).and_then(f)
    }

    /// A query to run with [`Statement::query_map`].
    pub fn prepare<'c>(&'c self, sql: &str) -> Result<Statement<'c>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// Begin a transaction: it commits with [`Transaction::commit`], and rolls back if
    /// dropped before.
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        let begin = match self {
            // Take the write lock now: two writers never deadlock upgrading a read.
            Connection::Sqlite(_) => "BEGIN IMMEDIATE",
            Connection::Postgres(_) => "BEGIN",
        };
        self.execute_batch(begin)?;
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    /// Whether this is a PostgreSQL connection (for the few statements the two write
    /// differently, such as the schema).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Connection::Postgres(_))
    }
}

/// A query and the connection it runs on.
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    /// Every row, read by `f`.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self.conn.query(&self.sql, params)?;
        Ok(rows.iter().map(f).collect::<Vec<_>>().into_iter())
    }
}

/// An open transaction (see [`Connection::transaction`]).
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.conn.execute_batch("COMMIT")
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests;

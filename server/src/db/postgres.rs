//! [`super::Connection`] over PostgreSQL (the blocking `postgres` client). A query's `?N`
//! parameters become `$N`; a [`Value`] is written as whatever type PostgreSQL expects at
//! its place (an integer into `BIGINT`, `INTEGER` or `BOOLEAN`; NULL into anything), so the
//! same query runs on both databases; a column reads back by its type.

use std::collections::HashMap;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::{DbError, Result, Row, Value};

/// `?1` → `$1`, outside quoted strings and identifiers.
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '?' => {
                out.push('$');
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

/// A blocking PostgreSQL client that comes back after the database restarts, keeps its
/// prepared statements, and may be dropped anywhere.
///
/// - **Reconnecting.** Before each use ([`Client::ready`]) a closed connection is opened
///   again, unless it closed inside a transaction: then the caller gets the error (the
///   transaction's statements are gone; carrying on in a new session would commit half of
///   it) and the next use after the rollback reconnects.
/// - **Statements** are prepared once per connection ([`Client::prepared`]).
/// - **Dropping** closes the connection through the crate's own small runtime, which cannot
///   start on an async worker (the server's state is dropped on one at shutdown), so there
///   it is closed on a thread of its own.
pub struct Client {
    url: String,
    inner: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
    in_transaction: bool,
}

/// Statements kept per connection; past it the cache starts again.
const MAX_STATEMENTS: usize = 512;

impl Client {
    pub fn connect(url: &str) -> Result<Client> {
        Ok(Client {
            url: url.to_owned(),
            inner: Some(postgres::Client::connect(url, postgres::NoTls)?),
            statements: HashMap::new(),
            in_transaction: false,
        })
    }

    /// Open the connection again if it closed (see the type's opening).
    pub fn ready(&mut self) -> Result<()> {
        if !self.is_closed() {
            return Ok(());
        }
        if self.in_transaction {
            return Err(DbError::Postgres(
                "the connection to PostgreSQL closed inside a transaction".into(),
            ));
        }
        self.reconnect()
    }

    /// Run `f` on the connection, opened again first if it closed. When `f` fails because
    /// the connection was gone before it ran (the database restarted: its backends were
    /// terminated, error class 57P, or the socket had closed), and no transaction is open,
    /// `f` runs once more on a new connection: it cannot have taken effect.
    pub fn retrying<T>(
        &mut self,
        mut f: impl FnMut(&mut Client) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        self.ready()?;
        match f(self) {
            Err(e) if !self.in_transaction && gone_before(&e) => {
                self.reconnect()?;
                Ok(f(self)?)
            }
            other => Ok(other?),
        }
    }

    fn reconnect(&mut self) -> Result<()> {
        let fresh = postgres::Client::connect(&self.url, postgres::NoTls)?;
        if let Some(old) = self.inner.replace(fresh) {
            drop_off_runtime(old);
        }
        self.statements.clear();
        Ok(())
    }

    /// `sql` prepared on this connection (once).
    pub fn prepared(
        &mut self,
        sql: &str,
    ) -> std::result::Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.prepare(&numbered(sql))?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Note a `BEGIN` that ran, or a `COMMIT` or `ROLLBACK` tried (which ends the
    /// transaction whether it ran or not: a failed one leaves nothing to finish).
    pub(super) fn note_transaction(&mut self, sql: &str, ran: bool) {
        match sql.trim() {
            "BEGIN" if ran => self.in_transaction = true,
            "COMMIT" | "ROLLBACK" => self.in_transaction = false,
            _ => {}
        }
    }
}

impl std::ops::Deref for Client {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        self.inner
            .as_ref()
            .expect("the client is only taken when dropped")
    }
}

impl std::ops::DerefMut for Client {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.inner
            .as_mut()
            .expect("the client is only taken when dropped")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(client) = self.inner.take() {
            drop_off_runtime(client);
        }
    }
}

/// Whether `e` says the connection was gone before the request ran.
fn gone_before(e: &postgres::Error) -> bool {
    e.is_closed() || e.code().is_some_and(|c| c.code().starts_with("57P"))
}

/// Close `client` here, or on a thread of its own when this is an async worker.
fn drop_off_runtime(client: postgres::Client) {
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::spawn(move || drop(client));
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Bool(b), &Type::BOOL) => b.to_sql(ty, out),
            (Value::Bool(b), &Type::INT8) => (*b as i64).to_sql(ty, out),
            (Value::Bool(b), &Type::INT4) => (*b as i32).to_sql(ty, out),
            (Value::Text(s), _) => s.as_str().to_sql(ty, out),
            (Value::Bytes(b), _) => b.as_slice().to_sql(ty, out),
            (v, ty) => Err(format!("{v:?} cannot be written as {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

pub(super) fn execute(c: &mut Client, sql: &str, values: &[Value]) -> Result<usize> {
    c.retrying(|c| {
        let stmt = c.prepared(sql)?;
        Ok(c.execute(&stmt, &params(values))? as usize)
    })
    .map_err(|e| in_query(e, sql))
}

/// The error, naming the query it came from (its text, never its values).
fn in_query(e: DbError, sql: &str) -> DbError {
    match e {
        DbError::Postgres(m) => {
            let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            DbError::Postgres(format!("{m}, in: {sql}"))
        }
        other => other,
    }
}

pub(super) fn query(c: &mut Client, sql: &str, values: &[Value]) -> Result<Vec<Row>> {
    let rows = c
        .retrying(|c| {
            let stmt = c.prepared(sql)?;
            c.query(&stmt, &params(values))
        })
        .map_err(|e| in_query(e, sql))?;
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| read(r, i))
                .collect::<Result<Vec<_>>>()
                .map(Row)
        })
        .collect()
}

/// Column `i` of `r`, by its type.
fn read(r: &postgres::Row, i: usize) -> Result<Value> {
    let ty = r.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => r
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::INT2 => r
            .try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
        _ => r.try_get::<_, Option<String>>(i)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

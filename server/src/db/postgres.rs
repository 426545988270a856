//! [`super::Connection`] over PostgreSQL (the blocking `postgres` client). A query's `?N`
//! parameters become `$N`; a [`Value`] is written as whatever type PostgreSQL expects at
//! its place (an integer into `BIGINT`, `INTEGER` or `BOOLEAN`; NULL into anything), so the
//! same query runs on both databases; a column reads back by its type.

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

/// A blocking PostgreSQL client that may be dropped anywhere: closing the connection runs
/// its own small runtime, which cannot start on an async worker (the server's state is
/// dropped on one at shutdown), so there it is closed on a thread of its own.
pub struct Client(Option<postgres::Client>);

impl Client {
    pub fn connect(url: &str) -> Result<Client> {
        Ok(Client(Some(postgres::Client::connect(
            url,
            postgres::NoTls,
        )?)))
    }
}

impl std::ops::Deref for Client {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        self.0
            .as_ref()
            .expect("the client is only taken when dropped")
    }
}

impl std::ops::DerefMut for Client {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.0
            .as_mut()
            .expect("the client is only taken when dropped")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(client) = self.0.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            std::thread::spawn(move || drop(client));
        }
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

pub(super) fn execute(c: &mut postgres::Client, sql: &str, values: &[Value]) -> Result<usize> {
    let run = |c: &mut postgres::Client| -> Result<usize> {
        let stmt = c.prepare(&numbered(sql))?;
        Ok(c.execute(&stmt, &params(values))? as usize)
    };
    run(c).map_err(|e| in_query(e, sql))
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

pub(super) fn query(c: &mut postgres::Client, sql: &str, values: &[Value]) -> Result<Vec<Row>> {
    let run = |c: &mut postgres::Client| -> Result<Vec<Row>> {
        let stmt = c.prepare(&numbered(sql))?;
        let rows = c.query(&stmt, &params(values))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| read(r, i))
                    .collect::<Result<Vec<_>>>()
                    .map(Row)
            })
            .collect()
    };
    run(c).map_err(|e| in_query(e, sql))
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

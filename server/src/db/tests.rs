//! The same queries over SQLite and PostgreSQL give the same answers: every kind of value
//! there and back, NULLs, booleans, no row, a transaction committed and one dropped.

use giamsat_tests::postgres::Postgres;

use super::*;

const TABLE: &str =
    "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, flag BOOLEAN NOT NULL, data BYTEA)";

fn over_both(name: &str, check: impl Fn(&mut Connection)) {
    let mut sqlite = Connection::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
    sqlite
        .execute_batch(&TABLE.replace("BYTEA", "BLOB").replace("BOOLEAN", "INTEGER"))
        .unwrap();
    check(&mut sqlite);
    if let Some(pg) = Postgres::start_or_skip(name) {
        let client = postgres::Client::connect(&pg.url()).unwrap();
        let mut c = Connection::Postgres(Box::new(RefCell::new(client)));
        c.execute_batch(TABLE).unwrap();
        check(&mut c);
    }
}

#[test]
fn values_go_in_and_come_back_the_same_on_both() {
    over_both("db: values", |c| {
        let none: Option<String> = None;
        c.execute(
            "INSERT INTO t (id, name, flag, data) VALUES (?1, ?2, ?3, ?4)",
            params![1i64, "Nguyễn Thị Lan", true, vec![0u8, 255]],
        )
        .unwrap();
        c.execute(
            "INSERT INTO t (id, name, flag, data) VALUES (?1, ?2, ?3, NULL)",
            params![2i64, none, false],
        )
        .unwrap();
        let (name, flag, data): (String, bool, Vec<u8>) = c
            .query_row(
                "SELECT name, flag, data FROM t WHERE id = ?1",
                [1i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (name.as_str(), flag, data),
            ("Nguyễn Thị Lan", true, vec![0, 255])
        );
        let (name, flag): (Option<String>, bool) = c
            .query_row("SELECT name, flag FROM t WHERE id = ?1", [2i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((name, flag), (None, false));
        // A question mark inside a string is text, not a parameter.
        let text: String = c
            .query_row("SELECT 'vì sao?' || ?1", ["!"], |r| r.get(0))
            .unwrap();
        assert_eq!(text, "vì sao?!");
        // Comparisons and EXISTS read as booleans on both.
        let (exists, is_null): (bool, bool) = c
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM t WHERE id = ?1), name IS NULL FROM t WHERE id = ?2",
                params![2i64, 2i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(exists && is_null);
        let ids: Vec<i64> = c
            .prepare("SELECT id FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(ids, vec![1, 2]);
        let missing = c
            .query_row("SELECT id FROM t WHERE id = ?1", [3i64], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(missing, None);
        let wrong = c.query_row("SELECT name FROM t WHERE id = 1", [], |r| {
            r.get::<_, i64>(0)
        });
        assert!(matches!(wrong, Err(DbError::Type(0, _))), "{wrong:?}");
        let new_id: i64 = c
            .query_row(
                "INSERT INTO t (id, name, flag) VALUES (?1, 'x', ?2) RETURNING id",
                params![7i64, false],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(new_id, 7);
        let ignored = c
            .execute(
                "INSERT INTO t (id, flag) VALUES (1, ?1) ON CONFLICT DO NOTHING",
                [true],
            )
            .unwrap();
        assert_eq!(ignored, 0);
    });
}

#[test]
fn a_transaction_commits_all_or_rolls_back_all() {
    over_both("db: transactions", |c| {
        {
            let tx = c.transaction().unwrap();
            tx.execute("INSERT INTO t (id, flag) VALUES (1, ?1)", [true])
                .unwrap();
            tx.execute("INSERT INTO t (id, flag) VALUES (2, ?1)", [true])
                .unwrap();
            // Dropped without commit.
        }
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        let tx = c.transaction().unwrap();
        tx.execute("INSERT INTO t (id, flag) VALUES (3, ?1)", [false])
            .unwrap();
        tx.commit().unwrap();
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    });
}

#[test]
fn parameters_are_numbered_for_postgres_outside_quotes() {
    assert_eq!(
        postgres::numbered("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12"),
        "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12"
    );
}

//! The throwaway PostgreSQL the PostgreSQL-backed tests use starts on loopback, takes
//! connections, and is gone (port closed, directory removed) once dropped.

use giamsat_tests::postgres::Postgres;

#[test]
fn a_throwaway_cluster_starts_on_loopback_and_is_gone_when_dropped() {
    let Some(pg) = Postgres::start_or_skip("postgres harness") else {
        return;
    };
    let port = pg.port();
    assert!(pg.url().starts_with("postgres://giamsat@127.0.0.1:"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let other = pg.database("second").unwrap();
    assert!(other.ends_with("/second"));
    drop(pg);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the cluster still listens after being dropped"
    );
}

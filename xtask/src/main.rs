//! # xtask: the project's commands, runnable on a bare machine
//!
//! - `cargo xtask run [server flags…]`: install what is missing, build the app, and run the
//!   server on http://127.0.0.1:8080 with its SQLite database in `./data`.
//! - `cargo xtask test`: install what is missing, build, and run every test — shared's and
//!   the server's unit tests, the native end-to-end tests, the JS interop test and the
//!   browser tests (Playwright on Debian's Chromium).
//! - `cargo xtask build`: only build the app into `app/dist`.
//! - `cargo xtask bench`: every benchmark, the long reliability runs and the fuzzers (see
//!   BENCHMARKS.md); raw outputs and `SUMMARY.md` go to `target/bench-results/`
//!   (`GIAMSAT_BENCH_ONLY`, `GIAMSAT_FUZZ_RUNS`: see `bench.rs`).
//!
//! Each step says what it does. Installs: the wasm32 target (rustup), wasm-bindgen-cli at
//! the version Cargo.lock pins (cargo install), wasm-opt from npm `binaryen@132` (Debian's
//! binaryen 108 breaks wasm-bindgen's output), Chromium (apt-get), npm packages (`npm ci`).

mod bench;
mod build;
mod fuzz;
mod install;
mod readme;
mod sh;
mod summary;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build::app(),
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench::all(),
        _ => {
            eprintln!("usage: cargo xtask run [server flags…] | test | build | bench");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Build the app and run the server in the foreground; or, for a command that only asks
/// something of the server (`admin …`, `--help`), just run that.
fn run(args: &[String]) -> Result<(), String> {
    let server_args = readme::server_args(args);
    if readme::serves(server_args) {
        build::app()?;
        sh::step("starting the server on http://127.0.0.1:8080 (Ctrl-C stops it)");
    } else {
        sh::step(&format!("giamsat-server {}", server_args.join(" ")));
    }
    let mut args: Vec<&str> = vec![
        "run",
        "--release",
        "--quiet",
        "-p",
        "server",
        "--bin",
        "giamsat-server",
        "--",
    ];
    args.extend(server_args.iter().map(String::as_str));
    sh::run("cargo", &args, None)
}

/// Install, build, and run every test.
fn test() -> Result<(), String> {
    build::app()?;
    install::chromium()?;
    install::document_readers()?;
    install::postgresql()?;
    install::npm_packages()?;
    sh::step("building the server for the end-to-end tests");
    sh::run(
        "cargo",
        &[
            "build",
            "--quiet",
            "-p",
            "server",
            "--bin",
            "giamsat-server",
        ],
        None,
    )?;
    sh::step("running shared, server and native end-to-end tests (cargo test)");
    sh::run(
        "cargo",
        &[
            "test",
            "-p",
            "shared",
            "-p",
            "server",
            "-p",
            "giamsat-tests",
            "-p",
            "giamsat-load",
            "-p",
            "xtask",
        ],
        None,
    )?;
    sh::step(
        "running the member, access-control and crash tests again on PostgreSQL (GIAMSAT_TEST_DATABASE=postgres)",
    );
    sh::run_env(
        "cargo",
        &[
            "test",
            "-p",
            "giamsat-tests",
            "--test",
            "members_sync",
            "--test",
            "access_control",
            "--test",
            "crash",
        ],
        None,
        &[("GIAMSAT_TEST_DATABASE", "postgres".into())],
    )?;
    sh::step("running the browser tests (Playwright + Chromium, node --test)");
    let root = sh::root();
    let server_bin = sh::target_dir().join("debug").join("giamsat-server");
    let app_dir = root.join("app").join("dist");
    let env = [
        (
            "GIAMSAT_SERVER_BIN",
            server_bin.to_string_lossy().into_owned(),
        ),
        ("GIAMSAT_APP_DIR", app_dir.to_string_lossy().into_owned()),
    ];
    sh::run_env(
        "node",
        &["--test", "--test-concurrency=1", "browser/"],
        Some(&root.join("tests")),
        &env,
    )
}

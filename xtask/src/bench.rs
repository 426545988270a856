//! `cargo xtask bench`: every benchmark and the long reliability runs, one after the other
//! (never two at once: these machines have two cores), each output kept in
//! `target/bench-results/<name>.txt` for BENCHMARKS.md.

use std::process::Command;

use crate::{build, install, sh};

/// One step: a name, a program and its arguments, extra environment, the working directory
/// below the root ("" for the root).
struct Step {
    name: &'static str,
    program: &'static str,
    args: Vec<&'static str>,
    env: Vec<(&'static str, String)>,
    dir: &'static str,
}

pub fn all() -> Result<(), String> {
    build::app()?;
    install::chromium()?;
    install::npm_packages()?;
    sh::step("installing the reference JS sync server (npm ci in tests/reference-server/)");
    sh::run(
        "npm",
        &[
            "ci",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            "tests/reference-server",
        ],
        None,
    )?;
    sh::step("building the server (release and debug) and the load generator");
    sh::run(
        "cargo",
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "server",
            "-p",
            "giamsat-tests",
            "--bins",
        ],
        None,
    )?;
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
    let results = sh::target_dir().join("bench-results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let release_server = sh::target_dir()
        .join("release")
        .join("giamsat-server")
        .to_string_lossy()
        .into_owned();
    let steps = vec![
        Step {
            name: "big_supervision",
            program: "cargo",
            args: vec!["bench", "-p", "shared", "--bench", "big_supervision"],
            env: vec![],
            dir: "",
        },
        Step {
            name: "editing_trace",
            program: "cargo",
            args: vec!["bench", "-p", "shared", "--bench", "editing_trace"],
            env: vec![],
            dir: "",
        },
        Step {
            name: "offline_merge",
            program: "cargo",
            args: vec!["bench", "-p", "shared", "--bench", "offline_merge"],
            env: vec![],
            dir: "",
        },
        Step {
            name: "sync_load",
            program: "cargo",
            args: vec![
                "run",
                "--release",
                "--quiet",
                "-p",
                "giamsat-tests",
                "--bin",
                "loadgen",
                "--",
                "--compare",
                "--clients",
                "1000",
                "--delegations",
                "20",
                "--duration-secs",
                "30",
                "--edit-interval-ms",
                "2000",
                "--drain-secs",
                "20",
                "--setup-timeout-secs",
                "420",
            ],
            env: vec![("GIAMSAT_SERVER_BIN", release_server.clone())],
            dir: "",
        },
        Step {
            name: "server_scale",
            program: "cargo",
            args: vec![
                "run",
                "--release",
                "--quiet",
                "-p",
                "giamsat-tests",
                "--bin",
                "loadgen",
                "--",
                "--scale",
                "--docs",
                "10000",
                "--live",
                "1000",
                "--create-limit-secs",
                "600",
                "--setup-timeout-secs",
                "420",
                "--rss-cap-mb",
                "6144",
            ],
            env: vec![("GIAMSAT_SERVER_BIN", release_server.clone())],
            dir: "",
        },
        Step {
            name: "sync_load_100",
            program: "cargo",
            args: vec![
                "run",
                "--release",
                "--quiet",
                "-p",
                "giamsat-tests",
                "--bin",
                "loadgen",
                "--",
                "--compare",
                "--clients",
                "100",
                "--delegations",
                "5",
                "--duration-secs",
                "30",
                "--edit-interval-ms",
                "2000",
                "--drain-secs",
                "20",
            ],
            env: vec![("GIAMSAT_SERVER_BIN", release_server.clone())],
            dir: "",
        },
        Step {
            name: "app_open",
            program: "node",
            args: vec!["bench/app-open.mjs"],
            env: vec![],
            dir: "tests",
        },
        Step {
            name: "crash_100",
            program: "cargo",
            args: vec![
                "test",
                "-p",
                "giamsat-tests",
                "--test",
                "crash",
                "--",
                "--nocapture",
            ],
            env: vec![("GIAMSAT_CRASH_ROUNDS", "100".into())],
            dir: "",
        },
    ];
    let mut failed = Vec::new();
    for step in steps {
        sh::step(&format!("bench: {}", step.name));
        let dir = if step.dir.is_empty() {
            sh::root()
        } else {
            sh::root().join(step.dir)
        };
        let mut cmd = Command::new(step.program);
        cmd.args(&step.args).current_dir(dir);
        for (k, v) in &step.env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("could not start {}: {e}", step.program))?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        let path = results.join(format!("{}.txt", step.name));
        std::fs::write(&path, &text).map_err(|e| e.to_string())?;
        eprintln!(
            "{} → {}",
            if out.status.success() { "ok" } else { "FAILED" },
            path.display()
        );
        if !out.status.success() {
            failed.push(step.name);
        }
    }
    sh::step(
        "fuzzing: see BENCHMARKS.md \"Hostile input\" for the bounded fuzz run (it needs cargo-fuzz)",
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("benchmarks failed: {}", failed.join(", ")))
    }
}

//! Running commands and saying what they are for.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Announce a step.
pub fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where cargo puts build output: `$CARGO_TARGET_DIR`, or `target/` at the root.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => {
            let p = PathBuf::from(d);
            if p.is_absolute() { p } else { root().join(p) }
        }
        None => root().join("target"),
    }
}

/// Run a program, failing with its name if it fails.
pub fn run(program: &str, args: &[&str], dir: Option<&Path>) -> Result<(), String> {
    run_env(program, args, dir, &[])
}

/// Run a program with extra environment variables.
pub fn run_env(
    program: &str,
    args: &[&str],
    dir: Option<&Path>,
    env: &[(&str, String)],
) -> Result<(), String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir.map(Path::to_path_buf).unwrap_or_else(root));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// A program's standard output, if it runs and succeeds.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

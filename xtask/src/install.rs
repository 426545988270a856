//! Installing what the build and the tests need, only when it is missing.

use std::path::PathBuf;

use crate::sh;

/// The wasm32 target for rustc.
pub fn wasm_target() -> Result<(), String> {
    let installed = sh::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        sh::step("installing the wasm32-unknown-unknown target (rustup)");
        sh::run("rustup", &["target", "add", "wasm32-unknown-unknown"], None)?;
    }
    Ok(())
}

/// The wasm-bindgen version Cargo.lock pins.
fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(sh::root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock names no wasm-bindgen".into())
}

/// wasm-bindgen-cli at exactly the locked version; returns the program to run.
pub fn wasm_bindgen() -> Result<String, String> {
    let version = locked_wasm_bindgen()?;
    let have = sh::output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(version.as_str()) {
        sh::step(&format!(
            "installing wasm-bindgen-cli {version} (cargo install, a few minutes, once)"
        ));
        // Without --locked: its lock file names a webpki-roots release the registry lacks.
        sh::run(
            "cargo",
            &["install", "--quiet", &format!("wasm-bindgen-cli@{version}")],
            None,
        )?;
    }
    Ok("wasm-bindgen".into())
}

/// wasm-opt from npm binaryen@132, kept beside the build output; returns its path.
pub fn wasm_opt() -> Result<PathBuf, String> {
    let dir = sh::target_dir().join("giamsat-tools");
    let bin = dir.join("node_modules").join(".bin").join("wasm-opt");
    if !bin.exists() {
        sh::step("installing wasm-opt (npm binaryen@132)");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let d = dir.to_string_lossy().into_owned();
        sh::run(
            "npm",
            &[
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                &d,
                "binaryen@132",
            ],
            None,
        )?;
    }
    Ok(bin)
}

/// Debian's Chromium, for the browser tests.
pub fn chromium() -> Result<(), String> {
    if std::path::Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    sh::step("installing Chromium (apt-get install chromium)");
    sh::run("apt-get", &["update", "-qq"], None)?;
    sh::run_env(
        "apt-get",
        &["install", "-y", "-qq", "chromium"],
        None,
        &[("DEBIAN_FRONTEND", "noninteractive".into())],
    )
}

/// A real reader for the exported documents: LibreOffice (headless, without a desktop) to
/// open a DOCX and print it to PDF, poppler's pdftotext / pdffonts / pdftoppm to read the
/// PDF back, and Liberation Serif 2 (metric-compatible with Times New Roman, full Vietnamese).
pub fn document_readers() -> Result<(), String> {
    let have = |p: &str| std::path::Path::new(p).exists();
    if have("/usr/bin/soffice")
        && have("/usr/bin/pdftotext")
        && have("/usr/share/fonts/truetype/liberation2")
        && have("/usr/bin/unzip")
    {
        return Ok(());
    }
    sh::step(
        "installing LibreOffice, poppler and unzip (apt-get install libreoffice-writer-nogui poppler-utils fonts-liberation2 unzip)",
    );
    sh::run("apt-get", &["update", "-qq"], None)?;
    sh::run_env(
        "apt-get",
        &[
            "install",
            "-y",
            "-qq",
            "libreoffice-writer-nogui",
            "poppler-utils",
            "fonts-liberation2",
            // The browser tests read the DOCX a member downloaded.
            "unzip",
        ],
        None,
        &[("DEBIAN_FRONTEND", "noninteractive".into())],
    )
}

/// Debian's PostgreSQL server binaries, for the tests of the PostgreSQL-backed server (each
/// test makes a throwaway cluster of its own on loopback with `initdb`; the cluster the
/// package may create is not used).
pub fn postgresql() -> Result<(), String> {
    let have = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
        versions
            .flatten()
            .any(|v| v.path().join("bin").join("initdb").exists())
    });
    if have {
        return Ok(());
    }
    sh::step("installing PostgreSQL (apt-get install postgresql)");
    sh::run("apt-get", &["update", "-qq"], None)?;
    sh::run_env(
        "apt-get",
        &["install", "-y", "-qq", "postgresql"],
        None,
        &[("DEBIAN_FRONTEND", "noninteractive".into())],
    )
}

/// The JS test dependencies (automerge-repo client, playwright-core), from package-lock.json.
pub fn npm_packages() -> Result<(), String> {
    let tests = sh::root().join("tests");
    let stamp = tests.join("node_modules").join(".package-lock.json");
    let lock = tests.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if !fresh {
        sh::step("installing the JS test packages (npm ci in tests/)");
        sh::run(
            "npm",
            &["ci", "--silent", "--no-audit", "--no-fund"],
            Some(&tests),
        )?;
    }
    Ok(())
}

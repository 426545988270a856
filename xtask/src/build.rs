//! Building the app: wasm32 release build → wasm-bindgen (web target) → wasm-opt -Oz →
//! `app/dist` with index.html and the stylesheet, each file also precompressed (br, gz).

use std::io::Write;
use std::path::Path;

use crate::{install, sh};

pub fn app() -> Result<(), String> {
    install::wasm_target()?;
    let bindgen = install::wasm_bindgen()?;
    let wasm_opt = install::wasm_opt()?;
    sh::step("building the app for wasm32 (release)");
    sh::run(
        "cargo",
        &[
            "build",
            "--quiet",
            "-p",
            "app",
            "--bin",
            "app",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ],
        None,
    )?;
    let root = sh::root();
    let dist = root.join("app").join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let wasm = sh::target_dir()
        .join("wasm32-unknown-unknown")
        .join("wasm-release")
        .join("app.wasm");
    sh::step("generating the JS bindings (wasm-bindgen)");
    let d = dist.to_string_lossy().into_owned();
    sh::run(
        &bindgen,
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &d,
            &wasm.to_string_lossy(),
        ],
        None,
    )?;
    sh::step("shrinking the wasm (wasm-opt -Oz)");
    let bg = dist.join("app_bg.wasm").to_string_lossy().into_owned();
    sh::run(
        &wasm_opt.to_string_lossy(),
        &[
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-reference-types",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            &bg,
            "-o",
            &bg,
        ],
        None,
    )?;
    copy(
        &root.join("app").join("index.html"),
        &dist.join("index.html"),
    )?;
    copy(&root.join("app").join("sw.js"), &dist.join("sw.js"))?;
    // The page's start-up script: a file, since the CSP forbids inline scripts.
    copy(&root.join("app").join("boot.js"), &dist.join("boot.js"))?;
    copy(
        &root.join("app").join("manifest.webmanifest"),
        &dist.join("manifest.webmanifest"),
    )?;
    std::fs::create_dir_all(dist.join("icons")).map_err(|e| e.to_string())?;
    for name in ["icon-192.png", "icon-512.png"] {
        copy(
            &root.join("app").join("icons").join(name),
            &dist.join("icons").join(name),
        )?;
    }
    for entry in std::fs::read_dir(root.join("style")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = path.file_name() {
            copy(&path, &dist.join(name))?;
        }
    }
    sh::step("precompressing (brotli, gzip)");
    let mut total = (0usize, 0usize);
    for entry in std::fs::read_dir(&dist).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let gz = gzip(&bytes)?;
        std::fs::write(with_ext(&path, "gz"), &gz).map_err(|e| e.to_string())?;
        std::fs::write(with_ext(&path, "br"), brotli(&bytes)?).map_err(|e| e.to_string())?;
        total.0 += bytes.len();
        total.1 += gz.len();
    }
    eprintln!(
        "app built in {}: {} KB raw, {} KB gzip",
        dist.display(),
        total.0 / 1024,
        total.1 / 1024
    );
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copy {}: {e}", from.display()))
}

fn with_ext(path: &Path, ext: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    s.into()
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    enc.finish().map_err(|e| e.to_string())
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

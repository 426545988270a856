//! Building the app: wasm32 release build → wasm-bindgen (web target) → wasm-opt -Oz →
//! `app/dist` with index.html and the stylesheet, each file also precompressed (br, gz). The
//! DOCX export module (`app/export`) is built the same way beside it, as `export.js` and
//! `export_bg.wasm`; the print font is copied into `fonts/`.

use std::io::Write;
use std::path::Path;

use crate::{install, sh};

pub fn app() -> Result<(), String> {
    install::wasm_target()?;
    let bindgen = install::wasm_bindgen()?;
    let wasm_opt = install::wasm_opt()?;
    let root = sh::root();
    let dist = root.join("app").join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    // The app, and the DOCX export module it fetches the first time a member exports:
    // (package, which target of it, the wasm cargo writes, the name it is served under).
    let modules: [(&str, &[&str], &str, &str); 2] = [
        ("app", &["--bin", "app"], "app", "app"),
        ("app-export", &["--lib"], "app_export", "export"),
    ];
    for (package, target, wasm, name) in modules {
        sh::step(&format!("building {package} for wasm32 (release)"));
        let mut args = vec!["build", "--quiet", "-p", package];
        args.extend(target);
        args.extend([
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ]);
        sh::run("cargo", &args, None)?;
        let built = sh::target_dir()
            .join("wasm32-unknown-unknown")
            .join("wasm-release")
            .join(format!("{wasm}.wasm"));
        bindgen_and_shrink(&bindgen, &wasm_opt, &built, &dist, name)?;
    }
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
    copy_files(&root.join("style"), &dist)?;
    // The printed paper's font and its licence (style/fonts/README.md).
    std::fs::create_dir_all(dist.join("fonts")).map_err(|e| e.to_string())?;
    copy_files(&root.join("style").join("fonts"), &dist.join("fonts"))?;
    sh::step("precompressing (brotli, gzip)");
    let files = precompress(&dist)?;
    let fonts = precompress(&dist.join("fonts"))?;
    let sum = |files: &[(String, usize, usize)], pick: &dyn Fn(&str) -> bool| {
        files
            .iter()
            .filter(|(name, _, _)| pick(name))
            .fold((0, 0), |(r, g), (_, raw, gz)| (r + raw, g + gz))
    };
    let module = |name: &str| name.starts_with("export");
    let first = sum(&files, &|n| !module(n));
    let export = sum(&files, &module);
    let fonts = sum(&fonts, &|_| true);
    eprintln!(
        "app built in {}: first load {} KB raw, {} KB gzip; the export module (fetched on the \
         first export) {} KB raw, {} KB gzip; the print font {} KB raw, {} KB gzip",
        dist.display(),
        first.0 / 1024,
        first.1 / 1024,
        export.0 / 1024,
        export.1 / 1024,
        fonts.0 / 1024,
        fonts.1 / 1024
    );
    Ok(())
}

/// Write a `.gz` and a `.br` beside each file of `dir` (not its folders); each file's name
/// and size, raw and gzipped.
fn precompress(dir: &Path) -> Result<Vec<(String, usize, usize)>, String> {
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() || path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let gz = gzip(&bytes)?;
        std::fs::write(with_ext(&path, "gz"), &gz).map_err(|e| e.to_string())?;
        std::fs::write(with_ext(&path, "br"), brotli(&bytes)?).map_err(|e| e.to_string())?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        sizes.push((name, bytes.len(), gz.len()));
    }
    Ok(sizes)
}

/// wasm-bindgen (web target) of `wasm` into `dist` as `<name>.js` and `<name>_bg.wasm`, then
/// wasm-opt -Oz on the wasm.
fn bindgen_and_shrink(
    bindgen: &str,
    wasm_opt: &Path,
    wasm: &Path,
    dist: &Path,
    name: &str,
) -> Result<(), String> {
    sh::step(&format!(
        "generating the JS bindings of {name} (wasm-bindgen)"
    ));
    let d = dist.to_string_lossy().into_owned();
    sh::run(
        bindgen,
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &d,
            "--out-name",
            name,
            &wasm.to_string_lossy(),
        ],
        None,
    )?;
    sh::step(&format!("shrinking {name} (wasm-opt -Oz)"));
    let bg = dist
        .join(format!("{name}_bg.wasm"))
        .to_string_lossy()
        .into_owned();
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
    )
}

/// Copy the files (not the folders) of `from` into `to`.
fn copy_files(from: &Path, to: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let (true, Some(name)) = (path.is_file(), path.file_name()) {
            copy(&path, &to.join(name))?;
        }
    }
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

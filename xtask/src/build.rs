//! Building the app: wasm32 release build → split at its `#[lazy]` screens (wasm-split) →
//! wasm-bindgen (web target) → wasm-opt -Oz on every module → `app/dist` with index.html and
//! the stylesheet, each file also precompressed (br, gz). The first load is `app_bg.wasm`;
//! the engine (documents, Automerge, sync) is `split_giamsat_engine.wasm`, fetched once the
//! first screen is up; each lazily loaded screen is a `split_*.wasm`, with the code several of them share in
//! `chunk_*.wasm`, fetched through `__wasm_split.js`, and the service worker is told their
//! names so a tablet keeps them for offline use. The DOCX export module (`app/export`) is
//! built beside it, unsplit, as `export.js` and `export_bg.wasm`; the print font is copied
//! into `fonts/`.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    // (package, which target of it, the wasm cargo writes, the name it is served under,
    // whether it has lazily loaded parts to split off).
    let modules: [(&str, &[&str], &str, &str, bool); 2] = [
        ("app", &["--bin", "app"], "app", "app", true),
        ("app-export", &["--lib"], "app_export", "export", false),
    ];
    let mut lazy = Vec::new();
    for (package, target, wasm, name, split) in modules {
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
        let main = if split {
            let (main, parts) = split_lazy(&built, &dist, name)?;
            for part in &parts {
                shrink(&wasm_opt, part)?;
            }
            lazy.extend(parts);
            main
        } else {
            without_relocations(&built)?
        };
        bindgen_js(&bindgen, &main, &dist, name, split)?;
        shrink(&wasm_opt, &dist.join(format!("{name}_bg.wasm")))?;
    }
    copy(
        &root.join("app").join("index.html"),
        &dist.join("index.html"),
    )?;
    service_worker(&root.join("app").join("sw.js"), &dist, &lazy)?;
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
    let engine = engine_parts(&dist)?;
    let in_engine = |name: &str| engine.iter().any(|part| name == part);
    let on_demand =
        |name: &str| (name.starts_with("split_") || name.starts_with("chunk_")) && !in_engine(name);
    let first = sum(&files, &|n| !module(n) && !on_demand(n) && !in_engine(n));
    let started = sum(&files, &in_engine);
    let screens = sum(&files, &on_demand);
    let export = sum(&files, &module);
    let fonts = sum(&fonts, &|_| true);
    eprintln!(
        "app built in {}: first load {} KB raw, {} KB gzip; the engine (fetched once the first \
         screen is up) {} KB raw, {} KB gzip; the screens' own parts, loaded when opened {} KB \
         raw, {} KB gzip; the export module (fetched on the first export) {} KB raw, {} KB \
         gzip; the print font {} KB raw, {} KB gzip",
        dist.display(),
        first.0 / 1024,
        first.1 / 1024,
        started.0 / 1024,
        started.1 / 1024,
        screens.0 / 1024,
        screens.1 / 1024,
        export.0 / 1024,
        export.1 / 1024,
        fonts.0 / 1024,
        fonts.1 / 1024
    );
    Ok(())
}

/// The files of the engine's module (`crate::engine` in the app): `split_giamsat_engine.wasm`
/// and the chunks it loads, which `__wasm_split.js` names in a comment above each chunk's
/// loader (`/* giamsat_admin, giamsat_engine */`).
fn engine_parts(dist: &Path) -> Result<Vec<String>, String> {
    let loader = std::fs::read_to_string(dist.join(SPLIT_JS)).map_err(|e| e.to_string())?;
    let mut parts = vec![format!("split_{ENGINE}.wasm")];
    let mut users = "";
    for line in loader.lines() {
        if let Some(comment) = line.strip_prefix("/* ") {
            users = comment;
        } else if let Some(chunk) = line
            .strip_prefix("const __")
            .and_then(|rest| rest.split_whitespace().next())
            && chunk.starts_with("chunk_")
            && users.split([',', ' ']).any(|user| user == ENGINE)
        {
            parts.push(format!("{chunk}.wasm"));
        }
    }
    Ok(parts)
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

/// Split `wasm` at its `#[lazy]` functions: the lazily loaded modules and the loader
/// `__wasm_split.js` are written into `dist`; returns the main module (still to go through
/// wasm-bindgen, which `__wasm_split.js` imports as `./<name>.js`) and the split modules.
fn split_lazy(wasm: &Path, dist: &Path, name: &str) -> Result<(PathBuf, Vec<PathBuf>), String> {
    sh::step(&format!(
        "splitting off the screens {name} loads when opened (wasm-split)"
    ));
    let input = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let main = wasm.with_file_name(format!("{name}_main.wasm"));
    let main_module = format!("./{name}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = dist;
    options.main_out_path = &main;
    options.main_module = &main_module;
    options.link_name = SPLIT_LOADER;
    let split =
        wasm_split_cli_support::transform(options).map_err(|e| format!("wasm-split: {e:#}"))?;
    if split.split_modules.is_empty() {
        return Err(format!(
            "wasm-split found no lazily loaded screen in {}",
            wasm.display()
        ));
    }
    Ok((main, split.split_modules))
}

/// A copy of `wasm` without the linker's `linking` and `reloc.*` sections, which every wasm32
/// build carries for the split (`.cargo/config.toml`) and wasm-opt cannot optimise around.
fn without_relocations(wasm: &Path) -> Result<PathBuf, String> {
    let bytes = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let bad = || format!("{} is not a wasm module", wasm.display());
    let (header, mut rest) = bytes.split_at_checked(8).ok_or_else(bad)?;
    let mut out = header.to_vec();
    while let Some((&id, after_id)) = rest.split_first() {
        let (size, after_size) = leb128_u32(after_id).ok_or_else(bad)?;
        let payload = after_size.get(..size as usize).ok_or_else(bad)?;
        let section = &rest[..rest.len() - after_size.len() + size as usize];
        rest = &after_size[size as usize..];
        if id == 0 {
            let (len, name) = leb128_u32(payload).ok_or_else(bad)?;
            let name = name.get(..len as usize).ok_or_else(bad)?;
            if name == b"linking" || name.starts_with(b"reloc.") {
                continue;
            }
        }
        out.extend_from_slice(section);
    }
    let stripped = wasm.with_extension("stripped.wasm");
    std::fs::write(&stripped, out).map_err(|e| e.to_string())?;
    Ok(stripped)
}

/// An unsigned LEB128 number at the start of `bytes`, and what follows it.
fn leb128_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut value = 0u32;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// The module the main wasm imports the split modules' loaders from.
const SPLIT_LOADER: &str = "./__wasm_split.js";
/// The loader's file name in `app/dist`.
const SPLIT_JS: &str = "__wasm_split.js";
/// The split module of the app's engine (`#[wasm_split(giamsat_engine)]` in `app/src/engine.rs`).
const ENGINE: &str = "giamsat_engine";

/// wasm-bindgen (web target) of `wasm` into `dist` as `<name>.js` and `<name>_bg.wasm`.
fn bindgen_js(
    bindgen: &str,
    wasm: &Path,
    dist: &Path,
    name: &str,
    split: bool,
) -> Result<(), String> {
    sh::step(&format!(
        "generating the JS bindings of {name} (wasm-bindgen)"
    ));
    let d = dist.to_string_lossy().into_owned();
    let w = wasm.to_string_lossy().into_owned();
    let mut args = vec![
        "--target",
        "web",
        "--no-typescript",
        "--out-dir",
        &d,
        "--out-name",
        name,
    ];
    if split {
        // The split modules reach the main one's table and memory through these exports.
        args.push("--keep-lld-exports");
    }
    args.push(&w);
    sh::run(bindgen, &args, None)
}

/// wasm-opt -Oz on `wasm`, in place.
fn shrink(wasm_opt: &Path, wasm: &Path) -> Result<(), String> {
    let file = wasm.to_string_lossy().into_owned();
    let short = wasm
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    sh::step(&format!("shrinking {short} (wasm-opt -Oz)"));
    let mut args = vec![
        "-Oz",
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-reference-types",
        "--enable-sign-ext",
        "--enable-mutable-globals",
    ];
    // GIAMSAT_WASM_NAMES=1 keeps the functions' names, for a CPU profile that names them
    // (BENCHMARKS.md); the modules are then bigger, and not what ships.
    if std::env::var_os("GIAMSAT_WASM_NAMES").is_some_and(|v| v == "1") {
        args.push("-g");
    }
    args.extend([file.as_str(), "-o", file.as_str()]);
    sh::run(&wasm_opt.to_string_lossy(), &args, None)
}

/// Copy the service worker into `dist`, naming the lazily loaded modules it keeps for offline
/// use where `sw.js` says `LAZY_MODULES = []`.
fn service_worker(from: &Path, dist: &Path, lazy: &[PathBuf]) -> Result<(), String> {
    let text = std::fs::read_to_string(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut names: Vec<String> = lazy
        .iter()
        .filter_map(|p| {
            p.file_name()
                .map(|n| format!("\"/{}\"", n.to_string_lossy()))
        })
        .collect();
    names.push(format!("\"/{}\"", SPLIT_LOADER.trim_start_matches("./")));
    names.sort();
    let placeholder = "LAZY_MODULES = []";
    if !text.contains(placeholder) {
        return Err(format!("{} has no `{placeholder}` to fill", from.display()));
    }
    let filled = text.replace(
        placeholder,
        &format!("LAZY_MODULES = [{}]", names.join(", ")),
    );
    std::fs::write(dist.join("sw.js"), filled).map_err(|e| e.to_string())
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

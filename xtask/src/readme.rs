//! What `cargo xtask run …` hands the server, and the test that every such command the
//! README shows works as written.
//!
//! cargo passes everything after `cargo xtask run` through, including a `--` a reader types
//! out of habit (`cargo xtask run -- --demo`): that `--` is cargo's convention, not a server
//! flag, so it is dropped here. Commands that only ask something of the server (`admin …`,
//! `--help`, `--version`) run it without building the app or announcing a server start.

/// The server's arguments in what follows `cargo xtask run`.
pub fn server_args(args: &[String]) -> &[String] {
    match args.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => args,
    }
}

/// Whether these server arguments start the server (and so need the app built).
pub fn serves(server_args: &[String]) -> bool {
    !server_args
        .iter()
        .any(|a| matches!(a.as_str(), "admin" | "--help" | "-h" | "--version" | "-V"))
}

#[cfg(test)]
mod tests {
    //! Each `cargo xtask run …` command in README.md, run against the debug server binary
    //! `cargo xtask test` builds, with a throwaway data directory and a free port.

    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    const BOUND: Duration = Duration::from_secs(60);

    /// Every `cargo xtask run …` in README.md, split into words as a shell would (double
    /// quotes only; the README uses no other quoting), with what follows on the line (a `#`
    /// comment, closing backtick) cut off.
    fn readme_commands() -> Vec<Vec<String>> {
        let readme = std::fs::read_to_string(crate::sh::root().join("README.md"))
            .expect("README.md at the workspace root");
        let mut commands = Vec::new();
        for line in readme.lines() {
            let mut rest = line;
            while let Some(at) = rest.find("cargo xtask run") {
                let tail = &rest[at + "cargo xtask run".len()..];
                let end = tail.find(['`', '#']).unwrap_or(tail.len());
                commands.push(words(&tail[..end]));
                rest = &tail[end..];
            }
        }
        commands
    }

    fn words(s: &str) -> Vec<String> {
        let (mut out, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
        for c in s.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                c if c.is_whitespace() && !quoted => {
                    if any {
                        out.push(std::mem::take(&mut word));
                        any = false;
                    }
                }
                c => {
                    word.push(c);
                    any = true;
                }
            }
        }
        if any {
            out.push(word);
        }
        out
    }

    fn server_binary() -> std::path::PathBuf {
        let bin = std::env::var_os("GIAMSAT_SERVER_BIN")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| crate::sh::target_dir().join("debug").join("giamsat-server"));
        assert!(
            bin.exists(),
            "{} is missing: `cargo build -p server` first (`cargo xtask test` does)",
            bin.display()
        );
        bin
    }

    #[test]
    fn the_readme_shows_the_commands_this_test_knows() {
        let commands = readme_commands();
        let shown: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        for expected in ["", "-- admin create", "-- --demo", "-- --help"] {
            assert!(
                shown.iter().any(|c| c.starts_with(expected)),
                "README.md no longer shows `cargo xtask run {expected}…`: {shown:?}"
            );
        }
    }

    #[test]
    fn a_leading_double_dash_is_cargos_not_the_servers() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            server_args(&args(&["--", "--demo"])),
            args(&["--demo"]).as_slice()
        );
        assert_eq!(
            server_args(&args(&["--demo"])),
            args(&["--demo"]).as_slice()
        );
        assert!(!serves(&args(&["admin", "create", "--username", "x"])));
        assert!(!serves(&args(&["--help"])));
        assert!(serves(&args(&["--demo"])));
        assert!(serves(&[]));
    }

    #[test]
    fn every_cargo_xtask_run_command_in_the_readme_works() {
        let bin = server_binary();
        for command in readme_commands() {
            let args = server_args(&command).to_vec();
            let data = tempdir();
            let shown = format!("cargo xtask run {}", command.join(" "));
            let mut cmd = Command::new(&bin);
            // The throwaway data directory and a free port; the README's words follow.
            cmd.arg("--data-dir")
                .arg(&data)
                .args(["--addr", "127.0.0.1:0", "--app-dir", "/nonexistent-app"])
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if args.first().map(String::as_str) == Some("admin") {
                // The README's form asks twice on a terminal; a test has none, so it gives
                // the same password on standard input (the flag the README also names).
                cmd.arg("--password-stdin");
                let mut child = cmd.spawn().expect("start the server binary");
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(b"mat-khau-rat-dai-1\n")
                    .expect("write the password");
                let out = wait_with_bound(child);
                assert!(out.status.success(), "{shown}: {out:?}");
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    stdout.contains("Created administrator quantri"),
                    "{shown}: {stdout}"
                );
                assert!(!serves(&args), "{shown} would announce a server start");
            } else if !serves(&args) {
                let out = wait_with_bound(cmd.spawn().expect("start the server binary"));
                assert!(out.status.success(), "{shown}: {out:?}");
                assert!(
                    String::from_utf8_lossy(&out.stdout).contains("--data-dir"),
                    "{shown} lists the server's flags"
                );
            } else {
                serve_and_stop(cmd, &shown);
            }
            let _ = std::fs::remove_dir_all(&data);
        }
    }

    /// Start the server, wait for it to listen, ask `/health`, stop it with SIGTERM.
    fn serve_and_stop(mut cmd: Command, shown: &str) {
        let mut child = cmd.spawn().expect("start the server binary");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("giamsat-server listening on http://") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let Ok(addr) = rx.recv_timeout(BOUND) else {
            let _ = Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status();
            let out = wait_with_bound(child);
            panic!(
                "{shown}: the server did not listen within {BOUND:?} ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut answer = String::new();
        s.read_to_string(&mut answer).expect("read");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{shown}: /health said {answer}"
        );
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let out = wait_with_bound(child);
        assert!(
            out.status.success(),
            "{shown}: stopped with {:?}",
            out.status
        );
    }

    /// Wait for the child to exit, at most [`BOUND`]; kill it and fail past that.
    fn wait_with_bound(child: std::process::Child) -> std::process::Output {
        let id = child.id();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(BOUND) {
            Ok(out) => out.expect("the child's output"),
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &id.to_string()])
                    .status();
                panic!("the server did not exit within {BOUND:?}");
            }
        }
    }

    fn tempdir() -> std::path::PathBuf {
        let mut bytes = [0u8; 8];
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes.copy_from_slice(&(nanos as u64).to_le_bytes());
        let name = format!(
            "giamsat-readme-{}-{:x}",
            std::process::id(),
            u64::from_le_bytes(bytes)
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir
    }
}

//! The giamsat server binary: parse flags, start, serve until Ctrl-C or SIGTERM, flush, exit.

use clap::Parser;
use server::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    if let Some(server::config::Command::Admin(command)) = config.command.clone() {
        // Off the async workers: the database clients block (PostgreSQL's would refuse to
        // run inside them).
        let config = config.clone();
        let ran = tokio::task::spawn_blocking(move || server::admin_cli::run(&config, &command))
            .await
            .unwrap_or_else(|e| Err(server::ServerError::Internal(format!("{e}"))));
        return match ran {
            Ok(done) => {
                println!("{done}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("giamsat-server: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    // Catch the stop signals before saying we listen: a SIGTERM right after the line below
    // (a service manager, a test) must stop the server cleanly, not kill it unflushed.
    let stop = Stop::install();
    let running = match server::start(config.clone()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("giamsat-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Tests read this line to learn the port when started with --addr 127.0.0.1:0.
    println!("giamsat-server listening on http://{}", running.addr);
    let accounts = running
        .state()
        .accounts
        .with(|c| server::accounts::store::count_users(c))
        .await
        .unwrap_or(1);
    if accounts == 0 {
        eprintln!(
            "note: there is no account yet. Create the first administrator (it asks for a password):\n  \
             giamsat-server --data-dir {} admin create --username <name>\n  \
             (from the source tree: cargo run --release -p server -- --data-dir {} admin create --username <name>)",
            config.data_dir.display(),
            config.data_dir.display()
        );
    }
    if !config.app_dir.join("index.html").exists() {
        eprintln!(
            "note: the app is not built in {} (run `cargo xtask build`); /sync works regardless",
            config.app_dir.display()
        );
    }
    stop.wait().await;
    eprintln!("giamsat-server: stopping, flushing documents to disk");
    // Open WebSockets and a stuck document task must not keep the process alive: what was
    // confirmed to any tablet is on disk already.
    let bound = server::STOP_BOUND + std::time::Duration::from_secs(2);
    if tokio::time::timeout(bound, running.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "giamsat-server: did not stop within {bound:?}; exiting (confirmed changes are on disk)"
        );
        // Not a return: dropping the runtime would wait on the stuck tasks again.
        std::process::exit(0);
    }
    std::process::ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM, listened for from the moment it is installed.
struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = signal(SignalKind::terminate())
                .and_then(|term| Ok((term, signal(SignalKind::interrupt())?)))
                .ok();
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut term, mut int)) = self.signals {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

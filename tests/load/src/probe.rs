//! While the load runs, what someone at the office sees: how long `/health` and signing in
//! take on our server under sync load (four health checks and one sign-in a second; the
//! sign-ins can be left out, see `--no-sign-in-probe`). The
//! reference server has neither, so it is not probed. The probe runs on a thread and runtime
//! of its own, so the simulated members' work in this process does not delay its requests.

use std::time::{Duration, Instant};

use giamsat_tests::server::{ADMIN, ADMIN_PASSWORD, try_http};
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::report::Percentiles;

/// What the probe measured.
#[derive(Debug, Clone, Default)]
pub struct ProbeReport {
    pub health: Percentiles,
    pub sign_in: Percentiles,
    /// Requests that failed or took over [`TIMEOUT`] (counted at the timeout).
    pub failures: u64,
}

/// A request that has not answered in this long counts as failed.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A running probe.
pub struct Probe {
    stop: watch::Sender<bool>,
    report: oneshot::Receiver<ProbeReport>,
}

impl Probe {
    /// Start probing the server at `addr` (host:port); every fourth request signs in if
    /// `sign_in`, else it is one more `/health`.
    pub fn start(addr: String, sign_in_too: bool) -> Probe {
        let (stop, mut stopped) = watch::channel(false);
        let (done, report) = oneshot::channel();
        let task = async move {
            let (mut health, mut sign_in, mut failures) = (Vec::new(), Vec::new(), 0u64);
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            for n in 0u64.. {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let (samples, ok) = if sign_in_too && n % 4 == 0 {
                    let body = serde_json::json!({"username": ADMIN, "password": ADMIN_PASSWORD})
                        .to_string();
                    let t = Instant::now();
                    let status = request(&addr, "POST", "/api/session", &body).await;
                    (&mut sign_in, (status == Some(200), t.elapsed()))
                } else {
                    let t = Instant::now();
                    let status = request(&addr, "GET", "/health", "").await;
                    (&mut health, (status == Some(200), t.elapsed()))
                };
                samples.push(ok.1.as_micros().min(u128::from(u32::MAX)) as u32);
                if !ok.0 {
                    failures += 1;
                }
            }
            ProbeReport {
                health: Percentiles::of(&mut health),
                sign_in: Percentiles::of(&mut sign_in),
                failures,
            }
        };
        let _ = std::thread::Builder::new()
            .name("probe".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                let _ = done.send(rt.block_on(task));
            });
        Probe { stop, report }
    }

    /// Stop and report.
    pub async fn finish(self) -> ProbeReport {
        let _ = self.stop.send(true);
        self.report.await.unwrap_or_default()
    }
}

/// One HTTP/1.1 request; its status, or None if it failed or timed out.
async fn request(addr: &str, method: &str, path: &str, body: &str) -> Option<u16> {
    let headers = [
        ("X-Requested-With", "giamsat"),
        ("Content-Type", "application/json"),
    ];
    let exchange = try_http(addr, method, path, &headers, body.as_bytes());
    match tokio::time::timeout(TIMEOUT, exchange).await {
        Ok(Ok(r)) => Some(r.status),
        _ => None,
    }
}

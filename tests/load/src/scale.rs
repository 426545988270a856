//! Server scale: many stored supervisions, a restart, then many live clients.
//!
//! 1. Start our server over a fresh data directory; read its RSS once idle.
//! 2. Store `--docs` small supervisions (set-up, one unit, one finding) through four
//!    connections at a time, 250 documents per connection, each document counted once the
//!    server's sync heads cover it. Bounded by `--create-limit-secs`: if the bound passes
//!    first, what was stored is what is measured, and the report says so.
//! 3. Read the RSS with everything stored; stop the server (SIGTERM, it flushes) and start it
//!    again over the same directory, so the documents are only on disk; read the RSS again.
//! 4. Open `--live` clients, each wanting a different stored document, in batches of
//!    `--connect-batch`, each batch holding its documents' heads before the next (the RSS
//!    after each batch is the curve in the report); keep them connected ten seconds and read
//!    the RSS with them live. Bounded by `--setup-timeout-secs` and by `--rss-cap-mb` (the
//!    server's RSS), so a server that grows without bound cannot take the machine down.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use shared::finding::{self, FindingKind};
use shared::supervision::{self, Setup, Stamp};
use shared::sync::Event;
use shared::{DocumentId, RecordId, unit};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::launch;
use super::procstat::{self, Sampler};
use super::report::mb;
use super::seats;

#[derive(Debug, Clone)]
pub struct ScaleConfig {
    pub server_bin: PathBuf,
    pub docs: usize,
    pub live: usize,
    pub create_limit: Duration,
    pub setup_timeout: Duration,
    pub connect_batch: usize,
    /// Stop opening live clients once the server's RSS passes this (protects the machine).
    pub rss_cap_mb: u64,
}

const WRITERS: usize = 4;

/// The account every connection of the scale run uses, and its delegation.
#[derive(Clone)]
struct Seat {
    account: giamsat_tests::server::Account,
    delegation: i64,
}

/// `127.0.0.1:port` of `ws://127.0.0.1:port/sync`.
fn addr_of(url: &str) -> &str {
    url.trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or(url)
}

/// A stored document and its heads when it was made.
type Stored = (DocumentId, Vec<ChangeHash>);
const PER_CONNECTION: usize = 250;

fn small_doc(n: usize, actor: &automerge::ActorId) -> Result<Automerge, shared::ModelError> {
    let stamp = Stamp {
        member: "Thư ký đoàn",
        now_ms: giamsat_tests::now_ms(),
    };
    let setup = Setup {
        title: format!("Kiểm tra việc thực hiện nhiệm vụ kiểm tra, giám sát số {n}"),
        basis_number: format!("{}-QĐ/UBKTQU", 100 + n % 900),
        basis_date: "2023-03-01".into(),
        basis_issuer: "Ủy ban Kiểm tra Quận ủy".into(),
        period_from: "1/2022".into(),
        period_to: "12/2022".into(),
        ..Setup::default()
    };
    let mut doc =
        supervision::create_as(Automerge::new().with_actor(actor.clone()), &setup, stamp)?;
    let u = RecordId::from_bytes(giamsat_tests::random());
    unit::add(&mut doc, &u, &format!("Chi bộ khu phố {n}"), stamp)?;
    finding::add(
        &mut doc,
        &RecordId::from_bytes(giamsat_tests::random()),
        &u,
        FindingKind::Strength,
        "Chi bộ duy trì sinh hoạt định kỳ.",
        stamp,
    )?;
    Ok(doc)
}

/// One connection storing `count` new documents; returns (id, heads) of each the server confirmed.
async fn store_batch(
    url: &str,
    seat: &Seat,
    first: usize,
    count: usize,
    bound: Duration,
) -> Result<Vec<Stored>, String> {
    // The batch's documents are written by one actor, registered to the account, and each is
    // registered to the delegation before it is sent.
    let actor = automerge::ActorId::from(giamsat_tests::random::<16>());
    seats::register_actors(&seat.account, [actor.clone()]).await?;
    let mut made = Vec::new();
    for n in first..first + count {
        let doc = small_doc(n, &actor).map_err(|e| e.to_string())?;
        let id = DocumentId::from_bytes(giamsat_tests::random());
        seats::register(&seat.account, seat.delegation, id).await?;
        made.push((id, doc));
    }
    let (ws, mut client) =
        seats::connect(url, Some(&seat.account), &format!("scale-{first}")).await?;
    let (mut sink, mut stream) = ws.split();
    let mut frames = client
        .handle(Event::Connected)
        .map_err(|e| e.to_string())?
        .frames;
    let mut waiting = std::collections::HashMap::new();
    for (id, doc) in made {
        waiting.insert(id, doc.get_heads());
        frames.extend(client.insert(id, doc, Vec::new()).frames);
    }
    let mut done = Vec::new();
    let deadline = Instant::now() + bound;
    loop {
        super::sim::send_frames(&mut sink, frames.drain(..)).await?;
        if waiting.is_empty() {
            break;
        }
        let msg = tokio::time::timeout_at(deadline, stream.next())
            .await
            .map_err(|_| {
                format!(
                    "{} of {count} documents not confirmed within {bound:?}",
                    waiting.len()
                )
            })?;
        let bytes = match msg {
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(Message::Close(_))) | None => {
                return Err("the server closed the connection".into());
            }
            Some(Err(e)) => return Err(format!("receive: {e}")),
            Some(Ok(_)) => continue,
        };
        let out = client
            .handle(Event::Frame(&bytes))
            .map_err(|e| e.to_string())?;
        if let Some(e) = out.server_error {
            return Err(format!("server error: {e}"));
        }
        for id in &out.confirmed {
            if waiting.contains_key(id) && client.pending(id) == 0 {
                let heads = waiting.remove(id).expect("present");
                done.push((*id, heads));
            }
        }
        frames = out.frames;
    }
    let _ = sink.send(Message::Close(None)).await;
    Ok(done)
}

/// A live client wanting `id` until told to stop; counts itself in `held` once it has `heads`.
#[allow(clippy::too_many_arguments)]
async fn live_client(
    url: String,
    seat: Seat,
    n: usize,
    id: DocumentId,
    heads: Vec<ChangeHash>,
    held: Arc<AtomicUsize>,
    connected: Arc<AtomicUsize>,
    unavailable: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let (ws, mut client) = seats::connect(&url, Some(&seat.account), &format!("live-{n}")).await?;
    connected.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = ws.split();
    let mut frames = client
        .handle(Event::Connected)
        .map_err(|e| e.to_string())?
        .frames;
    frames.extend(client.want(id).frames);
    let mut is_held = false;
    let mut retry: Option<Instant> = None;
    let far = Instant::now() + Duration::from_secs(24 * 3600);
    loop {
        super::sim::send_frames(&mut sink, frames.drain(..)).await?;
        tokio::select! {
            msg = stream.next() => {
                let bytes = match msg {
                    Some(Ok(Message::Binary(b))) => b,
                    Some(Ok(Message::Close(_))) | None => return Err("the server closed the connection".into()),
                    Some(Err(e)) => return Err(format!("receive: {e}")),
                    Some(Ok(_)) => continue,
                };
                let out = client.handle(Event::Frame(&bytes)).map_err(|e| e.to_string())?;
                if let Some(e) = out.server_error {
                    return Err(format!("server error: {e}"));
                }
                if !out.unavailable.is_empty() {
                    unavailable.fetch_add(1, Ordering::Relaxed);
                    retry = Some(Instant::now() + Duration::from_millis(500));
                }
                if !is_held && out.changed.contains(&id) {
                    let doc = client.doc(&id).ok_or("no document")?;
                    if heads.iter().all(|h| !automerge::ReadDoc::get_missing_deps(doc, std::slice::from_ref(h)).contains(h)) {
                        is_held = true;
                        held.fetch_add(1, Ordering::Relaxed);
                    }
                }
                frames = out.frames;
            }
            _ = tokio::time::sleep_until(retry.unwrap_or(far)), if retry.is_some() => {
                retry = None;
                frames = client.retry(id).frames;
            }
            _ = stop.changed() => break,
        }
    }
    let _ = sink.send(Message::Close(None)).await;
    Ok(())
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn rss(pid: u32) -> u64 {
    procstat::read(pid).map(|r| r.rss_kb).unwrap_or(0)
}

fn threads(pid: u32) -> u64 {
    procstat::read(pid).map(|r| r.threads).unwrap_or(0)
}

/// The whole scale measurement; returns the JSON line.
pub async fn run(cfg: &ScaleConfig) -> Result<Value, String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let data = tmp.path().join("data");
    let load_avg = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned();

    // 1. Fresh server.
    let server = launch::start_ours(&cfg.server_bin, &data).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_start = rss(server.pid);
    eprintln!(
        "[scale] server up (pid {}), RSS {:.1} MB; storing {} documents",
        server.pid,
        mb(rss_start),
        cfg.docs
    );

    // The secretary's account, member of one delegation that owns every document.
    let seats = seats::make(addr_of(&server.url), &[1]).await?;
    let (delegation, accounts) = seats
        .delegations
        .into_iter()
        .next()
        .ok_or("no delegation")?;
    let seat = Seat {
        account: accounts.into_iter().next().ok_or("no account")?,
        delegation,
    };

    // 2. Store the documents.
    let sampler = Sampler::start(server.pid);
    let cpu0 = procstat::read(server.pid);
    let started = Instant::now();
    let deadline = started + cfg.create_limit;
    let next = Arc::new(AtomicUsize::new(0));
    let stored: Arc<Mutex<Vec<Stored>>> = Arc::new(Mutex::new(Vec::new()));
    let errors: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (next, stored, errors, url, docs, seat) = (
            next.clone(),
            stored.clone(),
            errors.clone(),
            server.url.clone(),
            cfg.docs,
            seat.clone(),
        );
        writers.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(PER_CONNECTION, Ordering::Relaxed);
                if first >= docs || Instant::now() >= deadline {
                    return;
                }
                let count = PER_CONNECTION.min(docs - first);
                let bound = deadline
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_secs(300));
                match store_batch(&url, &seat, first, count, bound).await {
                    Ok(done) => {
                        let mut s = stored.lock().expect("stored");
                        let before = s.len();
                        s.extend(done);
                        if before / 1000 != s.len() / 1000 {
                            eprintln!(
                                "[scale] {} stored, {:.0} s",
                                s.len(),
                                started.elapsed().as_secs_f64()
                            );
                        }
                    }
                    Err(e) => {
                        errors.lock().expect("errors").push(e);
                        return;
                    }
                }
            }
        }));
    }
    for w in writers {
        let _ = w.await;
    }
    let create_s = started.elapsed().as_secs_f64();
    let stored = std::mem::take(&mut *stored.lock().expect("stored"));
    let create_errors = errors.lock().expect("errors").clone();
    let cpu1 = procstat::read(server.pid);
    let create_cpu = match (&cpu0, &cpu1) {
        (Some(a), Some(b)) => procstat::cpu_between(a, b).0,
        _ => 0.0,
    };
    let peak_creating = sampler.take_peak();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_stored = rss(server.pid);
    let threads_stored = threads(server.pid);
    eprintln!(
        "[scale] {} of {} stored in {create_s:.1} s ({:.0}/s); RSS {:.1} MB (peak {:.1} MB while storing)",
        stored.len(),
        cfg.docs,
        stored.len() as f64 / create_s,
        mb(rss_stored),
        mb(peak_creating)
    );
    if stored.is_empty() {
        let _ = server.stop().await;
        return Err(format!(
            "no document was stored: {}",
            create_errors.join("; ")
        ));
    }
    drop(sampler);

    // 3. Restart: the documents are only on disk now.
    let stop_started = Instant::now();
    server.stop().await?;
    let stop_s = stop_started.elapsed().as_secs_f64();
    let disk = dir_bytes(&data);
    let server = launch::start_ours(&cfg.server_bin, &data).await?;
    let seat = Seat {
        account: seat.account.at(addr_of(&server.url)),
        ..seat
    };
    let restart_s = server.startup.as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_restarted = rss(server.pid);
    eprintln!(
        "[scale] restarted in {restart_s:.2} s (stop took {stop_s:.1} s), data {:.1} MB on disk, RSS {:.1} MB; opening {} live clients",
        disk as f64 / 1e6,
        mb(rss_restarted),
        cfg.live
    );

    // 4. Live clients, each wanting a different stored document.
    let sampler = Sampler::start(server.pid);
    let held = Arc::new(AtomicUsize::new(0));
    let connected = Arc::new(AtomicUsize::new(0));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let live_started = Instant::now();
    let live_deadline = live_started + cfg.setup_timeout;
    let mut clients = Vec::new();
    let mut live_error = None;
    let mut curve = Vec::new();
    'open: for start in (0..cfg.live).step_by(cfg.connect_batch) {
        for n in start..(start + cfg.connect_batch).min(cfg.live) {
            let (id, heads) = stored[n % stored.len()].clone();
            clients.push(tokio::spawn(live_client(
                server.url.clone(),
                seat.clone(),
                n,
                id,
                heads,
                held.clone(),
                connected.clone(),
                unavailable.clone(),
                stop_rx.clone(),
            )));
        }
        let want = (start + cfg.connect_batch).min(cfg.live);
        // Each batch connected and holding its documents before the next: the RSS curve.
        while connected.load(Ordering::Relaxed) < want || held.load(Ordering::Relaxed) < want {
            let now_rss = rss(server.pid);
            let why = if Instant::now() >= live_deadline {
                Some("the bound passed")
            } else if clients.iter().any(|c| c.is_finished()) {
                Some("a client failed")
            } else if now_rss > cfg.rss_cap_mb * 1024 {
                Some("the server's RSS passed the cap")
            } else {
                None
            };
            if let Some(why) = why {
                live_error = Some(format!(
                    "{why}: {} of {want} live clients connected, {} hold their document, server RSS {:.0} MB",
                    connected.load(Ordering::Relaxed),
                    held.load(Ordering::Relaxed),
                    mb(now_rss)
                ));
                break 'open;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let point = (
            want,
            live_started.elapsed().as_secs_f64(),
            mb(rss(server.pid)),
            threads(server.pid),
        );
        eprintln!(
            "[scale] {} live clients hold their documents after {:.1} s; RSS {:.1} MB, {} threads",
            point.0, point.1, point.2, point.3
        );
        curve.push(json!({ "clients": point.0, "s": (point.1 * 10.0).round() / 10.0, "rss_mb": point.2, "threads": point.3 }));
    }
    while live_error.is_none() && held.load(Ordering::Relaxed) < cfg.live {
        if Instant::now() >= live_deadline {
            live_error = Some(format!(
                "only {} of {} live clients got their document in time",
                held.load(Ordering::Relaxed),
                cfg.live
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let live_ready_s = live_started.elapsed().as_secs_f64();
    let rss_live_ready = rss(server.pid);
    let threads_live = threads(server.pid);
    eprintln!(
        "[scale] {} live clients hold their documents after {live_ready_s:.1} s; RSS {:.1} MB; holding 10 s",
        held.load(Ordering::Relaxed),
        mb(rss_live_ready)
    );
    if live_error.is_none() {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    let rss_live = rss(server.pid);
    let peak_live = sampler.take_peak();
    let _ = stop_tx.send(true);
    let mut client_errors = Vec::new();
    for c in clients {
        match tokio::time::timeout(Duration::from_secs(30), c).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => client_errors.push(e),
            Ok(Err(e)) => client_errors.push(format!("panicked: {e}")),
            Err(_) => client_errors.push("did not stop within 30 s".into()),
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after_live = rss(server.pid);
    let hwm = procstat::read(server.pid).map(|r| r.hwm_kb).unwrap_or(0);
    drop(sampler);
    server.stop().await?;

    client_errors.truncate(5);
    let report = json!({
        "kind": "server-scale",
        "docs_requested": cfg.docs,
        "docs_stored": stored.len(),
        "store_s": (create_s * 10.0).round() / 10.0,
        "store_per_s": ((stored.len() as f64 / create_s) * 10.0).round() / 10.0,
        "store_cpu_s": (create_cpu * 10.0).round() / 10.0,
        "store_errors": create_errors,
        "data_on_disk_mb": (disk as f64 / 1e5).round() / 10.0,
        "stop_s": (stop_s * 100.0).round() / 100.0,
        "restart_s": (restart_s * 100.0).round() / 100.0,
        "live_clients": cfg.live,
        "live_held": held.load(Ordering::Relaxed),
        "live_ready_s": (live_ready_s * 10.0).round() / 10.0,
        "live_unavailable_answers": unavailable.load(Ordering::Relaxed),
        "live_errors": client_errors,
        "live_error": live_error,
        "live_curve": curve,
        "rss_mb": {
            "after_start": mb(rss_start),
            "peak_while_storing": mb(peak_creating),
            "after_storing": mb(rss_stored),
            "after_restart": mb(rss_restarted),
            "live_clients_ready": mb(rss_live_ready),
            "live_clients_after_10s": mb(rss_live),
            "peak_with_live_clients": mb(peak_live),
            "after_live_clients_left": mb(rss_after_live),
            "vm_hwm_after_restart": mb(hwm),
        },
        "server_threads": { "after_storing": threads_stored, "live_clients_ready": threads_live },
        "load_avg_before": load_avg,
    });
    Ok(report)
}

//! A bad network on loopback: a TCP proxy (tokio) between members and the real server that,
//! per connection, delays bytes, cuts the connection, and makes new connections wait.
//!
//! What it does to each connection, drawn from a seeded generator (the seed and the
//! connection's number decide every draw, so a run can be replayed with the same seed; the
//! interleaving of tasks and the server's own timing still vary from run to run):
//!
//! - **delay**: every chunk read from either side is cut into pieces of random size (so a
//!   WebSocket frame arrives in several reads), and each piece waits a random 0..=50 ms
//!   before it is written on. Bytes within one direction stay in order: TCP cannot reorder
//!   inside one connection, and neither does this proxy.
//! - **cuts**: after a random number of bytes (both directions counted), or a random time,
//!   the connection is cut — mid-frame as often as not. A cut is a plain close (FIN) or, for
//!   some connections, a reset (RST). Some connections also **stall**: past a random point
//!   nothing more is forwarded either way, and neither end is told, until the time cut (a
//!   tablet walking out of Wi-Fi range).
//! - **refusals**: some connections are dropped as soon as they are accepted, so the
//!   WebSocket handshake fails (the server cannot be reached).
//! - **connect wait**: a new connection waits a random time before the proxy dials the
//!   server, so reconnects overtake each other. This is the reordering a member can see:
//!   messages sent over different connections or after a reconnect reach the server in an
//!   order other than the one they were written in, across members and across one member's
//!   own reconnects.
//!
//! [`Proxy::set_faults`] changes what new connections get; [`Proxy::cut_all`] cuts every open
//! connection at once (a clean network for everyone from then on: `set_faults(Faults::clean())`
//! then `cut_all()`). [`Proxy::stats`] says how bad it was.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// What the proxy does to the connections it accepts from now on.
#[derive(Debug, Clone)]
pub struct Faults {
    /// Each forwarded piece waits a random 0..=`max_delay`.
    pub max_delay: Duration,
    /// Chunks are cut into pieces of 1..=`max_piece` bytes.
    pub max_piece: usize,
    /// Cut the connection after a random number of bytes in this range (both directions).
    pub cut_after_bytes: Option<(usize, usize)>,
    /// Cut the connection after a random time in this range.
    pub cut_after: Option<(Duration, Duration)>,
    /// A new connection waits a random 0..=`connect_delay` before the server is dialled.
    pub connect_delay: Duration,
    /// Per mille of connections whose cut is a reset (RST) rather than a close (FIN).
    pub reset_per_mille: u32,
    /// Per mille of connections that stall (forward nothing more, tell no one) before their
    /// time cut; only meaningful with `cut_after`.
    pub stall_per_mille: u32,
    /// Per mille of connections dropped as soon as they are accepted (the server cannot be
    /// reached: the WebSocket handshake fails).
    pub refuse_per_mille: u32,
}

impl Faults {
    /// A perfect network: no delay, no cuts, no waiting.
    pub fn clean() -> Faults {
        Faults {
            max_delay: Duration::ZERO,
            max_piece: 64 * 1024,
            cut_after_bytes: None,
            cut_after: None,
            connect_delay: Duration::ZERO,
            reset_per_mille: 0,
            stall_per_mille: 0,
            refuse_per_mille: 0,
        }
    }

    /// A bad mobile network: 0–50 ms per piece, cut after 2–24 KB or 0.3–2.5 s, connections
    /// wait up to 300 ms, a quarter of cuts are resets, one connection in ten stalls and one
    /// in ten is dropped at once.
    pub fn bad() -> Faults {
        Faults {
            max_delay: Duration::from_millis(50),
            max_piece: 1500,
            cut_after_bytes: Some((2 * 1024, 24 * 1024)),
            cut_after: Some((Duration::from_millis(300), Duration::from_millis(2500))),
            connect_delay: Duration::from_millis(300),
            reset_per_mille: 250,
            stall_per_mille: 100,
            refuse_per_mille: 100,
        }
    }
}

/// How bad it was, so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections accepted.
    pub connections: u64,
    /// Connections the proxy cut (by bytes, time, or [`Proxy::cut_all`]).
    pub cuts: u64,
    /// Connections that stalled before they were cut.
    pub stalls: u64,
    /// Connections dropped as soon as they were accepted.
    pub refused: u64,
    /// Bytes forwarded, both directions.
    pub bytes: u64,
}

struct Shared {
    upstream: String,
    seed: u64,
    faults: Mutex<Faults>,
    /// Bumped by [`Proxy::cut_all`]; a connection is cut when it moves past the value it
    /// started with.
    generation: watch::Sender<u64>,
    connections: AtomicU64,
    cuts: AtomicU64,
    stalls: AtomicU64,
    refused: AtomicU64,
    bytes: AtomicU64,
}

/// A running proxy on `127.0.0.1:<free port>` in front of one upstream address.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listen on a free loopback port and forward every connection to `upstream`
    /// (`host:port`, on loopback), doing `faults` to it; `seed` decides every draw.
    pub async fn start(upstream: &str, seed: u64, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy on loopback");
        let addr = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(Shared {
            upstream: upstream.to_owned(),
            seed,
            faults: Mutex::new(faults),
            generation: watch::channel(0).0,
            connections: AtomicU64::new(0),
            cuts: AtomicU64::new(0),
            stalls: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let accept_shared = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let number = accept_shared.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(connection(client, accept_shared.clone(), number));
            }
        });
        Proxy {
            addr,
            shared,
            accept,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's `/sync` WebSocket, through the proxy.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// What connections accepted from now on get.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().expect("faults") = faults;
    }

    /// Cut every connection open now.
    pub fn cut_all(&self) {
        self.shared.generation.send_modify(|g| *g += 1);
    }

    pub fn stats(&self) -> Stats {
        Stats {
            connections: self.shared.connections.load(Ordering::Relaxed),
            cuts: self.shared.cuts.load(Ordering::Relaxed),
            stalls: self.shared.stalls.load(Ordering::Relaxed),
            refused: self.shared.refused.load(Ordering::Relaxed),
            bytes: self.shared.bytes.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut_all();
    }
}

/// One proxied connection, from accept to cut or close.
async fn connection(client: TcpStream, shared: Arc<Shared>, number: u64) {
    let faults = shared.faults.lock().expect("faults").clone();
    let mut generation = shared.generation.subscribe();
    generation.borrow_and_update();
    let mut rng = Rng::new(shared.seed ^ number.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let reset = rng.per_mille(faults.reset_per_mille);
    if rng.per_mille(faults.refuse_per_mille) {
        if reset {
            let _ = client.set_zero_linger();
        }
        shared.refused.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let stall = faults.cut_after.is_some() && rng.per_mille(faults.stall_per_mille);
    let budget = faults
        .cut_after_bytes
        .map(|(lo, hi)| rng.range(lo as u64, hi as u64) as usize);
    let lifetime = faults.cut_after.map(|(lo, hi)| rng.duration(lo, hi));
    // A stalled connection forwards nothing past a random share of its byte budget.
    let stall_at = stall.then(|| rng.range(0, budget.unwrap_or(8 * 1024) as u64) as usize);

    // The connect wait: this connection may reach the server after a later one.
    tokio::time::sleep(rng.duration(Duration::ZERO, faults.connect_delay)).await;
    let Ok(server) = TcpStream::connect(&shared.upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    if reset {
        // Closing a socket with a zero linger sends RST instead of FIN.
        let _ = client.set_zero_linger();
        let _ = server.set_zero_linger();
    }
    let started = Instant::now();
    let (client_rx, client_tx) = client.into_split();
    let (server_rx, server_tx) = server.into_split();
    let link = Arc::new(Link {
        forwarded: AtomicUsize::new(0),
        budget: budget.unwrap_or(usize::MAX),
        stall_at: stall_at.unwrap_or(usize::MAX),
        stalled: AtomicBool::new(false),
        cut: Notify::new(),
    });
    let up = pump(
        client_rx,
        server_tx,
        Rng::new(rng.next()),
        faults.clone(),
        link.clone(),
        shared.clone(),
    );
    let down = pump(
        server_rx,
        client_tx,
        Rng::new(rng.next()),
        faults.clone(),
        link.clone(),
        shared.clone(),
    );
    let both = async {
        tokio::join!(up, down);
    };
    let time_cut = async {
        match lifetime {
            Some(d) => tokio::time::sleep_until(started + d).await,
            None => std::future::pending().await,
        }
    };
    let cut = tokio::select! {
        _ = both => false,
        _ = link.cut.notified() => true,
        _ = time_cut => true,
        _ = generation.changed() => true,
    };
    if cut {
        shared.cuts.fetch_add(1, Ordering::Relaxed);
    }
    if link.stalled.load(Ordering::Relaxed) {
        shared.stalls.fetch_add(1, Ordering::Relaxed);
    }
    // Leaving drops both sockets (and any bytes still waiting in the pumps): the cut.
}

/// What both directions of one connection share.
struct Link {
    forwarded: AtomicUsize,
    budget: usize,
    stall_at: usize,
    stalled: AtomicBool,
    /// Told when the byte budget runs out.
    cut: Notify,
}

/// Forward one direction: read a chunk, cut it into pieces, delay each, write it on. Ends at
/// end of stream (passing the half-close on), on an error, or when the byte budget runs out
/// (after writing exactly up to it, so the far side often gets half a frame).
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut rng: Rng,
    faults: Faults,
    link: Arc<Link>,
    shared: Arc<Shared>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return;
            }
            Ok(n) => n,
        };
        let mut chunk = &buf[..n];
        while !chunk.is_empty() {
            let piece = (rng.range(1, faults.max_piece.max(1) as u64) as usize).min(chunk.len());
            tokio::time::sleep(rng.duration(Duration::ZERO, faults.max_delay)).await;
            let before = link.forwarded.fetch_add(piece, Ordering::Relaxed);
            let allowed = link
                .budget
                .min(link.stall_at)
                .saturating_sub(before)
                .min(piece);
            if allowed > 0 && to.write_all(&chunk[..allowed]).await.is_err() {
                return;
            }
            shared.bytes.fetch_add(allowed as u64, Ordering::Relaxed);
            if before + piece >= link.stall_at {
                // Stalled: hold both sockets open, forward nothing, until the time cut.
                link.stalled.store(true, Ordering::Relaxed);
                std::future::pending::<()>().await;
            }
            if before + piece >= link.budget {
                link.cut.notify_one();
                return;
            }
            chunk = &chunk[piece..];
        }
    }
}

/// splitmix64: small, seedable, good enough to draw delays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next() % (hi - lo + 1)
    }

    fn duration(&mut self, lo: Duration, hi: Duration) -> Duration {
        Duration::from_micros(self.range(lo.as_micros() as u64, hi.as_micros() as u64))
    }

    fn per_mille(&mut self, p: u32) -> bool {
        self.next() % 1000 < u64::from(p)
    }
}

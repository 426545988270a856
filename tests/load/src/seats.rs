//! Accounts for a load run against our server, which lets nobody sync without one (issue 4):
//! the first administrator is made by the server's CLI before it starts (see
//! [`super::launch::start_ours`]); here, over the API, one delegation per simulated
//! delegation, one account per member (argon2id on the server: each costs a hash and a
//! sign-in), every supervision registered to its delegation, every device's actor to its
//! account. The reference server has no accounts: its runs take no seats.
//!
//! Setting this up is not part of what a run measures (it happens before the clock starts).

use futures::StreamExt;
use giamsat_tests::server::{ADMIN, ADMIN_PASSWORD, Account, sign_in};
use serde_json::json;
use shared::DocumentId;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;

/// How many account requests run at once (the server hashes on its blocking pool).
const PARALLEL: usize = 8;

/// The signed-in accounts of every delegation, in order.
pub struct Seats {
    pub delegations: Vec<(i64, Vec<Account>)>,
}

/// Make `delegations` delegations with `sizes[d]` members each, all signed in.
pub async fn make(addr: &str, sizes: &[usize]) -> Result<Seats, String> {
    let admin = sign_in(addr, ADMIN, ADMIN_PASSWORD, "Quản trị").await;
    let mut out = Vec::new();
    for (d, &size) in sizes.iter().enumerate() {
        let r = admin
            .call(
                "POST",
                "/api/delegations",
                Some(json!({"name": format!("Đoàn tải {d}")})),
            )
            .await;
        if r.status != 201 {
            return Err(format!("create delegation {d}: {} {}", r.status, r.body));
        }
        let id = r.json()["id"].as_i64().ok_or("no delegation id")?;
        let accounts: Vec<Result<Account, String>> = futures::stream::iter(0..size)
            .map(|m| {
                let admin = admin.clone();
                async move { member(&admin, id, d, m).await }
            })
            .buffered(PARALLEL)
            .collect()
            .await;
        out.push((id, accounts.into_iter().collect::<Result<Vec<_>, _>>()?));
    }
    Ok(Seats { delegations: out })
}

async fn member(admin: &Account, delegation: i64, d: usize, m: usize) -> Result<Account, String> {
    let username = format!(
        "tai-{d}-{m}-{:06x}",
        u32::from_le_bytes(giamsat_tests::random()) & 0xff_ffff
    );
    let password = format!("mk-{username}-dai");
    let r = admin
        .call(
            "POST",
            "/api/admin/users",
            Some(json!({"username": username, "password": password, "displayName": format!("Thành viên {d}.{m}")})),
        )
        .await;
    if r.status != 201 {
        return Err(format!("create user {username}: {} {}", r.status, r.body));
    }
    let user = r.json()["id"].as_i64().ok_or("no user id")?;
    let role = if m == 0 { "head" } else { "member" };
    let r = admin
        .call(
            "PUT",
            &format!("/api/delegations/{delegation}/members/{user}"),
            Some(json!({ "role": role })),
        )
        .await;
    if r.status != 204 {
        return Err(format!("add {username}: {} {}", r.status, r.body));
    }
    Ok(sign_in(
        &admin.addr,
        &username,
        &password,
        &format!("Thành viên {d}.{m}"),
    )
    .await)
}

/// Register a supervision to the account's delegation.
pub async fn register(account: &Account, delegation: i64, doc: DocumentId) -> Result<(), String> {
    let r = account
        .call(
            "POST",
            &format!("/api/delegations/{delegation}/supervisions"),
            Some(json!({ "documentId": doc.to_string() })),
        )
        .await;
    if r.status == 204 {
        Ok(())
    } else {
        Err(format!("register {doc}: {} {}", r.status, r.body))
    }
}

/// Register Automerge actors to the account.
pub async fn register_actors(
    account: &Account,
    actors: impl IntoIterator<Item = automerge::ActorId>,
) -> Result<(), String> {
    for actor in actors {
        let r = account
            .call(
                "POST",
                "/api/actors",
                Some(json!({ "actor": actor.to_hex_string() })),
            )
            .await;
        if r.status != 204 {
            return Err(format!("register actor: {} {}", r.status, r.body));
        }
    }
    Ok(())
}

/// A WebSocket stream as the load's clients open them.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Open a WebSocket to `url` as `seat` (or anonymously) within 30 s; the socket and a sync
/// client joining with the matching peer id.
pub async fn connect(
    url: &str,
    seat: Option<&Account>,
    suffix: &str,
) -> Result<(Ws, shared::sync::SyncClient), String> {
    let (request, peer) = request(url, seat, suffix)?;
    let (ws, _) = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        // TCP_NODELAY, as a browser sets it: without it a small frame written while the
        // last is unacknowledged waits up to 40 ms for a delayed ACK.
        tokio_tungstenite::connect_async_with_config(request, None, true),
    )
    .await
    .map_err(|_| "the WebSocket did not open within 30 s".to_owned())?
    .map_err(|e| format!("WebSocket connect: {e}"))?;
    Ok((ws, shared::sync::SyncClient::new(peer)))
}

/// The WebSocket request for `url` as `seat` (cookie and bound peer id), or anonymous; and
/// the peer id to join with.
pub fn request(
    url: &str,
    seat: Option<&Account>,
    suffix: &str,
) -> Result<(Request, String), String> {
    match seat {
        None => {
            let req = url.into_client_request().map_err(|e| e.to_string())?;
            Ok((req, format!("loadgen-{suffix}")))
        }
        Some(a) => {
            let peer = format!("{}{suffix}", a.peer_prefix);
            let mut req = format!("{url}?peer={peer}")
                .into_client_request()
                .map_err(|e| e.to_string())?;
            req.headers_mut().insert(
                "cookie",
                a.cookie
                    .parse()
                    .map_err(|_| "a cookie header value".to_owned())?,
            );
            Ok((req, peer))
        }
    }
}

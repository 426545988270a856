//! Issue 4, acceptance 1: every route and the sync endpoint, tried as each kind of caller —
//! anonymous, a member of another delegation, an observer, a member, the head, a leader of
//! the organisation above the delegation (issue 14: reads its supervisions, nothing else) and
//! a leader of another organisation — against the exact set of callers allowed. A refusal must be the right one: 401 for the anonymous, 404
//! where the caller may not even learn that the thing exists, 403 where they may see it but
//! not change it. A non-member who guesses a supervision's id gets doc-unavailable.

use giamsat_tests::hostile::sha256_hex as sha256;
use shared::reading;
use std::time::Duration;

use giamsat_tests::member::Member;
use giamsat_tests::server::{Account, Response, ServerProcess, http};
use giamsat_tests::{random, sample_setup, stamp};
use serde_json::json;
use shared::sync::ReplicaStatus;
use shared::{DocumentId, RecordId, finding, supervision, unit};

const BOUND: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Outsider,
    Observer,
    Member,
    Head,
    Leader,
    OtherLeader,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Outsider,
    Who::Observer,
    Who::Member,
    Who::Head,
    Who::Leader,
    Who::OtherLeader,
];
const SIGNED_IN: &[Who] = &[
    Who::Outsider,
    Who::Observer,
    Who::Member,
    Who::Head,
    Who::Leader,
    Who::OtherLeader,
];
const READERS: &[Who] = &[Who::Observer, Who::Member, Who::Head];
/// Who reads a supervision and its evidence: its delegation, and the leaders above it.
const DOCUMENT_READERS: &[Who] = &[Who::Observer, Who::Member, Who::Head, Who::Leader];
const WRITERS: &[Who] = &[Who::Member, Who::Head];
const MANAGERS: &[Who] = &[Who::Head];
const NOBODY: &[Who] = &[];

/// The world the table runs in: one delegation with a head, a member and an observer, and
/// one supervision with one uploaded photo; another delegation with its own head.
struct World {
    server: ServerProcess,
    delegation: i64,
    supervision: DocumentId,
    photo_sha: String,
    head: Account,
    member: Account,
    observer: Account,
    outsider: Account,
    leader: Account,
    other_leader: Account,
    /// The ward's organisation (under the city's, which the leader leads).
    organisation: i64,
}

impl World {
    fn account(&self, who: Who) -> Option<&Account> {
        match who {
            Who::Anonymous => None,
            Who::Outsider => Some(&self.outsider),
            Who::Observer => Some(&self.observer),
            Who::Member => Some(&self.member),
            Who::Head => Some(&self.head),
            Who::Leader => Some(&self.leader),
            Who::OtherLeader => Some(&self.other_leader),
        }
    }

    /// A request as `who` (anonymous: no cookie, but the CSRF header, so only the session
    /// decides).
    async fn call(
        &self,
        who: Who,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        match self.account(who) {
            Some(a) => a.call(method, path, body).await,
            None => {
                let body = body.map(|b| b.to_string()).unwrap_or_default();
                http(
                    &self.server.addr,
                    method,
                    path,
                    &[
                        ("X-Requested-With", "giamsat"),
                        ("Content-Type", "application/json"),
                    ],
                    body.as_bytes(),
                )
                .await
            }
        }
    }

    /// A user outside every delegation, to add and remove.
    async fn new_user(&self) -> i64 {
        let admin = self.server.admin().await;
        let username = format!("tam-{:08x}", u32::from_le_bytes(random()));
        let r = admin
            .call(
                "POST",
                "/api/admin/users",
                Some(
                    json!({"username": username, "password": "mat-khau-dai", "displayName": "Tạm"}),
                ),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().unwrap()
    }

    /// An invitation link to the delegation, made by the head.
    async fn invitation(&self) -> String {
        let r = self
            .head
            .call(
                "POST",
                &format!("/api/delegations/{}/invitations", self.delegation),
                Some(json!({"role": "member"})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_owned()
    }
}

async fn world() -> (tempfile::TempDir, World) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation(
            "Đoàn giám sát phường Hòa Cường",
            &[
                ("Trưởng đoàn", "head"),
                ("Thành viên", "member"),
                ("Quan sát viên", "observer"),
            ],
        )
        .await;
    let other = server
        .delegation("Đoàn kiểm tra khác", &[("Người ngoài", "head")])
        .await;

    // The head makes a supervision and uploads a photo for it.
    let mut head = Member::new(team.get("Trưởng đoàn"));
    head.connect(&server.ws_url()).await;
    let id = DocumentId::from_bytes(random());
    let mut doc = supervision::create(&sample_setup(), stamp("Trưởng đoàn")).unwrap();
    unit::add(
        &mut doc,
        &RecordId::from_bytes(random()),
        "UBND phường",
        stamp("Trưởng đoàn"),
    )
    .unwrap();
    team.register(id).await;
    head.insert(id, doc).await;
    head.wait_for("the supervision on the server", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    head.disconnect();
    let photo = b"\xff\xd8\xff a photo of the ward's register".to_vec();
    let sha = sha256(&photo);
    let r = http(
        &server.addr,
        "PUT",
        &format!("/api/blobs/{sha}?document={id}"),
        &[
            ("Cookie", team.get("Trưởng đoàn").cookie.as_str()),
            ("X-Requested-With", "giamsat"),
            ("Content-Type", "image/jpeg"),
        ],
        &photo,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // The organisations: the ward's Front committee owns the delegation, under the city's,
    // whose standing committee member leads it; another city's leader leads the other one.
    let admin = server.admin().await;
    let org = |name: &'static str, level: &'static str, parent: Option<i64>| {
        let admin = admin.clone();
        async move {
            let r = admin
                .call(
                    "POST",
                    "/api/admin/organisations",
                    Some(json!({"name": name, "level": level, "parentId": parent})),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.json()["id"].as_i64().unwrap()
        }
    };
    let city = org("Ủy ban MTTQ Việt Nam thành phố Đà Nẵng", "tỉnh", None).await;
    let ward = org("Ủy ban MTTQ phường Hòa Cường", "xã, phường", Some(city)).await;
    let elsewhere = org("Ủy ban MTTQ Việt Nam thành phố Huế", "tỉnh", None).await;
    for (delegation, owner) in [(team.id, ward), (other.id, elsewhere)] {
        let r = admin
            .call(
                "PUT",
                &format!("/api/admin/delegations/{delegation}/organisation"),
                Some(json!({"organisationId": owner})),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    let leader = leader_of(&server, &admin, city, "lanh-dao", "Lãnh đạo thành phố").await;
    let other_leader = leader_of(&server, &admin, elsewhere, "lanh-dao-hue", "Lãnh đạo Huế").await;

    let world = World {
        leader,
        other_leader,
        organisation: ward,
        delegation: team.id,
        supervision: id,
        photo_sha: sha,
        head: team.get("Trưởng đoàn").clone(),
        member: team.get("Thành viên").clone(),
        observer: team.get("Quan sát viên").clone(),
        outsider: other.get("Người ngoài").clone(),
        server,
    };
    (dir, world)
}

/// A new account, made a leader of `org`, signed in (password as the harness's pattern).
async fn leader_of(
    server: &ServerProcess,
    admin: &Account,
    org: i64,
    username: &str,
    name: &str,
) -> Account {
    let password = format!("mk-{username}-dai");
    let r = admin
        .call(
            "POST",
            "/api/admin/users",
            Some(json!({"username": username, "password": password, "displayName": name})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let user = r.json()["id"].as_i64().unwrap();
    let r = admin
        .call(
            "PUT",
            &format!("/api/admin/organisations/{org}/leaders/{user}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    giamsat_tests::server::sign_in(&server.addr, username, &password, name).await
}

/// The statuses a refusal may have for this caller: 401 when not signed in, otherwise 403 or
/// 404 as the route decides (checked per row).
fn refused(who: Who, status: u16, hidden: bool) -> bool {
    match who {
        Who::Anonymous => status == 401,
        _ if hidden => status == 404 || status == 403,
        _ => status == 403 || status == 404,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_allows_exactly_its_callers() {
    let (_dir, w) = world().await;
    let d = w.delegation;
    let s = w.supervision;
    let sha = w.photo_sha.clone();
    let mut failures = Vec::new();

    // (route, allowed callers, whether a signed-in non-member must get 404 (not learn it exists))
    type Row = (&'static str, &'static [Who], bool);
    let rows: Vec<Row> = vec![
        ("GET /health", &EVERYONE, false),
        ("GET / (the app)", &EVERYONE, false),
        ("GET /api/me", SIGNED_IN, false),
        ("POST /api/actors", SIGNED_IN, false),
        ("GET /api/delegations/{d}", READERS, true),
        ("PUT /api/delegations/{d}/members/{u}", MANAGERS, true),
        ("DELETE /api/delegations/{d}/members/{u}", MANAGERS, true),
        ("POST /api/delegations/{d}/invitations", MANAGERS, true),
        ("GET /api/delegations/{d}/invitations", MANAGERS, true),
        (
            "DELETE /api/delegations/{d}/invitations/{i}",
            MANAGERS,
            true,
        ),
        ("PUT /api/me/password", SIGNED_IN, false),
        ("POST /api/delegations/{d}/supervisions", WRITERS, true),
        ("POST /api/delegations", NOBODY, false),
        ("GET /api/invitations/{token}", &EVERYONE, false),
        ("GET /api/admin/users", NOBODY, false),
        ("POST /api/admin/users", NOBODY, false),
        ("GET /api/admin/delegations", NOBODY, false),
        ("GET /api/admin/sessions", NOBODY, false),
        ("DELETE /api/admin/sessions/{id}", NOBODY, false),
        ("PUT /api/admin/users/{id}/password", NOBODY, false),
        ("PUT /api/admin/users/{id}/disabled", NOBODY, false),
        ("DELETE /api/admin/users/{id}/sessions", NOBODY, false),
        ("GET /api/admin/audit", NOBODY, false),
        ("GET /api/blobs/{sha}?document={s}", DOCUMENT_READERS, true),
        ("POST /api/admin/organisations", NOBODY, false),
        ("GET /api/admin/organisations", NOBODY, false),
        ("PUT /api/admin/delegations/{d}/organisation", NOBODY, false),
        (
            "PUT /api/admin/organisations/{o}/leaders/{u}",
            NOBODY,
            false,
        ),
        (
            "DELETE /api/admin/organisations/{o}/leaders/{u}",
            NOBODY,
            false,
        ),
        ("PUT /api/blobs/{sha}?document={s}", WRITERS, true),
        ("DELETE /api/session", SIGNED_IN, false),
        // Last: accepting makes the caller a member, which would change the rows after it.
        // Someone already in the delegation cannot use a link to change their role (409).
        (
            "POST /api/invitations/{token}/accept",
            &[Who::Anonymous, Who::Outsider, Who::Leader, Who::OtherLeader],
            false,
        ),
    ];
    for (route, allowed, hidden) in rows {
        for who in EVERYONE {
            let r = match route {
                "GET /health" => w.call(who, "GET", "/health", None).await,
                "GET / (the app)" => w.call(who, "GET", "/", None).await,
                "GET /api/me" => w.call(who, "GET", "/api/me", None).await,
                "POST /api/actors" => {
                    let actor = hex(&random::<16>());
                    w.call(who, "POST", "/api/actors", Some(json!({"actor": actor}))).await
                }
                "GET /api/delegations/{d}" => w.call(who, "GET", &format!("/api/delegations/{d}"), None).await,
                "PUT /api/delegations/{d}/members/{u}" => {
                    let u = w.new_user().await;
                    w.call(who, "PUT", &format!("/api/delegations/{d}/members/{u}"), Some(json!({"role": "member"})))
                        .await
                }
                "DELETE /api/delegations/{d}/members/{u}" => {
                    let u = w.new_user().await;
                    let r = w
                        .head
                        .call("PUT", &format!("/api/delegations/{d}/members/{u}"), Some(json!({"role": "member"})))
                        .await;
                    assert_eq!(r.status, 204);
                    w.call(who, "DELETE", &format!("/api/delegations/{d}/members/{u}"), None).await
                }
                "POST /api/delegations/{d}/invitations" => {
                    w.call(who, "POST", &format!("/api/delegations/{d}/invitations"), Some(json!({"role": "member"})))
                        .await
                }
                "POST /api/delegations/{d}/supervisions" => {
                    let doc = DocumentId::from_bytes(random()).to_string();
                    w.call(
                        who,
                        "POST",
                        &format!("/api/delegations/{d}/supervisions"),
                        Some(json!({"documentId": doc})),
                    )
                    .await
                }
                "GET /api/delegations/{d}/invitations" => {
                    w.call(who, "GET", &format!("/api/delegations/{d}/invitations"), None).await
                }
                "DELETE /api/delegations/{d}/invitations/{i}" => {
                    let t = w.invitation().await;
                    let i = sha256(t.as_bytes());
                    w.call(who, "DELETE", &format!("/api/delegations/{d}/invitations/{i}"), None).await
                }
                "PUT /api/me/password" => match w.account(who) {
                    // The same password again: allowed callers change nothing that matters.
                    Some(a) => {
                        let pw = format!("mk-{}-dai", a.username);
                        w.call(who, "PUT", "/api/me/password", Some(json!({"current": pw, "new": pw}))).await
                    }
                    None => {
                        w.call(who, "PUT", "/api/me/password", Some(json!({"current": "x", "new": "mat-khau-dai"})))
                            .await
                    }
                },
                "PUT /api/admin/users/{id}/password" => {
                    let u = w.new_user().await;
                    w.call(who, "PUT", &format!("/api/admin/users/{u}/password"), Some(json!({"password": "mat-khau-moi-dai"})))
                        .await
                }
                "PUT /api/admin/users/{id}/disabled" => {
                    let u = w.new_user().await;
                    w.call(who, "PUT", &format!("/api/admin/users/{u}/disabled"), Some(json!({"disabled": true}))).await
                }
                "DELETE /api/admin/users/{id}/sessions" => {
                    let u = w.new_user().await;
                    w.call(who, "DELETE", &format!("/api/admin/users/{u}/sessions"), None).await
                }
                "POST /api/delegations" => w.call(who, "POST", "/api/delegations", Some(json!({"name": "Đoàn mới"}))).await,
                "GET /api/invitations/{token}" => {
                    let t = w.invitation().await;
                    w.call(who, "GET", &format!("/api/invitations/{t}"), None).await
                }
                "POST /api/invitations/{token}/accept" => {
                    let t = w.invitation().await;
                    let body = match who {
                        Who::Anonymous => json!({
                            "username": format!("moi-{:08x}", u32::from_le_bytes(random())),
                            "password": "mat-khau-moi-dai",
                            "displayName": "Người mới",
                        }),
                        _ => json!({}),
                    };
                    w.call(who, "POST", &format!("/api/invitations/{t}/accept"), Some(body)).await
                }
                "GET /api/admin/users" => w.call(who, "GET", "/api/admin/users", None).await,
                "POST /api/admin/users" => {
                    w.call(
                        who,
                        "POST",
                        "/api/admin/users",
                        Some(json!({"username": "ke-gian", "password": "mat-khau-dai", "isAdmin": true})),
                    )
                    .await
                }
                "GET /api/admin/delegations" => w.call(who, "GET", "/api/admin/delegations", None).await,
                "GET /api/admin/sessions" => w.call(who, "GET", "/api/admin/sessions", None).await,
                "DELETE /api/admin/sessions/{id}" => w.call(who, "DELETE", "/api/admin/sessions/1", None).await,
                "GET /api/admin/audit" => w.call(who, "GET", "/api/admin/audit", None).await,
                "POST /api/admin/organisations" => {
                    w.call(who, "POST", "/api/admin/organisations", Some(json!({"name": "Tổ chức giả", "level": "x"}))).await
                }
                "GET /api/admin/organisations" => w.call(who, "GET", "/api/admin/organisations", None).await,
                "PUT /api/admin/delegations/{d}/organisation" => {
                    // The same owner again: allowed callers change nothing.
                    let o = w.organisation;
                    w.call(who, "PUT", &format!("/api/admin/delegations/{d}/organisation"), Some(json!({"organisationId": o})))
                        .await
                }
                "PUT /api/admin/organisations/{o}/leaders/{u}" => {
                    let u = w.new_user().await;
                    let o = w.organisation;
                    w.call(who, "PUT", &format!("/api/admin/organisations/{o}/leaders/{u}"), None).await
                }
                "DELETE /api/admin/organisations/{o}/leaders/{u}" => {
                    let u = w.new_user().await;
                    let o = w.organisation;
                    let admin = w.server.admin().await;
                    let r = admin.call("PUT", &format!("/api/admin/organisations/{o}/leaders/{u}"), None).await;
                    assert_eq!(r.status, 204);
                    w.call(who, "DELETE", &format!("/api/admin/organisations/{o}/leaders/{u}"), None).await
                }
                "GET /api/blobs/{sha}?document={s}" => {
                    w.call(who, "GET", &format!("/api/blobs/{sha}?document={s}"), None).await
                }
                "PUT /api/blobs/{sha}?document={s}" => {
                    let bytes = random::<32>().to_vec();
                    let sha = sha256(&bytes);
                    let mut headers = vec![("X-Requested-With", "giamsat"), ("Content-Type", "image/jpeg")];
                    let cookie = w.account(who).map(|a| a.cookie.clone());
                    if let Some(c) = &cookie {
                        headers.push(("Cookie", c.as_str()));
                    }
                    http(&w.server.addr, "PUT", &format!("/api/blobs/{sha}?document={s}"), &headers, &bytes).await
                }
                "DELETE /api/session" => match w.account(who) {
                    // Sign out a second session of the same account, so the others go on.
                    Some(a) => {
                        let second = a.call("GET", "/api/me", None).await;
                        assert_eq!(second.status, 200);
                        let extra = sign_in_again(&w, a).await;
                        extra.call("DELETE", "/api/session", None).await
                    }
                    None => w.call(who, "DELETE", "/api/session", None).await,
                },
                other => panic!("no request for {other}"),
            };
            let ok = (200..300).contains(&r.status);
            let want = allowed.contains(&who);
            let right = if want {
                ok
            } else if route.starts_with("POST /api/invitations/") && who != Who::Anonymous {
                r.status == 409
            } else {
                refused(who, r.status, hidden)
            };
            let right = right && !(hidden && who == Who::Outsider && r.status != 404 && !want);
            if !right {
                failures.push(format!(
                    "{route} as {who:?}: got {} ({}), expected {}",
                    r.status,
                    r.body.chars().take(120).collect::<String>(),
                    if want {
                        "allowed"
                    } else if hidden {
                        "404"
                    } else {
                        "refused"
                    }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
    w.server.stop().await;
}

async fn sign_in_again(w: &World, a: &Account) -> Account {
    // The test accounts' passwords follow one pattern (see ServerProcess::delegation).
    giamsat_tests::server::sign_in(
        &w.server.addr,
        &a.username,
        &format!("mk-{}-dai", a.username),
        &a.name,
    )
    .await
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_gives_each_caller_exactly_their_access() {
    let (_dir, w) = world().await;
    let id = w.supervision;

    // Anonymous: the upgrade itself is refused with 401.
    let refused =
        tokio_tungstenite::connect_async(format!("{}?peer=u1-x", w.server.ws_url())).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("an anonymous sync connection must be refused with 401, got {other:?}"),
    }

    // A signed-in caller must use their own peer prefix.
    let mut req = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        format!("{}?peer={}stolen", w.server.ws_url(), w.head.peer_prefix)
            .into_client_request()
            .unwrap()
    };
    req.headers_mut()
        .insert("cookie", w.outsider.cookie.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 400),
        other => panic!("another user's peer id must be refused, got {other:?}"),
    }

    // The outsider guesses the id: doc-unavailable, nothing of it arrives; so does a random id
    // for a member.
    let mut outsider = Member::new(&w.outsider);
    outsider.connect(&w.server.ws_url()).await;
    outsider.want(id);
    outsider
        .wait_for("doc-unavailable for a guessed id", BOUND, |m| {
            m.status(&id) == Some(ReplicaStatus::Unavailable)
        })
        .await;
    assert!(
        outsider
            .read(&id, |d| d.get_heads())
            .is_none_or(|h| h.is_empty())
    );
    let mut member = Member::new(&w.member);
    member.connect(&w.server.ws_url()).await;
    let random_id = DocumentId::from_bytes(random());
    member.want(random_id);
    member
        .wait_for("doc-unavailable for an unknown id", BOUND, |m| {
            m.status(&random_id) == Some(ReplicaStatus::Unavailable)
        })
        .await;

    // A leader of another organisation guesses it too: doc-unavailable.
    let mut other_leader = Member::new(&w.other_leader);
    other_leader.connect(&w.server.ws_url()).await;
    other_leader.want(id);
    other_leader
        .wait_for(
            "doc-unavailable for another organisation's leader",
            BOUND,
            |m| m.status(&id) == Some(ReplicaStatus::Unavailable),
        )
        .await;

    // Observer, member, head and the leader above the delegation all receive the supervision.
    let mut observer = Member::new(&w.observer);
    observer.connect(&w.server.ws_url()).await;
    let mut head = Member::new(&w.head);
    head.connect(&w.server.ws_url()).await;
    let mut leader = Member::new(&w.leader);
    leader.connect(&w.server.ws_url()).await;
    for m in [&observer, &member, &head, &leader] {
        m.want(id);
        m.wait_for("the supervision", BOUND, |m| {
            m.status(&id) == Some(ReplicaStatus::Held) && !m.heads(&id).is_empty()
        })
        .await;
    }
    let unit_id = head
        .read(&id, |d| reading::read(d).unwrap().units[0].id.clone())
        .unwrap();

    // The observer's and the leader's edits stay on their tablets; the member's reaches the
    // head.
    let (by_observer, by_member, by_leader) = (
        RecordId::from_bytes(random()),
        RecordId::from_bytes(random()),
        RecordId::from_bytes(random()),
    );
    leader
        .change(&id, |d| {
            finding::add(
                d,
                &by_leader,
                &unit_id,
                finding::FindingKind::Strength,
                "Lãnh đạo viết.",
                stamp("Lãnh đạo thành phố"),
            )
        })
        .unwrap();
    observer
        .change(&id, |d| {
            finding::add(
                d,
                &by_observer,
                &unit_id,
                finding::FindingKind::Strength,
                "Quan sát viên viết.",
                stamp("Quan sát viên"),
            )
        })
        .unwrap();
    member
        .change(&id, |d| {
            finding::add(
                d,
                &by_member,
                &unit_id,
                finding::FindingKind::Strength,
                "Thành viên viết.",
                stamp("Thành viên"),
            )
        })
        .unwrap();
    head.wait_for("the member's finding", BOUND, |m| {
        m.read(&id, |d| {
            reading::read(d).unwrap().finding(&by_member).is_some()
        })
        .unwrap_or(false)
    })
    .await;
    // A fresh device of the head's gets the server's copy: the member's finding, not the
    // observer's.
    let mut check = Member::new(&w.head);
    check.connect(&w.server.ws_url()).await;
    check.want(id);
    check
        .wait_for("the server's copy", BOUND, |m| {
            m.heads(&id) == head.heads(&id)
        })
        .await;
    let s = check.read(&id, |d| reading::read(d).unwrap()).unwrap();
    assert!(s.finding(&by_member).is_some());
    assert!(
        s.finding(&by_observer).is_none(),
        "an observer's edit must not reach the server"
    );
    assert!(
        s.finding(&by_leader).is_none(),
        "a leader reads, never writes"
    );

    // No longer a leader: a new connection of theirs gets nothing of it.
    let admin = w.server.admin().await;
    let me = w.leader.call("GET", "/api/me", None).await;
    let user = me.json()["user"]["id"].as_i64().unwrap();
    let orgs = admin
        .call("GET", "/api/admin/organisations", None)
        .await
        .json();
    let city = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["leaders"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l.as_i64() == Some(user))
        })
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = admin
        .call(
            "DELETE",
            &format!("/api/admin/organisations/{city}/leaders/{user}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let mut former = Member::new(&w.leader);
    former.connect(&w.server.ws_url()).await;
    former.want(id);
    former
        .wait_for("doc-unavailable for a former leader", BOUND, |m| {
            m.status(&id) == Some(ReplicaStatus::Unavailable)
        })
        .await;
    w.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_is_told_what_they_read_and_whose_words_they_are() {
    let (_dir, w) = world().await;
    let me = w.leader.call("GET", "/api/me", None).await.json();
    let delegations = me["delegations"].as_array().unwrap();
    assert_eq!(delegations.len(), 1, "{me}");
    assert_eq!(delegations[0]["id"].as_i64(), Some(w.delegation));
    assert_eq!(delegations[0]["role"], "observer", "read-only");
    assert_eq!(
        delegations[0]["organisation"],
        "Ủy ban MTTQ phường Hòa Cường"
    );
    assert_eq!(delegations[0]["supervisions"][0], w.supervision.to_string());
    assert_eq!(
        me["organisations"][0]["name"],
        "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng"
    );
    assert_eq!(me["organisations"][0]["level"], "tỉnh");
    // The head's device wrote the supervision: the leader sees the head's name on it.
    let head_actors: Vec<String> = w.head.call("GET", "/api/me", None).await.json()["authors"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, name)| *name == "Trưởng đoàn")
        .map(|(actor, _)| actor.clone())
        .collect();
    assert!(
        !head_actors.is_empty(),
        "the head's device registered its actor"
    );
    for actor in &head_actors {
        assert_eq!(me["authors"][actor], "Trưởng đoàn", "{}", me["authors"]);
    }
    // The other organisation's leader reads nothing of this one, and is told nothing of it.
    let other = w.other_leader.call("GET", "/api/me", None).await.json();
    let theirs: Vec<i64> = other["delegations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert!(!theirs.contains(&w.delegation), "{other}");
    for actor in &head_actors {
        assert!(
            other["authors"].get(actor).is_none(),
            "{}",
            other["authors"]
        );
    }
    // A parent that does not exist, an unknown organisation, a body with more than it should.
    let admin = w.server.admin().await;
    let r = admin
        .call(
            "POST",
            "/api/admin/organisations",
            Some(json!({"name": "Con", "parentId": 999})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = admin
        .call(
            "PUT",
            &format!("/api/admin/delegations/{}/organisation", w.delegation),
            Some(json!({"organisationId": 999})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = admin
        .call(
            "POST",
            "/api/admin/organisations",
            Some(json!({"name": "X", "isAdmin": true})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = admin
        .call(
            "POST",
            "/api/admin/organisations",
            Some(json!({"name": "  "})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // What the admin did is in the audit log.
    let audit = admin.call("GET", "/api/admin/audit", None).await.body;
    for event in [
        "organisation-created",
        "delegation-organisation",
        "organisation-leader-added",
    ] {
        assert!(audit.contains(event), "{event} not audited");
    }
    w.server.stop().await;
}

/// `--demo` adds a made-up city with two wards, their delegations and a year of supervisions,
/// once: a second start adds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_brings_an_organisation_with_a_year_of_supervisions_once() {
    let dir = tempfile::tempdir().unwrap();
    for start in 0..2 {
        let server = ServerProcess::start_with(dir.path(), &["--demo"]).await;
        let admin = server.admin().await;
        let orgs = admin
            .call("GET", "/api/admin/organisations", None)
            .await
            .json();
        let orgs = orgs.as_array().unwrap();
        assert_eq!(orgs.len(), 3, "start {start}: {orgs:?}");
        let city = orgs.iter().find(|o| o["parentId"].is_null()).unwrap();
        assert_eq!(city["name"], "Ủy ban MTTQ thành phố Mẫu (demo)");
        assert_eq!(
            city["delegations"].as_array().unwrap().len(),
            1,
            "the real examples' delegation"
        );
        let wards: Vec<_> = orgs
            .iter()
            .filter(|o| o["parentId"] == city["id"])
            .collect();
        assert_eq!(wards.len(), 2);
        // A leader of the city reads both wards' twelve supervisions and the two examples.
        let made = admin
            .call("POST", "/api/admin/users", Some(json!({"username": format!("ld{start}"), "password": format!("mk-ld{start}-dai"), "displayName": "Lãnh đạo"})))
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
        let user = made.json()["id"].as_i64().unwrap();
        let r = admin
            .call(
                "PUT",
                &format!("/api/admin/organisations/{}/leaders/{user}", city["id"]),
                None,
            )
            .await;
        assert_eq!(r.status, 204);
        let leader = giamsat_tests::server::sign_in(
            &server.addr,
            &format!("ld{start}"),
            &format!("mk-ld{start}-dai"),
            "Lãnh đạo",
        )
        .await;
        let me = leader.call("GET", "/api/me", None).await.json();
        let counts: Vec<usize> = me["delegations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["supervisions"].as_array().unwrap().len())
            .collect();
        let mut counts = counts;
        counts.sort();
        assert_eq!(counts, [2, 12, 12], "start {start}");
        server.stop().await;
    }
}

//! Checking a printed copy (issue 13), over the real server: the head issues a conclusion,
//! and anyone with no account opens `/verify/<code>`: a genuine code shows the first page
//! and the fingerprint; one character changed, or a record a tablet forged, is not found;
//! a fingerprint of altered text does not match; nothing beyond the first page is shown;
//! codes that match nothing run out after twenty; the codes survive a restart.

use std::time::Duration;

use automerge::ROOT;
use automerge::transaction::Transactable;
use giamsat_tests::member::Member;
use giamsat_tests::server::{ServerProcess, http_get};
use giamsat_tests::{random, sample_setup, stamp};
use shared::conclusion::{self, Section};
use shared::official::issue::{self, Letterhead};
use shared::official::{Authority, LayoutId};
use shared::supervision;
use shared::{DocumentId, RecordId};

const BOUND: Duration = Duration::from_secs(20);
const BODY: &str = "Ủy ban nhân dân phường chưa công khai dự toán ngân sách năm 2025.";

fn letterhead() -> Letterhead {
    Letterhead {
        layout: LayoutId::Nd30,
        superior: "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng".into(),
        issuer: "Ban Thường trực Ủy ban MTTQ phường Thanh Khê Tây".into(),
        number: Some("7".into()),
        code: "TB-MTTQ".into(),
        place: "Đà Nẵng".into(),
        date: (2026, 3, 12),
        doc_type: "Thông báo".into(),
        summary: "Kết quả giám sát việc công khai ngân sách".into(),
        authority: Authority::Collective,
        for_body: "Ban Thường trực".into(),
        signer_title: "Chủ tịch".into(),
        signer_name: "Nguyễn Thị Bích".into(),
        recipients: vec!["UBND phường Thanh Khê Tây".into()],
    }
}

/// GET `path`, expecting `status`; the body.
async fn get(server: &ServerProcess, path: &str, status: u16) -> String {
    let (got, body) = http_get(&server.addr, path).await;
    assert_eq!(got, status, "{path}: {body}");
    body
}

/// Lan's new supervision with one paragraph of conclusion (and `issue` issued, if given),
/// registered and confirmed by the server; its id.
async fn lan_writes(
    lan: &Member,
    team: &giamsat_tests::server::Team,
    issue_as: Option<&RecordId>,
) -> DocumentId {
    let id = DocumentId::from_bytes(random());
    let mut doc = supervision::create_as(
        automerge::Automerge::new().with_actor(lan.actor.clone()),
        &sample_setup(),
        stamp("Lan"),
    )
    .unwrap();
    conclusion::add_paragraph(
        &mut doc,
        &RecordId::from_bytes(random()),
        Section::Shortcomings,
        None,
        BODY,
        stamp("Lan"),
    )
    .unwrap();
    if let Some(v) = issue_as {
        issue::issue(&mut doc, &id, &letterhead(), v, stamp("Lan")).unwrap();
    }
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the server to confirm the supervision", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_copy_is_checked_by_its_code_and_nothing_more_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation("Đoàn giám sát Thanh Khê Tây", &[("Lan", "head")])
        .await;
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;

    // Step 1: Lan writes the conclusion, issues it on her tablet, and it syncs.
    let v1 = RecordId::from_bytes(random());
    let id = lan_writes(&lan, &team, Some(&v1)).await;
    let version = lan.read(&id, |d| issue::versions(d).unwrap()).unwrap()[0].clone();
    let code = version.issuance.code.clone();

    // Step 2: someone with the paper and no account opens the code: the first page as
    // printed, the signer, the fingerprint; not the body, not the supervision's id. (The
    // code was filed in the transaction that stored the version, before Lan heard it was.)
    let page = get(&server, &format!("/verify/{code}"), 200).await;
    assert!(page.contains("data-result=\"issued\""));
    for printed in [
        "BAN THƯỜNG TRỰC ỦY BAN MTTQ PHƯỜNG THANH KHÊ TÂY",
        "Số: 07/TB-MTTQ",
        "Đà Nẵng, ngày 12 tháng 3 năm 2026",
        "Kết quả giám sát việc công khai ngân sách",
        "Nguyễn Thị Bích",
        version.issuance.fingerprint.as_str(),
    ] {
        assert!(
            page.contains(printed),
            "{printed:?} not on the page: {page}"
        );
    }
    assert!(!page.contains("công khai dự toán"), "the body is not shown");
    assert!(!page.contains(&id.to_string()), "nor the supervision's id");

    // Typed from paper: lower case, no dash, O for 0 and L for 1 read the same.
    let typed = code
        .replace('-', "")
        .to_lowercase()
        .replace('0', "o")
        .replace('1', "l");
    assert_eq!(
        http_get(&server.addr, &format!("/verify/{typed}")).await.0,
        200
    );

    // Step 3: a fingerprint compared: the issued text's matches; one letter changed does not.
    let issued = issue::fingerprint(
        &lan.read(&id, |d| issue::issued_paper(d, &version).unwrap())
            .unwrap(),
    )
    .unwrap();
    let matches = get(
        &server,
        &format!("/verify/{code}?fingerprint={issued}"),
        200,
    )
    .await;
    assert!(matches.contains("data-result=\"fingerprint-matches\""));
    let mut altered = lan
        .read(&id, |d| issue::issued_paper(d, &version).unwrap())
        .unwrap();
    altered.sections[0].paragraphs[0] = BODY.replace("chưa", "đã");
    let altered = issue::fingerprint(&altered).unwrap();
    let differs = get(
        &server,
        &format!("/verify/{code}?fingerprint={altered}"),
        200,
    )
    .await;
    assert!(differs.contains("data-result=\"fingerprint-differs\""));

    // Step 4: one character of the code changed: not found.
    let mut chars: Vec<char> = code.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    let changed: String = chars.into_iter().collect();
    let (status, body) = http_get(&server.addr, &format!("/verify/{changed}")).await;
    assert_eq!(status, 404);
    assert!(body.contains("data-result=\"not-found\""));

    // Step 5: Lan's tablet writes a record by hand claiming a code it did not earn, then
    // issues a genuine version 2. Once version 2 is filed, the forged code is not found.
    let forged_code = "7KQ2M-XW9RD";
    lan.change(&id, |d| {
        let mut forged = version.issuance.clone();
        forged.code = forged_code.into();
        let json = serde_json::to_string(&forged).unwrap();
        let mut tx = d.transaction();
        tx.put(ROOT, "issued/forged", json.as_str()).unwrap();
        tx.commit();
        issue::issue(
            d,
            &id,
            &letterhead(),
            &RecordId::from_bytes(random()),
            stamp("Lan"),
        )
        .unwrap();
    });
    lan.wait_for("the server to confirm version 2", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    let v2 = lan.read(&id, |d| issue::versions(d).unwrap()).unwrap();
    let v2_code = v2
        .iter()
        .find(|v| v.issuance.code != forged_code && v.id != v1)
        .map(|v| v.issuance.code.clone())
        .expect("version 2");
    get(&server, &format!("/verify/{v2_code}"), 200).await;
    assert_eq!(
        http_get(&server.addr, &format!("/verify/{forged_code}"))
            .await
            .0,
        404
    );
    // A string that cannot be a code is refused before any lookup.
    assert_eq!(http_get(&server.addr, "/verify/%3Cscript%3E").await.0, 400);

    // Step 6: the codes survive a restart.
    let server = server.restart().await;
    get(&server, &format!("/verify/{code}"), 200).await;

    // Step 7: guessing: twenty codes that match nothing from one address, then "try later"
    // (even for a genuine code) — the changed and forged ones above counted before the
    // restart, which forgets them.
    for i in 0..20u8 {
        let guess = issue::short_code([i, 1, 2, 3, 4, 5, 6, 7]);
        let (status, _) = http_get(&server.addr, &format!("/verify/{guess}")).await;
        assert_eq!(status, 404, "guess {i}");
    }
    let (status, body) = http_get(&server.addr, "/verify/ABCDE-FGHJK").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        http_get(&server.addr, &format!("/verify/{code}")).await.0,
        429
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_head_or_deputy_may_issue_and_a_member_who_tries_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation(
            "Đoàn giám sát Thanh Khê Tây",
            &[("Lan", "head"), ("Minh", "member")],
        )
        .await;
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;
    let id = lan_writes(&lan, &team, None).await;

    // Step 1: Minh, a member, has a tablet that does not ask the app: it issues anyway.
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(&server.ws_url()).await;
    minh.want(id);
    minh.wait_for("the supervision", BOUND, |m| m.read(&id, |_| ()).is_some())
        .await;
    minh.change(&id, |d| {
        issue::issue(
            d,
            &id,
            &letterhead(),
            &RecordId::from_bytes(random()),
            stamp("Minh"),
        )
        .unwrap();
    });
    let minh_code = minh.read(&id, |d| issue::versions(d).unwrap()).unwrap()[0]
        .issuance
        .code
        .clone();

    // The server refuses it, says why, and closes that connection.
    minh.wait_for("the refusal", BOUND, |m| !m.is_connected())
        .await;
    let said = minh.server_error().unwrap_or_default();
    assert!(
        said.contains("only the delegation's head or deputy may issue"),
        "{said}"
    );

    // Step 2: Lan, the head, issues; once the server has hers, it has hers alone.
    lan.change(&id, |d| {
        issue::issue(
            d,
            &id,
            &letterhead(),
            &RecordId::from_bytes(random()),
            stamp("Lan"),
        )
        .unwrap();
    });
    lan.wait_for("the server to confirm Lan's version", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    let versions = lan.read(&id, |d| issue::versions(d).unwrap()).unwrap();
    assert_eq!(versions.len(), 1, "Minh's version never reached the server");
    assert_eq!(versions[0].issuance.issued_by, "Lan");
    get(
        &server,
        &format!("/verify/{}", versions[0].issuance.code),
        200,
    )
    .await;
    get(&server, &format!("/verify/{minh_code}"), 404).await;
    server.stop().await;
}

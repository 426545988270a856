//! A real reader opens the DOCX that `shared::official` builds: LibreOffice (Debian's,
//! headless) converts each layout's sample to PDF; `pdftotext` gives back every line of the
//! document in order, in the exact Vietnamese (NFC) it was written in; `pdffonts` shows the
//! fonts embedded; and a PNG of page 1 of each layout goes to `tests/artifacts/` to be looked
//! at beside DOCUMENTS.md. The README's test command installs LibreOffice and poppler.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use shared::official::{docx, samples};

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} could not run ({e}): `cargo xtask test` installs it")
        });
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// LibreOffice converts one document at a time. On a machine where it had just been
/// installed, a conversion once crashed at start ("Unspecified Application Error") while
/// another ran beside it; the same file converted at once on the next run.
static SOFFICE: Mutex<()> = Mutex::new(());

/// Write `paper`'s DOCX as `<name>.docx` in `dir`, have LibreOffice convert it, and give the
/// PDF's path. A start that crashes is tried once more: a file LibreOffice cannot read fails
/// both times, with both errors.
fn to_pdf(dir: &Path, name: &str, paper: &shared::official::Paper) -> std::path::PathBuf {
    let docx_path = dir.join(format!("{name}.docx"));
    std::fs::write(&docx_path, docx::build(paper).expect("builds")).expect("written");
    let out = dir.to_str().expect("UTF-8 path");
    // A test that failed while holding the lock leaves it poisoned; the lock is still good.
    let _one_at_a_time = SOFFICE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let convert = || {
        Command::new("soffice")
            .args([
                &format!("-env:UserInstallation=file://{out}/profile"),
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                out,
                docx_path.to_str().expect("UTF-8 path"),
            ])
            .output()
            .unwrap_or_else(|e| {
                panic!("soffice could not run ({e}): `cargo xtask test` installs it")
            })
    };
    let pdf = dir.join(format!("{name}.pdf"));
    let first = convert();
    if first.status.success() && pdf.exists() {
        return pdf;
    }
    let second = convert();
    assert!(
        second.status.success() && pdf.exists(),
        "soffice could not convert {name}.docx, twice:\n{}\n{}",
        String::from_utf8_lossy(&first.stderr),
        String::from_utf8_lossy(&second.stderr)
    );
    pdf
}

/// Words as a reader sees them: whitespace and line breaks collapsed.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn libreoffice_opens_each_layouts_docx_and_the_pdf_reads_back_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    // The decree's sample as an issued version: with its QR code and check line.
    let mut issued = samples::front_notice();
    issued.check = Some((
        "D5M5M-NYWTE".into(),
        "https://giamsat.example.vn/verify/D5M5M-NYWTE".into(),
    ));
    for (name, paper) in [("nd30", issued), ("hd36", samples::party_notice())] {
        let pdf = to_pdf(dir.path(), name, &paper);
        let pdf = pdf.to_str().expect("UTF-8 path");

        // The text, in order, exactly as written (pdftotext writes NFC for these letters).
        let text = words(&run("pdftotext", &[pdf, "-"]));
        let mut from = 0;
        let layout = paper.layout.layout().expect("layout");
        for line in paper.printed_lines(&layout) {
            let line = words(&line);
            let at = text[from..].find(&line).unwrap_or_else(|| {
                panic!("{name}: {line:?} not found after byte {from} in {text:?}")
            });
            from += at + line.len();
        }

        // The issued one carries its QR code as the one image on its page.
        let images = run("pdfimages", &["-list", pdf]);
        let expected = usize::from(paper.check.is_some());
        assert_eq!(
            images.lines().skip(2).count(),
            expected,
            "{name}: images\n{images}"
        );
        if let Some(line) = paper.check_line() {
            assert!(text.contains(&words(&line)), "{name}: the check line");
        }

        // Fonts are embedded (LibreOffice substitutes a metric-compatible serif for Times New
        // Roman where it is not installed).
        let fonts = run("pdffonts", &[pdf]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{name}: fonts listed");
        assert!(
            rows.iter()
                .all(|r| r.split_whitespace().rev().nth(4) == Some("yes")),
            "{name}: every font embedded:\n{fonts}"
        );

        // Page 1 as a PNG, to look at.
        let png = artifacts.join(format!("official-{name}-page1"));
        run(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                pdf,
                png.to_str().expect("UTF-8"),
            ],
        );
        assert!(
            artifacts
                .join(format!("official-{name}-page1.png"))
                .exists()
        );
    }
}

/// Issue 14: the quarterly review, made from real supervision documents, opens in LibreOffice
/// and reads back with the figures the follow-up screen shows (the same `figure_lines`).
#[test]
fn libreoffice_opens_the_quarterly_review_with_its_figures() {
    use shared::followup::{self, Day, Facts, Filter, Period};
    use shared::official::LayoutId;
    use shared::official::issue::{self, Letterhead};
    use shared::recommendation::{self, NewRecommendation, Reply};
    use shared::review;
    use shared::supervision::{self, Setup, Stamp};
    use shared::{DocumentId, RecordId};

    let stamp = |now_ms| Stamp {
        member: "Lan",
        now_ms,
    };
    // Two supervisions of Q1 2026: one issued 05/01 whose unit replied on day 12, one issued
    // 10/02 whose unit has not replied (past its 20 days on 01/07, and past due).
    let made = |title: &str, held: &str, issued: (i32, u32, u32), reply: Option<&str>| {
        let setup = Setup {
            title: title.into(),
            schedule_from: held.into(),
            ..Default::default()
        };
        let mut doc = supervision::create(&setup, stamp(0)).expect("created");
        let r = RecordId::from_key("r");
        let ask = NewRecommendation {
            text: "Đề nghị bổ sung hồ sơ tiếp công dân.",
            addressee: "UBND phường",
            due: "2026-03-31",
            ..Default::default()
        };
        recommendation::add(&mut doc, &r, &ask, stamp(0)).expect("added");
        let letterhead = Letterhead {
            date: issued,
            ..Default::default()
        };
        issue::issue(
            &mut doc,
            &DocumentId::from_bytes([7; 16]),
            &letterhead,
            &RecordId::from_key("v1"),
            stamp(1),
        )
        .expect("issued");
        if let Some(date) = reply {
            let reply = Reply {
                date: date.into(),
                number: "15/BC-UBND".into(),
                scan: None,
            };
            recommendation::record_reply(&mut doc, &r, &reply, stamp(2)).expect("replied");
        }
        Facts::read(&doc).expect("facts")
    };
    let all = [
        made(
            "Giám sát việc tiếp công dân",
            "2026-01-03",
            (2026, 1, 5),
            Some("2026-01-17"),
        ),
        made(
            "Giám sát Quy chế dân chủ",
            "2026-02-08",
            (2026, 2, 10),
            None,
        ),
    ];
    let today = Day::from_ymd(2026, 7, 1);
    let q1 = Period::quarter(2026, 1);
    let figures = followup::figures(&all, q1, today);
    assert_eq!(
        (
            figures.supervisions,
            figures.recommendations,
            figures.overdue,
            figures.escalated
        ),
        (2, 2, 2, 1)
    );
    let lines = followup::list(
        &all,
        &Filter {
            period: Some(q1),
            ..Default::default()
        },
        today,
    );
    let paper = review::review(
        LayoutId::Nd30,
        "Ban Thường trực Ủy ban MTTQ phường Hòa Cường",
        q1,
        (2026, 7, 1),
        &figures,
        &lines,
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = to_pdf(dir.path(), "review", &paper);
    let text = words(&run("pdftotext", &[pdf.to_str().expect("UTF-8 path"), "-"]));
    for line in review::figure_lines(&figures)
        .into_iter()
        .chain(["Kết quả công tác giám sát, kiểm tra quý I năm 2026".to_owned()])
    {
        let line = words(&line);
        assert!(text.contains(&line), "{line:?} not in {text:?}");
    }
    assert!(
        text.contains("Thời gian trả lời kiến nghị (trung vị): 12 ngày."),
        "{text}"
    );
    assert!(
        text.contains("Giám sát Quy chế dân chủ: Đề nghị bổ sung hồ sơ tiếp công dân."),
        "the escalation listed: {text}"
    );
}

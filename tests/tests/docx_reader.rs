//! A real reader opens the DOCX that `shared::official` builds: LibreOffice (Debian's,
//! headless) converts each layout's sample to PDF; `pdftotext` gives back every line of the
//! document in order, in the exact Vietnamese (NFC) it was written in; `pdffonts` shows the
//! fonts embedded; and a PNG of page 1 of each layout goes to `tests/artifacts/` to be looked
//! at beside DOCUMENTS.md. The README's test command installs LibreOffice and poppler.

use std::path::Path;
use std::process::Command;

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
        let docx_path = dir.path().join(format!("{name}.docx"));
        std::fs::write(&docx_path, docx::build(&paper).expect("builds")).expect("written");
        let out = dir.path().to_str().expect("UTF-8 path");
        run(
            "soffice",
            &[
                &format!("-env:UserInstallation=file://{out}/profile"),
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                out,
                docx_path.to_str().expect("UTF-8 path"),
            ],
        );
        let pdf = dir.path().join(format!("{name}.pdf"));
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

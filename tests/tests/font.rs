//! The font the tablet prints the official paper in (`style/fonts/`, see its README) has every
//! letter Vietnamese is written with, in each of its four faces, and its licence ships with it:
//! a missing glyph would print as an empty box, or in a fallback font, in an issued paper.

use std::path::PathBuf;

fn fonts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("style")
        .join("fonts")
}

/// Every Vietnamese letter: the precomposed block U+1EA0–U+1EF9 (Ạ … ỹ) and Ă Â Đ Ê Ô Ơ Ư
/// with their lower case, plus the Latin letters and the tone-bearing vowels of Latin-1 that
/// NFC text uses (à á â ã è é ê ì í ò ó ô õ ù ú ý and capitals).
fn vietnamese() -> Vec<char> {
    let mut letters: Vec<char> = (0x1EA0..=0x1EF9).filter_map(char::from_u32).collect();
    letters.extend("ĂÂĐÊÔƠƯăâđêôơư".chars());
    letters.extend("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĩĨũŨ".chars());
    letters.extend(('a'..='z').chain('A'..='Z'));
    letters
}

#[test]
fn every_vietnamese_letter_is_in_each_face_of_the_print_font() {
    let faces = ["Regular", "Bold", "Italic", "BoldItalic"];
    for face in faces {
        let path = fonts_dir().join(format!("LiberationSerif-{face}.ttf"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let font = ttf_parser::Face::parse(&bytes, 0).expect("a TrueType font");
        let family = font
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
            .and_then(|n| n.to_string());
        assert_eq!(family.as_deref(), Some("Liberation Serif"), "{face}");
        let missing: String = vietnamese()
            .into_iter()
            .filter(|c| font.glyph_index(*c).is_none())
            .collect();
        assert!(missing.is_empty(), "{face} has no glyph for: {missing}");
        // What a reader of the paper needs beyond letters: digits, the punctuation of the
        // layouts' lines (Số: 12/TB-MTTQ; "./."), and the đồng sign.
        let other: String = "0123456789:;,./-–()\"'“”₫%"
            .chars()
            .filter(|c| font.glyph_index(*c).is_none())
            .collect();
        assert!(other.is_empty(), "{face} has no glyph for: {other}");
    }
}

#[test]
fn the_font_ships_with_its_licence_naming_its_reserved_name() {
    let licence =
        std::fs::read_to_string(fonts_dir().join("LICENSE")).expect("style/fonts/LICENSE");
    assert!(licence.contains("SIL OPEN FONT LICENSE Version 1.1"));
    assert!(licence.contains("Reserved Font Name Liberation"));
}

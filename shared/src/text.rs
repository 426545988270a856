//! Text fields: turning what a member typed into a minimal Automerge splice, and keeping the
//! caret where it was when a remote edit merges into the field being typed in.
//!
//! Positions here count Unicode scalar values, as automerge does natively; the browser counts
//! UTF-16 code units, so [`utf16_to_chars`] and [`chars_to_utf16`] convert at the edge.
//! Vietnamese in NFC is all in the Basic Multilingual Plane, but an emoji is not.

use automerge::{Automerge, Cursor, MoveCursor, ObjId, ReadDoc};

/// A splice: delete `delete` characters at `pos`, then insert `insert` there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub pos: usize,
    pub delete: usize,
    pub insert: String,
}

/// The smallest single splice that turns `old` into `new` (common prefix and suffix kept),
/// or `None` when they are equal. A keystroke becomes a one-character insert, so concurrent
/// typing elsewhere in the same field merges character by character.
pub fn diff(old: &str, new: &str) -> Option<Splice> {
    if old == new {
        return None;
    }
    let old_chars: Vec<char> = old.chars().collect();
    let new_chars: Vec<char> = new.chars().collect();
    let prefix = old_chars
        .iter()
        .zip(&new_chars)
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old_chars.len().min(new_chars.len()) - prefix;
    let suffix = old_chars
        .iter()
        .rev()
        .zip(new_chars.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    Some(Splice {
        pos: prefix,
        delete: old_chars.len() - prefix - suffix,
        insert: new_chars[prefix..new_chars.len() - suffix].iter().collect(),
    })
}

/// The first `chars` characters of `s` (all of it if shorter): a slice, found by one scan of
/// the bytes, so a list of excerpts costs no allocation per character.
pub fn excerpt(s: &str, chars: usize) -> &str {
    match s.char_indices().nth(chars) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// A UTF-16 offset (what a browser's `selectionStart` gives) as a character offset in `s`.
pub fn utf16_to_chars(s: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in s.chars().enumerate() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    s.chars().count()
}

/// A character offset in `s` as a UTF-16 offset.
pub fn chars_to_utf16(s: &str, chars: usize) -> usize {
    s.chars().take(chars).map(char::len_utf16).sum()
}

/// Where a caret sits in a text object, held across merges. It is anchored to the character
/// before it (so text a remote member inserts exactly at the caret lands after the caret
/// and does not push it) and to the character after it (for when the one before is deleted).
#[derive(Debug, Clone)]
pub struct Caret {
    before: Option<Cursor>,
    after: Cursor,
}

impl Caret {
    /// Anchor a caret at character offset `pos` of text object `obj`.
    pub fn anchor(doc: &Automerge, obj: &ObjId, pos: usize) -> Option<Caret> {
        let len = doc.length(obj);
        let pos = pos.min(len);
        let before = if pos == 0 {
            None
        } else {
            Some(
                doc.get_cursor_moving(obj, pos - 1, None, MoveCursor::Before)
                    .ok()?,
            )
        };
        let after = if pos == len {
            Cursor::End
        } else {
            doc.get_cursor_moving(obj, pos, None, MoveCursor::After)
                .ok()?
        };
        Some(Caret { before, after })
    }

    /// The caret's character offset in the document as it is now.
    pub fn resolve(&self, doc: &Automerge, obj: &ObjId) -> usize {
        let after = doc.get_cursor_position(obj, &self.after, None).unwrap_or(0);
        match &self.before {
            None => 0,
            Some(c) => match doc.get_cursor_position(obj, c, None) {
                Ok(b) => (b + 1).min(after),
                Err(_) => after,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT};

    #[test]
    fn an_excerpt_is_the_first_characters_whole() {
        assert_eq!(excerpt("Thiếu sót về hồ sơ", 5), "Thiếu");
        assert_eq!(excerpt("Tốt", 3), "Tốt");
        assert_eq!(excerpt("Tốt", 10), "Tốt");
        assert_eq!(excerpt("🙂🙂🙂", 2), "🙂🙂");
        assert_eq!(excerpt("", 4), "");
    }

    #[test]
    fn diff_finds_a_single_keystroke() {
        assert_eq!(
            diff("giám sát", "giám sáte"),
            Some(Splice {
                pos: 8,
                delete: 0,
                insert: "e".into()
            })
        );
        assert_eq!(diff("abc", "abc"), None);
        assert_eq!(
            diff("abc", "ac"),
            Some(Splice {
                pos: 1,
                delete: 1,
                insert: "".into()
            })
        );
        assert_eq!(
            diff("aaa", "aaaa"),
            Some(Splice {
                pos: 3,
                delete: 0,
                insert: "a".into()
            })
        );
        assert_eq!(
            diff("", "Đảng"),
            Some(Splice {
                pos: 0,
                delete: 0,
                insert: "Đảng".into()
            })
        );
        assert_eq!(
            diff("hạn chế", "tồn tại"),
            Some(Splice {
                pos: 0,
                delete: 7,
                insert: "tồn tại".into()
            })
        );
    }

    #[test]
    fn utf16_offsets_convert_both_ways() {
        let s = "a😀ạb";
        assert_eq!(utf16_to_chars(s, 0), 0);
        assert_eq!(utf16_to_chars(s, 3), 2);
        assert_eq!(utf16_to_chars(s, 5), 4);
        assert_eq!(chars_to_utf16(s, 2), 3);
        assert_eq!(chars_to_utf16(s, 4), 5);
    }

    fn text_doc(content: &str) -> (Automerge, ObjId) {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let t = tx.put_object(ROOT, "t", ObjType::Text).unwrap();
        tx.splice_text(&t, 0, 0, content).unwrap();
        tx.commit();
        (doc, t)
    }

    #[test]
    fn a_remote_insert_before_the_caret_moves_it_with_the_text() {
        let (mut a, t) = text_doc("hello world");
        let mut b = a.fork();
        let caret = Caret::anchor(&a, &t, 6).unwrap(); // before "world"
        let mut tx = b.transaction();
        tx.splice_text(&t, 0, 0, ">> ").unwrap();
        tx.commit();
        a.merge(&mut b).unwrap();
        assert_eq!(caret.resolve(&a, &t), 9);
    }

    #[test]
    fn a_remote_insert_at_the_caret_does_not_push_it() {
        let (mut a, t) = text_doc("abcd");
        let mut b = a.fork();
        let caret = Caret::anchor(&a, &t, 2).unwrap();
        let mut tx = b.transaction();
        tx.splice_text(&t, 2, 0, "XYZ").unwrap();
        tx.commit();
        a.merge(&mut b).unwrap();
        assert_eq!(a.text(&t).unwrap(), "abXYZcd");
        assert_eq!(caret.resolve(&a, &t), 2);
    }

    #[test]
    fn a_caret_survives_deletion_of_the_text_around_it() {
        let (mut a, t) = text_doc("abcdef");
        let mut b = a.fork();
        let caret = Caret::anchor(&a, &t, 3).unwrap();
        let mut tx = b.transaction();
        tx.splice_text(&t, 0, 4, "").unwrap();
        tx.commit();
        a.merge(&mut b).unwrap();
        assert_eq!(a.text(&t).unwrap(), "ef");
        assert_eq!(caret.resolve(&a, &t), 0);
        let end = Caret::anchor(&a, &t, 2);
        assert_eq!(end.unwrap().resolve(&a, &t), 2);
    }
}

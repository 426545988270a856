//! Text fields of any record, addressed uniformly: a finding's text or figures, a remark, a
//! session's attendees, a recommendation's text or the unit's response, a conclusion
//! paragraph. The app edits every one of them the same way (a keystroke becomes a splice)
//! and keeps the caret in whichever one is being typed in.

use automerge::{Automerge, ObjId, ReadDoc};

use crate::change::{Stamp, attribute, change};
use crate::error::ModelError;
use crate::ids::RecordId;
use crate::schema;
use crate::text::{self, Splice};

/// Which kind of record holds the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Finding,
    Remark,
    Session,
    Recommendation,
    Paragraph,
}

impl RecordKind {
    fn map(self) -> &'static str {
        match self {
            RecordKind::Finding => "findings",
            RecordKind::Remark => "remarks",
            RecordKind::Session => "sessions",
            RecordKind::Recommendation => "recommendations",
            RecordKind::Paragraph => "paragraphs",
        }
    }
}

/// One text field of one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextField {
    pub record: RecordKind,
    pub id: RecordId,
    /// "text", "figures", "attendees", "response".
    pub field: &'static str,
}

impl TextField {
    pub fn new(record: RecordKind, id: &RecordId, field: &'static str) -> Self {
        Self {
            record,
            id: id.clone(),
            field,
        }
    }

    /// The Text object.
    pub fn object(&self, doc: &impl ReadDoc) -> Result<ObjId, ModelError> {
        let map = match self.record {
            RecordKind::Paragraph => {
                let c = schema::root_object(doc, "conclusion")?;
                schema::object(doc, &c, "paragraphs").ok_or(ModelError::Missing("paragraphs"))?
            }
            other => schema::root_object(doc, other.map())?,
        };
        let rec = schema::object(doc, &map, self.id.as_str())
            .ok_or_else(|| ModelError::NoSuchRecord(self.id.to_string()))?;
        schema::object(doc, &rec, self.field).ok_or(ModelError::Missing(self.field))
    }

    /// The field's text now.
    pub fn read(&self, doc: &impl ReadDoc) -> Result<String, ModelError> {
        let obj = self.object(doc)?;
        Ok(doc.text(&obj)?)
    }
}

/// A text field being typed in: its Text object found once (an object's id never changes),
/// and the actor already attributed to the member remembered, so a keystroke costs one
/// splice and one commit — no walk from the root, no read of the attribution map. The app
/// keeps one per focused field; [`splice`] and [`set`] make a fresh one each call.
///
/// Keystroke commits carry their time but no message (one change per keystroke: a message
/// on each would only grow the document; nothing reads them).
#[derive(Debug, Clone)]
pub struct Focus {
    pub field: TextField,
    obj: ObjId,
    /// The actor and member this document's attribution map is known to hold.
    attributed: Option<(automerge::ActorId, String)>,
}

impl Focus {
    /// Find the field's Text object.
    pub fn new(doc: &impl ReadDoc, field: &TextField) -> Result<Self, ModelError> {
        Ok(Self {
            obj: field.object(doc)?,
            field: field.clone(),
            attributed: None,
        })
    }

    /// The field's text now.
    pub fn read(&self, doc: &impl ReadDoc) -> Result<String, ModelError> {
        Ok(doc.text(&self.obj)?)
    }

    /// Apply one splice.
    pub fn splice(
        &mut self,
        doc: &mut Automerge,
        edit: &Splice,
        stamp: Stamp<'_>,
    ) -> Result<(), ModelError> {
        let len = doc.length(&self.obj);
        if edit.pos > len || edit.pos + edit.delete > len {
            return Err(ModelError::BadValue { field: "text" });
        }
        let actor = doc.get_actor().clone();
        let known = self
            .attributed
            .as_ref()
            .is_some_and(|(a, m)| *a == actor && m == stamp.member);
        let mut tx = doc.transaction();
        automerge::transaction::Transactable::splice_text(
            &mut tx,
            &self.obj,
            edit.pos,
            edit.delete as isize,
            &edit.insert,
        )?;
        if !known {
            attribute(&mut tx, &actor.to_hex_string(), stamp)?;
        }
        tx.commit_with(
            automerge::transaction::CommitOptions::default().with_time(stamp.now_ms / 1000),
        );
        if !known {
            self.attributed = Some((actor, stamp.member.to_owned()));
        }
        Ok(())
    }

    /// Make the field read `new`, as the smallest splice. Returns whether anything changed.
    pub fn set(
        &mut self,
        doc: &mut Automerge,
        new: &str,
        stamp: Stamp<'_>,
    ) -> Result<bool, ModelError> {
        let old = self.read(doc)?;
        match text::diff(&old, new) {
            None => Ok(false),
            Some(edit) => self.splice(doc, &edit, stamp).map(|()| true),
        }
    }
}

/// Apply one splice to a text field.
pub fn splice(
    doc: &mut Automerge,
    field: &TextField,
    edit: &Splice,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    Focus::new(doc, field)?.splice(doc, edit, stamp)
}

/// Make a text field read `new`, as the smallest splice. Returns whether anything changed.
pub fn set(
    doc: &mut Automerge,
    field: &TextField,
    new: &str,
    stamp: Stamp<'_>,
) -> Result<bool, ModelError> {
    Focus::new(doc, field)?.set(doc, new, stamp)
}

/// Put one scalar string on a record (a status, a date, a kind), attributed.
pub(crate) fn put_scalar(
    doc: &mut Automerge,
    obj: &ObjId,
    key: &'static str,
    value: &str,
    message: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    change(doc, stamp, message, |tx| {
        automerge::transaction::Transactable::put(tx, obj, key, value)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conclusion::{self, Section};
    use crate::supervision::{self, Setup, member_of_actor};
    use automerge::ActorId;

    fn stamp(member: &str) -> Stamp<'_> {
        Stamp {
            member,
            now_ms: 1_700_000_000_000,
        }
    }

    fn with_paragraph(actor: &[u8]) -> (Automerge, TextField) {
        let mut doc = supervision::create_as(
            Automerge::new().with_actor(ActorId::from(actor)),
            &Setup::default(),
            stamp("Lan"),
        )
        .unwrap();
        let id = RecordId::from_key("p1");
        conclusion::add_paragraph(&mut doc, &id, Section::Strengths, None, "", stamp("Lan"))
            .unwrap();
        (doc, TextField::new(RecordKind::Paragraph, &id, "text"))
    }

    #[test]
    fn a_focused_field_types_attributes_once_and_follows_a_new_actor_or_member() {
        let (mut doc, field) = with_paragraph(b"tablet-1");
        let mut focus = Focus::new(&doc, &field).unwrap();
        for (i, c) in "Tốt".chars().enumerate() {
            let edit = Splice {
                pos: i,
                delete: 0,
                insert: c.to_string(),
            };
            focus.splice(&mut doc, &edit, stamp("Lan")).unwrap();
        }
        assert_eq!(field.read(&doc).unwrap(), "Tốt");
        let hex = |b: &[u8]| ActorId::from(b).to_hex_string();
        assert_eq!(
            member_of_actor(&doc, &hex(b"tablet-1")).as_deref(),
            Some("Lan")
        );

        // Another page load of the tablet (a new actor) is attributed at its first keystroke.
        doc.set_actor(ActorId::from(&b"tablet-2"[..]));
        focus.set(&mut doc, "Tốt lắm", stamp("Lan")).unwrap();
        assert_eq!(
            member_of_actor(&doc, &hex(b"tablet-2")).as_deref(),
            Some("Lan")
        );
        assert_eq!(field.read(&doc).unwrap(), "Tốt lắm");
    }

    #[test]
    fn a_focus_survives_a_merge_of_someone_elses_typing() {
        let (mut lan, field) = with_paragraph(b"lan");
        let mut minh = lan.fork().with_actor(ActorId::from(&b"minh"[..]));
        let mut focus = Focus::new(&lan, &field).unwrap();
        focus
            .set(&mut lan, "Ban hành kịp thời.", stamp("Lan"))
            .unwrap();
        set(&mut minh, &field, "Đầy đủ.", stamp("Minh")).unwrap();
        lan.merge(&mut minh).unwrap();
        let merged = field.read(&lan).unwrap();
        assert!(
            merged.contains("Ban hành kịp thời.") && merged.contains("Đầy đủ."),
            "{merged}"
        );
        // Still typing into the same object after the merge.
        let end = merged.chars().count();
        focus
            .splice(
                &mut lan,
                &Splice {
                    pos: end,
                    delete: 0,
                    insert: "!".into(),
                },
                stamp("Lan"),
            )
            .unwrap();
        assert_eq!(field.read(&lan).unwrap(), format!("{merged}!"));
        // A splice past the end is refused and changes nothing.
        let heads = lan.get_heads();
        let past = Splice {
            pos: end + 5,
            delete: 0,
            insert: "x".into(),
        };
        assert!(focus.splice(&mut lan, &past, stamp("Lan")).is_err());
        assert_eq!(lan.get_heads(), heads);
    }
}

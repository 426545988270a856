//! The catalogue: how a member learns which supervisions exist.
//!
//! automerge-repo has no "list documents", so the list is itself a document, synced like any
//! other: `supervisions: { <DocumentId>: { title, created_at } }`. The server creates one per
//! deployment at first start and tells clients its id (`GET /api/catalogue`); once accounts
//! exist there will be one per delegation. A member who creates a supervision adds an entry;
//! entries are keyed by document id, so concurrent additions never collide.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc};

use crate::error::ModelError;
use crate::ids::DocumentId;
use crate::schema;

/// One supervision as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: DocumentId,
    pub title: String,
    pub created_at: i64,
}

/// List `id` with `title`; an existing entry only has its title refreshed when it changed.
pub fn list(
    doc: &mut Automerge,
    id: DocumentId,
    title: &str,
    now_ms: i64,
) -> Result<(), ModelError> {
    let sups = schema::root_object(doc, "supervisions")?;
    let key = id.to_string();
    let existing = schema::object(doc, &sups, &key);
    if let Some(e) = &existing {
        if schema::string(doc, e, "title").as_deref() == Some(title) {
            return Ok(());
        }
    }
    let mut tx = doc.transaction();
    let entry = match existing {
        Some(e) => e,
        None => {
            let e = tx.put_object(&sups, &key, ObjType::Map)?;
            tx.put(&e, "created_at", now_ms)?;
            e
        }
    };
    tx.put(&entry, "title", title)?;
    tx.commit_with(schema::commit_options("cập nhật danh mục", now_ms));
    Ok(())
}

/// Every listed supervision, newest first. Entries whose key is not a document id are skipped.
pub fn entries(doc: &impl ReadDoc) -> Result<Vec<Entry>, ModelError> {
    let sups = schema::root_object(doc, "supervisions")?;
    let mut out: Vec<Entry> = doc
        .keys(&sups)
        .filter_map(|key| {
            let id = key.parse::<DocumentId>().ok()?;
            let e = schema::object(doc, &sups, &key)?;
            Some(Entry {
                id,
                title: schema::string(doc, &e, "title").unwrap_or_default(),
                created_at: schema::int(doc, &e, "created_at").unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.title.cmp(&b.title)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_members_listing_supervisions_offline_both_appear() {
        let mut a = schema::new_catalogue(0).unwrap();
        let mut b = a.fork();
        list(
            &mut a,
            DocumentId::from_bytes([1; 16]),
            "Giám sát phường A",
            10,
        )
        .unwrap();
        list(
            &mut b,
            DocumentId::from_bytes([2; 16]),
            "Kiểm tra phường B",
            20,
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        let titles: Vec<_> = entries(&a).unwrap().into_iter().map(|e| e.title).collect();
        assert_eq!(titles, ["Kiểm tra phường B", "Giám sát phường A"]);
    }

    #[test]
    fn relisting_with_the_same_title_makes_no_change() {
        let mut a = schema::new_catalogue(0).unwrap();
        let id = DocumentId::from_bytes([1; 16]);
        list(&mut a, id, "X", 10).unwrap();
        let heads = a.get_heads();
        list(&mut a, id, "X", 11).unwrap();
        assert_eq!(a.get_heads(), heads);
        list(&mut a, id, "Y", 12).unwrap();
        assert_eq!(entries(&a).unwrap()[0].title, "Y");
        assert_eq!(entries(&a).unwrap()[0].created_at, 10);
    }
}

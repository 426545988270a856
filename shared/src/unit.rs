//! The units supervised (đối tượng giám sát): a ward Party committee, a court, a company.
//!
//! Shape: `units: { <RecordId>: { name, created_by, created_at } }` and `unit_order: [RecordId]`.
//! Keyed by random id, so two members adding units offline keep both.

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};

use crate::change::{Stamp, change};
use crate::error::ModelError;
use crate::ids::RecordId;
use crate::schema;

/// One unit under supervision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub id: RecordId,
    /// "Đảng ủy phường Thanh Khê Tây"
    pub name: String,
    pub created_by: String,
}

/// Add a unit named `name` with the id the caller drew.
pub fn add(
    doc: &mut Automerge,
    id: &RecordId,
    name: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    change(doc, stamp, "thêm đơn vị", |tx| {
        let unit = schema::new_record(tx, "units", "unit_order", id.as_str())?;
        tx.put(&unit, "name", name.trim())?;
        tx.put(&unit, "created_by", stamp.member)?;
        tx.put(&unit, "created_at", stamp.now_ms)?;
        Ok(())
    })
}

/// All units, in display order. Units present in the map but missing from the order list
/// (never expected, but a reader must not hide data) come last, by id.
pub fn read_all(doc: &impl ReadDoc) -> Result<Vec<Unit>, ModelError> {
    Ok(schema::ordered_records(doc, "units", "unit_order")?
        .into_iter()
        .map(|(id, obj)| {
            let f = schema::Fields::of(doc, &obj);
            Unit {
                name: f.string(doc, "name").unwrap_or_default(),
                created_by: f.string(doc, "created_by").unwrap_or_default(),
                id: RecordId::from_key(&id),
            }
        })
        .collect())
}

//! The delegation's members as the supervision records them: name, role and title
//! ("Phó Chủ tịch Ủy ban MTTQ quận"): the names the conclusion and the documents print. The
//! same [`Role`]s are what the server's membership database grants access by: every role
//! but observer writes, head and deputy manage the delegation.
//!
//! Shape: `members: { <RecordId>: { name, role, title } }`, `member_order: [RecordId]`.

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};

use crate::change::{Stamp, change};
use crate::error::ModelError;
use crate::ids::RecordId;
use crate::schema::{self, Choice};

/// A member's role in the delegation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Trưởng đoàn.
    Head,
    /// Phó trưởng đoàn.
    Deputy,
    /// Thành viên.
    #[default]
    Member,
    /// Thư ký.
    Secretary,
    /// Quan sát viên: reads, does not write (the server enforces it).
    Observer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Head,
        Role::Deputy,
        Role::Member,
        Role::Secretary,
        Role::Observer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Head => "head",
            Role::Deputy => "deputy",
            Role::Member => "member",
            Role::Secretary => "secretary",
            Role::Observer => "observer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// May write the delegation's supervisions (everyone but an observer).
    pub fn writes(self) -> bool {
        self != Role::Observer
    }

    /// May manage the delegation's membership and invitations (head and deputy).
    pub fn manages(self) -> bool {
        matches!(self, Role::Head | Role::Deputy)
    }
}

/// One member of the delegation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DelegationMember {
    pub id: RecordId,
    pub name: String,
    pub role: Role,
    /// The role as stored, with any value another member set concurrently.
    pub role_choice: Choice,
    pub title: String,
}

/// Add a member.
pub fn add(
    doc: &mut Automerge,
    id: &RecordId,
    name: &str,
    role: Role,
    title: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    change(doc, stamp, "thêm thành viên đoàn", |tx| {
        let m = schema::new_record(tx, "members", "member_order", id.as_str())?;
        tx.put(&m, "name", name.trim())?;
        tx.put(&m, "role", role.as_str())?;
        tx.put(&m, "title", title.trim())?;
        Ok(())
    })
}

/// Change a member's role.
pub fn set_role(
    doc: &mut Automerge,
    id: &RecordId,
    role: Role,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let m = schema::record(doc, "members", id.as_str())?;
    change(doc, stamp, "đổi vai trò", |tx| {
        tx.put(&m, "role", role.as_str())?;
        Ok(())
    })
}

/// Remove a member from the delegation's list.
pub fn remove(doc: &mut Automerge, id: &RecordId, stamp: Stamp<'_>) -> Result<(), ModelError> {
    schema::record(doc, "members", id.as_str())?;
    change(doc, stamp, "bớt thành viên đoàn", |tx| {
        let m = schema::root_object(&*tx, "members")?;
        tx.delete(&m, id.as_str())?;
        Ok(())
    })
}

/// Every member, in order.
pub fn read_all(doc: &impl ReadDoc) -> Result<Vec<DelegationMember>, ModelError> {
    Ok(schema::ordered_records(doc, "members", "member_order")?
        .into_iter()
        .map(|(id, obj)| {
            let m = schema::Fields::of(doc, &obj);
            let role_choice = m.choice(doc, "role");
            DelegationMember {
                name: m.string(doc, "name").unwrap_or_default(),
                role: Role::parse(&role_choice.value).unwrap_or_default(),
                role_choice,
                title: m.string(doc, "title").unwrap_or_default(),
                id: RecordId::from_key(&id),
            }
        })
        .collect())
}

//! Reading a whole supervision into plain values ([`read`], [`Supervision`]), and a reading
//! kept up to date ([`Reading`]).
//!
//! A supervision read once, then kept up to date by reading again only the records a change
//! touched — what a remote keystroke costs on a 500-finding supervision is one finding read,
//! not the ~100 ms of a whole read (BENCHMARKS.md, "Big supervision").
//!
//! What a change touched comes from the objects its operations wrote (the sync client notes
//! them while it merges, see `SyncClient::with_touched` and [`crate::touched`]), from
//! Automerge's patches ([`Reading::apply`]), or, for the member's own typing, from the field
//! typed in. Anything this module does not follow record by record (a record added, deleted or
//! reordered, the set-up, members, units, sessions) re-reads that part whole; a write that
//! fits nothing known re-reads everything. A reading is tied to the heads it was made at: told
//! of a merge from other heads, it reads everything again rather than guess.

use std::collections::{BTreeSet, VecDeque};

use automerge::{Automerge, ChangeHash, Patch, PatchAction, Prop};

use crate::conclusion::{self, Paragraph};
use crate::error::ModelError;
use crate::field::{RecordKind, TextField};
use crate::finding::{self, Finding};
use crate::ids::RecordId;
use crate::member::{self, DelegationMember};
use crate::recommendation::{self, Recommendation};
use crate::schema::{self, DocKind};
use crate::session::{self, Remark, WorkingSession};
use crate::supervision::{self, Setup};
use crate::touched::{Touch, Touched};
use crate::unit::{self, Unit};

/// A whole supervision document, read into plain values for display.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Supervision {
    pub setup: Setup,
    pub created_at: i64,
    pub created_by: String,
    /// The regulations and topics examined.
    pub topics: Vec<String>,
    pub members: Vec<DelegationMember>,
    pub units: Vec<Unit>,
    pub sessions: Vec<WorkingSession>,
    pub remarks: Vec<Remark>,
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
    pub conclusion: Vec<Paragraph>,
}

impl Supervision {
    /// The live findings about one unit, in document order.
    pub fn findings_of<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |f| f.unit.as_str() == unit && !f.deleted)
    }

    /// A finding by id.
    pub fn finding(&self, id: &RecordId) -> Option<&Finding> {
        self.findings.iter().find(|f| &f.id == id)
    }

    /// A conclusion paragraph by id.
    pub fn paragraph(&self, id: &RecordId) -> Option<&Paragraph> {
        self.conclusion.iter().find(|p| &p.id == id)
    }

    /// A recommendation by id.
    pub fn recommendation(&self, id: &RecordId) -> Option<&Recommendation> {
        self.recommendations.iter().find(|r| &r.id == id)
    }
}

/// Read a whole supervision document.
pub fn read(doc: &Automerge) -> Result<Supervision, ModelError> {
    if schema::doc_kind(doc)? != DocKind::Supervision {
        return Err(ModelError::Missing("setup"));
    }
    let s = schema::root_object(doc, "setup")?;
    Ok(Supervision {
        setup: supervision::read_setup(doc)?,
        created_at: schema::int(doc, &s, "created_at").unwrap_or_default(),
        created_by: schema::string(doc, &s, "created_by").unwrap_or_default(),
        topics: supervision::read_topics(doc)?,
        members: member::read_all(doc)?,
        units: unit::read_all(doc)?,
        sessions: session::read_all(doc)?,
        remarks: session::read_remarks(doc)?,
        findings: finding::read_all(doc)?,
        recommendations: recommendation::read_all(doc)?,
        conclusion: conclusion::read(doc)?,
    })
}

/// A supervision as read at `heads`.
#[derive(Debug, Clone)]
pub struct Reading {
    heads: Vec<ChangeHash>,
    pub supervision: Supervision,
    /// Bumped by every update; `log` holds the latest updates' deltas, oldest first.
    version: u64,
    log: VecDeque<(u64, Delta)>,
}

/// The parts of a supervision one patch can send back to be read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Setup,
    Topics,
    Members,
    Units,
    Sessions,
    Remarks,
    Findings,
    Recommendations,
    Conclusion,
}

/// What one update of a reading read again: everything, whole parts, or single records (by
/// id). A view holding a copy of the reading applies the same to its copy
/// ([`Reading::update_copy`]) instead of copying the whole supervision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub everything: bool,
    pub parts: BTreeSet<Part>,
    pub findings: BTreeSet<String>,
    pub recommendations: BTreeSet<String>,
    pub paragraphs: BTreeSet<String>,
}

impl Delta {
    /// Everything read again (or to be copied whole).
    pub fn everything() -> Delta {
        Delta {
            everything: true,
            ..Delta::default()
        }
    }
}

/// How many updates a reading remembers for [`Reading::update_copy`]; a copy further behind
/// is copied whole.
const REMEMBERED: usize = 32;

impl Reading {
    /// Read the whole supervision.
    pub fn new(doc: &Automerge) -> Result<Reading, ModelError> {
        Ok(Reading {
            heads: doc.get_heads(),
            supervision: read(doc)?,
            version: 0,
            log: VecDeque::new(),
        })
    }

    /// A reading made earlier at `heads` (one the tablet kept: the `kept` module).
    pub fn at(heads: Vec<ChangeHash>, supervision: Supervision) -> Reading {
        Reading {
            heads,
            supervision,
            version: 0,
            log: VecDeque::new(),
        }
    }

    /// Bumped by every update.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Read everything again (the reading was behind, or a change touched what is not
    /// followed record by record).
    pub fn refresh(&mut self, doc: &Automerge) -> Result<(), ModelError> {
        self.read_all_again(doc)
    }

    fn read_all_again(&mut self, doc: &Automerge) -> Result<(), ModelError> {
        self.read_again(doc, Delta::everything())
    }

    /// What changed since version `seen`, merged, if this reading still remembers.
    pub fn since(&self, seen: u64) -> Option<Delta> {
        if seen == self.version {
            return Some(Delta::default());
        }
        let first = self.log.front()?.0;
        if seen + 1 < first || seen > self.version {
            return None;
        }
        let mut all = Delta::default();
        for (_, d) in self.log.iter().filter(|(v, _)| *v > seen) {
            all.everything |= d.everything;
            all.parts.extend(d.parts.iter().copied());
            all.findings.extend(d.findings.iter().cloned());
            all.recommendations
                .extend(d.recommendations.iter().cloned());
            all.paragraphs.extend(d.paragraphs.iter().cloned());
        }
        Some(all)
    }

    /// Bring `copy`, a copy of this reading's supervision as it was at version `seen`, up to
    /// this reading: only what changed is cloned. Returns what was applied (everything when
    /// the reading no longer remembers `seen`).
    pub fn update_copy(&self, copy: &mut Supervision, seen: u64) -> Delta {
        let Some(delta) = self.since(seen).filter(|d| !d.everything) else {
            *copy = self.supervision.clone();
            return Delta::everything();
        };
        let s = &self.supervision;
        for part in &delta.parts {
            match part {
                Part::Setup => {
                    copy.setup = s.setup.clone();
                    copy.created_at = s.created_at;
                    copy.created_by = s.created_by.clone();
                }
                Part::Topics => copy.topics = s.topics.clone(),
                Part::Members => copy.members = s.members.clone(),
                Part::Units => copy.units = s.units.clone(),
                Part::Sessions => copy.sessions = s.sessions.clone(),
                Part::Remarks => copy.remarks = s.remarks.clone(),
                Part::Findings => copy.findings = s.findings.clone(),
                Part::Recommendations => copy.recommendations = s.recommendations.clone(),
                Part::Conclusion => copy.conclusion = s.conclusion.clone(),
            }
        }
        if !delta.parts.contains(&Part::Findings) {
            replace_by_id(&mut copy.findings, &s.findings, &delta.findings, |f| {
                f.id.as_str()
            });
        }
        if !delta.parts.contains(&Part::Recommendations) {
            replace_by_id(
                &mut copy.recommendations,
                &s.recommendations,
                &delta.recommendations,
                |r| r.id.as_str(),
            );
        }
        if !delta.parts.contains(&Part::Conclusion) {
            replace_by_id(
                &mut copy.conclusion,
                &s.conclusion,
                &delta.paragraphs,
                |p| p.id.as_str(),
            );
        }
        delta
    }

    /// The heads this reading is of.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.heads
    }

    /// `doc` moved from `before` to its current heads, with `patches` saying what changed.
    /// The app follows merges with [`Reading::follow`]; this is what the tests and the
    /// `big_supervision` bench hold it against.
    pub fn apply(
        &mut self,
        doc: &Automerge,
        before: &[ChangeHash],
        patches: &[Patch],
    ) -> Result<(), ModelError> {
        if before != self.heads.as_slice() {
            return self.read_all_again(doc);
        }
        let mut touched = Delta::default();
        for patch in patches {
            touched.note(patch);
        }
        self.read_again(doc, touched)
    }

    /// `doc`, at `before` until then, merged changes that wrote `touched`
    /// ([`crate::touched`]; `None`: what they wrote is not known, so everything is read).
    pub fn follow(
        &mut self,
        doc: &Automerge,
        before: &[ChangeHash],
        touched: Option<&[Touched]>,
    ) -> Result<(), ModelError> {
        let (Some(written), true) = (touched, before == self.heads.as_slice()) else {
            return self.read_all_again(doc);
        };
        let mut delta = Delta::default();
        for t in written {
            delta.note_touched(t);
        }
        self.read_again(doc, delta)
    }

    /// The member typed in `field` of `doc`, which was at `before` until then.
    pub fn typed(
        &mut self,
        doc: &Automerge,
        before: &[ChangeHash],
        field: &TextField,
    ) -> Result<(), ModelError> {
        if before != self.heads.as_slice() {
            return self.read_all_again(doc);
        }
        let mut touched = Delta::default();
        let id = field.id.as_str().to_owned();
        match field.record {
            RecordKind::Finding => touched.findings.insert(id),
            RecordKind::Recommendation => touched.recommendations.insert(id),
            RecordKind::Paragraph => touched.paragraphs.insert(id),
            RecordKind::Remark => touched.parts.insert(Part::Remarks),
            RecordKind::Session => touched.parts.insert(Part::Sessions),
        };
        self.read_again(doc, touched)
    }

    /// Read again what `touched` names, and remember it as this update's delta (with any part
    /// that had to be read whole instead of record by record).
    fn read_again(&mut self, doc: &Automerge, mut touched: Delta) -> Result<(), ModelError> {
        let read = self.read_touched(doc, &mut touched);
        self.heads = doc.get_heads();
        self.version += 1;
        self.log.push_back((self.version, touched));
        if self.log.len() > REMEMBERED {
            self.log.pop_front();
        }
        read
    }

    fn read_touched(&mut self, doc: &Automerge, touched: &mut Delta) -> Result<(), ModelError> {
        if touched.everything {
            self.supervision = read(doc)?;
            return Ok(());
        }
        let s = &mut self.supervision;
        for part in &touched.parts {
            match part {
                Part::Setup => {
                    let setup = schema::root_object(doc, "setup")?;
                    s.setup = supervision::read_setup(doc)?;
                    s.created_at = schema::int(doc, &setup, "created_at").unwrap_or_default();
                    s.created_by = schema::string(doc, &setup, "created_by").unwrap_or_default();
                }
                Part::Topics => s.topics = supervision::read_topics(doc)?,
                Part::Members => s.members = member::read_all(doc)?,
                Part::Units => s.units = unit::read_all(doc)?,
                Part::Sessions => s.sessions = session::read_all(doc)?,
                Part::Remarks => s.remarks = session::read_remarks(doc)?,
                Part::Findings => s.findings = finding::read_all(doc)?,
                Part::Recommendations => s.recommendations = recommendation::read_all(doc)?,
                Part::Conclusion => s.conclusion = conclusion::read(doc)?,
            }
        }
        if !touched.parts.contains(&Part::Findings) && !touched.findings.is_empty() {
            let map = schema::root_object(doc, "findings")?;
            let deleted: BTreeSet<String> = s
                .findings
                .iter()
                .filter(|f| f.deleted)
                .map(|f| f.id.as_str().to_owned())
                .collect();
            for id in touched.findings.clone() {
                let slot = s.findings.iter_mut().find(|f| f.id.as_str() == id);
                match (slot, finding::read_record(doc, &map, id, &deleted)) {
                    (Some(slot), Some(f)) => *slot = f,
                    _ => {
                        s.findings = finding::read_all(doc)?;
                        touched.parts.insert(Part::Findings);
                        break;
                    }
                }
            }
        }
        if !touched.parts.contains(&Part::Recommendations) && !touched.recommendations.is_empty() {
            let map = schema::root_object(doc, "recommendations")?;
            for id in touched.recommendations.clone() {
                let slot = s.recommendations.iter_mut().find(|r| r.id.as_str() == id);
                match (slot, recommendation::read_record(doc, &map, id)) {
                    (Some(slot), Some(r)) => *slot = r,
                    _ => {
                        s.recommendations = recommendation::read_all(doc)?;
                        touched.parts.insert(Part::Recommendations);
                        break;
                    }
                }
            }
        }
        if !touched.parts.contains(&Part::Conclusion) && !touched.paragraphs.is_empty() {
            let (map, _) = conclusion::paragraphs_obj(doc)?;
            for id in touched.paragraphs.clone() {
                let slot = s.conclusion.iter_mut().find(|p| p.id.as_str() == id);
                match (slot, conclusion::read_paragraph(doc, &map, id)) {
                    // Same section: the paragraph keeps its place.
                    (Some(slot), Some(p)) if p.section == slot.section => *slot = p,
                    // A deleted paragraph that was not shown stays unshown.
                    (None, None) => {}
                    _ => {
                        s.conclusion = conclusion::read(doc)?;
                        touched.parts.insert(Part::Conclusion);
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Delta {
    /// Which records `patch` touched. `patch.path` leads from the root to the object patched.
    fn note(&mut self, patch: &Patch) {
        let touch = match &patch.action {
            PatchAction::PutMap { key, .. } => Touch::Put(key.clone()),
            _ => Touch::Other,
        };
        let path = patch.path.iter().map(|(_, prop)| prop.clone()).collect();
        self.note_touched(&Touched { path, touch });
    }

    /// Which records an object written touched (`t.path` leads from the root to it).
    fn note_touched(&mut self, t: &Touched) {
        let key = |i: usize| match t.path.get(i) {
            Some(Prop::Map(k)) => Some(k.as_str()),
            _ => None,
        };
        let put = |name: &str| matches!(&t.touch, Touch::Put(k) if k == name);
        // A key put on the record's own map (`deleted`, `section`, `unit`…) may move it
        // between lists; only what sits inside a record's fields is read record by record.
        let puts_on_record = |depth: usize| t.path.len() == depth && t.touch != Touch::Other;
        let Some(top) = key(0) else {
            // A key of the root itself: that part whole.
            match &t.touch {
                Touch::Put(key) => {
                    // Keys no reading shows (actors, issued versions…) need nothing read.
                    if let Some(part) = part_of(key) {
                        self.parts.insert(part);
                    }
                }
                Touch::Other => self.everything = true,
            }
            return;
        };
        let record = key(1).map(str::to_owned);
        match (top, record) {
            ("findings", Some(id)) if t.path.len() >= 2 => {
                // `deleted` changes which causes show their links: every finding again.
                if t.path.len() == 2 && put("deleted") {
                    self.parts.insert(Part::Findings);
                } else {
                    self.findings.insert(id);
                }
            }
            ("recommendations", Some(id)) if t.path.len() >= 2 => {
                if t.path.len() == 2 && put("deleted") {
                    self.parts.insert(Part::Recommendations);
                } else {
                    self.recommendations.insert(id);
                }
            }
            ("conclusion", Some(p)) if p == "paragraphs" && t.path.len() >= 3 => match key(2) {
                // A paragraph's text written as a whole is read paragraph by paragraph.
                Some(id) if !puts_on_record(3) || put("text") => {
                    self.paragraphs.insert(id.to_owned());
                }
                _ => {
                    self.parts.insert(Part::Conclusion);
                }
            },
            (top, _) => {
                if let Some(part) = part_of(top) {
                    self.parts.insert(part);
                }
            }
        }
    }
}

/// Replace, in `copy`, the records of `from` whose ids are in `ids` (same positions: a reading
/// updates records in place). A record `copy` lacks is appended where `from` has it.
fn replace_by_id<T: Clone>(
    copy: &mut Vec<T>,
    from: &[T],
    ids: &BTreeSet<String>,
    id_of: impl Fn(&T) -> &str,
) {
    if ids.is_empty() {
        return;
    }
    if copy.len() != from.len() {
        *copy = from.to_vec();
        return;
    }
    for (i, record) in from.iter().enumerate() {
        if ids.contains(id_of(record)) {
            copy[i] = record.clone();
        }
    }
}

/// The part a root key belongs to, if a reading shows it.
fn part_of(root_key: &str) -> Option<Part> {
    Some(match root_key {
        "setup" => Part::Setup,
        "topics" => Part::Topics,
        "members" | "member_order" => Part::Members,
        "units" | "unit_order" => Part::Units,
        "sessions" | "session_order" => Part::Sessions,
        "remarks" | "remark_order" => Part::Remarks,
        "findings" | "finding_order" => Part::Findings,
        "recommendations" | "recommendation_order" => Part::Recommendations,
        "conclusion" => Part::Conclusion,
        _ => return None,
    })
}

#[cfg(test)]
#[path = "reading_tests.rs"]
mod tests;

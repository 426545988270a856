//! Issuing a conclusion (ban hành): each issued version is the document's heads at the
//! moment of issuing plus the letterhead the head filled in, kept for good.
//!
//! Shape in the document: one root key per issuance, `issued/<RecordId>`, holding the
//! record as one JSON string, and `superseded/<RecordId>` when the head has set one aside.
//! An issued version never changes, so one scalar is the right shape: it cannot be half
//! merged; and a key of its own per issuance means two members issuing offline both keep
//! theirs (schema.rs: no container is ever made after a document's creation).
//!
//! The printed text of a version is read from the document *as it was* at its heads
//! (`fork_at`), so later edits change the draft, never an issued version, and any member
//! holding the document can export any version offline.
//!
//! Versions are numbered by time of issue. Each issuance names the version it replaces (the
//! current one on the issuer's tablet); two that replace the same one were issued without
//! knowing of each other: both are kept and shown as concurrent until the head marks one
//! superseded. Never a silent pick between two issued texts.

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::layout::LayoutId;
use super::paper::{Authority, Paper, PaperSection, conclusion_body};
use crate::change::{Stamp, change};
use crate::conclusion;
use crate::error::ModelError;
use crate::ids::{DocumentId, RecordId};
use crate::schema;

const ISSUED: &str = "issued/";
const SUPERSEDED: &str = "superseded/";

/// Everything on the paper that is not the body: what the head fills in on *Ban hành*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Letterhead {
    pub layout: LayoutId,
    pub superior: String,
    pub issuer: String,
    /// `None`: left for the office clerk ("Số:      /TB-MTTQ").
    pub number: Option<String>,
    pub code: String,
    pub place: String,
    pub date: (i32, u32, u32),
    pub doc_type: String,
    pub summary: String,
    pub authority: Authority,
    pub for_body: String,
    pub signer_title: String,
    pub signer_name: String,
    pub recipients: Vec<String>,
}

impl Letterhead {
    /// The paper of `doc`'s conclusion as it stands in `doc`, under this letterhead.
    pub fn paper(&self, doc: &impl ReadDoc, draft: bool) -> Result<Paper, ModelError> {
        let layout = self.layout.layout()?;
        let paragraphs = conclusion::read(doc)?;
        let (opening, sections) = conclusion_body(&layout, &paragraphs);
        Ok(self.clone().over(opening, sections, draft))
    }

    /// A paper under this letterhead, with this body.
    pub fn over(self, opening: Vec<String>, sections: Vec<PaperSection>, draft: bool) -> Paper {
        Paper {
            layout: self.layout,
            superior: self.superior,
            issuer: self.issuer,
            number: self.number,
            code: self.code,
            place: self.place,
            date: self.date,
            doc_type: self.doc_type,
            summary: self.summary,
            opening,
            sections,
            authority: self.authority,
            for_body: self.for_body,
            signer_title: self.signer_title,
            signer_name: self.signer_name,
            recipients: self.recipients,
            counter_signer: None,
            draft,
            check: None,
        }
    }
}

/// One issuance as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuance {
    pub letterhead: Letterhead,
    /// The document's heads when it was issued (hex): its text is the text there.
    pub heads: Vec<String>,
    /// The version that was current on the issuer's tablet, if any.
    pub replaces: Option<String>,
    /// The short code printed on the paper (and in its QR code) to check a copy.
    pub code: String,
    /// SHA-256 (hex) of the printed lines, one per line: what a check compares.
    pub fingerprint: String,
    pub issued_by: String,
    pub issued_at: i64,
}

impl Issuance {
    /// The heads as automerge hashes.
    pub fn change_hashes(&self) -> Result<Vec<ChangeHash>, ModelError> {
        self.heads
            .iter()
            .map(|h| {
                h.parse::<ChangeHash>()
                    .map_err(|_| ModelError::BadValue { field: "heads" })
            })
            .collect()
    }
}

/// One issued version as members see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedVersion {
    pub id: RecordId,
    /// 1, 2, … by time of issue.
    pub number: usize,
    pub issuance: Issuance,
    /// Set aside by the head (who, when).
    pub superseded: Option<(String, i64)>,
    /// Other versions issued without knowing of this one, that nobody has set aside yet.
    pub concurrent: Vec<RecordId>,
}

/// Issue the conclusion of `doc` (whose id is `doc_id`) as it stands: record the heads and
/// the letterhead. `id` comes from the caller's randomness (shared has none). Returns the
/// new version's id.
pub fn issue(
    doc: &mut Automerge,
    doc_id: &DocumentId,
    letterhead: &Letterhead,
    id: &RecordId,
    stamp: Stamp<'_>,
) -> Result<RecordId, ModelError> {
    letterhead.layout.layout()?;
    let paper = letterhead.paper(doc, false)?;
    let fingerprint = fingerprint(&paper)?;
    let code = code_for(doc_id, id, &fingerprint);
    let replaces = current(&versions(doc)?).map(|v| v.id.as_str().to_owned());
    let issuance = Issuance {
        letterhead: letterhead.clone(),
        heads: doc.get_heads().iter().map(ToString::to_string).collect(),
        replaces,
        code,
        fingerprint,
        issued_by: stamp.member.to_owned(),
        issued_at: stamp.now_ms,
    };
    let json = serde_json::to_string(&issuance).map_err(|e| ModelError::Export(e.to_string()))?;
    change(doc, stamp, "ban hành kết luận", |tx| {
        tx_put(tx, &format!("{ISSUED}{}", id.as_str()), &json)
    })?;
    Ok(id.clone())
}

/// The head sets a version aside (of two issued concurrently, the one that does not stand).
pub fn supersede(doc: &mut Automerge, id: &RecordId, stamp: Stamp<'_>) -> Result<(), ModelError> {
    if !versions(doc)?.iter().any(|v| &v.id == id) {
        return Err(ModelError::NoSuchRecord(id.to_string()));
    }
    let value = serde_json::to_string(&(stamp.member, stamp.now_ms))
        .map_err(|e| ModelError::Export(e.to_string()))?;
    change(doc, stamp, "thay thế bản ban hành", |tx| {
        tx_put(tx, &format!("{SUPERSEDED}{}", id.as_str()), &value)
    })?;
    Ok(())
}

fn tx_put(
    tx: &mut automerge::transaction::Transaction<'_>,
    key: &str,
    value: &str,
) -> Result<(), ModelError> {
    use automerge::transaction::Transactable;
    tx.put(ROOT, key, value)?;
    Ok(())
}

/// Every issued version, numbered, oldest first. A record that does not read (written by a
/// newer build, or damaged) is left out rather than failing the whole list.
pub fn versions(doc: &impl ReadDoc) -> Result<Vec<IssuedVersion>, ModelError> {
    let mut found: Vec<(RecordId, Issuance)> = Vec::new();
    let mut superseded: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for key in doc.keys(ROOT) {
        if let Some(id) = key.strip_prefix(ISSUED) {
            let parsed = schema::string(doc, &ROOT, &key)
                .and_then(|json| serde_json::from_str::<Issuance>(&json).ok());
            if let Some(issuance) = parsed {
                found.push((RecordId::from_key(id), issuance));
            }
        } else if let Some(id) = key.strip_prefix(SUPERSEDED) {
            let parsed = schema::string(doc, &ROOT, &key)
                .and_then(|json| serde_json::from_str::<(String, i64)>(&json).ok());
            if let Some(by) = parsed {
                superseded.insert(id.to_owned(), by);
            }
        }
    }
    found.sort_by(|a, b| (a.1.issued_at, a.0.as_str()).cmp(&(b.1.issued_at, b.0.as_str())));
    let live = |id: &RecordId| !superseded.contains_key(id.as_str());
    let out = found
        .iter()
        .enumerate()
        .map(|(i, (id, issuance))| IssuedVersion {
            id: id.clone(),
            number: i + 1,
            issuance: issuance.clone(),
            superseded: superseded.get(id.as_str()).cloned(),
            concurrent: if live(id) {
                found
                    .iter()
                    .filter(|(other, o)| {
                        other != id && live(other) && o.replaces == issuance.replaces
                    })
                    .map(|(other, _)| other.clone())
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    Ok(out)
}

/// Whether the server holds version `id`: the change that recorded it is covered by
/// `server_heads` (the heads the server last reported, see `SyncClient::confirmed_heads`).
/// Issued offline, a version is the tablet's alone until then. Heads this tablet does not
/// hold yet are left out (what they cover cannot be told here; the next sync brings them).
pub fn on_server(doc: &Automerge, id: &RecordId, server_heads: &[ChangeHash]) -> bool {
    let key = format!("{ISSUED}{}", id.as_str());
    let Ok(Some((_, automerge::ObjId::Id(counter, actor, _)))) = doc.get(ROOT, key.as_str()) else {
        return false;
    };
    let known: Vec<ChangeHash> = server_heads
        .iter()
        .copied()
        .filter(|h| doc.get_change_meta_by_hash(h).is_some())
        .collect();
    if known.is_empty() {
        return false;
    }
    !doc.get_changes_meta(&known)
        .iter()
        .any(|m| m.actor.as_ref() == &actor && (m.start_op..=m.max_op).contains(&counter))
}

/// The version that stands: the latest not set aside.
pub fn current(versions: &[IssuedVersion]) -> Option<&IssuedVersion> {
    versions.iter().rev().find(|v| v.superseded.is_none())
}

/// The paper of an issued version: its letterhead over the conclusion as it was at its
/// heads, whatever was written since.
pub fn issued_paper(doc: &Automerge, version: &IssuedVersion) -> Result<Paper, ModelError> {
    let heads = version.issuance.change_hashes()?;
    let past = doc
        .fork_at(&heads)
        .map_err(|e| ModelError::Export(format!("version {}: {e}", version.number)))?;
    version.issuance.letterhead.paper(&past, false)
}

/// The paper of an issued version as exported: [`issued_paper`] with its check code and the
/// address that checks it (`origin` is the server's, e.g. `https://giamsat.example.vn`).
pub fn issued_export(
    doc: &Automerge,
    version: &IssuedVersion,
    origin: &str,
) -> Result<Paper, ModelError> {
    let mut paper = issued_paper(doc, version)?;
    let code = version.issuance.code.clone();
    let url = format!("{}/verify/{code}", origin.trim_end_matches('/'));
    paper.check = Some((code, url));
    Ok(paper)
}

/// SHA-256 (hex) of the printed lines, each followed by a line feed: what `/verify`
/// compares a copy's text with.
pub fn fingerprint(paper: &Paper) -> Result<String, ModelError> {
    let layout = paper.layout.layout()?;
    let mut hash = Sha256::new();
    for line in paper.printed_lines(&layout) {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The check code of a version: derived from the document's id, the version's id and its
/// fingerprint, never chosen. So the server computes it again and files the version under
/// it; a member cannot give a version of theirs the code printed on another delegation's
/// paper, and the code tells nothing of the document it belongs to.
pub fn code_for(doc_id: &DocumentId, version: &RecordId, fingerprint: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"giamsat check code\0");
    hash.update(doc_id.as_bytes());
    hash.update(version.as_str().as_bytes());
    hash.update(b"\0");
    hash.update(fingerprint.as_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    short_code(first)
}

/// Ten characters of Crockford's base32 (no I, L, O, U: nothing to misread on paper), in
/// two groups: "7KQ2M-XW9RD". 50 bits: guessing one among even a million issued versions
/// takes about a billion tries.
pub fn short_code(bytes: [u8; 8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut n = u64::from_le_bytes(bytes);
    let mut out = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            out.push('-');
        }
        out.push(ALPHABET[(n & 31) as usize] as char);
        n >>= 5;
    }
    out
}

/// What a check of a paper copy shows (`/verify/<code>`): exactly what the first page
/// prints, the signer as signed, and the fingerprint of the whole printed text. Nothing
/// that is not on the paper (not the document, not its body, not who typed it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    pub code: String,
    /// The version's number among the supervision's issued versions.
    pub number: usize,
    pub superior: String,
    pub issuer: String,
    pub number_line: String,
    pub place_date_line: String,
    pub doc_type: String,
    pub summary: String,
    /// The authority line (if any), the signer's title and name, as printed.
    pub signer: Vec<String>,
    pub fingerprint: String,
    /// Set aside by the head in favour of another version.
    pub superseded: bool,
}

/// What `/verify` shows of every issued version of `doc` (whose id is `doc_id`) that holds
/// up: its fingerprint is that of the text at its heads, printed under its letterhead, and
/// its code is the one derived from them. A record that does not (written by hand, or by a
/// tablet that lied) is left out: nothing unchecked reaches a reader of a paper copy.
pub fn shown_all(doc: &Automerge, doc_id: &DocumentId) -> Result<Vec<Shown>, ModelError> {
    versions(doc)?
        .iter()
        .filter(|v| {
            issued_paper(doc, v)
                .and_then(|p| fingerprint(&p))
                .is_ok_and(|f| {
                    f == v.issuance.fingerprint && code_for(doc_id, &v.id, &f) == v.issuance.code
                })
        })
        .map(|v| {
            let l = &v.issuance.letterhead;
            let layout = l.layout.layout()?;
            let paper = l.clone().over(Vec::new(), Vec::new(), false);
            let first = paper.first_page(&layout);
            let lines = paper.printed_lines(&layout);
            let signer = lines[lines.len().saturating_sub(2)..].to_vec();
            Ok(Shown {
                code: v.issuance.code.clone(),
                number: v.number,
                superior: first.superior,
                issuer: first.issuer,
                number_line: first.number_line,
                place_date_line: first.place_date_line,
                doc_type: first.doc_type,
                summary: first.summary,
                signer: paper
                    .authority_line(&layout)
                    .into_iter()
                    .chain(signer)
                    .collect(),
                fingerprint: v.issuance.fingerprint.clone(),
                superseded: v.superseded.is_some(),
            })
        })
        .collect()
}

/// A check code as someone typed it, in its printed form ("7KQ2M-XW9RD"), or `None` if it
/// cannot be one. Case, spaces and dashes do not matter; I and L read as 1, O as 0
/// (Crockford's base32 decoding), since a reader copying from paper may confuse them.
pub fn normalize_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(11);
    for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let c = match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c @ ('0'..='9' | 'A'..='Z') if c != 'U' => c,
            _ => return None,
        };
        if out.len() == 5 {
            out.push('-');
        }
        out.push(c);
        if out.len() > 11 {
            return None;
        }
    }
    (out.len() == 11).then_some(out)
}

/// Whether `key` of a document's root is an issued version's or a mark setting one aside.
pub fn is_issuance_key(key: &str) -> bool {
    key.starts_with(ISSUED) || key.starts_with(SUPERSEDED)
}

/// Whether a change touches an issued version or a mark setting one aside (any operation on
/// such a root key): the server lets only a delegation's head and deputy make one.
pub fn change_issues(change: &automerge::Change) -> bool {
    use automerge::legacy::{Key, ObjectId};
    change.decode().operations.iter().any(|op| {
        matches!(op.obj, ObjectId::Root) && matches!(&op.key, Key::Map(k) if is_issuance_key(k))
    })
}

//! `--demo`: two example supervisions written from real reports, so a new user sees real
//! data at once.
//!
//! The examples are JSON files in `server/demo/`, compiled into the binary: `seed-000.json`
//! (the Thanh Khê district committee's supervision of one ward, one working session, 2022)
//! and `seed-004.json` (an inspection of four Party committees, 2–11 August 2017). Each
//! retells its report's facts in this project's shape; what a report does not say is left
//! empty, never made up. [`load`] builds each one with `shared`'s own operations (as a
//! member named [`DEMO_MEMBER`] would), stores it in the repo, registers it to the delegation [`DEMO_DELEGATION`], and
//! records its document id in the `meta` table (`demo:000`, `demo:004`), so starting again
//! with `--demo` adds nothing.
//!
//! The JSON shape ([`Seed`]): records refer to each other by their index in the file
//! (`"unit": 0` is the first of `units`; a cause's `explains` and a recommendation's
//! `answers` list indices of `findings`), and kinds use the document's own words
//! (`giam_sat`, `head`, `shortcoming`, `agreed`, `yeu_cau` …). Dates are ISO or empty.

use automerge::Automerge;
use serde::Deserialize;
use shared::finding::{self, FindingKind, FindingStatus, NewFinding};
use shared::member::{self, Role};
use shared::recommendation::{self, NewRecommendation, RecommendationKind};
use shared::supervision::{self, Setup, Stamp, SupervisionKind};
use shared::{DocumentId, RecordId, session, unit};

use crate::error::ServerError;
use crate::storage::Storage;

/// The name stamped on every change the demo makes.
pub const DEMO_MEMBER: &str = "Dữ liệu mẫu";

/// One example: the `meta` key recording that it is loaded, and its JSON.
#[derive(Debug, Clone, Copy)]
pub struct DemoSeed {
    pub key: &'static str,
    pub json: &'static str,
}

/// The examples, in the order they are loaded.
pub const SEEDS: [DemoSeed; 2] = [
    DemoSeed {
        key: "demo:000",
        json: include_str!("../demo/seed-000.json"),
    },
    DemoSeed {
        key: "demo:004",
        json: include_str!("../demo/seed-004.json"),
    },
];

/// What went wrong with an example (a bug in the files or in this module: they are fixed
/// at build time and tested).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Model(#[from] shared::ModelError),
    #[error("no random bytes for record ids: {0}")]
    Random(getrandom::Error),
}

/// One example supervision, as written in `server/demo/*.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The report the facts come from (for readers of the file; not loaded).
    pub source: String,
    pub setup: SeedSetup,
    /// The regulations and topics examined.
    pub topics: Vec<String>,
    pub members: Vec<SeedMember>,
    /// The units' names.
    pub units: Vec<String>,
    pub sessions: Vec<SeedSession>,
    pub findings: Vec<SeedFinding>,
    pub recommendations: Vec<SeedRecommendation>,
}

/// `shared::supervision::Setup` in JSON: `kind` is `giam_sat` or `kiem_tra`; `basis_date`,
/// `schedule_from` and `schedule_to` are ISO dates or empty; the period is free text ("6/2020").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSetup {
    pub title: String,
    pub kind: String,
    pub basis_number: String,
    pub basis_date: String,
    pub basis_issuer: String,
    pub period_from: String,
    pub period_to: String,
    pub schedule_from: String,
    pub schedule_to: String,
}

/// A delegation member; `role` is `head`, `deputy`, `member`, `secretary` or `observer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMember {
    pub name: String,
    pub role: String,
    pub title: String,
}

/// A working session with the unit at index `unit`; `date` ISO or empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSession {
    pub unit: usize,
    pub date: String,
    pub place: String,
    pub attendees: String,
}

/// A finding about the unit at index `unit`: `kind` is `strength`, `shortcoming` or `cause`,
/// `status` is `draft` or `agreed`; a cause lists in `explains` the indices of the
/// shortcomings it explains.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFinding {
    pub unit: usize,
    pub kind: String,
    pub topic: String,
    pub text: String,
    pub figures: String,
    pub status: String,
    #[serde(default)]
    pub explains: Vec<usize>,
}

/// A recommendation: `kind` is `kien_nghi`, `de_xuat` or `yeu_cau`; `due` ISO or empty;
/// `answers` lists the indices of the findings it answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRecommendation {
    pub kind: String,
    pub text: String,
    pub addressee: String,
    pub due: String,
    #[serde(default)]
    pub answers: Vec<usize>,
}

impl Seed {
    /// Parse and [`check`](Self::check) an example.
    pub fn parse(json: &str) -> Result<Seed, DemoError> {
        let seed: Seed = serde_json::from_str(json)?;
        seed.check()?;
        Ok(seed)
    }

    /// Every kind known, every index in range, every date ISO or empty, every cause linked
    /// to shortcomings only, nothing that must be named left blank.
    pub fn check(&self) -> Result<(), DemoError> {
        let s = &self.setup;
        SupervisionKind::parse(&s.kind)
            .ok_or_else(|| invalid(format!("setup.kind {:?}", s.kind)))?;
        non_empty("setup.title", &s.title)?;
        for (field, date) in [
            ("basis_date", &s.basis_date),
            ("schedule_from", &s.schedule_from),
            ("schedule_to", &s.schedule_to),
        ] {
            iso_or_empty(&format!("setup.{field}"), date)?;
        }
        for (i, m) in self.members.iter().enumerate() {
            role(&m.role)?;
            non_empty(&format!("members[{i}].name"), &m.name)?;
        }
        for (i, name) in self.units.iter().enumerate() {
            non_empty(&format!("units[{i}]"), name)?;
        }
        for (i, s) in self.sessions.iter().enumerate() {
            at(&self.units, s.unit, &format!("sessions[{i}].unit"))?;
            iso_or_empty(&format!("sessions[{i}].date"), &s.date)?;
        }
        for (i, f) in self.findings.iter().enumerate() {
            at(&self.units, f.unit, &format!("findings[{i}].unit"))?;
            let kind = finding_kind(&f.kind)?;
            finding_status(&f.status)?;
            non_empty(&format!("findings[{i}].text"), &f.text)?;
            if kind != FindingKind::Cause && !f.explains.is_empty() {
                return Err(invalid(format!(
                    "findings[{i}] is not a cause but explains others"
                )));
            }
            for &e in &f.explains {
                let target = at(&self.findings, e, &format!("findings[{i}].explains"))?;
                if finding_kind(&target.kind)? != FindingKind::Shortcoming {
                    return Err(invalid(format!(
                        "findings[{i}] explains findings[{e}], which is not a shortcoming"
                    )));
                }
            }
        }
        for (i, r) in self.recommendations.iter().enumerate() {
            recommendation_kind(&r.kind)?;
            non_empty(&format!("recommendations[{i}].text"), &r.text)?;
            iso_or_empty(&format!("recommendations[{i}].due"), &r.due)?;
            for &a in &r.answers {
                at(&self.findings, a, &format!("recommendations[{i}].answers"))?;
            }
        }
        Ok(())
    }

    /// The set-up as `shared` takes it.
    pub fn setup(&self) -> Result<Setup, DemoError> {
        let s = &self.setup;
        Ok(Setup {
            title: s.title.clone(),
            kind: SupervisionKind::parse(&s.kind)
                .ok_or_else(|| invalid(format!("setup.kind {:?}", s.kind)))?,
            basis_number: s.basis_number.clone(),
            basis_date: s.basis_date.clone(),
            basis_issuer: s.basis_issuer.clone(),
            period_from: s.period_from.clone(),
            period_to: s.period_to.clone(),
            schedule_from: s.schedule_from.clone(),
            schedule_to: s.schedule_to.clone(),
        })
    }

    /// Build the supervision document with `shared`'s operations, each change stamped with
    /// `stamp`, every record under a fresh random id.
    pub fn build(&self, stamp: Stamp<'_>) -> Result<Automerge, DemoError> {
        self.check()?;
        let mut doc = supervision::create(&self.setup()?, stamp)?;
        for topic in &self.topics {
            supervision::add_topic(&mut doc, topic, stamp)?;
        }
        for m in &self.members {
            member::add(
                &mut doc,
                &new_id()?,
                &m.name,
                role(&m.role)?,
                &m.title,
                stamp,
            )?;
        }
        let mut units = Vec::with_capacity(self.units.len());
        for name in &self.units {
            let id = new_id()?;
            unit::add(&mut doc, &id, name, stamp)?;
            units.push(id);
        }
        for s in &self.sessions {
            let unit = at(&units, s.unit, "sessions.unit")?;
            session::add(
                &mut doc,
                &new_id()?,
                unit,
                &s.date,
                &s.place,
                &s.attendees,
                stamp,
            )?;
        }
        let mut findings = Vec::with_capacity(self.findings.len());
        for f in &self.findings {
            let id = new_id()?;
            let new = NewFinding {
                kind: finding_kind(&f.kind)?,
                topic: &f.topic,
                text: &f.text,
                figures: &f.figures,
            };
            finding::add_full(
                &mut doc,
                &id,
                at(&units, f.unit, "findings.unit")?,
                &new,
                stamp,
            )?;
            let status = finding_status(&f.status)?;
            if status != FindingStatus::Draft {
                finding::set_status(&mut doc, &id, status, stamp)?;
            }
            findings.push(id);
        }
        // Causes are linked once every finding exists: a cause may come before its shortcoming.
        for (f, cause) in self.findings.iter().zip(&findings) {
            for &e in &f.explains {
                finding::link_cause(
                    &mut doc,
                    cause,
                    at(&findings, e, "findings.explains")?,
                    true,
                    stamp,
                )?;
            }
        }
        for r in &self.recommendations {
            let answers = r
                .answers
                .iter()
                .map(|&a| at(&findings, a, "recommendations.answers").cloned())
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewRecommendation {
                kind: recommendation_kind(&r.kind)?,
                text: &r.text,
                addressee: &r.addressee,
                due: &r.due,
                answers: &answers,
            };
            recommendation::add(&mut doc, &new_id()?, &new, stamp)?;
        }
        Ok(doc)
    }
}

/// The delegation the examples belong to; an administrator adds people to it.
pub const DEMO_DELEGATION: &str = "Đoàn mẫu (demo)";

/// Load every example not loaded yet, and register each to [`DEMO_DELEGATION`] (made if
/// missing).
pub async fn load(
    documents: &crate::sync::Documents,
    storage: &Storage,
    accounts: &crate::accounts::Accounts,
) -> Result<(), ServerError> {
    let delegation = accounts
        .with(|c| {
            use crate::accounts::store;
            match store::delegation_by_name(c, DEMO_DELEGATION)? {
                Some(id) => Ok(id),
                None => store::create_delegation(c, DEMO_DELEGATION, crate::now_ms()),
            }
        })
        .await?;
    for demo in SEEDS {
        let failed =
            |e: DemoError| ServerError::Startup(format!("cannot load the demo {}: {e}", demo.key));
        let seed = Seed::parse(demo.json).map_err(failed)?;
        let now_ms = crate::now_ms();
        let id = match storage.meta(demo.key).await? {
            Some(id) => id,
            None => {
                let doc = seed
                    .build(Stamp {
                        member: DEMO_MEMBER,
                        now_ms,
                    })
                    .map_err(failed)?;
                let id = documents.create(doc).await?.to_string();
                // Recorded before listing: should the server stop in between, the next start
                // lists this document rather than making a second one.
                storage.set_meta(demo.key, id.clone()).await?;
                tracing::info!("loaded the demo supervision {} as {id}", demo.key);
                id
            }
        };
        let doc_id: DocumentId = id.parse().map_err(|e| {
            ServerError::Startup(format!(
                "the demo {} has a bad document id {id}: {e}",
                demo.key
            ))
        })?;
        let doc = doc_id.to_string();
        accounts
            .with(move |c| {
                crate::accounts::store::register_supervision(c, &doc, delegation, None, now_ms)
                    .map(|_| ())
            })
            .await?;
    }
    accounts.changed();
    Ok(())
}

/// A fresh random record id.
fn new_id() -> Result<RecordId, DemoError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(DemoError::Random)?;
    Ok(RecordId::from_bytes(bytes))
}

fn invalid(message: String) -> DemoError {
    DemoError::Invalid(message)
}

/// `items[i]`, or an error naming the `field` that holds the index.
fn at<'a, T>(items: &'a [T], i: usize, field: &str) -> Result<&'a T, DemoError> {
    items.get(i).ok_or_else(|| {
        invalid(format!(
            "{field}: index {i} is out of range (there are {})",
            items.len()
        ))
    })
}

fn non_empty(field: &str, value: &str) -> Result<(), DemoError> {
    if value.trim().is_empty() {
        Err(invalid(format!("{field} is empty")))
    } else {
        Ok(())
    }
}

/// An ISO date `yyyy-mm-dd` with a plausible month and day, or nothing.
fn iso_or_empty(field: &str, value: &str) -> Result<(), DemoError> {
    let number = |r: std::ops::Range<usize>| {
        value
            .get(r)
            .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
    };
    let ok = value.is_empty()
        || (value.len() == 10
            && value.as_bytes()[4] == b'-'
            && value.as_bytes()[7] == b'-'
            && number(0..4).is_some()
            && number(5..7).is_some_and(|m| (1..=12).contains(&m))
            && number(8..10).is_some_and(|d| (1..=31).contains(&d)));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field} {value:?} is not an ISO date (yyyy-mm-dd)"
        )))
    }
}

fn role(s: &str) -> Result<Role, DemoError> {
    Role::parse(s).ok_or_else(|| invalid(format!("unknown role {s:?}")))
}

fn finding_kind(s: &str) -> Result<FindingKind, DemoError> {
    FindingKind::parse(s).ok_or_else(|| invalid(format!("unknown finding kind {s:?}")))
}

fn finding_status(s: &str) -> Result<FindingStatus, DemoError> {
    FindingStatus::parse(s).ok_or_else(|| invalid(format!("unknown finding status {s:?}")))
}

fn recommendation_kind(s: &str) -> Result<RecommendationKind, DemoError> {
    RecommendationKind::parse(s)
        .ok_or_else(|| invalid(format!("unknown recommendation kind {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppState, Config};

    fn seeds() -> Vec<Seed> {
        SEEDS
            .iter()
            .map(|d| Seed::parse(d.json).unwrap_or_else(|e| panic!("{}: {e}", d.key)))
            .collect()
    }

    #[test]
    fn both_examples_parse_and_every_index_is_in_range() {
        for (demo, seed) in SEEDS.iter().zip(seeds()) {
            // `parse` checked every index; say so explicitly, so a broken file names the field.
            for s in &seed.sessions {
                assert!(
                    s.unit < seed.units.len(),
                    "{}: session unit {}",
                    demo.key,
                    s.unit
                );
            }
            for f in &seed.findings {
                assert!(
                    f.unit < seed.units.len(),
                    "{}: finding unit {}",
                    demo.key,
                    f.unit
                );
                assert!(
                    f.explains.iter().all(|&e| e < seed.findings.len()),
                    "{}: explains {:?}",
                    demo.key,
                    f.explains
                );
            }
            for r in &seed.recommendations {
                assert!(
                    r.answers.iter().all(|&a| a < seed.findings.len()),
                    "{}: answers {:?}",
                    demo.key,
                    r.answers
                );
            }
        }
    }

    #[test]
    fn a_broken_example_is_refused_with_the_field_named() {
        let mut seed = seeds().remove(1);
        seed.findings[6].explains = vec![99];
        let message = seed.check().unwrap_err().to_string();
        assert!(
            message.contains("findings[6].explains") && message.contains("99"),
            "{message}"
        );

        let mut seed = seeds().remove(1);
        seed.findings[6].explains = vec![0];
        assert!(
            seed.check()
                .unwrap_err()
                .to_string()
                .contains("not a shortcoming")
        );

        let mut seed = seeds().remove(0);
        seed.sessions[0].date = "30/8/2022".into();
        assert!(
            seed.check()
                .unwrap_err()
                .to_string()
                .contains("sessions[0].date")
        );

        let mut json: serde_json::Value = serde_json::from_str(SEEDS[0].json).unwrap();
        json["members"][0]["role"] = "chairman".into();
        assert!(
            Seed::parse(&json.to_string())
                .unwrap_err()
                .to_string()
                .contains("chairman")
        );
    }

    #[test]
    fn the_inspection_of_four_units_has_its_head_deputy_and_linked_cause() {
        let seed = seeds().remove(1);
        let doc = seed
            .build(Stamp {
                member: DEMO_MEMBER,
                now_ms: 1,
            })
            .unwrap();
        let s = shared::reading::read(&doc).unwrap();
        assert_eq!(s.setup.kind, SupervisionKind::Inspection);
        assert_eq!(
            (s.setup.schedule_from.as_str(), s.setup.schedule_to.as_str()),
            ("2017-08-02", "2017-08-11")
        );
        assert_eq!(s.units.len(), 4);
        assert_eq!(s.recommendations.len(), 5);
        let cause = s
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::Cause)
            .unwrap();
        assert_eq!(cause.explains.len(), 1);
        let explained = s.finding(&cause.explains[0]).unwrap();
        assert_eq!(explained.kind, FindingKind::Shortcoming);
        assert!(explained.text.contains("chuyển biến toàn diện"));
        assert_eq!(s.created_by, DEMO_MEMBER);
    }

    /// The demo delegation's supervisions, as (id, title), sorted by title.
    async fn listed(state: &AppState) -> Vec<(DocumentId, String)> {
        use crate::accounts::store;
        let ids = state
            .accounts
            .with(|c| match store::delegation_by_name(c, DEMO_DELEGATION)? {
                Some(d) => store::supervisions_of(c, d),
                None => Ok(Vec::new()),
            })
            .await
            .unwrap();
        let mut entries = Vec::new();
        for id in ids {
            let id: DocumentId = id.parse().unwrap();
            let title = read(state, id).await.setup.title;
            entries.push((id, title));
        }
        entries.sort_by(|a, b| a.1.cmp(&b.1));
        entries
    }

    async fn read(state: &AppState, id: DocumentId) -> shared::reading::Supervision {
        let doc = state
            .documents
            .read_stored(id)
            .await
            .unwrap()
            .expect("the demo supervision is stored");
        shared::reading::read(&doc).unwrap()
    }

    #[tokio::test]
    async fn demo_loads_both_examples_once_and_every_record_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_test(dir.path().to_owned());
        config.demo = true;
        let seeds = seeds();

        // Step 1: the first start with --demo registers both examples to the demo delegation.
        let running = crate::start(config.clone()).await.unwrap();
        let first = listed(running.state()).await;
        let mut titles: Vec<_> = seeds.iter().map(|s| s.setup.title.clone()).collect();
        titles.sort();
        assert_eq!(
            first.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
            titles
        );

        // Step 2: each reads back through shared with every record the JSON holds.
        for seed in &seeds {
            let id = first
                .iter()
                .find(|(_, t)| *t == seed.setup.title)
                .unwrap()
                .0;
            let s = read(running.state(), id).await;
            assert_eq!(s.setup, seed.setup().unwrap());
            assert_eq!(s.topics, seed.topics);
            assert_eq!(
                s.units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
                seed.units
            );
            assert_eq!(s.members.len(), seed.members.len());
            assert_eq!(s.sessions.len(), seed.sessions.len());
            assert_eq!(s.findings.len(), seed.findings.len());
            for (got, want) in s.findings.iter().zip(&seed.findings) {
                assert_eq!(got.text, want.text);
                assert_eq!(got.figures, want.figures);
                assert_eq!(got.kind.as_str(), want.kind);
                assert_eq!(got.status.as_str(), want.status);
                assert_eq!(got.explains.len(), want.explains.len());
                assert_eq!(got.author, DEMO_MEMBER);
                assert_eq!(got.unit, s.units[want.unit].id);
            }
            assert_eq!(s.recommendations.len(), seed.recommendations.len());
            for (got, want) in s.recommendations.iter().zip(&seed.recommendations) {
                assert_eq!(got.text, want.text);
                assert_eq!(got.answers.len(), want.answers.len());
            }
        }

        // Step 3: the inspection of 004 has its four units, its head and its deputy.
        let id = first
            .iter()
            .find(|(_, t)| t.starts_with("Kiểm tra"))
            .unwrap()
            .0;
        let s = read(running.state(), id).await;
        assert_eq!(s.units.len(), 4);
        let named = |role| {
            s.members
                .iter()
                .filter(|m| m.role == role)
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(named(Role::Head), ["Nguyễn Huy Thắng"]);
        assert_eq!(named(Role::Deputy), ["Hà Thị Bích Loan"]);
        running.shutdown().await;

        // Step 4: starting again with --demo over the same data adds nothing.
        let running = crate::start(config).await.unwrap();
        assert_eq!(listed(running.state()).await, first);
        running.shutdown().await;
    }

    #[tokio::test]
    async fn without_demo_there_is_no_demo_delegation() {
        let dir = tempfile::tempdir().unwrap();
        let running = crate::start(Config::for_test(dir.path().to_owned()))
            .await
            .unwrap();
        assert!(listed(running.state()).await.is_empty());
        running.shutdown().await;
    }
}

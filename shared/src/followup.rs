//! Following recommendations up after the conclusion, and the figures an organisation
//! reports: where each recommendation stands on a given day, the Front's 20-day rule, and
//! the counts of a period. Pure reads of plain records: the app computes them from the
//! supervisions a tablet holds, a server from the documents it stores; neither keeps them.
//!
//! The rules, as this module applies them (tests: `followup_tests.rs`):
//! - A recommendation is **sent** when the conclusion carrying it is issued: the date on the
//!   first issued version that still stands ([`Facts::read`]). Before that it is a draft:
//!   no 20-day rule, no figures of replies.
//! - **20-day rule**: the unit's written reply is due within [`REPLY_DAYS`] days of sending,
//!   the 20th day included. With no reply by then, from day 21 the recommendation is marked
//!   for escalation to the level above ([`Standing::escalate`]); it counts as escalated in the
//!   figures even once a late reply comes ([`Standing::late`]).
//! - **Status**: remedied is final; else past its due date (the due day itself is still in
//!   time) it is overdue; else in progress or open, as members set it. No due date: never
//!   overdue.

use std::collections::{BTreeMap, BTreeSet};

use automerge::Automerge;

use crate::error::ModelError;
use crate::official::issue;
use crate::reading;
use crate::recommendation::{FollowUp, Recommendation};
use crate::supervision::SupervisionKind;

/// Days a unit has to answer a recommendation in writing.
pub const REPLY_DAYS: i64 = 20;

/// A calendar day, as days since 1970-01-01 (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

impl Day {
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Day {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(y) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Day(era * 146_097 + doe - 719_468)
    }

    /// An ISO date (`2026-03-12`) or a Vietnamese one (`12/03/2026`); `None` if not a date.
    pub fn parse(s: &str) -> Option<Day> {
        let iso = crate::dates::parse_vn(s)?;
        let y = iso.get(..4)?.parse().ok()?;
        let m = iso.get(5..7)?.parse().ok()?;
        let d = iso.get(8..10)?.parse().ok()?;
        Some(Day::from_ymd(y, m, d))
    }

    /// The day of a moment (milliseconds since the epoch, UTC+7: Vietnam's day).
    pub fn of_ms(ms: i64) -> Day {
        Day((ms + 7 * 3_600_000).div_euclid(86_400_000))
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        (y, m, d)
    }

    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }

    pub fn plus(self, days: i64) -> Day {
        Day(self.0 + days)
    }
}

/// Where a recommendation stands, as a list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    Open,
    InProgress,
    Overdue,
    Remedied,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Open,
        State::InProgress,
        State::Overdue,
        State::Remedied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::InProgress => "in_progress",
            State::Overdue => "overdue",
            State::Remedied => "remedied",
        }
    }
}

/// One recommendation's standing on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub state: State,
    /// The last day of the 20 the unit has to reply in writing (once sent).
    pub reply_by: Option<Day>,
    /// No written reply, and the 20 days are over: to be escalated now.
    pub escalate: bool,
    /// The 20 days passed without a reply (whether or not one came later).
    pub late: bool,
    /// Days from sending to the reply, when both are known.
    pub days_to_reply: Option<i64>,
}

/// Where `r`, sent on `sent` (if it was), stands on `today`.
pub fn standing(r: &Recommendation, sent: Option<Day>, today: Day) -> Standing {
    let due = Day::parse(&r.due.value);
    let state = match r.status {
        FollowUp::Remedied => State::Remedied,
        _ if due.is_some_and(|d| today > d) => State::Overdue,
        FollowUp::InProgress => State::InProgress,
        FollowUp::Open => State::Open,
    };
    let replied = r.reply.as_ref().and_then(|reply| Day::parse(&reply.date));
    let reply_by = sent.map(|s| s.plus(REPLY_DAYS));
    let late = match (reply_by, replied) {
        (Some(by), Some(on)) => on > by,
        (Some(by), None) => today > by,
        (None, _) => false,
    };
    Standing {
        state,
        reply_by,
        escalate: late && replied.is_none(),
        late,
        days_to_reply: sent.zip(replied).map(|(s, on)| on.0 - s.0),
    }
}

/// What the figures need of one supervision.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub title: String,
    pub kind: SupervisionKind,
    /// When it was held: the schedule's first day, else the day it was set up.
    pub held: Day,
    pub topics: Vec<String>,
    pub units: Vec<String>,
    /// When its recommendations were sent (its conclusion issued), if they were.
    pub sent: Option<Day>,
    /// Its live recommendations, each with the unit it is to (the unit of the first finding
    /// it answers, else its addressee).
    pub recommendations: Vec<(String, Recommendation)>,
}

impl Facts {
    /// Read from a supervision's document.
    pub fn read(doc: &Automerge) -> Result<Facts, ModelError> {
        let s = reading::read(doc)?;
        let versions = issue::versions(doc)?;
        let sent = versions.iter().find(|v| v.superseded.is_none()).map(|v| {
            let (y, m, d) = v.issuance.letterhead.date;
            Day::from_ymd(y, m, d)
        });
        let held = Day::parse(&s.setup.schedule_from).unwrap_or(Day::of_ms(s.created_at));
        let unit_name =
            |id: &crate::RecordId| s.units.iter().find(|u| &u.id == id).map(|u| u.name.clone());
        let recommendations = s
            .recommendations
            .iter()
            .filter(|r| !r.deleted)
            .map(|r| {
                let unit = r
                    .answers
                    .iter()
                    .find_map(|f| s.finding(f).and_then(|f| unit_name(&f.unit)))
                    .unwrap_or_else(|| r.addressee.clone());
                (unit, r.clone())
            })
            .collect();
        Ok(Facts {
            title: s.setup.title.clone(),
            kind: s.setup.kind,
            held,
            topics: s.topics.clone(),
            units: s.units.iter().map(|u| u.name.clone()).collect(),
            sent,
            recommendations,
        })
    }
}

/// A stretch of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Day,
    pub to: Day,
}

impl Period {
    /// Quarter `q` (1–4) of `year`.
    pub fn quarter(year: i32, q: u32) -> Period {
        let first = (q.clamp(1, 4) - 1) * 3 + 1;
        let next = if first == 10 {
            Day::from_ymd(year + 1, 1, 1)
        } else {
            Day::from_ymd(year, first + 3, 1)
        };
        Period {
            from: Day::from_ymd(year, first, 1),
            to: next.plus(-1),
        }
    }

    pub fn year(year: i32) -> Period {
        Period {
            from: Day::from_ymd(year, 1, 1),
            to: Day::from_ymd(year, 12, 31),
        }
    }

    pub fn contains(&self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }
}

/// The counts of one kind (supervisions or inspections).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Giám sát held in the period.
    pub supervisions: usize,
    /// Kiểm tra held in the period.
    pub inspections: usize,
    /// Per topic: (supervisions, inspections) that examined it.
    pub by_topic: BTreeMap<String, (usize, usize)>,
    /// Distinct units visited (names compared without accents or case).
    pub units_visited: usize,
    /// Recommendations made by the supervisions of the period.
    pub recommendations: usize,
    pub remedied: usize,
    /// Past their due date and not remedied, on `today`.
    pub overdue: usize,
    /// Unanswered past the 20 days (escalated, whether a reply came later or not).
    pub escalated: usize,
    /// The median of the days from sending to the written reply, of those answered.
    pub median_days_to_reply: Option<f64>,
}

/// The figures of `period` over `all`, as things stand on `today`.
pub fn figures(all: &[Facts], period: Period, today: Day) -> Figures {
    let mut f = Figures::default();
    let mut units = BTreeSet::new();
    let mut reply_days = Vec::new();
    for s in all.iter().filter(|s| period.contains(s.held)) {
        let inspection = s.kind == SupervisionKind::Inspection;
        if inspection {
            f.inspections += 1;
        } else {
            f.supervisions += 1;
        }
        let topics: BTreeSet<&str> = s
            .topics
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        for topic in topics {
            let entry = f.by_topic.entry(topic.to_owned()).or_default();
            if inspection {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
        units.extend(s.units.iter().map(|u| crate::search::fold(u.trim())));
        for (_, r) in &s.recommendations {
            let st = standing(r, s.sent, today);
            f.recommendations += 1;
            f.remedied += usize::from(st.state == State::Remedied);
            f.overdue += usize::from(st.state == State::Overdue);
            f.escalated += usize::from(st.late);
            reply_days.extend(st.days_to_reply);
        }
    }
    f.units_visited = units.len();
    f.median_days_to_reply = median(&mut reply_days);
    f
}

fn median(v: &mut [i64]) -> Option<f64> {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2] as f64),
        _ => Some((v[n / 2 - 1] + v[n / 2]) as f64 / 2.0),
    }
}

/// One line of the follow-up list.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub supervision: String,
    pub unit: String,
    pub recommendation: Recommendation,
    pub standing: Standing,
}

/// What a follow-up list shows: filters a leader sets.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Units whose name contains this, accents and case aside.
    pub unit: String,
    pub state: Option<State>,
    /// Only those marked for escalation.
    pub escalate_only: bool,
    /// Supervisions held in this period.
    pub period: Option<Period>,
    /// Words in the recommendation's text, its addressee or unit, accents and case aside.
    pub search: String,
}

/// Every recommendation of `all` that `filter` keeps, as it stands on `today`; escalations
/// first, then overdue, then by reply deadline.
pub fn list(all: &[Facts], filter: &Filter, today: Day) -> Vec<Line> {
    let fold = crate::search::fold;
    let unit = fold(filter.unit.trim());
    let words: Vec<String> = fold(&filter.search)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut out: Vec<Line> = all
        .iter()
        .filter(|s| filter.period.is_none_or(|p| p.contains(s.held)))
        .flat_map(|s| {
            s.recommendations.iter().map(move |(u, r)| Line {
                supervision: s.title.clone(),
                unit: u.clone(),
                recommendation: r.clone(),
                standing: standing(r, s.sent, today),
            })
        })
        .filter(|l| filter.state.is_none_or(|st| l.standing.state == st))
        .filter(|l| !filter.escalate_only || l.standing.escalate)
        .filter(|l| unit.is_empty() || fold(&l.unit).contains(&unit))
        .filter(|l| {
            words.is_empty() || {
                let hay = fold(&format!(
                    "{} {} {}",
                    l.recommendation.text, l.recommendation.addressee, l.unit
                ));
                words.iter().all(|w| hay.contains(w.as_str()))
            }
        })
        .collect();
    out.sort_by_key(|l| {
        (
            !l.standing.escalate,
            l.standing.state != State::Overdue,
            l.standing.reply_by.unwrap_or(Day(i64::MAX)),
        )
    });
    out
}

#[cfg(test)]
#[path = "followup_tests.rs"]
mod tests;

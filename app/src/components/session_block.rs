//! One working session: date, place, attendees, and what was said — members' remarks and
//! the unit's explanations, an explanation able to answer one finding; and its minutes
//! (biên bản làm việc) as DOCX.

use leptos::prelude::*;
use shared::dates;
use shared::field::{RecordKind, TextField};
use shared::official::{issue, minutes};
use shared::reading::Supervision;
use shared::session::{self, RemarkKind, WorkingSession};
use shared::{DocumentId, RecordId};

use crate::components::issue_panel::standing_letterhead;
use crate::components::live_text::LiveText;
use crate::components::text_edits::{self, TextEdits};
use crate::export::save;
use crate::i18n::{Msg, now, t};
use crate::workspace::Workspace;
use crate::workspace::handles::Docs;

/// Props: `doc`, `session` as read, `supervision` the document as read.
#[component]
pub fn SessionBlock(
    doc: DocumentId,
    session: WorkingSession,
    supervision: Signal<Option<Supervision>>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let sid = session.id.clone();
    let sid2 = sid.clone();
    // Each reads what it needs of the page's copy, cloning nothing else.
    let remarks = Memo::new(move |_| {
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.remarks
                        .iter()
                        .filter(|r| r.session == sid2)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let unit = session.unit.clone();
    // Excerpts of the unit's findings: they wake on a keystroke in one (text_edits.rs).
    let texts = TextEdits::here();
    let findings = Memo::new(move |_| {
        text_edits::track(texts);
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.findings_of(unit.as_str())
                        .map(|f| (f.id.clone(), shared::text::excerpt(&f.text, 60).to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let sid3 = sid.clone();
    let attendees = Signal::derive(move || {
        supervision.with(|s| {
            s.as_ref()
                .and_then(|s| s.sessions.iter().find(|x| x.id == sid3))
                .map(|x| x.attendees.clone())
                .unwrap_or_default()
        })
    });
    let kind = RwSignal::new(RemarkKind::Remark);
    let answers = RwSignal::new(String::new());
    let draft = RwSignal::new(String::new());
    let sid4 = sid.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        let id = Workspace::new_id();
        let session_id = sid4.clone();
        let a = answers.get_untracked();
        let answer = (!a.is_empty()).then(|| RecordId::from_key(&a));
        let k = kind.get_untracked();
        if docs
            .apply(doc, move |d, s| {
                session::add_remark(d, &id, &session_id, k, text.trim(), answer.as_ref(), s)
            })
            .is_ok()
        {
            draft.set(String::new());
        }
    };
    let finding_text = move |id: &RecordId| {
        text_edits::track(texts);
        supervision.with(|s| {
            s.as_ref()
                .and_then(|s| s.finding(id))
                .map(|f| shared::text::excerpt(&f.text, 60).to_owned())
                .unwrap_or_default()
        })
    };
    // The minutes, under the letterhead the delegation issues with (the version that
    // stands, else one from the set-up), built and saved on the tablet.
    let minutes_error = RwSignal::new(None::<String>);
    let export_minutes = {
        let sid = sid.clone();
        move |_| {
            let made = docs.with_doc(&doc, |d| {
                let s = shared::reading::read(d)?;
                let letterhead = standing_letterhead(&issue::versions(d)?, Some(&s));
                minutes::minutes(&s, &sid, &letterhead)
            });
            save(made, "bien-ban", minutes_error);
        }
    };
    view! {
        <div class="session" data-testid="session">
            <p class="session-head"><strong>{dates::format_vn(&session.date)}</strong> " · " {session.place.clone()}</p>
            <LiveText doc=doc field=TextField::new(RecordKind::Session, &sid, "attendees") value=attendees rows=1
                label=now(Msg::Attendees) placeholder=now(Msg::Attendees) testid="session-attendees"/>
            <ul class="remarks">
                <For each=move || remarks.get() key=|r| r.id.clone() let(r)>
                    <li class="remark" data-kind=r.kind.as_str() data-testid="remark">
                        <span class="remark-kind">{match r.kind {
                            RemarkKind::Remark => t(Msg::RemarkKindRemark)(),
                            RemarkKind::Explanation => t(Msg::RemarkKindExplanation)(),
                        }} " — " {r.author.clone()}</span>
                        {r.answers.clone().map(|a| view! { <span class="answers">"↳ " {t(Msg::Answers)} ": " {finding_text(&a)}</span> })}
                        <LiveText doc=doc field=TextField::new(RecordKind::Remark, &r.id, "text")
                            value={ let rid = r.id.clone(); Signal::derive(move || remarks.get().into_iter().find(|x| x.id == rid).map(|x| x.text).unwrap_or_default()) }
                            rows=2 testid="remark-text" label=now(Msg::Remarks)/>
                    </li>
                </For>
            </ul>
            <form class="add-remark" on:submit=add>
                <select name="remark-kind" aria-label=now(Msg::Remarks)
                    on:change=move |ev| kind.set(RemarkKind::parse(&event_target_value(&ev)).unwrap_or_default())>
                    <option value="remark">{t(Msg::RemarkKindRemark)}</option>
                    <option value="explanation">{t(Msg::RemarkKindExplanation)}</option>
                </select>
                <select name="remark-answers" aria-label=now(Msg::Answers) on:change=move |ev| answers.set(event_target_value(&ev))>
                    <option value="">{t(Msg::Answers)} ": " {t(Msg::None)}</option>
                    <For each=move || findings.get() key=|(id, _)| id.clone() let((id, label))>
                        <option value=id.as_str().to_owned()>{label}</option>
                    </For>
                </select>
                <textarea name="remark-text" rows="2" on:input=move |ev| draft.set(event_target_value(&ev)) prop:value=move || draft.get()></textarea>
                <button type="submit" data-testid="add-remark">{t(Msg::AddRemark)}</button>
            </form>
            <div class="actions">
                <button type="button" data-testid="export-minutes" on:click=export_minutes>{t(Msg::ExportMinutes)}</button>
            </div>
            <Show when=move || minutes_error.get().is_some()>
                <p class="error" role="alert">{move || minutes_error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

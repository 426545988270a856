//! Issuing the conclusion (ban hành) and exporting it: the issued versions, each exportable
//! as DOCX at any time (offline too: the text comes from the document as it was when
//! issued), or printed from the browser ([`super::print_view`]); the draft's, marked DỰ THẢO;
//! and, for the delegation's head or deputy,
//! the form that issues a new version. Two versions issued while apart are both shown,
//! with the head's choice of which stands.

use leptos::prelude::*;
use shared::DocumentId;
use shared::RecordId;
use shared::member::Role;
use shared::official::issue::{self, IssuedVersion, Letterhead};
use shared::official::{Authority, LayoutId, Paper};
use shared::supervision::SupervisionKind;

use shared::reading::Supervision;

use crate::components::print_view::PrintView;
use crate::export::save;
use crate::i18n::{Msg, date_time, t};
use crate::workspace::Signals;
use crate::workspace::Workspace;
use crate::workspace::handles::Docs;

/// Props: `doc` the supervision, `supervision` the document as read.
#[component]
pub fn IssuePanel(doc: DocumentId, supervision: Signal<Option<Supervision>>) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let docs = expect_context::<Docs>();
    let revision = signals.revision;
    let versions = Memo::new(move |_| {
        revision.track();
        docs.with_doc(&doc, |d| issue::versions(d).unwrap_or_default())
            .unwrap_or_default()
    });
    let may_issue = Memo::new(move |_| docs.may_issue(&doc));
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    // The paper shown for printing, if any.
    let printing = RwSignal::new(None::<Paper>);
    let draft_paper = move || {
        docs.with_doc(&doc, |d| {
            standing_letterhead(&issue::versions(d)?, supervision.get_untracked().as_ref())
                .paper(d, true)
        })
    };

    let export_draft = move |_| save(draft_paper(), "du-thao", error);
    let print_draft = move |_| show(draft_paper(), printing, error);

    view! {
        <section class="card issue" data-testid="issue-panel">
            <h2>{t(Msg::IssuedVersions)}</h2>
            <Show when=move || versions.get().is_empty()>
                <p class="empty">{t(Msg::NoIssued)}</p>
            </Show>
            <ol class="versions">
                <For each=move || versions.get() key=|v| (v.id.clone(), v.superseded.clone(), v.concurrent.clone()) let(v)>
                    <VersionRow doc=doc version=v current=Signal::derive(move || issue::current(&versions.get()).map(|c| c.id.clone())) may_issue=may_issue error=error printing=printing/>
                </For>
            </ol>
            <div class="actions">
                <button type="button" data-testid="export-draft" on:click=export_draft>{t(Msg::ExportDraft)}</button>
                <button type="button" data-testid="print-draft" on:click=print_draft>{t(Msg::PrintDraft)}</button>
                <Show when=move || may_issue.get() && !open.get()>
                    <button type="button" class="primary" data-testid="issue-open" on:click=move |_| open.set(true)>{t(Msg::IssueOpen)}</button>
                </Show>
            </div>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || open.get()>
                <IssueForm doc=doc supervision=supervision versions=versions open=open/>
            </Show>
            {move || printing.get().map(|paper| view! {
                <PrintView paper=paper close=Callback::new(move |()| printing.set(None))/>
            })}
        </section>
    }
}

#[component]
fn VersionRow(
    doc: DocumentId,
    version: IssuedVersion,
    current: Signal<Option<RecordId>>,
    may_issue: Memo<bool>,
    error: RwSignal<Option<String>>,
    printing: RwSignal<Option<Paper>>,
) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let docs = expect_context::<Docs>();
    let v = version.clone();
    let print = {
        let version = version.clone();
        move |_| show(exported(docs, doc, &version), printing, error)
    };
    let id = v.id.clone();
    let number = v.number;
    let export = {
        let version = version.clone();
        move |_| {
            save(
                exported(docs, doc, &version),
                &format!("ban-hanh-{number}"),
                error,
            )
        }
    };
    let keep = {
        let others = v.concurrent.clone();
        move |_| {
            let others = others.clone();
            if let Err(e) = docs.apply(doc, move |d, s| {
                others.iter().try_for_each(|o| issue::supersede(d, o, s))
            }) {
                error.set(Some(e));
            }
        }
    };
    let l = &v.issuance.letterhead;
    let number_text = l
        .number
        .clone()
        .map(|n| format!("{n}/{}", l.code))
        .unwrap_or_else(|| format!("…/{}", l.code));
    // Issued offline, a version is on this tablet alone until the server confirms it.
    let on_server = {
        let id = id.clone();
        let (pending, revision) = (signals.pending, signals.revision);
        Memo::new(move |_| {
            pending.track();
            revision.track();
            docs.issued_on_server(&doc, &id)
        })
    };
    let is_current = move || current.get().as_ref() == Some(&id);
    let concurrent = !v.concurrent.is_empty();
    view! {
        <li class="version" data-testid="issued-version" data-number=number class:superseded=v.superseded.is_some()>
            <strong>{t(Msg::VersionLabel)} " " {number}</strong>
            " — " {l.doc_type.clone()} " " {number_text} " — "
            {format!("{:02}/{:02}/{}", l.date.2, l.date.1, l.date.0)} " — "
            {t(Msg::IssuedByLabel)} " " {v.issuance.issued_by.clone()} " (" {date_time(v.issuance.issued_at)} ")"
            <Show when=is_current><span class="badge" data-testid="current-version">{t(Msg::CurrentLabel)}</span></Show>
            {v.superseded.is_some().then(|| view! { <span class="badge muted">{t(Msg::SupersededLabel)}</span> })}
            <span class="badge" class:muted=move || !on_server.get() data-testid="version-sync" data-on-server=move || on_server.get().to_string()>
                {move || if on_server.get() { t(Msg::VersionOnServer)() } else { t(Msg::VersionOnTablet)() }}
            </span>
            <div class="code">{t(Msg::CheckCode)} ": " <code data-testid="check-code">{v.issuance.code.clone()}</code></div>
            {concurrent.then(|| view! {
                <p class="conflict" data-testid="concurrent-issue">{t(Msg::ConcurrentIssued)}</p>
            })}
            <div class="actions">
                <button type="button" data-testid="export-version" on:click=export>{t(Msg::ExportDocx)}</button>
                <button type="button" data-testid="print-version" on:click=print>{t(Msg::PrintVersion)}</button>
                <Show when=move || concurrent && may_issue.get()>
                    <button type="button" data-testid="keep-version" on:click=keep.clone()>{t(Msg::KeepThis)}</button>
                </Show>
            </div>
        </li>
    }
}

/// The form the head fills in to issue: prefilled from the version that stands, else from
/// the supervision's set-up.
#[component]
fn IssueForm(
    doc: DocumentId,
    supervision: Signal<Option<Supervision>>,
    versions: Memo<Vec<IssuedVersion>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let start = standing_letterhead(
        &versions.get_untracked(),
        supervision.get_untracked().as_ref(),
    );
    let layout = RwSignal::new(start.layout);
    let authority = RwSignal::new(start.authority);
    let text = |s: &str| RwSignal::new(s.to_owned());
    let superior = text(&start.superior);
    let issuer = text(&start.issuer);
    let doc_type = text(&start.doc_type);
    let number = text(start.number.as_deref().unwrap_or(""));
    let code = text(&start.code);
    let place = text(&start.place);
    let date = text(&today_vn());
    let summary = text(&start.summary);
    let for_body = text(&start.for_body);
    let signer_title = text(&start.signer_title);
    let signer_name = text(&start.signer_name);
    let recipients = text(&start.recipients.join("\n"));
    let error = RwSignal::new(None::<String>);
    let issued = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(iso) = shared::dates::parse_vn(&date.get_untracked()) else {
            error.set(Some(t(Msg::BadIssueDate)().to_owned()));
            return;
        };
        let parts: Vec<&str> = iso.split('-').collect();
        let (Some(y), Some(m), Some(d)) = (
            parts.first().and_then(|p| p.parse().ok()),
            parts.get(1).and_then(|p| p.parse().ok()),
            parts.get(2).and_then(|p| p.parse().ok()),
        ) else {
            error.set(Some(t(Msg::BadIssueDate)().to_owned()));
            return;
        };
        let trimmed = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let number = trimmed(number);
        let letterhead = Letterhead {
            layout: layout.get_untracked(),
            superior: trimmed(superior),
            issuer: trimmed(issuer),
            number: (!number.is_empty()).then_some(number),
            code: trimmed(code),
            place: trimmed(place),
            date: (y, m, d),
            doc_type: trimmed(doc_type),
            summary: trimmed(summary),
            authority: authority.get_untracked(),
            for_body: trimmed(for_body),
            signer_title: trimmed(signer_title),
            signer_name: trimmed(signer_name),
            recipients: recipients
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let id = Workspace::new_id();
        match docs.apply(doc, move |d, s| {
            issue::issue(d, &doc, &letterhead, &id, s).map(|_| ())
        }) {
            Ok(()) => {
                error.set(None);
                issued.set(true);
                open.set(false);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let input = |label: Msg, name: &'static str, sig: RwSignal<String>| {
        view! {
            <label>{t(label)}
                <input name=name on:input=move |ev| sig.set(event_target_value(&ev)) prop:value=move || sig.get()/>
            </label>
        }
    };
    let authorities = [
        (Authority::Collective, "collective", Msg::AuthCollective),
        (Authority::Deputy, "deputy", Msg::AuthDeputy),
        (Authority::Acting, "acting", Msg::AuthActing),
        (Authority::ByOrder, "by_order", Msg::AuthByOrder),
        (
            Authority::ByAuthorisation,
            "by_authorisation",
            Msg::AuthByAuthorisation,
        ),
        (Authority::Own, "own", Msg::AuthOwn),
    ];
    view! {
        <form class="issue-form" data-testid="issue-form" on:submit=submit>
            <h3>{t(Msg::IssueHeading)}</h3>
            <label>{t(Msg::LayoutLabel)}
                <select name="layout" prop:value=move || layout.get().as_str().to_owned()
                    on:change=move |ev| layout.set(LayoutId::parse(&event_target_value(&ev)).unwrap_or_default())>
                    <option value=LayoutId::Nd30.as_str()>{t(Msg::LayoutNd30)}</option>
                    <option value=LayoutId::Hd36.as_str()>{t(Msg::LayoutHd36)}</option>
                </select>
            </label>
            {input(Msg::SuperiorLabel, "superior", superior)}
            {input(Msg::IssuerLabel, "issuer", issuer)}
            {input(Msg::DocTypeLabel, "doc-type", doc_type)}
            {input(Msg::DocNumberLabel, "doc-number", number)}
            {input(Msg::DocCodeLabel, "doc-code", code)}
            {input(Msg::PlaceLabel, "place", place)}
            {input(Msg::DocDateLabel, "doc-date", date)}
            <label class="wide">{t(Msg::SummaryLabel)}
                <textarea name="summary" rows="2" on:input=move |ev| summary.set(event_target_value(&ev)) prop:value=move || summary.get()></textarea>
            </label>
            <label>{t(Msg::AuthorityLabel)}
                <select name="authority" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some((a, _, _)) = authorities.iter().find(|(_, k, _)| *k == v) { authority.set(*a); }
                }>
                    {authorities.into_iter().map(|(a, key, msg)| view! {
                        <option value=key selected=move || authority.get() == a>{t(msg)}</option>
                    }).collect_view()}
                </select>
            </label>
            {input(Msg::ForBodyLabel, "for-body", for_body)}
            {input(Msg::SignerTitleLabel, "signer-title", signer_title)}
            {input(Msg::SignerNameLabel, "signer-name", signer_name)}
            <label class="wide">{t(Msg::RecipientsLabel)}
                <textarea name="recipients" rows="3" on:input=move |ev| recipients.set(event_target_value(&ev)) prop:value=move || recipients.get()></textarea>
            </label>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="button" on:click=move |_| open.set(false)>{t(Msg::Cancel)}</button>
                <button type="submit" class="primary" data-testid="issue-submit">{t(Msg::IssueNow)}</button>
            </div>
        </form>
    }
}

/// An issued version's paper as exported from this server: with its check code and the
/// address that checks it.
fn exported(
    docs: Docs,
    doc: DocumentId,
    version: &IssuedVersion,
) -> Option<Result<Paper, shared::ModelError>> {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    docs.with_doc(&doc, |d| issue::issued_export(d, version, &origin))
}

/// The letterhead a new paper starts from: the standing version's, else one from the
/// supervision's set-up.
pub(crate) fn standing_letterhead(
    versions: &[IssuedVersion],
    s: Option<&Supervision>,
) -> Letterhead {
    issue::current(versions)
        .map(|v| v.issuance.letterhead.clone())
        .or_else(|| s.map(default_letterhead))
        .unwrap_or_default()
}

/// Show `paper` for printing, or say why not.
fn show(
    paper: Option<Result<Paper, shared::ModelError>>,
    printing: RwSignal<Option<Paper>>,
    error: RwSignal<Option<String>>,
) {
    match paper {
        Some(Ok(p)) => {
            error.set(None);
            printing.set(Some(p));
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => error.set(Some(t(Msg::NotOnThisDevice)().to_owned())),
    }
}

/// A first letterhead from the set-up: an inspection is a Party committee's (36-HD/VPTW),
/// a supervision the Front's (NĐ 30); the summary from the title, the signer the head.
fn default_letterhead(s: &Supervision) -> Letterhead {
    let inspection = s.setup.kind == SupervisionKind::Inspection;
    let mut title = s.setup.title.trim().to_owned();
    if let Some(first) = title.chars().next() {
        title = first.to_lowercase().chain(title.chars().skip(1)).collect();
    }
    let head = s.members.iter().find(|m| m.role == Role::Head);
    Letterhead {
        layout: if inspection {
            LayoutId::Hd36
        } else {
            LayoutId::Nd30
        },
        issuer: s.setup.basis_issuer.clone(),
        doc_type: "Thông báo".into(),
        code: if inspection {
            "TB/".into()
        } else {
            "TB-".into()
        },
        summary: format!("Kết quả {title}"),
        authority: Authority::Collective,
        for_body: s.setup.basis_issuer.clone(),
        signer_title: "Trưởng đoàn".into(),
        signer_name: head.map(|m| m.name.clone()).unwrap_or_default(),
        recipients: s.units.iter().map(|u| u.name.clone()).collect(),
        date: today(),
        ..Letterhead::default()
    }
}

fn today() -> (i32, u32, u32) {
    let d = js_sys::Date::new_0();
    (d.get_full_year() as i32, d.get_month() + 1, d.get_date())
}

fn today_vn() -> String {
    let (y, m, d) = today();
    format!("{d:02}/{m:02}/{y}")
}

//! One finding: its kind, its text (edited in place, merged character by character with
//! other members' typing), and who wrote it.
//!
//! The text area is not bound to the document reactively while it has focus: typing is
//! diffed into splices, and remote edits are merged into it by the workspace with the caret
//! kept where it was. When it does not have focus, it simply shows the document's text.

use leptos::html::Textarea;
use leptos::prelude::*;
use shared::finding::FindingKind;
use shared::supervision::Supervision;
use shared::{DocumentId, RecordId};

use crate::i18n::{t, Msg};
use crate::workspace::{ws, ActiveField};

/// The label of a finding kind in the current language.
pub fn kind_label(kind: FindingKind) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    t(match kind {
        FindingKind::Strength => Msg::Strength,
        FindingKind::Shortcoming => Msg::Shortcoming,
        FindingKind::Cause => Msg::Cause,
    })
}

/// Props: `doc` the supervision, `finding` this finding's id, `supervision` the document as read.
#[component]
pub fn FindingCard(doc: DocumentId, finding: RecordId, supervision: Memo<Option<Supervision>>) -> impl IntoView {
    let fid = finding.clone();
    let current = Memo::new(move |_| supervision.get().and_then(|s| s.findings.into_iter().find(|f| f.id == fid)));
    let text_ref = NodeRef::<Textarea>::new();

    // Show the document's text whenever the field is not being typed in.
    Effect::new(move |_| {
        let Some(f) = current.get() else { return };
        let Some(el) = text_ref.get() else { return };
        let focused = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .is_some_and(|a| a == **el);
        if !focused && el.value() != f.text {
            el.set_value(&f.text);
        }
    });

    let id_input = finding.clone();
    let on_input = move |_| {
        if let Some(el) = text_ref.get_untracked() {
            if let Err(e) = ws().set_finding_text(doc, &id_input, &el.value()) {
                web_sys::console::error_1(&e.into());
            }
        }
    };
    let id_focus = finding.clone();
    let on_focus = move |_| {
        if let Some(el) = text_ref.get_untracked() {
            ws().set_active(Some(ActiveField { doc, finding: id_focus.clone(), element: el.clone() }));
        }
    };
    let on_blur = move |_| ws().set_active(None);
    let id_kind = finding.clone();
    let on_kind = move |ev| {
        if let Some(k) = FindingKind::parse(&event_target_value(&ev)) {
            let _ = ws().set_finding_kind(doc, &id_kind, k);
        }
    };
    let initial = current.get_untracked().map(|f| f.text).unwrap_or_default();
    let kind_now = move || current.get().map(|f| f.kind).unwrap_or_default();
    view! {
        <li class="finding" data-testid="finding" data-kind=move || kind_now().as_str()>
            <div class="finding-meta">
                <select class="kind" aria-label=crate::i18n::now(Msg::FindingKind) on:change=on_kind prop:value=move || kind_now().as_str().to_owned()>
                    {FindingKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{kind_label(k)}</option> }).collect_view()}
                </select>
                <span class="author" data-testid="finding-author">
                    {t(Msg::WrittenBy)} ": " {move || current.get().map(|f| f.author).unwrap_or_default()}
                </span>
            </div>
            <textarea node_ref=text_ref class="finding-text" data-testid="finding-text" rows="3"
                on:input=on_input on:focus=on_focus on:blur=on_blur>{initial}</textarea>
        </li>
    }
}

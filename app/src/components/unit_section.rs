//! A unit under supervision with its findings, the form to add a finding about it, and the
//! form to add a unit.

use leptos::prelude::*;
use shared::finding::FindingKind;
use shared::supervision::Supervision;
use shared::unit::Unit;
use shared::DocumentId;

use crate::components::finding::{kind_label, FindingCard};
use crate::i18n::{now, t, Msg};
use crate::workspace::ws;

/// Props: `doc` the supervision, `unit` this unit, `supervision` the document as read.
#[component]
pub fn UnitSection(doc: DocumentId, unit: Unit, supervision: Memo<Option<Supervision>>) -> impl IntoView {
    let unit_id = unit.id.clone();
    let findings = Memo::new(move |_| {
        supervision
            .get()
            .map(|s| s.findings_of(unit_id.as_str()).cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let kind = RwSignal::new(FindingKind::Strength);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add_unit_id = unit.id.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let content = draft.get_untracked();
        if content.trim().is_empty() {
            return;
        }
        match ws().add_finding(doc, &add_unit_id, kind.get_untracked(), content.trim()) {
            Ok(()) => {
                draft.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="card unit" data-testid="unit">
            <h3>{unit.name.clone()}</h3>
            <Show when=move || !findings.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoFindings)}</p> }>
                <ul class="findings">
                    <For each=move || findings.get() key=|f| f.id.clone() let(f)>
                        <FindingCard doc=doc finding=f.id.clone() supervision=supervision/>
                    </For>
                </ul>
            </Show>
            <form class="add-finding" on:submit=add>
                <select name="finding-kind" aria-label=now(Msg::FindingKind)
                    on:change=move |ev| kind.set(FindingKind::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {FindingKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{kind_label(k)}</option> }).collect_view()}
                </select>
                <textarea name="new-finding" rows="2" placeholder=now(Msg::FindingPlaceholder) data-testid="new-finding"
                    on:input=move |ev| draft.set(event_target_value(&ev)) prop:value=move || draft.get()></textarea>
                <button type="submit" class="primary" data-testid="add-finding">{t(Msg::AddFinding)}</button>
            </form>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </section>
    }
}

/// Props: `doc` the supervision to add a unit to.
#[component]
pub fn AddUnit(doc: DocumentId) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        if n.trim().is_empty() {
            return;
        }
        if ws().add_unit(doc, &n).is_ok() {
            name.set(String::new());
        }
    };
    view! {
        <form class="card add-unit" on:submit=add>
            <label>
                {t(Msg::UnitName)}
                <input name="unit-name" placeholder=now(Msg::UnitPlaceholder) data-testid="unit-name"
                    on:input=move |ev| name.set(event_target_value(&ev)) prop:value=move || name.get()/>
            </label>
            <button type="submit" class="primary" data-testid="add-unit">{t(Msg::AddUnit)}</button>
        </form>
    }
}

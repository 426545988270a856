//! One supervision: its set-up at a glance, who else is here, search, and four tabs —
//! the delegation and scope, units with sessions and findings, recommendations, conclusion.
//! While the document is not on this device yet, says so (it downloads when online).
//! An observer of the supervision's delegation reads it: every control of the tabs sits in
//! one fieldset, disabled for them, with a note saying why.
//!
//! Opened from the reading the tablet kept (`workspace::kept`) before the engine has loaded
//! the document, the page is drawn at once and its controls wait, disabled and `aria-busy`,
//! until the document is loaded; the engine waits for the page to be on screen (`hold`).

use leptos::prelude::*;
use shared::DocumentId;
use shared::conclusion::Paragraph;
use shared::dates;
use shared::finding::Finding;
use shared::reading::{Part, Supervision};
use shared::recommendation::Recommendation;
use shared::supervision::SupervisionKind;

use crate::components::card_budget::CardBudget;
use crate::components::conclusion_panel::ConclusionPanel;
use crate::components::issue_panel::IssuePanel;
use crate::components::presence_bar::PresenceBar;
use crate::components::recommendations::RecommendationsPanel;
use crate::components::record_signals::RecordSignals;
use crate::components::route::{Route, Router};
use crate::components::search_box::{SearchBox, Tab};
use crate::components::setup_panel::SetupPanel;
use crate::components::text_edits::{Shapes, TextEdits};
use crate::components::unit_section::{AddUnit, UnitSection};
use crate::engine::Hold;
use crate::i18n::{Msg, t};
use crate::workspace::Signals;
use crate::workspace::handles::{Docs, Here};
use crate::workspace::{mark, measure};

/// Props: `id`, the supervision's document; `hold`, the engine held until the page is on
/// screen (drawn from a kept reading).
#[component]
pub fn SupervisionPage(id: DocumentId, hold: Option<Hold>) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let docs = expect_context::<Docs>();
    let here = expect_context::<Here>();
    let router = expect_context::<Router>();
    // User Timing: reading the supervision (`giamsat:open-read`) and building the page
    // around its first cards (`giamsat:open-build`), for DevTools and the data-path bench.
    mark("giamsat:open");
    let revision = signals.revision;
    here.set_viewing(Some(id));
    on_cleanup(move || here.set_viewing(None));
    // The page's copy of the supervision: after each change only the records it touched are
    // cloned into it (Workspace::mirror), and only those records' cards are told.
    let mut first = None;
    let mut at = 0;
    docs.mirror(&id, &mut first, &mut at);
    measure("giamsat:open-read", "giamsat:open");
    let seen = StoredValue::new(at);
    let view = RwSignal::new(first);
    let doc: Signal<Option<Supervision>> = view.into();
    let findings = RecordSignals::<Finding>::new(
        doc,
        |s| s.findings.iter().map(|f| (&f.id, f)).collect(),
        |s, id| s.finding(id).cloned(),
        |d| (!d.parts.contains(&Part::Findings)).then_some(&d.findings),
    );
    provide_context(findings.clone());
    let paragraphs = RecordSignals::<Paragraph>::new(
        doc,
        |s| s.conclusion.iter().map(|p| (&p.id, p)).collect(),
        |s, id| s.paragraph(id).cloned(),
        |d| (!d.parts.contains(&Part::Conclusion)).then_some(&d.paragraphs),
    );
    provide_context(paragraphs.clone());
    let recommendations = RecordSignals::<Recommendation>::new(
        doc,
        |s| s.recommendations.iter().map(|r| (&r.id, r)).collect(),
        |s, id| s.recommendation(id).cloned(),
        |d| (!d.parts.contains(&Part::Recommendations)).then_some(&d.recommendations),
    );
    provide_context(recommendations.clone());
    provide_context(CardBudget::start(doc, signals.loaded.into()));
    // A change to texts only (a keystroke) wakes the changed records' cards and the readers
    // of texts, not what is built from the whole copy (text_edits.rs).
    let texts = TextEdits(Trigger::new());
    provide_context(texts);
    // A copy filled afresh comes with `Delta::everything`, which sets the shapes anew.
    let shapes =
        StoredValue::new(view.with_untracked(|s| s.as_ref().map(Shapes::of).unwrap_or_default()));
    Effect::new(move |_| {
        revision.track();
        let mut applied = None;
        view.update_untracked(|copy| {
            let mut at = seen.get_value();
            applied = docs.mirror(&id, copy, &mut at);
            seen.set_value(at);
        });
        let Some(delta) = applied else { return };
        let only_texts = view.with_untracked(|s| {
            let Some(s) = s else { return false };
            shapes
                .try_update_value(|known| known.only_texts(s, &delta))
                .unwrap_or(false)
        });
        if only_texts {
            texts.0.notify();
        } else {
            view.notify();
        }
        view.with_untracked(|s| {
            if let Some(s) = s {
                findings.refresh(s, &delta);
                paragraphs.refresh(s, &delta);
                recommendations.refresh(s, &delta);
            }
        });
    });
    // The header reads the set-up alone, so a finding's edit does not redraw it.
    let setup = Memo::new(move |_| doc.with(|s| s.as_ref().map(|s| s.setup.clone())));
    let held = Memo::new(move |_| doc.with(Option::is_some));
    let units =
        Memo::new(move |_| doc.with(|s| s.as_ref().map(|s| s.units.clone()).unwrap_or_default()));

    let tab = RwSignal::new(Tab::Work);
    let read_only = Memo::new(move |_| docs.read_only(&id));
    let loaded = signals.loaded;
    let waiting = move || {
        revision.track();
        // Before the documents are loaded (a kept reading that could not be read), it may
        // well be on the tablet.
        if !loaded.get() || docs.is_wanted(&id) {
            t(Msg::Loading)()
        } else {
            t(Msg::NotOnThisDevice)()
        }
    };
    let tab_button = move |which: Tab, label: Msg, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" class:active=move || tab.get() == which data-testid=testid
                aria-selected=move || (tab.get() == which).to_string() on:click=move |_| tab.set(which)>{t(label)}</button>
        }
    };
    // Effects run once the page is built and in the document.
    let hold = StoredValue::new_local(hold);
    Effect::new(move |done: Option<()>| {
        if done.is_none() {
            measure("giamsat:open-build", "giamsat:open");
            // On screen: the engine may load the documents.
            hold.update_value(|h| drop(h.take()));
        }
    });
    view! {
        <a class="back" href="#/" on:click=move |ev| { ev.prevent_default(); router.go(Route::List); }>{t(Msg::Back)}</a>
        <Show when=move || held.get() fallback=move || view! { <p class="empty" data-testid="waiting">{waiting}</p> }>
            <article class="supervision" data-testid="supervision">
                <header class="card setup">
                    <p class="kind">{move || match setup.get().map(|s| s.kind) {
                        Some(SupervisionKind::Inspection) => t(Msg::KindInspection)(),
                        _ => t(Msg::KindSupervision)(),
                    }}</p>
                    <h1 data-testid="supervision-title">{move || setup.get().map(|s| s.title).unwrap_or_default()}</h1>
                    <dl>
                        <dt>{t(Msg::Basis)}</dt>
                        <dd data-testid="basis">{move || setup.get().map(|b| {
                            let mut parts = vec![format!("{} {}", t(Msg::DecisionPhrase)(), b.basis_number)];
                            if !b.basis_date.is_empty() { parts.push(dates::format_vn(&b.basis_date)); }
                            if !b.basis_issuer.is_empty() { parts.push(format!("{} {}", t(Msg::Of)(), b.basis_issuer)); }
                            parts.join(" — ")
                        })}</dd>
                        <dt>{t(Msg::Period)}</dt>
                        <dd>{move || setup.get().map(|s| format!("{} – {}", s.period_from, s.period_to))}</dd>
                        <dt>{t(Msg::Schedule)}</dt>
                        <dd data-testid="schedule">{move || setup.get().map(|s| format!("{} – {}", dates::format_vn(&s.schedule_from), dates::format_vn(&s.schedule_to)))}</dd>
                    </dl>
                </header>
                <PresenceBar doc=id/>
                <SearchBox supervision=doc tab=tab/>
                <Show when=move || read_only.get()>
                    <p class="read-only-note" data-testid="read-only">{t(Msg::ReadOnlyNote)}</p>
                </Show>
                <nav class="tabs" role="tablist">
                    {tab_button(Tab::Setup, Msg::TabSetup, "tab-setup")}
                    {tab_button(Tab::Work, Msg::TabWork, "tab-work")}
                    {tab_button(Tab::Recommendations, Msg::TabRecommendations, "tab-recommendations")}
                    {tab_button(Tab::Conclusion, Msg::TabConclusion, "tab-conclusion")}
                </nav>
                <fieldset class="doc-body" disabled=move || read_only.get() || !loaded.get()
                    aria-busy=move || (!loaded.get() && !read_only.get()).to_string() data-testid="doc-body">
                {move || match tab.get() {
                    Tab::Setup => view! { <SetupPanel doc=id supervision=doc/> }.into_any(),
                    Tab::Work => view! {
                        <section class="units">
                            <h2>{t(Msg::Units)}</h2>
                            <Show when=move || !units.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoUnits)}</p> }>
                                <For each=move || units.get() key=|u| (u.id.clone(), u.name.clone()) let(u)>
                                    <UnitSection doc=id unit=u supervision=doc/>
                                </For>
                            </Show>
                            <AddUnit doc=id/>
                        </section>
                    }.into_any(),
                    Tab::Recommendations => view! { <RecommendationsPanel doc=id supervision=doc/> }.into_any(),
                    Tab::Conclusion => view! { <ConclusionPanel doc=id supervision=doc/> }.into_any(),
                }}
                </fieldset>
                // Outside the fieldset: an observer exports issued versions too.
                <Show when=move || tab.get() == Tab::Conclusion>
                    <IssuePanel doc=id supervision=doc/>
                </Show>
            </article>
        </Show>
    }
}

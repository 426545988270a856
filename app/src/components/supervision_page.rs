//! One supervision: its set-up, then each unit with its findings. While the document is not
//! on this device yet, says so (it downloads when online).

use leptos::prelude::*;
use shared::supervision::SupervisionKind;
use shared::DocumentId;

use crate::components::route::{Route, Router};
use crate::components::unit_section::{AddUnit, UnitSection};
use crate::i18n::{date_vn, t, Msg};
use crate::workspace::ws;

/// Props: `id`, the supervision's document.
#[component]
pub fn SupervisionPage(id: DocumentId) -> impl IntoView {
    let router = expect_context::<Router>();
    let revision = ws().signals.revision;
    let doc = Memo::new(move |_| {
        revision.track();
        ws().supervision(&id)
    });
    let units = Memo::new(move |_| doc.get().map(|s| s.units).unwrap_or_default());
    let waiting = move || {
        revision.track();
        if ws().is_wanted(&id) { t(Msg::Loading)() } else { t(Msg::NotOnThisDevice)() }
    };
    view! {
        <a class="back" href="#/" on:click=move |ev| { ev.prevent_default(); router.go(Route::List); }>{t(Msg::Back)}</a>
        <Show when=move || doc.get().is_some() fallback=move || view! { <p class="empty" data-testid="waiting">{waiting}</p> }>
            <article class="supervision" data-testid="supervision">
                <header class="card setup">
                    <p class="kind">{move || match doc.get().map(|s| s.setup.kind) {
                        Some(SupervisionKind::Inspection) => t(Msg::KindInspection)(),
                        _ => t(Msg::KindSupervision)(),
                    }}</p>
                    <h1 data-testid="supervision-title">{move || doc.get().map(|s| s.setup.title).unwrap_or_default()}</h1>
                    <dl>
                        <dt>{t(Msg::Basis)}</dt>
                        <dd data-testid="basis">{move || doc.get().map(|s| {
                            let b = &s.setup;
                            format!("{} {} — {} — {} {}", t(Msg::DecisionPhrase)(), b.basis_number, date_vn(&b.basis_date), t(Msg::Of)(), b.basis_issuer)
                        })}</dd>
                        <dt>{t(Msg::Period)}</dt>
                        <dd>{move || doc.get().map(|s| format!("{} – {}", s.setup.period_from, s.setup.period_to))}</dd>
                    </dl>
                </header>
                <section class="units">
                    <h2>{t(Msg::Units)}</h2>
                    <Show when=move || !units.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoUnits)}</p> }>
                        <For each=move || units.get() key=|u| (u.id.clone(), u.name.clone()) let(u)>
                            <UnitSection doc=id unit=u supervision=doc/>
                        </For>
                    </Show>
                    <AddUnit doc=id/>
                </section>
            </article>
        </Show>
    }
}

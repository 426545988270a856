//! The list of supervisions this device knows (held here or listed in the catalogue), and
//! the button that opens the creation form.

use leptos::prelude::*;

use crate::components::new_supervision::NewSupervision;
use crate::components::route::{Route, Router};
use crate::i18n::{Msg, t};
use crate::workspace::ws;

#[component]
pub fn SupervisionList() -> impl IntoView {
    let router = expect_context::<Router>();
    let revision = ws().signals.revision;
    let items = Memo::new(move |_| {
        revision.track();
        ws().supervisions()
    });
    let creating = RwSignal::new(false);
    view! {
        <section class="list">
            <div class="section-head">
                <h1>{t(Msg::Supervisions)}</h1>
                <button class="primary" data-testid="new-supervision" on:click=move |_| creating.set(true)>
                    "+ " {t(Msg::NewSupervision)}
                </button>
            </div>
            <Show when=move || creating.get()>
                <NewSupervision on_done=Callback::new(move |id| {
                    creating.set(false);
                    if let Some(id) = id {
                        router.go(Route::Supervision(id));
                    }
                })/>
            </Show>
            <Show when=move || !items.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoSupervisions)}</p> }>
                <ul class="supervisions">
                    <For each=move || items.get() key=|(id, title, held)| (*id, title.clone(), *held) let((id, title, held))>
                        <li>
                            <a href=format!("#/s/{id}") class="supervision-link" class:not-held=!held data-testid="supervision-link"
                                on:click=move |ev| { ev.prevent_default(); router.go(Route::Supervision(id)); }>
                                {title}
                            </a>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

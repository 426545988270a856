//! The shell: header (app name, member, sync state, language), then the current screen.
//! Asks the member's name first if this device does not know it yet.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::name_form::NameForm;
use crate::components::route::{self, Route, Router};
use crate::components::status::SyncBadge;
use crate::components::supervision_list::SupervisionList;
use crate::components::supervision_page::SupervisionPage;
use crate::i18n::{Lang, Language, Msg, t};
use crate::workspace::ws;

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::Vi);
    provide_context(Language(lang));
    let router = Router(RwSignal::new(route::current()));
    provide_context(router);
    // Follow the back button and typed addresses.
    let on_hash =
        wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || router.0.set(route::current()));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
    }
    on_hash.forget();

    let member = ws().signals.member;
    let storage_error = ws().signals.storage_error;
    view! {
        <header class="topbar">
            <a class="brand" href="#/" on:click=move |_| router.go(Route::List)>{t(Msg::AppName)}</a>
            <span class="who" data-testid="member">
                {move || member.get().map(|m| format!("{} · {m}", crate::i18n::text(lang.get(), Msg::YouAre)))}
            </span>
            <SyncBadge/>
            <button class="lang" on:click=move |_| lang.update(|l| *l = if *l == Lang::Vi { Lang::En } else { Lang::Vi })>
                {t(Msg::SwitchLanguage)}
            </button>
        </header>
        <Show when=move || storage_error.get().is_some()>
            <p class="error" role="alert">{t(Msg::StorageError)} " (" {move || storage_error.get().unwrap_or_default()} ")"</p>
        </Show>
        <main>
            <Show when=move || member.get().is_some() fallback=|| view! { <NameForm/> }>
                {move || match router.0.get() {
                    Route::List => view! { <SupervisionList/> }.into_any(),
                    Route::Supervision(id) => view! { <SupervisionPage id=id/> }.into_any(),
                }}
            </Show>
        </main>
    }
}

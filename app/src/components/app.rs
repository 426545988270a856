//! The shell: header (app name, member, sync state, language), the session-expired notice,
//! then the current screen. A tablet nobody has signed in on shows the sign-in form, except
//! for an invitation link, which creates the account.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::account_bar::AccountBar;
use crate::components::invitation_page::InvitationPage;
use crate::components::route::{self, Route, Router};
use crate::components::screens::{self, Screen};
use crate::components::session_notice::SessionNotice;
use crate::components::sign_in::SignInForm;
use crate::components::status::SyncBadge;
use crate::components::supervision_list::SupervisionList;
use crate::i18n::{Lang, Language, Msg, t};
use crate::workspace::{Signals, handles};

#[component]
pub fn App() -> impl IntoView {
    // What the views get of the workspace: small handles, through context.
    handles::provide();
    let signals = expect_context::<Signals>();
    let lang = RwSignal::new(Lang::Vi);
    provide_context(Language(lang));
    let router = Router(RwSignal::new(route::current()));
    provide_context(router);
    // Follow the back button, typed addresses and opened links.
    let on_hash =
        wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || router.0.set(route::current()));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
    }
    on_hash.forget();

    let me = signals.me;
    // Only a sign-in or a sign-out changes the screen, not a refreshed `me`.
    let signed_in = Memo::new(move |_| me.with(Option::is_some));
    let storage_error = signals.storage_error;
    let edit_error = signals.edit_error;
    let screen = move || match (router.0.get(), signed_in.get()) {
        (Route::Invite(token), _) => view! { <InvitationPage token=token/> }.into_any(),
        (_, false) => view! { <SignInForm/> }.into_any(),
        (Route::List, true) => view! { <SupervisionList/> }.into_any(),
        (Route::Supervision(id), true) => screens::show(Screen::Supervision(id)),
        (Route::Delegation(id), true) => screens::show(Screen::Delegation(id)),
        (Route::Admin, true) => screens::show(Screen::Admin),
        (Route::FollowUp, true) => screens::show(Screen::FollowUp),
    };
    view! {
        <header class="topbar">
            <a class="brand" href="#/" on:click=move |_| router.go(Route::List)>{t(Msg::AppName)}</a>
            <AccountBar/>
            <SyncBadge/>
            <button class="lang" on:click=move |_| lang.update(|l| *l = if *l == Lang::Vi { Lang::En } else { Lang::Vi })>
                {t(Msg::SwitchLanguage)}
            </button>
        </header>
        <SessionNotice/>
        <Show when=move || storage_error.get().is_some()>
            <p class="error" role="alert">{t(Msg::StorageError)} " (" {move || storage_error.get().unwrap_or_default()} ")"</p>
        </Show>
        <Show when=move || edit_error.get().is_some()>
            <p class="error" role="alert" data-testid="edit-error">{t(Msg::EditRefused)} " (" {move || edit_error.get().unwrap_or_default()} ") "
                <button type="button" class="link" on:click=move |_| edit_error.set(None)>{t(Msg::Dismiss)}</button>
            </p>
        </Show>
        <main>{screen}</main>
    }
}

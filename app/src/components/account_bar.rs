//! The member's corner of the top bar: their name, the administration link for an
//! administrator, and signing out — which first asks when unsynced changes would be lost,
//! then ends the device session on the server, empties the tablet's storage and reloads.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::route::{Route, Router};
use crate::i18n::{Language, Msg, t, text};
use crate::workspace::Signals;
use crate::workspace::handles::Device;

#[component]
pub fn AccountBar() -> impl IntoView {
    let signals = expect_context::<Signals>();
    let device = expect_context::<Device>();
    let lang = expect_context::<Language>().0;
    let router = expect_context::<Router>();
    let me = signals.me;
    let name = move || me.with(|m| m.as_ref().map(|m| m.user.display_name.clone()));
    let is_admin = move || me.with(|m| m.as_ref().is_some_and(|m| m.user.is_admin));
    view! {
        <Show when=move || name().is_some()>
            <span class="who" data-testid="member" title=move || name().unwrap_or_default()>
                <span class="who-prefix">{move || text(lang.get(), Msg::YouAre)} " · "</span>
                {move || name().unwrap_or_default()}
            </span>
            <Show when=is_admin>
                <a class="admin-link" href="#/admin" data-testid="admin-link"
                    on:click=move |ev| { ev.prevent_default(); router.go(Route::Admin); }>{t(Msg::Admin)}</a>
            </Show>
            <button type="button" class="sign-out" data-testid="sign-out" on:click=move |_| sign_out(signals, device, lang.get_untracked())>
                {t(Msg::SignOut)}
            </button>
        </Show>
    }
}

/// Ask first if changes would be lost; then sign out everywhere this tablet knows of.
fn sign_out(signals: Signals, device: Device, lang: crate::i18n::Lang) {
    let pending = signals.pending.get_untracked();
    if pending > 0 {
        let question = format!("{pending} {}", text(lang, Msg::SignOutLoses));
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
    }
    spawn_local(async move {
        // Offline, the server is told later (before anything else this tablet does); the
        // tablet forgets everything now all the same.
        crate::sign_out::mark_pending();
        if let Err(e) = crate::sign_out::finish().await {
            web_sys::console::warn_1(
                &format!("sign out: the server will be told later: {e:?}").into(),
            );
        }
        if let Err(e) = device.forget_everything().await {
            web_sys::console::error_1(&format!("sign out: storage not cleared: {e}").into());
        }
        if let Some(w) = web_sys::window() {
            let _ = w.location().replace("/");
        }
    });
}

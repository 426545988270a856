//! The session-expired notice: shown when the server no longer takes this tablet's session
//! (expired after long disuse, or revoked). It says that nothing syncs and how many changes
//! wait safely on the tablet, with the sign-in form for the same member; signing in
//! reconnects and syncs everything.

use leptos::prelude::*;

use crate::account::SessionState;
use crate::components::sign_in::SignInForm;
use crate::i18n::{Msg, t};
use crate::workspace::Signals;

#[component]
pub fn SessionNotice() -> impl IntoView {
    let signals = expect_context::<Signals>();
    let username = Memo::new(move |_| {
        signals
            .me
            .with(|m| m.as_ref().map(|m| m.user.username.clone()))
    });
    let shown = move || signals.session.get() == SessionState::Expired && username.get().is_some();
    view! {
        <Show when=shown>
            <section class="card session-expired" role="alert" data-testid="session-expired">
                <p>
                    <strong>{t(Msg::SessionExpired)}</strong> " "
                    <span data-testid="safe-count">{move || signals.pending.get()}</span> " "
                    {t(Msg::ChangesSafe)}
                </p>
                {move || view! { <SignInForm username=username.get().unwrap_or_default() compact=true/> }}
            </section>
        </Show>
    }
}

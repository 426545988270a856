//! Signing in: username and password → `POST /api/session`. Used on a tablet nobody has
//! signed in on yet, and again, for the same member, when the session has expired (the
//! username is then fixed). The server's own message is shown on a refusal (wrong
//! password, too many tries).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::account::Me;
use crate::api::{self, Method};
use crate::i18n::{Msg, now, t};

/// Props: `username`, fixed when signing in again as the same member; `compact` for the
/// form inside the session-expired notice (no title).
#[component]
pub fn SignInForm(
    #[prop(optional)] username: Option<String>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let fixed = username.is_some();
    let user = RwSignal::new(username.unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "username": user.get_untracked().trim(), "password": password.get_untracked() });
        busy.set(true);
        spawn_local(async move {
            // The previous session on this tablet, signed out offline, ends before a new one.
            if let Err(e) = crate::sign_out::finish().await {
                error.set(Some(e.message(now(Msg::ServerUnreachable))));
                busy.set(false);
                return;
            }
            match api::json::<Me>(Method::Post, "/api/session", Some(&body)).await {
                Ok(me) => {
                    error.set(None);
                    password.set(String::new());
                    crate::net::signed_in(me).await;
                }
                Err(e) => error.set(Some(e.message(now(Msg::ServerUnreachable)))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card sign-in" class:compact=compact on:submit=submit data-testid="sign-in">
            <Show when=move || !compact>
                <h1>{t(Msg::SignInTitle)}</h1>
                <p class="hint">{t(Msg::SignInHint)}</p>
            </Show>
            <label>
                {t(Msg::Username)}
                <input name="username" required autocomplete="username" autocapitalize="none"
                    readonly=fixed
                    on:input=move |ev| user.set(event_target_value(&ev)) prop:value=move || user.get()/>
            </label>
            <label>
                {t(Msg::Password)}
                <input name="password" type="password" required autocomplete="current-password"
                    on:input=move |ev| password.set(event_target_value(&ev)) prop:value=move || password.get()/>
            </label>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="sign-in-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button type="submit" class="primary" data-testid="sign-in-submit" disabled=move || busy.get()>{t(Msg::SignIn)}</button>
        </form>
    }
}

//! A member changes their own password (on the list screen): the current one, then the new
//! one. The server signs their other devices out; this tablet stays signed in. Online only:
//! the password lives on the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api::Method;
use crate::components::remote;
use crate::i18n::{Msg, t};

#[component]
pub fn PasswordChange() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "current": current.get_untracked(), "new": new.get_untracked() });
        spawn_local(async move {
            match remote::send(Method::Put, "/api/me/password", &body).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    status.set(Some(Ok(())));
                }
                Err(e) => status.set(Some(Err(remote::message(&e)))),
            }
        });
    };
    view! {
        <details class="card password-change">
            <summary>{t(Msg::ChangePassword)}</summary>
            <form class="admin-form" on:submit=submit>
                <label>{t(Msg::CurrentPassword)}
                    <input type="password" name="current-password" required autocomplete="current-password"
                        on:input=move |ev| current.set(event_target_value(&ev)) prop:value=move || current.get()/></label>
                <label>{t(Msg::NewPassword)}
                    <input type="password" name="new-password" required minlength="8" autocomplete="new-password"
                        on:input=move |ev| new.set(event_target_value(&ev)) prop:value=move || new.get()/></label>
                <button type="submit" class="primary" data-testid="change-password">{t(Msg::ChangePassword)}</button>
                {move || match status.get() {
                    None => None,
                    Some(Ok(())) => Some(view! { <p class="hint" data-testid="password-changed">"✓ " {t(Msg::PasswordChanged)}</p> }.into_any()),
                    Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
                }}
            </form>
        </details>
    }
}

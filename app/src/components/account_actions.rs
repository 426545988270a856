//! What an administrator does to one account on the *Quản trị / Admin* screen: set a new
//! password (someone forgot theirs), disable or enable it, and sign it out of every device.
//! Each ends that person's sessions; their open sync connections close at once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api::Method;
use crate::components::remote;
use crate::i18n::{Msg, now, t};

/// Props: `user` the account's id, `disabled` whether it is disabled now, `on_done` told
/// after it was disabled or enabled (to refetch the list).
#[component]
pub fn AccountActions(user: i64, disabled: bool, on_done: Callback<()>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    // `changes_list`: the list shows the change (disabled), so it is fetched again; the other
    // actions show their outcome here.
    let run = move |method: Method, path: String, body: serde_json::Value, changes_list: bool| {
        spawn_local(async move {
            let result = match method {
                Method::Delete => remote::delete(&path).await,
                m => remote::send(m, &path, &body).await,
            };
            match result {
                Ok(()) => {
                    password.set(String::new());
                    status.set(Some(Ok(())));
                    if changes_list {
                        on_done.run(());
                    }
                }
                Err(e) => status.set(Some(Err(remote::message(&e)))),
            }
        });
    };
    let reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "password": password.get_untracked() });
        run(
            Method::Put,
            format!("/api/admin/users/{user}/password"),
            body,
            false,
        );
    };
    let toggle = move |_| {
        let body = json!({ "disabled": !disabled });
        run(
            Method::Put,
            format!("/api/admin/users/{user}/disabled"),
            body,
            true,
        );
    };
    let end = move |_| {
        run(
            Method::Delete,
            format!("/api/admin/users/{user}/sessions"),
            json!({}),
            false,
        )
    };
    view! {
        <div class="account-actions">
            <form class="inline-form" on:submit=reset>
                <input type="password" name="reset-password" required minlength="8" autocomplete="new-password"
                    aria-label=now(Msg::NewPassword) placeholder=now(Msg::NewPassword)
                    on:input=move |ev| password.set(event_target_value(&ev)) prop:value=move || password.get()/>
                <button type="submit" data-testid="reset-password">{t(Msg::ResetPassword)}</button>
            </form>
            <button type="button" data-testid="toggle-disabled" on:click=toggle>
                {if disabled { t(Msg::EnableAccount) } else { t(Msg::DisableAccount) }}
            </button>
            <button type="button" data-testid="end-sessions" on:click=end>{t(Msg::EndAllSessions)}</button>
            {move || match status.get() {
                None => None,
                Some(Ok(())) => Some(view! { <span class="hint" data-testid="admin-saved">"✓ " {t(Msg::Saved)}</span> }.into_any()),
                Some(Err(e)) => Some(view! { <span class="error" role="alert">{e}</span> }.into_any()),
            }}
        </div>
    }
}

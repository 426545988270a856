//! An invitation link (`#/invite/<token>`): which delegation, which role, until when; then
//! either a new account (display name, username, password of 8 characters or more) or,
//! for someone already signed in on this tablet, joining with their own account. Either way
//! the member lands on the list, signed in, with the delegation's supervisions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;
use shared::member::Role;

use crate::account::Me;
use crate::api::{self, ApiError, Method};
use crate::components::remote::{self, Fetched};
use crate::components::route::{Route, Router};
use crate::components::setup_panel::role_msg;
use crate::i18n::{Msg, date_time, now, t};
use crate::workspace::Signals;

/// The shortest password the server takes.
const MIN_PASSWORD: usize = 8;

/// `GET /api/invitations/{token}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvitationInfo {
    delegation_name: String,
    role: String,
    #[serde(default)]
    expires_at: i64,
}

/// Props: `token`, from the link.
#[component]
pub fn InvitationPage(token: String) -> impl IntoView {
    let path = format!("/api/invitations/{}", api::segment(&token));
    let info = Fetched::<InvitationInfo>::new(path.clone());
    let accept_path = format!("{path}/accept");
    view! {
        <section class="card invitation" data-testid="invitation">
            <h1>{t(Msg::InvitationTitle)}</h1>
            {move || match info.get() {
                None => view! { <p class="empty">{t(Msg::LoadingTitle)}</p> }.into_any(),
                Some(Err(ApiError::Status(404, _))) => view! {
                    <p class="error" role="alert" data-testid="invitation-gone">{t(Msg::InvitationGone)}</p>
                }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{remote::message(&e)}</p> }.into_any(),
                Some(Ok(inv)) => view! {
                    <dl class="invitation-facts">
                        <dt>{t(Msg::Delegation)}</dt><dd data-testid="invitation-delegation">{inv.delegation_name.clone()}</dd>
                        <dt>{t(Msg::Role)}</dt><dd data-testid="invitation-role">{Role::parse(&inv.role).map(|r| t(role_msg(r))().to_owned()).unwrap_or(inv.role.clone())}</dd>
                        <dt>{t(Msg::ValidUntil)}</dt><dd>{date_time(inv.expires_at)}</dd>
                    </dl>
                    <AcceptForm path=accept_path.clone()/>
                }.into_any(),
            }}
        </section>
    }
}

/// Props: `path`, the invitation's accept route.
#[component]
fn AcceptForm(path: String) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let router = expect_context::<Router>();
    let me = signals.me;
    let signed_in_as =
        Memo::new(move |_| me.with(|m| m.as_ref().map(|m| m.user.display_name.clone())));
    let display_name = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let accept = move |body: serde_json::Value, path: String| {
        busy.set(true);
        spawn_local(async move {
            match api::json::<Me>(Method::Post, &path, Some(&body)).await {
                Ok(me) => {
                    crate::net::signed_in(me).await;
                    router.go(Route::List);
                }
                // Joined, but the answer is not the `me` body: ask for it.
                Err(ApiError::Decode(_)) => {
                    crate::net::refresh_me().await;
                    crate::net::wake();
                    router.go(Route::List);
                }
                Err(e) => error.set(Some(remote::message(&e))),
            }
            busy.set(false);
        });
    };
    let path_join = path.clone();
    let join = move |_| accept(json!({}), path_join.clone());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pw = password.get_untracked();
        if pw.chars().count() < MIN_PASSWORD {
            error.set(Some(now(Msg::PasswordTooShort).to_owned()));
            return;
        }
        let body = json!({
            "displayName": display_name.get_untracked().trim(),
            "username": username.get_untracked().trim(),
            "password": pw,
        });
        accept(body, path.clone());
    };
    view! {
        <Show when=move || signed_in_as.get().is_some() fallback=move || view! {
            <form class="accept-form" on:submit=create.clone()>
                <label>{t(Msg::NameLabel)}
                    <input name="display-name" required autocomplete="name"
                        on:input=move |ev| display_name.set(event_target_value(&ev)) prop:value=move || display_name.get()/></label>
                <label>{t(Msg::Username)}
                    <input name="username" required autocomplete="username" autocapitalize="none"
                        on:input=move |ev| username.set(event_target_value(&ev)) prop:value=move || username.get()/></label>
                <label>{t(Msg::Password)} " (" {t(Msg::PasswordHint)} ")"
                    <input name="password" type="password" required autocomplete="new-password"
                        on:input=move |ev| password.set(event_target_value(&ev)) prop:value=move || password.get()/></label>
                <button type="submit" class="primary" data-testid="accept-invitation" disabled=move || busy.get()>{t(Msg::CreateAccountJoin)}</button>
            </form>
        }>
            <p>{t(Msg::SignedInAs)} " " <strong>{move || signed_in_as.get().unwrap_or_default()}</strong></p>
            <button type="button" class="primary" data-testid="join-invitation" disabled=move || busy.get() on:click=join.clone()>
                {t(Msg::JoinWithMyAccount)}
            </button>
        </Show>
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert" data-testid="invitation-error">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}

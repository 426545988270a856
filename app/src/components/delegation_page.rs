//! A delegation's screen (`#/d/<id>`): its members with their roles, and — for its head,
//! deputy or an administrator — changing a role, removing a member, creating a single-use
//! invitation link for a role (shown whole with a copy button), and the open links
//! ([`crate::components::open_invitations`]) to withdraw one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;
use shared::member::Role;

use crate::api::Method;
use crate::components::open_invitations::{OpenInvitation, OpenInvitations};
use crate::components::remote::{self, Fetched};
use crate::components::route::{Route, Router};
use crate::components::setup_panel::role_msg;
use crate::i18n::{Msg, date_time, now, t};
use crate::workspace::Signals;

/// `GET /api/delegations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationDetail {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub members: Vec<DelegationMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationMember {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
}

/// `POST /api/delegations/{id}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Invitation {
    path: String,
    #[serde(default)]
    expires_at: i64,
}

/// A role picker: `name` for the form, `value` the chosen role, `on_change` told of a choice.
#[component]
pub fn RoleSelect(
    name: &'static str,
    value: RwSignal<Role>,
    #[prop(optional)] testid: &'static str,
    #[prop(optional)] on_change: Option<Callback<Role>>,
) -> impl IntoView {
    view! {
        <select name=name aria-label=now(Msg::Role) data-testid=testid prop:value=move || value.get().as_str()
            on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) {
                value.set(r);
                if let Some(f) = on_change { f.run(r) }
            }>
            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{t(role_msg(r))}</option> }).collect_view()}
        </select>
    }
}

/// Props: `id`, the delegation.
#[component]
pub fn DelegationPage(id: i64) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let router = expect_context::<Router>();
    let detail = Fetched::<DelegationDetail>::new(format!("/api/delegations/{id}"));
    let manages = move || {
        signals
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.manages(id)))
    };
    let my_id = move || signals.me.with(|m| m.as_ref().map(|m| m.user.id));
    let error = RwSignal::new(None::<String>);
    let change = move |user: i64, role: Option<Role>| {
        spawn_local(async move {
            let path = format!("/api/delegations/{id}/members/{user}");
            let result = match role {
                Some(r) => remote::send(Method::Put, &path, &json!({ "role": r.as_str() })).await,
                None => remote::delete(&path).await,
            };
            match result {
                Ok(()) => {
                    error.set(None);
                    detail.refetch();
                    crate::net::refresh_me().await;
                }
                Err(e) => error.set(Some(remote::message(&e))),
            }
        });
    };
    view! {
        <a class="back" href="#/" on:click=move |ev| { ev.prevent_default(); router.go(Route::List); }>{t(Msg::Back)}</a>
        {detail.view(move |d| view! {
                <section class="delegation" data-testid="delegation">
                    <h1>{d.name.clone()}</h1>
                    <section class="card">
                        <h2>{t(Msg::Members)}</h2>
                        <table class="members-table">
                            <tbody>
                                {d.members.into_iter().map(|m| {
                                    let user = m.user_id;
                                    let is_me = my_id() == Some(user);
                                    let role = RwSignal::new(Role::parse(&m.role).unwrap_or_default());
                                    view! {
                                        <tr data-testid="delegation-member" data-username=m.username.clone()>
                                            <td><strong>{m.display_name.clone()}</strong> {is_me.then(|| view! { " " {t(Msg::You)} })}
                                                <br/><span class="hint">{m.username.clone()}</span></td>
                                            <td>{move || if manages() {
                                                view! {
                                                    <RoleSelect name="member-role" value=role testid="member-role"
                                                        on_change=Callback::new(move |r| change(user, Some(r)))/>
                                                }.into_any()
                                            } else {
                                                view! { <span>{t(role_msg(role.get_untracked()))}</span> }.into_any()
                                            }}</td>
                                            <td><Show when=move || manages() && !is_me>
                                                <button type="button" data-testid="remove-member" on:click=move |_| change(user, None)>{t(Msg::Remove)}</button>
                                            </Show></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Show when=move || error.get().is_some()>
                            <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                        </Show>
                    </section>
                    <Show when=manages>
                        {
                            let links = Fetched::<Vec<OpenInvitation>>::new(format!("/api/delegations/{id}/invitations"));
                            view! {
                                <InviteCard delegation=d.id on_created=Callback::new(move |()| links.refetch())/>
                                <OpenInvitations delegation=d.id links=links/>
                            }
                        }
                    </Show>
                </section>
            })}
    }
}

/// Props: `delegation`, where the invitee will belong; `on_created`, told of a new link.
#[component]
fn InviteCard(delegation: i64, on_created: Callback<()>) -> impl IntoView {
    let role = RwSignal::new(Role::Member);
    let link = RwSignal::new(None::<(String, i64)>);
    let error = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "role": role.get_untracked().as_str() });
        spawn_local(async move {
            let path = format!("/api/delegations/{delegation}/invitations");
            match remote::json::<Invitation>(Method::Post, &path, &body).await {
                Ok(inv) => {
                    let origin = web_sys::window()
                        .and_then(|w| w.location().origin().ok())
                        .unwrap_or_default();
                    copied.set(false);
                    error.set(None);
                    link.set(Some((format!("{origin}{}", inv.path), inv.expires_at)));
                    on_created.run(());
                }
                Err(e) => error.set(Some(remote::message(&e))),
            }
        });
    };
    let copy = move |_| {
        let Some((url, _)) = link.get_untracked() else {
            return;
        };
        if let Some(w) = web_sys::window() {
            let promise = w.navigator().clipboard().write_text(&url);
            spawn_local(async move {
                copied.set(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
            });
        }
    };
    view! {
        <form class="card invite" on:submit=create>
            <h2>{t(Msg::InviteMember)}</h2>
            <p class="hint">{t(Msg::InvitationNote)}</p>
            <div class="inline-form">
                <RoleSelect name="invite-role" value=role testid="invite-role"/>
                <button type="submit" class="primary" data-testid="create-invitation">{t(Msg::CreateInvitation)}</button>
            </div>
            <Show when=move || link.get().is_some()>
                <div class="inline-form invite-link">
                    <input readonly data-testid="invite-url" aria-label=now(Msg::InviteMember)
                        prop:value=move || link.get().map(|(u, _)| u).unwrap_or_default()
                        on:focus=move |ev| { if let Some(el) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) { el.select(); } }/>
                    <button type="button" data-testid="copy-invitation" on:click=copy>
                        {move || if copied.get() { t(Msg::Copied)() } else { t(Msg::Copy)() }}
                    </button>
                </div>
                <p class="hint">{t(Msg::ValidUntil)} ": " {move || link.get().map(|(_, at)| date_time(at)).unwrap_or_default()}</p>
            </Show>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </form>
    }
}

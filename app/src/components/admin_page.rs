//! Administration (`#/admin`, for administrators): delegations (list, create), accounts
//! (list, create; reset a password, disable, sign out everywhere: [`AccountActions`]), adding an account to a delegation with a role,
//! organisations ([`OrganisationsCard`]) and — in [`crate::components::admin_sessions`] —
//! device sessions and the audit log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;
use shared::member::Role;

use crate::api::Method;
use crate::components::account_actions::AccountActions;
use crate::components::admin_organisations::OrganisationsCard;
use crate::components::admin_sessions::{AuditCard, SessionsCard};
use crate::components::delegation_page::RoleSelect;
use crate::components::remote::{self, Fetched};
use crate::components::route::{Route, Router};
use crate::i18n::{Msg, t};
use crate::workspace::Signals;

/// `GET /api/admin/delegations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminDelegation {
    pub id: i64,
    pub name: String,
    /// How many members.
    #[serde(default)]
    pub members: i64,
}

/// `GET /api/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub disabled: bool,
}

type Loaded<T> = Fetched<Vec<T>>;

/// The outcome of a form: saved, or the server's message.
fn outcome(status: RwSignal<Option<Result<(), String>>>) -> impl IntoView {
    move || match status.get() {
        None => None,
        Some(Ok(())) => Some(
            view! { <p class="hint" data-testid="admin-saved">"✓ " {t(Msg::Saved)}</p> }.into_any(),
        ),
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let router = expect_context::<Router>();
    let signals = expect_context::<Signals>();
    let is_admin = move || {
        signals
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.user.is_admin))
    };
    let delegations: Loaded<AdminDelegation> = Fetched::new("/api/admin/delegations".into());
    let users: Loaded<AdminUser> = Fetched::new("/api/admin/users".into());
    view! {
        <a class="back" href="#/" on:click=move |ev| { ev.prevent_default(); router.go(Route::List); }>{t(Msg::Back)}</a>
        <Show when=is_admin fallback=|| view! { <p class="error" role="alert">{t(Msg::AdminOnly)}</p> }>
            <section class="admin" data-testid="admin">
                <h1>{t(Msg::AdminTitle)}</h1>
                <DelegationsCard delegations=delegations/>
                <AccountsCard users=users/>
                <MembershipCard delegations=delegations users=users/>
                <OrganisationsCard delegations=delegations users=users/>
                <SessionsCard/>
                <AuditCard/>
            </section>
        </Show>
    }
}

/// Props: `delegations`, the loaded list (refetched after a creation).
#[component]
fn DelegationsCard(delegations: Loaded<AdminDelegation>) -> impl IntoView {
    let router = expect_context::<Router>();
    let name = RwSignal::new(String::new());
    let status = RwSignal::new(None);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "name": name.get_untracked().trim() });
        spawn_local(async move {
            match remote::send(Method::Post, "/api/delegations", &body).await {
                Ok(()) => {
                    name.set(String::new());
                    status.set(Some(Ok(())));
                    delegations.refetch();
                }
                Err(e) => status.set(Some(Err(remote::message(&e)))),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{t(Msg::Delegations)}</h2>
            {delegations.view(move |list| view! {
                <ul class="admin-list">
                    {list.into_iter().map(|d| { let id = d.id; view! {
                        <li data-testid="admin-delegation">
                            <a href=format!("#/d/{id}") class="row-link" on:click=move |ev| { ev.prevent_default(); router.go(Route::Delegation(id)); }>
                                {d.name}</a>
                            <span class="hint">" · " {d.members} " " {t(Msg::MemberCount)}</span>
                        </li>
                    }}).collect_view()}
                </ul>
            })}
            <form class="inline-form" on:submit=create>
                <input name="delegation-name" required aria-label=t(Msg::DelegationName)() placeholder=t(Msg::DelegationName)()
                    on:input=move |ev| name.set(event_target_value(&ev)) prop:value=move || name.get()/>
                <button type="submit" class="primary" data-testid="create-delegation">{t(Msg::NewDelegation)}</button>
            </form>
            {outcome(status)}
        </section>
    }
}

/// Props: `users`, the loaded accounts (refetched after a creation).
#[component]
fn AccountsCard(users: Loaded<AdminUser>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let is_admin = RwSignal::new(false);
    let status = RwSignal::new(None);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({
            "username": username.get_untracked().trim(),
            "displayName": display_name.get_untracked().trim(),
            "password": password.get_untracked(),
            "isAdmin": is_admin.get_untracked(),
        });
        spawn_local(async move {
            match remote::send(Method::Post, "/api/admin/users", &body).await {
                Ok(()) => {
                    for s in [username, display_name, password] {
                        s.set(String::new());
                    }
                    is_admin.set(false);
                    status.set(Some(Ok(())));
                    users.refetch();
                }
                Err(e) => status.set(Some(Err(remote::message(&e)))),
            }
        });
    };
    let field = move |label: Msg, name: &'static str, kind: &'static str, sig: RwSignal<String>| {
        view! {
            <label>{t(label)}
                <input name=name type=kind required on:input=move |ev| sig.set(event_target_value(&ev)) prop:value=move || sig.get()/></label>
        }
    };
    view! {
        <section class="card">
            <h2>{t(Msg::Accounts)}</h2>
            {users.view(move |list| view! {
                <ul class="admin-list">
                    {list.into_iter().map(|u| view! {
                        <li data-testid="admin-user" data-username=u.username.clone()><strong>{u.display_name.clone()}</strong> " · " {u.username.clone()}
                            {u.is_admin.then(|| view! { <span class="role-badge">{t(Msg::IsAdmin)}</span> })}
                            {u.disabled.then(|| view! { <span class="role-badge" data-testid="account-disabled">{t(Msg::AccountDisabled)}</span> })}
                            <AccountActions user=u.id disabled=u.disabled on_done=Callback::new(move |()| users.refetch())/></li>
                    }).collect_view()}
                </ul>
            })}
            <form class="admin-form" on:submit=create>
                {field(Msg::NameLabel, "new-display-name", "text", display_name)}
                {field(Msg::Username, "new-username", "text", username)}
                {field(Msg::Password, "new-password", "password", password)}
                <label class="check"><input type="checkbox" name="new-is-admin" prop:checked=move || is_admin.get()
                    on:change=move |ev| is_admin.set(event_target_checked(&ev))/>{t(Msg::IsAdmin)}</label>
                <button type="submit" class="primary" data-testid="create-user">{t(Msg::NewAccount)}</button>
            </form>
            {outcome(status)}
        </section>
    }
}

/// Props: `delegations` and `users`, to choose from.
#[component]
fn MembershipCard(delegations: Loaded<AdminDelegation>, users: Loaded<AdminUser>) -> impl IntoView {
    let delegation = RwSignal::new(None::<i64>);
    let user = RwSignal::new(None::<i64>);
    let role = RwSignal::new(Role::Member);
    let status = RwSignal::new(None);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(d), Some(u)) = (delegation.get_untracked(), user.get_untracked()) else {
            return;
        };
        let body = json!({ "role": role.get_untracked().as_str() });
        spawn_local(async move {
            let path = format!("/api/delegations/{d}/members/{u}");
            match remote::send(Method::Put, &path, &body).await {
                Ok(()) => {
                    status.set(Some(Ok(())));
                    delegations.refetch();
                    crate::net::refresh_me().await;
                }
                Err(e) => status.set(Some(Err(remote::message(&e)))),
            }
        });
    };
    let options = |items: Vec<(i64, String)>| {
        items
            .into_iter()
            .map(|(id, label)| view! { <option value=id.to_string()>{label}</option> })
            .collect_view()
    };
    view! {
        <form class="card admin-form" on:submit=add>
            <h2>{t(Msg::AddToDelegation)}</h2>
            <select name="member-delegation" aria-label=t(Msg::ChooseDelegation)() required
                on:change=move |ev| delegation.set(event_target_value(&ev).parse().ok())>
                <option value="">{t(Msg::ChooseDelegation)}</option>
                {move || options(delegations.ok().unwrap_or_default().into_iter().map(|d| (d.id, d.name)).collect())}
            </select>
            <select name="member-user" aria-label=t(Msg::ChooseAccount)() required
                on:change=move |ev| user.set(event_target_value(&ev).parse().ok())>
                <option value="">{t(Msg::ChooseAccount)}</option>
                {move || options(users.ok().unwrap_or_default().into_iter()
                    .map(|u| (u.id, format!("{} ({})", u.display_name, u.username))).collect())}
            </select>
            <RoleSelect name="member-role" value=role/>
            <button type="submit" class="primary" data-testid="add-to-delegation">{t(Msg::AddToDelegation)}</button>
            {outcome(status)}
        </form>
    }
}

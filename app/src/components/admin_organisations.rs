//! Administration of organisations (on `#/admin`): the bodies that run supervisions, each
//! with a level the administrator writes and the organisation above it; which delegations
//! each owns; and its leaders, who read every supervision below it and its follow-up and
//! figures (`server/src/accounts/organisations.rs`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;

use crate::api::Method;
use crate::components::admin_page::{AdminDelegation, AdminUser};
use crate::components::remote::{self, Fetched};
use crate::i18n::{Msg, t};

/// `GET /api/admin/organisations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminOrganisation {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub level: String,
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub delegations: Vec<i64>,
    #[serde(default)]
    pub leaders: Vec<i64>,
}

type Loaded<T> = Fetched<Vec<T>>;

fn options(items: Vec<(i64, String)>) -> impl IntoView {
    items
        .into_iter()
        .map(|(id, label)| view! { <option value=id.to_string()>{label}</option> })
        .collect_view()
}

/// Send `body` with `method` to `path`; on success refetch the organisations.
fn submit(
    method: Method,
    path: String,
    body: serde_json::Value,
    organisations: Loaded<AdminOrganisation>,
    status: RwSignal<Option<Result<(), String>>>,
) {
    spawn_local(async move {
        match remote::send(method, &path, &body).await {
            Ok(()) => {
                status.set(Some(Ok(())));
                organisations.refetch();
            }
            Err(e) => status.set(Some(Err(remote::message(&e)))),
        }
    });
}

/// Props: the loaded delegations and accounts (to name them and choose among them).
#[component]
pub fn OrganisationsCard(
    delegations: Loaded<AdminDelegation>,
    users: Loaded<AdminUser>,
) -> impl IntoView {
    let organisations: Loaded<AdminOrganisation> = Fetched::new("/api/admin/organisations".into());
    let status = RwSignal::new(None);
    let (name, level, parent) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(None::<i64>),
    );
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "name": name.get_untracked().trim(), "level": level.get_untracked().trim(), "parentId": parent.get_untracked() });
        name.set(String::new());
        submit(
            Method::Post,
            "/api/admin/organisations".into(),
            body,
            organisations,
            status,
        );
    };
    let (owned, owner) = (RwSignal::new(None::<i64>), RwSignal::new(None::<i64>));
    let attach = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(d) = owned.get_untracked() else {
            return;
        };
        let body = json!({ "organisationId": owner.get_untracked() });
        submit(
            Method::Put,
            format!("/api/admin/delegations/{d}/organisation"),
            body,
            organisations,
            status,
        );
    };
    let (led, leader) = (RwSignal::new(None::<i64>), RwSignal::new(None::<i64>));
    let add_leader = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(o), Some(u)) = (led.get_untracked(), leader.get_untracked()) else {
            return;
        };
        submit(
            Method::Put,
            format!("/api/admin/organisations/{o}/leaders/{u}"),
            json!({}),
            organisations,
            status,
        );
    };
    let org_options = move || {
        options(
            organisations
                .ok()
                .unwrap_or_default()
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
        )
    };
    let user_name = move |id: i64| {
        users
            .ok()
            .unwrap_or_default()
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name)
            .unwrap_or_else(|| id.to_string())
    };
    let delegation_name = move |id: i64| {
        delegations
            .ok()
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.id == id)
            .map(|d| d.name)
            .unwrap_or_else(|| id.to_string())
    };
    view! {
        <section class="card" data-testid="admin-organisations">
            <h2>{t(Msg::Organisations)}</h2>
            {organisations.view(move |list| {
                let names: Vec<(i64, String)> = list.iter().map(|o| (o.id, o.name.clone())).collect();
                view! {
                    <ul class="admin-list">
                        {list.into_iter().map(|o| {
                            let above = o.parent_id.and_then(|p| names.iter().find(|(id, _)| *id == p).map(|(_, n)| n.clone()));
                            let org = o.id;
                            view! {
                                <li data-testid="admin-organisation">
                                    <strong>{o.name.clone()}</strong>
                                    {(!o.level.is_empty()).then(|| format!(" ({})", o.level))}
                                    {above.map(|a| view! { <span class="hint">" · " {t(Msg::OrganisationAbove)} " " {a}</span> })}
                                    <div class="hint">{t(Msg::Delegations)} ": "
                                        {o.delegations.iter().map(|d| delegation_name(*d)).collect::<Vec<_>>().join(", ")}</div>
                                    <div class="hint">{t(Msg::Leaders)} ": "
                                        {o.leaders.into_iter().map(|u| view! {
                                            <span class="leader">{user_name(u)} " "
                                                <button type="button" class="link-inline" aria-label=t(Msg::RemoveLeader)()
                                                    on:click=move |_| submit(Method::Delete, format!("/api/admin/organisations/{org}/leaders/{u}"), json!({}), organisations, status)>"×"</button>
                                            </span>
                                        }).collect_view()}
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
            })}
            <form class="inline-form" on:submit=create>
                <input name="organisation-name" required aria-label=t(Msg::OrganisationName)() placeholder=t(Msg::OrganisationName)()
                    on:input=move |ev| name.set(event_target_value(&ev)) prop:value=move || name.get()/>
                <input name="organisation-level" aria-label=t(Msg::OrganisationLevel)() placeholder=t(Msg::OrganisationLevel)()
                    on:input=move |ev| level.set(event_target_value(&ev)) prop:value=move || level.get()/>
                <select name="organisation-parent" aria-label=t(Msg::OrganisationAbove)()
                    on:change=move |ev| parent.set(event_target_value(&ev).parse().ok())>
                    <option value="">{t(Msg::NoOrganisationAbove)}</option>
                    {org_options}
                </select>
                <button type="submit" class="primary" data-testid="create-organisation">{t(Msg::NewOrganisation)}</button>
            </form>
            <form class="inline-form" on:submit=attach>
                <select name="owned-delegation" aria-label=t(Msg::ChooseDelegation)() required
                    on:change=move |ev| owned.set(event_target_value(&ev).parse().ok())>
                    <option value="">{t(Msg::ChooseDelegation)}</option>
                    {move || options(delegations.ok().unwrap_or_default().into_iter().map(|d| (d.id, d.name)).collect())}
                </select>
                <select name="owner-organisation" aria-label=t(Msg::Organisations)()
                    on:change=move |ev| owner.set(event_target_value(&ev).parse().ok())>
                    <option value="">{t(Msg::NoOrganisationAbove)}</option>
                    {org_options}
                </select>
                <button type="submit" data-testid="attach-delegation">{t(Msg::AttachDelegation)}</button>
            </form>
            <form class="inline-form" on:submit=add_leader>
                <select name="led-organisation" aria-label=t(Msg::Organisations)() required
                    on:change=move |ev| led.set(event_target_value(&ev).parse().ok())>
                    <option value="">{t(Msg::Organisations)}</option>
                    {org_options}
                </select>
                <select name="leader-account" aria-label=t(Msg::ChooseAccount)() required
                    on:change=move |ev| leader.set(event_target_value(&ev).parse().ok())>
                    <option value="">{t(Msg::ChooseAccount)}</option>
                    {move || options(users.ok().unwrap_or_default().into_iter().map(|u| (u.id, format!("{} ({})", u.display_name, u.username))).collect())}
                </select>
                <button type="submit" data-testid="add-leader">{t(Msg::AddLeader)}</button>
            </form>
            {move || match status.get() {
                Some(Ok(())) => Some(view! { <p class="hint" data-testid="organisation-saved">"✓ " {t(Msg::Saved)}</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
                None => None,
            }}
        </section>
    }
}

//! A delegation's open invitation links (for its head, deputy or an administrator): the role
//! each brings, who made it and until when it works, and withdrawing one before it is used.
//! A link is named by the server's id for it, never shown again as a usable link.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use shared::member::Role;

use crate::components::remote::{self, Fetched};
use crate::components::setup_panel::role_msg;
use crate::i18n::{Msg, date_time, t};

/// `GET /api/delegations/{id}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInvitation {
    pub id: String,
    pub role: String,
    pub created_by: String,
    pub expires_at: i64,
}

/// Props: `delegation`; `links`, the list (the invitation form refetches it after a new link).
#[component]
pub fn OpenInvitations(delegation: i64, links: Fetched<Vec<OpenInvitation>>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let withdraw = move |id: String| {
        spawn_local(async move {
            let path = format!("/api/delegations/{delegation}/invitations/{id}");
            match remote::delete(&path).await {
                Ok(()) => {
                    error.set(None);
                    links.refetch();
                }
                Err(e) => error.set(Some(remote::message(&e))),
            }
        });
    };
    view! {
        <section class="card" data-testid="open-invitations">
            <h2>{t(Msg::OpenInvitations)}</h2>
            {links.view(move |list| if list.is_empty() {
                view! { <p class="hint">{t(Msg::NoOpenInvitations)}</p> }.into_any()
            } else {
                view! {
                    <table class="admin-table">
                        <thead><tr><th>{t(Msg::Role)}</th><th>{t(Msg::MadeBy)}</th><th>{t(Msg::ValidUntil)}</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|inv| {
                                let id = inv.id.clone();
                                let role = Role::parse(&inv.role).map(|r| t(role_msg(r))());
                                view! {
                                    <tr data-testid="open-invitation">
                                        <td>{role.unwrap_or_default()}</td>
                                        <td>{inv.created_by.clone()}</td>
                                        <td>{date_time(inv.expires_at)}</td>
                                        <td><button type="button" data-testid="withdraw-invitation"
                                            on:click=move |_| withdraw(id.clone())>{t(Msg::Withdraw)}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </section>
    }
}

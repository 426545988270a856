//! The list of supervisions this member can open, grouped by delegation (see
//! [`crate::listing`]); titles come from the documents on the tablet ("Loading…" until they
//! have synced). A head or deputy reaches the delegation's screen from its heading; the
//! button to create a supervision shows for members who may write in some delegation.

use leptos::prelude::*;

use crate::components::new_supervision::NewSupervision;
use crate::components::password_change::PasswordChange;
use crate::components::route::{Route, Router};
use crate::components::setup_panel::role_msg;
use crate::i18n::{Msg, t};
use crate::listing::{self, Group, Listed};
use crate::workspace::Signals;
use crate::workspace::handles::{Device, Docs};

#[component]
pub fn SupervisionList() -> impl IntoView {
    let device = expect_context::<Device>();
    let router = expect_context::<Router>();
    let signals = expect_context::<Signals>();
    let docs = expect_context::<Docs>();
    // Fresh delegations and supervisions each time the list is opened (when online).
    leptos::task::spawn_local(async move {
        if device.is_ready() {
            crate::net::refresh_me().await;
        }
    });
    let groups = Memo::new(move |_| {
        signals.revision.track();
        let pending = docs.pending_registrations();
        let local = docs.local_ids();
        signals
            .me
            .with(|m| {
                m.as_ref()
                    .map(|me| listing::groups(me, &pending, &local, |id| docs.title(id)))
            })
            .unwrap_or_default()
    });
    let may_create = Memo::new(move |_| {
        signals.me.with(|m| {
            m.as_ref()
                .is_some_and(|m| !m.writable_delegations().is_empty())
        })
    });
    let creating = RwSignal::new(false);
    view! {
        <section class="list">
            <div class="section-head">
                <h1>{t(Msg::Supervisions)}</h1>
                <a class="manage" href="#/theo-doi" data-testid="followup-link"
                    on:click=move |ev| { ev.prevent_default(); router.go(Route::FollowUp); }>{t(Msg::FollowUpLink)}</a>
                <Show when=move || may_create.get()>
                    <button class="primary" data-testid="new-supervision" on:click=move |_| creating.set(true)>
                        "+ " {t(Msg::NewSupervision)}
                    </button>
                </Show>
            </div>
            <Show when=move || creating.get()>
                <NewSupervision on_done=Callback::new(move |id| {
                    creating.set(false);
                    if let Some(id) = id {
                        router.go(Route::Supervision(id));
                    }
                })/>
            </Show>
            <Show when=move || !groups.get().is_empty() fallback=|| view! { <p class="empty" data-testid="no-delegation">{t(Msg::NoDelegation)}</p> }>
                <For each=move || groups.get() key=|g| format!("{g:?}") let(group)>
                    <DelegationGroup group=group/>
                </For>
            </Show>
            <PasswordChange/>
        </section>
    }
}

/// Props: `group`, one delegation's supervisions (or those only on this tablet).
#[component]
fn DelegationGroup(group: Group) -> impl IntoView {
    let router = expect_context::<Router>();
    let signals = expect_context::<Signals>();
    let manages = group.delegation.as_ref().is_some_and(|d| {
        signals
            .me
            .with_untracked(|m| m.as_ref().is_some_and(|m| m.manages(d.id)))
    });
    let id = group.delegation.as_ref().map(|d| d.id);
    let heading = match &group.delegation {
        Some(d) => view! {
            <h2>{d.name.clone()}</h2>
            {d.role().map(|r| view! { <span class="role-badge">{t(role_msg(r))}</span> })}
            {d.organisation.clone().map(|o| view! { <span class="hint" data-testid="via-organisation">" · " {o}</span> })}
        }
        .into_any(),
        None => view! { <h2>{t(Msg::OnlyOnThisDevice)}</h2> }.into_any(),
    };
    let empty = group.items.is_empty();
    view! {
        <section class="delegation-group" data-testid="delegation-group" data-delegation=id.map(|i| i.to_string()).unwrap_or_default()>
            <div class="group-head">
                {heading}
                {(manages).then(|| id.map(|id| view! {
                    <a class="manage" href=format!("#/d/{id}") data-testid="manage-delegation"
                        on:click=move |ev| { ev.prevent_default(); router.go(Route::Delegation(id)); }>{t(Msg::ManageDelegation)}</a>
                }))}
            </div>
            {empty.then(|| view! { <p class="empty">{t(Msg::NoSupervisionInDelegation)}</p> })}
            <ul class="supervisions">
                {group.items.into_iter().map(|item| view! { <SupervisionLink item=item/> }).collect_view()}
            </ul>
        </section>
    }
}

/// Props: `item`, one supervision.
#[component]
fn SupervisionLink(item: Listed) -> impl IntoView {
    let router = expect_context::<Router>();
    let id = item.id;
    let held = item.title.is_some();
    view! {
        <li>
            <a href=format!("#/s/{id}") class="supervision-link" class:not-held=!held data-testid="supervision-link"
                on:click=move |ev| { ev.prevent_default(); router.go(Route::Supervision(id)); }>
                {match item.title {
                    Some(title) => title.into_any(),
                    None => t(Msg::LoadingTitle).into_any(),
                }}
                {item.unregistered.then(|| view! { <span class="hint">" · " {t(Msg::NotYetSent)}</span> })}
            </a>
        </li>
    }
}

//! The sync badge: offline / connecting / syncing / synced — or expired, when the server no
//! longer takes this tablet's session — and how many local changes the server has not
//! confirmed yet.

use leptos::prelude::*;

use crate::account::SessionState;
use crate::i18n::{Language, Msg, t, text};
use crate::workspace::LinkState;
use crate::workspace::Signals;

#[component]
pub fn SyncBadge() -> impl IntoView {
    let signals = expect_context::<Signals>();
    let lang = expect_context::<Language>().0;
    let expired = move || signals.session.get() == SessionState::Expired;
    let label = move || {
        let msg = match signals.link.get() {
            _ if expired() => Msg::Expired,
            LinkState::Offline => Msg::Offline,
            LinkState::Connecting => Msg::Connecting,
            LinkState::Syncing => Msg::Syncing,
            LinkState::Synced => Msg::Synced,
        };
        text(lang.get(), msg)
    };
    let state = move || match signals.link.get() {
        _ if expired() => "expired",
        LinkState::Offline => "offline",
        LinkState::Connecting => "connecting",
        LinkState::Syncing => "syncing",
        LinkState::Synced => "synced",
    };
    let pending_label = t(Msg::PendingChanges);
    let confirmed_label = t(Msg::AllConfirmed);
    view! {
        <span class="sync-badge" data-state=state data-pending=move || signals.pending.get().to_string() data-testid="sync-status"
            title=move || if signals.pending.get() == 0 { confirmed_label().to_owned() } else { format!("{} {}", signals.pending.get(), pending_label()) }>
            <span class="dot"></span>
            <span class="label">{label}</span>
            <Show when=move || { signals.pending.get() > 0 }>
                <span class="pending" data-testid="pending-count">" · " {move || signals.pending.get()} <span class="label">" " {pending_label}</span></span>
            </Show>
        </span>
    }
}

//! The screens fetched only when first opened (issue 15's first load): a supervision, a
//! delegation, administration and the follow-up each live in their own wasm module, which
//! `cargo xtask build` splits off (wasm-split) and the service worker keeps for offline use.
//! The sign-in form, the list and the invitation stay in the first load.

use leptos::prelude::*;
use shared::DocumentId;

use crate::components::admin_page::AdminPage;
use crate::components::delegation_page::DelegationPage;
use crate::components::followup_page::FollowUpPage;
use crate::components::supervision_page::SupervisionPage;

#[lazy]
fn supervision_screen(id: DocumentId) -> AnyView {
    view! { <SupervisionPage id=id/> }.into_any()
}

#[lazy]
fn delegation_screen(id: i64) -> AnyView {
    view! { <DelegationPage id=id/> }.into_any()
}

#[lazy]
fn admin_screen() -> AnyView {
    view! { <AdminPage/> }.into_any()
}

#[lazy]
fn followup_screen() -> AnyView {
    view! { <FollowUpPage/> }.into_any()
}

/// Which lazily loaded screen to show.
pub enum Screen {
    Supervision(DocumentId),
    Delegation(i64),
    Admin,
    FollowUp,
}

/// The screen, once its module is loaded (at once after the first time).
pub fn show(screen: Screen) -> AnyView {
    Suspend::new(async move {
        match screen {
            Screen::Supervision(id) => supervision_screen(id).await,
            Screen::Delegation(id) => delegation_screen(id).await,
            Screen::Admin => admin_screen().await,
            Screen::FollowUp => followup_screen().await,
        }
    })
    .into_any()
}

//! The screens fetched only when first opened (issue 15's first load): a supervision, a
//! delegation, administration and the follow-up each live in their own wasm module, which
//! `cargo xtask build` splits off the app after linking (wasm-split) and the service worker
//! keeps for offline use. The sign-in form, the list and the invitation stay in the first
//! load. A module that cannot be fetched (offline on a tablet whose service worker never
//! finished keeping it) is said so, with a button to try again; nothing is lost by it.
//!
//! A supervision the tablet kept a reading of (`workspace::kept`) is drawn from it without
//! waiting for the engine, which waits for it instead ([`engine::hold`]).

use leptos::prelude::*;
use leptos::wasm_split::wasm_split;
use shared::DocumentId;

use crate::components::admin_page::AdminPage;
use crate::components::delegation_page::DelegationPage;
use crate::components::followup_page::FollowUpPage;
use crate::components::supervision_page::SupervisionPage;
use crate::engine::{self, NotLoaded};
use crate::i18n::{Msg, t};
use crate::workspace::handles::Docs;
use crate::workspace::{mark, measure};

/// Which lazily loaded screen to show.
#[derive(Clone, PartialEq)]
pub enum Screen {
    Supervision(DocumentId),
    Delegation(i64),
    Admin,
    FollowUp,
}

// Each function below is a split point: its body, and whatever only it reaches, goes to a
// module of its own; calling it fetches that module the first time.

#[wasm_split(giamsat_supervision, wasm_split_path = ::leptos::wasm_split, fallible, preload(fetch_supervision))]
fn supervision_screen(
    id: DocumentId,
    kept: Option<(String, engine::Hold)>,
) -> Result<AnyView, NotLoaded> {
    // Decoded here, so reading the kept form is code of this module, not of the first load.
    let hold = kept.and_then(|(kept, hold)| {
        expect_context::<Docs>()
            .adopt_kept(&id, &kept)
            .then_some(hold)
    });
    Ok(view! { <SupervisionPage id=id hold=hold/> }.into_any())
}

#[wasm_split(giamsat_delegation, wasm_split_path = ::leptos::wasm_split, fallible, preload(fetch_delegation))]
fn delegation_screen(id: i64) -> Result<AnyView, NotLoaded> {
    Ok(view! { <DelegationPage id=id/> }.into_any())
}

#[wasm_split(giamsat_admin, wasm_split_path = ::leptos::wasm_split, fallible, preload(fetch_admin))]
fn admin_screen() -> Result<AnyView, NotLoaded> {
    Ok(view! { <AdminPage/> }.into_any())
}

#[wasm_split(giamsat_followup, wasm_split_path = ::leptos::wasm_split, fallible, preload(fetch_followup))]
fn followup_screen() -> Result<AnyView, NotLoaded> {
    Ok(view! { <FollowUpPage/> }.into_any())
}

async fn load(
    screen: Screen,
    docs: Docs,
    hold: Option<engine::Hold>,
) -> Result<AnyView, NotLoaded> {
    // Each shows documents: its module is fetched while they are loaded (a failure is met
    // again, and shown, by the call below).
    let early = screen.clone();
    leptos::task::spawn_local(async move {
        let _fetched = match early {
            Screen::Supervision(_) => fetch_supervision().await,
            Screen::Delegation(_) => fetch_delegation().await,
            Screen::Admin => fetch_admin().await,
            Screen::FollowUp => fetch_followup().await,
        };
    });
    mark("giamsat:screen");
    if let (Screen::Supervision(id), Some(hold)) = (&screen, hold) {
        // IndexedDB's futures stay on this thread; the screen's own must not.
        let (tx, rx) = futures::channel::oneshot::channel();
        let wanted = *id;
        leptos::task::spawn_local(async move {
            let _taken = tx.send(docs.kept_reading(wanted).await);
        });
        let kept = rx.await;
        measure("giamsat:screen-kept", "giamsat:screen");
        if let Ok(Some(kept)) = kept {
            return supervision_screen(*id, Some((kept, hold))).await;
        }
    }
    engine::ready().await;
    match screen {
        Screen::Supervision(id) => supervision_screen(id, None).await,
        Screen::Delegation(id) => delegation_screen(id).await,
        Screen::Admin => admin_screen().await,
        Screen::FollowUp => followup_screen().await,
    }
}

/// The screen once its module is loaded (at once after the first time); "loading" until
/// then; if it cannot be fetched, why, and a button to try again.
pub fn show(screen: Screen) -> AnyView {
    let attempt = RwSignal::new(0u32);
    let docs = expect_context::<Docs>();
    // Taken as the screen begins, before the engine starts (see `engine::hold`).
    let hold = StoredValue::new_local(
        matches!(screen, Screen::Supervision(_))
            .then(engine::hold)
            .flatten(),
    );
    let body = move || {
        attempt.track();
        let screen = screen.clone();
        let hold = hold.try_update_value(Option::take).flatten();
        Suspend::new(async move {
            load(screen, docs, hold).await.unwrap_or_else(|NotLoaded| {
                view! {
                    <p class="error" role="alert" data-testid="screen-not-loaded">
                        {t(Msg::ScreenNotLoaded)} " "
                        <button type="button" on:click=move |_| attempt.update(|n| *n += 1)>{t(Msg::TryAgain)}</button>
                    </p>
                }
                .into_any()
            })
        })
    };
    view! {
        <Suspense fallback=|| view! { <p class="empty">{t(Msg::LoadingTitle)}</p> }>{body}</Suspense>
    }
    .into_any()
}

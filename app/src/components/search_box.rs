//! Search across the findings and recommendations of one supervision, accent-insensitive
//! ("giam sat" finds "giám sát"); a result opens its tab and scrolls to it.

use leptos::prelude::*;
use shared::reading::Supervision;
use shared::search::{self, Hit};

use crate::components::text_edits::{self, TextEdits};
use crate::i18n::{Msg, now, t};

/// Which tab a search result lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Setup,
    Work,
    Recommendations,
    Conclusion,
}

/// Props: `supervision` the document as read; `tab` the page's tab signal.
#[component]
pub fn SearchBox(supervision: Signal<Option<Supervision>>, tab: RwSignal<Tab>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let texts = TextEdits::here();
    let hits = Memo::new(move |_| {
        let q = query.get();
        // No query, no work: typing elsewhere must not copy the supervision.
        if q.trim().is_empty() {
            return Vec::new();
        }
        text_edits::track(texts);
        supervision.with(|s| {
            let Some(s) = s else {
                return Vec::new();
            };
            search::search(s, &q)
                .into_iter()
                .map(|h| match &h {
                    Hit::Finding(id) => (
                        format!("finding-{id}"),
                        Tab::Work,
                        s.finding(id).map(|f| f.text.clone()).unwrap_or_default(),
                    ),
                    Hit::Recommendation(id) => (
                        format!("rec-{id}"),
                        Tab::Recommendations,
                        s.recommendation(id)
                            .map(|r| r.text.clone())
                            .unwrap_or_default(),
                    ),
                })
                .collect::<Vec<_>>()
        })
    });
    let go = move |dom_id: String, to: Tab| {
        tab.set(to);
        // Scroll once the tab has rendered.
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(0).await;
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&dom_id))
            {
                el.scroll_into_view();
            }
        });
    };
    view! {
        <div class="search">
            <input type="search" name="search" placeholder=now(Msg::Search) aria-label=now(Msg::Search) data-testid="search"
                on:input=move |ev| query.set(event_target_value(&ev)) prop:value=move || query.get()/>
            <Show when=move || !query.get().trim().is_empty()>
                <div class="search-results" data-testid="search-results">
                    <Show when=move || !hits.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoResults)}</p> }>
                        <ul>
                            // Keyed by the text too: a hit whose text changes (a member typing)
                            // is drawn again, not left showing the words it had.
                            <For each=move || hits.get() key=|(d, _, text)| (d.clone(), text.clone()) let((dom_id, to, excerpt))>
                                <li><button type="button" class="link" data-testid="search-hit" on:click=move |_| go(dom_id.clone(), to)>
                                    {shared::text::excerpt(&excerpt, 120).to_owned()}
                                </button></li>
                            </For>
                        </ul>
                    </Show>
                </div>
            </Show>
        </div>
    }
}

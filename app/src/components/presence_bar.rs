//! Who else is in this supervision now, and what each is editing.

use leptos::prelude::*;
use shared::DocumentId;

use crate::i18n::{Msg, t};
use crate::workspace::Signals;
use crate::workspace::handles::Here;

/// Props: `doc` the supervision on screen.
#[component]
pub fn PresenceBar(doc: DocumentId) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let here = expect_context::<Here>();
    let presence = signals.presence;
    let people = Memo::new(move |_| {
        presence.track();
        here.present(&doc)
    });
    let editing = t(Msg::IsEditing);
    let what = |target: &str| -> &'static str {
        let msg = match target.split(':').next().unwrap_or("") {
            "finding" => Msg::Findings,
            "paragraph" => Msg::TabConclusion,
            "recommendation" => Msg::TabRecommendations,
            "remark" => Msg::Remarks,
            _ => Msg::Sessions,
        };
        crate::i18n::now(msg)
    };
    view! {
        <Show when=move || !people.get().is_empty()>
            <p class="presence" data-testid="presence">
                <span class="label">{t(Msg::Online)} ": "</span>
                <For each=move || people.get() key=|p| (p.member.clone(), p.editing.clone()) let(p)>
                    <span class="person" data-testid="present-member">
                        {p.member.clone()}
                        {p.editing.clone().map(|e| format!(" ({} {})", editing(), what(&e).to_lowercase()))}
                    </span>
                </For>
            </p>
        </Show>
    }
}

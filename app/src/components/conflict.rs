//! Shows a scalar two members set differently while apart, with every value, and lets one
//! be chosen; choosing writes it, which resolves the conflict for everyone.

use leptos::prelude::*;
use shared::schema::Choice;

use crate::i18n::{Msg, t};

/// Props: `choice` the value and its alternatives; `label` how to show a value;
/// `on_pick` called with the chosen value.
#[component]
pub fn ConflictPicker(
    #[prop(into)] choice: Signal<Choice>,
    label: Callback<String, String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let values = move || {
        let c = choice.get();
        let mut v = vec![c.value.clone()];
        v.extend(c.alternatives);
        v
    };
    view! {
        <Show when=move || choice.get().is_conflict()>
            <div class="conflict" data-testid="conflict" role="alert">
                <span>{t(Msg::Conflict)}</span>
                <For each=values key=|v| v.clone() let(v)>
                    <button type="button" class="pick" data-value=v.clone()
                        on:click={ let v = v.clone(); move |_| on_pick.run(v.clone()) }>
                        {label.run(v.clone())}
                    </button>
                </For>
            </div>
        </Show>
    }
}

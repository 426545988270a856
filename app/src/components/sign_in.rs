//! Asks the member's name once per device; it is stamped on every finding they write.

use leptos::prelude::*;

use crate::i18n::{Msg, now, t};
use crate::workspace::ws;

#[component]
pub fn NameForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        if !n.trim().is_empty() {
            ws().set_member(&n);
        }
    };
    view! {
        <form class="card name-form" on:submit=submit>
            <h1>{t(Msg::AskName)}</h1>
            <p class="hint">{t(Msg::AskNameHint)}</p>
            <label>
                {t(Msg::NameLabel)}
                <input
                    name="member-name"
                    required
                    autocomplete="name"
                    placeholder=now(Msg::NameLabel)
                    on:input=move |ev| name.set(event_target_value(&ev))
                    prop:value=move || name.get()
                />
            </label>
            <button type="submit" class="primary">{t(Msg::Continue)}</button>
        </form>
    }
}

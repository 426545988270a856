//! A text area bound to one Automerge Text field, edited by several members at once.
//!
//! While it has focus it is not re-rendered from the document: each input is diffed into a
//! splice, and remote edits are merged into it by the workspace with the caret anchored
//! (see `Workspace::receive`). Without focus it shows the document's text. Beside it: who
//! else is editing this very field now.

use leptos::html::Textarea;
use leptos::prelude::*;
use shared::DocumentId;
use shared::field::TextField;

use crate::i18n::{Msg, t};
use crate::workspace::handles::{Docs, Here};
use crate::workspace::{ActiveField, presence_target};

fn has_focus(el: &web_sys::HtmlTextAreaElement) -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|a| &a == el.as_ref())
}

/// Props: `doc` the supervision; `field` the text field; `value` its text as read (reactive);
/// `rows` (1 to 4: the box's height, app.css), `testid`, `placeholder`, `label` for the element.
#[component]
pub fn LiveText(
    doc: DocumentId,
    field: TextField,
    #[prop(into)] value: Signal<String>,
    #[prop(optional)] rows: Option<u32>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] label: Option<&'static str>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let here = expect_context::<Here>();
    let node = NodeRef::<Textarea>::new();
    Effect::new(move |_| {
        let v = value.get();
        let Some(el) = node.get() else { return };
        if !has_focus(&el) && el.value() != v {
            el.set_value(&v);
        }
    });
    let editors = here.editors(doc, presence_target(&field));
    let f_input = field.clone();
    let on_input = move |_| {
        if let Some(el) = node.get_untracked()
            && let Err(e) = docs.set_text(doc, &f_input, &el.value())
        {
            web_sys::console::error_1(&e.into());
        }
    };
    let f_focus = field.clone();
    let on_focus = move |_| {
        if let Some(el) = node.get_untracked() {
            here.set_active(Some(ActiveField {
                doc,
                field: f_focus.clone(),
                element: el.clone(),
            }));
        }
    };
    let on_blur = move |_| here.set_active(None);
    let initial = value.get_untracked();
    let rows = rows.unwrap_or(3);
    let is_editing = t(Msg::IsEditing);
    view! {
        <div class="live-text">
            // A box of fixed size (app.css): a remote keystroke lays out only inside it.
            <div class=format!("live-text-box rows-{}", rows.clamp(1, 4))>
                <textarea node_ref=node rows=rows data-testid=testid.unwrap_or("live-text")
                    placeholder=placeholder.unwrap_or("") aria-label=label.unwrap_or("")
                    on:input=on_input on:focus=on_focus on:blur=on_blur>{initial}</textarea>
            </div>
            <Show when=move || !editors.get().is_empty()>
                <span class="editing-now" data-testid="editing-now">
                    {move || editors.get().join(", ")} " " {is_editing}
                </span>
            </Show>
        </div>
    }
}

//! Keeping the caret where the member left it when a merge moves the text of the field
//! they are typing in: anchor it to the characters around it before the merge, put it back
//! after.

use shared::DocumentId;
use shared::field::TextField;
use shared::text::{self, Caret};
use web_sys::HtmlTextAreaElement;

use super::Workspace;

impl Workspace {
    pub(super) fn anchor_active(
        &self,
    ) -> Option<(DocumentId, TextField, HtmlTextAreaElement, Caret, Caret)> {
        let active = self.active.borrow();
        let field = active.as_ref()?;
        let client = self.client.borrow();
        let doc = client.doc(&field.doc)?;
        let obj = field.field.object(doc).ok()?;
        let value = field.element.value();
        let start = text::utf16_to_chars(
            &value,
            field.element.selection_start().ok()??.try_into().ok()?,
        );
        let end = text::utf16_to_chars(
            &value,
            field.element.selection_end().ok()??.try_into().ok()?,
        );
        Some((
            field.doc,
            field.field.clone(),
            field.element.clone(),
            Caret::anchor(doc, &obj, start)?,
            Caret::anchor(doc, &obj, end)?,
        ))
    }

    pub(super) fn restore_active(
        &self,
        doc: DocumentId,
        field: &TextField,
        el: &HtmlTextAreaElement,
        start: &Caret,
        end: &Caret,
    ) {
        let client = self.client.borrow();
        let Some(d) = client.doc(&doc) else { return };
        let Ok(obj) = field.object(d) else { return };
        let Ok(value) = automerge::ReadDoc::text(d, &obj) else {
            return;
        };
        if el.value() == value {
            return;
        }
        let s = text::chars_to_utf16(&value, start.resolve(d, &obj)) as u32;
        let e = text::chars_to_utf16(&value, end.resolve(d, &obj)) as u32;
        el.set_value(&value);
        let _ = el.set_selection_range(s, e.max(s));
    }
}

//! The form that creates a supervision: the delegation it belongs to (among those where the
//! member writes), title, kind, the basis decision (number, date, issuing body) and the
//! period under review.

use leptos::prelude::*;
use shared::DocumentId;
use shared::supervision::{Setup, SupervisionKind};

use crate::i18n::{Msg, now, t};
use crate::workspace::Signals;

/// Props: `on_done` gets the new supervision's id, or `None` if cancelled.
#[component]
pub fn NewSupervision(on_done: Callback<Option<DocumentId>>) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let writable: Vec<(i64, String)> = signals.me.with_untracked(|m| {
        m.as_ref()
            .map(|m| {
                m.writable_delegations()
                    .into_iter()
                    .map(|d| (d.id, d.name.clone()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let delegation = RwSignal::new(writable.first().map(|(id, _)| *id));
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(SupervisionKind::Supervision);
    let basis_number = RwSignal::new(String::new());
    let basis_date = RwSignal::new(String::new());
    let basis_issuer = RwSignal::new(String::new());
    let period_from = RwSignal::new(String::new());
    let period_to = RwSignal::new(String::new());
    let schedule_from = RwSignal::new(String::new());
    let schedule_to = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Creating waits for the engine (the documents) when the page has just started.
    let creating = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if creating.get_untracked() {
            return;
        }
        let iso = |v: String| -> Option<String> {
            if v.trim().is_empty() {
                Some(String::new())
            } else {
                shared::dates::parse_vn(&v)
            }
        };
        let (Some(bd), Some(sf), Some(st)) = (
            iso(basis_date.get_untracked()),
            iso(schedule_from.get_untracked()),
            iso(schedule_to.get_untracked()),
        ) else {
            error.set(Some(now(Msg::BadDate).to_owned()));
            return;
        };
        let setup = Setup {
            title: title.get_untracked().trim().to_owned(),
            kind: kind.get_untracked(),
            basis_number: basis_number.get_untracked().trim().to_owned(),
            basis_date: bd,
            basis_issuer: basis_issuer.get_untracked().trim().to_owned(),
            period_from: period_from.get_untracked().trim().to_owned(),
            period_to: period_to.get_untracked().trim().to_owned(),
            schedule_from: sf,
            schedule_to: st,
        };
        if setup.title.is_empty() {
            error.set(Some(now(Msg::TitleRequired).to_owned()));
            return;
        }
        let Some(delegation) = delegation.get_untracked() else {
            error.set(Some(now(Msg::NoWritableDelegation).to_owned()));
            return;
        };
        creating.set(true);
        leptos::task::spawn_local(async move {
            let made = crate::engine::create_supervision(setup, delegation).await;
            creating.set(false);
            match made {
                Ok(id) => on_done.run(Some(id)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let field = |label: Msg,
                 name: &'static str,
                 sig: RwSignal<String>,
                 kind: &'static str,
                 placeholder: &'static str| {
        view! {
            <label>
                {t(label)}
                <input name=name type=kind placeholder=placeholder
                    on:input=move |ev| sig.set(event_target_value(&ev)) prop:value=move || sig.get()/>
            </label>
        }
    };
    view! {
        <form class="card new-supervision" on:submit=submit>
            <h2>{t(Msg::NewSupervision)}</h2>
            <label class="wide">
                {t(Msg::Delegation)}
                <select name="delegation" on:change=move |ev| delegation.set(event_target_value(&ev).parse().ok())>
                    {writable.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                </select>
            </label>
            <label class="wide">
                {t(Msg::Title)}
                <textarea name="title" rows="2" required placeholder=now(Msg::TitlePlaceholder)
                    on:input=move |ev| title.set(event_target_value(&ev)) prop:value=move || title.get()></textarea>
            </label>
            <label>
                {t(Msg::Kind)}
                <select name="kind" on:change=move |ev| kind.set(SupervisionKind::parse(&event_target_value(&ev)).unwrap_or_default())>
                    <option value="giam_sat">{t(Msg::KindSupervision)}</option>
                    <option value="kiem_tra">{t(Msg::KindInspection)}</option>
                </select>
            </label>
            {field(Msg::BasisNumber, "basis-number", basis_number, "text", "1175-QĐ/QU")}
            {field(Msg::BasisDate, "basis-date", basis_date, "text", "dd/mm/yyyy")}
            {field(Msg::BasisIssuer, "basis-issuer", basis_issuer, "text", "Quận ủy Thanh Khê")}
            {field(Msg::PeriodFrom, "period-from", period_from, "text", "6/2020")}
            {field(Msg::PeriodTo, "period-to", period_to, "text", "6/2022")}
            {field(Msg::ScheduleFrom, "schedule-from", schedule_from, "text", "dd/mm/yyyy")}
            {field(Msg::ScheduleTo, "schedule-to", schedule_to, "text", "dd/mm/yyyy")}
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <button type="button" on:click=move |_| on_done.run(None)>{t(Msg::Cancel)}</button>
                <button type="submit" class="primary" data-testid="create-supervision" aria-busy=move || creating.get().to_string()>
                    {move || if creating.get() { t(Msg::LoadingTitle).into_any() } else { t(Msg::Create).into_any() }}
                </button>
            </div>
        </form>
    }
}

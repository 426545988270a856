//! The delegation and what it examines: the set-up (editable), the topics examined, and the
//! members with their roles and titles.

use leptos::prelude::*;
use shared::DocumentId;
use shared::dates;
use shared::member::{self, Role};
use shared::supervision::{self, Setup, SupervisionKind};

use shared::reading::Supervision;

use crate::components::conflict::ConflictPicker;
use crate::i18n::{Language, Msg, now, t, text};
use crate::workspace::Workspace;
use crate::workspace::handles::Docs;

pub fn role_msg(r: Role) -> Msg {
    match r {
        Role::Head => Msg::RoleHead,
        Role::Deputy => Msg::RoleDeputy,
        Role::Member => Msg::RoleMember,
        Role::Secretary => Msg::RoleSecretary,
        Role::Observer => Msg::RoleObserver,
    }
}

/// Props: `doc`, `supervision` the document as read.
#[component]
pub fn SetupPanel(doc: DocumentId, supervision: Signal<Option<Supervision>>) -> impl IntoView {
    view! {
        <SetupForm doc=doc supervision=supervision/>
        <TopicsCard doc=doc supervision=supervision/>
        <MembersCard doc=doc supervision=supervision/>
    }
}

#[component]
fn SetupForm(doc: DocumentId, supervision: Signal<Option<Supervision>>) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let current =
        move || supervision.with(|s| s.as_ref().map(|s| s.setup.clone()).unwrap_or_default());
    let initial = current();
    let title = RwSignal::new(initial.title.clone());
    let kind = RwSignal::new(initial.kind);
    let number = RwSignal::new(initial.basis_number.clone());
    let date = RwSignal::new(dates::format_vn(&initial.basis_date));
    let issuer = RwSignal::new(initial.basis_issuer.clone());
    let from = RwSignal::new(initial.period_from.clone());
    let to = RwSignal::new(initial.period_to.clone());
    let s_from = RwSignal::new(dates::format_vn(&initial.schedule_from));
    let s_to = RwSignal::new(dates::format_vn(&initial.schedule_to));
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let iso = |v: String| -> Option<String> {
        if v.trim().is_empty() {
            Some(String::new())
        } else {
            dates::parse_vn(&v)
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(bd), Some(sf), Some(st)) = (
            iso(date.get_untracked()),
            iso(s_from.get_untracked()),
            iso(s_to.get_untracked()),
        ) else {
            error.set(Some(now(Msg::BadDate).to_owned()));
            return;
        };
        if title.get_untracked().trim().is_empty() {
            error.set(Some(now(Msg::TitleRequired).to_owned()));
            return;
        }
        let setup = Setup {
            title: title.get_untracked().trim().to_owned(),
            kind: kind.get_untracked(),
            basis_number: number.get_untracked().trim().to_owned(),
            basis_date: bd,
            basis_issuer: issuer.get_untracked().trim().to_owned(),
            period_from: from.get_untracked().trim().to_owned(),
            period_to: to.get_untracked().trim().to_owned(),
            schedule_from: sf,
            schedule_to: st,
        };
        match docs.update_setup(doc, &setup) {
            Ok(()) => {
                error.set(None);
                saved.set(true);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let input = |label: Msg,
                 name: &'static str,
                 sig: RwSignal<String>,
                 placeholder: &'static str| {
        view! {
            <label>{t(label)}
                <input name=name placeholder=placeholder on:input=move |ev| { saved.set(false); sig.set(event_target_value(&ev)) } prop:value=move || sig.get()/>
            </label>
        }
    };
    view! {
        <form class="card setup-form new-supervision" on:submit=save>
            <label class="wide">{t(Msg::Title)}
                <textarea name="title" rows="2" on:input=move |ev| { saved.set(false); title.set(event_target_value(&ev)) } prop:value=move || title.get()></textarea>
            </label>
            <label>{t(Msg::Kind)}
                <select name="kind" prop:value=move || kind.get().as_str().to_owned()
                    on:change=move |ev| kind.set(SupervisionKind::parse(&event_target_value(&ev)).unwrap_or_default())>
                    <option value="giam_sat">{t(Msg::KindSupervision)}</option>
                    <option value="kiem_tra">{t(Msg::KindInspection)}</option>
                </select>
            </label>
            {input(Msg::BasisNumber, "basis-number", number, "1175-QĐ/QU")}
            {input(Msg::BasisDate, "basis-date", date, "dd/mm/yyyy")}
            {input(Msg::BasisIssuer, "basis-issuer", issuer, "")}
            {input(Msg::PeriodFrom, "period-from", from, "6/2020")}
            {input(Msg::PeriodTo, "period-to", to, "6/2022")}
            {input(Msg::ScheduleFrom, "schedule-from", s_from, "dd/mm/yyyy")}
            {input(Msg::ScheduleTo, "schedule-to", s_to, "dd/mm/yyyy")}
            <Show when=move || error.get().is_some()><p class="error" role="alert">{move || error.get().unwrap_or_default()}</p></Show>
            <div class="actions">
                <Show when=move || saved.get()><span class="hint">"✓"</span></Show>
                <button type="submit" class="primary" data-testid="save-setup">{t(Msg::Save)}</button>
            </div>
        </form>
    }
}

#[component]
fn TopicsCard(doc: DocumentId, supervision: Signal<Option<Supervision>>) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let topics = Memo::new(move |_| {
        supervision.with(|s| s.as_ref().map(|s| s.topics.clone()).unwrap_or_default())
    });
    let draft = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = draft.get_untracked();
        if docs
            .apply(doc, move |d, s| supervision::add_topic(d, &v, s))
            .is_ok()
        {
            draft.set(String::new());
        }
    };
    view! {
        <section class="card topics">
            <h3>{t(Msg::Topics)}</h3>
            <ul class="chips">
                <For each=move || topics.get() key=|x| x.clone() let(x)>
                    <li class="chip" data-testid="topic">{x.clone()}
                        <button type="button" aria-label=now(Msg::Remove) on:click={ let x = x.clone(); move |_| {
                            let x = x.clone();
                            docs.change(doc, move |d, s| supervision::remove_topic(d, &x, s));
                        }}>"×"</button>
                    </li>
                </For>
            </ul>
            <form class="inline-form" on:submit=add>
                <input name="topic" placeholder=now(Msg::TopicPlaceholder) aria-label=now(Msg::Topics)
                    on:input=move |ev| draft.set(event_target_value(&ev)) prop:value=move || draft.get()/>
                <button type="submit" data-testid="add-topic">{t(Msg::AddTopic)}</button>
            </form>
        </section>
    }
}

#[component]
fn MembersCard(doc: DocumentId, supervision: Signal<Option<Supervision>>) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let lang = expect_context::<Language>().0;
    let members = Memo::new(move |_| {
        supervision.with(|s| s.as_ref().map(|s| s.members.clone()).unwrap_or_default())
    });
    let name = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, ti, r) = (
            name.get_untracked(),
            title.get_untracked(),
            role.get_untracked(),
        );
        if n.trim().is_empty() {
            return;
        }
        let id = Workspace::new_id();
        if docs
            .apply(doc, move |d, s| member::add(d, &id, &n, r, &ti, s))
            .is_ok()
        {
            name.set(String::new());
            title.set(String::new());
        }
    };
    view! {
        <section class="card members">
            <h3>{t(Msg::Members)}</h3>
            <table class="members-table">
                <tbody>
                    <For each=move || members.get() key=|m| (m.id.clone(), m.name.clone(), m.title.clone(), m.role_choice.clone()) let(m)>
                        <tr data-testid="member-row">
                            <td><strong>{m.name.clone()}</strong><br/><span class="hint">{m.title.clone()}</span></td>
                            <td>
                                <select aria-label=now(Msg::Role) prop:value=m.role.as_str() on:change={ let id = m.id.clone(); move |ev| {
                                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                                        let id = id.clone();
                                        docs.change(doc, move |d, s| member::set_role(d, &id, r, s));
                                    }
                                }}>
                                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{t(role_msg(r))}</option> }).collect_view()}
                                </select>
                                <ConflictPicker choice=Signal::derive({ let c = m.role_choice.clone(); move || c.clone() })
                                    label=Callback::new(move |v: String| Role::parse(&v).map(|r| text(lang.get(), role_msg(r)).to_owned()).unwrap_or(v))
                                    on_pick=Callback::new({ let id = m.id.clone(); move |v: String| if let Some(r) = Role::parse(&v) {
                                        let id = id.clone();
                                        docs.change(doc, move |d, s| member::set_role(d, &id, r, s));
                                    }})/>
                            </td>
                            <td><button type="button" on:click={ let id = m.id.clone(); move |_| {
                                let id = id.clone();
                                docs.change(doc, move |d, s| member::remove(d, &id, s));
                            }}>{t(Msg::Remove)}</button></td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <form class="inline-form add-member" on:submit=add>
                <input name="member-full-name" placeholder=now(Msg::MemberName) aria-label=now(Msg::MemberName)
                    on:input=move |ev| name.set(event_target_value(&ev)) prop:value=move || name.get()/>
                <input name="member-title" placeholder=now(Msg::MemberTitle) aria-label=now(Msg::MemberTitle)
                    on:input=move |ev| title.set(event_target_value(&ev)) prop:value=move || title.get()/>
                <select name="member-role" aria-label=now(Msg::Role) on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Member>{t(role_msg(r))}</option> }).collect_view()}
                </select>
                <button type="submit" data-testid="add-member">{t(Msg::AddMember)}</button>
            </form>
        </section>
    }
}

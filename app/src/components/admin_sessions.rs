//! Administration, continued: every device session (who, which device, last used, until
//! when) with a button to revoke a lost tablet's — its sync connections close at once and
//! it must sign in again — and the audit log, newest first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

use crate::components::remote::{self, Fetched};
use crate::i18n::{Msg, date_time, t};

/// `GET /api/admin/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceSession {
    id: i64,
    #[serde(default)]
    username: String,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    last_seen_at: i64,
    #[serde(default)]
    expires_at: i64,
    #[serde(default)]
    revoked: bool,
}

/// `GET /api/admin/audit`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditEntry {
    at: i64,
    event: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    detail: serde_json::Value,
}

/// How many audit entries are shown.
const AUDIT_LIMIT: usize = 200;

#[component]
pub fn SessionsCard() -> impl IntoView {
    let sessions = Fetched::<Vec<DeviceSession>>::new("/api/admin/sessions".into());
    let error = RwSignal::new(None::<String>);
    let revoke = move |id: i64| {
        spawn_local(async move {
            match remote::delete(&format!("/api/admin/sessions/{id}")).await {
                Ok(()) => {
                    error.set(None);
                    sessions.refetch();
                }
                Err(e) => error.set(Some(remote::message(&e))),
            }
        });
    };
    view! {
        <section class="card">
            <div class="section-head">
                <h2>{t(Msg::DeviceSessions)}</h2>
                <button type="button" on:click=move |_| sessions.refetch()>{t(Msg::Refresh)}</button>
            </div>
            {sessions.view(move |list| view! {
                    <table class="admin-table">
                        <thead><tr>
                            <th>{t(Msg::Username)}</th><th>{t(Msg::Device)}</th><th>{t(Msg::LastUsed)}</th>
                            <th>{t(Msg::ValidUntil)}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| { let id = s.id; view! {
                                <tr data-testid="admin-session" data-username=s.username.clone() data-revoked=s.revoked.to_string()>
                                    <td>{s.username.clone()}</td>
                                    <td class="device">{s.device.clone().unwrap_or_default()}</td>
                                    <td>{date_time(s.last_seen_at)}</td>
                                    <td>{date_time(s.expires_at)}</td>
                                    <td>{if s.revoked {
                                        view! { <span class="hint">{t(Msg::Revoked)}</span> }.into_any()
                                    } else {
                                        view! { <button type="button" data-testid="revoke-session" on:click=move |_| revoke(id)>{t(Msg::Revoke)}</button> }.into_any()
                                    }}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                })}
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </section>
    }
}

#[component]
pub fn AuditCard() -> impl IntoView {
    let lang = expect_context::<crate::i18n::Language>().0;
    let audit = Fetched::<Vec<AuditEntry>>::new(format!("/api/admin/audit?limit={AUDIT_LIMIT}"));
    let detail = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    view! {
        <section class="card">
            <div class="section-head">
                <h2>{t(Msg::AuditLog)}</h2>
                <button type="button" on:click=move |_| audit.refetch()>{t(Msg::Refresh)}</button>
            </div>
            {audit.view(move |list| view! {
                    <table class="admin-table">
                        <thead><tr><th>{t(Msg::Time)}</th><th>{t(Msg::Event)}</th><th>{t(Msg::Username)}</th><th>{t(Msg::Detail)}</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|a| view! {
                                <tr data-testid="audit-entry">
                                    <td>{date_time(a.at)}</td><td data-event=a.event.clone()>{let code = a.event.clone(); move || crate::i18n_events::event_label(lang.get(), &code)}</td>
                                    <td>{a.username.clone().unwrap_or_default()}</td><td class="detail">{detail(&a.detail)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
        </section>
    }
}

//! `GET …/audit-log` and `GET …/audit-log.csv`: who did what, when, from where — every
//! sign-in, integration change, rotation, permission and Labs change — filtered by
//! integration, user and action, a page at a time (newest first), and exported as CSV.
//! Each event's details read as a sentence. The agency's log holds every event of the
//! agency; a sub-account's only its own.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::app::audit::Cursor;
use crate::app::{self, App};
use crate::domain::audit::{AuditAction, Event};
use crate::domain::ids::UserId;
use crate::domain::people::Role;
use crate::web::current::{Section, SettingsPage, Shell, section_url};
use crate::web::error::WebResult;
use crate::web::pages;

/// How many events a page shows.
const PAGE_LIMIT: i64 = 50;
/// How many events one export holds.
const CSV_LIMIT: i64 = 50_000;

/// The filter form's query, and the page.
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    #[serde(default)]
    integration: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    /// Where the page starts: `<microseconds>~<event id>` of the last event shown.
    #[serde(default)]
    before: String,
}

impl Query {
    fn parsed(&self) -> app::audit::Query {
        app::audit::Query {
            integration: self.integration.parse::<Uuid>().ok(),
            user: self.user.parse::<UserId>().ok(),
            action: AuditAction::parse(self.action.trim()),
        }
    }

    /// The cursor of `?before=`; one that names no time PostgreSQL can hold (years 1 to
    /// 9999 are kept) is ignored like any other malformed one.
    fn cursor(&self) -> Option<Cursor> {
        let (micros, id) = self.before.split_once('~')?;
        let occurred_at = DateTime::from_timestamp_micros(micros.parse().ok()?)
            .filter(|at| (1..=9999).contains(&chrono::Datelike::year(at)))?;
        Some(Cursor { occurred_at, id: id.parse().ok()? })
    }

    fn filters(&self) -> String {
        serde_html_form::to_string([
            ("integration", self.integration.as_str()),
            ("user", self.user.as_str()),
            ("action", self.action.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// One filter choice.
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What it says.
    pub label: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// One event as a row.
pub struct Row {
    /// When.
    pub when: String,
    /// Machine-readable time.
    pub datetime: String,
    /// Who.
    pub actor: String,
    /// What, as people read it.
    pub action: String,
    /// Its stored name.
    pub code: &'static str,
    /// On what.
    pub target: String,
    /// From where.
    pub ip: String,
    /// The details, as a sentence ("" when there is nothing to add).
    pub details: String,
}

#[derive(Template)]
#[template(path = "settings/audit_log.html")]
struct AuditLogPage {
    shell: Shell,
    action_url: String,
    csv_url: String,
    integrations: Vec<Choice>,
    users: Vec<Choice>,
    actions: Vec<Choice>,
    rows: Vec<Row>,
    filtered: bool,
    older_url: Option<String>,
    newest_url: Option<String>,
}

/// The log.
#[tracing::instrument(skip_all)]
pub async fn page(
    page: SettingsPage,
    app: web::Data<App>,
    query: web::Query<Query>,
) -> WebResult<HttpResponse> {
    let before = query.cursor();
    let log =
        app::audit::events(&app, page.requester(), page.context, query.parsed(), before, PAGE_LIMIT).await?;
    let choice =
        |value: String, label: String, current: &str| Choice { selected: value == current, value, label };
    let url = section_url(page.context, Section::AuditLog);
    let filters = query.filters();
    pages::render(&AuditLogPage {
        shell: page.shell(Some(Section::AuditLog)),
        csv_url: format!("{url}.csv?{filters}"),
        older_url: log.older.map(|cursor| {
            format!("{url}?{filters}&before={}~{}", cursor.occurred_at.timestamp_micros(), cursor.id)
        }),
        newest_url: before.map(|_| format!("{url}?{filters}")),
        integrations: log
            .options
            .integrations
            .into_iter()
            .map(|(id, label)| choice(id.to_string(), label, &query.integration))
            .collect(),
        users: log
            .options
            .actors
            .into_iter()
            .map(|(id, label)| choice(id.to_string(), label, &query.user))
            .collect(),
        actions: log
            .options
            .actions
            .into_iter()
            .map(|action| choice(action.as_str().to_owned(), action.label().to_owned(), &query.action))
            .collect(),
        filtered: !(query.integration.is_empty() && query.user.is_empty() && query.action.is_empty()),
        action_url: url,
        rows: log
            .events
            .iter()
            .map(|event| Row {
                when: pages::format_time(event.occurred_at),
                datetime: event.occurred_at.to_rfc3339(),
                actor: event.actor_label.clone(),
                action: event.action.label().to_owned(),
                code: event.action.as_str(),
                target: event.target_label.clone().unwrap_or_default(),
                ip: event.ip.clone().unwrap_or_default(),
                details: describe(event),
            })
            .collect(),
    })
}

/// The names in a JSON array of strings, joined.
fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn role_label(value: &Value) -> Option<&'static str> {
    value.as_str().and_then(Role::parse).map(Role::label)
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// An event's details as a sentence a person reads.
fn describe(event: &Event) -> String {
    let d = &event.details;
    let time = |value: &Value| {
        value.as_str().and_then(|text| text.parse::<DateTime<Utc>>().ok()).map(pages::format_time)
    };
    let sentences: Vec<String> = match event.action {
        AuditAction::IntegrationCreate => {
            vec![format!("Created with the scopes {}.", names(&d["scopes"]).join(", "))]
        }
        AuditAction::IntegrationUpdate => {
            let mut said = Vec::new();
            let (before, after) = (d["name"]["before"].as_str(), d["name"]["after"].as_str());
            if let (Some(before), Some(after)) = (before, after)
                && before != after
            {
                said.push(format!("Renamed from “{before}” to “{after}”."));
            }
            if d["description_changed"].as_bool() == Some(true) {
                said.push("Description changed.".to_owned());
            }
            for (key, verb) in [("scopes_added", "Added"), ("scopes_removed", "Removed")] {
                let scopes = names(&d[key]);
                if !scopes.is_empty() {
                    said.push(format!(
                        "{verb} {}: {}.",
                        if scopes.len() == 1 { "scope" } else { "scopes" },
                        scopes.join(", ")
                    ));
                }
            }
            if said.is_empty() {
                said.push("Saved without changes.".to_owned());
            }
            said
        }
        AuditAction::IntegrationDelete => vec!["Deleted; its tokens stopped working.".to_owned()],
        AuditAction::RotateLater => vec![match time(&d["old_token_expires_at"]) {
            Some(at) => format!("Rotated; the old token expires {at}."),
            None => "Rotated; the old token expires later.".to_owned(),
        }],
        AuditAction::RotateNow => {
            let stopped = usize::try_from(d["revoked_tokens"].as_u64().unwrap_or(0)).unwrap_or(0);
            vec![format!("Rotated at once; {} stopped working.", count(stopped, "token", "tokens"))]
        }
        AuditAction::CancelRotation => vec!["Rotation cancelled; the new token stopped working.".to_owned()],
        AuditAction::ExpireNow => vec!["The old token stopped working at once.".to_owned()],
        AuditAction::WebhookCreate => {
            vec![format!("Added for the events {}.", names(&d["events"]).join(", "))]
        }
        AuditAction::WebhookRotateSecret => vec![match time(&d["previous_secret_until"]) {
            Some(at) => format!("New signing secret; the previous one signs alongside until {at}."),
            None => "New signing secret.".to_owned(),
        }],
        AuditAction::WebhookDisable => match d["reason"].as_str() {
            Some(reason) => vec![format!("Disabled: {reason}.")],
            None => vec!["Disabled.".to_owned()],
        },
        AuditAction::WebhookEnable => vec!["Enabled again.".to_owned()],
        AuditAction::WebhookDelete => vec!["Deleted with its delivery log.".to_owned()],
        AuditAction::UserCreate | AuditAction::ApiUserCreate => match role_label(&d["role"]) {
            Some(role) => vec![format!("Added as {role}.")],
            None => Vec::new(),
        },
        AuditAction::UserUpdate | AuditAction::ApiUserUpdate => {
            let mut said = Vec::new();
            if let (Some(before), Some(after)) =
                (role_label(&d["before"]["role"]), role_label(&d["after"]["role"]))
                && before != after
            {
                said.push(format!("Role changed from {before} to {after}."));
            }
            let (before, after) = (&d["before"]["permissions"], &d["after"]["permissions"]);
            for (key, label) in [
                ("manage_agency_integrations", "Manage agency private integrations"),
                ("manage_sub_account_integrations", "Manage sub-account private integrations"),
                ("manage_team", "Manage team"),
                ("manage_integrations", "Manage private integrations"),
                ("manage_staff", "Manage staff"),
            ] {
                match (before[key].as_bool(), after[key].as_bool()) {
                    (Some(false), Some(true)) => said.push(format!("“{label}” turned on.")),
                    (Some(true), Some(false)) => said.push(format!("“{label}” turned off.")),
                    _ => {}
                }
            }
            let (before, after) = (names(&d["before"]["sub_accounts"]), names(&d["after"]["sub_accounts"]));
            if before != after {
                said.push(format!("Now in {}.", count(after.len(), "sub-account", "sub-accounts")));
            }
            if said.is_empty() {
                said.push("Saved without changes.".to_owned());
            }
            said
        }
        AuditAction::UserDeactivate => vec!["Deactivated; their sessions ended.".to_owned()],
        AuditAction::UserReactivate => vec!["Reactivated.".to_owned()],
        AuditAction::UserSignOutEverywhere => vec!["Every session ended.".to_owned()],
        AuditAction::LabsUpdate => vec![match d["after"].as_bool() {
            Some(true) => "Private Integrations turned on.".to_owned(),
            _ => "Private Integrations turned off; existing tokens keep working.".to_owned(),
        }],
        AuditAction::ApiLocationUpdate => match (d["name"]["before"].as_str(), d["name"]["after"].as_str()) {
            (Some(before), Some(after)) => vec![format!("Renamed from “{before}” to “{after}”.")],
            _ => Vec::new(),
        },
        AuditAction::ApiLocationDelete => {
            let mut said = vec!["Deleted with its integrations; their tokens stopped working.".to_owned()];
            match d["people_removed"].as_u64() {
                Some(1) => said.push("The one person who worked only there was removed.".to_owned()),
                Some(n) if n > 1 => said.push(format!("The {n} people who worked only there were removed.")),
                _ => {}
            }
            said
        }
        AuditAction::SecurityPolicyUpdate => vec![match d["require_two_factor"].as_bool() {
            Some(true) => "Two-factor authentication is now required for everyone.".to_owned(),
            _ => "Two-factor authentication is no longer required.".to_owned(),
        }],
        AuditAction::TwoFactorReset => {
            vec!["Their two-factor was reset and their sessions ended; they set it up again at their next sign-in.".to_owned()]
        }
        AuditAction::ApiContactUpdate => {
            let list = |key: &str| -> Vec<String> {
                d[key]
                    .as_array()
                    .map(|items| items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            let quoted = |items: Vec<String>| {
                items.iter().map(|item| format!("“{item}”")).collect::<Vec<_>>().join(", ")
            };
            let mut said = Vec::new();
            let changed = list("changed");
            if !changed.is_empty() {
                said.push(format!("Changed its {}.", changed.join(", ")));
            }
            let added = list("tags_added");
            if !added.is_empty() {
                said.push(format!("Tagged {}.", quoted(added)));
            }
            let removed = list("tags_removed");
            if !removed.is_empty() {
                said.push(format!("Untagged {}.", quoted(removed)));
            }
            said
        }
        AuditAction::SudoConfirm => vec![format!(
            "Confirmed with {}.",
            if d["with"].as_str() == Some("code") { "an authentication code" } else { "their password" }
        )],
        AuditAction::AgencySetup
        | AuditAction::SignIn
        | AuditAction::SignInFailed
        | AuditAction::ApiLocationCreate
        | AuditAction::ApiUserDelete
        | AuditAction::ApiContactCreate
        | AuditAction::ApiContactDelete
        | AuditAction::PasswordAccepted
        | AuditAction::SecondStepFailed
        | AuditAction::TwoFactorEnable
        | AuditAction::TwoFactorDisable
        | AuditAction::RecoveryCodesRegenerate
        | AuditAction::RecoveryCodeUsed
        | AuditAction::SudoFailed
        | AuditAction::PasswordChange
        | AuditAction::PasswordChangeFailed
        | AuditAction::PasswordSet => Vec::new(),
    };
    sentences.join(" ")
}

/// One CSV field, quoted when it needs to be. A field that a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
/// apostrophe so it stays text.
fn field(text: &str) -> String {
    let text =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The same events as CSV.
#[tracing::instrument(skip_all)]
pub async fn csv(
    page: SettingsPage,
    app: web::Data<App>,
    query: web::Query<Query>,
) -> WebResult<HttpResponse> {
    let events = app::audit::export(&app, page.requester(), page.context, query.parsed(), CSV_LIMIT).await?;
    let mut body = String::from("time,actor,action,target,target_id,ip,details\r\n");
    for event in &events {
        let row = [
            event.occurred_at.to_rfc3339(),
            event.actor_label.clone(),
            event.action.as_str().to_owned(),
            event.target_label.clone().unwrap_or_default(),
            event.target_id.map(|id| id.to_string()).unwrap_or_default(),
            event.ip.clone().unwrap_or_default(),
            describe(event),
        ];
        body.push_str(&row.iter().map(|text| field(text)).collect::<Vec<_>>().join(","));
        body.push_str("\r\n");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename("audit-log.csv".into())],
        })
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK()"), "'=HYPERLINK()");
        assert_eq!(field("\t=1+1"), "'\t=1+1");
        assert_eq!(field("\r=1+1"), "\"'\r=1+1\"");
    }

    fn event(action: AuditAction, details: Value) -> Event {
        Event {
            id: Uuid::nil(),
            actor_label: "ann@example.com".into(),
            action,
            target_id: None,
            target_label: None,
            ip: None,
            details,
            occurred_at: Utc::now(),
        }
    }

    #[test]
    fn details_read_as_sentences() {
        let rotated = event(
            AuditAction::RotateLater,
            serde_json::json!({ "old_token_expires_at": "2026-12-07T04:35:00Z" }),
        );
        assert_eq!(describe(&rotated), "Rotated; the old token expires Dec 7, 2026, 04:35 UTC.");
        let edited = event(
            AuditAction::IntegrationUpdate,
            serde_json::json!({ "name": { "before": "CRM", "after": "CRM sync" }, "description_changed": false,
                "scopes_added": ["users.write"], "scopes_removed": [] }),
        );
        assert_eq!(describe(&edited), "Renamed from “CRM” to “CRM sync”. Added scope: users.write.");
        let promoted = event(
            AuditAction::UserUpdate,
            serde_json::json!({ "before": { "role": "account_user", "permissions": { "manage_staff": false } },
                "after": { "role": "account_admin", "permissions": { "manage_staff": true } } }),
        );
        assert_eq!(
            describe(&promoted),
            "Role changed from Account user to Account admin. “Manage staff” turned on."
        );
    }
}

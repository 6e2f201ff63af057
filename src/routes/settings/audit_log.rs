//! `GET …/audit-log` and `GET …/audit-log.csv`: who did what, when, from where — every
//! sign-in, integration change, rotation, permission and Labs change — filtered by
//! integration, user and action, and exported as CSV. Events outlive the integrations
//! they describe. The agency's log holds every event of the agency; a sub-account's only
//! its own.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::{self, App};
use crate::domain::audit::{AuditAction, Event};
use crate::domain::ids::UserId;
use crate::web::current::{Section, SettingsPage, Shell, section_url};
use crate::web::error::WebResult;
use crate::web::pages;

/// How many events the page shows; the CSV holds up to [`CSV_LIMIT`].
const PAGE_LIMIT: i64 = 200;
/// How many events one export holds.
const CSV_LIMIT: i64 = 50_000;

/// The filter form's query.
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    #[serde(default)]
    integration: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
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
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// From where.
    pub ip: String,
    /// The rest, compact JSON ("" when empty).
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
    limit: i64,
}

impl Query {
    fn parsed(&self) -> app::audit::Query {
        app::audit::Query {
            integration: self.integration.parse::<Uuid>().ok(),
            user: self.user.parse::<UserId>().ok(),
            action: AuditAction::parse(self.action.trim()),
        }
    }
}

fn details(event: &Event) -> String {
    match &event.details {
        serde_json::Value::Object(map) if map.is_empty() => String::new(),
        other => other.to_string(),
    }
}

/// The log.
#[tracing::instrument(skip_all)]
pub async fn page(
    page: SettingsPage,
    app: web::Data<App>,
    query: web::Query<Query>,
) -> WebResult<HttpResponse> {
    let (events, options) =
        app::audit::events(&app, page.requester(), page.context, query.parsed(), PAGE_LIMIT).await?;
    let choice =
        |value: String, label: String, current: &str| Choice { selected: value == current, value, label };
    let url = section_url(page.context, Section::AuditLog);
    let query_string = serde_html_form::to_string([
        ("integration", query.integration.as_str()),
        ("user", query.user.as_str()),
        ("action", query.action.as_str()),
    ])
    .unwrap_or_default();
    pages::render(&AuditLogPage {
        shell: page.shell(Some(Section::AuditLog)),
        csv_url: format!("{url}.csv?{query_string}"),
        action_url: url,
        integrations: options
            .integrations
            .into_iter()
            .map(|(id, label)| choice(id.to_string(), label, &query.integration))
            .collect(),
        users: options
            .actors
            .into_iter()
            .map(|(id, label)| choice(id.to_string(), label, &query.user))
            .collect(),
        actions: options
            .actions
            .into_iter()
            .map(|action| choice(action.as_str().to_owned(), action.as_str().to_owned(), &query.action))
            .collect(),
        filtered: !(query.integration.is_empty() && query.user.is_empty() && query.action.is_empty()),
        limit: PAGE_LIMIT,
        rows: events
            .iter()
            .map(|event| Row {
                when: pages::format_time(event.occurred_at),
                datetime: event.occurred_at.to_rfc3339(),
                actor: event.actor_label.clone(),
                action: event.action.as_str().to_owned(),
                target: event.target_label.clone().unwrap_or_default(),
                ip: event.ip.clone().unwrap_or_default(),
                details: details(event),
            })
            .collect(),
    })
}

/// One CSV field, quoted when it needs to be; a leading formula character is defused so
/// that spreadsheets do not execute it.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
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
            details(event),
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
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK()"), "'=HYPERLINK()");
    }
}

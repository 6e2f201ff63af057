//! `GET /notifications` and `POST /notifications/read`: what happened to the
//! integrations a person manages (the bell leads here), newest first; mark read.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{self, App, notifications::PAGE};
use crate::domain::access::{Action, Context};
use crate::domain::events::EventKind;
use crate::domain::integration::Owner;
use crate::web::current::{SettingsPage, Shell, SignedIn};
use crate::web::error::WebResult;
use crate::web::forms::HtmlForm;
use crate::web::pages;

/// A notification as the page shows it.
struct Row {
    id: uuid::Uuid,
    headline: String,
    place: String,
    at: String,
    datetime: String,
    unread: bool,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    shell: Shell,
    rows: Vec<Row>,
    older_url: Option<String>,
    any_unread: bool,
}

/// Query of the page: the next page starts before this notification.
#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<uuid::Uuid>,
}

/// The shell of a page outside any Settings context: the person's home context (their
/// agency, or their first sub-account).
async fn home(me: SignedIn, app: &App) -> WebResult<SettingsPage> {
    if me.actor.role.is_agency_level() && me.actor.may(Action::Enter, Context::Agency(me.actor.agency_id)) {
        return SettingsPage::load(me, app, None).await;
    }
    let subs = app::settings::agency_sub_accounts(app, &me.actor).await?;
    let first = subs.iter().find(|sub| me.actor.may(Action::Enter, sub.context())).map(|sub| sub.id);
    match first {
        Some(id) => SettingsPage::load(me, app, Some(id)).await,
        None => Err(app::AppError::NotFound.into()),
    }
}

/// The page.
#[tracing::instrument(skip_all)]
pub async fn page(
    me: SignedIn,
    app: web::Data<App>,
    query: web::Query<PageQuery>,
) -> WebResult<HttpResponse> {
    let found = app::notifications::list(&app, &me.requester, query.before).await?;
    let page = home(me, &app).await?;
    let names = |owner: Owner| match owner.sub_account_id {
        None => format!("Agency {}", page.agency.name),
        Some(id) => page
            .sub_accounts
            .iter()
            .find(|sub| sub.id == id)
            .map_or_else(|| "A sub-account".to_owned(), |sub| format!("Sub-account {}", sub.name)),
    };
    let rows: Vec<Row> = found
        .iter()
        .map(|notification| {
            let event = &notification.event;
            let owner = Owner { agency_id: event.agency_id, sub_account_id: event.sub_account_id };
            let link = match (event.kind, event.integration_id) {
                (EventKind::IntegrationDeleted, _) | (_, None) => None,
                (_, Some(id)) => Some(crate::routes::integrations::integration_url(event.context(), id)),
            };
            Row {
                id: event.id,
                headline: event.headline(),
                place: names(owner),
                at: pages::format_time(event.occurred_at),
                datetime: event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                unread: notification.read_at.is_none(),
                link,
            }
        })
        .collect();
    let older_url = (i64::try_from(rows.len()).unwrap_or(0) == PAGE)
        .then(|| rows.last().map(|row| format!("/notifications?before={}", row.id)))
        .flatten();
    pages::render(&NotificationsPage {
        any_unread: page.unread > 0,
        shell: page.shell(None),
        rows,
        older_url,
    })
}

/// The form of **Mark as read** (one notification) and **Mark all as read** (none named).
#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    event: Option<uuid::Uuid>,
}

/// Marks read, then back to the page.
#[tracing::instrument(skip_all)]
pub async fn mark_read(
    me: SignedIn,
    app: web::Data<App>,
    form: HtmlForm<ReadForm>,
) -> WebResult<HttpResponse> {
    app::notifications::mark_read(&app, &me.requester, form.0.event).await?;
    Ok(pages::see_other("/notifications"))
}

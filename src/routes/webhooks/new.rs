//! `GET/POST …/webhooks/new`: **Add endpoint** (URL and events), in sudo mode: an
//! endpoint receives the context's events. Its signing secret is shown next, once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{EventOption, endpoint_url, list_url};
use crate::app::{self, App, AppError, webhooks::Fields};
use crate::domain::events::EventKind;
use crate::domain::webhooks::EndpointUrl;
use crate::routes::integrations::IntegrationsPage;
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::error::WebResult;
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::pages;
use crate::web::sudo;

#[derive(Template)]
#[template(path = "webhooks/new.html")]
struct NewPage {
    shell: Shell,
    action: String,
    back_url: String,
    typed_url: String,
    events: Vec<EventOption>,
    errors: FieldErrors,
}

/// Fields of the form; unticked events are simply absent.
#[derive(Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: Vec<String>,
}

fn render(
    page: &SettingsPage,
    url: &str,
    chosen: &[EventKind],
    errors: FieldErrors,
) -> WebResult<HttpResponse> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::render_with_status(
        status,
        &NewPage {
            shell: page.shell(Some(Section::Webhooks)),
            action: format!("{}/new", list_url(page.context)),
            back_url: list_url(page.context),
            typed_url: url.to_owned(),
            events: EventOption::all(chosen),
            errors,
        },
    )
}

/// The form, every event ticked.
#[tracing::instrument(skip_all)]
pub async fn form(req: HttpRequest, page: IntegrationsPage) -> WebResult<HttpResponse> {
    sudo::require(&req)?;
    render(&page, "", &EventKind::SUBSCRIBABLE, FieldErrors::default())
}

/// Adds the endpoint, then shows its secret once.
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    page: IntegrationsPage,
    app: web::Data<App>,
    form: HtmlForm<NewForm>,
) -> WebResult<HttpResponse> {
    sudo::require(&req)?;
    let input = form.0;
    let chosen: Vec<EventKind> = EventKind::SUBSCRIBABLE
        .into_iter()
        .filter(|kind| input.events.iter().any(|name| name == kind.as_str()))
        .collect();
    let mut errors = FieldErrors::default();
    let url = errors.check("url", EndpointUrl::parse(&input.url).map_err(|error| error.to_string()));
    if chosen.is_empty() {
        errors.add("events", "Choose at least one event.");
    }
    let (Some(url), true) = (url, errors.is_empty()) else {
        return render(&page, &input.url, &chosen, errors);
    };
    let fields = Fields { url, events: chosen.clone() };
    match app::webhooks::create(&app, page.requester(), page.context, fields).await {
        Ok(endpoint) => Ok(pages::see_other(&format!("{}/secret", endpoint_url(page.context, endpoint.id)))),
        Err(AppError::Invalid { field, message }) => {
            errors.add(field, message);
            render(&page, &input.url, &chosen, errors)
        }
        Err(other) => Err(other.into()),
    }
}

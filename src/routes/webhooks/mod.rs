//! Settings > Webhooks, at agency and at sub-account level: the endpoints, adding one
//! (its signing secret shown once), an endpoint's page with its delivery log, and its
//! actions (**Send test event**, **Rotate secret**, **Disable**/**Enable**, **Delete**).
//! Handlers take [`crate::routes::integrations::IntegrationsPage`]: the people who manage
//! integrations, and the "turned off" page while Labs hides Private Integrations.

pub mod endpoint;
pub mod new;

use actix_web::web;

use crate::domain::access::Context;
use crate::domain::events::EventKind;
use crate::domain::ids::EndpointId;
use crate::domain::webhooks::{Disabled, Endpoint};
use crate::web::current::{Section, section_url};
use crate::web::pages;

/// Registers the routes under a context prefix.
pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    use crate::routes::settings_resource as resource;
    let base = format!("{prefix}/webhooks");
    let one = format!("{base}/{{endpoint_id}}");
    resource(cfg, base.clone(), Some(web::get().to(endpoint::list)), None);
    resource(cfg, format!("{base}/new"), Some(web::get().to(new::form)), Some(web::post().to(new::submit)));
    resource(cfg, one.clone(), Some(web::get().to(endpoint::page)), None);
    resource(cfg, format!("{one}/secret"), Some(web::get().to(endpoint::secret)), None);
    resource(cfg, format!("{one}/test"), None, Some(web::post().to(endpoint::send_test)));
    resource(cfg, format!("{one}/rotate-secret"), None, Some(web::post().to(endpoint::rotate_secret)));
    resource(cfg, format!("{one}/disable"), None, Some(web::post().to(endpoint::disable)));
    resource(cfg, format!("{one}/enable"), None, Some(web::post().to(endpoint::enable)));
    resource(
        cfg,
        format!("{one}/delete"),
        Some(web::get().to(endpoint::confirm_delete)),
        Some(web::post().to(endpoint::delete)),
    );
}

/// The endpoints' URL in a context.
pub fn list_url(context: Context) -> String {
    section_url(context, Section::Webhooks)
}

/// An endpoint's URL in a context.
pub fn endpoint_url(context: Context, id: EndpointId) -> String {
    format!("{}/{id}", list_url(context))
}

/// Path segments of an endpoint's pages (a malformed id is simply not found).
#[derive(serde::Deserialize)]
pub struct PathIds {
    /// The endpoint.
    pub endpoint_id: EndpointId,
}

/// An endpoint as the list and its page show it.
pub struct EndpointView {
    /// Its page.
    pub href: String,
    /// Where deliveries go.
    pub url: String,
    /// "Active", "Disabled" or "Disabled: failing".
    pub status: &'static str,
    /// The badge's tone.
    pub tone: &'static str,
    /// Why, when it is disabled.
    pub status_note: Option<String>,
    /// Its events' names.
    pub events: Vec<&'static str>,
    /// When it was added, by whom.
    pub created: String,
    /// Whether it is disabled.
    pub disabled: bool,
}

impl EndpointView {
    /// The view of `endpoint` in `context`.
    pub fn of(context: Context, endpoint: &Endpoint) -> Self {
        let (status, tone, status_note) = match endpoint.disabled {
            None => ("Active", "success", None),
            Some((at, Disabled::Manually)) => {
                ("Disabled", "neutral", Some(format!("Disabled {}", pages::format_time(at))))
            }
            Some((at, Disabled::Failing)) => (
                "Disabled: failing",
                "danger",
                Some(format!("Disabled {} after every delivery failed for 24 hours", pages::format_time(at))),
            ),
        };
        Self {
            href: endpoint_url(context, endpoint.id),
            url: endpoint.url.clone(),
            status,
            tone,
            status_note,
            events: endpoint.events.iter().map(|kind| kind.as_str()).collect(),
            created: format!("{} by {}", pages::format_time(endpoint.created_at), endpoint.created_by_label),
            disabled: endpoint.disabled.is_some(),
        }
    }
}

/// An event an endpoint may subscribe to, as the form shows it.
pub struct EventOption {
    /// Its wire name.
    pub name: &'static str,
    /// What it means.
    pub description: &'static str,
    /// Whether it is ticked.
    pub checked: bool,
}

impl EventOption {
    /// Every subscribable event, ticked when `chosen` holds it.
    pub fn all(chosen: &[EventKind]) -> Vec<Self> {
        EventKind::SUBSCRIBABLE
            .into_iter()
            .map(|kind| Self {
                name: kind.as_str(),
                description: kind.describe(),
                checked: chosen.contains(&kind),
            })
            .collect()
    }
}

//! `GET /openapi.json`: the API described from the handlers' own annotations, so the
//! document cannot drift from the code.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{introspect, resources, writes};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Private Integrations API",
        description = "Call with `Authorization: Bearer pit-…` (a private integration's token). `Version: 2021-07-28` is accepted and optional. Errors are `{statusCode, message}`; every authenticated response carries `X-RateLimit-*` headers.",
    ),
    paths(
        resources::token_info, resources::company, resources::location, resources::search_locations,
        resources::users, resources::user,
        writes::create_location, writes::update_location, writes::delete_location,
        writes::create_user, writes::update_user, writes::delete_user,
        introspect::introspect,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A private integration's token, pit-…"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "resource_server",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("RESOURCE_SERVER_SECRET, for introspection"))
                    .build(),
            ),
        );
    }
}

/// Serves the document.
#[tracing::instrument(skip_all)]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

//! `GET /openapi.json`: the API described from the handlers' own annotations, so the
//! document cannot drift from the code.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{companies, contacts, introspect, locations, tokens, users};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Private Integrations API",
        description = "HighLevel's API v2, as far as this server implements it: call with `Authorization: Bearer pit-…` (a private integration's token). A `Version` header is optional; when present it is one of HighLevel's (`2021-07-28`, `2021-04-15`, `2023-02-21`, `v3`). Paths work with and without a trailing slash. Errors are `{statusCode, message}`; every authenticated response carries `X-RateLimit-*` headers.",
    ),
    paths(
        tokens::health, tokens::token_info,
        companies::get,
        locations::search, locations::get, locations::create, locations::update, locations::delete,
        users::search, users::filter_by_email, users::by_location, users::get, users::create, users::update, users::delete,
        contacts::create, contacts::get, contacts::update, contacts::delete, contacts::upsert, contacts::list,
        contacts::search, contacts::duplicate, contacts::add_tags, contacts::remove_tags,
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

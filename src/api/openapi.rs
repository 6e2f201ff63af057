//! `GET /openapi.json`: the API described from the handlers' own annotations, so the
//! document cannot drift from the code.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::wire::JsonBody as _;
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
    modifiers(&Security, &VersionHeader)
)]
pub struct ApiDoc;

struct Security;

/// Every `/v2` operation takes HighLevel's optional `Version` header.
struct VersionHeader;

impl Modify for VersionHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let version = ParameterBuilder::new()
            .name("Version")
            .parameter_in(ParameterIn::Header)
            .required(utoipa::openapi::Required::False)
            .description(Some("HighLevel's API version; any of theirs is accepted (400 otherwise)."))
            .schema(Some(
                ObjectBuilder::new().schema_type(Type::String).enum_values(Some(super::VERSIONS)).build(),
            ))
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v2/") {
                continue;
            }
            for operation in
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten()
            {
                operation.parameters.get_or_insert_with(Vec::new).push(version.clone());
            }
        }
    }
}

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

/// The document: what the annotations say, refined where JSON Schema says more than
/// annotations can (each refinement built from the same rules the handlers apply).
pub fn json() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        refine(&mut document);
        document
    })
}

/// The refinements: a search's conditions by field kind and operator; an `account` user
/// has a location; a password is not one character repeated; counts that come as numbers
/// or strings.
fn refine(document: &mut serde_json::Value) {
    let schemas = &mut document["components"]["schemas"];
    schemas["SearchBody"]["properties"]["filters"] = contacts::filters_schema();
    schemas["FilterByEmailBody"]["properties"]["skip"] = users::skip_schema();
    schemas["FilterByEmailBody"]["properties"]["limit"] = users::limit_schema();
    schemas["UserCreate"]["properties"]["password"]["not"] = serde_json::json!({ "pattern": r"^(.)\1*$" });
    // An update without `type` keeps the person's level; the stored one decides (409).
    for (name, levels) in
        [("UserCreate", serde_json::json!(["agency"])), ("UserUpdate", serde_json::json!(["agency", null]))]
    {
        let account_has_a_location = serde_json::json!({ "anyOf": [
            { "properties": { "type": { "enum": levels } } },
            { "properties": { "locationIds": { "minItems": 1 } } },
        ]});
        let original = schemas[name].take();
        schemas[name] = serde_json::json!({ "allOf": [original, account_has_a_location] });
    }
}

/// Serves the document.
#[tracing::instrument(skip_all)]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json_body(json())
}

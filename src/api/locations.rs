//! `/v2/locations`: the agency's sub-accounts as HighLevel shows locations — search, get,
//! create, update (with their details and the "Allow Duplicate Contact" setting) and
//! delete. HighLevel's location fields this server does not keep (social profiles,
//! Twilio, Mailgun, snapshots, prospect info) are accepted and ignored.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::wire::{self, JsonBody as _, Patch, id, invalid};
use super::{ApiError, ApiResult, ErrorBody};
use crate::app::{self, App};
use crate::domain::contacts::{parse_email, parse_phone, parse_text, parse_timezone};
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::people::DisplayName;
use crate::domain::tenancy::{LocationChange, SubAccount};

/// A location's settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationSettings {
    /// Whether two contacts may share an email or a phone (default false).
    pub allow_duplicate_contact: bool,
}

/// A location (sub-account), as HighLevel shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    id: Uuid,
    company_id: Uuid,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    website: Option<String>,
    timezone: Option<String>,
    settings: LocationSettings,
    #[serde(serialize_with = "wire::time")]
    date_added: DateTime<Utc>,
}

impl From<SubAccount> for Location {
    fn from(sub: SubAccount) -> Self {
        let profile = sub.profile;
        Self {
            id: sub.id.0,
            company_id: sub.agency_id.0,
            name: sub.name,
            phone: profile.phone,
            email: profile.email,
            address: profile.address,
            city: profile.city,
            state: profile.state,
            country: profile.country,
            postal_code: profile.postal_code,
            website: profile.website,
            timezone: profile.timezone,
            settings: LocationSettings { allow_duplicate_contact: sub.allow_duplicate_contact },
            date_added: sub.created_at,
        }
    }
}

/// `{"location": …}`.
#[derive(Serialize, ToSchema)]
pub struct LocationResponse {
    /// The location.
    pub location: Location,
}

/// `{"locations": […]}`.
#[derive(Serialize, ToSchema)]
pub struct LocationList {
    /// This page.
    pub locations: Vec<Location>,
}

/// `{"success": true, "message": …}`, as HighLevel answers a deletion.
#[derive(Serialize, ToSchema)]
pub struct LocationDeleted {
    /// Always true.
    pub success: bool,
    /// What happened.
    pub message: String,
}

/// A location's details in a write; absent fields stay as they are, `null` or blank clears.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct LocationDetails {
    #[serde(default)]
    #[schema(schema_with = wire::phone)]
    phone: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::email)]
    email: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    address: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    city: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    state: Patch<String>,
    /// ISO 3166 alpha-2 code, e.g. `US`.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^$|^\s*[A-Za-z]{2}\s*$")]
    country: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    postal_code: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    website: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::timezone)]
    timezone: Patch<String>,
    /// Settings; `allowDuplicateContact` only.
    #[serde(default)]
    settings: Option<SettingsBody>,
}

/// The body of `POST /locations/`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationCreate {
    /// The token's agency.
    #[schema(schema_with = wire::uuid)]
    company_id: Uuid,
    /// 1–100 characters.
    #[schema(schema_with = wire::display_name)]
    name: String,
    /// The details.
    #[serde(flatten)]
    details: LocationDetails,
}

/// The body of `PUT /locations/{locationId}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationUpdate {
    /// The token's agency (optional here).
    #[schema(schema_with = wire::nullable_uuid)]
    company_id: Option<Uuid>,
    /// 1–100 characters.
    #[schema(schema_with = wire::display_name)]
    name: Option<String>,
    /// The details.
    #[serde(flatten)]
    details: LocationDetails,
}

/// The settings a write may change.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct SettingsBody {
    /// Whether two contacts may share an email or a phone.
    #[serde(default)]
    allow_duplicate_contact: Option<bool>,
}

fn parse_country(text: &str) -> Result<String, String> {
    let code = text.trim();
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err("Use a two-letter country code such as US.".into())
    }
}

/// Refuses another agency's id.
fn check_company(caller: &Caller, company: Option<Uuid>) -> ApiResult<()> {
    if company.is_some_and(|company| AgencyId(company) != caller.verified.caller.owner.agency_id) {
        return Err(ApiError::COMPANY);
    }
    Ok(())
}

impl LocationDetails {
    /// The change the details ask for, with `name` if given.
    fn change(self, name: Option<String>) -> ApiResult<LocationChange> {
        Ok(LocationChange {
            name: name
                .map(|name| DisplayName::parse(&name).map_err(|message| invalid("name", message)))
                .transpose()?,
            phone: self.phone.parse("phone", parse_phone)?,
            email: self.email.parse("email", parse_email)?,
            address: self.address.parse("address", |text| parse_text(text, "Address"))?,
            city: self.city.parse("city", |text| parse_text(text, "City"))?,
            state: self.state.parse("state", |text| parse_text(text, "State"))?,
            country: self.country.parse("country", parse_country)?,
            postal_code: self.postal_code.parse("postalCode", |text| parse_text(text, "Postal code"))?,
            website: self.website.parse("website", |text| parse_text(text, "Website"))?,
            timezone: self.timezone.parse("timezone", parse_timezone)?,
            allow_duplicate_contact: self.settings.and_then(|settings| settings.allow_duplicate_contact),
        })
    }
}

/// `GET /v2/locations/{locationId}` (locations.readonly).
#[utoipa::path(
    get, path = "/v2/locations/{locationId}", tag = "Locations",
    description = "Scope: `locations.readonly`. A sub-account of the token's agency, or the token's own sub-account.",
    params(("locationId" = Uuid, Path, description = "The sub-account's id")),
    responses(
        (status = 200, body = LocationResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn get(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    caller.require(&app, "locations.readonly")?;
    let location: SubAccountId = id(&path)?;
    let found = app::locations::location(&app, &caller.requester, location).await?;
    Ok(HttpResponse::Ok()
        .json_body(LocationResponse { location: Location::from(std::sync::Arc::unwrap_or_clone(found)) }))
}

/// Ascending or descending.
#[derive(Deserialize, ToSchema, Clone, Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Oldest first (the default).
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// Query of `GET /v2/locations/search`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// The token's agency (optional; another agency's is refused).
    #[param(schema_with = wire::nullable_uuid)]
    company_id: Option<Uuid>,
    /// How many to skip (default 0, at most 1,000,000).
    #[param(minimum = 0, maximum = 1_000_000)]
    skip: Option<u32>,
    /// How many to return (default 10, at most 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// By date added: `asc` (default) or `desc`.
    #[param(inline)]
    order: Option<Order>,
    /// Only the location with this email.
    email: Option<String>,
}

/// `GET /v2/locations/search` (locations.readonly): the agency's sub-accounts for an
/// agency token; only its own for a sub-account token.
#[utoipa::path(
    get, path = "/v2/locations/search", tag = "Locations",
    description = "Scope: `locations.readonly`. The agency's sub-accounts (a sub-account token sees only its own).",
    params(SearchQuery),
    responses(
        (status = 200, body = LocationList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn search(
    caller: Caller,
    app: web::Data<App>,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "locations.readonly")?;
    let query = query.into_inner();
    if query.company_id.is_some_and(|company| company != caller.verified.caller.owner.agency_id.0) {
        return Err(ApiError::COMPANY);
    }
    let limit = query.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(invalid("limit", "Use 1 to 100."));
    }
    let skip = query.skip.unwrap_or(0);
    if skip > wire::SKIP_MAX {
        return Err(invalid("skip", "Use 0 to 1000000."));
    }
    let email = query.email.map(|email| email.trim().to_lowercase());
    let mut visible: Vec<SubAccount> = app::locations::visible(&app, &caller.requester)
        .await?
        .into_iter()
        .filter(|sub| email.as_ref().is_none_or(|email| sub.profile.email.as_ref() == Some(email)))
        .collect();
    visible.sort_by_key(|sub| (sub.created_at, sub.id));
    if matches!(query.order.unwrap_or_default(), Order::Desc) {
        visible.reverse();
    }
    let page = visible.into_iter().skip(skip as usize).take(limit as usize).map(Location::from).collect();
    Ok(HttpResponse::Ok().json_body(LocationList { locations: page }))
}

/// `POST /v2/locations/` (locations.write): a new sub-account of the token's agency.
#[utoipa::path(
    post, path = "/v2/locations/", tag = "Locations",
    description = "Scope: `locations.write` (agency tokens). A new sub-account of the token's agency. Also at `/v2/locations`.",
    request_body = LocationCreate,
    responses(
        (status = 200, body = Location),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    caller: Caller,
    app: web::Data<App>,
    body: wire::Json<LocationCreate>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "locations.write")?;
    if !caller.verified.caller.is_agency_token() {
        return Err(ApiError::LOCATION);
    }
    let body = body.into_inner();
    check_company(&caller, Some(body.company_id))?;
    let mut change = body.details.change(Some(body.name))?;
    let name = change.name.take().ok_or_else(|| invalid("name", "Name is required."))?;
    let created = app::locations::create(&app, &caller.requester, name, change).await?;
    Ok(HttpResponse::Ok().json_body(Location::from(created)))
}

/// `PUT /v2/locations/{locationId}` (locations.write).
#[utoipa::path(
    put, path = "/v2/locations/{locationId}", tag = "Locations",
    description = "Scope: `locations.write`. Changes a sub-account within the token's reach: absent fields stay, `null` or blank clears.",
    params(("locationId" = Uuid, Path, description = "The sub-account's id")),
    request_body = LocationUpdate,
    responses(
        (status = 200, body = Location),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn update(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    body: wire::Json<LocationUpdate>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "locations.write")?;
    let location: SubAccountId = id(&path)?;
    app::locations::location(&app, &caller.requester, location).await?;
    let body = body.into_inner();
    check_company(&caller, body.company_id)?;
    let change = body.details.change(body.name)?;
    let updated = app::locations::update(&app, &caller.requester, location, change).await?;
    Ok(HttpResponse::Ok().json_body(Location::from(updated)))
}

/// Query of `DELETE /v2/locations/{locationId}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DeleteQuery {
    /// HighLevel's Twilio option; this server has no Twilio account to delete.
    #[allow(dead_code)]
    delete_twilio_account: Option<bool>,
}

/// `DELETE /v2/locations/{locationId}` (locations.write): the sub-account, its
/// memberships, contacts and integrations (whose tokens stop working).
#[utoipa::path(
    delete, path = "/v2/locations/{locationId}", tag = "Locations",
    description = "Scope: `locations.write`. Deletes a sub-account with its memberships, contacts and integrations.",
    params(("locationId" = Uuid, Path, description = "The sub-account's id"), DeleteQuery),
    responses(
        (status = 200, body = LocationDeleted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn delete(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    _query: web::Query<DeleteQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "locations.write")?;
    let location: SubAccountId = id(&path)?;
    app::locations::delete(&app, &caller.requester, location).await?;
    Ok(HttpResponse::Ok().json_body(LocationDeleted {
        success: true,
        message: format!("Deleted location with id: {location}"),
    }))
}

//! The write side of `/v2`: create, update and delete locations (sub-accounts) and users.
//! No escalation through a token: users created or edited here never receive "Manage
//! team", "Manage staff" or a private-integration permission, and the agency always keeps
//! an active team manager. Every change is audited as done by the integration.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::resources::{ApiUser, Location, LocationResponse, UserResponse, parse, require};
use super::{ApiError, ApiResult, ErrorBody};
use crate::app::people::{ApiChange, ApiNewcomer};
use crate::app::{self, App};
use crate::domain::ids::{SubAccountId, UserId};
use crate::domain::people::{DisplayName, Email, NewPassword, Role};

fn field<T>(name: &str, parsed: Result<T, String>) -> ApiResult<T> {
    parsed.map_err(|message| ApiError::invalid(format!("{name}: {message}")))
}

/// Body of location writes.
#[derive(Deserialize, ToSchema)]
pub struct LocationBody {
    /// 1–100 characters.
    #[serde(default)]
    name: String,
}

/// `{"succeeded": true}`.
#[derive(Serialize, ToSchema)]
pub struct Succeeded {
    /// Always true.
    pub succeeded: bool,
}

/// `POST /v2/locations` (locations.write): a new sub-account of the token's agency.
#[utoipa::path(
    post, path = "/v2/locations", tag = "Locations",
    description = "Scope: `locations.write` (agency tokens). A new sub-account of the token's agency.",
    request_body = LocationBody,
    responses((status = 201, body = LocationResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn create_location(
    caller: Caller,
    app: web::Data<App>,
    body: web::Json<LocationBody>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "locations.write")?;
    if !caller.verified.caller.is_agency_token() {
        return Err(ApiError::LOCATION);
    }
    let name = field("name", DisplayName::parse(&body.name))?;
    let created = app::locations::create(&app, &caller.requester, name).await?;
    Ok(HttpResponse::Created().json(LocationResponse { location: Location::from(created) }))
}

/// `PUT /v2/locations/{id}` (locations.write): rename.
#[utoipa::path(
    put, path = "/v2/locations/{location_id}", tag = "Locations",
    description = "Scope: `locations.write`. Renames a sub-account within the token's reach.",
    params(("location_id" = uuid::Uuid, Path, description = "The sub-account's id")),
    request_body = LocationBody,
    responses((status = 200, body = LocationResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn update_location(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<LocationBody>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "locations.write")?;
    let id: SubAccountId = parse(&path)?;
    app::locations::location(&app, &caller.requester, id).await?;
    let name = field("name", DisplayName::parse(&body.name))?;
    let renamed = app::locations::rename(&app, &caller.requester, id, name).await?;
    Ok(HttpResponse::Ok().json(LocationResponse { location: Location::from(renamed) }))
}

/// `DELETE /v2/locations/{id}` (locations.write): the sub-account, its memberships and its
/// integrations (whose tokens stop working).
#[utoipa::path(
    delete, path = "/v2/locations/{location_id}", tag = "Locations",
    description = "Scope: `locations.write`. Deletes a sub-account, its memberships and its integrations.",
    params(("location_id" = uuid::Uuid, Path, description = "The sub-account's id")),
    responses((status = 200, body = Succeeded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn delete_location(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "locations.write")?;
    let id: SubAccountId = parse(&path)?;
    app::locations::delete(&app, &caller.requester, id).await?;
    Ok(HttpResponse::Ok().json(Succeeded { succeeded: true }))
}

/// Body of user writes; absent fields are left as they are on update.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    /// 1–100 characters (required to create).
    name: Option<String>,
    /// Their sign-in (create only).
    email: Option<String>,
    /// `agency_admin`, `agency_user`, `account_admin` or `account_user`.
    role: Option<String>,
    /// Sub-accounts, for account roles.
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    location_ids: Option<Vec<SubAccountId>>,
    /// An initial password, at least 12 characters (create only).
    password: Option<String>,
}

fn parse_role(text: &str) -> ApiResult<Role> {
    Role::parse(text).ok_or_else(|| {
        ApiError::invalid("role: Use agency_admin, agency_user, account_admin or account_user.")
    })
}

/// `POST /v2/users` (users.write).
#[utoipa::path(
    post, path = "/v2/users", tag = "Users",
    description = "Scope: `users.write`. A new person, without any permission; a sub-account's token gives only account roles in its sub-account.",
    request_body = UserBody,
    responses((status = 201, body = UserResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn create_user(
    caller: Caller,
    app: web::Data<App>,
    body: web::Json<UserBody>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "users.write")?;
    let body = body.into_inner();
    let newcomer = ApiNewcomer {
        name: field("name", DisplayName::parse(body.name.as_deref().unwrap_or("")))?,
        email: field("email", Email::parse(body.email.as_deref().unwrap_or("")))?,
        role: parse_role(body.role.as_deref().unwrap_or(""))?,
        location_ids: body.location_ids,
        password: body
            .password
            .map(|password| field("password", NewPassword::parse(password)))
            .transpose()?,
    };
    let member = app::people::create_by_token(&app, &caller.requester, newcomer).await?;
    Ok(HttpResponse::Created().json(UserResponse { user: ApiUser::from(member) }))
}

/// `PUT /v2/users/{id}` (users.write): name, role and locations. A new role starts with
/// no permission; the same role keeps what a person granted.
#[utoipa::path(
    put, path = "/v2/users/{user_id}", tag = "Users",
    description = "Scope: `users.write`. Name, role and locations; a new role starts without permissions; the agency keeps a team manager.",
    params(("user_id" = uuid::Uuid, Path, description = "The user's id")),
    request_body = UserBody,
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn update_user(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<UserBody>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "users.write")?;
    let id: UserId = parse(&path)?;
    app::people::reachable_by_token(&app, &caller.requester, id).await?;
    let body = body.into_inner();
    if body.email.is_some() || body.password.is_some() {
        return Err(ApiError::invalid("email and password cannot be changed through the API."));
    }
    let change = ApiChange {
        name: body.name.as_deref().map(|name| field("name", DisplayName::parse(name))).transpose()?,
        role: body.role.as_deref().map(parse_role).transpose()?,
        location_ids: body.location_ids,
    };
    let updated = app::people::update_by_token(&app, &caller.requester, id, change).await?;
    Ok(HttpResponse::Ok().json(UserResponse { user: ApiUser::from(updated) }))
}

/// `DELETE /v2/users/{id}` (users.write).
#[utoipa::path(
    delete, path = "/v2/users/{user_id}", tag = "Users",
    description = "Scope: `users.write`. Deletes a person within the token's reach (never the last team manager).",
    params(("user_id" = uuid::Uuid, Path, description = "The user's id")),
    responses((status = 200, body = Succeeded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn delete_user(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "users.write")?;
    let id: UserId = parse(&path)?;
    app::people::delete_by_token(&app, &caller.requester, id).await?;
    Ok(HttpResponse::Ok().json(Succeeded { succeeded: true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The JSON bodies' decoders meet arbitrary bytes with a value or an error, never a
        /// panic (the fuzz target `json_decode` explores further).
        #[test]
        fn any_json_body_decodes_or_is_refused(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = serde_json::from_slice::<UserBody>(&body);
            let _ = serde_json::from_slice::<LocationBody>(&body);
        }
    }
}

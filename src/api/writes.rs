//! The write side of `/v2`: create, update and delete locations (sub-accounts) and users.
//! No escalation through a token: users created or edited here never receive "Manage
//! team", "Manage staff" or a private-integration permission, and the agency always keeps
//! an active team manager. Every change is audited as done by the integration.

use crate::db::notify::Change;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::resources::{ApiUser, Location, LocationResponse, UserResponse};
use super::{ApiError, ApiResult, ErrorBody};
use crate::db::{self, audit::NewEvent, users::CreateUserError, users::NewPerson};
use crate::domain::ids::{SubAccountId, UserId};
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, Role};
use crate::error::AppError;
use crate::routes::team::keep_a_team_manager;
use crate::web::{AppState, client};

fn event(caller: &Caller, req: &HttpRequest, state: &AppState, action: &str) -> NewEvent {
    NewEvent {
        agency_id: Some(caller.owner.agency_id),
        sub_account_id: caller.owner.sub_account_id,
        ip: Some(client::ip(req)),
        ..NewEvent::new(
            action,
            format!("integration “{}” ({})", caller.name, caller.integration_id),
            state.clock.now(),
        )
    }
}

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
pub async fn create_location(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<LocationBody>,
) -> ApiResult<HttpResponse> {
    caller.require("locations.write", &state)?;
    if caller.owner.sub_account_id.is_some() {
        return Err(ApiError::LOCATION);
    }
    let name = field("name", DisplayName::parse(&body.name))?;
    let agency = caller.owner.agency_id;
    let now = state.clock.now();
    let audit = event(&caller, &req, &state, "api.location.create");
    let created = state
        .db
        .transaction(move |conn| {
            let sub = db::agencies::create_sub_account(conn, agency, &name, now)?;
            db::audit::record(
                conn,
                &NewEvent { target_id: Some(sub.id.0), target_label: Some(sub.name.clone()), ..audit },
            )?;
            Ok(sub)
        })
        .await?;
    Ok(HttpResponse::Created().json(LocationResponse { location: Location::from(created) }))
}

async fn reachable_location(
    caller: &Caller,
    state: &AppState,
    path: &str,
) -> ApiResult<db::models::SubAccount> {
    let id: SubAccountId = path.parse().map_err(|_| ApiError::NOT_FOUND)?;
    let found = state.db.run(move |conn| Ok(db::agencies::find_sub_account(conn, id).ok())).await?;
    let found = found.ok_or(ApiError::LOCATION)?;
    caller.reach(found.id, found.agency_id)?;
    Ok(found)
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
pub async fn update_location(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<LocationBody>,
) -> ApiResult<HttpResponse> {
    caller.require("locations.write", &state)?;
    let found = reachable_location(&caller, &state, &path).await?;
    let name = field("name", DisplayName::parse(&body.name))?;
    let audit = NewEvent {
        target_id: Some(found.id.0),
        target_label: Some(name.as_str().to_owned()),
        details: serde_json::json!({ "name": { "before": found.name, "after": name.as_str() } }),
        ..event(&caller, &req, &state, "api.location.update")
    };
    let id = found.id;
    let renamed = name.as_str().to_owned();
    state
        .db
        .transaction(move |conn| {
            db::agencies::rename_sub_account(conn, id, &name)?;
            db::audit::record(conn, &audit)?;
            Ok(())
        })
        .await?;
    let location = db::models::SubAccount { name: renamed, ..found };
    Ok(HttpResponse::Ok().json(LocationResponse { location: Location::from(location) }))
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
pub async fn delete_location(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require("locations.write", &state)?;
    let found = reachable_location(&caller, &state, &path).await?;
    let audit = NewEvent {
        target_id: Some(found.id.0),
        target_label: Some(found.name.clone()),
        sub_account_id: None,
        ..event(&caller, &req, &state, "api.location.delete")
    };
    let id = found.id;
    state
        .db
        .transaction(move |conn| {
            db::agencies::delete_sub_account(conn, id)?;
            db::audit::record(conn, &audit)?;
            Ok(())
        })
        .await?;
    state.tokens.changed(Change::Everything);
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

/// Checks a role and its locations against what the token may give.
fn placement(
    caller: &Caller,
    state_subs: &[SubAccountId],
    role: Role,
    ids: Option<&[SubAccountId]>,
) -> ApiResult<Vec<SubAccountId>> {
    if let Some(own) = caller.owner.sub_account_id {
        if role.is_agency_level() {
            return Err(ApiError::invalid("role: A sub-account's token can only give account roles."));
        }
        return match ids {
            None => Ok(vec![own]),
            Some(ids) if ids.iter().all(|id| *id == own) => Ok(vec![own]),
            Some(_) => Err(ApiError::LOCATION),
        };
    }
    if role.is_agency_level() {
        return Ok(Vec::new());
    }
    let ids = ids.unwrap_or_default();
    if ids.is_empty() {
        return Err(ApiError::invalid("locationIds: An account role needs at least one location."));
    }
    if !ids.iter().all(|id| state_subs.contains(id)) {
        return Err(ApiError::LOCATION);
    }
    Ok(ids.to_vec())
}

fn parse_role(text: &str) -> ApiResult<Role> {
    Role::from_db(text).ok_or_else(|| {
        ApiError::invalid("role: Use agency_admin, agency_user, account_admin or account_user.")
    })
}

async fn agency_subs(caller: &Caller, state: &AppState) -> ApiResult<Vec<SubAccountId>> {
    let agency = caller.owner.agency_id;
    Ok(state
        .db
        .run(move |conn| Ok(db::agencies::sub_accounts_of(conn, agency)?))
        .await?
        .into_iter()
        .map(|sub| sub.id)
        .collect())
}

/// `POST /v2/users` (users.write).
#[utoipa::path(
    post, path = "/v2/users", tag = "Users",
    description = "Scope: `users.write`. A new person, without any permission; a sub-account's token gives only account roles in its sub-account.",
    request_body = UserBody,
    responses((status = 201, body = UserResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn create_user(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<UserBody>,
) -> ApiResult<HttpResponse> {
    caller.require("users.write", &state)?;
    let body = body.into_inner();
    let name = field("name", DisplayName::parse(body.name.as_deref().unwrap_or("")))?;
    let email = field("email", Email::parse(body.email.as_deref().unwrap_or("")))?;
    let role = parse_role(body.role.as_deref().unwrap_or(""))?;
    let subs = agency_subs(&caller, &state).await?;
    let sub_accounts = placement(&caller, &subs, role, body.location_ids.as_deref())?;
    let hash = match body.password {
        Some(password) => Some(state.passwords.hash(field("password", NewPassword::parse(password))?).await?),
        None => None,
    };
    let person = NewPerson {
        agency_id: caller.owner.agency_id,
        email,
        name,
        role,
        // No escalation through a token: no permission at all.
        permissions: Permissions::default(),
        sub_accounts,
    };
    let audit = event(&caller, &req, &state, "api.user.create");
    let now = state.clock.now();
    let created = state
        .db
        .transaction(move |conn| {
            let user = match db::users::create(conn, &person, hash.as_deref(), now) {
                Ok(user) => user,
                Err(CreateUserError::EmailTaken) => return Ok(None),
                Err(other) => return Err(AppError::Internal(other.into())),
            };
            db::audit::record(
                conn,
                &NewEvent { target_id: Some(user.id.0), target_label: Some(user.email.clone()), ..audit },
            )?;
            Ok(Some(db::users::member(conn, user.id)?))
        })
        .await?;
    let member = created.ok_or_else(|| ApiError::invalid("email: A user with this email already exists."))?;
    Ok(HttpResponse::Created().json(UserResponse { user: ApiUser::from(member) }))
}

async fn reachable_user(caller: &Caller, state: &AppState, path: &str) -> ApiResult<db::users::Member> {
    let id: UserId = path.parse().map_err(|_| ApiError::NOT_FOUND)?;
    let member = state.db.run(move |conn| Ok(db::users::member(conn, id).ok())).await?;
    let member = member.ok_or(ApiError::LOCATION)?;
    let inside = member.user.agency_id == caller.owner.agency_id
        && caller
            .owner
            .sub_account_id
            .is_none_or(|own| !member.user.role().is_agency_level() && member.sub_accounts.contains(&own));
    if inside { Ok(member) } else { Err(ApiError::LOCATION) }
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
pub async fn update_user(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UserBody>,
) -> ApiResult<HttpResponse> {
    caller.require("users.write", &state)?;
    let member = reachable_user(&caller, &state, &path).await?;
    let body = body.into_inner();
    if body.email.is_some() || body.password.is_some() {
        return Err(ApiError::invalid("email and password cannot be changed through the API."));
    }
    let name = body.name.as_deref().map(|name| field("name", DisplayName::parse(name))).transpose()?;
    let before = member.user.role();
    let role = match body.role.as_deref() {
        Some(text) => parse_role(text)?,
        None => before,
    };
    let subs = agency_subs(&caller, &state).await?;
    let locations = body.location_ids.clone().or_else(|| Some(member.sub_accounts.clone()));
    let sub_accounts = placement(&caller, &subs, role, locations.as_deref())?;
    let permissions = if role == before { member.user.permissions() } else { Permissions::default() };
    let (id, agency) = (member.user.id, caller.owner.agency_id);
    let audit = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        details: serde_json::json!({
            "before": { "role": before.as_str(), "sub_accounts": member.sub_accounts },
            "after": { "role": role.as_str(), "sub_accounts": sub_accounts },
        }),
        ..event(&caller, &req, &state, "api.user.update")
    };
    let updated = state
        .db
        .transaction(move |conn| {
            db::users::lock_member(conn, id)?;
            if let Some(name) = &name {
                db::users::rename(conn, id, name)?;
            }
            db::users::set_access(conn, id, agency, role, permissions, Some(&sub_accounts))?;
            keep_a_team_manager(conn, agency)?;
            db::audit::record(conn, &audit)?;
            Ok(db::users::member(conn, id)?)
        })
        .await
        .map_err(refused)?;
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
pub async fn delete_user(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require("users.write", &state)?;
    let member = reachable_user(&caller, &state, &path).await?;
    let (id, agency) = (member.user.id, caller.owner.agency_id);
    let audit = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..event(&caller, &req, &state, "api.user.delete")
    };
    state
        .db
        .transaction(move |conn| {
            db::users::lock_member(conn, id)?;
            db::users::delete(conn, id)?;
            keep_a_team_manager(conn, agency)?;
            db::audit::record(conn, &audit)?;
            Ok(())
        })
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(Succeeded { succeeded: true }))
}

/// A refused change is the caller's to fix: 422 with the reason.
fn refused(error: AppError) -> ApiError {
    match error {
        AppError::Refused(message) => ApiError::invalid(message),
        other => other.into(),
    }
}

//! The `/v2` resources of this system, HighLevel-shaped, read side.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::{ApiError, ApiResult, ErrorBody};
use crate::app::{self, App};
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::Member;
use crate::domain::tenancy::SubAccount;

/// Whose integration a token belongs to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOwner {
    /// `agency` or `sub-account`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The agency's or sub-account's id.
    pub id: Uuid,
    /// The agency, for a sub-account's integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Uuid>,
}

/// The calling token's integration.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// The integration's id.
    pub integration_id: Uuid,
    /// Its name.
    pub name: String,
    /// Whose it is.
    pub owner: TokenOwner,
    /// The scopes it holds.
    pub scopes: Vec<String>,
    /// When the calling token was issued.
    pub issued_at: DateTime<Utc>,
    /// When the calling token stops working (the old token of a rotation), else null.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `GET /v2/oauth/token-info`: the calling token's own integration.
#[utoipa::path(
    get, path = "/v2/oauth/token-info", tag = "OAuth",
    description = "The calling token's integration, owner, scopes and expiry. Any valid token.",
    responses((status = 200, body = TokenInfo), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn token_info(caller: Caller) -> HttpResponse {
    let verified = caller.verified;
    let token = verified.caller;
    let owner = match token.owner.sub_account_id {
        None => TokenOwner { kind: "agency", id: token.owner.agency_id.0, company_id: None },
        Some(id) => TokenOwner { kind: "sub-account", id: id.0, company_id: Some(token.owner.agency_id.0) },
    };
    HttpResponse::Ok().json(TokenInfo {
        integration_id: token.integration_id.0,
        name: token.name,
        owner,
        scopes: token.scopes,
        issued_at: verified.issued_at,
        expires_at: verified.expires_at,
    })
}

/// Fails with 403 unless the caller's token holds `scope` (and the catalog knows it).
pub(super) fn require(caller: &Caller, app: &App, scope: &'static str) -> ApiResult<()> {
    Ok(caller.verified.caller.require_scope(scope, &app.catalog).map_err(app::AppError::from)?)
}

pub(super) fn parse<T: std::str::FromStr>(text: &str) -> ApiResult<T> {
    // A malformed id names nothing.
    text.parse().map_err(|_| ApiError::NOT_FOUND)
}

/// An agency, as HighLevel calls it.
#[derive(Serialize, ToSchema)]
pub struct Company {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// `{"company": …}`.
#[derive(Serialize, ToSchema)]
pub struct CompanyResponse {
    /// The company.
    pub company: Company,
}

/// `GET /v2/companies/{id}` (companies.readonly): the token's own agency.
#[utoipa::path(
    get, path = "/v2/companies/{company_id}", tag = "Companies",
    description = "Scope: `companies.readonly`. The token's own agency.",
    params(("company_id" = Uuid, Path, description = "The agency's id")),
    responses((status = 200, body = CompanyResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn company(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "companies.readonly")?;
    let id: AgencyId = parse(&path)?;
    let agency = app::locations::company(&app, &caller.requester, id).await?;
    Ok(HttpResponse::Ok().json(CompanyResponse { company: Company { id: agency.id.0, name: agency.name } }))
}

/// A location (sub-account) as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[schema(value_type = Uuid)]
    id: SubAccountId,
    #[schema(value_type = Uuid)]
    company_id: AgencyId,
    name: String,
}

/// `{"location": …}`.
#[derive(Serialize, ToSchema)]
pub struct LocationResponse {
    /// The location.
    pub location: Location,
}

/// A page of locations.
#[derive(Serialize, ToSchema)]
pub struct LocationList {
    /// This page.
    pub locations: Vec<Location>,
    /// How many there are in all.
    pub total: usize,
}

impl From<SubAccount> for Location {
    fn from(sub: SubAccount) -> Self {
        Self { id: sub.id, company_id: sub.agency_id, name: sub.name }
    }
}

/// `GET /v2/locations/{id}` (locations.readonly).
#[utoipa::path(
    get, path = "/v2/locations/{location_id}", tag = "Locations",
    description = "Scope: `locations.readonly`. A sub-account of the token's agency, or the token's own sub-account.",
    params(("location_id" = Uuid, Path, description = "The sub-account's id")),
    responses((status = 200, body = LocationResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn location(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "locations.readonly")?;
    let id: SubAccountId = parse(&path)?;
    let found = app::locations::location(&app, &caller.requester, id).await?;
    Ok(HttpResponse::Ok().json(LocationResponse { location: Location::from(found) }))
}

/// Paging of list endpoints.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// How many to skip (default 0).
    #[serde(default)]
    skip: Option<usize>,
    /// How many to return (default 20, at most 100).
    #[serde(default)]
    limit: Option<usize>,
}

impl Paging {
    const DEFAULT: usize = 20;
    const MAX: usize = 100;

    fn window<T>(&self, items: Vec<T>) -> (usize, Vec<T>) {
        let total = items.len();
        let limit = self.limit.unwrap_or(Self::DEFAULT).clamp(1, Self::MAX);
        (total, items.into_iter().skip(self.skip.unwrap_or(0)).take(limit).collect())
    }
}

/// `GET /v2/locations/search` (locations.readonly): the agency's sub-accounts for an
/// agency token; only its own for a sub-account token.
#[utoipa::path(
    get, path = "/v2/locations/search", tag = "Locations",
    description = "Scope: `locations.readonly`. The agency's sub-accounts (a sub-account token sees only its own).",
    params(Paging),
    responses((status = 200, body = LocationList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn search_locations(
    caller: Caller,
    app: web::Data<App>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "locations.readonly")?;
    let visible: Vec<Location> =
        app::locations::visible(&app, &caller.requester).await?.into_iter().map(Location::from).collect();
    let (total, page) = paging.window(visible);
    Ok(HttpResponse::Ok().json(LocationList { locations: page, total }))
}

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUser {
    #[schema(value_type = Uuid)]
    id: UserId,
    name: String,
    email: String,
    /// `agency_admin`, `agency_user`, `account_admin` or `account_user`.
    role: &'static str,
    #[schema(value_type = Vec<Uuid>)]
    location_ids: Vec<SubAccountId>,
}

/// `{"user": …}`.
#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    /// The user.
    pub user: ApiUser,
}

/// A page of users.
#[derive(Serialize, ToSchema)]
pub struct UserList {
    /// This page.
    pub users: Vec<ApiUser>,
    /// How many there are in all.
    pub total: usize,
}

impl From<Member> for ApiUser {
    fn from(member: Member) -> Self {
        Self {
            id: member.user.id,
            role: member.user.role.as_str(),
            name: member.user.name,
            email: member.user.email,
            location_ids: member.sub_accounts,
        }
    }
}

/// `GET /v2/users/` (users.readonly): the agency's people, or a sub-account's staff.
#[utoipa::path(
    get, path = "/v2/users/", tag = "Users",
    description = "Scope: `users.readonly`. The agency's people, or the sub-account's staff.",
    params(Paging),
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn users(
    caller: Caller,
    app: web::Data<App>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    require(&caller, &app, "users.readonly")?;
    let visible = app::people::visible_to_token(&app, &caller.requester).await?;
    let (total, page) = paging.window(visible.into_iter().map(ApiUser::from).collect());
    Ok(HttpResponse::Ok().json(UserList { users: page, total }))
}

/// `GET /v2/users/{id}` (users.readonly).
#[utoipa::path(
    get, path = "/v2/users/{user_id}", tag = "Users",
    description = "Scope: `users.readonly`. One person within the token's reach.",
    params(("user_id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn user(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    require(&caller, &app, "users.readonly")?;
    let id: UserId = parse(&path)?;
    let member = app::people::reachable_by_token(&app, &caller.requester, id).await?;
    Ok(HttpResponse::Ok().json(UserResponse { user: ApiUser::from(member) }))
}

//! The `/v2` resources of this system, HighLevel-shaped, read side.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Caller;
use super::{ApiError, ApiResult};
use crate::db;
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::web::AppState;

/// `GET /v2/oauth/token-info`: the calling token's own integration.
pub async fn token_info(caller: Caller) -> HttpResponse {
    let owner = match caller.owner.sub_account_id {
        None => serde_json::json!({ "type": "agency", "id": caller.owner.agency_id }),
        Some(id) => {
            serde_json::json!({ "type": "sub-account", "id": id, "companyId": caller.owner.agency_id })
        }
    };
    HttpResponse::Ok().json(serde_json::json!({
        "integrationId": caller.integration_id,
        "name": caller.name,
        "owner": owner,
        "scopes": caller.scopes,
        "issuedAt": caller.issued_at,
        "expiresAt": caller.expires_at,
    }))
}

fn parse<T: std::str::FromStr>(text: &str) -> ApiResult<T> {
    // A malformed id names nothing.
    text.parse().map_err(|_| ApiError::NOT_FOUND)
}

/// `GET /v2/companies/{id}` (companies.readonly): the token's own agency.
pub async fn company(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require("companies.readonly", &state)?;
    let id: AgencyId = parse(&path)?;
    if id != caller.owner.agency_id || caller.owner.sub_account_id.is_some() {
        return Err(ApiError::LOCATION);
    }
    let agency = state.db.run(move |conn| Ok(db::agencies::find(conn, id)?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "company": { "id": agency.id, "name": agency.name } })))
}

/// A location as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    id: SubAccountId,
    company_id: AgencyId,
    name: String,
}

impl From<db::models::SubAccount> for Location {
    fn from(sub: db::models::SubAccount) -> Self {
        Self { id: sub.id, company_id: sub.agency_id, name: sub.name }
    }
}

/// `GET /v2/locations/{id}` (locations.readonly).
pub async fn location(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require("locations.readonly", &state)?;
    let id: SubAccountId = parse(&path)?;
    let found = state
        .db
        .run(move |conn| Ok(db::agencies::find_sub_account(conn, id)))
        .await?
        .ok()
        .ok_or(ApiError::LOCATION)?;
    caller.reach(found.id, found.agency_id)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "location": Location::from(found) })))
}

/// Paging of list endpoints.
#[derive(Deserialize)]
pub struct Paging {
    #[serde(default)]
    skip: Option<usize>,
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
pub async fn search_locations(
    caller: Caller,
    state: web::Data<AppState>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    caller.require("locations.readonly", &state)?;
    let owner = caller.owner;
    let all = state.db.run(move |conn| Ok(db::agencies::sub_accounts_of(conn, owner.agency_id)?)).await?;
    let visible: Vec<Location> = all
        .into_iter()
        .filter(|sub| owner.sub_account_id.is_none_or(|own| own == sub.id))
        .map(Location::from)
        .collect();
    let (total, page) = paging.window(visible);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "locations": page, "total": total })))
}

/// A user as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUser {
    id: UserId,
    name: String,
    email: String,
    role: &'static str,
    location_ids: Vec<SubAccountId>,
}

impl From<db::users::Member> for ApiUser {
    fn from(member: db::users::Member) -> Self {
        Self {
            id: member.user.id,
            role: member.user.role().as_str(),
            name: member.user.name,
            email: member.user.email,
            location_ids: member.sub_accounts,
        }
    }
}

async fn visible_users(caller: &Caller, state: &AppState) -> ApiResult<Vec<ApiUser>> {
    let owner = caller.owner;
    let members = state
        .db
        .run(move |conn| {
            Ok(match owner.sub_account_id {
                None => db::users::members_of_agency(conn, owner.agency_id)?,
                Some(sub) => db::users::staff_of_sub_account(conn, sub)?,
            })
        })
        .await?;
    Ok(members.into_iter().map(ApiUser::from).collect())
}

/// `GET /v2/users/` (users.readonly): the agency's people, or a sub-account's staff.
pub async fn users(
    caller: Caller,
    state: web::Data<AppState>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    caller.require("users.readonly", &state)?;
    let (total, page) = paging.window(visible_users(&caller, &state).await?);
    Ok(HttpResponse::Ok().json(serde_json::json!({ "users": page, "total": total })))
}

/// `GET /v2/users/{id}` (users.readonly).
pub async fn user(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require("users.readonly", &state)?;
    let id: Uuid = parse(&path)?;
    let found = visible_users(&caller, &state).await?.into_iter().find(|user| user.id.0 == id);
    match found {
        Some(user) => Ok(HttpResponse::Ok().json(serde_json::json!({ "user": user }))),
        None => Err(ApiError::LOCATION),
    }
}

//! `/v2/users`: the agency's people as HighLevel shows users — `firstName`/`lastName`,
//! `type` (`agency`|`account`) and `role` (`admin`|`user`) for our four roles, `roles`
//! nested in answers as HighLevel nests them. No escalation through a token (SPEC §4): a
//! token never creates, promotes to or edits an admin, never grants a permission, and a
//! sub-account's token only touches its own sub-account's memberships.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::wire::{self, AcknowledgedWithMessage, Patch, id, invalid};
use super::{ApiError, ApiResult, ErrorBody};
use crate::app::people::{ApiChange, ApiNewcomer, PeopleOrder, PeopleSearch};
use crate::app::{self, App};
use crate::domain::contacts::parse_phone;
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::{Email, Member, NewPassword, PersonName, Role};

/// A person's permissions, by this product's names (HighLevel has no equivalent).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPermissions {
    /// May manage the agency's private integrations.
    manage_agency_integrations: bool,
    /// May manage every sub-account's private integrations.
    manage_sub_account_integrations: bool,
    /// May manage the agency's team.
    manage_team: bool,
    /// May manage their sub-accounts' private integrations.
    manage_integrations: bool,
    /// May manage their sub-accounts' staff.
    manage_staff: bool,
}

/// HighLevel's `roles`: the person's level, role and locations.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRoles {
    /// `agency` or `account`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(agency|account)$")]
    kind: &'static str,
    /// `admin` or `user`.
    #[schema(pattern = "^(admin|user)$")]
    role: &'static str,
    /// Their locations (account-level people).
    location_ids: Vec<Uuid>,
    /// Whether they are held to their locations (account-level people).
    restrict_sub_account: bool,
}

/// A user, as HighLevel shows one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUser {
    id: Uuid,
    /// First and last name together.
    name: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    permissions: UserPermissions,
    roles: UserRoles,
    /// Always false: deleted people are gone.
    deleted: bool,
    date_added: DateTime<Utc>,
}

impl From<Member> for ApiUser {
    fn from(member: Member) -> Self {
        let user = member.user;
        let (kind, role) = user.role.highlevel();
        let permissions = user.permissions;
        Self {
            id: user.id.0,
            name: user.name,
            first_name: user.first_name,
            last_name: user.last_name,
            email: user.email,
            phone: user.phone,
            permissions: UserPermissions {
                manage_agency_integrations: permissions.manage_agency_integrations,
                manage_sub_account_integrations: permissions.manage_sub_account_integrations,
                manage_team: permissions.manage_team,
                manage_integrations: permissions.manage_integrations,
                manage_staff: permissions.manage_staff,
            },
            roles: UserRoles {
                kind,
                role,
                location_ids: member.sub_accounts.iter().map(|sub| sub.0).collect(),
                restrict_sub_account: !user.role.is_agency_level(),
            },
            deleted: false,
            date_added: user.created_at,
        }
    }
}

/// `{"users": […], "count": n}`.
#[derive(Serialize, ToSchema)]
pub struct UserList {
    /// This page.
    pub users: Vec<ApiUser>,
    /// How many match in all.
    pub count: usize,
}

/// `{"users": […]}`.
#[derive(Serialize, ToSchema)]
pub struct LocationUsers {
    /// The people.
    pub users: Vec<ApiUser>,
}

/// The body of `POST /users/` and `PUT /users/{userId}`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    /// The token's agency (required to create).
    #[schema(value_type = Option<Uuid>)]
    company_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = wire::name_part)]
    first_name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::name_part)]
    last_name: Patch<String>,
    /// Their sign-in (required to create; cannot be changed).
    #[schema(schema_with = wire::email)]
    email: Option<String>,
    /// An initial password of at least 12 characters (create only; without one they
    /// cannot sign in until an operator sets one).
    #[schema(min_length = 12, max_length = 256)]
    password: Option<String>,
    #[serde(default)]
    #[schema(schema_with = wire::phone)]
    phone: Patch<String>,
    /// `agency` or `account` (required to create).
    #[serde(rename = "type")]
    #[schema(pattern = "^(agency|account)$")]
    kind: Option<String>,
    /// `user` (a token never makes an admin).
    #[schema(pattern = "^(admin|user)$")]
    role: Option<String>,
    /// Locations, for account-level people.
    #[schema(value_type = Option<Vec<Uuid>>)]
    location_ids: Option<Vec<String>>,
    /// HighLevel's permission flags are accepted and have no effect; this product's own
    /// (`manageTeam`…) cannot be granted through a token.
    #[schema(value_type = Option<Object>)]
    permissions: Option<serde_json::Map<String, serde_json::Value>>,
}

impl UserBody {
    fn company(&self, caller: &Caller) -> ApiResult<Option<AgencyId>> {
        let Some(text) = &self.company_id else { return Ok(None) };
        let company: AgencyId = text.parse().map_err(|_| invalid("companyId", "Use the agency's id."))?;
        if company != caller.verified.caller.owner.agency_id {
            return Err(ApiError::COMPANY);
        }
        Ok(Some(company))
    }

    /// The role `type` + `role` name, if they name one.
    fn role(&self, current: Option<Role>) -> ApiResult<Option<Role>> {
        let (kind, role) = match (&self.kind, &self.role, current) {
            (None, None, _) => return Ok(None),
            (kind, role, Some(current)) => {
                let (current_kind, current_role) = current.highlevel();
                (
                    kind.clone().unwrap_or_else(|| current_kind.to_owned()),
                    role.clone().unwrap_or_else(|| current_role.to_owned()),
                )
            }
            (Some(kind), Some(role), None) => (kind.clone(), role.clone()),
            (None, Some(_), None) => return Err(invalid("type", "This field is required.")),
            (Some(_), None, None) => return Err(invalid("role", "This field is required.")),
        };
        if !matches!(kind.as_str(), "agency" | "account") {
            return Err(invalid("type", "Use agency or account."));
        }
        Role::from_highlevel(&kind, &role).map(Some).ok_or_else(|| invalid("role", "Use admin or user."))
    }

    fn locations(&self) -> ApiResult<Option<Vec<SubAccountId>>> {
        self.location_ids
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|text| text.parse().map_err(|_| invalid("locationIds", "Use locations' ids.")))
                    .collect()
            })
            .transpose()
    }

    /// Refuses this product's permissions: nobody gains one through a token.
    fn no_permission_granted(&self) -> ApiResult<()> {
        const OURS: [&str; 5] = [
            "manageAgencyIntegrations",
            "manageSubAccountIntegrations",
            "manageTeam",
            "manageIntegrations",
            "manageStaff",
        ];
        let grants = self.permissions.as_ref().is_some_and(|permissions| {
            OURS.iter().any(|name| permissions.get(*name).is_some_and(|value| value.as_bool() != Some(false)))
        });
        if grants { Err(ApiError::PERMISSIONS) } else { Ok(()) }
    }
}

/// `GET /v2/users/{userId}` (users.readonly).
#[utoipa::path(
    get, path = "/v2/users/{userId}", tag = "Users",
    description = "Scope: `users.readonly`. One person within the token's reach.",
    params(("userId" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, body = ApiUser),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn get(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.readonly")?;
    let user: UserId = id(&path)?;
    let member = app::people::reachable_by_token(&app, &caller.requester, user).await?;
    Ok(HttpResponse::Ok().json(ApiUser::from(member)))
}

/// Query of `GET /v2/users/`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LocationQuery {
    /// Only the people of this location (agency people work in every location).
    location_id: Option<Uuid>,
}

/// `GET /v2/users/?locationId=` (users.readonly): the people a token sees, or a
/// location's.
#[utoipa::path(
    get, path = "/v2/users/", tag = "Users",
    description = "Scope: `users.readonly`. The agency's people, or the sub-account's staff; with `locationId`, the people who work there. Also at `/v2/users`.",
    params(LocationQuery),
    responses(
        (status = 200, body = LocationUsers),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn by_location(
    caller: Caller,
    app: web::Data<App>,
    query: web::Query<LocationQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.readonly")?;
    let location = query.location_id.map(SubAccountId);
    if let Some(location) = location {
        app::locations::location(&app, &caller.requester, location).await?;
    }
    let search = PeopleSearch { location, limit: usize::MAX, ..PeopleSearch::default() };
    let (people, _) = app::people::search_by_token(&app, &caller.requester, search).await?;
    Ok(HttpResponse::Ok().json(LocationUsers { users: people.into_iter().map(ApiUser::from).collect() }))
}

/// How `GET /v2/users/search` orders.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub enum SortField {
    /// By when they were added.
    DateAdded,
    /// By first name.
    FirstName,
    /// By last name.
    LastName,
    /// By email.
    Email,
}

/// Ascending or descending.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    /// Smallest first (the default).
    Asc,
    /// Largest first.
    Desc,
}

/// Query of `GET /v2/users/search`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// The token's agency (optional; another agency's is refused).
    company_id: Option<Uuid>,
    /// Text in the name, email or phone.
    #[param(max_length = 100)]
    query: Option<String>,
    /// How many to skip (default 0).
    #[param(minimum = 0)]
    skip: Option<u32>,
    /// How many to return (default 25, at most 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Only the people who work in this location.
    location_id: Option<Uuid>,
    /// `agency` or `account`.
    #[param(pattern = "^(agency|account)$")]
    #[serde(rename = "type")]
    kind: Option<String>,
    /// `admin` or `user`.
    #[param(pattern = "^(admin|user)$")]
    role: Option<String>,
    /// Only these people: ids separated by commas.
    ids: Option<String>,
    /// The order (default: first then last name).
    sort: Option<SortField>,
    /// `asc` (default) or `desc`.
    sort_direction: Option<SortDirection>,
    /// HighLevel's calendar-sync filter; every person here qualifies.
    #[serde(rename = "enabled2waySync")]
    #[allow(dead_code)]
    enabled_2way_sync: Option<bool>,
}

fn page_size(limit: Option<u32>) -> ApiResult<usize> {
    let limit = limit.unwrap_or(25);
    if (1..=100).contains(&limit) { Ok(limit as usize) } else { Err(invalid("limit", "Use 1 to 100.")) }
}

/// `GET /v2/users/search` (users.readonly): `{users, count}`.
#[utoipa::path(
    get, path = "/v2/users/search", tag = "Users",
    description = "Scope: `users.readonly`. Searches the people a token sees.",
    params(SearchQuery),
    responses(
        (status = 200, body = UserList),
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
    caller.require(&app, "users.readonly")?;
    let query = query.into_inner();
    if query.company_id.is_some_and(|company| company != caller.verified.caller.owner.agency_id.0) {
        return Err(ApiError::COMPANY);
    }
    let agency_level = match query.kind.as_deref() {
        None => None,
        Some("agency") => Some(true),
        Some("account") => Some(false),
        Some(_) => return Err(invalid("type", "Use agency or account.")),
    };
    let admin = match query.role.as_deref() {
        None => None,
        Some("admin") => Some(true),
        Some("user") => Some(false),
        Some(_) => return Err(invalid("role", "Use admin or user.")),
    };
    let ids = query.ids.as_deref().map(|ids| {
        ids.split(',').filter(|id| !id.trim().is_empty()).filter_map(|id| id.trim().parse().ok()).collect()
    });
    let search = PeopleSearch {
        text: query.query.filter(|text| !text.trim().is_empty()).map(|text| text.trim().to_owned()),
        location: query.location_id.map(SubAccountId),
        agency_level,
        admin,
        ids,
        emails: None,
        order: match query.sort {
            None => PeopleOrder::Name,
            Some(SortField::DateAdded) => PeopleOrder::DateAdded,
            Some(SortField::FirstName) => PeopleOrder::FirstName,
            Some(SortField::LastName) => PeopleOrder::LastName,
            Some(SortField::Email) => PeopleOrder::Email,
        },
        descending: matches!(query.sort_direction, Some(SortDirection::Desc)),
        skip: query.skip.unwrap_or(0) as usize,
        limit: page_size(query.limit)?,
    };
    let (people, count) = app::people::search_by_token(&app, &caller.requester, search).await?;
    Ok(HttpResponse::Ok().json(UserList { users: people.into_iter().map(ApiUser::from).collect(), count }))
}

/// The body of `POST /v2/users/search/filter-by-email`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilterByEmailBody {
    /// The token's agency.
    company_id: Uuid,
    /// Emails separated by commas.
    #[schema(min_length = 3)]
    emails: String,
    /// How many to skip (default 0), as a number or a string of digits.
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    skip: Option<serde_json::Value>,
    /// How many to return (default 25, at most 100).
    #[schema(value_type = Option<String>, pattern = "^[0-9]+$")]
    limit: Option<serde_json::Value>,
}

fn count_in(value: Option<&serde_json::Value>, field: &str) -> ApiResult<Option<u32>> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(number)) => number
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(field, "Use a whole number.")),
        Some(serde_json::Value::String(text)) => {
            text.trim().parse().map(Some).map_err(|_| invalid(field, "Use a whole number."))
        }
        Some(_) => Err(invalid(field, "Use a whole number.")),
    }
}

/// `POST /v2/users/search/filter-by-email` (users.readonly): `{users, count}`.
#[utoipa::path(
    post, path = "/v2/users/search/filter-by-email", tag = "Users",
    description = "Scope: `users.readonly`. The people a token sees with these emails.",
    request_body = FilterByEmailBody,
    responses(
        (status = 200, body = UserList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn filter_by_email(
    caller: Caller,
    app: web::Data<App>,
    body: web::Json<FilterByEmailBody>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.readonly")?;
    let body = body.into_inner();
    if body.company_id != caller.verified.caller.owner.agency_id.0 {
        return Err(ApiError::COMPANY);
    }
    let emails: Vec<String> = body
        .emails
        .split(',')
        .map(|email| email.trim().to_lowercase())
        .filter(|email| !email.is_empty())
        .collect();
    if emails.is_empty() {
        return Err(invalid("emails", "Give at least one email."));
    }
    let search = PeopleSearch {
        emails: Some(emails),
        skip: count_in(body.skip.as_ref(), "skip")?.unwrap_or(0) as usize,
        limit: page_size(count_in(body.limit.as_ref(), "limit")?)?,
        ..PeopleSearch::default()
    };
    let (people, count) = app::people::search_by_token(&app, &caller.requester, search).await?;
    Ok(HttpResponse::Ok().json(UserList { users: people.into_iter().map(ApiUser::from).collect(), count }))
}

/// `POST /v2/users/` (users.write): 201 with the new person.
#[utoipa::path(
    post, path = "/v2/users/", tag = "Users",
    description = "Scope: `users.write`. A new person without any permission, never an admin; a sub-account's token adds account users of its sub-account only. Also at `/v2/users`.",
    request_body = UserBody,
    responses(
        (status = 201, body = ApiUser),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    caller: Caller,
    app: web::Data<App>,
    body: web::Json<UserBody>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.write")?;
    let body = body.into_inner();
    if body.company(&caller)?.is_none() {
        return Err(invalid("companyId", "This field is required."));
    }
    body.no_permission_granted()?;
    let role = body.role(None)?.ok_or_else(|| invalid("type", "This field is required."))?;
    let text = |patch: &Patch<String>| match patch {
        Patch::Value(text) => text.clone(),
        Patch::Absent | Patch::Null => String::new(),
    };
    let name = PersonName::parse(&text(&body.first_name), &text(&body.last_name))
        .map_err(|(field, message)| invalid(field, message))?;
    let email =
        Email::parse(body.email.as_deref().unwrap_or("")).map_err(|message| invalid("email", message))?;
    let phone = match body.phone.clone().parse("phone", parse_phone)? {
        crate::domain::contacts::Change::Set(phone) => Some(phone),
        _ => None,
    };
    let newcomer = ApiNewcomer {
        name,
        phone,
        email,
        role,
        location_ids: body.locations()?,
        password: body
            .password
            .map(|password| NewPassword::parse(password).map_err(|message| invalid("password", message)))
            .transpose()?,
    };
    let member = app::people::create_by_token(&app, &caller.requester, newcomer).await?;
    Ok(HttpResponse::Created().json(ApiUser::from(member)))
}

/// `PUT /v2/users/{userId}` (users.write): name, phone, role and locations. A new role
/// starts without permissions.
#[utoipa::path(
    put, path = "/v2/users/{userId}", tag = "Users",
    description = "Scope: `users.write`. Name, phone, role and locations of a person within reach (never an admin); absent fields stay; the agency keeps a team manager.",
    params(("userId" = Uuid, Path, description = "The user's id")),
    request_body = UserBody,
    responses(
        (status = 200, body = ApiUser),
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
    body: web::Json<UserBody>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.write")?;
    let user: UserId = id(&path)?;
    let member = app::people::reachable_by_token(&app, &caller.requester, user).await?;
    let body = body.into_inner();
    body.company(&caller)?;
    body.no_permission_granted()?;
    if body.email.as_deref().is_some_and(|email| email.trim().to_lowercase() != member.user.email) {
        return Err(invalid("email", "An email cannot be changed through the API."));
    }
    if body.password.is_some() {
        return Err(invalid("password", "A password cannot be changed through the API."));
    }
    let part = |patch: &Patch<String>| match patch {
        Patch::Absent => None,
        Patch::Null => Some(String::new()),
        Patch::Value(text) => Some(text.clone()),
    };
    let change = ApiChange {
        first_name: part(&body.first_name),
        last_name: part(&body.last_name),
        phone: body.phone.clone().parse("phone", parse_phone)?,
        role: body.role(Some(member.user.role))?,
        location_ids: body.locations()?,
    };
    let updated = app::people::update_by_token(&app, &caller.requester, user, change).await?;
    Ok(HttpResponse::Ok().json(ApiUser::from(updated)))
}

/// `DELETE /v2/users/{userId}` (users.write).
#[utoipa::path(
    delete, path = "/v2/users/{userId}", tag = "Users",
    description = "Scope: `users.write`. Removes a person within reach (never an admin, never the last team manager); a sub-account's token removes them from its sub-account only.",
    params(("userId" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, body = AcknowledgedWithMessage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn delete(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.write")?;
    let user: UserId = id(&path)?;
    let (member, left_agency) = app::people::delete_by_token(&app, &caller.requester, user).await?;
    let message = if left_agency {
        format!("Deleted user with e-mail {} and name {}.", member.user.email, member.user.name)
    } else {
        format!("Removed user with e-mail {} from this location.", member.user.email)
    };
    Ok(HttpResponse::Ok().json(AcknowledgedWithMessage { succeded: true, succeeded: true, message }))
}

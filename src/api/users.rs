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
use super::wire::{self, AcknowledgedWithMessage, JsonBody as _, Patch, id, invalid};
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
    #[serde(serialize_with = "wire::time")]
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

/// HighLevel's `type` of user.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    /// Works at agency level.
    Agency,
    /// Works in locations.
    Account,
}

/// HighLevel's `role` of user (a token never makes an admin).
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UserRoleName {
    /// An admin (refused with 403 through a token).
    Admin,
    /// A plain user.
    User,
}

fn role_of(kind: UserType, role: UserRoleName) -> Role {
    match (kind, role) {
        (UserType::Agency, UserRoleName::Admin) => Role::AgencyAdmin,
        (UserType::Agency, UserRoleName::User) => Role::AgencyUser,
        (UserType::Account, UserRoleName::Admin) => Role::AccountAdmin,
        (UserType::Account, UserRoleName::User) => Role::AccountUser,
    }
}

/// The body of `POST /users/`. An `account` user has at least one location.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserCreate {
    /// The token's agency.
    #[schema(schema_with = wire::uuid)]
    company_id: Uuid,
    #[schema(schema_with = wire::required_name_part)]
    first_name: String,
    #[schema(schema_with = wire::required_name_part)]
    last_name: String,
    /// Their sign-in.
    #[schema(schema_with = wire::required_email)]
    email: String,
    /// An initial password (without one, they cannot sign in until an operator sets one).
    #[schema(schema_with = password)]
    password: Option<String>,
    #[serde(default)]
    #[schema(schema_with = wire::phone)]
    phone: Patch<String>,
    #[serde(rename = "type")]
    kind: UserType,
    role: UserRoleName,
    /// Their locations: none for an `agency` user, at least one for an `account` user.
    #[schema(schema_with = wire::uuids)]
    location_ids: Vec<Uuid>,
    /// HighLevel's permission flags are accepted and have no effect; this product's own
    /// (`manageTeam`…) cannot be granted through a token (403).
    #[schema(value_type = Option<Object>)]
    permissions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The body of `PUT /users/{userId}`: absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUpdate {
    /// The token's agency (optional here).
    #[schema(schema_with = wire::nullable_uuid)]
    company_id: Option<Uuid>,
    #[schema(schema_with = wire::required_name_part)]
    first_name: Option<String>,
    #[schema(schema_with = wire::required_name_part)]
    last_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = wire::phone)]
    phone: Patch<String>,
    #[serde(rename = "type")]
    kind: Option<UserType>,
    role: Option<UserRoleName>,
    /// Their locations (at least one for an `account` user).
    #[schema(schema_with = wire::nullable_uuids)]
    location_ids: Option<Vec<Uuid>>,
    /// As on create.
    #[schema(value_type = Option<Object>)]
    permissions: Option<serde_json::Map<String, serde_json::Value>>,
    /// Cannot be changed: must be the current email if sent (not in HighLevel's rules
    /// anymore either).
    #[schema(ignore)]
    email: Option<String>,
    /// Cannot be changed through the API.
    #[schema(ignore)]
    password: Option<String>,
}

/// A password: 12 to 256 characters with something besides spaces (not one character
/// repeated, nor one of the most common passwords: `openapi::refine` adds the first).
fn password() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .min_length(Some(crate::domain::people::NewPassword::MIN))
        .max_length(Some(crate::domain::people::NewPassword::MAX))
        .pattern(Some(r"\S"))
        .description(Some("Not one character repeated, nor one of the most common passwords."))
        .build()
}

/// Refuses another agency's id.
fn check_company(caller: &Caller, company: Option<Uuid>) -> ApiResult<()> {
    if company.is_some_and(|company| AgencyId(company) != caller.verified.caller.owner.agency_id) {
        return Err(ApiError::COMPANY);
    }
    Ok(())
}

/// Refuses this product's permissions: nobody gains one through a token.
fn no_permission_granted(permissions: Option<&serde_json::Map<String, serde_json::Value>>) -> ApiResult<()> {
    const OURS: [&str; 5] = [
        "manageAgencyIntegrations",
        "manageSubAccountIntegrations",
        "manageTeam",
        "manageIntegrations",
        "manageStaff",
    ];
    let grants = permissions.is_some_and(|permissions| {
        OURS.iter().any(|name| permissions.get(*name).is_some_and(|value| value.as_bool() != Some(false)))
    });
    if grants { Err(ApiError::PERMISSIONS) } else { Ok(()) }
}

fn locations(ids: &[Uuid]) -> Vec<SubAccountId> {
    ids.iter().copied().map(SubAccountId).collect()
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
    Ok(HttpResponse::Ok().json_body(ApiUser::from(member)))
}

/// Query of `GET /v2/users/`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LocationQuery {
    /// Only the people of this location (agency people work in every location).
    #[param(schema_with = wire::nullable_uuid)]
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
    Ok(HttpResponse::Ok().json_body(LocationUsers { users: people.into_iter().map(ApiUser::from).collect() }))
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
    #[param(schema_with = wire::nullable_uuid)]
    company_id: Option<Uuid>,
    /// Text in the name, email or phone.
    #[param(max_length = 100)]
    query: Option<String>,
    /// How many to skip (default 0, at most 1,000,000).
    #[param(minimum = 0, maximum = 1_000_000)]
    skip: Option<u32>,
    /// How many to return (default 25, at most 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Only the people who work in this location.
    #[param(schema_with = wire::nullable_uuid)]
    location_id: Option<Uuid>,
    /// `agency` or `account`.
    #[param(inline)]
    #[serde(rename = "type")]
    kind: Option<UserType>,
    /// `admin` or `user`.
    #[param(inline)]
    role: Option<UserRoleName>,
    /// Only these people: ids separated by commas.
    ids: Option<String>,
    /// The order (default: first then last name).
    #[param(inline)]
    sort: Option<SortField>,
    /// `asc` (default) or `desc`.
    #[param(inline)]
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
    if query.query.as_ref().is_some_and(|text| text.chars().count() > 100) {
        return Err(invalid("query", "At most 100 characters."));
    }
    let skip = query.skip.unwrap_or(0);
    if skip > wire::SKIP_MAX {
        return Err(invalid("skip", "Use 0 to 1000000."));
    }
    let agency_level = query.kind.map(|kind| kind == UserType::Agency);
    let admin = query.role.map(|role| role == UserRoleName::Admin);
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
        skip: skip as usize,
        limit: page_size(query.limit)?,
    };
    let (people, count) = app::people::search_by_token(&app, &caller.requester, search).await?;
    Ok(HttpResponse::Ok()
        .json_body(UserList { users: people.into_iter().map(ApiUser::from).collect(), count }))
}

/// The body of `POST /v2/users/search/filter-by-email`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilterByEmailBody {
    /// The token's agency.
    #[schema(schema_with = wire::uuid)]
    company_id: Uuid,
    /// Emails separated by commas.
    #[schema(pattern = r"[^,\s]", max_length = 10000)]
    emails: String,
    /// How many to skip (default 0, at most 1,000,000), as a number or a string of digits.
    #[schema(value_type = Option<String>)]
    skip: Option<serde_json::Value>,
    /// How many to return (default 25, at most 100), as a number or a string of digits.
    #[schema(value_type = Option<String>)]
    limit: Option<serde_json::Value>,
}

/// A count in a body, as a number or a string of digits (HighLevel sends strings).
pub(super) fn number_or_digits(min: i64, max: i64, pattern: &str) -> serde_json::Value {
    serde_json::json!({ "anyOf": [
        { "type": "integer", "minimum": min, "maximum": max },
        { "type": "string", "pattern": pattern },
        { "type": "null" },
    ]})
}

/// `skip` of filter-by-email.
pub(super) fn skip_schema() -> serde_json::Value {
    number_or_digits(0, i64::from(wire::SKIP_MAX), "^(0|[1-9][0-9]{0,5}|1000000)$")
}

/// `limit` of filter-by-email.
pub(super) fn limit_schema() -> serde_json::Value {
    number_or_digits(1, 100, "^([1-9][0-9]?|100)$")
}

/// A count from a number or a string of digits, within `min..=max`.
fn count_in(value: Option<&serde_json::Value>, field: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
    match value {
        Some(serde_json::Value::String(text)) => {
            let number: i64 = text
                .parse()
                .map_err(|_| invalid(field, format!("Use a whole number from {min} to {max}.")))?;
            wire::whole_number(Some(&serde_json::json!(number)), field, min, max)
        }
        other => wire::whole_number(other, field, min, max),
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
    body: wire::Json<FilterByEmailBody>,
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
    let skip = count_in(body.skip.as_ref(), "skip", 0, i64::from(wire::SKIP_MAX))?.unwrap_or(0);
    let limit = count_in(body.limit.as_ref(), "limit", 1, 100)?.unwrap_or(25);
    let search = PeopleSearch {
        emails: Some(emails),
        skip: usize::try_from(skip).unwrap_or(0),
        limit: usize::try_from(limit).unwrap_or(25),
        ..PeopleSearch::default()
    };
    let (people, count) = app::people::search_by_token(&app, &caller.requester, search).await?;
    Ok(HttpResponse::Ok()
        .json_body(UserList { users: people.into_iter().map(ApiUser::from).collect(), count }))
}

/// `POST /v2/users/` (users.write): 201 with the new person.
#[utoipa::path(
    post, path = "/v2/users/", tag = "Users",
    description = "Scope: `users.write`. A new person without any permission, never an admin; a sub-account's token adds account users of its sub-account only. Also at `/v2/users`.",
    request_body = UserCreate,
    responses(
        (status = 201, body = ApiUser),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    caller: Caller,
    app: web::Data<App>,
    body: wire::Json<UserCreate>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.write")?;
    let body = body.into_inner();
    check_company(&caller, Some(body.company_id))?;
    no_permission_granted(body.permissions.as_ref())?;
    let role = role_of(body.kind, body.role);
    caller.verified.caller.may_write_person(None, role).map_err(crate::app::AppError::from)?;
    if !role.is_agency_level() && body.location_ids.is_empty() {
        return Err(invalid("locationIds", "An account role needs at least one location."));
    }
    let name = PersonName::parse(&body.first_name, &body.last_name)
        .map_err(|(field, message)| invalid(field, message))?;
    for (field, part) in [("firstName", &body.first_name), ("lastName", &body.last_name)] {
        if part.trim().is_empty() {
            return Err(invalid(field, "This field is required."));
        }
    }
    let email = Email::parse(&body.email).map_err(|message| invalid("email", message))?;
    let phone = match body.phone.parse("phone", parse_phone)? {
        crate::domain::contacts::Change::Set(phone) => Some(phone),
        _ => None,
    };
    let newcomer = ApiNewcomer {
        name,
        phone,
        email,
        role,
        location_ids: Some(locations(&body.location_ids)),
        password: body
            .password
            .map(|password| NewPassword::parse(password).map_err(|message| invalid("password", message)))
            .transpose()?,
    };
    let member = app::people::create_by_token(&app, &caller.requester, newcomer).await?;
    Ok(HttpResponse::Created().json_body(ApiUser::from(member)))
}

/// `PUT /v2/users/{userId}` (users.write): name, phone, role and locations. A new role
/// starts without permissions.
#[utoipa::path(
    put, path = "/v2/users/{userId}", tag = "Users",
    description = "Scope: `users.write`. Name, phone, role and locations of a person within reach (never an admin); absent fields stay; the agency keeps a team manager. An email, if sent, must be the current one; a password cannot be sent.",
    params(("userId" = Uuid, Path, description = "The user's id")),
    request_body = UserUpdate,
    responses(
        (status = 200, body = ApiUser),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn update(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    body: wire::Json<UserUpdate>,
) -> ApiResult<HttpResponse> {
    caller.require(&app, "users.write")?;
    let user: UserId = id(&path)?;
    let member = app::people::reachable_by_token(&app, &caller.requester, user).await?;
    // Who may be touched at all comes before what the body says.
    caller
        .verified
        .caller
        .may_write_person(Some(member.user.role), member.user.role)
        .map_err(crate::app::AppError::from)?;
    let body = body.into_inner();
    check_company(&caller, body.company_id)?;
    no_permission_granted(body.permissions.as_ref())?;
    if body.email.as_deref().is_some_and(|email| email.trim().to_lowercase() != member.user.email) {
        return Err(ApiError::from(crate::app::AppError::conflict(
            "email",
            "An email cannot be changed through the API.",
        )));
    }
    if body.password.is_some() {
        return Err(invalid("password", "A password cannot be changed through the API."));
    }
    for (field, part) in [("firstName", &body.first_name), ("lastName", &body.last_name)] {
        if part.as_ref().is_some_and(|part| part.trim().is_empty()) {
            return Err(invalid(field, "This field is required."));
        }
    }
    let (current_kind, current_role) = match member.user.role.highlevel() {
        ("agency", "admin") => (UserType::Agency, UserRoleName::Admin),
        ("agency", _) => (UserType::Agency, UserRoleName::User),
        (_, "admin") => (UserType::Account, UserRoleName::Admin),
        _ => (UserType::Account, UserRoleName::User),
    };
    let role = (body.kind.is_some() || body.role.is_some())
        .then(|| role_of(body.kind.unwrap_or(current_kind), body.role.unwrap_or(current_role)));
    if role.is_some_and(|role| !role.is_agency_level())
        && body.location_ids.as_ref().is_some_and(Vec::is_empty)
    {
        return Err(invalid("locationIds", "An account role needs at least one location."));
    }
    let change = ApiChange {
        first_name: body.first_name,
        last_name: body.last_name,
        phone: body.phone.parse("phone", parse_phone)?,
        role,
        location_ids: body.location_ids.as_deref().map(locations),
    };
    let updated = app::people::update_by_token(&app, &caller.requester, user, change).await?;
    Ok(HttpResponse::Ok().json_body(ApiUser::from(updated)))
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
    Ok(HttpResponse::Ok().json_body(AcknowledgedWithMessage { succeded: true, succeeded: true, message }))
}

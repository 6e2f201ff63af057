//! `/v2/contacts`: a location's contacts with HighLevel's field names and envelopes —
//! create, get, update, delete, upsert, list, search, duplicates and tags. Scopes
//! `contacts.readonly` and `contacts.write` (sub-account level). Custom fields and
//! per-channel do-not-disturb settings are not kept here: a body that sets them is refused
//! rather than half-stored.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Caller;
use super::wire::{self, Acknowledged, JsonBody as _, Patch, id, invalid};
use super::{ApiResult, ErrorBody};
use crate::app::{self, App};
use crate::domain::contacts::{
    Contact, ContactChange, ContactType, Direction, FieldKind, Filter, Operand, Operator, Range, Search,
    SearchField, parse_date_of_birth, parse_email, parse_name_part, parse_phone, parse_tags, parse_text,
    parse_timezone,
};
use crate::domain::ids::{ContactId, SubAccountId};

/// One custom field value (always empty here: custom fields are not kept).
#[derive(Serialize, ToSchema)]
pub struct CustomFieldValue {
    /// The field.
    pub id: String,
    /// Its value.
    pub value: String,
}

/// A contact, as HighLevel shows one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiContact {
    id: Uuid,
    location_id: Uuid,
    /// First and last name together.
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    first_name_lower_case: Option<String>,
    last_name_lower_case: Option<String>,
    full_name_lower_case: Option<String>,
    email: Option<String>,
    email_lower_case: Option<String>,
    phone: Option<String>,
    company_name: Option<String>,
    address1: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    website: Option<String>,
    timezone: Option<String>,
    source: Option<String>,
    gender: Option<String>,
    /// Midnight UTC of the date, as HighLevel writes it.
    #[serde(serialize_with = "wire::optional_time")]
    date_of_birth: Option<DateTime<Utc>>,
    /// `lead` or `customer`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(lead|customer)$")]
    kind: &'static str,
    dnd: bool,
    tags: Vec<String>,
    assigned_to: Option<Uuid>,
    custom_fields: Vec<CustomFieldValue>,
    #[serde(serialize_with = "wire::time")]
    date_added: DateTime<Utc>,
    #[serde(serialize_with = "wire::time")]
    date_updated: DateTime<Utc>,
}

impl From<Contact> for ApiContact {
    fn from(contact: Contact) -> Self {
        let name = contact.name();
        let fields = contact.fields;
        let lower = |text: &Option<String>| text.as_ref().map(|text| text.to_lowercase());
        Self {
            id: contact.id.0,
            location_id: contact.sub_account_id.0,
            full_name_lower_case: lower(&name),
            name,
            first_name_lower_case: lower(&fields.first_name),
            last_name_lower_case: lower(&fields.last_name),
            first_name: fields.first_name,
            last_name: fields.last_name,
            email_lower_case: fields.email.clone(),
            email: fields.email,
            phone: fields.phone,
            company_name: fields.company_name,
            address1: fields.address1,
            city: fields.city,
            state: fields.state,
            postal_code: fields.postal_code,
            country: fields.country,
            website: fields.website,
            timezone: fields.timezone,
            source: fields.source,
            gender: fields.gender,
            date_of_birth: fields
                .date_of_birth
                .map(|date| Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))),
            kind: fields.contact_type.as_str(),
            dnd: fields.dnd,
            tags: contact.tags,
            assigned_to: fields.assigned_to.map(|user| user.0),
            custom_fields: Vec::new(),
            date_added: contact.created_at,
            date_updated: contact.updated_at,
        }
    }
}

/// `{"contact": …}`.
#[derive(Serialize, ToSchema)]
pub struct ContactResponse {
    /// The contact.
    pub contact: ApiContact,
}

/// `{"succeded": true, "contact": …}`.
#[derive(Serialize, ToSchema)]
pub struct ContactUpdated {
    /// Always true (HighLevel's spelling).
    pub succeded: bool,
    /// Always true.
    pub succeeded: bool,
    /// The contact after the change.
    pub contact: ApiContact,
}

/// `{"new": …, "contact": …, "traceId": …}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactUpserted {
    /// Whether it was created (else updated).
    pub new: bool,
    /// The contact.
    pub contact: ApiContact,
    /// An id for this upsert, also in the server's log.
    pub trace_id: String,
}

/// `{"tags": […]}`: the contact's tags after the change.
#[derive(Serialize, ToSchema)]
pub struct Tags {
    /// Every tag of the contact.
    #[schema(schema_with = wire::tag_list)]
    pub tags: Vec<String>,
}

/// The body of `POST` and `DELETE /contacts/{contactId}/tags`.
#[derive(Deserialize, ToSchema)]
pub struct TagsBody {
    /// 1 to 100 tags, each 1–64 characters (lower-cased).
    #[schema(schema_with = wire::some_tags)]
    tags: Vec<String>,
}

/// Lead or customer.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    /// Not a customer yet.
    Lead,
    /// A customer.
    Customer,
}

/// A contact's fields in a write. Absent fields stay as they are; `null` or blank clears.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContactFieldsBody {
    #[serde(default)]
    #[schema(schema_with = wire::name_part)]
    first_name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::name_part)]
    last_name: Patch<String>,
    /// First and last name together, split at the first space when `firstName` and
    /// `lastName` are absent.
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::email)]
    email: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::phone)]
    phone: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    company_name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    address1: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    city: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    state: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    postal_code: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    country: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    website: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::timezone)]
    timezone: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    source: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = wire::text)]
    gender: Patch<String>,
    /// `YYYY-MM-DD` or `MM/DD/YYYY` (also with `-`, `.` or `_`), optionally followed by an
    /// ISO time.
    #[serde(default)]
    #[schema(schema_with = wire::date_of_birth)]
    date_of_birth: Patch<String>,
    /// `lead` or `customer`.
    #[serde(rename = "type", default)]
    #[schema(value_type = Option<ContactKind>)]
    kind: Patch<String>,
    dnd: Option<bool>,
    /// Replaces every tag (`null` removes them; the tag endpoints add or remove some).
    #[serde(default)]
    #[schema(schema_with = wire::tags)]
    tags: Patch<Vec<String>>,
    /// Someone of the agency who works in the location.
    #[serde(default)]
    #[schema(schema_with = wire::optional_uuid)]
    assigned_to: Patch<String>,
    /// Not kept here: only an empty list (or `null`) is accepted.
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    custom_fields: Option<Vec<serde_json::Value>>,
    /// Not kept here: only `null` is accepted.
    #[schema(schema_with = wire::only_null)]
    dnd_settings: Option<serde_json::Value>,
    /// Not kept here: only `null` is accepted.
    #[schema(schema_with = wire::only_null)]
    inbound_dnd_settings: Option<serde_json::Value>,
}

/// The body of `POST /contacts/`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactCreate {
    /// The location.
    #[schema(schema_with = wire::uuid)]
    location_id: Uuid,
    /// The fields.
    #[serde(flatten)]
    fields: ContactFieldsBody,
}

/// The body of `POST /contacts/upsert`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactUpsert {
    /// The location.
    #[schema(schema_with = wire::uuid)]
    location_id: Uuid,
    /// With duplicates allowed in the location, always create.
    create_new_if_duplicate_allowed: Option<bool>,
    /// The fields.
    #[serde(flatten)]
    fields: ContactFieldsBody,
}

/// The body of `PUT /contacts/{contactId}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactUpdate {
    /// A contact never moves: if sent, its own location.
    #[schema(ignore)]
    location_id: Option<String>,
    /// The fields.
    #[serde(flatten)]
    fields: ContactFieldsBody,
}

impl ContactFieldsBody {
    /// The change it describes, every value parsed.
    fn change(self) -> ApiResult<ContactChange> {
        if self.custom_fields.as_ref().is_some_and(|fields| !fields.is_empty()) {
            return Err(invalid("customFields", "Custom fields are not supported by this server."));
        }
        if self.dnd_settings.as_ref().is_some_and(|value| !value.is_null()) {
            return Err(invalid(
                "dndSettings",
                "Per-channel do-not-disturb is not supported by this server; use dnd.",
            ));
        }
        if self.inbound_dnd_settings.as_ref().is_some_and(|value| !value.is_null()) {
            return Err(invalid(
                "inboundDndSettings",
                "Per-channel do-not-disturb is not supported by this server; use dnd.",
            ));
        }
        let (mut first_name, mut last_name) = (self.first_name, self.last_name);
        if !first_name.is_given() && !last_name.is_given() {
            match self.name {
                Patch::Value(full) if !full.trim().is_empty() => {
                    let full = parse_text(&full, "Name").map_err(|message| invalid("name", message))?;
                    let (first, last) = full.split_once(' ').unwrap_or((full.as_str(), ""));
                    first_name = Patch::Value(first.to_owned());
                    last_name = Patch::Value(last.trim().to_owned());
                }
                Patch::Null | Patch::Value(_) => (first_name, last_name) = (Patch::Null, Patch::Null),
                Patch::Absent => {}
            }
        }
        let tags = match self.tags {
            Patch::Absent => None,
            Patch::Null => Some(Vec::new()),
            Patch::Value(tags) => Some(parse_tags(&tags).map_err(|message| invalid("tags", message))?),
        };
        Ok(ContactChange {
            first_name: first_name.parse("firstName", |text| parse_name_part(text, "First name"))?,
            last_name: last_name.parse("lastName", |text| parse_name_part(text, "Last name"))?,
            email: self.email.parse("email", parse_email)?,
            phone: self.phone.parse("phone", parse_phone)?,
            company_name: self.company_name.parse("companyName", |text| parse_text(text, "Company"))?,
            address1: self.address1.parse("address1", |text| parse_text(text, "Address"))?,
            city: self.city.parse("city", |text| parse_text(text, "City"))?,
            state: self.state.parse("state", |text| parse_text(text, "State"))?,
            postal_code: self.postal_code.parse("postalCode", |text| parse_text(text, "Postal code"))?,
            country: self.country.parse("country", |text| parse_text(text, "Country"))?,
            website: self.website.parse("website", |text| parse_text(text, "Website"))?,
            timezone: self.timezone.parse("timezone", parse_timezone)?,
            source: self.source.parse("source", |text| parse_text(text, "Source"))?,
            gender: self.gender.parse("gender", |text| parse_text(text, "Gender"))?,
            date_of_birth: self.date_of_birth.parse("dateOfBirth", parse_date_of_birth)?,
            contact_type: match self.kind {
                Patch::Value(kind) => {
                    Some(ContactType::parse(&kind).map_err(|message| invalid("type", message))?)
                }
                Patch::Absent | Patch::Null => None,
            },
            dnd: self.dnd,
            assigned_to: self.assigned_to.parse("assignedTo", |text| {
                text.parse().map_err(|_| "Use the id of someone of the agency.".to_owned())
            })?,
            tags,
        })
    }
}

/// Fails unless the token holds `contacts.write`.
fn writes(caller: &Caller, app: &App) -> ApiResult<()> {
    caller.require(app, "contacts.write")
}

/// Fails unless the token holds `contacts.readonly` or `contacts.write`.
fn reads(caller: &Caller, app: &App) -> ApiResult<()> {
    caller
        .require(app, "contacts.readonly")
        .or_else(|refused| caller.require(app, "contacts.write").map_err(|_| refused))
}

/// `POST /v2/contacts/` (contacts.write): 201 `{contact}`.
#[utoipa::path(
    post, path = "/v2/contacts/", tag = "Contacts",
    description = "Scope: `contacts.write`. A new contact of the location. Where the location does not allow duplicates, another contact with the same email or phone makes it a 400 naming that contact. Also at `/v2/contacts`.",
    request_body = ContactCreate,
    responses(
        (status = 201, body = ContactResponse),
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
    body: wire::Json<ContactCreate>,
) -> ApiResult<HttpResponse> {
    writes(&caller, &app)?;
    let body = body.into_inner();
    let change = body.fields.change()?;
    let contact =
        app::contacts::create(&app, &caller.requester, SubAccountId(body.location_id), change).await?;
    Ok(HttpResponse::Created().json_body(ContactResponse { contact: ApiContact::from(contact) }))
}

/// `GET /v2/contacts/{contactId}` (contacts.readonly).
#[utoipa::path(
    get, path = "/v2/contacts/{contactId}", tag = "Contacts",
    description = "Scope: `contacts.readonly`. One contact of the token's location.",
    params(("contactId" = Uuid, Path, description = "The contact's id")),
    responses(
        (status = 200, body = ContactResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn get(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    reads(&caller, &app)?;
    let contact: ContactId = id(&path)?;
    let found = app::contacts::get(&app, &caller.requester, contact).await?;
    Ok(HttpResponse::Ok().json_body(ContactResponse { contact: ApiContact::from(found) }))
}

/// `PUT /v2/contacts/{contactId}` (contacts.write): `{succeded, contact}`.
#[utoipa::path(
    put, path = "/v2/contacts/{contactId}", tag = "Contacts",
    description = "Scope: `contacts.write`. Changes a contact: absent fields stay, `null` or `\"\"` clears, `tags` replaces every tag.",
    params(("contactId" = Uuid, Path, description = "The contact's id")),
    request_body = ContactUpdate,
    responses(
        (status = 200, body = ContactUpdated),
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
    body: wire::Json<ContactUpdate>,
) -> ApiResult<HttpResponse> {
    writes(&caller, &app)?;
    let contact: ContactId = id(&path)?;
    let body = body.into_inner();
    // HighLevel's clients send the contact's location along; another one is refused by the
    // use case, and so is text that names no location at all.
    let stays_in = body
        .location_id
        .map(|text| {
            text.trim().parse::<SubAccountId>().map_err(|_| invalid("locationId", app::contacts::NO_MOVE))
        })
        .transpose()?;
    let change = body.fields.change()?;
    let updated = app::contacts::update(&app, &caller.requester, contact, stays_in, change).await?;
    Ok(HttpResponse::Ok().json_body(ContactUpdated {
        succeded: true,
        succeeded: true,
        contact: ApiContact::from(updated),
    }))
}

/// `DELETE /v2/contacts/{contactId}` (contacts.write): `{succeded: true}`.
#[utoipa::path(
    delete, path = "/v2/contacts/{contactId}", tag = "Contacts",
    description = "Scope: `contacts.write`. Deletes a contact.",
    params(("contactId" = Uuid, Path, description = "The contact's id")),
    responses(
        (status = 200, body = Acknowledged),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn delete(caller: Caller, app: web::Data<App>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    writes(&caller, &app)?;
    let contact: ContactId = id(&path)?;
    app::contacts::delete(&app, &caller.requester, contact).await?;
    Ok(HttpResponse::Ok().json_body(Acknowledged::YES))
}

/// `POST /v2/contacts/upsert` (contacts.write): `{new, contact, traceId}`.
#[utoipa::path(
    post, path = "/v2/contacts/upsert", tag = "Contacts",
    description = "Scope: `contacts.write`. Updates the location's contact with this email (else this phone), or creates one. With duplicates allowed in the location and `createNewIfDuplicateAllowed`, always creates.",
    request_body = ContactUpsert,
    responses(
        (status = 200, body = ContactUpserted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn upsert(
    caller: Caller,
    app: web::Data<App>,
    body: wire::Json<ContactUpsert>,
) -> ApiResult<HttpResponse> {
    writes(&caller, &app)?;
    let body = body.into_inner();
    let location = SubAccountId(body.location_id);
    let always_new = body.create_new_if_duplicate_allowed.unwrap_or(false);
    let change = body.fields.change()?;
    let (contact, new) = app::contacts::upsert(&app, &caller.requester, location, change, always_new).await?;
    let trace_id = Uuid::now_v7().to_string();
    tracing::info!(trace_id, new, "contact upserted");
    Ok(HttpResponse::Ok().json_body(ContactUpserted { new, contact: ApiContact::from(contact), trace_id }))
}

/// `POST /v2/contacts/{contactId}/tags` (contacts.write): 201 with every tag after.
#[utoipa::path(
    post, path = "/v2/contacts/{contactId}/tags", tag = "Contacts",
    description = "Scope: `contacts.write`. Adds tags (lower-cased) to a contact; answers with all its tags.",
    params(("contactId" = Uuid, Path, description = "The contact's id")),
    request_body = TagsBody,
    responses(
        (status = 201, body = Tags),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn add_tags(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    body: wire::Json<TagsBody>,
) -> ApiResult<HttpResponse> {
    writes(&caller, &app)?;
    let contact: ContactId = id(&path)?;
    let tags = app::contacts::add_tags(&app, &caller.requester, contact, body.into_inner().tags).await?;
    Ok(HttpResponse::Created().json_body(Tags { tags }))
}

/// `DELETE /v2/contacts/{contactId}/tags` (contacts.write), with a JSON body.
#[utoipa::path(
    delete, path = "/v2/contacts/{contactId}/tags", tag = "Contacts",
    description = "Scope: `contacts.write`. Removes tags from a contact (the body names them); answers with the tags left.",
    params(("contactId" = Uuid, Path, description = "The contact's id")),
    request_body = TagsBody,
    responses(
        (status = 200, body = Tags),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn remove_tags(
    caller: Caller,
    app: web::Data<App>,
    path: web::Path<String>,
    body: wire::Json<TagsBody>,
) -> ApiResult<HttpResponse> {
    writes(&caller, &app)?;
    let contact: ContactId = id(&path)?;
    let tags = app::contacts::remove_tags(&app, &caller.requester, contact, body.into_inner().tags).await?;
    Ok(HttpResponse::Ok().json_body(Tags { tags }))
}

/// Query of `GET /v2/contacts/`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// The location.
    #[param(value_type = wire::RequiredUuid, inline)]
    location_id: Uuid,
    /// The page after this contact (the last of the page before).
    #[param(schema_with = wire::nullable_uuid)]
    start_after_id: Option<Uuid>,
    /// The page of contacts added at or before this time (milliseconds since 1970).
    #[param(minimum = -210_866_803_200_000_i64, maximum = 8_210_266_876_799_999_i64)]
    start_after: Option<i64>,
    /// Text in the names, email, phone or company.
    #[param(schema_with = search_query)]
    query: Option<String>,
    /// How many to return (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// Paging of `GET /v2/contacts/`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// How many contacts match in all, counted up to 10,000.
    total: i64,
    /// The last contact of this page, to pass as `startAfterId`.
    start_after_id: Option<Uuid>,
    /// Its time (milliseconds), to pass as `startAfter`.
    start_after: Option<i64>,
    /// The next page, if there may be one.
    next_page_url: Option<String>,
}

/// `{"contacts": […], "count": n, "meta": …}`.
#[derive(Serialize, ToSchema)]
pub struct ContactList {
    /// This page.
    pub contacts: Vec<ApiContact>,
    /// How many there are, counted up to 10,000.
    pub count: i64,
    /// Where the next page starts.
    pub meta: ListMeta,
}

/// `GET /v2/contacts/?locationId=` (contacts.readonly): newest first, a page at a time.
#[utoipa::path(
    get, path = "/v2/contacts/", tag = "Contacts",
    description = "Scope: `contacts.readonly`. The location's contacts, newest first; page with `startAfterId` (HighLevel's deprecated listing; prefer the search). Also at `/v2/contacts`.",
    params(ListQuery),
    responses(
        (status = 200, body = ContactList),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn list(
    caller: Caller,
    app: web::Data<App>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    reads(&caller, &app)?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(20);
    if !(1..=crate::domain::contacts::PAGE_MAX).contains(&limit) {
        return Err(invalid("limit", "Use 1 to 100."));
    }
    let text = match query.query.as_deref().filter(|text| !text.trim().is_empty()) {
        Some(text) => Some(
            crate::domain::people::clean_text(text, "The query", crate::domain::contacts::QUERY_MAX)
                .map_err(|message| invalid("query", message))?
                .to_lowercase(),
        ),
        None => None,
    };
    let location = SubAccountId(query.location_id);
    let after = match (query.start_after_id, query.start_after) {
        (Some(contact), _) => app::contacts::After::Contact(ContactId(contact)),
        (None, Some(millis)) => app::contacts::After::Time(
            DateTime::from_timestamp_millis(millis)
                .filter(|_| (EARLIEST_MILLIS..=LATEST_MILLIS).contains(&millis))
                .ok_or_else(|| invalid("startAfter", "Use milliseconds since 1970."))?,
        ),
        (None, None) => app::contacts::After::Start,
    };
    let (contacts, total) =
        app::contacts::list(&app, &caller.requester, location, after, text.clone(), limit).await?;
    let last = contacts.last().map(|contact| (contact.id.0, contact.created_at.timestamp_millis()));
    let next_page_url = last.filter(|_| contacts.len() as i64 == limit).map(|(id, at)| {
        let mut url = format!(
            "/v2/contacts/?locationId={}&startAfterId={id}&startAfter={at}&limit={limit}",
            location.0
        );
        if let Some(text) = &text {
            url.push_str("&query=");
            url.push_str(&url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>());
        }
        url
    });
    Ok(HttpResponse::Ok().json_body(ContactList {
        contacts: contacts.into_iter().map(ApiContact::from).collect(),
        count: total,
        meta: ListMeta {
            total,
            start_after_id: last.map(|(id, _)| id),
            start_after: last.map(|(_, at)| at),
            next_page_url,
        },
    }))
}

/// Query of `GET /v2/contacts/search/duplicate`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateQuery {
    /// The location.
    #[param(value_type = wire::RequiredUuid, inline)]
    location_id: Uuid,
    /// An email.
    #[param(schema_with = wire::email)]
    email: Option<String>,
    /// A phone number.
    #[param(schema_with = wire::phone)]
    number: Option<String>,
}

/// `{"contact": … | null}`.
#[derive(Serialize, ToSchema)]
pub struct MaybeContact {
    /// The contact found, if any.
    pub contact: Option<ApiContact>,
}

/// `GET /v2/contacts/search/duplicate` (contacts.readonly): the contact a new one with
/// this email (else phone) would duplicate.
#[utoipa::path(
    get, path = "/v2/contacts/search/duplicate", tag = "Contacts",
    description = "Scope: `contacts.readonly`. The location's contact with this email, else with this phone; `null` when none.",
    params(DuplicateQuery),
    responses(
        (status = 200, body = MaybeContact),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn duplicate(
    caller: Caller,
    app: web::Data<App>,
    query: web::Query<DuplicateQuery>,
) -> ApiResult<HttpResponse> {
    reads(&caller, &app)?;
    let query = query.into_inner();
    let email = query
        .email
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(parse_email)
        .transpose()
        .map_err(|m| invalid("email", m))?;
    let phone = query
        .number
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(parse_phone)
        .transpose()
        .map_err(|m| invalid("number", m))?;
    if email.is_none() && phone.is_none() {
        // Nothing to look for: no contact it would duplicate.
        reads(&caller, &app)?;
        app::locations::location(&app, &caller.requester, SubAccountId(query.location_id)).await?;
        return Ok(HttpResponse::Ok().json_body(MaybeContact { contact: None }));
    }
    let found =
        app::contacts::find_duplicate(&app, &caller.requester, SubAccountId(query.location_id), email, phone)
            .await?;
    Ok(HttpResponse::Ok().json_body(MaybeContact { contact: found.map(ApiContact::from) }))
}

// ---------------------------------------------------------------------------------------
// Search

/// A condition's operator.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum OperatorName {
    /// Equal (tags: has the tag; a list: any of them).
    Eq,
    /// Not equal.
    NotEq,
    /// Contains the text.
    Contains,
    /// Does not contain the text.
    NotContains,
    /// Has a value.
    Exists,
    /// Has no value.
    NotExists,
    /// Within `{gte, gt, lte, lt}` (times).
    Range,
}

/// How a group joins its members.
#[derive(Deserialize, Clone, Copy)]
pub enum GroupKind {
    /// All of them.
    #[serde(rename = "AND")]
    And,
    /// Any of them.
    #[serde(rename = "OR")]
    Or,
}

/// One condition: `{field, operator, value}`.
#[derive(Deserialize)]
pub struct ConditionItem {
    /// A field by HighLevel's name: `firstNameLowerCase`, `email`, `tags`, `dateAdded`…
    field: String,
    /// How it compares.
    operator: OperatorName,
    /// What it compares with.
    value: Option<serde_json::Value>,
}

/// Conditions joined: `{group: "AND"|"OR", filters: […]}`.
#[derive(Deserialize)]
pub struct GroupItem {
    /// AND or OR.
    group: GroupKind,
    /// Its members.
    filters: Vec<FilterItem>,
}

/// A condition or a group of them.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum FilterItem {
    /// A group.
    Group(GroupItem),
    /// A condition.
    Condition(ConditionItem),
}

/// The earliest and latest times a search compares with, in milliseconds since 1970:
/// PostgreSQL's first day (4713 BC) and the last chrono can hold.
const EARLIEST_MILLIS: i64 = -210_866_803_200_000;
const LATEST_MILLIS: i64 = 8_210_266_876_799_999;

/// The schemas of search conditions, generated from the domain's fields and their kinds.
mod filter_schema {
    use serde_json::{Value, json};

    use crate::domain::contacts::{FILTERS_PER_LIST, FieldKind, GROUP_DEPTH_MAX, SearchField, TEXT_MAX};

    fn fields(kinds: &[FieldKind]) -> Value {
        let names: Vec<&str> = SearchField::NAMES
            .iter()
            .filter(|(_, field)| kinds.contains(&field.kind()))
            .map(|(name, _)| *name)
            .collect();
        json!({ "type": "string", "enum": names })
    }

    fn text(required: bool) -> Value {
        json!({ "type": "string", "maxLength": TEXT_MAX, "pattern": super::wire::clean_text_pattern(required) })
    }

    fn texts() -> Value {
        json!({ "anyOf": [text(false), { "type": "array", "items": text(false), "minItems": 1, "maxItems": 100 }] })
    }

    fn time() -> Value {
        json!({ "anyOf": [
            { "type": "string", "format": "date-time" },
            { "type": "string", "format": "date" },
            { "type": "integer", "minimum": super::EARLIEST_MILLIS, "maximum": super::LATEST_MILLIS },
        ]})
    }

    fn condition(kinds: &[FieldKind], operators: &[&str], value: Option<Value>) -> Value {
        let mut properties =
            json!({ "field": fields(kinds), "operator": { "type": "string", "enum": operators } });
        let mut required = vec!["field", "operator"];
        if let Some(value) = value {
            properties["value"] = value;
            required.push("value");
        }
        json!({ "type": "object", "properties": properties, "required": required })
    }

    /// A condition or (above the deepest level) a group, at `depth` (1 at the top).
    pub fn item(depth: usize) -> Value {
        use FieldKind::{Flag, Id, Tags, Text, Time};
        let all = [Text, Id, Tags, Flag, Time];
        let mut branches = vec![
            condition(&[Text, Id, Tags], &["eq", "not_eq"], Some(texts())),
            condition(&[Text], &["contains", "not_contains"], Some(text(true))),
            condition(&[Flag], &["eq", "not_eq"], Some(json!({ "type": "boolean" }))),
            condition(&[Time], &["eq", "not_eq"], Some(time())),
            condition(
                &[Time],
                &["range"],
                Some(json!({
                    "type": "object",
                    "properties": { "gte": time(), "gt": time(), "lte": time(), "lt": time() },
                    "anyOf": [{ "required": ["gte"] }, { "required": ["gt"] }, { "required": ["lte"] }, { "required": ["lt"] }],
                })),
            ),
            condition(&all, &["exists", "not_exists"], None),
        ];
        if depth <= GROUP_DEPTH_MAX {
            branches.push(json!({
                "type": "object",
                "properties": {
                    "group": { "type": "string", "enum": ["AND", "OR"] },
                    "filters": list(depth + 1),
                },
                "required": ["group", "filters"],
            }));
        }
        json!({ "anyOf": branches })
    }

    /// A list of conditions at `depth`.
    pub fn list(depth: usize) -> Value {
        json!({ "type": "array", "items": item(depth), "maxItems": FILTERS_PER_LIST })
    }
}

/// The `filters` of a search, as the document describes them (set into the document by
/// `openapi::refine`, since annotations cannot carry a schema this precise).
pub(super) fn filters_schema() -> serde_json::Value {
    let mut list = filter_schema::list(1);
    list["description"] = serde_json::json!(
        "Conditions, all of which hold: `{field, operator, value}` or `{group: AND|OR, filters}` (groups nest 3 deep, 50 items per list)."
    );
    serde_json::json!({ "anyOf": [list, { "type": "null" }] })
}

/// A field search results may be sorted on.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub enum SortName {
    /// First name.
    FirstNameLowerCase,
    /// Last name.
    LastNameLowerCase,
    /// Company.
    BusinessName,
    /// When added.
    DateAdded,
    /// When last changed.
    DateUpdated,
    /// Email.
    Email,
    /// Do not disturb.
    Dnd,
    /// Source.
    Source,
}

/// Ascending or descending.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// One sort key.
#[derive(Deserialize, ToSchema)]
pub struct SortItem {
    /// The field.
    field: SortName,
    /// The direction.
    direction: SortDirection,
}

/// The body of `POST /v2/contacts/search`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchBody {
    /// The location.
    #[schema(schema_with = wire::uuid)]
    location_id: Uuid,
    /// The page, from 1 (default 1); pages past the first 10,000 results are empty.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    page: Option<serde_json::Value>,
    /// Contacts per page (default 20, at most 500).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 500)]
    page_limit: Option<serde_json::Value>,
    /// Conditions (see `openapi::refine`).
    #[schema(value_type = Option<Vec<Object>>)]
    filters: Option<Vec<FilterItem>>,
    /// Up to two sort keys (then newest first).
    #[schema(max_items = 2)]
    sort: Option<Vec<SortItem>>,
    /// Text in the names, email, phone or company.
    #[schema(schema_with = search_query)]
    query: Option<String>,
    /// HighLevel's cursor; not supported here (page instead).
    #[schema(value_type = Option<Vec<Object>>, max_items = 0)]
    search_after: Option<Vec<serde_json::Value>>,
}

/// Free text of a search: at most 75 characters.
fn search_query() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(crate::domain::contacts::QUERY_MAX))
        .pattern(Some(wire::clean_text_pattern(false)))
        .build()
}

/// `{"contacts": […], "total": n}`.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// This page.
    pub contacts: Vec<ApiContact>,
    /// How many match in all, counted up to 10,000 (a search reaches no further).
    pub total: i64,
}

fn time_value(value: &serde_json::Value, field: &str) -> ApiResult<DateTime<Utc>> {
    let wrong = || invalid(field, "Use an ISO 8601 time, a date or milliseconds since 1970.");
    match value {
        serde_json::Value::Number(_) => {
            let millis =
                wire::whole_number(Some(value), field, EARLIEST_MILLIS, LATEST_MILLIS)?.ok_or_else(wrong)?;
            DateTime::from_timestamp_millis(millis).ok_or_else(wrong)
        }
        serde_json::Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|at| at.with_timezone(&Utc))
            .or_else(|_| {
                NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .map(|date| Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)))
            })
            .map_err(|_| wrong()),
        _ => Err(wrong()),
    }
}

/// A text a condition compares with: no control or formatting characters (a NUL would
/// not even reach the database), at most 255 characters.
fn condition_text(text: &str, at: &str) -> ApiResult<String> {
    if text.chars().count() > crate::domain::contacts::TEXT_MAX
        || text.chars().any(|c| c.is_control() || crate::domain::people::is_format_char(c))
    {
        return Err(invalid(
            at,
            "Use text of at most 255 characters, without control or formatting characters.",
        ));
    }
    Ok(text.to_owned())
}

fn operand(field: SearchField, value: Option<&serde_json::Value>, at: &str) -> ApiResult<Operand> {
    let value = value.ok_or_else(|| invalid(at, "This operator needs a value."))?;
    let text = |text: &str| -> ApiResult<String> {
        let text = condition_text(text, at)?;
        Ok(match field {
            SearchField::Phone => parse_phone(&text).unwrap_or_else(|_| text.trim().to_owned()),
            _ => text.trim().to_lowercase(),
        })
    };
    match (field.kind(), value) {
        (FieldKind::Flag, serde_json::Value::Bool(flag)) => Ok(Operand::Flag(*flag)),
        (FieldKind::Flag, _) => Err(invalid(at, "Use true or false.")),
        (FieldKind::Time, value) => time_value(value, at).map(Operand::Time),
        (_, serde_json::Value::String(value)) => Ok(Operand::Text(text(value)?)),
        (_, serde_json::Value::Array(values)) if !values.is_empty() && values.len() <= 100 => values
            .iter()
            .map(|value| {
                value.as_str().ok_or_else(|| invalid(at, "Use text or a list of texts.")).and_then(text)
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Operand::Texts),
        _ => Err(invalid(at, "Use text or a list of 1 to 100 texts.")),
    }
}

fn filter(item: FilterItem, at: &str) -> ApiResult<Filter> {
    match item {
        FilterItem::Group(group) => Ok(Filter::Group {
            any: matches!(group.group, GroupKind::Or),
            filters: group
                .filters
                .into_iter()
                .enumerate()
                .map(|(index, item)| filter(item, &format!("{at}.filters[{index}]")))
                .collect::<ApiResult<_>>()?,
        }),
        FilterItem::Condition(condition) => {
            let field = SearchField::parse(&condition.field)
                .map_err(|message| invalid(&format!("{at}.field"), message))?;
            let value_at = format!("{at}.value");
            let value = condition.value.as_ref().filter(|value| !value.is_null());
            let contained = || -> ApiResult<String> {
                let text = value
                    .and_then(|value| value.as_str())
                    .ok_or_else(|| invalid(&value_at, "Use a text."))?;
                let text = condition_text(text, &value_at)?.trim().to_lowercase();
                if text.is_empty() { Err(invalid(&value_at, "Use a text.")) } else { Ok(text) }
            };
            let operator = match condition.operator {
                OperatorName::Eq => Operator::Eq(operand(field, value, &value_at)?),
                OperatorName::NotEq => Operator::NotEq(operand(field, value, &value_at)?),
                OperatorName::Contains => Operator::Contains(contained()?),
                OperatorName::NotContains => Operator::NotContains(contained()?),
                OperatorName::Exists => Operator::Exists,
                OperatorName::NotExists => Operator::NotExists,
                OperatorName::Range => {
                    let bounds = value
                        .and_then(|value| value.as_object())
                        .ok_or_else(|| invalid(&value_at, "Use {gte, gt, lte, lt}."))?;
                    let bound = |name: &str| -> ApiResult<Option<DateTime<Utc>>> {
                        bounds
                            .get(name)
                            .map(|value| time_value(value, &format!("{value_at}.{name}")))
                            .transpose()
                    };
                    let range =
                        Range { gte: bound("gte")?, gt: bound("gt")?, lte: bound("lte")?, lt: bound("lt")? };
                    if range == Range::default() {
                        return Err(invalid(&value_at, "Give at least one of gte, gt, lte, lt."));
                    }
                    Operator::Range(range)
                }
            };
            Filter::condition(field, operator).map_err(|message| invalid(&format!("{at}.operator"), message))
        }
    }
}

/// `POST /v2/contacts/search` (contacts.readonly): `{contacts, total}`.
#[utoipa::path(
    post, path = "/v2/contacts/search", tag = "Contacts",
    description = "Scope: `contacts.readonly`. Searches the location's contacts with HighLevel's filters (`eq`, `not_eq`, `contains`, `not_contains`, `exists`, `not_exists`, `range`; groups with AND/OR), free text, up to two sort keys and pages.",
    request_body = SearchBody,
    responses(
        (status = 200, body = SearchResults),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn search(
    caller: Caller,
    app: web::Data<App>,
    body: wire::Json<SearchBody>,
) -> ApiResult<HttpResponse> {
    reads(&caller, &app)?;
    let body = body.into_inner();
    if body.search_after.as_ref().is_some_and(|cursor| !cursor.is_empty()) {
        return Err(invalid("searchAfter", "Not supported by this server: use page."));
    }
    let filters = body
        .filters
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, item)| filter(item, &format!("filters[{index}]")))
        .collect::<ApiResult<Vec<_>>>()?;
    let sort = body
        .sort
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            let field = match item.field {
                SortName::FirstNameLowerCase => SearchField::FirstName,
                SortName::LastNameLowerCase => SearchField::LastName,
                SortName::BusinessName => SearchField::CompanyName,
                SortName::DateAdded => SearchField::DateAdded,
                SortName::DateUpdated => SearchField::DateUpdated,
                SortName::Email => SearchField::Email,
                SortName::Dnd => SearchField::Dnd,
                SortName::Source => SearchField::Source,
            };
            let direction = match item.direction {
                SortDirection::Asc => Direction::Asc,
                SortDirection::Desc => Direction::Desc,
            };
            (field, direction)
        })
        .collect();
    let page = wire::whole_number(body.page.as_ref(), "page", 1, 10_000)?.unwrap_or(1);
    let page_limit = wire::whole_number(body.page_limit.as_ref(), "pageLimit", 1, 500)?.unwrap_or(20);
    let search =
        Search::new(SubAccountId(body.location_id), filters, body.query.as_deref(), sort, page, page_limit)
            .map_err(|(field, message)| invalid(field, message))?;
    let (contacts, total) = app::contacts::search(&app, &caller.requester, search).await?;
    Ok(HttpResponse::Ok()
        .json_body(SearchResults { contacts: contacts.into_iter().map(ApiContact::from).collect(), total }))
}

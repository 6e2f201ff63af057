//! Contacts through the API (SPEC §4): a sub-account's token creates, reads, changes,
//! upserts, searches, tags and deletes its own location's contacts. Where the location
//! does not allow duplicates, no two of its contacts share an email or a phone: writes
//! that could make one take the location's lock first. Every write is in the location's
//! audit log, done by the integration.

use chrono::{DateTime, Utc};

use crate::db::{self, audit::NewEvent, contacts::Matched};
use crate::domain::access::TokenDenial;
use crate::domain::audit::AuditAction;
use crate::domain::contacts::{Contact, ContactChange, ContactFields, PAGE_MAX, Search, parse_tags};
use crate::domain::ids::{ContactId, SubAccountId, UserId};
use crate::domain::tenancy::SubAccount;

use super::{App, AppError, AppResult, Requester};

/// The location, if the token reaches it (an unknown one is out of reach too).
async fn reachable_location(
    app: &App,
    by: &Requester,
    id: SubAccountId,
) -> AppResult<std::sync::Arc<SubAccount>> {
    super::locations::location(app, by, id).await
}

/// A contact the token reaches: its location's. Another location's is answered as an
/// unknown one is (not found), so that a contact's id tells nothing of whether it exists
/// elsewhere (SPEC §5: another tenant's id answers 404).
async fn reachable(app: &App, by: &Requester, id: ContactId) -> AppResult<Contact> {
    let contact = app.read(move |conn| Ok(db::contacts::find(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    match reachable_location(app, by, contact.sub_account_id).await {
        Ok(_) => Ok(contact),
        Err(AppError::Token(TokenDenial::Location)) => {
            // The request's span names the integration and the client's address.
            tracing::warn!("API request refused: a contact of another location");
            Err(AppError::NotFound)
        }
        Err(other) => Err(other),
    }
}

/// The person a contact may be assigned to: someone of the location's agency who works in
/// it (agency people, or its own staff).
async fn check_assignee(app: &App, location: &SubAccount, assignee: Option<UserId>) -> AppResult<()> {
    let Some(id) = assignee else { return Ok(()) };
    let member = app.read(move |conn| Ok(db::users::member(conn, id).ok())).await?;
    let works_here = member.is_some_and(|member| {
        member.user.agency_id == location.agency_id
            && member.user.active
            && (member.user.role.is_agency_level() || member.sub_accounts.contains(&location.id))
    });
    if works_here {
        Ok(())
    } else {
        Err(AppError::conflict("assignedTo", "Assign the contact to someone who works in this location."))
    }
}

fn label(contact: &Contact) -> String {
    contact
        .name()
        .or_else(|| contact.fields.email.clone())
        .or_else(|| contact.fields.phone.clone())
        .unwrap_or_default()
}

fn duplicate_error(existing: &Contact, matched: Matched) -> AppError {
    AppError::Duplicate {
        message: "This location does not allow duplicated contacts.".into(),
        existing: existing.id.0,
        field: match matched {
            Matched::Email => "email",
            Matched::Phone => "phone",
        },
    }
}

/// The names of the fields that differ.
fn changed_fields(before: &ContactFields, after: &ContactFields) -> Vec<&'static str> {
    let pairs: [(&'static str, bool); 18] = [
        ("first name", before.first_name != after.first_name),
        ("last name", before.last_name != after.last_name),
        ("email", before.email != after.email),
        ("phone", before.phone != after.phone),
        ("company", before.company_name != after.company_name),
        ("address", before.address1 != after.address1),
        ("city", before.city != after.city),
        ("state", before.state != after.state),
        ("postal code", before.postal_code != after.postal_code),
        ("country", before.country != after.country),
        ("website", before.website != after.website),
        ("time zone", before.timezone != after.timezone),
        ("source", before.source != after.source),
        ("gender", before.gender != after.gender),
        ("date of birth", before.date_of_birth != after.date_of_birth),
        ("type", before.contact_type != after.contact_type),
        ("do-not-disturb", before.dnd != after.dnd),
        ("assignee", before.assigned_to != after.assigned_to),
    ];
    pairs.into_iter().filter(|(_, differs)| *differs).map(|(name, _)| name).collect()
}

fn tags_event_details(before: &[String], after: &[String], changed: &[&str]) -> serde_json::Value {
    let added: Vec<&String> = after.iter().filter(|tag| !before.contains(tag)).collect();
    let removed: Vec<&String> = before.iter().filter(|tag| !after.contains(tag)).collect();
    serde_json::json!({ "changed": changed, "tags_added": added, "tags_removed": removed })
}

/// Creates a contact in a location the token reaches.
#[tracing::instrument(skip_all, fields(%location))]
pub async fn create(
    app: &App,
    by: &Requester,
    location: SubAccountId,
    change: ContactChange,
) -> AppResult<Contact> {
    let sub = reachable_location(app, by, location).await?;
    let (fields, tags) = change.applied(ContactFields::default(), Vec::new());
    check_assignee(app, &sub, fields.assigned_to).await?;
    let now = app.clock.now();
    let event = by.event(AuditAction::ApiContactCreate, sub.agency_id, Some(sub.id), now);
    app.write(move |conn| {
        let sub = db::agencies::lock_sub_account(conn, location)?;
        if !sub.allow_duplicate_contact
            && let Some((existing, matched)) = db::contacts::duplicate(
                conn,
                location,
                fields.email.as_deref(),
                fields.phone.as_deref(),
                None,
            )?
        {
            return Err(duplicate_error(&existing, matched));
        }
        let contact = db::contacts::insert(conn, location, &fields, &tags, now)?;
        db::audit::record(
            conn,
            &NewEvent { target_id: Some(contact.id.0), target_label: Some(label(&contact)), ..event },
        )?;
        Ok(contact)
    })
    .await
}

/// One contact.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn get(app: &App, by: &Requester, id: ContactId) -> AppResult<Contact> {
    reachable(app, by, id).await
}

/// Applies `change` to a contact (locked), within `conn`'s transaction: the contact after.
fn apply(
    conn: &mut diesel::PgConnection,
    by: &Requester,
    sub: &SubAccount,
    before: Contact,
    change: ContactChange,
    now: DateTime<Utc>,
) -> AppResult<Contact> {
    let (fields, tags) = change.applied(before.fields.clone(), before.tags.clone());
    let contact_changes_identity = fields.email != before.fields.email || fields.phone != before.fields.phone;
    if !sub.allow_duplicate_contact
        && contact_changes_identity
        && let Some((existing, matched)) = db::contacts::duplicate(
            conn,
            sub.id,
            fields.email.as_deref().filter(|_| fields.email != before.fields.email),
            fields.phone.as_deref().filter(|_| fields.phone != before.fields.phone),
            Some(before.id),
        )?
    {
        return Err(duplicate_error(&existing, matched));
    }
    let changed = changed_fields(&before.fields, &fields);
    let details = tags_event_details(&before.tags, &tags, &changed);
    let contact = db::contacts::update(conn, before.id, &fields, &tags, now)?;
    let event = NewEvent {
        target_id: Some(contact.id.0),
        target_label: Some(label(&contact)),
        details,
        ..by.event(AuditAction::ApiContactUpdate, sub.agency_id, Some(sub.id), now)
    };
    db::audit::record(conn, &event)?;
    Ok(contact)
}

/// Why an update naming another location than the contact's is refused.
pub const NO_MOVE: &str = "A contact cannot move to another location.";

/// Changes a contact: absent fields stay, `null` clears, tags (if given) replace the list.
/// `stays_in`, when given, must be the contact's location: a contact never moves.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn update(
    app: &App,
    by: &Requester,
    id: ContactId,
    stays_in: Option<SubAccountId>,
    change: ContactChange,
) -> AppResult<Contact> {
    let found = reachable(app, by, id).await?;
    let location = found.sub_account_id;
    if stays_in.is_some_and(|claimed| claimed != location) {
        return Err(AppError::invalid("locationId", NO_MOVE));
    }
    let sub = reachable_location(app, by, location).await?;
    if let crate::domain::contacts::Change::Set(assignee) = change.assigned_to {
        check_assignee(app, &sub, Some(assignee)).await?;
    }
    let (by, now) = (by.clone(), app.clock.now());
    app.write(move |conn| {
        let sub = db::agencies::lock_sub_account(conn, location)?;
        let before = db::contacts::lock(conn, id)?.ok_or(AppError::NotFound)?;
        apply(conn, &by, &sub, before, change, now)
    })
    .await
}

/// Creates the contact, or updates the location's contact with the same email (else the
/// same phone), as HighLevel's upsert does: `true` when it was created. With duplicates
/// allowed and `create_new_if_duplicate_allowed`, it always creates.
#[tracing::instrument(skip_all, fields(%location))]
pub async fn upsert(
    app: &App,
    by: &Requester,
    location: SubAccountId,
    change: ContactChange,
    create_new_if_duplicate_allowed: bool,
) -> AppResult<(Contact, bool)> {
    let sub = reachable_location(app, by, location).await?;
    let (fields, tags) = change.clone().applied(ContactFields::default(), Vec::new());
    if let crate::domain::contacts::Change::Set(assignee) = change.assigned_to {
        check_assignee(app, &sub, Some(assignee)).await?;
    }
    let (by, now) = (by.clone(), app.clock.now());
    app.write(move |conn| {
        let sub = db::agencies::lock_sub_account(conn, location)?;
        let always_new = sub.allow_duplicate_contact && create_new_if_duplicate_allowed;
        // Without an email or a phone there is nothing to find: a new contact.
        let existing = if always_new || (fields.email.is_none() && fields.phone.is_none()) {
            None
        } else {
            db::contacts::duplicate(conn, location, fields.email.as_deref(), fields.phone.as_deref(), None)?
        };
        if let Some((existing, _)) = existing {
            let before = db::contacts::lock(conn, existing.id)?.ok_or(AppError::NotFound)?;
            return Ok((apply(conn, &by, &sub, before, change, now)?, false));
        }
        let contact = db::contacts::insert(conn, location, &fields, &tags, now)?;
        let event = NewEvent {
            target_id: Some(contact.id.0),
            target_label: Some(label(&contact)),
            ..by.event(AuditAction::ApiContactCreate, sub.agency_id, Some(sub.id), now)
        };
        db::audit::record(conn, &event)?;
        Ok((contact, true))
    })
    .await
}

/// Deletes a contact.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn delete(app: &App, by: &Requester, id: ContactId) -> AppResult<()> {
    let found = reachable(app, by, id).await?;
    let sub = reachable_location(app, by, found.sub_account_id).await?;
    let event = NewEvent {
        target_id: Some(found.id.0),
        target_label: Some(label(&found)),
        ..by.event(AuditAction::ApiContactDelete, sub.agency_id, Some(sub.id), app.clock.now())
    };
    app.write(move |conn| {
        db::contacts::delete(conn, id)?;
        db::audit::record(conn, &event)?;
        Ok(())
    })
    .await
}

/// Adds tags to a contact (keeping those it has): its tags after.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn add_tags(app: &App, by: &Requester, id: ContactId, tags: Vec<String>) -> AppResult<Vec<String>> {
    change_tags(app, by, id, tags, true).await
}

/// Removes tags from a contact: its tags after.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn remove_tags(
    app: &App,
    by: &Requester,
    id: ContactId,
    tags: Vec<String>,
) -> AppResult<Vec<String>> {
    change_tags(app, by, id, tags, false).await
}

async fn change_tags(
    app: &App,
    by: &Requester,
    id: ContactId,
    given: Vec<String>,
    add: bool,
) -> AppResult<Vec<String>> {
    let given = parse_tags(&given).map_err(|message| AppError::invalid("tags", message))?;
    if given.is_empty() {
        return Err(AppError::invalid("tags", "Give at least one tag."));
    }
    let found = reachable(app, by, id).await?;
    let location = found.sub_account_id;
    let (by, now) = (by.clone(), app.clock.now());
    app.write(move |conn| {
        let sub = db::agencies::lock_sub_account(conn, location)?;
        let before = db::contacts::lock(conn, id)?.ok_or(AppError::NotFound)?;
        let mut tags = before.tags.clone();
        if add {
            tags.extend(given.into_iter().filter(|tag| !before.tags.contains(tag)));
        } else {
            tags.retain(|tag| !given.contains(tag));
        }
        // Re-checked as a whole: the limit on how many a contact holds.
        let tags = parse_tags(&tags).map_err(|message| AppError::invalid("tags", message))?;
        let change = ContactChange { tags: Some(tags), ..ContactChange::default() };
        Ok(apply(conn, &by, &sub, before, change, now)?.tags)
    })
    .await
}

/// Where a page of a location's contacts starts (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// At the newest.
    Start,
    /// After this contact (the last of the page before).
    Contact(ContactId),
    /// With the contacts added at or before this time.
    Time(DateTime<Utc>),
}

/// A page of a location's contacts, newest first, optionally matching free text; with
/// how many there are in all.
#[tracing::instrument(skip_all, fields(%location))]
pub async fn list(
    app: &App,
    by: &Requester,
    location: SubAccountId,
    after: After,
    query: Option<String>,
    limit: i64,
) -> AppResult<(Vec<Contact>, i64)> {
    reachable_location(app, by, location).await?;
    let limit = limit.clamp(1, PAGE_MAX);
    app.read(move |conn| {
        let after = match after {
            After::Start => None,
            After::Contact(id) => db::contacts::find(conn, id)?
                .filter(|contact| contact.sub_account_id == location)
                .map(|contact| (contact.created_at, contact.id)),
            After::Time(at) => Some((at, ContactId(uuid::Uuid::max()))),
        };
        Ok(db::contacts::list(conn, location, after, query.as_deref(), limit)?)
    })
    .await
}

/// A search of a location's contacts: the page and how many match in all.
#[tracing::instrument(skip_all)]
pub async fn search(app: &App, by: &Requester, search: Search) -> AppResult<(Vec<Contact>, i64)> {
    reachable_location(app, by, search.sub_account_id).await?;
    app.read(move |conn| Ok(db::contacts::search(conn, &search)?)).await
}

/// The location's contact a new one with this email (else phone) would duplicate.
#[tracing::instrument(skip_all, fields(%location))]
pub async fn find_duplicate(
    app: &App,
    by: &Requester,
    location: SubAccountId,
    email: Option<String>,
    phone: Option<String>,
) -> AppResult<Option<Contact>> {
    reachable_location(app, by, location).await?;
    app.read(move |conn| {
        Ok(db::contacts::duplicate(conn, location, email.as_deref(), phone.as_deref(), None)?
            .map(|(found, _)| found))
    })
    .await
}

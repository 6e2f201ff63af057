//! Contacts of sub-accounts, and their searches.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Date, Text, Timestamptz};

use super::mapping::new_id;
use super::schema::contacts;
use crate::domain::contacts::{
    Contact, ContactFields, ContactType, Direction, FieldKind, Filter, Operand, Operator, Search, SearchField,
};
use crate::domain::ids::{ContactId, SubAccountId, UserId};

#[derive(Queryable, Selectable)]
#[diesel(table_name = contacts, check_for_backend(diesel::pg::Pg))]
struct ContactRow {
    id: ContactId,
    sub_account_id: SubAccountId,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
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
    date_of_birth: Option<chrono::NaiveDate>,
    contact_type: String,
    dnd: bool,
    tags: Vec<Option<String>>,
    assigned_to: Option<UserId>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ContactRow> for Contact {
    fn from(row: ContactRow) -> Self {
        Self {
            id: row.id,
            sub_account_id: row.sub_account_id,
            fields: ContactFields {
                first_name: row.first_name,
                last_name: row.last_name,
                email: row.email,
                phone: row.phone,
                company_name: row.company_name,
                address1: row.address1,
                city: row.city,
                state: row.state,
                postal_code: row.postal_code,
                country: row.country,
                website: row.website,
                timezone: row.timezone,
                source: row.source,
                gender: row.gender,
                date_of_birth: row.date_of_birth,
                contact_type: ContactType::parse(&row.contact_type).unwrap_or_default(),
                dnd: row.dnd,
                assigned_to: row.assigned_to,
            },
            tags: row.tags.into_iter().flatten().collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The columns a contact's fields are written to.
macro_rules! field_values {
    ($fields:expr, $tags:expr) => {
        (
            contacts::first_name.eq($fields.first_name.as_deref()),
            contacts::last_name.eq($fields.last_name.as_deref()),
            contacts::email.eq($fields.email.as_deref()),
            contacts::phone.eq($fields.phone.as_deref()),
            contacts::company_name.eq($fields.company_name.as_deref()),
            contacts::address1.eq($fields.address1.as_deref()),
            contacts::city.eq($fields.city.as_deref()),
            contacts::state.eq($fields.state.as_deref()),
            contacts::postal_code.eq($fields.postal_code.as_deref()),
            contacts::country.eq($fields.country.as_deref()),
            contacts::website.eq($fields.website.as_deref()),
            contacts::timezone.eq($fields.timezone.as_deref()),
            (
                contacts::source.eq($fields.source.as_deref()),
                contacts::gender.eq($fields.gender.as_deref()),
                contacts::date_of_birth.eq($fields.date_of_birth),
                contacts::contact_type.eq($fields.contact_type.as_str()),
                contacts::dnd.eq($fields.dnd),
                contacts::assigned_to.eq($fields.assigned_to),
                contacts::tags.eq($tags.iter().map(|tag| Some(tag.as_str())).collect::<Vec<_>>()),
            ),
        )
    };
}

/// Inserts a contact.
pub fn insert(
    conn: &mut PgConnection,
    sub_account_id: SubAccountId,
    fields: &ContactFields,
    tags: &[String],
    now: DateTime<Utc>,
) -> QueryResult<Contact> {
    diesel::insert_into(contacts::table)
        .values((
            contacts::id.eq(new_id::<ContactId>()),
            contacts::sub_account_id.eq(sub_account_id),
            field_values!(fields, tags),
            contacts::created_at.eq(now),
            contacts::updated_at.eq(now),
        ))
        .returning(ContactRow::as_returning())
        .get_result(conn)
        .map(Contact::from)
}

/// Rewrites a contact's fields and tags.
pub fn update(
    conn: &mut PgConnection,
    id: ContactId,
    fields: &ContactFields,
    tags: &[String],
    now: DateTime<Utc>,
) -> QueryResult<Contact> {
    diesel::update(contacts::table.find(id))
        .set((field_values!(fields, tags), contacts::updated_at.eq(now)))
        .returning(ContactRow::as_returning())
        .get_result(conn)
        .map(Contact::from)
}

/// The contact with this id, if any.
pub fn find(conn: &mut PgConnection, id: ContactId) -> QueryResult<Option<Contact>> {
    contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .first(conn)
        .optional()
        .map(|row| row.map(Contact::from))
}

/// The contact with this id, locked until the transaction ends.
pub fn lock(conn: &mut PgConnection, id: ContactId) -> QueryResult<Option<Contact>> {
    contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .for_update()
        .first(conn)
        .optional()
        .map(|row| row.map(Contact::from))
}

/// Deletes a contact.
pub fn delete(conn: &mut PgConnection, id: ContactId) -> QueryResult<()> {
    diesel::delete(contacts::table.find(id)).execute(conn).map(drop)
}

/// Which field made two contacts duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// The email.
    Email,
    /// The phone.
    Phone,
}

/// The oldest other contact of the location with this email, else with this phone.
pub fn duplicate(
    conn: &mut PgConnection,
    sub_account_id: SubAccountId,
    email: Option<&str>,
    phone: Option<&str>,
    except: Option<ContactId>,
) -> QueryResult<Option<(Contact, Matched)>> {
    let first = |conn: &mut PgConnection,
                 column_is: Box<dyn BoxableExpression<contacts::table, Pg, SqlType = Bool>>| {
        let mut query = contacts::table
            .filter(contacts::sub_account_id.eq(sub_account_id))
            .filter(column_is)
            .select(ContactRow::as_select())
            .order((contacts::created_at.asc(), contacts::id.asc()))
            .into_boxed();
        if let Some(except) = except {
            query = query.filter(contacts::id.ne(except));
        }
        query.first(conn).optional().map(|row| row.map(Contact::from))
    };
    if let Some(email) = email
        && let Some(found) = first(conn, Box::new(contacts::email.eq(email.to_owned()).assume_not_null()))?
    {
        return Ok(Some((found, Matched::Email)));
    }
    if let Some(phone) = phone
        && let Some(found) = first(conn, Box::new(contacts::phone.eq(phone.to_owned()).assume_not_null()))?
    {
        return Ok(Some((found, Matched::Phone)));
    }
    Ok(None)
}

/// How far counts go: beyond it, a count says [`COUNT_CAP`] (searches reach no further).
pub const COUNT_CAP: i64 = crate::domain::contacts::SEARCH_WINDOW;

/// How many of `query`'s contacts there are, counting no further than [`COUNT_CAP`].
fn capped_count(conn: &mut PgConnection, query: contacts::BoxedQuery<'static, Pg>) -> QueryResult<i64> {
    let found: Vec<ContactId> = query.select(contacts::id).limit(COUNT_CAP).load(conn)?;
    Ok(i64::try_from(found.len()).unwrap_or(COUNT_CAP))
}

/// A page of a location's contacts, newest first, after the contact `after` (its time
/// and id), optionally matching free text: the page and how many there are in all (up to
/// [`COUNT_CAP`]).
pub fn list(
    conn: &mut PgConnection,
    sub_account_id: SubAccountId,
    after: Option<(DateTime<Utc>, ContactId)>,
    query: Option<&str>,
    limit: i64,
) -> QueryResult<(Vec<Contact>, i64)> {
    let base = || {
        let mut base = contacts::table.filter(contacts::sub_account_id.eq(sub_account_id)).into_boxed();
        if let Some(query) = query {
            base = base.filter(contacts::search.like(like_pattern(query)).assume_not_null());
        }
        base
    };
    let total = capped_count(conn, base())?;
    let mut page =
        base().select(ContactRow::as_select()).order((contacts::created_at.desc(), contacts::id.desc()));
    if let Some((at, id)) = after {
        // A row comparison, which the (location, time, id) index serves directly.
        page = page.filter(
            fragment("(contacts.created_at, contacts.id) < (")
                .bind::<Timestamptz, _>(at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(id.0)
                .sql(")"),
        );
    }
    let found = page.limit(limit).load(conn)?.into_iter().map(Contact::from).collect();
    Ok((found, total))
}

/// A search's page and how many contacts match in all (up to [`COUNT_CAP`]). Without sort
/// keys, newest first; with them, ties broken by id in the direction of the last key, so
/// that a (location, key, id) index serves the order.
pub fn search(conn: &mut PgConnection, search: &Search) -> QueryResult<(Vec<Contact>, i64)> {
    let total = capped_count(conn, matching(search))?;
    let mut page = matching(search).select(ContactRow::as_select());
    if search.sort.is_empty() {
        page = page.then_order_by((contacts::created_at.desc(), contacts::id.desc()));
    } else {
        let word = |direction: &Direction| match direction {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        };
        for (field, direction) in &search.sort {
            page = page.then_order_by(sql::<Bool>(&format!("{} {}", column(*field), word(direction))));
        }
        let last = search.sort.last().map_or("ASC", |(_, direction)| word(direction));
        page = page.then_order_by(sql::<Bool>(&format!("contacts.id {last}")));
    }
    let found =
        page.offset(search.offset).limit(search.limit).load(conn)?.into_iter().map(Contact::from).collect();
    Ok((found, total))
}

type Condition = Box<dyn BoxableExpression<contacts::table, Pg, SqlType = Bool>>;

/// The contacts of the search's location that meet its conditions and query.
fn matching(search: &Search) -> contacts::BoxedQuery<'static, Pg> {
    let mut query = contacts::table.filter(contacts::sub_account_id.eq(search.sub_account_id)).into_boxed();
    for filter in &search.filters {
        query = query.filter(condition(filter));
    }
    if let Some(text) = &search.query {
        query = query.filter(contacts::search.like(like_pattern(text)).assume_not_null());
    }
    query
}

/// `%text%` with LIKE's own characters escaped.
fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The SQL a field is compared as: a column (lower-cased for text) chosen here, never
/// taken from the request.
fn column(field: SearchField) -> &'static str {
    match field {
        SearchField::Id => "contacts.id",
        SearchField::FirstName => "lower(contacts.first_name)",
        SearchField::LastName => "lower(contacts.last_name)",
        SearchField::ContactName => "lower(concat_ws(' ', contacts.first_name, contacts.last_name))",
        SearchField::Email => "contacts.email",
        SearchField::Phone => "contacts.phone",
        SearchField::CompanyName => "lower(contacts.company_name)",
        SearchField::Address => "lower(contacts.address1)",
        SearchField::City => "lower(contacts.city)",
        SearchField::State => "lower(contacts.state)",
        SearchField::Country => "lower(contacts.country)",
        SearchField::PostalCode => "lower(contacts.postal_code)",
        SearchField::Website => "lower(contacts.website)",
        SearchField::Source => "lower(contacts.source)",
        SearchField::Timezone => "lower(contacts.timezone)",
        SearchField::Tags => "contacts.tags",
        SearchField::Type => "contacts.contact_type",
        SearchField::Dnd => "contacts.dnd",
        SearchField::AssignedTo => "contacts.assigned_to",
        SearchField::DateAdded => "contacts.created_at",
        SearchField::DateUpdated => "contacts.updated_at",
        SearchField::DateOfBirth => "contacts.date_of_birth",
    }
}

fn texts(operand: &Operand) -> Vec<String> {
    match operand {
        Operand::Text(text) => vec![text.clone()],
        Operand::Texts(texts) => texts.clone(),
        Operand::Flag(_) | Operand::Time(_) => Vec::new(),
    }
}

/// A boolean SQL fragment.
fn fragment(text: &str) -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(text)
}

/// The opening and closing of a test around `head $value tail`. A negated test is
/// `(NOT coalesce((…), false))`, so that a contact without the value counts as "not
/// equal"; a plain one stays bare (a NULL is no match in WHERE, AND and OR alike), which
/// keeps it usable by the indexes.
fn test(head: &str, negated: bool) -> (String, &'static str) {
    if negated { (format!("(NOT coalesce(({head}"), "), false))") } else { (format!("({head}"), ")") }
}

/// One filter as a condition on contacts.
fn condition(filter: &Filter) -> Condition {
    let (field, operator) = match filter {
        Filter::Group { any, filters } => {
            let mut members = filters.iter().map(condition);
            let Some(first) = members.next() else { return Box::new(fragment("TRUE")) };
            return members.fold(first, |joined, next| {
                if *any { Box::new(joined.or(next)) } else { Box::new(joined.and(next)) }
            });
        }
        Filter::Condition { field, operator } => (*field, operator),
    };
    let col = column(field);
    let kind = field.kind();
    match operator {
        Operator::Exists | Operator::NotExists => {
            let present = match kind {
                FieldKind::Tags => format!("cardinality({col}) > 0"),
                FieldKind::Text => format!("coalesce({col}, '') <> ''"),
                FieldKind::Id | FieldKind::Flag | FieldKind::Time => format!("{col} IS NOT NULL"),
            };
            let text =
                if matches!(operator, Operator::Exists) { present } else { format!("NOT ({present})") };
            Box::new(fragment(&text))
        }
        Operator::Eq(operand) | Operator::NotEq(operand) => {
            let negated = matches!(operator, Operator::NotEq(_));
            match (kind, operand) {
                (FieldKind::Flag, Operand::Flag(flag)) => {
                    let (open, close) = test(&format!("{col} = "), negated);
                    Box::new(fragment(&open).bind::<Bool, _>(*flag).sql(close))
                }
                (FieldKind::Time, Operand::Time(at)) => time_comparison(field, col, "=", *at, negated),
                (FieldKind::Tags, operand) => {
                    let (open, close) = test(&format!("{col} && "), negated);
                    Box::new(fragment(&open).bind::<Array<Text>, _>(texts(operand)).sql(close))
                }
                (FieldKind::Id, operand) => {
                    // A value that is not an id names no contact.
                    let ids: Vec<uuid::Uuid> =
                        texts(operand).iter().filter_map(|text| text.parse().ok()).collect();
                    let (open, close) = test(&format!("{col} = ANY("), negated);
                    Box::new(
                        fragment(&open)
                            .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
                            .sql(&format!("){close}")),
                    )
                }
                (_, Operand::Text(text)) => {
                    let (open, close) = test(&format!("{col} = "), negated);
                    Box::new(fragment(&open).bind::<Text, _>(text.clone()).sql(close))
                }
                (_, operand) => {
                    let (open, close) = test(&format!("{col} = ANY("), negated);
                    Box::new(fragment(&open).bind::<Array<Text>, _>(texts(operand)).sql(&format!("){close}")))
                }
            }
        }
        Operator::Contains(text) | Operator::NotContains(text) => {
            let negated = matches!(operator, Operator::NotContains(_));
            let (open, close) = test(&format!("{col} LIKE "), negated);
            Box::new(fragment(&open).bind::<Text, _>(like_pattern(text)).sql(close))
        }
        Operator::Range(range) => {
            let bounds = [(">=", range.gte), (">", range.gt), ("<=", range.lte), ("<", range.lt)];
            let mut joined: Condition = Box::new(fragment("TRUE"));
            for (comparison, at) in bounds {
                if let Some(at) = at {
                    joined = Box::new(joined.and(time_comparison(field, col, comparison, at, false)));
                }
            }
            joined
        }
    }
}

/// `col comparison at`, dates of birth compared as dates.
fn time_comparison(
    field: SearchField,
    col: &str,
    comparison: &str,
    at: DateTime<Utc>,
    negated: bool,
) -> Condition {
    let (open, close) = test(&format!("{col} {comparison} "), negated);
    if field == SearchField::DateOfBirth {
        Box::new(fragment(&open).bind::<Date, _>(at.date_naive()).sql(close))
    } else {
        Box::new(fragment(&open).bind::<Timestamptz, _>(at).sql(close))
    }
}

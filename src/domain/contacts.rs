//! Contacts: the people a sub-account (a HighLevel "location") does business with, owned
//! by that sub-account and reached through the API with `contacts.readonly` and
//! `contacts.write`. Field values are parsed here once, so that a stored contact only ever
//! holds valid ones; searches are described here and run by the database layer.

use chrono::{DateTime, NaiveDate, Utc};

use super::ids::{ContactId, SubAccountId, UserId};
use super::people::{Email, clean_text};

/// The longest name part (first or last name).
pub const NAME_MAX: usize = 100;
/// The longest free-text field (address, company, website…).
pub const TEXT_MAX: usize = 255;
/// The longest tag.
pub const TAG_MAX: usize = 64;
/// The longest phone number as typed (separators and spaces included).
pub const PHONE_MAX: usize = 40;
/// The longest time zone name as typed.
pub const TIMEZONE_MAX: usize = 64;
/// The longest date of birth as typed.
pub const DATE_OF_BIRTH_MAX: usize = 40;
/// The most tags a contact holds.
pub const TAGS_MAX: usize = 100;
/// The most contacts one page of a list returns.
pub const PAGE_MAX: i64 = 100;
/// The most contacts one page of a search returns (HighLevel's limit).
pub const SEARCH_PAGE_MAX: i64 = 500;
/// How deep into a search one may page (`page × pageLimit`), as HighLevel allows.
pub const SEARCH_WINDOW: i64 = 10_000;
/// The most conditions (or groups) one list of a search holds.
pub const FILTERS_PER_LIST: usize = 50;
/// How deeply groups of conditions nest.
pub const GROUP_DEPTH_MAX: usize = 3;
/// The longest free-text query.
pub const QUERY_MAX: usize = 75;

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Its id.
    pub id: ContactId,
    /// The sub-account that owns it.
    pub sub_account_id: SubAccountId,
    /// The values people set.
    pub fields: ContactFields,
    /// Its tags, lower-cased, in the order they were added.
    pub tags: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    /// "First Last", or whichever part exists.
    pub fn name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.fields.first_name.as_deref(), self.fields.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Lead or customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContactType {
    /// Not a customer yet (the default).
    #[default]
    Lead,
    /// A customer.
    Customer,
}

impl ContactType {
    /// Every type.
    pub const ALL: [Self; 2] = [Self::Lead, Self::Customer];

    /// As the API and the database name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Customer => "customer",
        }
    }

    /// From its name.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| "Use lead or customer.".to_owned())
    }
}

/// The values of a contact people set; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFields {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email, lower-cased.
    pub email: Option<String>,
    /// Phone: digits with an optional leading `+`.
    pub phone: Option<String>,
    /// Company.
    pub company_name: Option<String>,
    /// Street address.
    pub address1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// IANA time zone, e.g. `America/Chicago`.
    pub timezone: Option<String>,
    /// Where the contact came from.
    pub source: Option<String>,
    /// Gender, as given.
    pub gender: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Lead or customer.
    pub contact_type: ContactType,
    /// Do not disturb.
    pub dnd: bool,
    /// The person of the agency in charge of the contact.
    pub assigned_to: Option<UserId>,
}

/// A change to one field: absent leaves it, `null` clears it, a value sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    /// Not mentioned.
    #[default]
    Keep,
    /// Cleared.
    Clear,
    /// Set.
    Set(T),
}

impl<T> Change<T> {
    /// Applies the change to `current`.
    pub fn apply(self, current: &mut Option<T>) {
        match self {
            Self::Keep => {}
            Self::Clear => *current = None,
            Self::Set(value) => *current = Some(value),
        }
    }
}

/// What a create, update or upsert says of a contact (already parsed).
#[derive(Debug, Clone, Default)]
pub struct ContactChange {
    /// First name.
    pub first_name: Change<String>,
    /// Last name.
    pub last_name: Change<String>,
    /// Email.
    pub email: Change<String>,
    /// Phone.
    pub phone: Change<String>,
    /// Company.
    pub company_name: Change<String>,
    /// Street address.
    pub address1: Change<String>,
    /// City.
    pub city: Change<String>,
    /// State.
    pub state: Change<String>,
    /// Postal code.
    pub postal_code: Change<String>,
    /// Country.
    pub country: Change<String>,
    /// Website.
    pub website: Change<String>,
    /// Time zone.
    pub timezone: Change<String>,
    /// Source.
    pub source: Change<String>,
    /// Gender.
    pub gender: Change<String>,
    /// Date of birth.
    pub date_of_birth: Change<NaiveDate>,
    /// Lead or customer (`None`: unchanged).
    pub contact_type: Option<ContactType>,
    /// Do not disturb (`None`: unchanged).
    pub dnd: Option<bool>,
    /// The person in charge.
    pub assigned_to: Change<UserId>,
    /// The whole tag list, replacing the current one (`None`: unchanged).
    pub tags: Option<Vec<String>>,
}

impl ContactChange {
    /// The fields and tags after this change to `fields` and `tags`.
    pub fn applied(self, mut fields: ContactFields, mut tags: Vec<String>) -> (ContactFields, Vec<String>) {
        self.first_name.apply(&mut fields.first_name);
        self.last_name.apply(&mut fields.last_name);
        self.email.apply(&mut fields.email);
        self.phone.apply(&mut fields.phone);
        self.company_name.apply(&mut fields.company_name);
        self.address1.apply(&mut fields.address1);
        self.city.apply(&mut fields.city);
        self.state.apply(&mut fields.state);
        self.postal_code.apply(&mut fields.postal_code);
        self.country.apply(&mut fields.country);
        self.website.apply(&mut fields.website);
        self.timezone.apply(&mut fields.timezone);
        self.source.apply(&mut fields.source);
        self.gender.apply(&mut fields.gender);
        self.date_of_birth.apply(&mut fields.date_of_birth);
        self.assigned_to.apply(&mut fields.assigned_to);
        if let Some(kind) = self.contact_type {
            fields.contact_type = kind;
        }
        if let Some(dnd) = self.dnd {
            fields.dnd = dnd;
        }
        if let Some(new) = self.tags {
            tags = new;
        }
        (fields, tags)
    }
}

/// A first or last name: 1–100 characters, no control or invisible formatting characters.
pub fn parse_name_part(input: &str, what: &str) -> Result<String, String> {
    clean_text(input, what, NAME_MAX)
}

/// A free-text field: 1–255 characters, no control or invisible formatting characters.
pub fn parse_text(input: &str, what: &str) -> Result<String, String> {
    clean_text(input, what, TEXT_MAX)
}

/// An email, lower-cased.
pub fn parse_email(input: &str) -> Result<String, String> {
    Email::parse(input).map(|email| email.as_str().to_owned())
}

/// A phone number: digits with an optional leading `+`, spaces, dots, dashes and
/// parentheses ignored; 7 to 15 digits (E.164's longest).
pub fn parse_phone(input: &str) -> Result<String, String> {
    if input.chars().count() > PHONE_MAX {
        return Err(format!("A phone number is at most {PHONE_MAX} characters."));
    }
    let text = input.trim();
    let (plus, rest) = text.strip_prefix('+').map_or(("", text), |rest| ("+", rest));
    if rest.chars().any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))) {
        return Err("Use digits, with an optional leading +.".into());
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15).contains(&digits.len()) {
        return Err("A phone number has 7 to 15 digits.".into());
    }
    Ok(format!("{plus}{digits}"))
}

/// A tag: trimmed, lower-cased, 1–64 characters without control or formatting characters.
pub fn parse_tag(input: &str) -> Result<String, String> {
    clean_text(input, "A tag", TAG_MAX).map(|tag| tag.to_lowercase())
}

/// A list of tags, lower-cased, without repeats (first occurrence kept), at most 100.
pub fn parse_tags(inputs: &[String]) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let tag = parse_tag(input)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(format!("A contact holds at most {TAGS_MAX} tags."));
    }
    Ok(tags)
}

/// An IANA time zone name such as `America/New_York` or `UTC`.
pub fn parse_timezone(input: &str) -> Result<String, String> {
    let text = input.trim();
    let well_formed = !text.is_empty()
        && input.chars().count() <= TIMEZONE_MAX
        && text.split('/').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        });
    if well_formed {
        Ok(text.to_owned())
    } else {
        Err("Use a time zone name such as America/New_York.".into())
    }
}

/// A date of birth in one of the formats HighLevel accepts: `YYYY-MM-DD` or `MM-DD-YYYY`,
/// with `-`, `/`, `.` or `_` between the parts, optionally followed by an ISO 8601 time
/// (`1990-09-25T00:00:00.000Z`, as HighLevel writes dates of birth back).
pub fn parse_date_of_birth(input: &str) -> Result<NaiveDate, String> {
    if input.chars().count() > DATE_OF_BIRTH_MAX {
        return Err("Use YYYY-MM-DD or MM/DD/YYYY.".to_owned());
    }
    let text = input.trim();
    let date_part = text.split_once('T').map_or(text, |(date, _)| date);
    let unified = date_part.replace(['/', '.', '_'], "-");
    let well_formed = |pattern: [usize; 3]| {
        let parts: Vec<&str> = unified.split('-').collect();
        parts.len() == 3
            && parts
                .iter()
                .zip(pattern)
                .all(|(part, len)| part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
    };
    let date = if well_formed([4, 2, 2]) {
        NaiveDate::parse_from_str(&unified, "%Y-%m-%d")
    } else if well_formed([2, 2, 4]) {
        NaiveDate::parse_from_str(&unified, "%m-%d-%Y")
    } else {
        return Err("Use YYYY-MM-DD or MM/DD/YYYY.".to_owned());
    };
    date.map_err(|_| "That date does not exist.".to_owned())
}

/// The pattern of [`parse_date_of_birth`]'s accepted shapes (the calendar is checked too).
pub const DATE_OF_BIRTH_PATTERN: &str = r"^\s*([0-9]{4}[-/._](0[1-9]|1[0-2])[-/._](0[1-9]|[12][0-9]|3[01])|(0[1-9]|1[0-2])[-/._](0[1-9]|[12][0-9]|3[01])[-/._][0-9]{4})(T\S*)?\s*$";

// ---------------------------------------------------------------------------------------
// Search

/// A field a search can filter or sort on, by HighLevel's name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchField {
    /// `id`
    Id,
    /// `firstNameLowerCase` (also `firstName`)
    FirstName,
    /// `lastNameLowerCase` (also `lastName`)
    LastName,
    /// `contactName`: first and last name together.
    ContactName,
    /// `email`
    Email,
    /// `phone`
    Phone,
    /// `companyName` (also `businessName`)
    CompanyName,
    /// `address`
    Address,
    /// `city`
    City,
    /// `state`
    State,
    /// `country`
    Country,
    /// `postalCode`
    PostalCode,
    /// `website`
    Website,
    /// `source`
    Source,
    /// `timezone`
    Timezone,
    /// `tags`
    Tags,
    /// `type`
    Type,
    /// `dnd`
    Dnd,
    /// `assignedTo`
    AssignedTo,
    /// `dateAdded`
    DateAdded,
    /// `dateUpdated`
    DateUpdated,
    /// `dateOfBirth`
    DateOfBirth,
}

impl SearchField {
    /// Every field with the names a search may use for it.
    pub const NAMES: &[(&'static str, Self)] = &[
        ("id", Self::Id),
        ("firstNameLowerCase", Self::FirstName),
        ("firstName", Self::FirstName),
        ("lastNameLowerCase", Self::LastName),
        ("lastName", Self::LastName),
        ("contactName", Self::ContactName),
        ("email", Self::Email),
        ("phone", Self::Phone),
        ("companyName", Self::CompanyName),
        ("businessName", Self::CompanyName),
        ("address", Self::Address),
        ("city", Self::City),
        ("state", Self::State),
        ("country", Self::Country),
        ("postalCode", Self::PostalCode),
        ("website", Self::Website),
        ("source", Self::Source),
        ("timezone", Self::Timezone),
        ("tags", Self::Tags),
        ("type", Self::Type),
        ("dnd", Self::Dnd),
        ("assignedTo", Self::AssignedTo),
        ("dateAdded", Self::DateAdded),
        ("dateUpdated", Self::DateUpdated),
        ("dateOfBirth", Self::DateOfBirth),
    ];

    /// The fields a search may sort on.
    pub const SORTABLE: &[&'static str] = &[
        "firstNameLowerCase",
        "lastNameLowerCase",
        "businessName",
        "dateAdded",
        "dateUpdated",
        "email",
        "dnd",
        "source",
    ];

    /// The field named `name`.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, field)| *field)
            .ok_or_else(|| format!("{name} is not a field a search can use."))
    }

    /// What its values are.
    pub fn kind(self) -> FieldKind {
        match self {
            Self::Id | Self::AssignedTo => FieldKind::Id,
            Self::Tags => FieldKind::Tags,
            Self::Dnd => FieldKind::Flag,
            Self::DateAdded | Self::DateUpdated | Self::DateOfBirth => FieldKind::Time,
            _ => FieldKind::Text,
        }
    }
}

/// What kind of values a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Text, compared without regard to case.
    Text,
    /// An id.
    Id,
    /// The tag list: `eq` means "has the tag".
    Tags,
    /// True or false.
    Flag,
    /// A point in time (or a date).
    Time,
}

/// A value a condition compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// Text (lower-cased for text fields).
    Text(String),
    /// One of several texts (`eq` with a list: any of them).
    Texts(Vec<String>),
    /// A flag.
    Flag(bool),
    /// A moment.
    Time(DateTime<Utc>),
}

/// Bounds of a `range` condition; at least one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    /// Greater than or equal.
    pub gte: Option<DateTime<Utc>>,
    /// Greater than.
    pub gt: Option<DateTime<Utc>>,
    /// Less than or equal.
    pub lte: Option<DateTime<Utc>>,
    /// Less than.
    pub lt: Option<DateTime<Utc>>,
}

/// How a condition compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// Equal (for tags: has the tag; with a list: any of them).
    Eq(Operand),
    /// Not equal.
    NotEq(Operand),
    /// Contains the text (case-insensitive).
    Contains(String),
    /// Does not contain the text.
    NotContains(String),
    /// Has a value.
    Exists,
    /// Has no value.
    NotExists,
    /// Within bounds (times).
    Range(Range),
}

/// One condition, or a group of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `field operator value`.
    Condition {
        /// The field.
        field: SearchField,
        /// How it compares.
        operator: Operator,
    },
    /// Conditions joined by AND (`any` false) or OR (`any` true).
    Group {
        /// OR instead of AND.
        any: bool,
        /// The members.
        filters: Vec<Filter>,
    },
}

impl Filter {
    /// A condition, if `operator` suits `field`'s kind.
    pub fn condition(field: SearchField, operator: Operator) -> Result<Self, String> {
        let kind = field.kind();
        let fits = match (&operator, kind) {
            (Operator::Exists | Operator::NotExists, _) => true,
            (Operator::Contains(_) | Operator::NotContains(_), FieldKind::Text) => true,
            (Operator::Range(_), FieldKind::Time) => true,
            (Operator::Eq(operand) | Operator::NotEq(operand), kind) => matches!(
                (operand, kind),
                (Operand::Text(_) | Operand::Texts(_), FieldKind::Text | FieldKind::Id | FieldKind::Tags)
                    | (Operand::Flag(_), FieldKind::Flag)
                    | (Operand::Time(_), FieldKind::Time)
            ),
            _ => false,
        };
        if fits {
            Ok(Self::Condition { field, operator })
        } else {
            Err("This operator does not suit the field.".into())
        }
    }

    /// Whether every list of conditions within holds at most [`FILTERS_PER_LIST`].
    fn lists_within_bounds(&self) -> bool {
        match self {
            Self::Condition { .. } => true,
            Self::Group { filters, .. } => {
                filters.len() <= FILTERS_PER_LIST && filters.iter().all(Self::lists_within_bounds)
            }
        }
    }

    /// How deeply its groups nest.
    fn depth(&self) -> usize {
        match self {
            Self::Condition { .. } => 0,
            Self::Group { filters, .. } => 1 + filters.iter().map(Self::depth).max().unwrap_or(0),
        }
    }
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// A search of one location's contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The location.
    pub sub_account_id: SubAccountId,
    /// Conditions, all of which hold.
    pub filters: Vec<Filter>,
    /// Free text over names, email, phone and company (lower-cased).
    pub query: Option<String>,
    /// Sort keys, then newest first.
    pub sort: Vec<(SearchField, Direction)>,
    /// How many to skip.
    pub offset: i64,
    /// How many to return.
    pub limit: i64,
}

impl Search {
    /// A search, checked: page ≥ 1, 1 ≤ page limit ≤ 500, at most 50 conditions per list
    /// with groups nested at most 3 deep, at most 2 sort keys, a query of at most 75
    /// characters. Pages past the first 10,000 results are empty (a search reaches no
    /// further).
    pub fn new(
        sub_account_id: SubAccountId,
        filters: Vec<Filter>,
        query: Option<&str>,
        sort: Vec<(SearchField, Direction)>,
        page: i64,
        page_limit: i64,
    ) -> Result<Self, (&'static str, String)> {
        if !(1..=SEARCH_PAGE_MAX).contains(&page_limit) {
            return Err(("pageLimit", format!("Use 1 to {SEARCH_PAGE_MAX}.")));
        }
        if page < 1 {
            return Err(("page", "Pages start at 1.".into()));
        }
        if filters.len() > FILTERS_PER_LIST || !filters.iter().all(Filter::lists_within_bounds) {
            return Err(("filters", format!("At most {FILTERS_PER_LIST} conditions per list.")));
        }
        if filters.iter().map(Filter::depth).max().unwrap_or(0) > GROUP_DEPTH_MAX {
            return Err(("filters", format!("Groups nest at most {GROUP_DEPTH_MAX} deep.")));
        }
        if sort.len() > 2 {
            return Err(("sort", "At most 2 sort keys.".into()));
        }
        let query = match query.filter(|text| !text.trim().is_empty()) {
            None => None,
            Some(text) => {
                Some(clean_text(text, "The query", QUERY_MAX).map_err(|message| ("query", message))?)
            }
        };
        let offset = (page - 1).saturating_mul(page_limit).min(SEARCH_WINDOW);
        Ok(Self {
            sub_account_id,
            filters,
            query: query.map(|text| text.to_lowercase()),
            sort,
            offset,
            limit: page_limit.min(SEARCH_WINDOW - offset),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_their_digits_and_leading_plus() {
        assert_eq!(parse_phone("+1 (423) 164-4516").as_deref(), Ok("+14231644516"));
        assert_eq!(parse_phone("0612.34.56.78").as_deref(), Ok("0612345678"));
        assert!(parse_phone("123").is_err());
        assert!(parse_phone("+1 555 CALL NOW").is_err());
        assert!(parse_phone("1234567890123456").is_err());
    }

    #[test]
    fn dates_of_birth_come_in_highlevels_formats() {
        let expected = NaiveDate::from_ymd_opt(1990, 9, 25).expect("date");
        for text in [
            "1990-09-25",
            "1990/09/25",
            "09/25/1990",
            "09-25-1990",
            "1990.09.25",
            "09_25_1990",
            "1990-09-25T00:00:00.000Z",
        ] {
            assert_eq!(parse_date_of_birth(text), Ok(expected), "{text}");
        }
        assert!(parse_date_of_birth("25/09/1990").is_err(), "day first is ambiguous and refused");
        assert!(parse_date_of_birth("1990-02-30").is_err(), "not a date");
        assert!(parse_date_of_birth("19900925").is_err());
    }

    #[test]
    fn tags_are_lower_cased_and_kept_once() {
        let tags = parse_tags(&["VIP".into(), " vip ".into(), "New Lead".into()]).expect("valid");
        assert_eq!(tags, ["vip", "new lead"]);
        assert!(parse_tags(&["".into()]).is_err());
        assert!(parse_tags(&(0..101).map(|n| format!("t{n}")).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            parse_timezone("America/Argentina/Buenos_Aires").as_deref(),
            Ok("America/Argentina/Buenos_Aires")
        );
        assert_eq!(parse_timezone("Etc/GMT+5").as_deref(), Ok("Etc/GMT+5"));
        assert!(parse_timezone("America//Chicago").is_err());
        assert!(parse_timezone("<script>").is_err());
    }

    #[test]
    fn a_change_keeps_clears_or_sets_each_field() {
        let fields = ContactFields {
            first_name: Some("Ada".into()),
            city: Some("Paris".into()),
            ..ContactFields::default()
        };
        let change = ContactChange {
            first_name: Change::Set("Grace".into()),
            city: Change::Clear,
            dnd: Some(true),
            ..ContactChange::default()
        };
        let (after, tags) = change.applied(fields, vec!["vip".into()]);
        assert_eq!(after.first_name.as_deref(), Some("Grace"));
        assert_eq!(after.city, None);
        assert!(after.dnd);
        assert_eq!(tags, ["vip"], "tags are kept unless given");
    }

    #[test]
    fn operators_must_suit_their_field() {
        assert!(Filter::condition(SearchField::Email, Operator::Contains("acme".into())).is_ok());
        assert!(Filter::condition(SearchField::Dnd, Operator::Contains("x".into())).is_err());
        assert!(Filter::condition(SearchField::DateAdded, Operator::Range(Range::default())).is_ok());
        assert!(Filter::condition(SearchField::Tags, Operator::Eq(Operand::Flag(true))).is_err());
    }

    #[test]
    fn searches_are_bounded() {
        let sub = SubAccountId(uuid::Uuid::nil());
        assert_eq!(Search::new(sub, vec![], None, vec![], 2, 20).map(|search| search.offset), Ok(20));
        assert!(Search::new(sub, vec![], None, vec![], 1, 500).is_ok());
        assert_eq!(Search::new(sub, vec![], None, vec![], 1, 501).map(|_| ()).unwrap_err().0, "pageLimit");
        assert_eq!(Search::new(sub, vec![], None, vec![], 0, 20).map(|_| ()).unwrap_err().0, "page");
        let past = Search::new(sub, vec![], None, vec![], 21, 500).expect("a page past the window");
        assert_eq!((past.offset, past.limit), (10_000, 0), "empty: a search reaches the first 10,000");
        let edge = Search::new(sub, vec![], None, vec![], 34, 300).expect("a page across the edge");
        assert_eq!((edge.offset, edge.limit), (9_900, 100));
        let mut nested = Filter::condition(SearchField::Email, Operator::Exists).expect("condition");
        for _ in 0..4 {
            nested = Filter::Group { any: true, filters: vec![nested] };
        }
        assert_eq!(Search::new(sub, vec![nested], None, vec![], 1, 20).map(|_| ()).unwrap_err().0, "filters");
        let sort = vec![(SearchField::Email, Direction::Asc); 3];
        assert_eq!(Search::new(sub, vec![], None, sort, 1, 20).map(|_| ()).unwrap_err().0, "sort");
    }
}

//! What every resource's wire format shares: fields that may be absent, `null` or set;
//! field errors named as HighLevel names the field; ids in paths; acknowledgements; and
//! the OpenAPI schemas of constrained strings, built from the domain's own limits so that
//! the document and the checks cannot disagree.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

use super::ApiError;
use crate::domain::contacts::{Change, NAME_MAX, TAG_MAX, TAGS_MAX, TEXT_MAX};

/// A field of a write: absent (left as it is), `null` or `""` (cleared), or a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not in the body.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A value.
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(|value| value.map_or(Self::Null, Self::Value))
    }
}

impl<T> Patch<T> {
    /// Whether the body mentions the field.
    pub fn is_given(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

impl Patch<String> {
    /// The change it asks for, the value parsed; `""` clears like `null`.
    pub fn parse<T>(
        self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Change<T>, ApiError> {
        match self {
            Self::Absent => Ok(Change::Keep),
            Self::Null => Ok(Change::Clear),
            Self::Value(text) if text.trim().is_empty() => Ok(Change::Clear),
            Self::Value(text) => parse(&text).map(Change::Set).map_err(|message| invalid(field, message)),
        }
    }

    /// The value when it is required.
    pub fn required(self, field: &'static str) -> Result<String, ApiError> {
        match self {
            Self::Value(text) if !text.trim().is_empty() => Ok(text),
            _ => Err(invalid(field, "This field is required.")),
        }
    }
}

/// 422 naming the field: `field: message`.
pub fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("{field}: {message}"))
}

/// An id in a path or a body: one that does not parse names nothing (404).
pub fn id<T: std::str::FromStr>(text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| ApiError::NOT_FOUND)
}

/// `{"succeded": true, "succeeded": true}`: HighLevel's spelling, and the right one.
#[derive(Serialize, ToSchema)]
pub struct Acknowledged {
    /// Always true (HighLevel's spelling).
    pub succeded: bool,
    /// Always true.
    pub succeeded: bool,
}

impl Acknowledged {
    /// The acknowledgement.
    pub const YES: Self = Self { succeded: true, succeeded: true };
}

/// `{"succeded": true, "message": "…"}`.
#[derive(Serialize, ToSchema)]
pub struct AcknowledgedWithMessage {
    /// Always true (HighLevel's spelling).
    pub succeded: bool,
    /// Always true.
    pub succeeded: bool,
    /// What happened.
    pub message: String,
}

// ---------------------------------------------------------------------------------------
// Schemas of constrained values (used with `#[schema(schema_with = …)]`).

fn string(min: Option<usize>, max: Option<usize>, nullable: bool) -> ObjectBuilder {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(kind).min_length(min).max_length(max)
}

/// A required display name: 1–100 characters.
pub fn display_name() -> ObjectBuilder {
    string(Some(1), Some(crate::domain::people::DisplayName::MAX), false)
}

/// An optional name part: up to 100 characters.
pub fn name_part() -> ObjectBuilder {
    string(None, Some(NAME_MAX), true)
}

/// An optional free text: up to 255 characters.
pub fn text() -> ObjectBuilder {
    string(None, Some(TEXT_MAX), true)
}

/// An optional email.
pub fn email() -> ObjectBuilder {
    string(None, Some(TEXT_MAX), true).format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
}

/// A required email.
pub fn required_email() -> ObjectBuilder {
    string(Some(3), Some(TEXT_MAX), false).format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
}

/// An optional phone: digits with an optional leading `+` (separators allowed).
pub fn phone() -> ObjectBuilder {
    string(None, Some(32), true).pattern(Some(r"^\+?[0-9 ().-]*$"))
}

/// An optional IANA time zone.
pub fn timezone() -> ObjectBuilder {
    string(None, Some(64), true).pattern(Some(r"^([A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*)?$"))
}

/// An optional id.
pub fn optional_uuid() -> ObjectBuilder {
    string(None, None, true).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
}

/// A list of tags: each 1–64 characters, at most 100.
pub fn tags() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(RefOr::T(Schema::Object(string(Some(1), Some(TAG_MAX), false).build())))
        .max_items(Some(TAGS_MAX))
}

/// A list of ids.
pub fn uuids() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new().items(RefOr::T(Schema::Object(
        string(None, None, false).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))).build(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        city: Patch<String>,
    }

    #[test]
    fn a_field_is_absent_null_or_set() {
        let read = |json: &str| serde_json::from_str::<Body>(json).expect("json").city;
        assert_eq!(read("{}"), Patch::Absent);
        assert_eq!(read(r#"{"city":null}"#), Patch::Null);
        assert_eq!(read(r#"{"city":"Paris"}"#), Patch::Value("Paris".to_owned()));
        let parse = |patch: Patch<String>| patch.parse("city", |text| Ok::<_, String>(text.to_owned()));
        assert_eq!(parse(Patch::Value(" ".into())).ok(), Some(Change::Clear), "blank clears");
        assert_eq!(parse(Patch::Absent).ok(), Some(Change::Keep));
    }
}

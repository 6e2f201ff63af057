//! What every resource's wire format shares: fields that may be absent, `null` or set;
//! field errors named as HighLevel names the field; ids in paths; acknowledgements; and
//! the OpenAPI schemas of constrained strings, built from the domain's own limits so that
//! the document and the checks cannot disagree.

use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

use super::ApiError;
use crate::domain::contacts::{Change, NAME_MAX, TAG_MAX, TAGS_MAX, TEXT_MAX};
use crate::web::pages::write_decimal;

/// A JSON body, read as `application/json` (at most [`crate::config::BODY_LIMIT`]); a
/// body that does not fit its type is refused with 422 naming where:
/// `locationId: This field is required.`, or `The JSON body is invalid: type: unknown
/// variant …`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage as _;
        let is_json = req.mime_type().ok().flatten().is_some_and(|mime| {
            mime.type_() == actix_web::mime::APPLICATION
                && (mime.subtype() == actix_web::mime::JSON || mime.suffix() == Some(actix_web::mime::JSON))
        });
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|_| ApiError::TOO_LARGE)?;
            if body.len() > crate::config::BODY_LIMIT {
                return Err(ApiError::TOO_LARGE.into());
            }
            if !is_json {
                return Err(
                    ApiError::invalid("The JSON body is invalid: send it as application/json.").into()
                );
            }
            let deserializer = &mut serde_json::Deserializer::from_slice(&body);
            serde_path_to_error::deserialize(deserializer)
                .map(Json)
                .map_err(|error| json_error(&error).into())
        })
    }
}

/// What to say of a body that does not fit: the field path, and serde's reason without
/// its line and column.
fn json_error(error: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.inner();
    let reason = inner.to_string();
    let reason = reason.split(" at line ").next().unwrap_or(&reason).to_owned();
    if let Some(field) = reason.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')) {
        let at = if path == "." { field.to_owned() } else { format!("{path}.{field}") };
        return invalid(&at, "This field is required.");
    }
    if inner.is_data() && path != "." {
        return ApiError::invalid(format!("The JSON body is invalid: {path}: {reason}"));
    }
    ApiError::invalid(format!("The JSON body is invalid: {reason}"))
}

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
    /// The change it asks for, the value parsed; `""` clears like `null` (spaces alone are
    /// parsed, and refused where a value must say something).
    pub fn parse<T>(
        self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Change<T>, ApiError> {
        match self {
            Self::Absent => Ok(Change::Keep),
            Self::Null => Ok(Change::Clear),
            Self::Value(text) if text.is_empty() => Ok(Change::Clear),
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

/// `HttpResponseBuilder::json` as the API answers: serde_json writes into a buffer that fits
/// most answers whole (actix's starts at 128 bytes and grows it, copying, twice for a
/// token's information), under a ready-made `Content-Type` (actix's turns a `Mime` into a
/// header value, checking it, on every answer).
pub trait JsonBody {
    /// The response, with `value` as its JSON body (a 500 if it cannot be serialized).
    fn json_body(&mut self, value: impl Serialize) -> HttpResponse;
}

impl JsonBody for HttpResponseBuilder {
    fn json_body(&mut self, value: impl Serialize) -> HttpResponse {
        let mut body = Vec::with_capacity(1024);
        match serde_json::to_writer(&mut body, &value) {
            Ok(()) => {
                self.insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json"))).body(body)
            }
            Err(error) => {
                tracing::error!(%error, "an API answer could not be serialized");
                actix_web::ResponseError::error_response(&ApiError::INTERNAL)
            }
        }
    }
}

/// A JSON answer written by hand, byte for byte as serde_json writes the same value (the
/// tests hold them equal), for the answer every integration calls first
/// (`GET /v2/oauth/token-info`): keys are literals written whole, ids and times need no
/// escaping, and text is copied as it is unless a byte of it must be escaped. serde_json
/// escapes every key and value a byte at a time through its serializer's state (a token's
/// information cost about 1,800 instructions more that way, a thirtieth of the call).
#[derive(Debug, Default)]
pub struct JsonText(Vec<u8>);

impl JsonText {
    /// An empty answer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    /// JSON the caller wrote: punctuation and keys (`{"name":`).
    pub fn raw(&mut self, json: &str) -> &mut Self {
        self.0.extend_from_slice(json.as_bytes());
        self
    }

    /// `text` as a JSON string, escaped as serde_json escapes it: `"`, `\` and the control
    /// characters below U+0020 (with their short forms where JSON has one), nothing else.
    pub fn string(&mut self, text: &str) -> &mut Self {
        let bytes = text.as_bytes();
        self.0.reserve(bytes.len() + 2);
        self.0.push(b'"');
        let mut start = 0;
        for (index, &byte) in bytes.iter().enumerate() {
            let short: &[u8] = match byte {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0x00..0x20 => b"",
                _ => continue,
            };
            self.0.extend_from_slice(&bytes[start..index]);
            if short.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let (high, low) = (HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]);
                self.0.extend_from_slice(&[b'\\', b'u', b'0', b'0', high, low]);
            } else {
                self.0.extend_from_slice(short);
            }
            start = index + 1;
        }
        self.0.extend_from_slice(&bytes[start..]);
        self.0.push(b'"');
        self
    }

    /// An id, hyphenated in lower case, as uuid's `Serialize` writes it.
    pub fn uuid(&mut self, id: uuid::Uuid) -> &mut Self {
        let mut buffer = uuid::Uuid::encode_buffer();
        let text = id.hyphenated().encode_lower(&mut buffer);
        self.0.push(b'"');
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(b'"');
        self
    }

    /// A time, as [`time`] writes it.
    pub fn time(&mut self, at: &DateTime<Utc>) -> &mut Self {
        let mut buffer = [0; 30];
        let text = match rfc3339(at, &mut buffer) {
            Some(text) => std::borrow::Cow::Borrowed(text),
            // What chrono's `Serialize` writes: digits and `-+:.TZ`, nothing to escape.
            None => std::borrow::Cow::Owned(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        };
        self.0.push(b'"');
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(b'"');
        self
    }

    /// A time, or `null`.
    pub fn optional_time(&mut self, at: Option<&DateTime<Utc>>) -> &mut Self {
        match at {
            Some(at) => self.time(at),
            None => self.raw("null"),
        }
    }

    /// The answer, under `Content-Type: application/json`.
    pub fn respond(self, response: &mut HttpResponseBuilder) -> HttpResponse {
        response.insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json"))).body(self.0)
    }

    /// The bytes written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A time as chrono's `Serialize` writes it (RFC 3339 in UTC with `Z`, the fraction in 0, 3,
/// 6 or 9 digits as it needs), for `#[serde(serialize_with = "wire::time")]`. Written digit
/// by digit into one string: chrono's goes through `fmt`, and serde_json escapes each piece
/// `fmt` hands it (about 2,500 instructions a time, against 850 here). Years outside 0–9999
/// and leap seconds are left to chrono.
pub fn time<S: serde::Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0; 30];
    match rfc3339(at, &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        None => at.serialize(serializer),
    }
}

/// [`time`], or `null`.
pub fn optional_time<S: serde::Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => time(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// `at` written into `buffer` as chrono writes it, unless its year or second is one chrono
/// writes otherwise.
fn rfc3339<'a>(at: &DateTime<Utc>, buffer: &'a mut [u8; 30]) -> Option<&'a str> {
    let year = u32::try_from(at.year()).ok().filter(|year| *year <= 9999)?;
    let nanos = at.nanosecond();
    let (fraction, digits) = match nanos {
        1_000_000_000.. => return None,
        0 => (0, 0),
        _ if nanos.is_multiple_of(1_000_000) => (nanos / 1_000_000, 3),
        _ if nanos.is_multiple_of(1_000) => (nanos / 1_000, 6),
        _ => (nanos, 9),
    };
    let mut end = 0;
    let mut put = |number: u32, width: usize, then: Option<u8>| {
        write_decimal(&mut buffer[end..end + width], number);
        end += width;
        if let Some(separator) = then {
            buffer[end] = separator;
            end += 1;
        }
    };
    put(year, 4, Some(b'-'));
    put(at.month(), 2, Some(b'-'));
    put(at.day(), 2, Some(b'T'));
    put(at.hour(), 2, Some(b':'));
    put(at.minute(), 2, Some(b':'));
    put(at.second(), 2, (digits > 0).then_some(b'.'));
    put(fraction, digits, Some(b'Z'));
    std::str::from_utf8(&buffer[..end]).ok()
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
// Schemas of constrained values (used with `#[schema(schema_with = …)]`), built from the
// domain's own rules so that the document and the checks say the same.

/// How many rows a list may skip.
pub const SKIP_MAX: u32 = 1_000_000;

/// A character class of `ranges` for a regular expression.
fn class(ranges: &[(char, char)]) -> String {
    ranges
        .iter()
        .map(|(first, last)| if first == last { first.to_string() } else { format!("{first}-{last}") })
        .collect()
}

/// The pattern of text `domain::people::clean_text` accepts: not blank, no control
/// character, no invisible formatting character, no more than two accents stacked on a
/// letter; unless `required`, also `""` (which clears an optional field).
pub fn clean_text_pattern(required: bool) -> String {
    use crate::domain::people::{DIACRITICS, FORMAT_CHARS, MAX_STACKED_MARKS};
    let forbidden = format!(r"\x00-\x1F\x7F-\x9F{}", class(FORMAT_CHARS));
    let stacked = format!("(?!.*[{}]{{{}}})", class(DIACRITICS), MAX_STACKED_MARKS + 1);
    let text = format!(r"^(?=.*\S){stacked}[^{forbidden}]*$");
    if required { text } else { format!("^$|{text}") }
}

/// The pattern of an email `domain::people::Email` accepts (blank allowed when optional).
pub fn email_pattern(required: bool) -> String {
    use crate::domain::people::FORMAT_CHARS;
    let plain = format!(r"[^\s@\x00-\x1F\x7F-\x9F{}]", class(FORMAT_CHARS));
    let no_dot = format!(r"[^\s@.\x00-\x1F\x7F-\x9F{}]", class(FORMAT_CHARS));
    let address = format!(r"{plain}+@{no_dot}{plain}*\.{plain}*{no_dot}");
    if required { format!(r"^\s*{address}\s*$") } else { format!(r"^$|^\s*{address}\s*$") }
}

/// The pattern of a phone `domain::contacts::parse_phone` accepts (or blank).
pub const PHONE_PATTERN: &str = r"^$|^\s*\+?[ ().-]*([0-9][ ().-]*){7,15}\s*$";

/// The pattern of a time zone `domain::contacts::parse_timezone` accepts (or blank).
pub const TIMEZONE_PATTERN: &str = r"^$|^\s*[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*\s*$";

fn string(min: Option<usize>, max: Option<usize>, nullable: bool) -> ObjectBuilder {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(kind).min_length(min).max_length(max)
}

/// A display name, required and not blank: at most 100 characters.
pub fn display_name() -> ObjectBuilder {
    string(Some(1), Some(crate::domain::people::DisplayName::MAX), false)
        .pattern(Some(clean_text_pattern(true)))
}

/// A required name part (a user's first or last name): not blank, at most 100 characters.
pub fn required_name_part() -> ObjectBuilder {
    string(Some(1), Some(NAME_MAX), false).pattern(Some(clean_text_pattern(true)))
}

/// An optional name part: at most 100 characters; `null` or blank clears it.
pub fn name_part() -> ObjectBuilder {
    string(None, Some(NAME_MAX), true).pattern(Some(clean_text_pattern(false)))
}

/// An optional free text: at most 255 characters; `null` or blank clears it.
pub fn text() -> ObjectBuilder {
    string(None, Some(TEXT_MAX), true).pattern(Some(clean_text_pattern(false)))
}

/// An optional email; `null` or blank clears it.
pub fn email() -> ObjectBuilder {
    string(None, Some(crate::domain::people::Email::MAX), true).pattern(Some(email_pattern(false)))
}

/// A required email.
pub fn required_email() -> ObjectBuilder {
    string(Some(3), Some(crate::domain::people::Email::MAX), false).pattern(Some(email_pattern(true)))
}

/// An optional phone: digits with an optional leading `+` (spaces, dots, dashes and
/// parentheses allowed), 7 to 15 digits; `null` or blank clears it.
pub fn phone() -> ObjectBuilder {
    string(None, Some(crate::domain::contacts::PHONE_MAX), true).pattern(Some(PHONE_PATTERN))
}

/// An optional IANA time zone; `null` or blank clears it.
pub fn timezone() -> ObjectBuilder {
    string(None, Some(crate::domain::contacts::TIMEZONE_MAX), true).pattern(Some(TIMEZONE_PATTERN))
}

/// An optional date of birth; `null` or blank clears it.
pub fn date_of_birth() -> ObjectBuilder {
    let pattern = format!("^$|{}", crate::domain::contacts::DATE_OF_BIRTH_PATTERN);
    string(None, Some(crate::domain::contacts::DATE_OF_BIRTH_MAX), true).pattern(Some(pattern))
}

/// An id in its usual form.
pub const UUID_PATTERN: &str =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

/// An optional id to set; `null` or `""` clears it.
pub fn optional_uuid() -> ObjectBuilder {
    string(None, Some(36), true).pattern(Some(format!("^$|{UUID_PATTERN}")))
}

/// A required id (a pattern rather than a format, which every generator honours).
pub fn uuid() -> ObjectBuilder {
    string(Some(36), Some(36), false).pattern(Some(UUID_PATTERN))
}

/// The schema of a required id in a query string, as a type: utoipa marks a parameter
/// required from its type, and ignores `required` beside `schema_with`.
pub struct RequiredUuid;

impl utoipa::PartialSchema for RequiredUuid {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(uuid().build()))
    }
}

impl ToSchema for RequiredUuid {}

/// An optional id, `null` allowed.
pub fn nullable_uuid() -> ObjectBuilder {
    string(Some(36), Some(36), true).pattern(Some(UUID_PATTERN))
}

/// A value that must be absent or `null` (a field this server does not keep).
pub fn only_null() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null))
}

/// One tag: not blank, at most 64 characters.
pub fn tag() -> ObjectBuilder {
    string(Some(1), Some(TAG_MAX), false).pattern(Some(clean_text_pattern(true)))
}

/// A list of tags (`null` clears them): at most 100.
pub fn tags() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(RefOr::T(Schema::Object(tag().build())))
        .max_items(Some(TAGS_MAX))
}

/// A list of 1 to 100 tags to add or remove.
pub fn some_tags() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(RefOr::T(Schema::Object(tag().build())))
        .min_items(Some(1))
        .max_items(Some(TAGS_MAX))
}

/// A list of tags as an answer.
pub fn tag_list() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(RefOr::T(Schema::Object(string(None, None, false).build())))
}

/// A list of ids.
pub fn uuids() -> utoipa::openapi::schema::ArrayBuilder {
    utoipa::openapi::schema::ArrayBuilder::new().items(RefOr::T(Schema::Object(uuid().build())))
}

/// A list of ids, or `null`.
pub fn nullable_uuids() -> utoipa::openapi::schema::ArrayBuilder {
    uuids().schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
}

/// A whole number from a JSON body within `min..=max`: an integer, or a number without a
/// fraction (`1.0`, which JSON Schema counts as an integer).
pub fn whole_number(
    value: Option<&serde_json::Value>,
    field: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ApiError> {
    let wrong = || invalid(field, format!("Use a whole number from {min} to {max}."));
    let number = match value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(number)) => number
            .as_i64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|float| float.fract() == 0.0 && float.abs() < 1e15)
                    .map(|float| float as i64)
            })
            .ok_or_else(wrong)?,
        Some(_) => return Err(wrong()),
    };
    if (min..=max).contains(&number) { Ok(Some(number)) } else { Err(wrong()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        city: Patch<String>,
    }

    #[tokio::test]
    async fn a_json_body_is_the_value_under_its_content_type_or_a_500() {
        let response = HttpResponse::Created().json_body(Acknowledged::YES);
        assert_eq!(response.status(), actix_web::http::StatusCode::CREATED);
        assert_eq!(
            response.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()),
            Some("application/json")
        );
        let body = actix_web::body::to_bytes(response.into_body()).await.expect("body");
        assert_eq!(&body[..], br#"{"succeded":true,"succeeded":true}"#);

        // JSON has no object keys that are not strings.
        let unserializable: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let response = HttpResponse::Ok().json_body(unserializable);
        assert_eq!(response.status(), actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::body::to_bytes(response.into_body()).await.expect("body");
        assert_eq!(&body[..], br#"{"statusCode":500,"message":"Internal server error"}"#);
    }

    #[derive(Serialize)]
    struct Times {
        #[serde(serialize_with = "time")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "optional_time")]
        until: Option<DateTime<Utc>>,
    }

    #[test]
    fn times_are_written_as_chrono_writes_them() {
        use chrono::TimeZone as _;
        let second = |year, month, day, hour, minute, second| {
            Utc.with_ymd_and_hms(year, month, day, hour, minute, second).single().expect("a time")
        };
        let mut times = vec![
            second(2026, 12, 1, 6, 0, 0),
            second(1970, 1, 1, 0, 0, 0),
            second(0, 1, 1, 0, 0, 0),
            second(9999, 12, 31, 23, 59, 59),
            second(10_000, 1, 1, 0, 0, 0),
            second(-1, 6, 15, 12, 30, 5),
        ];
        // A leap second, which chrono writes as :60.
        if let Some(leap) = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|date| date.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
        {
            times.push(leap.and_utc());
        }
        let base = second(2024, 2, 29, 13, 7, 9);
        for nanos in
            [1, 9, 10, 999, 1_000, 120_000, 123_456_000, 1_000_000, 7_000_000, 999_000_000, 999_999_999]
        {
            times.push(base + chrono::Duration::nanoseconds(nanos));
        }
        for at in times {
            let ours = serde_json::to_string(&Times { at, until: Some(at) }).expect("json");
            let chronos = serde_json::json!({ "at": at, "until": at }).to_string();
            assert_eq!(ours, chronos);
        }
        let none = serde_json::to_string(&Times { at: base, until: None }).expect("json");
        assert_eq!(none, r#"{"at":"2024-02-29T13:07:09Z","until":null}"#);
    }

    #[test]
    fn a_field_is_absent_null_or_set() {
        let read = |json: &str| serde_json::from_str::<Body>(json).expect("json").city;
        assert_eq!(read("{}"), Patch::Absent);
        assert_eq!(read(r#"{"city":null}"#), Patch::Null);
        assert_eq!(read(r#"{"city":"Paris"}"#), Patch::Value("Paris".to_owned()));
        let parse = |patch: Patch<String>| patch.parse("city", |text| Ok::<_, String>(text.to_owned()));
        assert_eq!(parse(Patch::Value("".into())).ok(), Some(Change::Clear), "empty clears");
        assert_eq!(
            parse(Patch::Value(" ".into())).ok(),
            Some(Change::Set(" ".to_owned())),
            "spaces are parsed"
        );
        assert_eq!(parse(Patch::Absent).ok(), Some(Change::Keep));
    }
}

//! Form plumbing shared by every page with a form.

/// Validation messages keyed by form field, shown under each field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// Records the outcome of parsing one field, returning the value if it parsed.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// Adds a message for a field (the first one per field is shown).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| *name == field).map(|(_, message)| message.as_str())
    }

    /// Whether there is no message at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have a message.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// A form body parsed with `serde_html_form`, which (unlike `web::Form`) reads repeated
/// keys such as `scopes=a&scopes=b` into a `Vec`. A body that is not labelled as a form is
/// a 415; one whose fields do not decode to UTF-8 (which would be stored with
/// replacement characters) or that does not parse is a 400.
pub struct HtmlForm<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for HtmlForm<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        use actix_web::HttpMessage as _;
        let labelled = req.content_type().eq_ignore_ascii_case("application/x-www-form-urlencoded");
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !labelled {
                return Err(actix_web::error::ErrorUnsupportedMediaType("a form body is expected"));
            }
            let body = body.await?;
            if !decodes_to_utf8(&body) {
                return Err(actix_web::error::ErrorBadRequest("a form field is not UTF-8"));
            }
            serde_html_form::from_bytes(&body).map(HtmlForm).map_err(actix_web::error::ErrorBadRequest)
        })
    }
}

impl<T> HtmlForm<T> {
    /// The parsed form.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for HtmlForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whether every key and value of a URL-encoded body is UTF-8 once percent-decoded.
fn decodes_to_utf8(body: &[u8]) -> bool {
    body.split(|byte| matches!(byte, b'&' | b'='))
        .all(|part| std::str::from_utf8(&percent_decoded(part)).is_ok())
}

/// `part` with its `%XX` escapes decoded (a `%` without two hex digits stays as it is).
fn percent_decoded(part: &[u8]) -> Vec<u8> {
    let hex = |byte: u8| char::from(byte).to_digit(16).and_then(|digit| u8::try_from(digit).ok());
    let mut decoded = Vec::with_capacity(part.len());
    let mut index = 0;
    while index < part.len() {
        let escaped = (part[index] == b'%')
            .then(|| Some((hex(*part.get(index + 1)?)?, hex(*part.get(index + 2)?)?)))
            .flatten();
        match escaped {
            Some((high, low)) => {
                decoded.push(high << 4 | low);
                index += 3;
            }
            None => {
                decoded.push(part[index]);
                index += 1;
            }
        }
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::decodes_to_utf8;

    #[test]
    fn fields_must_decode_to_utf8() {
        assert!(decodes_to_utf8(b"name=Caf%C3%A9&description=&scopes=a&scopes=b"));
        assert!(decodes_to_utf8(b"name=100%+sure&x=%zz"));
        assert!(!decodes_to_utf8(b"name=Caf%E9"));
        assert!(!decodes_to_utf8(b"name=Caf\xE9"));
        assert!(!decodes_to_utf8(b"na%FFme=x"));
    }
}

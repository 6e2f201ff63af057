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
/// keys such as `scopes=a&scopes=b` into a `Vec`. A malformed body is a 400.
pub struct HtmlForm<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for HtmlForm<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await?;
            serde_html_form::from_bytes(&body).map(HtmlForm).map_err(actix_web::error::ErrorBadRequest)
        })
    }
}

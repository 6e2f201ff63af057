//! Structured logging with `tracing`. Log lines never carry secrets: tokens, passwords,
//! session keys and setup links are kept out of every `instrument` and event.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;
use tracing::field::{Field, Visit};
use tracing::span::Record;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::{RecordFields, VisitOutput as _};
use tracing_subscriber::fmt::format::{DefaultFields, DefaultVisitor, Writer};
use tracing_subscriber::fmt::{FormatFields, FormattedFields};

/// Whether `LOG_FORMAT=json` asks for one JSON object per line on stderr (then nothing
/// else may be written there).
pub fn json_logs() -> bool {
    std::env::var("LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"))
}

/// Installs the global subscriber on stderr, filtered by `RUST_LOG` (default `info`):
/// human-readable lines, or with `LOG_FORMAT=json` one JSON object per line (for a log
/// shipper; field values are escaped, so nothing logged can forge a line). Calling it
/// twice is harmless.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,diesel_migrations=warn"));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = if json_logs() {
        builder.json().with_current_span(true).with_span_list(false).try_init()
    } else {
        builder
            .fmt_fields(PlainFields)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}

/// Fields as `tracing_subscriber`'s `DefaultFields` writes them (`name=value`, the message
/// bare), with the plain ones written straight into the line when it has no colours. The
/// subscriber formats a span's fields when they are recorded, not when a line is written:
/// every API call records its `client` and `integration`, and `DefaultFields` wraps each
/// name and `=` in a terminal style even without colours, which made those records cost
/// more than verifying the token. The message, raw identifiers (`r#`), errors and `log.`
/// metadata are still `DefaultFields`' (it escapes terminal controls in messages); a
/// terminal's coloured lines are all its own.
struct PlainFields;

impl<'writer> FormatFields<'writer> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        if writer.has_ansi_escapes() {
            return DefaultFields::new().format_fields(writer, fields);
        }
        let mut visitor = PlainVisitor { writer, is_empty: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result
    }

    /// As `FormatFields` adds them, after room is made for the fields a request's span is
    /// given once it started (its `client`, and its `integration` or `user`: about 60 bytes)
    /// in one step, where the text would otherwise grow, copied, for each.
    fn add_fields(&self, current: &'writer mut FormattedFields<Self>, fields: &Record<'_>) -> fmt::Result {
        const ROOM: usize = 128;
        if current.fields.capacity() < ROOM {
            current.fields.reserve(ROOM - current.fields.len());
        }
        if !current.fields.is_empty() {
            current.fields.push(' ');
        }
        self.format_fields(current.as_writer(), fields)
    }
}

struct PlainVisitor<'writer> {
    writer: Writer<'writer>,
    is_empty: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// Leaves the field to `DefaultFields`' visitor, on the same line.
    fn by_default(&mut self, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
        record(&mut visitor);
        // It writes nothing for `log.` fields, and a separator before anything else.
        self.result = self.result.and(visitor.finish());
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.by_default(|visitor| visitor.record_str(field, value));
            self.is_empty = false;
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.by_default(|visitor| visitor.record_error(field, value));
        self.is_empty = false;
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if name == "message" || name.starts_with("r#") || name.starts_with("log.") {
            self.by_default(|visitor| visitor.record_debug(field, value));
            self.is_empty &= name.starts_with("log.");
            return;
        }
        if self.result.is_err() {
            return;
        }
        let separator = if std::mem::replace(&mut self.is_empty, false) { "" } else { " " };
        self.result = self
            .writer
            .write_str(separator)
            .and_then(|()| self.writer.write_str(name))
            .and_then(|()| self.writer.write_char('='))
            .and_then(|()| write!(self.writer, "{value:?}"));
    }
}

/// The response header that names a request's id, for matching a report with the logs.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Runs each request in a span carrying a fresh request id (so every log line of the
/// request, handlers and use cases included, names it), and logs one line per request:
/// method, the matched route *pattern* (never the concrete path, which may carry a
/// one-time setup token), status and duration.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = RequestId::next();
    let method = req.method().clone();
    // Finding the pattern walks the routes again (a regular expression per `{segment}`):
    // only when the line is written. The API's member paths are not in that walk: they
    // name their pattern on the request (`RoutePattern`), read once answered.
    let route = tracing::enabled!(tracing::Level::INFO).then(|| req.match_pattern());
    let app = req.app_data::<actix_web::web::Data<crate::app::App>>().cloned();
    // The API fills in `integration` and `client` once it knows them (see `api::auth`),
    // the dashboard `user` and `client` (see `web::current`).
    // At ERROR level, the span is on whatever `RUST_LOG` keeps, so that a warning names
    // its request even when info lines are filtered out.
    let span = tracing::error_span!(
        "request",
        id = id.as_str(),
        integration = tracing::field::Empty,
        user = tracing::field::Empty,
        client = tracing::field::Empty
    );
    let outcome = next.call(req).instrument(span.clone()).await;
    let status = match &outcome {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if let Some(app) = &app {
        app.metrics.response(status);
    }
    if let Some(route) = route {
        let named = || {
            let request = outcome.as_ref().ok()?.request();
            request.app_data::<RoutePattern>().map(|pattern| pattern.0.to_string())
        };
        let route = route.or_else(named).unwrap_or_else(|| "(unmatched)".to_owned());
        span.in_scope(|| tracing::info!(%method, route, status, micros, "request"));
    }
    outcome.map(|mut response| {
        if let Ok(value) = HeaderValue::from_str(id.as_str()) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        response
    })
}

/// The route pattern a request's log line names, set as data on the requests of a route
/// the router does not match itself (the API's member paths, `api::members`).
#[derive(Debug)]
pub struct RoutePattern(pub Box<str>);

/// A request's id: 16 hex digits, unique within the process and unrelated from one request
/// to the next. It is not a secret, so it needs no system call per request: SplitMix64's
/// output function (a bijection of 64-bit numbers) over a counter that starts at a random
/// point, so that ids neither repeat nor tell how many requests were served, and two
/// instances' ids collide only by chance.
struct RequestId([u8; 16]);

impl RequestId {
    fn next() -> Self {
        static START: std::sync::LazyLock<u64> =
            std::sync::LazyLock::new(|| u64::from_le_bytes(crate::app::random::bytes::<8>()));
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut mixed = START.wrapping_add(count.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^= mixed >> 31;
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0; 16];
        for (index, digit) in text.iter_mut().enumerate() {
            *digit = DIGITS[usize::try_from((mixed >> (60 - 4 * index)) & 0xf).unwrap_or(0)];
        }
        Self(text)
    }

    fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex, PoisonError};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::format::DefaultFields;

    use super::{PlainFields, RequestId};

    /// Lines written into memory.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Self;

        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    /// What a request's life logs, with every kind of field, written with `fields`.
    fn logged<F>(fields: F) -> String
    where
        F: for<'writer> tracing_subscriber::fmt::FormatFields<'writer> + Send + Sync + 'static,
    {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(lines.clone())
            .with_ansi(false)
            .without_time()
            .fmt_fields(fields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::error_span!(
                "request",
                id = "0123abcd",
                integration = tracing::field::Empty,
                client = tracing::field::Empty
            );
            span.record("client", tracing::field::display("203.0.113.9"));
            span.record("integration", tracing::field::display(uuid::Uuid::from_u128(7)));
            span.in_scope(|| {
                let error = std::io::Error::other("disk \u{1b}[31mfull");
                tracing::warn!(
                    r#type = "odd",
                    count = 3_u64,
                    ok = true,
                    ratio = 0.5,
                    quoted = "a \"b\"",
                    "refused: {}",
                    "why \u{1b}[2J"
                );
                tracing::error!(error = &error as &dyn std::error::Error, ?error, "failed");
                tracing::info!(route = "/v2/locations/{locationId}", status = 200_u16, "request");
            });
        });
        String::from_utf8(lines.0.lock().unwrap_or_else(PoisonError::into_inner).clone()).expect("utf-8")
    }

    #[test]
    fn plain_fields_write_what_the_default_fields_write() {
        let plain = logged(PlainFields);
        assert_eq!(plain, logged(DefaultFields::new()));
        assert!(
            plain.contains(
                "request{id=\"0123abcd\" client=203.0.113.9 integration=00000000-0000-0000-0000-000000000007}"
            ),
            "{plain}"
        );
        assert!(plain.contains("type=\"odd\" count=3"), "{plain}");
        assert!(plain.contains("route=\"/v2/locations/{locationId}\" status=200"), "{plain}");
    }

    #[test]
    fn request_ids_are_hex_and_do_not_repeat() {
        let ids: HashSet<String> = (0..10_000).map(|_| RequestId::next().as_str().to_owned()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.len() == 16 && id.bytes().all(|byte| byte.is_ascii_hexdigit())));
    }
}

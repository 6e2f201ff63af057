//! Rendering pages, and the error pages every failure ends on.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use askama::Template;

use super::error::{WebError, WebResult};

/// Renders a template as a 200 HTML page.
pub fn render(template: &impl Template) -> WebResult<HttpResponse> {
    render_with_status(StatusCode::OK, template)
}

/// Renders a template with the given status (a form with errors is 422, say). Pages show
/// people, tokens' hints and history: no cache keeps them (`no-store`).
pub fn render_with_status(status: StatusCode, template: &impl Template) -> WebResult<HttpResponse> {
    let html = template.render().map_err(WebError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(CacheControl(vec![CacheDirective::NoStore, CacheDirective::Private]))
        .body(html))
}

/// Replaces a response's `Cache-Control` (the reveal page is `no-store`, say).
pub fn set_cache_control(response: &mut HttpResponse, value: CacheControl) {
    if let Ok(value) = header::HeaderValue::from_str(&value.to_string()) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
}

/// A page that shows a secret (a new token, a two-factor secret, recovery codes): kept by
/// no cache, and never compressed, so that its length cannot be used to guess the secret
/// piece by piece (BREACH) when a page reflects input beside it.
pub fn secret(mut response: HttpResponse) -> HttpResponse {
    set_cache_control(&mut response, CacheControl(vec![CacheDirective::NoStore, CacheDirective::Private]));
    response.headers_mut().insert(header::CONTENT_ENCODING, header::HeaderValue::from_static("identity"));
    response
}

/// A 303 See Other to `location`: the answer to every successful form (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// The page shown for an error status.
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    /// The status code.
    pub status: u16,
    /// The headline.
    pub title: &'static str,
    /// The explanation.
    pub message: String,
}

impl ErrorPage {
    /// The page for `status`, with a custom explanation if given.
    pub fn for_status(status: StatusCode, message: Option<&str>) -> Self {
        let (title, default) = match status.as_u16() {
            400 => ("Bad request", "The request could not be understood. Go back and try again."),
            403 => (
                "You don't have access to this page",
                "Your role or permissions don't include this. Ask an agency admin if you need access.",
            ),
            404 => ("Page not found", "This page doesn't exist, or it isn't yours to see."),
            409 => ("Not possible", "This change conflicts with the current state. Go back and reload."),
            405 => ("Not allowed", "This address doesn't accept that kind of request."),
            411 => ("Length required", "What you sent did not say its size. Go back and try again."),
            413 => ("Too much data", "What you sent is larger than this page accepts."),
            415 => (
                "Not a form",
                "This page accepts what its own form sends. Go back, reload the page and try again.",
            ),
            429 => ("Too many requests", "Slow down a little and try again in a moment."),
            503 => (
                "Temporarily unavailable",
                "We can't reach the database right now. Nothing is lost: try again in a moment.",
            ),
            _ => (
                "Something went wrong",
                "An unexpected error occurred and has been logged. Try again in a moment.",
            ),
        };
        Self { status: status.as_u16(), title, message: message.unwrap_or(default).to_owned() }
    }

    /// The page as a response with its status.
    pub fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self.render() {
            Ok(html) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(CacheControl(vec![CacheDirective::NoStore]))
                .body(html),
            Err(_) => HttpResponse::build(status).content_type("text/plain").body(self.title),
        }
    }
}

/// A time as the UI shows it: `Mar 1, 2026, 09:00 UTC`.
pub fn format_time(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike as _, Timelike as _};
    // Written out rather than through `format("%b %-d, …")`, which parses its pattern on
    // every call: the list page shows a few hundred times.
    // Nor through `format!`, which with the row's links was a tenth of the list page.
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS[usize::try_from(at.month0()).unwrap_or(0) % 12];
    let Ok(year) = u32::try_from(at.year()) else {
        return format!("{month} {}, {}, {:02}:{:02} UTC", at.day(), at.year(), at.hour(), at.minute());
    };
    let mut text = String::with_capacity(24);
    text.push_str(month);
    text.push(' ');
    push_decimal(&mut text, at.day(), 1);
    text.push_str(", ");
    push_decimal(&mut text, year, 1);
    text.push_str(", ");
    push_decimal(&mut text, at.hour(), 2);
    text.push(':');
    push_decimal(&mut text, at.minute(), 2);
    text.push_str(" UTC");
    text
}

/// Appends `number` in decimal, zero-padded to `width` digits (at most 10, as many as a
/// `u32` has): for text written on every request or row, where `write!` would cost ten
/// times as much.
pub fn push_decimal(text: &mut String, number: u32, width: u32) {
    let mut digits = [b'0'; 10];
    let count = number.checked_ilog10().map_or(1, |log| log + 1).max(width).min(10);
    let digits = &mut digits[..usize::try_from(count).unwrap_or(10)];
    write_decimal(digits, number);
    text.extend(digits.iter().copied().map(char::from));
}

/// Writes `number` in decimal into `slot`, zero-padded to fill it (a number with more
/// digits than `slot` keeps its last ones): for text assembled in a buffer.
pub fn write_decimal(slot: &mut [u8], number: u32) {
    let mut rest = number;
    for digit in slot.iter_mut().rev() {
        // A remainder of 10 is below 10: the cast cannot truncate.
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
}

/// How long before `now` something happened, as people say it: "just now", "3 minutes
/// ago", "2 hours ago", "5 days ago".
pub fn ago(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let elapsed = now - at;
    let count = |number: i64, unit: &str| {
        if number == 1 { format!("1 {unit} ago") } else { format!("{number} {unit}s ago") }
    };
    if elapsed < chrono::TimeDelta::minutes(1) {
        "just now".to_owned()
    } else if elapsed < chrono::TimeDelta::hours(1) {
        count(elapsed.num_minutes(), "minute")
    } else if elapsed < chrono::TimeDelta::days(2) {
        count(elapsed.num_hours(), "hour")
    } else {
        count(elapsed.num_days(), "day")
    }
}

/// A count as people read it: `1,234,567`.
pub fn number(count: i64) -> String {
    let digits = count.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if count < 0 {
        grouped.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::{ago, format_time, number, push_decimal, write_decimal};

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1,000");
        assert_eq!(number(1_234_567), "1,234,567");
        assert_eq!(number(-12_345), "-12,345");
    }

    #[test]
    fn elapsed_time_reads_as_people_say_it() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("a time");
        let before = |seconds| ago(now - chrono::TimeDelta::seconds(seconds), now);
        assert_eq!(before(0), "just now");
        assert_eq!(before(59), "just now");
        assert_eq!(before(60), "1 minute ago");
        assert_eq!(before(3 * 60 + 30), "3 minutes ago");
        assert_eq!(before(3600), "1 hour ago");
        assert_eq!(before(47 * 3600), "47 hours ago");
        assert_eq!(before(5 * 86_400), "5 days ago");
    }

    #[test]
    fn times_read_as_the_ui_shows_them() {
        let at =
            |y, m, d, h, min| chrono::Utc.with_ymd_and_hms(y, m, d, h, min, 59).single().expect("a time");
        assert_eq!(format_time(at(2026, 3, 1, 9, 0)), "Mar 1, 2026, 09:00 UTC");
        assert_eq!(format_time(at(2025, 12, 31, 23, 7)), "Dec 31, 2025, 23:07 UTC");
        assert_eq!(format_time(at(2025, 10, 10, 10, 10)), "Oct 10, 2025, 10:10 UTC");
        assert_eq!(format_time(at(7, 1, 9, 0, 59)), "Jan 9, 7, 00:59 UTC");
        assert_eq!(format_time(at(12_345, 6, 1, 1, 1)), "Jun 1, 12345, 01:01 UTC");
        assert_eq!(format_time(at(-44, 3, 15, 12, 0)), "Mar 15, -44, 12:00 UTC");
    }

    #[test]
    fn decimals_read_as_format_pads_them() {
        let numbers = [0, 1, 9, 10, 99, 100, 255, 999_999_999, 1_000_000_000, u32::MAX];
        for number in numbers {
            for width in 0..=10 {
                let mut text = String::from("x");
                push_decimal(&mut text, number, width);
                let width = usize::try_from(width).expect("small");
                assert_eq!(text, format!("x{number:0width$}"), "{number} in {width} digits");
            }
        }
    }

    #[test]
    fn a_slot_too_small_keeps_the_last_digits() {
        let mut slot = [b'x'; 3];
        write_decimal(&mut slot, 12_345);
        assert_eq!(&slot, b"345");
        write_decimal(&mut slot[..2], 7);
        assert_eq!(&slot, b"075");
        write_decimal(&mut [], 9);
    }
}

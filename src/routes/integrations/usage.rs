//! The **Usage** section of an integration's page: totals, the daily chart (an SVG drawn
//! here, with a table of the same numbers for screen readers), top endpoints, per token,
//! recent addresses, today's share of the owner's daily limit, and unused scopes.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::domain::integration::Token;
use crate::domain::rotation::TokenState;
use crate::domain::usage::{Outcome, Report};
use crate::web::pages;

/// The chart's drawing area, in SVG units.
const CHART_WIDTH: u32 = 600;
const CHART_HEIGHT: u32 = 140;

/// One day of the chart's table.
pub struct DayRow {
    /// "Nov 30".
    pub day: String,
    /// Calls per outcome (its label, the count formatted), in [`Outcome::ALL`] order.
    pub counts: Vec<(&'static str, String)>,
    /// All calls, formatted.
    pub total: String,
}

/// A row of a small two-column table (endpoint or token, and its calls).
pub struct CountRow {
    /// What.
    pub label: String,
    /// A note beside it (a token's status).
    pub note: &'static str,
    /// How many calls, formatted.
    pub requests: String,
}

/// An address row.
pub struct AddressRow {
    /// The address.
    pub ip: String,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
    /// Calls.
    pub requests: String,
}

/// The Usage section, ready to render.
pub struct UsageView {
    /// Calls in the last 24 hours, 7 days, 30 days, formatted.
    pub totals: [(&'static str, String); 3],
    /// Whether any call was counted in 30 days.
    pub any: bool,
    /// The chart as SVG markup (escaped numbers and fixed words only).
    pub chart: String,
    /// The highest day, formatted (the chart's scale).
    pub peak: String,
    /// The first and last day of the chart.
    pub first_day: String,
    /// See above.
    pub last_day: String,
    /// The outcome legend: (key, label).
    pub legend: Vec<(&'static str, &'static str)>,
    /// The outcomes as the table's column headings.
    pub columns: Vec<&'static str>,
    /// The chart's numbers, newest day first.
    pub days: Vec<DayRow>,
    /// Top endpoints.
    pub endpoints: Vec<CountRow>,
    /// Per token, as the Tokens table lists them.
    pub tokens: Vec<CountRow>,
    /// Recent addresses.
    pub addresses: Vec<AddressRow>,
    /// "1,234 of the 200,000 requests a day … (0.6%)".
    pub daily_share: String,
    /// Held scopes no successful call used in 30 days.
    pub unused_scopes: Vec<String>,
}

impl UsageView {
    /// The section for an integration holding `scopes` with `tokens` (newest first), from
    /// its `report`, against a daily limit of `daily_limit` shared by `owner_label`.
    pub fn new(
        report: &Report,
        tokens: &[Token],
        scopes: &[String],
        daily_limit: u64,
        owner_label: &str,
    ) -> Self {
        let peak = report.days.iter().map(|(_, counts)| counts.iter().sum::<i64>()).max().unwrap_or(0);
        let tokens = tokens
            .iter()
            .map(|token| CountRow {
                label: token.hint(),
                note: match token.state {
                    TokenState::Current => "Current",
                    TokenState::Expiring { .. } => "Expiring",
                    TokenState::Revoked => "Revoked",
                },
                requests: pages::number(report.tokens.get(&token.id).copied().unwrap_or(0)),
            })
            .collect();
        let limit = i64::try_from(daily_limit).unwrap_or(i64::MAX).max(1);
        let share = share_of(report.today, limit);
        Self {
            totals: [
                ("Last 24 hours", pages::number(report.last_24_hours)),
                ("Last 7 days", pages::number(report.last_7_days)),
                ("Last 30 days", pages::number(report.last_30_days)),
            ],
            any: report.last_30_days > 0,
            chart: chart(report, peak),
            peak: pages::number(peak),
            first_day: report.days.first().map(|(day, _)| short_day(*day)).unwrap_or_default(),
            last_day: report.days.last().map(|(day, _)| short_day(*day)).unwrap_or_default(),
            legend: Outcome::ALL.iter().map(|outcome| (outcome.key(), outcome.label())).collect(),
            columns: Outcome::ALL.iter().map(|outcome| outcome.heading()).collect(),
            days: report
                .days
                .iter()
                .rev()
                .map(|(day, counts)| DayRow {
                    day: short_day(*day),
                    counts: Outcome::ALL
                        .iter()
                        .zip(counts)
                        .map(|(outcome, count)| (outcome.label(), pages::number(*count)))
                        .collect(),
                    total: pages::number(counts.iter().sum()),
                })
                .collect(),
            endpoints: report
                .endpoints
                .iter()
                .map(|(endpoint, requests)| CountRow {
                    label: endpoint.clone(),
                    note: "",
                    requests: pages::number(*requests),
                })
                .collect(),
            tokens,
            addresses: report
                .addresses
                .iter()
                .map(|address| AddressRow {
                    ip: address.ip.clone(),
                    first_seen: pages::format_time(address.first_seen),
                    last_seen: pages::format_time(address.last_seen),
                    requests: pages::number(address.requests),
                })
                .collect(),
            daily_share: format!(
                "{} of the {} requests a day shared by every integration of {owner_label} ({share}).",
                pages::number(report.today),
                pages::number(limit),
            ),
            unused_scopes: report.unused_scopes(scopes).into_iter().map(str::to_owned).collect(),
        }
    }
}

/// `used` of `limit` as a percentage to a tenth: "0%", "under 0.1%", "12.5%".
fn share_of(used: i64, limit: i64) -> String {
    let tenths = used.saturating_mul(1000) / limit;
    match (used, tenths) {
        (0, _) => "0%".to_owned(),
        (_, 0) => "under 0.1%".to_owned(),
        _ => format!("{}.{}%", tenths / 10, tenths % 10),
    }
}

/// "Nov 30".
fn short_day(day: chrono::NaiveDate) -> String {
    let at: DateTime<Utc> = day.and_hms_opt(0, 0, 0).map(|at| at.and_utc()).unwrap_or_default();
    let formatted = pages::format_time(at);
    formatted.split(',').next().unwrap_or_default().to_owned()
}

/// Stacked bars, one per day, one colour per outcome, each bar with a tooltip. Only
/// numbers and fixed words go into the markup.
fn chart(report: &Report, peak: i64) -> String {
    let slots = u32::try_from(report.days.len()).unwrap_or(1).max(1);
    let slot = f64::from(CHART_WIDTH) / f64::from(slots);
    let bar = (slot * 0.7).max(1.0);
    let scale = if peak > 0 { f64::from(CHART_HEIGHT) / peak as f64 } else { 0.0 };
    let mut svg = format!(
        "<svg class=\"usage-chart\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" \
         aria-labelledby=\"usage-chart-title\" preserveAspectRatio=\"none\">\
         <title id=\"usage-chart-title\">Requests per day over the last 30 days by outcome; the \
         table below lists the same numbers.</title>\
         <line class=\"usage-axis\" x1=\"0\" y1=\"{CHART_HEIGHT}\" x2=\"{CHART_WIDTH}\" y2=\"{CHART_HEIGHT}\"/>"
    );
    for (index, (day, counts)) in report.days.iter().enumerate() {
        let x = slot * index as f64 + (slot - bar) / 2.0;
        let mut top = f64::from(CHART_HEIGHT);
        let total: i64 = counts.iter().sum();
        let _ = write!(svg, "<g><title>{}: {} requests</title>", short_day(*day), pages::number(total));
        for (outcome, count) in Outcome::ALL.iter().zip(counts) {
            if *count == 0 {
                continue;
            }
            let height = (*count as f64 * scale).max(1.0);
            top -= height;
            let _ = write!(
                svg,
                "<rect class=\"bar-{}\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{height:.1}\"/>",
                outcome.key()
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::share_of;

    #[test]
    fn the_daily_share_reads_to_a_tenth_and_never_rounds_use_away() {
        assert_eq!(share_of(0, 200_000), "0%");
        assert_eq!(share_of(6, 200_000), "under 0.1%");
        assert_eq!(share_of(200, 200_000), "0.1%");
        assert_eq!(share_of(25_000, 200_000), "12.5%");
        assert_eq!(share_of(250_000, 200_000), "125.0%");
    }
}

//! Private integrations: who owns one, what users type for it, and how its status reads.

use chrono::{DateTime, Duration, Utc};

use super::access::Context;
use super::ids::{AgencyId, SubAccountId};
use super::people::clean_text;
use super::scopes::Level;

/// A current token older than this is flagged "Rotation recommended".
pub const ROTATION_RECOMMENDED_AFTER_DAYS: i64 = 90;

/// Whose integration it is: the agency's own, or one sub-account's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// The agency (of the sub-account, for a sub-account's integration).
    pub agency_id: AgencyId,
    /// The sub-account, for a sub-account's integration.
    pub sub_account_id: Option<SubAccountId>,
}

impl Owner {
    /// The owner of the integrations listed in a Settings context.
    pub fn of(context: Context) -> Self {
        Self { agency_id: context.agency_id(), sub_account_id: context.sub_account_id() }
    }

    /// The scope level its integrations may hold.
    pub fn level(self) -> Level {
        match self.sub_account_id {
            None => Level::Agency,
            Some(_) => Level::SubAccount,
        }
    }
}

/// An integration's name: 1–100 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationName(String);

impl IntegrationName {
    /// Parses what a user typed.
    pub fn parse(input: &str) -> Result<Self, String> {
        clean_text(input, "Name", 100).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An integration's description: up to 500 characters, trimmed, no control characters
/// other than line breaks; may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// The longest description accepted.
    pub const MAX: usize = 500;

    /// Parses what a user typed.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim().replace("\r\n", "\n");
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err("Description cannot contain control characters such as tabs.".into());
        }
        let count = text.chars().count();
        if count > Self::MAX {
            return Err(format!("Description must be at most {} characters (it has {count}).", Self::MAX));
        }
        Ok(Self(text))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The status badge of an integration, as the list and detail pages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A current token, recent enough.
    Active,
    /// A rotation runs: the old token still works until it expires.
    Rotating,
    /// The current token is older than [`ROTATION_RECOMMENDED_AFTER_DAYS`].
    RotationRecommended,
}

impl Status {
    /// The status of an integration whose current token was issued at `issued`, with
    /// or without a running rotation.
    pub fn of(issued: DateTime<Utc>, rotating: bool, now: DateTime<Utc>) -> Self {
        if rotating {
            Self::Rotating
        } else if now - issued > Duration::days(ROTATION_RECOMMENDED_AFTER_DAYS) {
            Self::RotationRecommended
        } else {
            Self::Active
        }
    }

    /// The badge's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Rotating => "Rotating",
            Self::RotationRecommended => "Rotation recommended",
        }
    }

    /// The badge's style.
    pub fn tone(self) -> &'static str {
        match self {
            Self::Active => "success",
            Self::Rotating => "accent",
            Self::RotationRecommended => "warning",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions_are_validated() {
        assert_eq!(IntegrationName::parse("  Zapier sync ").map(|n| n.0), Ok("Zapier sync".into()));
        assert!(IntegrationName::parse("").is_err());
        assert!(IntegrationName::parse(&"x".repeat(101)).is_err());
        assert_eq!(Description::parse("").map(|d| d.0), Ok(String::new()));
        assert_eq!(Description::parse("line one\r\nline two").map(|d| d.0), Ok("line one\nline two".into()));
        assert!(Description::parse("tab\there").is_err());
        assert!(Description::parse(&"x".repeat(500)).is_ok());
        assert!(Description::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn rotation_is_recommended_after_ninety_days() {
        let issued = Utc::now();
        assert_eq!(Status::of(issued, false, issued + Duration::days(90)), Status::Active);
        let later = issued + Duration::days(90) + Duration::seconds(1);
        assert_eq!(Status::of(issued, false, later), Status::RotationRecommended);
        assert_eq!(Status::of(issued, true, later), Status::Rotating);
    }
}

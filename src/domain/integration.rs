//! Private integrations: who owns one, what users type for it, its tokens, and how its
//! status reads.

use chrono::{DateTime, Duration, Utc};

use super::access::Context;
use super::ids::{AgencyId, IntegrationId, SubAccountId, TokenId, UserId};
use super::people::clean_text;
use super::rotation::TokenState;
use super::scopes::Level;
use super::token;

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

/// A private integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// Its id.
    pub id: IntegrationId,
    /// Whose it is.
    pub owner: Owner,
    /// Its name.
    pub name: String,
    /// Its description (may be empty).
    pub description: String,
    /// The scopes it holds, sorted.
    pub scopes: Vec<String>,
    /// Who created it, while they exist.
    pub created_by: Option<UserId>,
    /// Their email at the time.
    pub created_by_label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was deleted (its tokens revoked with it).
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An integration as its list shows it: what its row names, its scopes only counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Its id.
    pub id: IntegrationId,
    /// Its name.
    pub name: String,
    /// Its description (may be empty).
    pub description: String,
    /// How many scopes it holds.
    pub scope_count: usize,
    /// Its creator's email at the time.
    pub created_by_label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// One token of an integration, as far as anyone may know it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Its id.
    pub id: TokenId,
    /// Its integration.
    pub integration_id: IntegrationId,
    /// Its last four characters.
    pub last4: String,
    /// Current, expiring or revoked.
    pub state: TokenState,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When and from where it was last used.
    pub last_used: Option<LastUse>,
}

/// A token's last use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastUse {
    /// When.
    pub at: DateTime<Utc>,
    /// The client's address.
    pub ip: Option<String>,
}

impl Token {
    /// The hint users see: `pit-…Xy12`.
    pub fn hint(&self) -> String {
        token::hint(&self.last4)
    }

    /// Whether it is the integration's current token.
    pub fn is_current(&self) -> bool {
        self.state == TokenState::Current
    }

    /// When it stops working, if it is the expiring token of a rotation.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        match self.state {
            TokenState::Expiring { expires_at } => Some(expires_at),
            TokenState::Current | TokenState::Revoked => None,
        }
    }
}

/// Whether `token` of `integration` authenticates at `now`: not revoked, not past its
/// expiry, its integration not deleted. Decided at use time, cached or not; never by a job.
pub fn authenticates(integration: &Integration, token: &Token, now: DateTime<Utc>) -> bool {
    integration.deleted_at.is_none() && token.integration_id == integration.id && token.state.usable_at(now)
}

/// What the pages show of an integration's tokens at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// The status badge.
    pub status: Status,
    /// The running rotation: the old token and when it stops.
    pub rotation: Option<(TokenId, DateTime<Utc>)>,
    /// During a rotation: whether anything still calls with the old token.
    pub old_token_use: Option<OldTokenUse>,
    /// The most recent use of any of its tokens.
    pub last_used: Option<LastUse>,
}

/// The question a rotation leaves an admin with: is anything still calling with the old
/// token, or is it safe to expire it now?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OldTokenUse {
    /// Used since the rotation started: last when, and from where.
    Since(LastUse),
    /// Not used since the rotation started (the new token was issued).
    NotSince,
}

impl OldTokenUse {
    /// How `old` was used since `new` (its successor) was issued.
    pub fn of(old: &Token, new: &Token) -> Self {
        match &old.last_used {
            Some(used) if used.at >= new.created_at => Self::Since(used.clone()),
            _ => Self::NotSince,
        }
    }
}

impl Overview {
    /// The overview of an integration created at `created_at`, with `tokens` (all of its
    /// tokens), at `now`.
    pub fn of(created_at: DateTime<Utc>, tokens: &[Token], now: DateTime<Utc>) -> Self {
        let rotation = super::rotation::Tokens::of(tokens).rotation(now);
        let issued = tokens.iter().find(|token| token.is_current()).map_or(created_at, |t| t.created_at);
        let last_used =
            tokens.iter().filter_map(|token| token.last_used.as_ref()).max_by_key(|used| used.at).cloned();
        let old_token_use = rotation.and_then(|(old, _)| {
            let old = tokens.iter().find(|token| token.id == old)?;
            let new = tokens.iter().find(|token| token.is_current())?;
            Some(OldTokenUse::of(old, new))
        });
        Self { status: Status::of(issued, rotation.is_some(), now), rotation, old_token_use, last_used }
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

/// An integration's description: up to 500 characters, trimmed, no control or format
/// characters other than line breaks; may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// The longest description accepted.
    pub const MAX: usize = 500;

    /// Parses what a user typed.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim().replace("\r\n", "\n");
        if text.chars().any(|c| (c.is_control() && c != '\n') || super::people::is_format_char(c)) {
            return Err("Description cannot contain control characters such as tabs, or invisible formatting characters.".into());
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
    /// or without a running rotation. [`Overview::of`] is where the pages get it.
    fn of(issued: DateTime<Utc>, rotating: bool, now: DateTime<Utc>) -> Self {
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

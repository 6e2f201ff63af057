//! Token lifecycle rules (SPEC §3) as pure functions over an integration's tokens and the
//! clock: what each of **Rotate and expire this token later**, **Cancel rotation**,
//! **Expire Now** and **Rotate and expire this token now** changes, and when each is
//! refused. The database layer applies a [`Plan`] inside one transaction that holds the
//! integration's row lock.

use chrono::{DateTime, Duration, Utc};

use super::ids::TokenId;

/// The stored state of one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// The integration's token.
    Current,
    /// The previous token during a rotation; works until `expires_at`.
    Expiring {
        /// The instant it stops working.
        expires_at: DateTime<Utc>,
    },
    /// Stopped working.
    Revoked,
}

impl TokenState {
    /// Whether a token in this state authenticates at `now`. Expiry is decided here, at
    /// use time, never by a background job: the old token stops at that very instant.
    pub fn usable_at(self, now: DateTime<Utc>) -> bool {
        match self {
            Self::Current => true,
            Self::Expiring { expires_at } => now < expires_at,
            Self::Revoked => false,
        }
    }
}

/// An integration's tokens, as the rules need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens(pub Vec<(TokenId, TokenState)>);

impl Tokens {
    /// The rules' view of an integration's tokens.
    pub fn of(tokens: &[super::integration::Token]) -> Self {
        Self(tokens.iter().map(|token| (token.id, token.state)).collect())
    }

    fn current(&self) -> Option<TokenId> {
        self.0.iter().find(|(_, state)| *state == TokenState::Current).map(|(id, _)| *id)
    }

    fn expiring(&self) -> Option<(TokenId, DateTime<Utc>)> {
        self.0.iter().find_map(|(id, state)| match state {
            TokenState::Expiring { expires_at } => Some((*id, *expires_at)),
            _ => None,
        })
    }

    /// The running rotation at `now`: the old token and when it stops. An expiring token
    /// whose instant has passed no longer counts.
    pub fn rotation(&self, now: DateTime<Utc>) -> Option<(TokenId, DateTime<Utc>)> {
        self.expiring().filter(|(_, expires_at)| now < *expires_at)
    }
}

/// A lifecycle action a user asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// **Rotate and expire this token later**.
    RotateLater,
    /// **Cancel rotation**.
    CancelRotation,
    /// **Expire Now**.
    ExpireNow,
    /// **Rotate and expire this token now**.
    RotateNow,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Rotate later while a rotation runs.
    #[error("A rotation is already running. Cancel it or expire the old token first.")]
    RotationRunning,
    /// Cancel or expire when no rotation runs.
    #[error("No rotation is running.")]
    NoRotation,
    /// Rotate later without a current token to rotate.
    #[error("This integration has no current token to rotate.")]
    NoCurrentToken,
}

/// What to change, in this order: revoke, demote, promote, then issue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Tokens that stop working now.
    pub revoke: Vec<TokenId>,
    /// The current token becomes the expiring one, until this instant.
    pub demote_current: Option<(TokenId, DateTime<Utc>)>,
    /// The expiring token becomes current again (no expiry).
    pub promote: Option<TokenId>,
    /// A new current token is issued (and revealed once).
    pub issue: bool,
}

/// The changes `command` makes to `tokens` at `now`, or why it is refused.
/// `overlap` is how long the old token keeps working after a "later" rotation.
pub fn plan(
    tokens: &Tokens,
    command: Command,
    now: DateTime<Utc>,
    overlap: Duration,
) -> Result<Plan, Refusal> {
    let current = tokens.current();
    let rotation = tokens.rotation(now);
    // An expiring token past its instant is dead already; tidy it whenever we act.
    let stale = tokens.expiring().filter(|_| rotation.is_none()).map(|(id, _)| id);
    match command {
        Command::RotateLater => {
            if rotation.is_some() {
                return Err(Refusal::RotationRunning);
            }
            let current = current.ok_or(Refusal::NoCurrentToken)?;
            Ok(Plan {
                revoke: stale.into_iter().collect(),
                demote_current: Some((current, now + overlap)),
                promote: None,
                issue: true,
            })
        }
        Command::CancelRotation => {
            let (old, _) = rotation.ok_or(Refusal::NoRotation)?;
            Ok(Plan {
                revoke: current.into_iter().collect(),
                demote_current: None,
                promote: Some(old),
                issue: false,
            })
        }
        Command::ExpireNow => {
            let (old, _) = rotation.ok_or(Refusal::NoRotation)?;
            Ok(Plan { revoke: vec![old], ..Plan::default() })
        }
        Command::RotateNow => Ok(Plan {
            revoke: current.into_iter().chain(tokens.expiring().map(|(id, _)| id)).collect(),
            demote_current: None,
            promote: None,
            issue: true,
        }),
    }
}

/// "6 days 23 hours", "5 hours 12 minutes", "3 minutes", "less than a minute": how long
/// until an instant, rounded down, as the list and detail pages show it.
pub fn remaining(left: Duration) -> String {
    fn unit(count: i64, word: &str) -> String {
        if count == 1 { format!("1 {word}") } else { format!("{count} {word}s") }
    }
    let minutes = left.num_minutes();
    let (days, hours, minutes) = (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60);
    if left <= Duration::zero() {
        "0 minutes".to_owned()
    } else if days > 0 {
        if hours > 0 { format!("{} {}", unit(days, "day"), unit(hours, "hour")) } else { unit(days, "day") }
    } else if hours > 0 {
        if minutes > 0 {
            format!("{} {}", unit(hours, "hour"), unit(minutes, "minute"))
        } else {
            unit(hours, "hour")
        }
    } else if minutes > 0 {
        unit(minutes, "minute")
    } else {
        "less than a minute".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("date")
    }

    fn id(n: u128) -> TokenId {
        TokenId(uuid::Uuid::from_u128(n))
    }

    const WEEK: Duration = Duration::days(7);

    fn steady() -> Tokens {
        Tokens(vec![(id(1), TokenState::Current), (id(9), TokenState::Revoked)])
    }

    fn rotating() -> Tokens {
        Tokens(vec![
            (id(2), TokenState::Current),
            (id(1), TokenState::Expiring { expires_at: now() + Duration::days(3) }),
        ])
    }

    fn lapsed() -> Tokens {
        Tokens(vec![
            (id(2), TokenState::Current),
            (id(1), TokenState::Expiring { expires_at: now() - Duration::seconds(1) }),
        ])
    }

    #[test]
    fn rotate_later_demotes_the_current_token_for_the_overlap_and_issues_a_new_one() {
        let plan = plan(&steady(), Command::RotateLater, now(), WEEK).expect("allowed");
        assert_eq!(
            plan,
            Plan { revoke: vec![], demote_current: Some((id(1), now() + WEEK)), promote: None, issue: true }
        );
    }

    #[test]
    fn rotate_later_is_refused_while_a_rotation_runs_but_not_after_it_lapsed() {
        assert_eq!(plan(&rotating(), Command::RotateLater, now(), WEEK), Err(Refusal::RotationRunning));
        let plan = plan(&lapsed(), Command::RotateLater, now(), WEEK).expect("the old rotation is over");
        assert_eq!(plan.revoke, [id(1)], "the lapsed token is tidied away");
        assert_eq!(plan.demote_current, Some((id(2), now() + WEEK)));
    }

    #[test]
    fn rotate_later_needs_a_current_token() {
        let none = Tokens(vec![(id(1), TokenState::Revoked)]);
        assert_eq!(plan(&none, Command::RotateLater, now(), WEEK), Err(Refusal::NoCurrentToken));
    }

    #[test]
    fn cancel_revokes_the_new_token_and_makes_the_old_one_current_again() {
        let plan = plan(&rotating(), Command::CancelRotation, now(), WEEK).expect("allowed");
        assert_eq!(
            plan,
            Plan { revoke: vec![id(2)], demote_current: None, promote: Some(id(1)), issue: false }
        );
    }

    #[test]
    fn expire_now_revokes_only_the_old_token() {
        let plan = plan(&rotating(), Command::ExpireNow, now(), WEEK).expect("allowed");
        assert_eq!(plan, Plan { revoke: vec![id(1)], ..Plan::default() });
    }

    #[test]
    fn cancel_and_expire_now_are_refused_without_a_running_rotation() {
        for tokens in [steady(), lapsed()] {
            assert_eq!(plan(&tokens, Command::CancelRotation, now(), WEEK), Err(Refusal::NoRotation));
            assert_eq!(plan(&tokens, Command::ExpireNow, now(), WEEK), Err(Refusal::NoRotation));
        }
    }

    #[test]
    fn rotate_now_revokes_every_live_token_and_issues_a_new_one_always() {
        assert_eq!(
            plan(&steady(), Command::RotateNow, now(), WEEK),
            Ok(Plan { revoke: vec![id(1)], issue: true, ..Plan::default() })
        );
        assert_eq!(
            plan(&rotating(), Command::RotateNow, now(), WEEK),
            Ok(Plan { revoke: vec![id(2), id(1)], issue: true, ..Plan::default() })
        );
        let none = Tokens(vec![]);
        assert_eq!(plan(&none, Command::RotateNow, now(), WEEK), Ok(Plan { issue: true, ..Plan::default() }));
    }

    #[test]
    fn the_old_token_works_until_the_instant_it_expires() {
        let expires_at = now() + WEEK;
        let old = TokenState::Expiring { expires_at };
        assert!(old.usable_at(expires_at - Duration::seconds(1)));
        assert!(!old.usable_at(expires_at));
        assert!(TokenState::Current.usable_at(expires_at + WEEK));
        assert!(!TokenState::Revoked.usable_at(now()));
    }

    /// The cases the page's ticking script (`static/countdown.mjs`) is tested against too.
    #[derive(serde::Deserialize)]
    struct Case {
        seconds: i64,
        text: String,
    }

    #[test]
    fn remaining_time_reads_like_a_person_would_say_it() {
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("../../tests/fixtures/countdown.json")).expect("fixture");
        assert!(cases.len() >= 8);
        for case in cases {
            assert_eq!(remaining(Duration::seconds(case.seconds)), case.text, "{} s", case.seconds);
        }
    }
}

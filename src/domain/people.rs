//! People: roles, permissions, and the parsed values users type (names, emails,
//! passwords). Each `parse` returns a message fit to show under the form field.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access::{Actor, Person};
use super::ids::{AgencyId, SubAccountId, UserId};

/// A user's role, fixed per user; see SPEC §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administers the agency (and, with permission, every sub-account).
    AgencyAdmin,
    /// Agency staff without administration rights.
    AgencyUser,
    /// Administers the sub-accounts they are attached to.
    AccountAdmin,
    /// Sub-account staff without administration rights.
    AccountUser,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Self; 4] = [Self::AgencyAdmin, Self::AgencyUser, Self::AccountAdmin, Self::AccountUser];

    /// Its name in forms, the API and the database (`agency_admin`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgencyAdmin => "agency_admin",
            Self::AgencyUser => "agency_user",
            Self::AccountAdmin => "account_admin",
            Self::AccountUser => "account_user",
        }
    }

    /// The role of this name ([`Self::as_str`]).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// HighLevel's `type` and `role` for it: (`agency`|`account`, `admin`|`user`).
    pub fn highlevel(self) -> (&'static str, &'static str) {
        match self {
            Self::AgencyAdmin => ("agency", "admin"),
            Self::AgencyUser => ("agency", "user"),
            Self::AccountAdmin => ("account", "admin"),
            Self::AccountUser => ("account", "user"),
        }
    }

    /// The role HighLevel's `type` and `role` name.
    pub fn from_highlevel(kind: &str, role: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|candidate| candidate.highlevel() == (kind, role))
    }

    /// Whether the role administers (agency or account admin).
    pub fn is_admin(self) -> bool {
        matches!(self, Self::AgencyAdmin | Self::AccountAdmin)
    }

    /// Reads the CLI form (`agency-admin`, ...).
    pub fn from_cli(text: &str) -> Option<Self> {
        Self::parse(&text.replace('-', "_"))
    }

    /// Whether the role works at agency level (not attached to sub-accounts).
    pub fn is_agency_level(self) -> bool {
        matches!(self, Self::AgencyAdmin | Self::AgencyUser)
    }

    /// Whether a person of this role is attached to at least one sub-account (account
    /// roles); agency roles are attached to none.
    pub fn needs_sub_accounts(self) -> bool {
        !self.is_agency_level()
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            Self::AgencyAdmin => "Agency admin",
            Self::AgencyUser => "Agency user",
            Self::AccountAdmin => "Account admin",
            Self::AccountUser => "Account user",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The per-user permission toggles. Each belongs to one role; the constructor and the
/// database both make sure no other role holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Permissions {
    /// Agency admins: "Manage agency private integrations".
    pub manage_agency_integrations: bool,
    /// Agency admins: "Manage sub-account private integrations".
    pub manage_sub_account_integrations: bool,
    /// Agency admins: "Manage team".
    pub manage_team: bool,
    /// Account admins: "Manage private integrations" for their sub-accounts.
    pub manage_integrations: bool,
    /// Account admins: "Manage staff".
    pub manage_staff: bool,
}

impl Permissions {
    /// The defaults of SPEC §1 for a new user of `role`. "Manage team" is on only for the
    /// first admin of an agency, so that someone can always manage the team.
    pub fn defaults(role: Role, first_admin_of_agency: bool) -> Self {
        match role {
            Role::AgencyAdmin => Self {
                manage_agency_integrations: true,
                manage_sub_account_integrations: true,
                manage_team: first_admin_of_agency,
                ..Self::default()
            },
            Role::AccountAdmin => Self { manage_integrations: true, manage_staff: true, ..Self::default() },
            Role::AgencyUser | Role::AccountUser => Self::default(),
        }
    }

    /// These permissions with every toggle that `role` cannot hold turned off.
    pub fn restricted_to(self, role: Role) -> Self {
        let agency_admin = role == Role::AgencyAdmin;
        let account_admin = role == Role::AccountAdmin;
        Self {
            manage_agency_integrations: self.manage_agency_integrations && agency_admin,
            manage_sub_account_integrations: self.manage_sub_account_integrations && agency_admin,
            manage_team: self.manage_team && agency_admin,
            manage_integrations: self.manage_integrations && account_admin,
            manage_staff: self.manage_staff && account_admin,
        }
    }
}

/// A person of an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their email (their sign-in), lower-cased.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Their first name (HighLevel's `firstName`).
    pub first_name: String,
    /// Their last name.
    pub last_name: String,
    /// Their phone, if given.
    pub phone: Option<String>,
    /// Their role.
    pub role: Role,
    /// Whether they may sign in.
    pub active: bool,
    /// Their permission toggles, restricted to their role.
    pub permissions: Permissions,
    /// When they were added.
    pub created_at: DateTime<Utc>,
}

/// A person with the sub-accounts they are attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The person.
    pub user: User,
    /// Their sub-accounts (account-level roles).
    pub sub_accounts: Vec<SubAccountId>,
}

impl Member {
    /// The member as authorization sees them when they act.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.user.id,
            agency_id: self.user.agency_id,
            role: self.user.role,
            permissions: self.user.permissions,
            sub_accounts: if self.user.role.is_agency_level() {
                Vec::new()
            } else {
                self.sub_accounts.clone()
            },
        }
    }

    /// The member as authorization sees them when someone manages them.
    pub fn person(&self) -> Person {
        Person {
            id: self.user.id,
            agency_id: self.user.agency_id,
            role: self.user.role,
            sub_accounts: self.sub_accounts.clone(),
        }
    }
}

/// Invisible formatting characters (Unicode category Cf: bidi controls, zero-width
/// characters, tags...) that can make a name display as something else, as ranges.
pub const FORMAT_CHARS: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Whether `c` is one of [`FORMAT_CHARS`].
pub fn is_format_char(c: char) -> bool {
    FORMAT_CHARS.iter().any(|(first, last)| (*first..=*last).contains(&c))
}

/// Checks `input` is at most `max` characters (spaces around it included) and, trimmed,
/// not empty, without control characters, invisible formatting characters or stacks of
/// accents: the trimmed text. `what` names the field in the message ("Name").
pub fn clean_text(input: &str, what: &str, max: usize) -> Result<String, String> {
    let count = input.chars().count();
    if count > max {
        return Err(format!("{what} must be at most {max} characters (it has {count})."));
    }
    let text = input.trim();
    if text.is_empty() {
        return Err(format!("{what} is required."));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{what} cannot contain control characters such as tabs or line breaks."));
    }
    if text.chars().any(is_format_char) {
        return Err(format!(
            "{what} cannot contain invisible formatting characters (such as right-to-left overrides)."
        ));
    }
    if stacks_marks(text) {
        return Err(format!("{what} cannot stack more than {MAX_STACKED_MARKS} accents on one letter."));
    }
    Ok(text.to_owned())
}

/// The most combining diacritical marks a letter may carry: a decomposed Vietnamese
/// letter has two ("e" + circumflex + tilde); "Zalgo" text piles on dozens.
pub const MAX_STACKED_MARKS: usize = 2;

/// The blocks of combining diacritical marks (accents on Latin, Greek and Cyrillic letters
/// and on symbols), as ranges.
pub const DIACRITICS: &[(char, char)] = &[
    ('\u{0300}', '\u{036F}'),
    ('\u{0483}', '\u{0489}'),
    ('\u{1AB0}', '\u{1AFF}'),
    ('\u{1DC0}', '\u{1DFF}'),
    ('\u{20D0}', '\u{20FF}'),
    ('\u{FE20}', '\u{FE2F}'),
];

/// Whether a combining diacritical mark (the blocks used for accents on Latin, Greek and
/// Cyrillic letters and on symbols) is one of a run longer than [`MAX_STACKED_MARKS`].
/// Marks of other scripts (Indic vowel signs, Hebrew points…) are not counted: they are
/// how those scripts are written.
fn stacks_marks(text: &str) -> bool {
    let is_diacritic = |c: &char| DIACRITICS.iter().any(|(first, last)| (*first..=*last).contains(c));
    let mut run = 0;
    text.chars().any(|c| {
        run = if is_diacritic(&c) { run + 1 } else { 0 };
        run > MAX_STACKED_MARKS
    })
}

/// A display name for a person, an agency or a sub-account: 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// The longest name accepted.
    pub const MAX: usize = 100;

    /// Parses a name typed by a user.
    pub fn parse(input: &str) -> Result<Self, String> {
        clean_text(input, "Name", Self::MAX).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A person's name as HighLevel keeps it: a first and a last name (up to 100 characters
/// each; either may be empty, not both), joined by a space into the display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    first: String,
    last: String,
    display: String,
}

impl PersonName {
    /// The parts as given (`firstName`, `lastName`); a message names the part at fault.
    pub fn parse(first: &str, last: &str) -> Result<Self, (&'static str, String)> {
        let part = |text: &str, field: &'static str, what: &str| -> Result<String, (&'static str, String)> {
            if text.trim().is_empty() && text.chars().count() <= DisplayName::MAX {
                Ok(String::new())
            } else {
                clean_text(text, what, DisplayName::MAX).map_err(|message| (field, message))
            }
        };
        let first = part(first, "firstName", "First name")?;
        let last = part(last, "lastName", "Last name")?;
        let display = [first.as_str(), last.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if display.is_empty() {
            return Err(("firstName", "A first or a last name is required.".into()));
        }
        Ok(Self { first, last, display })
    }

    /// From a display name typed in the dashboard: the first name is up to its first space.
    pub fn from_display(name: DisplayName) -> Self {
        let (first, last) = name.as_str().split_once(' ').unwrap_or((name.as_str(), ""));
        Self { first: first.to_owned(), last: last.trim().to_owned(), display: name.into_inner() }
    }

    /// The first name.
    pub fn first(&self) -> &str {
        &self.first
    }

    /// The last name.
    pub fn last(&self) -> &str {
        &self.last
    }

    /// The display name: both parts.
    pub fn display(&self) -> &str {
        &self.display
    }
}

/// An email address, lower-cased. Only the shape is checked; delivery is not our business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address (RFC 5321's limit).
    pub const MAX: usize = 254;

    /// Parses an address typed by a user.
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.chars().count() > Self::MAX {
            return Err("Enter an email address such as name@example.com.".into());
        }
        let email = input.trim().to_lowercase();
        let valid_shape = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
        if email.is_empty() {
            Err("Email is required.".into())
        } else if email.chars().count() > Self::MAX
            || !valid_shape
            || email.chars().any(|c| c.is_whitespace() || c.is_control() || is_format_char(c))
        {
            Err("Enter an email address such as name@example.com.".into())
        } else {
            Ok(Self(email))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy: 12–256 characters, not only spaces.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// The shortest password accepted.
    pub const MIN: usize = 12;
    /// The longest password accepted (hashing cost is bounded).
    pub const MAX: usize = 256;

    /// Checks a password chosen by a user.
    pub fn parse(input: String) -> Result<Self, String> {
        let count = input.chars().count();
        if input.trim().is_empty() {
            Err("Password is required.".into())
        } else if count < Self::MIN {
            Err(format!("Password must be at least {} characters.", Self::MIN))
        } else if count > Self::MAX {
            Err(format!("Password must be at most {} characters.", Self::MAX))
        } else if is_common_password(&input) {
            Err("This password is one of the most common ones. Choose another.".into())
        } else {
            Ok(Self(input))
        }
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The most common passwords the length policy would let through (see the file's header).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether `password` is one of [`COMMON_PASSWORDS`] (ignoring case) or one character
/// repeated.
fn is_common_password(password: &str) -> bool {
    let lowered = password.to_lowercase();
    let mut chars = lowered.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON_PASSWORDS.lines().filter(|line| !line.starts_with('#')).any(|common| common == lowered)
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_and_join_as_highlevel_keeps_them() {
        let name = PersonName::parse(" Mary Ann ", "Smith").expect("valid");
        assert_eq!((name.first(), name.last(), name.display()), ("Mary Ann", "Smith", "Mary Ann Smith"));
        assert_eq!(
            PersonName::parse("", "Smith").map(|name| name.display().to_owned()).as_deref(),
            Ok("Smith")
        );
        assert_eq!(PersonName::parse(" ", "").map(|_| ()).unwrap_err().0, "firstName");
        assert!(PersonName::parse(&"a".repeat(100), &"b".repeat(100)).is_ok(), "each part up to 100");
        assert_eq!(PersonName::parse(&"a".repeat(101), "b").map(|_| ()).unwrap_err().0, "firstName");
        let typed = PersonName::from_display(DisplayName::parse("Ada King Lovelace").expect("valid"));
        assert_eq!((typed.first(), typed.last()), ("Ada", "King Lovelace"));
    }

    #[test]
    fn the_most_common_passwords_are_refused() {
        let common = "This password is one of the most common ones. Choose another.";
        for password in
            ["qwerty123456", "1Q2W3E4R5T6Y", "passwordpassword", "aaaaaaaaaaaaaa", "Private Integrations"]
        {
            assert_eq!(NewPassword::parse(password.to_owned()).err().as_deref(), Some(common), "{password}");
        }
        assert!(NewPassword::parse("correct horse battery staple".to_owned()).is_ok());
        assert!(COMMON_PASSWORDS.lines().filter(|line| !line.starts_with('#')).count() > 200);
    }

    #[test]
    fn accents_are_text_but_stacks_of_them_are_refused() {
        for ordinary in ["Zoe\u{308}’s cafe\u{301}", "Nguye\u{302}\u{303}n", "नमस्ते", "Ünïcödé"]
        {
            assert_eq!(clean_text(ordinary, "Name", 100).as_deref(), Ok(ordinary));
        }
        assert_eq!(
            clean_text("Ae\u{300}\u{301}\u{302}", "Name", 100),
            Err("Name cannot stack more than 2 accents on one letter.".to_owned())
        );
    }

    #[test]
    fn roles_round_trip_through_their_stored_and_cli_forms() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(Role::from_cli(&role.as_str().replace('_', "-")), Some(role));
        }
        assert_eq!(Role::from_cli("owner"), None);
    }

    #[test]
    fn manage_team_defaults_on_only_for_the_first_agency_admin() {
        assert!(Permissions::defaults(Role::AgencyAdmin, true).manage_team);
        assert!(!Permissions::defaults(Role::AgencyAdmin, false).manage_team);
        assert!(Permissions::defaults(Role::AgencyAdmin, false).manage_agency_integrations);
        assert!(Permissions::defaults(Role::AccountAdmin, false).manage_staff);
        assert_eq!(Permissions::defaults(Role::AccountUser, true), Permissions::default());
    }

    #[test]
    fn restricting_drops_permissions_of_other_roles() {
        let all = Permissions {
            manage_agency_integrations: true,
            manage_sub_account_integrations: true,
            manage_team: true,
            manage_integrations: true,
            manage_staff: true,
        };
        assert_eq!(all.restricted_to(Role::AgencyUser), Permissions::default());
        assert!(!all.restricted_to(Role::AgencyAdmin).manage_staff);
        assert!(!all.restricted_to(Role::AccountAdmin).manage_team);
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(clean_text("  Acme  ", "Name", 100), Ok("Acme".into()));
        assert_eq!(clean_text("   ", "Name", 100), Err("Name is required.".into()));
        assert!(clean_text("a\tb", "Name", 100).is_err());
        assert!(clean_text(&"é".repeat(100), "Name", 100).is_ok());
        assert!(clean_text(&"é".repeat(101), "Name", 100).is_err());
    }

    #[test]
    fn invisible_formatting_characters_are_refused() {
        for spoof in
            ["evil\u{202E}gpj.exe", "zero\u{200B}width", "\u{2066}isolate", "bom\u{FEFF}", "tag\u{E0041}"]
        {
            let error = clean_text(spoof, "Name", 100).expect_err(spoof);
            assert!(error.contains("invisible formatting"), "{error}");
        }
        assert!(clean_text("Zoë’s café — ünïcode ✓", "Name", 100).is_ok(), "ordinary Unicode is welcome");
    }

    #[test]
    fn emails_are_lower_cased_and_shaped() {
        assert_eq!(Email::parse(" Ann@Example.COM ").map(|e| e.0), Ok("ann@example.com".into()));
        for bad in ["", "ann", "ann@", "@example.com", "ann@example", "a b@example.com", "a@b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_follow_the_policy() {
        assert!(NewPassword::parse("correct horse".into()).is_ok());
        assert!(NewPassword::parse("short".into()).is_err());
        assert!(NewPassword::parse(" ".repeat(20)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("correct horse".into())), "Ok(NewPassword(***))");
    }
}

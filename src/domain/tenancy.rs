//! Agencies and their sub-accounts (HighLevel's companies and locations).

use chrono::{DateTime, Utc};

use super::access::Context;
use super::ids::{AgencyId, SubAccountId};

/// An agency: a company with its own people, sub-accounts and integrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// Its id.
    pub id: AgencyId,
    /// Its name.
    pub name: String,
    /// Labs: whether the Private Integrations pages are on.
    pub labs_private_integrations: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Whether everyone of the agency must use two-factor authentication.
    pub require_two_factor: bool,
}

/// A sub-account (location) of an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAccount {
    /// Its id.
    pub id: SubAccountId,
    /// The agency it belongs to.
    pub agency_id: AgencyId,
    /// Its name.
    pub name: String,
    /// Labs: whether the Private Integrations pages are on.
    pub labs_private_integrations: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its business details, as HighLevel keeps them.
    pub profile: LocationProfile,
    /// Whether two contacts may share an email or a phone (HighLevel's "Allow Duplicate
    /// Contact"); when not, creating a second is refused and an upsert updates the first.
    pub allow_duplicate_contact: bool,
}

/// A location's business details; each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationProfile {
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
}

impl SubAccount {
    /// Its Settings context.
    pub fn context(&self) -> Context {
        Context::SubAccount { id: self.id, agency_id: self.agency_id }
    }
}

/// A change to a location's details: each field kept, cleared or set.
#[derive(Debug, Clone, Default)]
pub struct LocationChange {
    /// A new name.
    pub name: Option<super::people::DisplayName>,
    /// Phone.
    pub phone: super::contacts::Change<String>,
    /// Email.
    pub email: super::contacts::Change<String>,
    /// Street address.
    pub address: super::contacts::Change<String>,
    /// City.
    pub city: super::contacts::Change<String>,
    /// State.
    pub state: super::contacts::Change<String>,
    /// Country.
    pub country: super::contacts::Change<String>,
    /// Postal code.
    pub postal_code: super::contacts::Change<String>,
    /// Website.
    pub website: super::contacts::Change<String>,
    /// Time zone.
    pub timezone: super::contacts::Change<String>,
    /// Whether duplicates are allowed (`None`: unchanged).
    pub allow_duplicate_contact: Option<bool>,
}

impl LocationChange {
    /// The location's name, details and duplicate setting after the change.
    pub fn applied(self, sub: &SubAccount) -> (String, LocationProfile, bool) {
        let mut profile = sub.profile.clone();
        self.phone.apply(&mut profile.phone);
        self.email.apply(&mut profile.email);
        self.address.apply(&mut profile.address);
        self.city.apply(&mut profile.city);
        self.state.apply(&mut profile.state);
        self.country.apply(&mut profile.country);
        self.postal_code.apply(&mut profile.postal_code);
        self.website.apply(&mut profile.website);
        self.timezone.apply(&mut profile.timezone);
        let name = self.name.map_or_else(|| sub.name.clone(), |name| name.as_str().to_owned());
        (name, profile, self.allow_duplicate_contact.unwrap_or(sub.allow_duplicate_contact))
    }
}

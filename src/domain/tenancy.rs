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
}

impl SubAccount {
    /// Its Settings context.
    pub fn context(&self) -> Context {
        Context::SubAccount { id: self.id, agency_id: self.agency_id }
    }
}

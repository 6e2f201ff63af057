//! Rows as they are stored, and the forms used to insert them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{agencies, sub_accounts, users};
use crate::domain::access::Actor;
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::{Permissions, Role};

/// An agency.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agencies, check_for_backend(diesel::pg::Pg))]
pub struct Agency {
    /// Its id.
    pub id: AgencyId,
    /// Its name.
    pub name: String,
    /// Labs: whether the Private Integrations pages are on.
    pub labs_private_integrations: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A sub-account (location) of an agency.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sub_accounts, check_for_backend(diesel::pg::Pg))]
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

/// A user, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their email, lower-cased.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Their role, stored form (see [`Role::as_str`]).
    pub role: String,
    /// Argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    /// Whether they may sign in.
    pub active: bool,
    /// "Manage agency private integrations".
    pub manage_agency_integrations: bool,
    /// "Manage sub-account private integrations".
    pub manage_sub_account_integrations: bool,
    /// "Manage team".
    pub manage_team: bool,
    /// "Manage private integrations".
    pub manage_integrations: bool,
    /// "Manage staff".
    pub manage_staff: bool,
    /// When they were added.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Their role. The database CHECK constraint guarantees a known value.
    pub fn role(&self) -> Role {
        Role::from_db(&self.role).unwrap_or(Role::AccountUser)
    }

    /// Their permission toggles.
    pub fn permissions(&self) -> Permissions {
        Permissions {
            manage_agency_integrations: self.manage_agency_integrations,
            manage_sub_account_integrations: self.manage_sub_account_integrations,
            manage_team: self.manage_team,
            manage_integrations: self.manage_integrations,
            manage_staff: self.manage_staff,
        }
        .restricted_to(self.role())
    }

    /// The user as authorization sees them.
    pub fn actor(&self, sub_accounts: Vec<SubAccountId>) -> Actor {
        Actor {
            id: self.id,
            agency_id: self.agency_id,
            role: self.role(),
            permissions: self.permissions(),
            sub_accounts,
        }
    }
}

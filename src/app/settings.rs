//! Where a signed-in person is: their agency, the sub-accounts they reach, and the
//! Settings context a page names.

use diesel::PgConnection;

use crate::db;
use crate::domain::access::{Actor, Context};
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::Member;
use crate::domain::tenancy::{Agency, SubAccount};

use super::{App, AppError, AppResult};

/// A person's place: their agency, the sub-accounts they reach, and the context.
#[derive(Debug, Clone)]
pub struct Place {
    /// Their agency.
    pub agency: Agency,
    /// The sub-accounts within their reach, by name.
    pub sub_accounts: Vec<SubAccount>,
    /// The context the page names.
    pub context: Context,
    /// The person's unread notifications (the bell).
    pub unread: i64,
}

impl Place {
    /// Labs: whether Private Integrations is on in this context.
    pub fn private_integrations_enabled(&self) -> bool {
        match self.context {
            Context::Agency(_) => self.agency.labs_private_integrations,
            Context::SubAccount { id, .. } => {
                self.sub_accounts.iter().any(|sub| sub.id == id && sub.labs_private_integrations)
            }
        }
    }

    /// The name of the context.
    pub fn context_name(&self) -> &str {
        match self.context {
            Context::Agency(_) => &self.agency.name,
            Context::SubAccount { id, .. } => {
                self.sub_accounts.iter().find(|sub| sub.id == id).map_or("", |sub| sub.name.as_str())
            }
        }
    }
}

/// Resolves the context `wanted` (a sub-account, or the agency) for a person: not found
/// unless it is within their reach.
#[tracing::instrument(skip_all)]
pub async fn place(app: &App, actor: &Actor, wanted: Option<SubAccountId>) -> AppResult<Place> {
    let agency_id = actor.agency_id;
    let user = actor.id;
    let surroundings = app.read(move |conn| Ok(Surroundings::read(conn, agency_id, user)?)).await?;
    surroundings.place(actor, wanted)
}

/// The person a session names, as [`super::sessions::signed_in`] reads them, with the
/// [`Surroundings`] of their pages read in the same trip to the database: a Settings page
/// needs both, one after the other.
#[tracing::instrument(skip_all)]
pub async fn signed_in_with_surroundings(
    app: &App,
    user: UserId,
) -> AppResult<Option<(Member, bool, Surroundings)>> {
    app.read(move |conn| {
        let Some((member, must_set_up)) = db::users::signed_in(conn, user)? else { return Ok(None) };
        let surroundings = Surroundings::read(conn, member.user.agency_id, user)?;
        Ok(Some((member, must_set_up, surroundings)))
    })
    .await
}

/// What the shell around a person's Settings pages shows, as read: their agency, its
/// sub-accounts (whether or not they reach them) and their unread notifications. Only
/// [`Surroundings::place`] tells what they may see of it.
#[derive(Debug)]
pub struct Surroundings {
    agency: Agency,
    sub_accounts: Vec<SubAccount>,
    /// Unread notifications by level, whether or not they still concern the person.
    unread: Vec<(Option<SubAccountId>, i64)>,
}

impl Surroundings {
    fn read(conn: &mut PgConnection, agency_id: AgencyId, user: UserId) -> diesel::QueryResult<Self> {
        Ok(Self {
            agency: db::agencies::find(conn, agency_id)?,
            sub_accounts: db::agencies::sub_accounts_of(conn, agency_id)?,
            unread: db::events::unread(conn, user)?,
        })
    }

    /// The place of `actor` in the context `wanted`: not found unless it is within their
    /// reach.
    pub fn place(self, actor: &Actor, wanted: Option<SubAccountId>) -> AppResult<Place> {
        let Self { agency, sub_accounts: all, unread } = self;
        if agency.id != actor.agency_id {
            return Err(AppError::NotFound);
        }
        let sub_accounts: Vec<SubAccount> =
            all.into_iter().filter(|sub| actor.reaches(sub.context())).collect();
        let context = match wanted {
            None => Context::Agency(agency.id),
            Some(id) => sub_accounts
                .iter()
                .find(|sub| sub.id == id)
                .map(SubAccount::context)
                .ok_or(AppError::NotFound)?,
        };
        if !actor.reaches(context) {
            return Err(AppError::NotFound);
        }
        let unread = unread
            .into_iter()
            .filter(|(level, _)| super::notifications::concerns(actor, *level))
            .map(|(_, count)| count)
            .sum();
        Ok(Place { agency, sub_accounts, context, unread })
    }
}

/// Every sub-account of the person's agency (for the landing page's choice).
#[tracing::instrument(skip_all)]
pub async fn agency_sub_accounts(app: &App, actor: &Actor) -> AppResult<Vec<SubAccount>> {
    let agency_id = actor.agency_id;
    app.read(move |conn| Ok(db::agencies::sub_accounts_of(conn, agency_id)?)).await
}

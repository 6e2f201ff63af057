//! Where a signed-in person is: their agency, the sub-accounts they reach, and the
//! Settings context a page names.

use crate::db;
use crate::domain::access::{Actor, Context};
use crate::domain::ids::SubAccountId;
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
    let (agency, all, unread) = app
        .read(move |conn| {
            Ok((
                db::agencies::find(conn, agency_id)?,
                db::agencies::sub_accounts_of(conn, agency_id)?,
                db::events::unread(conn, user)?,
            ))
        })
        .await?;
    let sub_accounts: Vec<SubAccount> = all.into_iter().filter(|sub| actor.reaches(sub.context())).collect();
    let context = match wanted {
        None => Context::Agency(agency.id),
        Some(id) => {
            sub_accounts.iter().find(|sub| sub.id == id).map(SubAccount::context).ok_or(AppError::NotFound)?
        }
    };
    if !actor.reaches(context) {
        return Err(AppError::NotFound);
    }
    Ok(Place { agency, sub_accounts, context, unread })
}

/// Every sub-account of the person's agency (for the landing page's choice).
#[tracing::instrument(skip_all)]
pub async fn agency_sub_accounts(app: &App, actor: &Actor) -> AppResult<Vec<SubAccount>> {
    let agency_id = actor.agency_id;
    app.read(move |conn| Ok(db::agencies::sub_accounts_of(conn, agency_id)?)).await
}

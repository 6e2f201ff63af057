//! Agencies and sub-accounts (HighLevel's companies and locations): read and written
//! through the API by tokens, created by the operator's CLI.

use crate::db::{self, audit::NewEvent};
use std::sync::Arc;

use crate::domain::access::{TokenActor, TokenDenial};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::people::DisplayName;
use crate::domain::tenancy::{Agency, LocationChange, SubAccount};

use super::tokens::Change;
use super::{App, AppResult, Requester};

/// The token's own agency.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn company(app: &App, by: &Requester, id: AgencyId) -> AppResult<Agency> {
    if !by.caller()?.reaches_company(id) {
        return Err(TokenDenial::Location.into());
    }
    app.read(move |conn| Ok(db::agencies::find(conn, id)?)).await
}

/// A sub-account within the token's reach; an unknown one is out of reach too. Served
/// from this instance's cache when it holds the sub-account (a change anywhere evicts it;
/// see [`crate::db::notify`]).
#[tracing::instrument(skip_all, fields(%id))]
pub async fn location(app: &App, by: &Requester, id: SubAccountId) -> AppResult<Arc<SubAccount>> {
    let caller = by.caller()?;
    let found = match app.tokens.location(id) {
        Some(cached) => Some(cached),
        None => {
            let generation = app.tokens.generation();
            let found = app.read(move |conn| Ok(db::agencies::find_sub_account(conn, id).ok())).await?;
            let found = found.map(Arc::new);
            if let Some(sub) = &found {
                app.tokens.insert_location(Arc::clone(sub), generation);
            }
            found
        }
    };
    reachable(caller, found)
}

/// As [`location`], read from the database: what a change starts from.
async fn fresh(app: &App, by: &Requester, id: SubAccountId) -> AppResult<Arc<SubAccount>> {
    let caller = by.caller()?;
    let found = app.read(move |conn| Ok(db::agencies::find_sub_account(conn, id).ok())).await?;
    reachable(caller, found.map(Arc::new))
}

fn reachable(caller: &TokenActor, found: Option<Arc<SubAccount>>) -> AppResult<Arc<SubAccount>> {
    match found {
        Some(sub) if caller.reaches_sub_account(sub.id, sub.agency_id) => Ok(sub),
        _ => Err(TokenDenial::Location.into()),
    }
}

/// The sub-accounts a token sees: its agency's, or only its own.
#[tracing::instrument(skip_all)]
pub async fn visible(app: &App, by: &Requester) -> AppResult<Vec<SubAccount>> {
    let caller = by.caller()?.clone();
    let agency = caller.owner.agency_id;
    let all = app.read(move |conn| Ok(db::agencies::sub_accounts_of(conn, agency)?)).await?;
    Ok(all.into_iter().filter(|sub| caller.reaches_sub_account(sub.id, sub.agency_id)).collect())
}

/// A new sub-account of the token's agency (agency tokens only), with its details.
#[tracing::instrument(skip_all)]
pub async fn create(
    app: &App,
    by: &Requester,
    name: DisplayName,
    details: LocationChange,
) -> AppResult<SubAccount> {
    let caller = by.caller()?;
    if !caller.is_agency_token() {
        return Err(TokenDenial::Location.into());
    }
    let agency = caller.owner.agency_id;
    let now = app.clock.now();
    let event = by.event(AuditAction::ApiLocationCreate, agency, None, now);
    app.write(move |conn| {
        let created = db::agencies::create_sub_account(conn, agency, &name, now)?;
        let (_, profile, allow_duplicates) = details.applied(&created);
        db::agencies::set_profile(conn, created.id, &profile, allow_duplicates)?;
        db::audit::record(
            conn,
            &NewEvent { target_id: Some(created.id.0), target_label: Some(created.name.clone()), ..event },
        )?;
        Ok(db::agencies::find_sub_account(conn, created.id)?)
    })
    .await
}

/// Changes a sub-account within the token's reach: its name, details or duplicate setting.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn update(
    app: &App,
    by: &Requester,
    id: SubAccountId,
    change: LocationChange,
) -> AppResult<SubAccount> {
    let found = fresh(app, by, id).await?;
    let (name, profile, allow_duplicates) = change.applied(&found);
    let renamed = (name != found.name).then(|| name.clone());
    let event = NewEvent {
        target_id: Some(found.id.0),
        target_label: Some(name.clone()),
        details: match &renamed {
            Some(after) => serde_json::json!({ "name": { "before": found.name, "after": after } }),
            None => serde_json::json!({}),
        },
        ..by.event(AuditAction::ApiLocationUpdate, found.agency_id, Some(found.id), app.clock.now())
    };
    let updated = app
        .write(move |conn| {
            if let Some(name) = &renamed {
                let name = DisplayName::parse(name)
                    .map_err(|message| crate::app::AppError::invalid("name", message))?;
                db::agencies::rename_sub_account(conn, id, &name)?;
            }
            db::agencies::set_profile(conn, id, &profile, allow_duplicates)?;
            db::audit::record(conn, &event)?;
            Ok(db::agencies::find_sub_account(conn, id)?)
        })
        .await?;
    // This instance reads its own change at once; the others when they hear of it.
    app.tokens.changed(Change::Location(id));
    Ok(updated)
}

/// Deletes a sub-account within the token's reach, with its memberships, its contacts,
/// its integrations (whose tokens stop working) and the people who worked only there.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn delete(app: &App, by: &Requester, id: SubAccountId) -> AppResult<()> {
    let found = fresh(app, by, id).await?;
    let event = NewEvent {
        target_id: Some(found.id.0),
        target_label: Some(found.name.clone()),
        ..by.event(AuditAction::ApiLocationDelete, found.agency_id, None, app.clock.now())
    };
    let agency = found.agency_id;
    app.write(move |conn| {
        // People who worked only there belong nowhere once it goes: they go too. Every
        // change of who belongs where takes the agency's lock first, so nobody joins it
        // between this read and the delete (and nobody waits on it the other way round).
        db::agencies::lock(conn, agency)?;
        let stranded = db::users::only_in(conn, id)?;
        db::agencies::delete_sub_account(conn, id)?;
        let removed = db::users::delete_all(conn, &stranded)?;
        let event = NewEvent { details: serde_json::json!({ "people_removed": removed }), ..event };
        db::audit::record(conn, &event)?;
        Ok(())
    })
    .await?;
    app.tokens.changed(Change::Everything);
    Ok(())
}

//! Labs: per-agency and per-sub-account feature toggles. Labs hides the UI only;
//! existing tokens keep working.

use crate::db;
use crate::domain::access::{Action, Context};
use crate::domain::audit::AuditAction;

use super::{App, AppError, AppResult, Requester};

/// Turns the Private Integrations pages of a context on or off; `before` is what the
/// page showed, and no event is recorded when nothing changes.
#[tracing::instrument(skip_all, fields(?context, enabled))]
pub async fn set_private_integrations(
    app: &App,
    by: &Requester,
    context: Context,
    context_name: String,
    before: bool,
    enabled: bool,
) -> AppResult<()> {
    AppError::check(by.person()?.decide(Action::ManageLabs, context))?;
    if enabled == before {
        return Ok(());
    }
    let event = db::audit::NewEvent {
        target_id: Some(context.sub_account_id().map_or(context.agency_id().0, |id| id.0)),
        target_label: Some(context_name),
        details: serde_json::json!({ "flag": "private_integrations", "before": before, "after": enabled }),
        ..by.event(AuditAction::LabsUpdate, context.agency_id(), context.sub_account_id(), app.clock.now())
    };
    app.write(move |conn| {
        db::agencies::set_labs_private_integrations(
            conn,
            context.agency_id(),
            context.sub_account_id(),
            enabled,
        )?;
        db::audit::record(conn, &event)?;
        Ok(())
    })
    .await?;
    if let Some(id) = context.sub_account_id() {
        app.tokens.changed(super::tokens::Change::Location(id));
    }
    Ok(())
}

//! Which reveal a browser may take: the id of the reveal (see [`crate::app::reveals`])
//! travels in the session between the form that issued the token and the page that shows
//! it (post/redirect/get). The token itself never enters the session.

use actix_session::Session;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{WebError, WebResult};
use crate::domain::ids::IntegrationId;

const REVEAL: &str = "reveal";

#[derive(Serialize, Deserialize)]
struct Pending {
    integration_id: IntegrationId,
    reveal: Uuid,
}

/// Remembers the reveal of a new token of `integration_id` for the next page.
pub fn remember(session: &Session, integration_id: IntegrationId, reveal: Uuid) -> WebResult<()> {
    session
        .insert(REVEAL, Pending { integration_id, reveal })
        .map_err(|error| WebError::internal(anyhow::anyhow!("writing to the session: {error}")))
}

/// The reveal awaiting this browser for `integration_id`, if any. Reading it changes
/// nothing: the reveal itself is taken, once, in the database.
pub fn pending(session: &Session, integration_id: IntegrationId) -> Option<Uuid> {
    let pending: Pending = session.get(REVEAL).ok().flatten()?;
    (pending.integration_id == integration_id).then_some(pending.reveal)
}

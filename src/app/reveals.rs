//! The one-time reveal of a new token. The token is sealed (AES-256-GCM, with a key derived
//! from `SECRET_KEY`, bound to its integration) into a row of its own, written in the
//! transaction that issues it; the reveal page takes the row with `DELETE … RETURNING`,
//! so that however many requests race for it, exactly one shows the token. A reveal
//! nobody came for lapses after [`REVEAL_MINUTES`].

use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use crate::db::{self, reveals::Sealed};
use crate::domain::access::Context;
use crate::domain::ids::{IntegrationId, UserId};
use crate::domain::token::TokenSecret;

use super::keys::Keys;
use super::{App, AppResult, Requester};

/// How long a new token waits for its reveal.
pub const REVEAL_MINUTES: i64 = 60;

/// Seals `token` for `user` to reveal once; the reveal's id. Run it in the transaction
/// that issues the token.
pub(super) fn stash(
    conn: &mut PgConnection,
    keys: &Keys,
    (user, integration): (UserId, IntegrationId),
    token: &TokenSecret,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let (nonce, sealed) = keys.seal(token, integration.0.as_bytes())?;
    let id = Uuid::new_v4();
    db::reveals::insert(
        conn,
        id,
        (user, integration),
        &Sealed { nonce, sealed },
        now,
        now + Duration::minutes(REVEAL_MINUTES),
    )?;
    Ok(id)
}

/// Takes the token awaiting its reveal: the token the first time, `None` ever after (or
/// for anyone else, or once it lapsed).
#[tracing::instrument(skip_all, fields(%id))]
pub async fn take(
    app: &App,
    by: &Requester,
    context: Context,
    id: IntegrationId,
    reveal: Uuid,
) -> AppResult<Option<TokenSecret>> {
    super::integrations::find(app, by, context, id).await?;
    let user = by.person()?.id;
    let now = app.clock.now();
    let sealed = app.write(move |conn| Ok(db::reveals::take(conn, reveal, (user, id), now)?)).await?;
    Ok(sealed.and_then(|sealed| app.keys.open(&sealed.nonce, &sealed.sealed, id.0.as_bytes())))
}

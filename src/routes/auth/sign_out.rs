//! `POST /sign-out`.

use actix_session::Session;
use actix_web::HttpResponse;

use crate::web::pages::see_other;

/// Ends the session (its row is deleted) and returns to the sign-in page.
#[tracing::instrument(skip_all)]
pub async fn submit(session: Session) -> HttpResponse {
    session.purge();
    see_other("/sign-in?signed_out=1")
}

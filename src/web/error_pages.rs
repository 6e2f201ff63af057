//! Turns every bare error response of the dashboard (an unknown route, a wrong method,
//! a body over the size limit, a session store failure) into the styled error page, so
//! that users never see a blank or plain-text error. Responses that already are pages
//! pass through untouched.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Data;

use super::error::WebError;
use super::pages::ErrorPage;
use crate::app::App;

/// The middleware function.
pub async fn render_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<Data<App>>().cloned();
    let outcome = next.call(req).await;
    let response = match outcome {
        Ok(response) => response,
        Err(error) => {
            // A middleware failed before a handler ran; `AppError`s render themselves.
            if error.as_error::<WebError>().is_some() {
                return Err(error);
            }
            let status = status_for(error.as_response_error().status_code(), state.as_ref());
            tracing::warn!(%status, error = %error, "request failed in middleware");
            return Err(actix_web::error::InternalError::from_response(
                error.to_string(),
                ErrorPage::for_status(status, None).into_response(),
            )
            .into());
        }
    };
    let status = response.status();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_html {
        return Ok(response.map_into_boxed_body());
    }
    let status = status_for(status, state.as_ref());
    let (req, _) = response.into_parts();
    Ok(ServiceResponse::new(req, ErrorPage::for_status(status, None).into_response()))
}

/// A 500 caused by an unreachable database is really a 503.
fn status_for(status: StatusCode, app: Option<&Data<App>>) -> StatusCode {
    if status == StatusCode::INTERNAL_SERVER_ERROR && app.is_some_and(|app| app.db.seems_unavailable()) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        status
    }
}

//! The error type of the dashboard's handlers, and its policy:
//!
//! - a missing object, or one of another tenant, is a **404** page (never a 403, so ids
//!   of other tenants cannot be probed);
//! - an authenticated user lacking a permission gets the **403** page;
//! - a request without a session is sent to the sign-in page;
//! - a database that cannot be reached is the **503** page, and the app recovers on its
//!   own once it is back;
//! - a page that replaces the handler's (a feature turned off in Labs) is shown as is;
//! - a rule that refused a change shows its message on the **409** page;
//! - anything unexpected is logged with its cause chain and shown as a generic **500**
//!   page that leaks nothing.
//!
//! Form validation is not an error: handlers render the form again with messages.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use super::pages::ErrorPage;
use crate::app::AppError;

/// What went wrong while answering a dashboard request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A use case did not succeed.
    #[error(transparent)]
    App(#[from] AppError),
    /// A state-changing request without a valid CSRF token or Origin.
    #[error("cross-site request refused")]
    CsrfRejected,
    /// A complete page to show instead of the handler's, such as "Private Integrations is
    /// turned off — enable it in Labs"; answered 200.
    #[error("page shown instead")]
    Page(String),
    /// The request needs a signed-in user and has none.
    #[error("sign-in required")]
    SignInRequired,
    /// A dangerous action needs a fresh confirmation of access; afterwards, back to this
    /// page.
    #[error("confirmation of access required")]
    SudoRequired(String),
    /// The agency requires two-factor and this person has not set it up yet.
    #[error("two-factor set-up required")]
    TwoFactorRequired,
}

/// The result of a dashboard handler.
pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    /// Anything unexpected.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::App(AppError::Internal(error.into()))
    }

    fn page_message(&self) -> Option<&str> {
        match self {
            Self::App(AppError::Refused(message) | AppError::Duplicate { message, .. }) => Some(message),
            Self::App(AppError::Invalid { message, .. } | AppError::Conflict { message, .. }) => {
                Some(message)
            }
            Self::App(AppError::AlreadyDone) => Some("This was done already: the same form was sent twice."),
            Self::CsrfRejected => Some(
                "This form has expired or was sent from another site. Go back, reload the page and try again.",
            ),
            _ => None,
        }
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::App(error) => match error {
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Forbidden | AppError::Token(_) => StatusCode::FORBIDDEN,
                AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Conflict { .. } => StatusCode::CONFLICT,
                AppError::Refused(_) | AppError::Duplicate { .. } | AppError::AlreadyDone => {
                    StatusCode::CONFLICT
                }
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::Page(_) => StatusCode::OK,
            Self::SignInRequired | Self::SudoRequired(_) | Self::TwoFactorRequired => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Page(html) => {
                return HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .insert_header((header::CACHE_CONTROL, "no-store, private"))
                    .body(html.clone());
            }
            Self::SignInRequired => {
                return HttpResponse::SeeOther().insert_header((header::LOCATION, "/sign-in")).finish();
            }
            Self::SudoRequired(back) => {
                let query = serde_html_form::to_string([("return", back.as_str())]).unwrap_or_default();
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/sudo?{query}")))
                    .finish();
            }
            Self::TwoFactorRequired => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/account/security"))
                    .finish();
            }
            Self::App(AppError::Unavailable(cause)) => tracing::warn!(error = %cause, "database unavailable"),
            Self::App(AppError::Internal(cause)) => tracing::error!(error = ?cause, "request failed"),
            // The request's span names the person and their address.
            Self::App(AppError::Forbidden | AppError::Token(_)) => tracing::warn!("refused: not permitted"),
            _ => {}
        }
        ErrorPage::for_status(self.status_code(), self.page_message()).into_response()
    }
}

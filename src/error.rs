//! The one error type of the web layer, and its policy:
//!
//! - a missing object, or one of another tenant, is a **404** page (never a 403, so ids
//!   of other tenants cannot be probed); `diesel::NotFound` maps here;
//! - an authenticated user lacking a permission gets the **403** page;
//! - a request without a session is sent to the sign-in page;
//! - a database that cannot be reached is the **503** page, and the app recovers on its
//!   own once it is back;
//! - a page that replaces the handler's (a feature turned off in Labs) is shown as is;
//! - anything unexpected is logged with its cause chain and shown as a generic **500**
//!   page that leaks nothing.
//!
//! Form validation is not an error: handlers render the form again with messages.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use crate::web::pages::ErrorPage;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The object does not exist, or belongs to another tenant.
    #[error("not found")]
    NotFound,
    /// The signed-in user may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request without a valid CSRF token or Origin.
    #[error("cross-site request refused")]
    CsrfRejected,
    /// A complete page to show instead of the handler's, such as "Private Integrations is
    /// turned off — enable it in Labs"; answered 200.
    #[error("page shown instead")]
    Page(String),
    /// The change was refused by a rule (the message says which); nothing changed.
    #[error("{0}")]
    Refused(String),
    /// The request needs a signed-in user and has none.
    #[error("sign-in required")]
    SignInRequired,
    /// The database cannot be reached right now.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug or an infrastructure failure.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::Unavailable(error.into()),
            other => Self::Internal(other.into()),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::Refused(_) => StatusCode::CONFLICT,
            Self::Page(_) => StatusCode::OK,
            Self::SignInRequired => StatusCode::SEE_OTHER,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Page(html) => {
                return HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .insert_header((header::CACHE_CONTROL, "no-cache, private"))
                    .body(html.clone());
            }
            Self::SignInRequired => {
                return HttpResponse::SeeOther().insert_header((header::LOCATION, "/sign-in")).finish();
            }
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            Self::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            _ => {}
        }
        ErrorPage::for_status(self.status_code(), self.page_message()).into_response()
    }
}

impl AppError {
    fn page_message(&self) -> Option<&str> {
        match self {
            Self::Refused(message) => Some(message),
            Self::CsrfRejected => Some(
                "This form has expired or was sent from another site. Go back, reload the page and try again.",
            ),
            _ => None,
        }
    }
}

/// The result of a handler.
pub type AppResult<T> = Result<T, AppError>;

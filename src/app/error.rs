//! What a use case answers when it does not succeed. The HTTP layers turn these into
//! pages ([`crate::web::error`]) or JSON (`crate::api`); the CLI prints them.

use crate::domain::access::{Decision, TokenDenial};

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The object does not exist, or belongs to another tenant: the two are never told
    /// apart, so that ids of other tenants cannot be probed.
    #[error("not found")]
    NotFound,
    /// A person within reach lacks the permission.
    #[error("forbidden")]
    Forbidden,
    /// A token lacks a scope or reach.
    #[error("the token may not do this: {0:?}")]
    Token(TokenDenial),
    /// Input the rules refuse, with the field it concerns; nothing changed.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What to fix, fit to show the user.
        message: String,
    },
    /// A rule of the product refused the change (the message says which); nothing changed.
    #[error("{0}")]
    Refused(String),
    /// The input is valid but conflicts with what is stored (an email taken, an
    /// assignee who does not work there…); nothing changed.
    #[error("{field}: {message}")]
    Conflict {
        /// The field.
        field: &'static str,
        /// What to tell.
        message: String,
    },
    /// The change would make a duplicate of `existing` (by `field`) where duplicates are
    /// not allowed; nothing changed.
    #[error("{message}")]
    Duplicate {
        /// What to tell.
        message: String,
        /// The object it would duplicate.
        existing: uuid::Uuid,
        /// The field both share.
        field: &'static str,
    },
    /// The same form was sent again while the first was carried out (a double submit):
    /// that one did it, this one changed nothing.
    #[error("already done by an earlier request")]
    AlreadyDone,
    /// The database cannot be reached right now.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug or an infrastructure failure.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// The result of a use case.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Invalid input in `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }

    /// Turns an authorization decision into the answer of a use case.
    pub fn check(decision: Decision) -> AppResult<()> {
        match decision {
            Decision::Allow => Ok(()),
            Decision::Forbidden => Err(Self::Forbidden),
            Decision::NotFound => Err(Self::NotFound),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        if matches!(error, Error::NotFound) {
            Self::NotFound
        } else if matches!(error, Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) {
            // What the change refers to was checked before; only a concurrent delete (a
            // location removed meanwhile) gets here: it is gone. Logged, so that a check
            // missing upstream would still show.
            tracing::warn!(%error, "a change referred to something deleted meanwhile: not found");
            Self::NotFound
        } else if crate::db::is_connection_failure(&error) {
            Self::Unavailable(error.into())
        } else {
            Self::Internal(error.into())
        }
    }
}

impl From<crate::db::Unavailable> for AppError {
    fn from(error: crate::db::Unavailable) -> Self {
        Self::Unavailable(error.into())
    }
}

impl From<TokenDenial> for AppError {
    fn from(denial: TokenDenial) -> Self {
        Self::Token(denial)
    }
}

impl From<crate::domain::rotation::Refusal> for AppError {
    fn from(refusal: crate::domain::rotation::Refusal) -> Self {
        Self::Refused(refusal.to_string())
    }
}

impl AppError {
    /// A conflict with stored data, about `field`.
    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { field, message: message.into() }
    }
}

//! `GET /setup/{token}` and `POST /setup/{token}`: the one-time page, linked from the
//! console on an empty installation, that creates the agency and its first admin.
//! The link dies once used; there is never a default account.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::db::{self, audit::NewEvent, users::NewPerson};
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, Role};
use crate::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{AppState, client, pages};

/// The digest under which a setup token is stored.
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    csrf: String,
    action: String,
    input: SetupForm,
    errors: FieldErrors,
}

/// Fields of the set-up form.
#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    agency_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default, skip_serializing)]
    password_confirmation: String,
}

/// The set-up form, or 404 if the link is not (or no longer) valid.
pub async fn form(
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let digest = token_digest(&token);
    let valid = state.db.run(move |conn| Ok(db::setup::is_valid(conn, &digest)?)).await?;
    if !valid {
        return Err(AppError::NotFound);
    }
    pages::render(&SetupPage {
        csrf: session.csrf_token()?,
        action: format!("/setup/{token}"),
        input: SetupForm::default(),
        errors: FieldErrors::default(),
    })
}

/// Creates the agency and its first admin, signs them in and opens the Settings.
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let mut input = form.into_inner();
    let mut errors = FieldErrors::default();
    let agency_name = errors.check("agency_name", DisplayName::parse(&input.agency_name));
    let name = errors.check("name", DisplayName::parse(&input.name));
    let email = errors.check("email", Email::parse(&input.email));
    let password = errors.check("password", NewPassword::parse(std::mem::take(&mut input.password)));
    if password.is_some() && input.password_confirmation.is_empty() {
        errors.add("password_confirmation", "Type the password again.");
    } else if password.as_ref().is_some_and(|password| password.expose() != input.password_confirmation) {
        errors.add("password_confirmation", "The passwords don't match.");
    }
    input.password_confirmation.clear();

    let (Some(agency_name), Some(name), Some(email), Some(password), true) =
        (agency_name, name, email, password, errors.is_empty())
    else {
        return pages::render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage { csrf: session.csrf_token()?, action: format!("/setup/{token}"), input, errors },
        );
    };

    let password_hash = state.passwords.hash(password).await?;
    let now = state.clock.now();
    let digest = token_digest(&token);
    let ip = client::ip(&req);
    let user = state
        .db
        .run(move |conn| {
            conn.build_transaction().serializable().run(|conn| {
                if !db::setup::consume(conn, &digest)? || db::agencies::any_exists(conn)? {
                    return Err(AppError::NotFound);
                }
                let agency = db::agencies::create(conn, &agency_name, now)?;
                let person = NewPerson {
                    agency_id: agency.id,
                    email,
                    name,
                    role: Role::AgencyAdmin,
                    permissions: Permissions::defaults(Role::AgencyAdmin, true),
                    sub_accounts: Vec::new(),
                };
                let user = db::users::create(conn, &person, Some(&password_hash), now)
                    .map_err(|error| AppError::Internal(error.into()))?;
                db::audit::record(
                    conn,
                    &NewEvent {
                        agency_id: Some(agency.id),
                        actor_user_id: Some(user.id),
                        target_id: Some(agency.id.0),
                        target_label: Some(agency.name.clone()),
                        ip: Some(ip),
                        ..NewEvent::new("agency.setup", &user.email, now)
                    },
                )?;
                Ok(user)
            })
        })
        .await?;

    session.sign_in(user.id)?;
    session.flash(FlashKind::Success, "Your agency is ready. Welcome to Private Integrations!")?;
    tracing::info!(user_id = %user.id, "installation set up");
    Ok(pages::see_other("/settings"))
}

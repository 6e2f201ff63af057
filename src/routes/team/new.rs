//! `GET/POST …/team/new` and `…/my-staff/new`: add a person with an initial password
//! chosen by the manager (they hand it over; the person can be given a new one later
//! with `private-integrations user set-password`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{person_url, team_url, title};
use crate::db::{self, audit::NewEvent, users::CreateUserError, users::NewPerson};
use crate::domain::access::{Action, Context};
use crate::domain::ids::SubAccountId;
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, Role};
use crate::error::{AppError, AppResult};
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{AppState, client, pages};

use super::edit::{RoleOption, SubOption};

#[derive(Template)]
#[template(path = "team/new.html")]
struct NewPage {
    shell: Shell,
    title: &'static str,
    action: String,
    back_url: String,
    typed_name: String,
    typed_email: String,
    roles: Vec<RoleOption>,
    sub_accounts: Option<Vec<SubOption>>,
    errors: FieldErrors,
}

/// Fields of the form.
#[derive(Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    sub_accounts: Vec<SubAccountId>,
}

fn render(page: &SettingsPage, input: &NewForm, errors: FieldErrors) -> AppResult<HttpResponse> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let selected = Role::from_db(&input.role);
    pages::render_with_status(
        status,
        &NewPage {
            shell: page.shell(Some(Section::Team)),
            title: title(page),
            action: format!("{}/new", team_url(page.context)),
            back_url: team_url(page.context),
            typed_name: input.name.clone(),
            typed_email: input.email.clone(),
            roles: page
                .me
                .actor
                .assignable_roles(page.context)
                .into_iter()
                .map(|role| RoleOption {
                    value: role.as_str(),
                    label: role.label(),
                    selected: Some(role) == selected,
                })
                .collect(),
            sub_accounts: matches!(page.context, Context::Agency(_)).then(|| {
                page.sub_accounts
                    .iter()
                    .map(|sub| SubOption {
                        id: sub.id,
                        name: sub.name.clone(),
                        checked: input.sub_accounts.contains(&sub.id),
                    })
                    .collect()
            }),
            errors,
        },
    )
}

/// The form.
pub async fn form(page: SettingsPage) -> AppResult<HttpResponse> {
    page.require(Action::ManageTeam)?;
    render(&page, &NewForm::default(), FieldErrors::default())
}

/// Adds the person.
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    form: HtmlForm<NewForm>,
) -> AppResult<HttpResponse> {
    page.require(Action::ManageTeam)?;
    let mut input = form.0;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", DisplayName::parse(&input.name));
    let email = errors.check("email", Email::parse(&input.email));
    let role = errors.check(
        "role",
        Role::from_db(&input.role)
            .filter(|role| page.me.actor.assignable_roles(page.context).contains(role))
            .ok_or_else(|| "Choose a role.".to_owned()),
    );
    let password = errors.check("password", NewPassword::parse(std::mem::take(&mut input.password)));
    let sub_accounts: Vec<SubAccountId> = match (page.context, role) {
        (Context::SubAccount { id, .. }, _) => vec![id],
        (Context::Agency(_), Some(role)) if !role.is_agency_level() => {
            let chosen: Vec<SubAccountId> = page
                .sub_accounts
                .iter()
                .map(|sub| sub.id)
                .filter(|id| input.sub_accounts.contains(id))
                .collect();
            if chosen.is_empty() {
                errors.add("sub_accounts", "Choose at least one sub-account for an account role.");
            }
            chosen
        }
        _ => Vec::new(),
    };
    let (Some(name), Some(email), Some(role), Some(password), true) =
        (name, email, role, password, errors.is_empty())
    else {
        return render(&page, &input, errors);
    };

    let hash = state.passwords.hash(password).await?;
    let person = NewPerson {
        agency_id: page.agency.id,
        email,
        name,
        role,
        permissions: Permissions::defaults(role, false),
        sub_accounts,
    };
    let event = page.audit("user.create", client::ip(&req), state.clock.now());
    let now = state.clock.now();
    let created = state
        .db
        .transaction(move |conn| match db::users::create(conn, &person, Some(&hash), now) {
            Ok(user) => {
                db::audit::record(
                    conn,
                    &NewEvent {
                        target_id: Some(user.id.0),
                        target_label: Some(user.email.clone()),
                        details: serde_json::json!({ "role": role.as_str(), "sub_accounts": person.sub_accounts }),
                        ..event
                    },
                )?;
                Ok(Some(user))
            }
            Err(CreateUserError::EmailTaken) => Ok(None),
            Err(other) => Err(AppError::Internal(other.into())),
        })
        .await?;
    let Some(user) = created else {
        errors.add("email", "A user with this email already exists.");
        return render(&page, &input, errors);
    };
    page.me.session.flash(
        FlashKind::Success,
        format!("{} was added. Give them their email and initial password.", user.name),
    )?;
    Ok(pages::see_other(&person_url(page.context, user.id)))
}

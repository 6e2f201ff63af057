//! `GET/POST …/team/new` and `…/my-staff/new`: add a person with an initial password
//! chosen by the manager (they hand it over; the person can be given a new one later
//! with `private-integrations user set-password`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{person_url, team_url, title};
use crate::app::{self, App, AppError, people::Newcomer};
use crate::domain::access::{Action, Context};
use crate::domain::ids::SubAccountId;
use crate::domain::people::{DisplayName, Email, NewPassword, Role};
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::error::WebResult;
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::pages;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::sudo;

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

fn render(page: &SettingsPage, input: &NewForm, errors: FieldErrors) -> WebResult<HttpResponse> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let selected = Role::parse(&input.role);
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

/// The form (in sudo mode: adding someone grants access).
#[tracing::instrument(skip_all)]
pub async fn form(req: HttpRequest, page: SettingsPage) -> WebResult<HttpResponse> {
    page.require(Action::ManageTeam)?;
    sudo::require(&req)?;
    render(&page, &NewForm::default(), FieldErrors::default())
}

/// Adds the person (in sudo mode).
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    page: SettingsPage,
    app: web::Data<App>,
    form: HtmlForm<NewForm>,
) -> WebResult<HttpResponse> {
    page.require(Action::ManageTeam)?;
    sudo::require(&req)?;
    let mut input = form.0;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", DisplayName::parse(&input.name));
    let email = errors.check("email", Email::parse(&input.email));
    let role = errors.check(
        "role",
        Role::parse(&input.role)
            .filter(|role| page.me.actor.assignable_roles(page.context).contains(role))
            .ok_or_else(|| "Choose a role.".to_owned()),
    );
    if let (Context::Agency(_), Some(role)) = (page.context, role)
        && role.needs_sub_accounts()
        && !page.sub_accounts.iter().any(|sub| input.sub_accounts.contains(&sub.id))
    {
        errors.add("sub_accounts", app::people::ACCOUNT_ROLE_NEEDS_A_SUB_ACCOUNT);
    }
    let password = errors.check("password", NewPassword::parse(std::mem::take(&mut input.password)));
    let (Some(name), Some(email), Some(role), Some(password), true) =
        (name, email, role, password, errors.is_empty())
    else {
        return render(&page, &input, errors);
    };
    let newcomer = Newcomer { name, email, role, password, sub_accounts: input.sub_accounts.clone() };
    let user = match app::people::create(&app, page.requester(), page.context, newcomer).await {
        Ok(user) => user,
        Err(AppError::Invalid { field, message } | AppError::Conflict { field, message }) => {
            errors.add(field, message);
            return render(&page, &input, errors);
        }
        Err(other) => return Err(other.into()),
    };
    page.me.session.flash(
        FlashKind::Success,
        format!("{} was added. Give them their email and initial password.", user.name),
    )?;
    Ok(pages::see_other(&person_url(page.context, user.id)))
}

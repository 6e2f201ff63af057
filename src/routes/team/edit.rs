//! `…/team/{user_id}` and `…/my-staff/{user_id}`: Roles & Permissions, sub-accounts,
//! deactivation and "sign out everywhere" for one person.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{PathIds, person_url, team_url, title};
use crate::app::{self, App, AppError, AppResult, people::AccessChange};
use crate::domain::access::Context;
use crate::domain::ids::SubAccountId;
use crate::domain::people::{Permissions, Role};
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::error::WebResult;
use crate::web::forms::HtmlForm;
use crate::web::pages;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::sudo::{self, Sudo};

/// A role in the select.
pub struct RoleOption {
    /// Stored form.
    pub value: &'static str,
    /// Label.
    pub label: &'static str,
    /// Whether it is the person's.
    pub selected: bool,
}

/// A permission toggle.
pub struct Toggle {
    /// Form field.
    pub name: &'static str,
    /// What users read.
    pub label: &'static str,
    /// What it allows.
    pub description: &'static str,
    /// Whether it is on.
    pub checked: bool,
    /// Whether the viewer may not switch it (they do not hold it themselves).
    pub disabled: bool,
}

/// A sub-account checkbox.
pub struct SubOption {
    /// Its id.
    pub id: SubAccountId,
    /// Its name.
    pub name: String,
    /// Whether the person is attached.
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "team/edit.html")]
struct EditPage {
    shell: Shell,
    title: &'static str,
    name: String,
    email: String,
    is_me: bool,
    editable: bool,
    role_label: &'static str,
    two_factor: bool,
    active: bool,
    url: String,
    back_url: String,
    roles: Vec<RoleOption>,
    toggles: Vec<Toggle>,
    sub_accounts: Option<Vec<SubOption>>,
    sessions: i64,
}

fn toggles(role: Role, p: Permissions, grantable: Permissions) -> Vec<Toggle> {
    match role {
        Role::AgencyAdmin => vec![
            Toggle {
                name: "manage_agency_integrations",
                label: "Manage agency private integrations",
                description: "Create, edit, rotate and delete the agency's own private integrations.",
                checked: p.manage_agency_integrations,
                disabled: !grantable.manage_agency_integrations,
            },
            Toggle {
                name: "manage_sub_account_integrations",
                label: "Manage sub-account private integrations",
                description: "Do the same for every sub-account of the agency.",
                checked: p.manage_sub_account_integrations,
                disabled: !grantable.manage_sub_account_integrations,
            },
            Toggle {
                name: "manage_team",
                label: "Manage team",
                description: "Add people and change anyone's role, permissions and sub-accounts.",
                checked: p.manage_team,
                disabled: !grantable.manage_team,
            },
        ],
        Role::AccountAdmin => vec![
            Toggle {
                name: "manage_integrations",
                label: "Manage private integrations",
                description: "Create, edit, rotate and delete the private integrations of their sub-accounts.",
                checked: p.manage_integrations,
                disabled: !grantable.manage_integrations,
            },
            Toggle {
                name: "manage_staff",
                label: "Manage staff",
                description: "Manage the account admins and users of their sub-accounts under My Staff.",
                checked: p.manage_staff,
                disabled: !grantable.manage_staff,
            },
        ],
        Role::AgencyUser | Role::AccountUser => Vec::new(),
    }
}

/// The edit page.
#[tracing::instrument(skip_all, fields(user_id = %path.user_id))]
pub async fn form(
    req: HttpRequest,
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let member = app::people::manageable(&app, page.requester(), page.context, path.user_id).await?;
    let role = member.user.role;
    let id = member.user.id;
    let editable = app::people::may_change(page.requester(), page.context, &member);
    if editable {
        // Roles & Permissions change who reaches what: confirm access before the form.
        sudo::require(&req)?;
    }
    let sessions = app::people::session_count(&app, page.requester(), page.context, id).await?;
    let two_factor = app::two_factor::is_enabled(&app, id).await?;
    let sub_accounts = matches!(page.context, Context::Agency(_)).then(|| {
        page.sub_accounts
            .iter()
            .map(|sub| SubOption {
                id: sub.id,
                name: sub.name.clone(),
                checked: member.sub_accounts.contains(&sub.id),
            })
            .collect()
    });
    pages::render(&EditPage {
        shell: page.shell(Some(Section::Team)),
        title: title(&page),
        is_me: id == page.me.user.id,
        editable,
        role_label: role.label(),
        two_factor,
        active: member.user.active,
        url: person_url(page.context, id),
        back_url: team_url(page.context),
        roles: page
            .me
            .actor
            .assignable_roles(page.context)
            .into_iter()
            .map(|option| RoleOption {
                value: option.as_str(),
                label: option.label(),
                selected: option == role,
            })
            .collect(),
        toggles: toggles(role, member.user.permissions, page.me.actor.grantable()),
        sub_accounts,
        sessions,
        name: member.user.name,
        email: member.user.email,
    })
}

/// Fields of the Roles & Permissions form; an unticked box is absent.
#[derive(Deserialize)]
pub struct AccessForm {
    #[serde(default)]
    role: String,
    manage_agency_integrations: Option<String>,
    manage_sub_account_integrations: Option<String>,
    manage_team: Option<String>,
    manage_integrations: Option<String>,
    manage_staff: Option<String>,
    #[serde(default)]
    sub_accounts: Vec<SubAccountId>,
}

/// Saves Roles & Permissions (and sub-accounts, on the Team page).
#[tracing::instrument(skip_all, fields(user_id = %path.user_id))]
pub async fn submit(
    _sudo: Sudo,
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
    form: HtmlForm<AccessForm>,
) -> WebResult<HttpResponse> {
    let url = person_url(page.context, path.user_id);
    let session = &page.me.session;
    let form = form.0;
    let Some(role) = Role::parse(&form.role) else {
        // Still a person the viewer may change? (Otherwise 404/403, not a message.)
        let member = app::people::manageable(&app, page.requester(), page.context, path.user_id).await?;
        if !app::people::may_change(page.requester(), page.context, &member) {
            return Err(AppError::Forbidden.into());
        }
        session.flash(FlashKind::Error, "Choose one of the roles offered.")?;
        return Ok(pages::see_other(&url));
    };
    let change = AccessChange {
        role,
        permissions: Permissions {
            manage_agency_integrations: form.manage_agency_integrations.is_some(),
            manage_sub_account_integrations: form.manage_sub_account_integrations.is_some(),
            manage_team: form.manage_team.is_some(),
            manage_integrations: form.manage_integrations.is_some(),
            manage_staff: form.manage_staff.is_some(),
        },
        sub_accounts: form.sub_accounts,
    };
    let outcome = app::people::update_access(&app, page.requester(), page.context, path.user_id, change)
        .await
        .map(|member| format!("Changes to {} saved. They apply from their next click.", member.user.name));
    finish(session, outcome)?;
    Ok(pages::see_other(&url))
}

/// Flashes the outcome of a change: its success message, or why it was refused.
fn finish(session: &actix_session::Session, outcome: AppResult<String>) -> WebResult<()> {
    match outcome {
        Ok(message) => session.flash(FlashKind::Success, message),
        Err(
            AppError::Refused(message)
            | AppError::Invalid { message, .. }
            | AppError::Conflict { message, .. },
        ) => session.flash(FlashKind::Error, message),
        Err(other) => Err(other.into()),
    }
}

/// Deactivates a person: they cannot sign in, and their sessions end at once.
#[tracing::instrument(skip_all)]
pub async fn deactivate(
    _sudo: Sudo,
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    set_active(page, app, path, false).await
}

/// Reactivates a person.
#[tracing::instrument(skip_all)]
pub async fn reactivate(
    _sudo: Sudo,
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    set_active(page, app, path, true).await
}

#[tracing::instrument(skip_all, fields(user_id = %path.user_id, active))]
async fn set_active(
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
    active: bool,
) -> WebResult<HttpResponse> {
    let outcome = app::people::set_active(&app, page.requester(), page.context, path.user_id, active)
        .await
        .map(|member| {
            if active {
                format!("{} is active again and can sign in.", member.user.name)
            } else {
                format!("{} is deactivated and signed out everywhere.", member.user.name)
            }
        });
    finish(&page.me.session, outcome)?;
    Ok(pages::see_other(&person_url(page.context, path.user_id)))
}

/// Ends every session of a person.
#[tracing::instrument(skip_all, fields(user_id = %path.user_id))]
pub async fn sign_out_everywhere(
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let (member, ended) =
        app::people::sign_out_everywhere(&app, page.requester(), page.context, path.user_id).await?;
    if member.user.id == page.me.user.id {
        page.me.session.purge();
        return Ok(pages::see_other("/sign-in?signed_out=1"));
    }
    page.me.session.flash(
        FlashKind::Success,
        format!(
            "{} is signed out everywhere ({ended} {}).",
            member.user.name,
            if ended == 1 { "session" } else { "sessions" }
        ),
    )?;
    Ok(pages::see_other(&person_url(page.context, member.user.id)))
}

/// **Reset two-factor** (in sudo mode): it is off, their recovery codes are gone and their
/// sessions end.
#[tracing::instrument(skip_all, fields(user_id = %path.user_id))]
pub async fn reset_two_factor(
    _sudo: Sudo,
    page: SettingsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let outcome =
        app::two_factor::reset(&app, page.requester(), page.context, path.user_id).await.map(|member| {
            format!(
                "Two-factor authentication of {} is reset, and they are signed out everywhere.",
                member.user.name
            )
        });
    finish(&page.me.session, outcome)?;
    Ok(pages::see_other(&person_url(page.context, path.user_id)))
}

//! `…/team/{user_id}` and `…/my-staff/{user_id}`: Roles & Permissions, sub-accounts,
//! deactivation and "sign out everywhere" for one person.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{PathIds, allowed, keep_a_team_manager, person_url, team_url, title};
use crate::db::{self, audit::NewEvent, users::Member};
use crate::domain::access::Context;
use crate::domain::ids::SubAccountId;
use crate::domain::people::{Permissions, Role};
use crate::error::{AppError, AppResult};
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::forms::HtmlForm;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{AppState, client, pages};

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
    active: bool,
    url: String,
    back_url: String,
    roles: Vec<RoleOption>,
    toggles: Vec<Toggle>,
    sub_accounts: Option<Vec<SubOption>>,
    sessions: i64,
}

fn toggles(role: Role, p: Permissions) -> Vec<Toggle> {
    match role {
        Role::AgencyAdmin => vec![
            Toggle {
                name: "manage_agency_integrations",
                label: "Manage agency private integrations",
                description: "Create, edit, rotate and delete the agency's own private integrations.",
                checked: p.manage_agency_integrations,
            },
            Toggle {
                name: "manage_sub_account_integrations",
                label: "Manage sub-account private integrations",
                description: "Do the same for every sub-account of the agency.",
                checked: p.manage_sub_account_integrations,
            },
            Toggle {
                name: "manage_team",
                label: "Manage team",
                description: "Add people and change anyone's role, permissions and sub-accounts.",
                checked: p.manage_team,
            },
        ],
        Role::AccountAdmin => vec![
            Toggle {
                name: "manage_integrations",
                label: "Manage private integrations",
                description: "Create, edit, rotate and delete the private integrations of their sub-accounts.",
                checked: p.manage_integrations,
            },
            Toggle {
                name: "manage_staff",
                label: "Manage staff",
                description: "Manage the account admins and users of their sub-accounts under My Staff.",
                checked: p.manage_staff,
            },
        ],
        Role::AgencyUser | Role::AccountUser => Vec::new(),
    }
}

/// Loads a person the viewer may manage from this page; 404/403 otherwise.
async fn manageable(page: &SettingsPage, state: &AppState, path: &PathIds) -> AppResult<Member> {
    let id = path.user_id;
    let member = state.db.run(move |conn| Ok(db::users::member(conn, id)?)).await?;
    allowed(page.me.actor.decide_on_person(page.context, &member.person()))?;
    Ok(member)
}

/// The edit page.
pub async fn form(
    page: SettingsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    let member = manageable(&page, &state, &path).await?;
    let role = member.user.role();
    let id = member.user.id;
    let now = state.clock.now();
    let sessions = state.db.run(move |conn| Ok(db::sessions::count_for_user(conn, id, now)?)).await?;
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
        toggles: toggles(role, member.user.permissions()),
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
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
    form: HtmlForm<AccessForm>,
) -> AppResult<HttpResponse> {
    let member = manageable(&page, &state, &path).await?;
    let url = person_url(page.context, member.user.id);
    let session = &page.me.session;
    let form = form.0;
    let Some(role) =
        Role::from_db(&form.role).filter(|role| page.me.actor.assignable_roles(page.context).contains(role))
    else {
        session.flash(FlashKind::Error, "Choose one of the roles offered.")?;
        return Ok(pages::see_other(&url));
    };
    let before_role = member.user.role();
    let permissions = if role == before_role {
        Permissions {
            manage_agency_integrations: form.manage_agency_integrations.is_some(),
            manage_sub_account_integrations: form.manage_sub_account_integrations.is_some(),
            manage_team: form.manage_team.is_some(),
            manage_integrations: form.manage_integrations.is_some(),
            manage_staff: form.manage_staff.is_some(),
        }
    } else {
        // A new role starts from that role's defaults; its toggles are shown next.
        Permissions::defaults(role, false)
    }
    .restricted_to(role);
    let sub_accounts: Option<Vec<SubAccountId>> = match page.context {
        Context::Agency(_) if role.is_agency_level() => Some(Vec::new()),
        Context::Agency(_) => {
            let chosen: Vec<SubAccountId> = page
                .sub_accounts
                .iter()
                .map(|sub| sub.id)
                .filter(|id| form.sub_accounts.contains(id))
                .collect();
            if chosen.is_empty() || chosen.len() != form.sub_accounts.len() {
                session.flash(
                    FlashKind::Error,
                    "Choose at least one of the agency's sub-accounts for an account role.",
                )?;
                return Ok(pages::see_other(&url));
            }
            Some(chosen)
        }
        Context::SubAccount { .. } => None,
    };

    let id = member.user.id;
    let agency = page.agency.id;
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        details: serde_json::json!({
            "before": { "role": before_role.as_str(), "permissions": member.user.permissions(), "sub_accounts": member.sub_accounts },
            "after": { "role": role.as_str(), "permissions": permissions, "sub_accounts": sub_accounts.as_ref().unwrap_or(&member.sub_accounts) },
        }),
        ..page.audit("user.update", client::ip(&req), state.clock.now())
    };
    let outcome = state
        .db
        .transaction(move |conn| {
            db::users::lock_member(conn, id)?;
            db::users::set_access(conn, id, agency, role, permissions, sub_accounts.as_deref())?;
            keep_a_team_manager(conn, agency)?;
            db::audit::record(conn, &event)?;
            Ok(())
        })
        .await;
    finish(
        session,
        outcome,
        format!("Changes to {} saved. They apply from their next click.", member.user.name),
    )?;
    Ok(pages::see_other(&url))
}

/// Flashes the outcome of a change: its success message, or why it was refused.
fn finish(session: &actix_session::Session, outcome: AppResult<()>, success: String) -> AppResult<()> {
    match outcome {
        Ok(()) => session.flash(FlashKind::Success, success),
        Err(AppError::Refused(message)) => session.flash(FlashKind::Error, message),
        Err(other) => Err(other),
    }
}

/// Deactivates a person: they cannot sign in, and their sessions end at once.
pub async fn deactivate(
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    set_active(req, page, state, path, false).await
}

/// Reactivates a person.
pub async fn reactivate(
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    set_active(req, page, state, path, true).await
}

async fn set_active(
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
    active: bool,
) -> AppResult<HttpResponse> {
    let member = manageable(&page, &state, &path).await?;
    let id = member.user.id;
    let agency = page.agency.id;
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..page.audit(action, client::ip(&req), state.clock.now())
    };
    let outcome = state
        .db
        .transaction(move |conn| {
            db::users::lock_member(conn, id)?;
            db::users::set_active(conn, id, active)?;
            if !active {
                db::sessions::delete_for_user(conn, id)?;
            }
            keep_a_team_manager(conn, agency)?;
            db::audit::record(conn, &event)?;
            Ok(())
        })
        .await;
    let message = if active {
        format!("{} is active again and can sign in.", member.user.name)
    } else {
        format!("{} is deactivated and signed out everywhere.", member.user.name)
    };
    finish(&page.me.session, outcome, message)?;
    Ok(pages::see_other(&person_url(page.context, id)))
}

/// Ends every session of a person.
pub async fn sign_out_everywhere(
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    let member = manageable(&page, &state, &path).await?;
    let id = member.user.id;
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..page.audit("user.sign_out_everywhere", client::ip(&req), state.clock.now())
    };
    let ended = state
        .db
        .transaction(move |conn| {
            let ended = db::sessions::delete_for_user(conn, id)?;
            db::audit::record(conn, &event)?;
            Ok(ended)
        })
        .await?;
    if id == page.me.user.id {
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
    Ok(pages::see_other(&person_url(page.context, id)))
}

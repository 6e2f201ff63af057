//! `GET …/team` and `GET …/my-staff`: the people of the context.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{person_url, team_url, title};
use crate::db;
use crate::domain::access::{Action, Context};
use crate::error::AppResult;
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::{AppState, pages};

/// One person in the list.
pub struct Row {
    /// Edit link.
    pub href: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role label.
    pub role: &'static str,
    /// Their sub-accounts' names.
    pub sub_accounts: String,
    /// Whether they may sign in.
    pub active: bool,
    /// Whether this is the viewer.
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "team/list.html")]
struct ListPage {
    shell: Shell,
    title: &'static str,
    new_url: String,
    rows: Vec<Row>,
    show_sub_accounts: bool,
}

/// The list.
pub async fn page(page: SettingsPage, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    page.require(Action::ManageTeam)?;
    let context = page.context;
    let members = state
        .db
        .run(move |conn| {
            Ok(match context {
                Context::Agency(agency) => db::users::members_of_agency(conn, agency)?,
                Context::SubAccount { id, .. } => db::users::staff_of_sub_account(conn, id)?,
            })
        })
        .await?;
    let names = |ids: &[crate::domain::ids::SubAccountId]| {
        let list: Vec<&str> = page
            .sub_accounts
            .iter()
            .filter(|sub| ids.contains(&sub.id))
            .map(|sub| sub.name.as_str())
            .collect();
        if list.is_empty() { "—".to_owned() } else { list.join(", ") }
    };
    let rows = members
        .iter()
        .map(|member| Row {
            href: person_url(context, member.user.id),
            name: member.user.name.clone(),
            email: member.user.email.clone(),
            role: member.user.role().label(),
            sub_accounts: names(&member.sub_accounts),
            active: member.user.active,
            is_me: member.user.id == page.me.user.id,
        })
        .collect();
    pages::render(&ListPage {
        shell: page.shell(Some(Section::Team)),
        title: title(&page),
        new_url: format!("{}/new", team_url(context)),
        rows,
        show_sub_accounts: context.sub_account_id().is_none(),
    })
}

//! `GET …/team` and `GET …/my-staff`: the people of the context.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{person_url, team_url, title};
use crate::app::{self, App};
use crate::domain::ids::SubAccountId;
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::error::WebResult;
use crate::web::pages;

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
    /// Whether they use two-factor authentication.
    pub two_factor: bool,
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
#[tracing::instrument(skip_all)]
pub async fn page(page: SettingsPage, app: web::Data<App>) -> WebResult<HttpResponse> {
    let context = page.context;
    let members = app::people::list(&app, page.requester(), context).await?;
    let two_factor =
        app::two_factor::enabled_among(&app, members.iter().map(|member| member.user.id).collect()).await?;
    let names = |ids: &[SubAccountId]| {
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
            role: member.user.role.label(),
            sub_accounts: names(&member.sub_accounts),
            active: member.user.active,
            is_me: member.user.id == page.me.user.id,
            two_factor: two_factor.contains(&member.user.id),
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

//! The two-step wizard, for creating (step 1 name + description → **Next** → step 2 scopes →
//! **Create**) and for editing (→ **Update**). What was typed lives in a session draft
//! between the steps, so going back keeps it and nothing needs JavaScript.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::{IntegrationsPage, PathIds, integration_url, list_url};
use crate::app::{self, App, integrations::Fields};
use crate::domain::ids::IntegrationId;
use crate::domain::integration::{Description, IntegrationName};
use crate::domain::scopes::ScopeSet;
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::error::{WebError, WebResult};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::pages;
use crate::web::reveal;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::sudo::{self, Sudo};

const DRAFT: &str = "integration_draft";

/// What was typed so far, for one wizard (`key` names which).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Draft {
    key: String,
    /// A new integration's draft, named once its first step is taken: it creates one
    /// integration however many times its last step is sent, even at once.
    #[serde(default)]
    id: Option<uuid::Uuid>,
    name: String,
    description: String,
    scopes: Option<Vec<String>>,
}

fn load_draft(session: &Session, key: &str) -> Option<Draft> {
    session.get::<Draft>(DRAFT).ok().flatten().filter(|draft| draft.key == key)
}

fn save_draft(session: &Session, draft: &Draft) -> WebResult<()> {
    session
        .insert(DRAFT, draft)
        .map_err(|error| WebError::internal(anyhow::anyhow!("writing the draft: {error}")))
}

/// Which wizard: a new integration in a context, or editing one.
#[derive(Clone, Copy)]
enum Target {
    New,
    Edit(IntegrationId),
}

impl Target {
    fn key(self, page: &SettingsPage) -> String {
        match self {
            Self::New => format!("new {}", list_url(page.context)),
            Self::Edit(id) => format!("edit {id}"),
        }
    }

    fn base(self, page: &SettingsPage) -> String {
        match self {
            Self::New => format!("{}/new", list_url(page.context)),
            Self::Edit(id) => format!("{}/edit", integration_url(page.context, id)),
        }
    }

    fn cancel(self, page: &SettingsPage) -> String {
        match self {
            Self::New => list_url(page.context),
            Self::Edit(id) => integration_url(page.context, id),
        }
    }
}

#[derive(Template)]
#[template(path = "integrations/step_details.html")]
struct DetailsStep {
    shell: Shell,
    heading: String,
    action: String,
    cancel_url: String,
    name: String,
    description: String,
    errors: FieldErrors,
}

/// A scope as the picker shows it.
pub struct ScopeChoice {
    /// Its name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Its description.
    pub description: String,
    /// Whether it is ticked.
    pub checked: bool,
}

/// An area of the picker.
pub struct AreaChoice {
    /// Its name.
    pub name: String,
    /// An id for its heading.
    pub id: String,
    /// Its scopes.
    pub scopes: Vec<ScopeChoice>,
}

#[derive(Template)]
#[template(path = "integrations/step_scopes.html")]
struct ScopesStep {
    shell: Shell,
    heading: String,
    editing: bool,
    action: String,
    cancel_url: String,
    name: String,
    areas: Vec<AreaChoice>,
    selected: usize,
    error: Option<String>,
    level_label: &'static str,
}

/// Fields of step 1.
#[derive(Debug, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

/// Fields of step 2.
#[derive(Debug, Deserialize)]
pub struct ScopesForm {
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    step: String,
}

fn render_details(
    page: &SettingsPage,
    target: Target,
    heading: String,
    draft: Draft,
    errors: FieldErrors,
) -> WebResult<HttpResponse> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::render_with_status(
        status,
        &DetailsStep {
            shell: page.shell(Some(Section::PrivateIntegrations)),
            heading,
            action: target.base(page),
            cancel_url: target.cancel(page),
            name: draft.name,
            description: draft.description,
            errors,
        },
    )
}

fn render_scopes(
    page: &SettingsPage,
    app: &App,
    target: Target,
    heading: String,
    draft: &Draft,
    error: Option<String>,
) -> WebResult<HttpResponse> {
    let level = crate::domain::integration::Owner::of(page.context).level();
    let chosen = draft.scopes.clone().unwrap_or_default();
    let areas: Vec<AreaChoice> = app
        .catalog
        .for_level(level)
        .into_iter()
        .enumerate()
        .map(|(index, area)| AreaChoice {
            id: format!("area-{index}"),
            scopes: area
                .scopes
                .into_iter()
                .map(|scope| ScopeChoice {
                    checked: chosen.contains(&scope.name),
                    name: scope.name,
                    label: scope.label,
                    description: scope.description,
                })
                .collect(),
            name: area.name,
        })
        .collect();
    let selected = areas.iter().flat_map(|area| &area.scopes).filter(|scope| scope.checked).count();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    pages::render_with_status(
        status,
        &ScopesStep {
            shell: page.shell(Some(Section::PrivateIntegrations)),
            heading,
            editing: matches!(target, Target::Edit(_)),
            action: format!("{}/scopes", target.base(page)),
            cancel_url: target.cancel(page),
            name: draft.name.clone(),
            areas,
            selected,
            error,
            level_label: if page.context.sub_account_id().is_some() { "sub-account" } else { "agency" },
        },
    )
}

/// Validates step 1; the parsed values, or the messages.
fn parse_details(name: &str, description: &str) -> Result<(IntegrationName, Description), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", IntegrationName::parse(name));
    let description = errors.check("description", Description::parse(description));
    match (name, description) {
        (Some(name), Some(description)) => Ok((name, description)),
        _ => Err(errors),
    }
}

const NEW_HEADING: &str = "Create new Integration";

/// Step 1 of creating.
#[tracing::instrument(skip_all)]
pub async fn new_details(_sudo: Sudo, page: IntegrationsPage) -> WebResult<HttpResponse> {
    let key = Target::New.key(&page);
    let draft = load_draft(&page.me.session, &key).unwrap_or(Draft { key, ..Draft::default() });
    render_details(&page, Target::New, NEW_HEADING.into(), draft, FieldErrors::default())
}

/// **Next** from step 1 of creating.
#[tracing::instrument(skip_all)]
pub async fn submit_new_details(
    page: IntegrationsPage,
    form: HtmlForm<DetailsForm>,
) -> WebResult<HttpResponse> {
    let key = Target::New.key(&page);
    let previous = load_draft(&page.me.session, &key);
    let draft = Draft {
        key,
        id: Some(previous.as_ref().and_then(|draft| draft.id).unwrap_or_else(uuid::Uuid::new_v4)),
        name: form.0.name.trim().to_owned(),
        description: form.0.description.trim().to_owned(),
        scopes: previous.and_then(|draft| draft.scopes),
    };
    if let Err(errors) = parse_details(&draft.name, &draft.description) {
        return render_details(&page, Target::New, NEW_HEADING.into(), draft, errors);
    }
    save_draft(&page.me.session, &draft)?;
    Ok(pages::see_other(&format!("{}/scopes", Target::New.base(&page))))
}

/// Step 2 of creating.
#[tracing::instrument(skip_all)]
pub async fn new_scopes(page: IntegrationsPage, app: web::Data<App>) -> WebResult<HttpResponse> {
    match load_draft(&page.me.session, &Target::New.key(&page)) {
        Some(draft) => render_scopes(&page, &app, Target::New, NEW_HEADING.into(), &draft, None),
        None => Ok(pages::see_other(&Target::New.base(&page))),
    }
}

/// **Create** (or **Back**) from step 2: issues the first token and shows it once.
#[tracing::instrument(skip_all)]
pub async fn submit_new_scopes(
    req: HttpRequest,
    page: IntegrationsPage,
    app: web::Data<App>,
    form: HtmlForm<ScopesForm>,
) -> WebResult<HttpResponse> {
    let session = &page.me.session;
    let Some(mut draft) = load_draft(session, &Target::New.key(&page)) else {
        return Ok(pages::see_other(&Target::New.base(&page)));
    };
    draft.scopes = Some(form.0.scopes.clone());
    if form.0.step == "back" {
        save_draft(session, &draft)?;
        return Ok(pages::see_other(&Target::New.base(&page)));
    }
    let Ok((name, description)) = parse_details(&draft.name, &draft.description) else {
        save_draft(session, &draft)?;
        return Ok(pages::see_other(&Target::New.base(&page)));
    };
    let scopes = match ScopeSet::parse(&form.0.scopes, &app.catalog, page.owner.level()) {
        Ok(scopes) => scopes,
        Err(message) => {
            return render_scopes(&page, &app, Target::New, NEW_HEADING.into(), &draft, Some(message));
        }
    };
    // Creating a token needs a fresh confirmation of access; the draft keeps every tick.
    if let Err(needed) = sudo::require(&req) {
        save_draft(session, &draft)?;
        return Err(needed);
    }
    let fields = Fields { name, description, scopes };
    let created =
        match app::integrations::create(&app, page.requester(), page.context, fields, draft.id).await {
            // Sent again while the first was being created: that one shows its token.
            Err(app::AppError::AlreadyDone) => return Ok(pages::see_other(&Target::New.base(&page))),
            other => other?,
        };
    let integration = created.integration;
    session.remove(DRAFT);
    reveal::remember(session, integration.id, created.reveal)?;
    session.flash(FlashKind::Success, format!("Integration “{}” created.", integration.name))?;
    Ok(pages::see_other(&format!("{}/reveal", integration_url(page.context, integration.id))))
}

fn edit_heading(name: &str) -> String {
    format!("Edit “{name}”")
}

/// Step 1 of editing.
#[tracing::instrument(skip_all)]
pub async fn edit_details(
    _sudo: Sudo,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let target = Target::Edit(path.integration_id);
    let integration =
        app::integrations::find(&app, page.requester(), page.context, path.integration_id).await?;
    let draft = load_draft(&page.me.session, &target.key(&page)).unwrap_or_else(|| Draft {
        key: target.key(&page),
        id: None,
        name: integration.name.clone(),
        description: integration.description.clone(),
        scopes: Some(integration.scopes.clone()),
    });
    render_details(&page, target, edit_heading(&integration.name), draft, FieldErrors::default())
}

/// **Next** from step 1 of editing.
#[tracing::instrument(skip_all)]
pub async fn submit_edit_details(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
    form: HtmlForm<DetailsForm>,
) -> WebResult<HttpResponse> {
    let target = Target::Edit(path.integration_id);
    let integration =
        app::integrations::find(&app, page.requester(), page.context, path.integration_id).await?;
    let previous = load_draft(&page.me.session, &target.key(&page));
    let draft = Draft {
        key: target.key(&page),
        id: None,
        name: form.0.name.trim().to_owned(),
        description: form.0.description.trim().to_owned(),
        scopes: Some(previous.and_then(|draft| draft.scopes).unwrap_or_else(|| integration.scopes.clone())),
    };
    if let Err(errors) = parse_details(&draft.name, &draft.description) {
        return render_details(&page, target, edit_heading(&integration.name), draft, errors);
    }
    save_draft(&page.me.session, &draft)?;
    Ok(pages::see_other(&format!("{}/scopes", target.base(&page))))
}

/// Step 2 of editing.
#[tracing::instrument(skip_all)]
pub async fn edit_scopes(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let target = Target::Edit(path.integration_id);
    let integration =
        app::integrations::find(&app, page.requester(), page.context, path.integration_id).await?;
    match load_draft(&page.me.session, &target.key(&page)) {
        Some(draft) => render_scopes(&page, &app, target, edit_heading(&integration.name), &draft, None),
        None => Ok(pages::see_other(&target.base(&page))),
    }
}

/// **Remove unused scopes** on the integration's page: step 2 of editing, with the scopes
/// that no successful call used in the last 30 days unticked. Nothing changes until
/// **Update**.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn remove_unused_scopes(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.integration_id;
    let target = Target::Edit(id);
    let integration = app::integrations::find(&app, page.requester(), page.context, id).await?;
    let report = app::usage::report(&app, page.requester(), page.context, id).await?;
    let unused = report.unused_scopes(&integration.scopes);
    let session = &page.me.session;
    if unused.is_empty() {
        session.flash(FlashKind::Success, "Every scope was used in the last 30 days.")?;
        return Ok(pages::see_other(&target.cancel(&page)));
    }
    let kept = integration.scopes.iter().filter(|scope| !unused.contains(&scope.as_str())).cloned().collect();
    save_draft(
        session,
        &Draft {
            key: target.key(&page),
            id: None,
            name: integration.name.clone(),
            description: integration.description.clone(),
            scopes: Some(kept),
        },
    )?;
    session.flash(
        FlashKind::Success,
        format!(
            "Unticked the scopes not used in the last 30 days: {}. Review them, then select Update.",
            unused.join(", ")
        ),
    )?;
    Ok(pages::see_other(&format!("{}/scopes", target.base(&page))))
}

/// **Update** (or **Back**) from step 2 of editing. The token does not change.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn submit_edit_scopes(
    req: HttpRequest,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
    form: HtmlForm<ScopesForm>,
) -> WebResult<HttpResponse> {
    let id = path.integration_id;
    let target = Target::Edit(id);
    let integration = app::integrations::find(&app, page.requester(), page.context, id).await?;
    let session = &page.me.session;
    let Some(mut draft) = load_draft(session, &target.key(&page)) else {
        return Ok(pages::see_other(&target.base(&page)));
    };
    draft.scopes = Some(form.0.scopes.clone());
    if form.0.step == "back" {
        save_draft(session, &draft)?;
        return Ok(pages::see_other(&target.base(&page)));
    }
    let Ok((name, description)) = parse_details(&draft.name, &draft.description) else {
        save_draft(session, &draft)?;
        return Ok(pages::see_other(&target.base(&page)));
    };
    let scopes = match ScopeSet::parse(&form.0.scopes, &app.catalog, page.owner.level()) {
        Ok(scopes) => scopes,
        Err(message) => {
            return render_scopes(
                &page,
                &app,
                target,
                edit_heading(&integration.name),
                &draft,
                Some(message),
            );
        }
    };
    // Editing scopes needs a fresh confirmation of access; the draft keeps every tick.
    if let Err(needed) = sudo::require(&req) {
        save_draft(session, &draft)?;
        return Err(needed);
    }
    let updated = app::integrations::update(
        &app,
        page.requester(),
        page.context,
        id,
        Fields { name, description, scopes },
    )
    .await?;
    session.remove(DRAFT);
    session.flash(
        FlashKind::Success,
        format!("Integration “{}” updated. Its token is unchanged.", updated.name),
    )?;
    Ok(pages::see_other(&integration_url(page.context, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The forms' decoders meet arbitrary bodies with a value or an error, never a
        /// panic (the fuzz target `form_decode` explores further).
        #[test]
        fn any_body_decodes_or_is_refused(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = serde_html_form::from_bytes::<DetailsForm>(&body);
            let _ = serde_html_form::from_bytes::<ScopesForm>(&body);
        }

        #[test]
        fn repeated_scope_fields_all_arrive(scopes in proptest::collection::vec("[a-z.]{1,12}", 0..5)) {
            let body = scopes.iter().map(|scope| format!("scopes={scope}")).collect::<Vec<_>>().join("&");
            let form = serde_html_form::from_bytes::<ScopesForm>(body.as_bytes()).expect("decodes");
            proptest::prop_assert_eq!(form.scopes, scopes);
        }
    }
}

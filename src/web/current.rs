//! Who is asking, and where: the extractors every dashboard page starts from.
//!
//! [`SignedIn`] reads the user fresh from the database on every request, so a change of
//! role or permission, or a deactivation, applies to their very next request.
//! [`SettingsPage`] adds the Settings context named by the path (the agency, or one
//! sub-account) and everything the shell around the page shows.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt as _};
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::client;
use super::error::{WebError, WebResult};
use super::session::{Flash, SessionExtras as _};
use crate::app::{self, App, AppError, Requester, settings::Place};
use crate::domain::access::{Action, Actor, Context};
use crate::domain::ids::SubAccountId;
use crate::domain::people::{Member, User};
use crate::domain::tenancy::{Agency, SubAccount};

/// The signed-in, active user.
pub struct SignedIn {
    /// Who they are.
    pub user: User,
    /// Them as authorization sees them.
    pub actor: Actor,
    /// Their session.
    pub session: Session,
    /// They, asking from their address, as use cases take it.
    pub requester: Requester,
}

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::load(&req, true).await })
    }
}

/// A signed-in person whom their agency's policy has not yet let past setting up
/// two-factor: only the Security pages take this.
pub struct SignedInForSetUp(pub SignedIn);

impl FromRequest for SignedInForSetUp {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { SignedIn::load(&req, false).await.map(Self) })
    }
}

impl SignedIn {
    /// Who the session names, read fresh; with `enforce_policy`, someone whose agency
    /// requires two-factor and who has none is sent to set it up first.
    async fn load(req: &HttpRequest, enforce_policy: bool) -> WebResult<Self> {
        let app = app_of(req)?;
        let session = req.get_session();
        let user_id = session.user_id().ok_or(WebError::SignInRequired)?;
        let found = app::sessions::signed_in(&app, user_id).await?;
        Self::from_found(req, session, found, enforce_policy)
    }

    /// The signed-in person from what was read of them (`None`: gone or deactivated).
    fn from_found(
        req: &HttpRequest,
        session: Session,
        found: Option<(Member, bool)>,
        enforce_policy: bool,
    ) -> WebResult<Self> {
        let Some((member, must_set_up)) = found else {
            // Removed or deactivated meanwhile: end this session too.
            session.purge();
            return Err(WebError::SignInRequired);
        };
        if enforce_policy && must_set_up {
            return Err(WebError::TwoFactorRequired);
        }
        let actor = member.actor();
        let ip = client::ip(req);
        let span = tracing::Span::current();
        span.record("user", tracing::field::display(member.user.id));
        span.record("client", tracing::field::display(&ip));
        let requester = Requester::user(actor.clone(), member.user.email.clone(), ip);
        Ok(Self { user: member.user, actor, session, requester })
    }
}

/// The app; present in every server this crate builds.
pub fn app_of(req: &HttpRequest) -> WebResult<Data<App>> {
    req.app_data::<Data<App>>().cloned().ok_or_else(|| WebError::internal(anyhow::anyhow!("App missing")))
}

/// A section of the Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Private Integrations.
    PrivateIntegrations,
    /// Team (agency) or My Staff (sub-account).
    Team,
    /// Labs.
    Labs,
    /// Audit log.
    AuditLog,
    /// Security (the agency's policy; the agency's Settings only).
    Security,
    /// Webhooks.
    Webhooks,
}

impl Section {
    /// In navigation order.
    pub const ALL: [Self; 6] =
        [Self::Team, Self::PrivateIntegrations, Self::Webhooks, Self::Labs, Self::Security, Self::AuditLog];

    /// What opening the section needs.
    pub fn action(self) -> Action {
        match self {
            Self::PrivateIntegrations => Action::ManageIntegrations,
            Self::Team => Action::ManageTeam,
            Self::Labs => Action::ManageLabs,
            Self::AuditLog => Action::ViewAuditLog,
            Self::Security => Action::ManageTeam,
            Self::Webhooks => Action::ManageIntegrations,
        }
    }

    fn slug(self, context: Context) -> &'static str {
        match (self, context) {
            (Self::PrivateIntegrations, _) => "private-integrations",
            (Self::Team, Context::Agency(_)) => "team",
            (Self::Team, Context::SubAccount { .. }) => "my-staff",
            (Self::Labs, _) => "labs",
            (Self::AuditLog, _) => "audit-log",
            (Self::Security, _) => "security",
            (Self::Webhooks, _) => "webhooks",
        }
    }

    fn label(self, context: Context) -> &'static str {
        match (self, context) {
            (Self::PrivateIntegrations, _) => "Private Integrations",
            (Self::Team, Context::Agency(_)) => "Team",
            (Self::Team, Context::SubAccount { .. }) => "My Staff",
            (Self::Labs, _) => "Labs",
            (Self::AuditLog, _) => "Audit log",
            (Self::Security, _) => "Security",
            (Self::Webhooks, _) => "Webhooks",
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Self::PrivateIntegrations => "key",
            Self::Team => "users",
            Self::Labs => "flask",
            Self::AuditLog => "list",
            Self::Security => "shield",
            Self::Webhooks => "send",
        }
    }
}

/// The URL of a context's Settings home.
pub fn context_home(context: Context) -> String {
    match context {
        Context::Agency(_) => "/settings".to_owned(),
        Context::SubAccount { id, .. } => format!("/locations/{id}/settings"),
    }
}

/// The URL of a section in a context.
pub fn section_url(context: Context, section: Section) -> String {
    format!("{}/{}", context_home(context), section.slug(context))
}

/// A dashboard page in a Settings context, with what the shell around it shows.
pub struct SettingsPage {
    /// The signed-in user.
    pub me: SignedIn,
    /// Their agency.
    pub agency: Agency,
    /// The sub-accounts they reach, by name.
    pub sub_accounts: Vec<SubAccount>,
    /// The context named by the path.
    pub context: Context,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    /// Labs: whether Private Integrations is on in this context.
    pub private_integrations_enabled: bool,
    /// The user's unread notifications, for the bell.
    pub unread: i64,
}

impl FromRequest for SettingsPage {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            // As `SignedIn` reads the person, with what the shell shows read in the same
            // trip to the database.
            let app = app_of(&req)?;
            let session = req.get_session();
            let user_id = session.user_id().ok_or(WebError::SignInRequired)?;
            let found = app::settings::signed_in_with_surroundings(&app, user_id).await?;
            let (found, surroundings) = found
                .map(|(member, must_set_up, surroundings)| ((member, must_set_up), surroundings))
                .unzip();
            let me = SignedIn::from_found(&req, session, found, true)?;
            let wanted: Option<SubAccountId> = match req.match_info().get("sub_account_id") {
                Some(text) => Some(text.parse().map_err(|_| AppError::NotFound)?),
                None => None,
            };
            // Read with the person, so present once they are.
            let surroundings = surroundings.ok_or(WebError::SignInRequired)?;
            let place = surroundings.place(&me.actor, wanted)?;
            Self::at(me, place)
        })
    }
}

impl SettingsPage {
    /// Resolves the context (the agency, or the sub-account `wanted`) for a signed-in
    /// user: 404 unless it is within their reach.
    pub async fn load(me: SignedIn, app: &App, wanted: Option<SubAccountId>) -> WebResult<Self> {
        let place = app::settings::place(app, &me.actor, wanted).await?;
        Self::at(me, place)
    }

    /// The page of `me` at `place`.
    fn at(me: SignedIn, place: Place) -> WebResult<Self> {
        let csrf = me.session.csrf_token()?;
        let private_integrations_enabled = place.private_integrations_enabled();
        let Place { agency, sub_accounts, context, unread } = place;
        Ok(Self { me, agency, sub_accounts, context, csrf, private_integrations_enabled, unread })
    }

    /// Who asks, for the use cases.
    pub fn requester(&self) -> &Requester {
        &self.me.requester
    }

    /// The context's home: its first open section, if any.
    pub fn first_section_url(&self) -> Option<String> {
        self.open_sections().first().map(|&section| section_url(self.context, section))
    }

    /// Fails with 404 or 403 unless the user may do `action` in this context.
    pub fn require(&self, action: Action) -> WebResult<()> {
        Ok(AppError::check(self.me.actor.decide(action, self.context))?)
    }

    /// The name of the current context.
    pub fn context_name(&self) -> &str {
        match self.context {
            Context::Agency(_) => &self.agency.name,
            Context::SubAccount { id, .. } => {
                self.sub_accounts.iter().find(|sub| sub.id == id).map_or("", |sub| sub.name.as_str())
            }
        }
    }

    /// The sections of this context the user may open, in navigation order; Labs hides
    /// Private Integrations when it is turned off.
    pub fn open_sections(&self) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|section| self.me.actor.may(section.action(), self.context))
            .filter(|&section| {
                !matches!(section, Section::PrivateIntegrations | Section::Webhooks)
                    || self.private_integrations_enabled
            })
            .filter(|&section| section != Section::Security || matches!(self.context, Context::Agency(_)))
            .collect()
    }

    /// The initial shown in the user's avatar.
    fn initial(&self) -> String {
        self.me.user.name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
    }

    /// The shell around a page of `section` (or none, for the context home).
    pub fn shell(&self, current: Option<Section>) -> Shell {
        let actor = &self.me.actor;
        let mut contexts = Vec::new();
        let agency = Context::Agency(self.agency.id);
        if actor.may(Action::Enter, agency) {
            contexts.push(self.context_link(agency, &self.agency.name, "Agency", current));
        }
        for sub in &self.sub_accounts {
            let context = Context::SubAccount { id: sub.id, agency_id: sub.agency_id };
            if actor.may(Action::Enter, context) {
                contexts.push(self.context_link(context, &sub.name, "Sub-account", current));
            }
        }
        let nav = self
            .open_sections()
            .into_iter()
            .map(|section| NavLink {
                label: section.label(self.context),
                href: section_url(self.context, section),
                icon: section.icon(),
                current: Some(section) == current,
            })
            .collect();
        Shell {
            user_initial: self.initial(),
            user_name: self.me.user.name.clone(),
            user_email: self.me.user.email.clone(),
            role_label: actor.role.label(),
            csrf: self.csrf.clone(),
            flashes: self.me.session.take_flashes(),
            context_name: self.context_name().to_owned(),
            context_kind: match self.context {
                Context::Agency(_) => "Agency",
                Context::SubAccount { .. } => "Sub-account",
            },
            contexts,
            nav,
            unread: self.unread,
        }
    }

    fn context_link(
        &self,
        context: Context,
        name: &str,
        kind: &'static str,
        section: Option<Section>,
    ) -> ContextLink {
        let href = match section {
            Some(section) if self.me.actor.may(section.action(), context) => section_url(context, section),
            _ => context_home(context),
        };
        ContextLink { name: name.to_owned(), kind, href, current: context == self.context }
    }
}

/// What the Settings shell shows around every page.
pub struct Shell {
    /// The first letter of the user's name, for the avatar.
    pub user_initial: String,
    /// The user's name.
    pub user_name: String,
    /// The user's email.
    pub user_email: String,
    /// The user's role, as users read it.
    pub role_label: &'static str,
    /// The CSRF token for the sign-out form.
    pub csrf: String,
    /// Messages from the previous action.
    pub flashes: Vec<Flash>,
    /// The current context's name.
    pub context_name: String,
    /// "Agency" or "Sub-account".
    pub context_kind: &'static str,
    /// Every context the user may switch to.
    pub contexts: Vec<ContextLink>,
    /// The left navigation.
    pub nav: Vec<NavLink>,
    /// The user's unread notifications (the bell).
    pub unread: i64,
}

impl Shell {
    /// The bell's badge: the count, "99+" beyond.
    pub fn unread_badge(&self) -> String {
        if self.unread > 99 { "99+".to_owned() } else { self.unread.to_string() }
    }
}

/// An entry of the context switcher.
pub struct ContextLink {
    /// The agency's or sub-account's name.
    pub name: String,
    /// "Agency" or "Sub-account".
    pub kind: &'static str,
    /// Where it leads.
    pub href: String,
    /// Whether it is the current context.
    pub current: bool,
}

/// An entry of the left navigation.
pub struct NavLink {
    /// What it says.
    pub label: &'static str,
    /// Where it leads.
    pub href: String,
    /// The icon's name in the sprite.
    pub icon: &'static str,
    /// Whether it is the current page.
    pub current: bool,
}

//! Authorization: the one place that answers "may this user do X here?" for people
//! ([`Actor`]) and "may this token do X?" for API callers ([`TokenActor`]). Use cases,
//! navigation and templates all ask here; no permission logic lives anywhere else.
//!
//! Tenancy comes first: a context outside the actor's reach (another agency, or a
//! sub-account an account-level user is not attached to) is [`Decision::NotFound`], so
//! that ids of other tenants cannot be probed. Within reach, a missing permission is
//! [`Decision::Forbidden`].

use super::ids::{AgencyId, IntegrationId, SubAccountId, UserId};
use super::integration::Owner;
use super::people::{Member, Permissions, Role};
use super::scopes::Catalog;

/// The signed-in user as authorization sees them, read fresh on every request so that a
/// change of role or permission applies at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user.
    pub id: UserId,
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their role.
    pub role: Role,
    /// Their permission toggles.
    pub permissions: Permissions,
    /// The sub-accounts they are attached to (account-level roles).
    pub sub_accounts: Vec<SubAccountId>,
}

/// Where in the Settings an action happens: the agency's own, or one sub-account's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// The agency's Settings.
    Agency(AgencyId),
    /// A sub-account's Settings; carries the sub-account's agency as stored.
    SubAccount {
        /// The sub-account.
        id: SubAccountId,
        /// The agency it belongs to.
        agency_id: AgencyId,
    },
}

impl Context {
    /// The agency's own level (`None`) or one of its sub-accounts.
    pub fn of(agency_id: AgencyId, sub_account_id: Option<SubAccountId>) -> Self {
        match sub_account_id {
            Some(id) => Self::SubAccount { id, agency_id },
            None => Self::Agency(agency_id),
        }
    }

    /// The agency the context belongs to.
    pub fn agency_id(self) -> AgencyId {
        match self {
            Self::Agency(id) | Self::SubAccount { agency_id: id, .. } => id,
        }
    }

    /// The sub-account, if the context is one.
    pub fn sub_account_id(self) -> Option<SubAccountId> {
        match self {
            Self::Agency(_) => None,
            Self::SubAccount { id, .. } => Some(id),
        }
    }
}

/// Something a user may want to do in a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the context's Settings at all.
    Enter,
    /// List, create, edit, rotate and delete private integrations.
    ManageIntegrations,
    /// Manage users: Team (agency) or My Staff (sub-account).
    ManageTeam,
    /// Switch Labs flags.
    ManageLabs,
    /// Read the audit log.
    ViewAuditLog,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Within reach, but not permitted: 403.
    Forbidden,
    /// Outside the actor's tenancy: 404, as if it did not exist.
    NotFound,
}

impl Actor {
    /// Whether the context is within this actor's reach at all.
    pub fn reaches(&self, context: Context) -> bool {
        if context.agency_id() != self.agency_id {
            return false;
        }
        match (context, self.role.is_agency_level()) {
            (Context::Agency(_), agency_level) => agency_level,
            (Context::SubAccount { .. }, true) => true,
            (Context::SubAccount { id, .. }, false) => self.sub_accounts.contains(&id),
        }
    }

    /// May this actor do `action` in `context`?
    pub fn decide(&self, action: Action, context: Context) -> Decision {
        if !self.reaches(context) {
            return Decision::NotFound;
        }
        if self.permits(action, context) { Decision::Allow } else { Decision::Forbidden }
    }

    /// Shorthand for `decide(..) == Allow`, for navigation and buttons.
    pub fn may(&self, action: Action, context: Context) -> bool {
        self.decide(action, context) == Decision::Allow
    }

    fn permits(&self, action: Action, context: Context) -> bool {
        let p = self.permissions;
        let admin = matches!(
            (self.role, context),
            (Role::AgencyAdmin, _) | (Role::AccountAdmin, Context::SubAccount { .. })
        );
        match (action, context) {
            (Action::Enter, _) => admin,
            (Action::ManageIntegrations, Context::Agency(_)) => admin && p.manage_agency_integrations,
            (Action::ManageIntegrations, Context::SubAccount { .. }) => match self.role {
                Role::AgencyAdmin => p.manage_sub_account_integrations,
                Role::AccountAdmin => p.manage_integrations,
                Role::AgencyUser | Role::AccountUser => false,
            },
            (Action::ManageTeam, Context::Agency(_)) => admin && p.manage_team,
            (Action::ManageTeam, Context::SubAccount { .. }) => match self.role {
                Role::AgencyAdmin => p.manage_team,
                Role::AccountAdmin => p.manage_staff,
                Role::AgencyUser | Role::AccountUser => false,
            },
            (Action::ManageLabs | Action::ViewAuditLog, _) => admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENCY: AgencyId = AgencyId(uuid::Uuid::from_u128(1));
    const OTHER_AGENCY: AgencyId = AgencyId(uuid::Uuid::from_u128(2));
    const MINE: SubAccountId = SubAccountId(uuid::Uuid::from_u128(11));
    const SIBLING: SubAccountId = SubAccountId(uuid::Uuid::from_u128(12));

    fn actor(role: Role, permissions: Permissions) -> Actor {
        Actor {
            id: UserId(uuid::Uuid::from_u128(100)),
            agency_id: AGENCY,
            role,
            permissions,
            sub_accounts: if role.is_agency_level() { vec![] } else { vec![MINE] },
        }
    }

    fn sub(id: SubAccountId) -> Context {
        Context::SubAccount { id, agency_id: AGENCY }
    }

    #[test]
    fn another_agency_is_not_found_for_everyone() {
        for role in Role::ALL {
            let actor = actor(role, Permissions::defaults(role, true));
            let foreign = Context::SubAccount { id: SIBLING, agency_id: OTHER_AGENCY };
            assert_eq!(actor.decide(Action::Enter, Context::Agency(OTHER_AGENCY)), Decision::NotFound);
            assert_eq!(actor.decide(Action::ManageIntegrations, foreign), Decision::NotFound);
        }
    }

    #[test]
    fn account_roles_reach_only_their_sub_accounts() {
        let admin = actor(Role::AccountAdmin, Permissions::defaults(Role::AccountAdmin, false));
        assert_eq!(admin.decide(Action::ManageIntegrations, sub(MINE)), Decision::Allow);
        assert_eq!(admin.decide(Action::ManageIntegrations, sub(SIBLING)), Decision::NotFound);
        assert_eq!(admin.decide(Action::Enter, Context::Agency(AGENCY)), Decision::NotFound);
    }

    #[test]
    fn integration_permissions_follow_the_toggles() {
        let full = Permissions::defaults(Role::AgencyAdmin, true);
        let admin = actor(Role::AgencyAdmin, full);
        assert!(admin.may(Action::ManageIntegrations, Context::Agency(AGENCY)));
        assert!(admin.may(Action::ManageIntegrations, sub(SIBLING)));

        let no_agency = actor(Role::AgencyAdmin, Permissions { manage_agency_integrations: false, ..full });
        assert_eq!(
            no_agency.decide(Action::ManageIntegrations, Context::Agency(AGENCY)),
            Decision::Forbidden
        );
        assert!(no_agency.may(Action::ManageIntegrations, sub(MINE)));

        let no_sub = actor(Role::AgencyAdmin, Permissions { manage_sub_account_integrations: false, ..full });
        assert_eq!(no_sub.decide(Action::ManageIntegrations, sub(MINE)), Decision::Forbidden);

        let account = actor(Role::AccountAdmin, Permissions::default());
        assert_eq!(account.decide(Action::ManageIntegrations, sub(MINE)), Decision::Forbidden);
    }

    #[test]
    fn plain_users_never_manage_anything() {
        for role in [Role::AgencyUser, Role::AccountUser] {
            let user = actor(role, Permissions::default());
            let context = if role.is_agency_level() { Context::Agency(AGENCY) } else { sub(MINE) };
            for action in [
                Action::Enter,
                Action::ManageIntegrations,
                Action::ManageTeam,
                Action::ManageLabs,
                Action::ViewAuditLog,
            ] {
                assert_eq!(user.decide(action, context), Decision::Forbidden, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn team_management_needs_manage_team_or_manage_staff() {
        let manager = actor(Role::AgencyAdmin, Permissions::defaults(Role::AgencyAdmin, true));
        let admin = actor(Role::AgencyAdmin, Permissions::defaults(Role::AgencyAdmin, false));
        assert!(manager.may(Action::ManageTeam, Context::Agency(AGENCY)));
        assert!(!admin.may(Action::ManageTeam, Context::Agency(AGENCY)));
        let staff = actor(Role::AccountAdmin, Permissions::defaults(Role::AccountAdmin, false));
        assert!(staff.may(Action::ManageTeam, sub(MINE)));
        let no_staff = actor(
            Role::AccountAdmin,
            Permissions { manage_staff: false, ..Permissions::defaults(Role::AccountAdmin, false) },
        );
        assert!(!no_staff.may(Action::ManageTeam, sub(MINE)));
    }
}

/// A user as seen by someone who may manage them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their id.
    pub id: UserId,
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their role.
    pub role: Role,
    /// Their sub-accounts.
    pub sub_accounts: Vec<SubAccountId>,
}

impl Actor {
    /// May this actor manage `person` from the Team (agency) or My Staff (sub-account)
    /// page of `context`? My Staff lists only the account-level staff of its sub-account;
    /// anyone else is not found there.
    pub fn decide_on_person(&self, context: Context, person: &Person) -> Decision {
        if person.agency_id != self.agency_id {
            return Decision::NotFound;
        }
        match self.decide(Action::ManageTeam, context) {
            Decision::Allow => {}
            other => return other,
        }
        match context {
            Context::Agency(_) => Decision::Allow,
            Context::SubAccount { id, .. } => {
                if !person.role.is_agency_level() && person.sub_accounts.contains(&id) {
                    Decision::Allow
                } else {
                    Decision::NotFound
                }
            }
        }
    }

    /// May this actor change `person` (role, permissions, sub-accounts, status) from the
    /// page of `context`? Only someone they may manage (see [`Self::decide_on_person`]),
    /// never themselves (their own row is read-only: another manager changes it), and,
    /// from My Staff, only someone all of whose sub-accounts the actor manages — so that
    /// a change made from one sub-account never alters anyone's access in another.
    pub fn decide_change(&self, context: Context, person: &Person) -> Decision {
        match self.decide_on_person(context, person) {
            Decision::Allow => {}
            other => return other,
        }
        if person.id == self.id {
            return Decision::Forbidden;
        }
        let manages_all = person
            .sub_accounts
            .iter()
            .all(|&id| self.may(Action::ManageTeam, Context::SubAccount { id, agency_id: self.agency_id }));
        if matches!(context, Context::SubAccount { .. }) && !manages_all {
            return Decision::Forbidden;
        }
        Decision::Allow
    }

    /// The permission toggles this actor may switch for others: those whose power they
    /// hold themselves. An agency admin's "Manage sub-account private integrations" and
    /// "Manage team" hold an account admin's "Manage private integrations" and "Manage
    /// staff".
    pub fn grantable(&self) -> Permissions {
        let p = self.permissions;
        match self.role {
            Role::AgencyAdmin => Permissions {
                manage_agency_integrations: p.manage_agency_integrations,
                manage_sub_account_integrations: p.manage_sub_account_integrations,
                manage_team: p.manage_team,
                manage_integrations: p.manage_sub_account_integrations,
                manage_staff: p.manage_team,
            },
            Role::AccountAdmin => Permissions {
                manage_integrations: p.manage_integrations,
                manage_staff: p.manage_staff,
                ..Permissions::default()
            },
            Role::AgencyUser | Role::AccountUser => Permissions::default(),
        }
    }

    /// The permissions a person of `role` ends up with when this actor asks for
    /// `requested`: toggles the actor may grant follow the request, the others keep
    /// `before` (what the person had; nothing for a newcomer or a new role).
    pub fn permissions_for(&self, role: Role, requested: Permissions, before: Permissions) -> Permissions {
        let grantable = self.grantable();
        let pick = |may: bool, asked: bool, had: bool| if may { asked } else { had };
        Permissions {
            manage_agency_integrations: pick(
                grantable.manage_agency_integrations,
                requested.manage_agency_integrations,
                before.manage_agency_integrations,
            ),
            manage_sub_account_integrations: pick(
                grantable.manage_sub_account_integrations,
                requested.manage_sub_account_integrations,
                before.manage_sub_account_integrations,
            ),
            manage_team: pick(grantable.manage_team, requested.manage_team, before.manage_team),
            manage_integrations: pick(
                grantable.manage_integrations,
                requested.manage_integrations,
                before.manage_integrations,
            ),
            manage_staff: pick(grantable.manage_staff, requested.manage_staff, before.manage_staff),
        }
        .restricted_to(role)
    }

    /// The roles this actor may give from the page of `context`: every role on the Team
    /// page, account roles on My Staff.
    pub fn assignable_roles(&self, context: Context) -> Vec<Role> {
        match context {
            Context::Agency(_) => Role::ALL.to_vec(),
            Context::SubAccount { .. } => vec![Role::AccountAdmin, Role::AccountUser],
        }
    }
}

#[cfg(test)]
mod person_tests {
    use super::*;

    const AGENCY: AgencyId = AgencyId(uuid::Uuid::from_u128(1));
    const SUB: SubAccountId = SubAccountId(uuid::Uuid::from_u128(11));
    const OTHER_SUB: SubAccountId = SubAccountId(uuid::Uuid::from_u128(12));

    fn person(role: Role, subs: Vec<SubAccountId>) -> Person {
        Person { id: UserId(uuid::Uuid::from_u128(7)), agency_id: AGENCY, role, sub_accounts: subs }
    }

    fn actor(role: Role, permissions: Permissions, subs: Vec<SubAccountId>) -> Actor {
        Actor {
            id: UserId(uuid::Uuid::from_u128(100)),
            agency_id: AGENCY,
            role,
            permissions,
            sub_accounts: subs,
        }
    }

    #[test]
    fn team_managers_manage_everyone_of_their_agency_only() {
        let manager = actor(Role::AgencyAdmin, Permissions::defaults(Role::AgencyAdmin, true), vec![]);
        let agency = Context::Agency(AGENCY);
        assert_eq!(manager.decide_on_person(agency, &person(Role::AgencyUser, vec![])), Decision::Allow);
        let foreign =
            Person { agency_id: AgencyId(uuid::Uuid::from_u128(2)), ..person(Role::AgencyUser, vec![]) };
        assert_eq!(manager.decide_on_person(agency, &foreign), Decision::NotFound);
        let plain = actor(Role::AgencyAdmin, Permissions::defaults(Role::AgencyAdmin, false), vec![]);
        assert_eq!(plain.decide_on_person(agency, &person(Role::AgencyUser, vec![])), Decision::Forbidden);
    }

    #[test]
    fn staff_managers_manage_only_their_sub_accounts_account_staff() {
        let staff = actor(Role::AccountAdmin, Permissions::defaults(Role::AccountAdmin, false), vec![SUB]);
        let here = Context::SubAccount { id: SUB, agency_id: AGENCY };
        assert_eq!(staff.decide_on_person(here, &person(Role::AccountUser, vec![SUB])), Decision::Allow);
        assert_eq!(
            staff.decide_on_person(here, &person(Role::AccountUser, vec![OTHER_SUB])),
            Decision::NotFound
        );
        assert_eq!(staff.decide_on_person(here, &person(Role::AgencyAdmin, vec![])), Decision::NotFound);
        let elsewhere = Context::SubAccount { id: OTHER_SUB, agency_id: AGENCY };
        assert_eq!(
            staff.decide_on_person(elsewhere, &person(Role::AccountUser, vec![OTHER_SUB])),
            Decision::NotFound
        );
        assert_eq!(staff.assignable_roles(here), [Role::AccountAdmin, Role::AccountUser]);
    }

    #[test]
    fn nobody_changes_themselves_and_my_staff_changes_only_people_wholly_its_own() {
        let staff = actor(Role::AccountAdmin, Permissions::defaults(Role::AccountAdmin, false), vec![SUB]);
        let here = Context::SubAccount { id: SUB, agency_id: AGENCY };
        let me = Person { id: staff.id, ..person(Role::AccountAdmin, vec![SUB]) };
        assert_eq!(staff.decide_on_person(here, &me), Decision::Allow, "they see their own row");
        assert_eq!(staff.decide_change(here, &me), Decision::Forbidden, "but cannot change it");
        assert_eq!(staff.decide_change(here, &person(Role::AccountUser, vec![SUB])), Decision::Allow);
        assert_eq!(
            staff.decide_change(here, &person(Role::AccountUser, vec![SUB, OTHER_SUB])),
            Decision::Forbidden,
            "someone also in a sub-account the editor does not manage"
        );
        let manager = actor(Role::AgencyAdmin, Permissions::defaults(Role::AgencyAdmin, true), vec![]);
        assert_eq!(
            manager.decide_change(here, &person(Role::AccountUser, vec![SUB, OTHER_SUB])),
            Decision::Allow
        );
    }

    #[test]
    fn managers_grant_only_what_they_hold() {
        let all = Permissions {
            manage_agency_integrations: true,
            manage_sub_account_integrations: true,
            manage_team: true,
            manage_integrations: true,
            manage_staff: true,
        };
        let staff_only = actor(
            Role::AccountAdmin,
            Permissions { manage_staff: true, ..Permissions::default() },
            vec![SUB],
        );
        let newcomer = staff_only.permissions_for(
            Role::AccountAdmin,
            Permissions::defaults(Role::AccountAdmin, false),
            Permissions::default(),
        );
        assert_eq!(newcomer, Permissions { manage_staff: true, ..Permissions::default() });
        let kept = staff_only.permissions_for(Role::AccountAdmin, Permissions::default(), all);
        assert!(kept.manage_integrations, "a toggle the editor lacks keeps its value");
        assert!(!kept.manage_staff, "a toggle the editor holds follows the request");

        let manager = actor(
            Role::AgencyAdmin,
            Permissions {
                manage_team: true,
                manage_sub_account_integrations: true,
                ..Permissions::default()
            },
            vec![],
        );
        let admin = manager.permissions_for(Role::AgencyAdmin, all, Permissions::default());
        assert!(
            !admin.manage_agency_integrations && admin.manage_sub_account_integrations && admin.manage_team
        );
        assert!(manager.permissions_for(Role::AccountAdmin, all, Permissions::default()).manage_integrations);
    }
}

/// A verified API caller: the integration whose token was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenActor {
    /// The integration.
    pub integration_id: IntegrationId,
    /// Its name, for the audit log.
    pub name: String,
    /// Whose integration it is.
    pub owner: Owner,
    /// The scopes it holds.
    pub scopes: Vec<String>,
}

/// Why a token may not do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenDenial {
    /// It lacks the scope the operation needs (or the catalog no longer knows it).
    Scope(&'static str),
    /// The resource is outside its agency or sub-account.
    Location,
    /// The person is, or would become, an admin: a token manages only plain users, so
    /// that no token can mint or change a dashboard login with power.
    Admins,
    /// A sub-account's token gives only account roles.
    AgencyRole,
}

impl TokenActor {
    /// Allowed when the token holds `scope` and the catalog still knows it: a scope the
    /// catalog dropped grants nothing.
    pub fn require_scope(&self, scope: &'static str, catalog: &Catalog) -> Result<(), TokenDenial> {
        if self.scopes.iter().any(|held| held == scope) && catalog.get(scope).is_some() {
            Ok(())
        } else {
            Err(TokenDenial::Scope(scope))
        }
    }

    /// The scopes that grant something: held, and still in the catalog.
    pub fn effective_scopes(&self, catalog: &Catalog) -> Vec<String> {
        self.scopes.iter().filter(|scope| catalog.get(scope).is_some()).cloned().collect()
    }

    /// Whether the token is the agency's own (not a sub-account's).
    pub fn is_agency_token(&self) -> bool {
        self.owner.sub_account_id.is_none()
    }

    /// Whether the agency (company) is the token's own, for an agency token.
    pub fn reaches_company(&self, agency_id: AgencyId) -> bool {
        self.is_agency_token() && agency_id == self.owner.agency_id
    }

    /// Whether a sub-account (of `agency_id`) is within reach: any of its agency's for an
    /// agency token, only its own for a sub-account token.
    pub fn reaches_sub_account(&self, sub_account: SubAccountId, agency_id: AgencyId) -> bool {
        match self.owner.sub_account_id {
            None => agency_id == self.owner.agency_id,
            Some(own) => own == sub_account && agency_id == self.owner.agency_id,
        }
    }

    /// Whether a person is within reach: anyone of the agency for an agency token; the
    /// account-level staff of its sub-account for a sub-account token.
    pub fn reaches_member(&self, member: &Member) -> bool {
        member.user.agency_id == self.owner.agency_id
            && self
                .owner
                .sub_account_id
                .is_none_or(|own| !member.user.role.is_agency_level() && member.sub_accounts.contains(&own))
    }

    /// Whether the token may change who a person is (their name, phone or role) rather
    /// than only where they belong: an agency token, anyone it reaches; a sub-account's
    /// token, only someone who belongs to no other sub-account, since the change would
    /// reach into the others (the rule My Staff follows, SPEC §1).
    pub fn may_edit_person(&self, member: &Member) -> Result<(), TokenDenial> {
        match self.owner.sub_account_id {
            Some(own) if member.sub_accounts.iter().any(|sub| *sub != own) => Err(TokenDenial::Location),
            _ => Ok(()),
        }
    }

    /// Whether the token may write a person who is `current` (none for a newcomer) as
    /// `requested`: never an admin, before or after.
    pub fn may_write_person(&self, current: Option<Role>, requested: Role) -> Result<(), TokenDenial> {
        let admin = |role: Role| matches!(role, Role::AgencyAdmin | Role::AccountAdmin);
        if admin(requested) || current.is_some_and(admin) { Err(TokenDenial::Admins) } else { Ok(()) }
    }

    /// The sub-accounts a person of `role` ends up attached to when this token names
    /// `requested` locations for someone attached to `current` (none for a newcomer).
    /// `agency_sub_accounts` are all of the agency's. A sub-account's token manages its own
    /// sub-account only: it never removes anyone from another.
    pub fn placement(
        &self,
        role: Role,
        requested: Option<&[SubAccountId]>,
        current: &[SubAccountId],
        agency_sub_accounts: &[SubAccountId],
    ) -> Result<Vec<SubAccountId>, Placement> {
        if let Some(own) = self.owner.sub_account_id {
            if role.is_agency_level() {
                return Err(Placement::AgencyRoleFromSubAccount);
            }
            if !requested.unwrap_or_default().iter().all(|id| *id == own) {
                return Err(Placement::Outside);
            }
            let mut placed: Vec<SubAccountId> = current.to_vec();
            if !placed.contains(&own) {
                placed.push(own);
            }
            return Ok(placed);
        }
        if role.is_agency_level() {
            return Ok(Vec::new());
        }
        let ids = requested.unwrap_or(current);
        if ids.is_empty() {
            return Err(Placement::NoLocation);
        }
        if !ids.iter().all(|id| agency_sub_accounts.contains(id)) {
            return Err(Placement::Outside);
        }
        Ok(ids.to_vec())
    }
}

/// Why a person cannot be placed as asked through a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A sub-account's token asked for an agency role.
    AgencyRoleFromSubAccount,
    /// An account role without any location.
    NoLocation,
    /// A location outside the token's reach.
    Outside,
}

#[cfg(test)]
mod token_tests {
    use super::*;

    const AGENCY: AgencyId = AgencyId(uuid::Uuid::from_u128(1));
    const OTHER: AgencyId = AgencyId(uuid::Uuid::from_u128(2));
    const A: SubAccountId = SubAccountId(uuid::Uuid::from_u128(11));
    const B: SubAccountId = SubAccountId(uuid::Uuid::from_u128(12));

    fn token(sub_account_id: Option<SubAccountId>, scopes: &[&str]) -> TokenActor {
        TokenActor {
            integration_id: IntegrationId(uuid::Uuid::from_u128(5)),
            name: "CRM".into(),
            owner: Owner { agency_id: AGENCY, sub_account_id },
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
        }
    }

    #[test]
    fn a_scope_counts_only_if_held_and_still_in_the_catalog() {
        let catalog = Catalog::builtin();
        let caller = token(None, &["users.readonly", "retired.readonly"]);
        assert_eq!(caller.require_scope("users.readonly", &catalog), Ok(()));
        assert_eq!(caller.require_scope("users.write", &catalog), Err(TokenDenial::Scope("users.write")));
        assert_eq!(
            caller.require_scope("retired.readonly", &catalog),
            Err(TokenDenial::Scope("retired.readonly"))
        );
    }

    #[test]
    fn agency_tokens_reach_their_agency_and_sub_account_tokens_only_their_own() {
        let agency = token(None, &[]);
        assert!(agency.reaches_sub_account(A, AGENCY) && agency.reaches_sub_account(B, AGENCY));
        assert!(!agency.reaches_sub_account(A, OTHER));
        assert!(agency.reaches_company(AGENCY) && !agency.reaches_company(OTHER));
        let sub = token(Some(A), &[]);
        assert!(sub.reaches_sub_account(A, AGENCY));
        assert!(!sub.reaches_sub_account(B, AGENCY));
        assert!(!sub.reaches_company(AGENCY), "a sub-account's token sees no company");
    }

    #[test]
    fn placement_follows_the_tokens_level() {
        let all = [A, B];
        let sub = token(Some(A), &[]);
        assert_eq!(sub.placement(Role::AccountUser, None, &[], &all), Ok(vec![A]));
        assert_eq!(sub.placement(Role::AccountUser, Some(&[B]), &[], &all), Err(Placement::Outside));
        assert_eq!(
            sub.placement(Role::AgencyUser, None, &[], &all),
            Err(Placement::AgencyRoleFromSubAccount)
        );
        assert_eq!(
            sub.placement(Role::AccountUser, Some(&[A]), &[A, B], &all),
            Ok(vec![A, B]),
            "a sub-account's token never removes anyone from another sub-account"
        );
        let agency = token(None, &[]);
        assert_eq!(agency.placement(Role::AgencyUser, Some(&[A]), &[], &all), Ok(vec![]));
        assert_eq!(agency.placement(Role::AccountUser, None, &[], &all), Err(Placement::NoLocation));
        assert_eq!(agency.placement(Role::AccountUser, None, &[B], &all), Ok(vec![B]), "unchanged");
        assert_eq!(agency.placement(Role::AccountUser, Some(&[A, B]), &[], &all), Ok(vec![A, B]));
        let foreign = SubAccountId(uuid::Uuid::from_u128(99));
        assert_eq!(agency.placement(Role::AccountUser, Some(&[foreign]), &[], &all), Err(Placement::Outside));
    }

    #[test]
    fn tokens_never_write_admins() {
        let agency = token(None, &[]);
        assert_eq!(agency.may_write_person(None, Role::AgencyUser), Ok(()));
        assert_eq!(agency.may_write_person(Some(Role::AccountUser), Role::AgencyUser), Ok(()));
        for admin in [Role::AgencyAdmin, Role::AccountAdmin] {
            assert_eq!(agency.may_write_person(None, admin), Err(TokenDenial::Admins));
            assert_eq!(agency.may_write_person(Some(Role::AgencyUser), admin), Err(TokenDenial::Admins));
            assert_eq!(agency.may_write_person(Some(admin), Role::AgencyUser), Err(TokenDenial::Admins));
        }
    }
}

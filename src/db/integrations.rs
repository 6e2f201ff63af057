//! Private integrations and their tokens. Every read is scoped by owner, so another
//! tenant's integration is simply not found; every change runs in one transaction that
//! first locks the integration row (`SELECT … FOR UPDATE`), which serialises concurrent
//! changes to one integration.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{integration_tokens, integrations};
use crate::domain::ids::{AgencyId, IntegrationId, SubAccountId, TokenId, UserId};
use crate::domain::integration::{Description, IntegrationName, Owner};
use crate::domain::rotation::{Plan, TokenState, Tokens};
use crate::domain::scopes::ScopeSet;

/// An integration, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = integrations, check_for_backend(diesel::pg::Pg))]
pub struct Integration {
    /// Its id.
    pub id: IntegrationId,
    /// The owning agency.
    pub agency_id: AgencyId,
    /// The owning sub-account, if it is a sub-account's.
    pub sub_account_id: Option<SubAccountId>,
    /// Its name.
    pub name: String,
    /// Its description (may be empty).
    pub description: String,
    /// Its scopes (the array holds no NULLs: a CHECK constraint says so).
    pub scopes: Vec<Option<String>>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// Their email at the time.
    pub created_by_label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Integration {
    /// Its scope names.
    pub fn scope_names(&self) -> Vec<String> {
        self.scopes.iter().flatten().cloned().collect()
    }
}

/// One token of an integration, as stored (without its digest).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = integration_tokens, check_for_backend(diesel::pg::Pg))]
pub struct Token {
    /// Its id.
    pub id: TokenId,
    /// Its integration.
    pub integration_id: IntegrationId,
    /// Its last four characters.
    pub last4: String,
    /// `current`, `expiring` or `revoked`.
    pub state: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if it is expiring.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// From where it was last used.
    pub last_used_ip: Option<String>,
}

/// What a new integration is made of.
#[derive(Debug, Clone)]
pub struct NewIntegration {
    /// Its owner.
    pub owner: Owner,
    /// Its name.
    pub name: IntegrationName,
    /// Its description.
    pub description: Description,
    /// Its scopes.
    pub scopes: ScopeSet,
    /// Who creates it.
    pub created_by: UserId,
    /// Their email.
    pub created_by_label: String,
}

/// A newly issued token, as stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// Its digest.
    pub digest: Vec<u8>,
    /// Its last four characters.
    pub last4: String,
}

fn owned_by(owner: Owner) -> integrations::BoxedQuery<'static, diesel::pg::Pg> {
    let query = integrations::table
        .filter(integrations::agency_id.eq(owner.agency_id))
        .filter(integrations::deleted_at.is_null())
        .into_boxed();
    match owner.sub_account_id {
        None => query.filter(integrations::sub_account_id.is_null()),
        Some(sub) => query.filter(integrations::sub_account_id.eq(sub)),
    }
}

/// The owner's live integrations, oldest first.
pub fn list(conn: &mut PgConnection, owner: Owner) -> QueryResult<Vec<(Integration, Vec<Token>)>> {
    let found: Vec<Integration> = owned_by(owner)
        .order((integrations::created_at, integrations::name, integrations::id))
        .select(Integration::as_select())
        .load(conn)?;
    let ids: Vec<IntegrationId> = found.iter().map(|integration| integration.id).collect();
    let tokens: Vec<Token> = integration_tokens::table
        .filter(integration_tokens::integration_id.eq_any(&ids))
        .filter(integration_tokens::state.ne("revoked"))
        .order(integration_tokens::created_at.desc())
        .select(Token::as_select())
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|integration| {
            let own = tokens.iter().filter(|token| token.integration_id == integration.id).cloned().collect();
            (integration, own)
        })
        .collect())
}

/// One live integration of the owner; `NotFound` for anyone else's.
pub fn find(conn: &mut PgConnection, owner: Owner, id: IntegrationId) -> QueryResult<Integration> {
    owned_by(owner).filter(integrations::id.eq(id)).select(Integration::as_select()).first(conn)
}

/// As [`find`], locking the row until the transaction ends.
pub fn lock(conn: &mut PgConnection, owner: Owner, id: IntegrationId) -> QueryResult<Integration> {
    let integration: Integration =
        integrations::table.find(id).select(Integration::as_select()).for_update().first(conn)?;
    let owned = integration.agency_id == owner.agency_id
        && integration.sub_account_id == owner.sub_account_id
        && integration.deleted_at.is_none();
    if owned { Ok(integration) } else { Err(diesel::result::Error::NotFound) }
}

/// Every token of an integration, newest first (revoked ones included).
pub fn tokens(conn: &mut PgConnection, id: IntegrationId) -> QueryResult<Vec<Token>> {
    integration_tokens::table
        .filter(integration_tokens::integration_id.eq(id))
        .order(integration_tokens::created_at.desc())
        .select(Token::as_select())
        .load(conn)
}

/// Inserts an integration with its first (current) token. Run it in a transaction.
#[tracing::instrument(skip_all, fields(owner = ?new.owner))]
pub fn create(
    conn: &mut PgConnection,
    new: &NewIntegration,
    token: &IssuedToken,
    now: DateTime<Utc>,
) -> QueryResult<Integration> {
    let id = IntegrationId::generate();
    let scopes: Vec<Option<String>> = new.scopes.names().iter().cloned().map(Some).collect();
    let integration = diesel::insert_into(integrations::table)
        .values((
            integrations::id.eq(id),
            integrations::agency_id.eq(new.owner.agency_id),
            integrations::sub_account_id.eq(new.owner.sub_account_id),
            integrations::name.eq(new.name.as_str()),
            integrations::description.eq(new.description.as_str()),
            integrations::scopes.eq(scopes),
            integrations::created_by.eq(new.created_by),
            integrations::created_by_label.eq(&new.created_by_label),
            integrations::created_at.eq(now),
            integrations::updated_at.eq(now),
        ))
        .returning(Integration::as_returning())
        .get_result(conn)?;
    insert_token(conn, id, token, now)?;
    Ok(integration)
}

/// Issues a new current token for an integration.
pub fn insert_token(
    conn: &mut PgConnection,
    id: IntegrationId,
    token: &IssuedToken,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(integration_tokens::table)
        .values((
            integration_tokens::id.eq(TokenId::generate()),
            integration_tokens::integration_id.eq(id),
            integration_tokens::digest.eq(&token.digest),
            integration_tokens::last4.eq(&token.last4),
            integration_tokens::state.eq("current"),
            integration_tokens::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Replaces name, description and scopes; the tokens are untouched.
#[tracing::instrument(skip_all, fields(%id))]
pub fn update(
    conn: &mut PgConnection,
    id: IntegrationId,
    name: &IntegrationName,
    description: &Description,
    scopes: &ScopeSet,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let scopes: Vec<Option<String>> = scopes.names().iter().cloned().map(Some).collect();
    diesel::update(integrations::table.find(id))
        .set((
            integrations::name.eq(name.as_str()),
            integrations::description.eq(description.as_str()),
            integrations::scopes.eq(scopes),
            integrations::updated_at.eq(now),
        ))
        .execute(conn)?;
    super::notify::integration_changed(conn, id)
}

/// Marks an integration deleted and revokes every token it has.
#[tracing::instrument(skip_all, fields(%id))]
pub fn delete(conn: &mut PgConnection, id: IntegrationId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(integrations::table.find(id)).set(integrations::deleted_at.eq(now)).execute(conn)?;
    revoke_all(conn, id, now)?;
    super::notify::integration_changed(conn, id)
}

/// Revokes every live token of an integration.
pub fn revoke_all(conn: &mut PgConnection, id: IntegrationId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        integration_tokens::table
            .filter(integration_tokens::integration_id.eq(id))
            .filter(integration_tokens::state.ne("revoked")),
    )
    .set((
        integration_tokens::state.eq("revoked"),
        integration_tokens::revoked_at.eq(now),
        integration_tokens::expires_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .map(drop)
}

/// The integration's tokens as the lifecycle rules see them.
pub fn lifecycle(tokens: &[Token]) -> Tokens {
    Tokens(
        tokens
            .iter()
            .filter_map(|token| {
                TokenState::from_db(&token.state, token.expires_at).map(|state| (token.id, state))
            })
            .collect(),
    )
}

/// Applies a lifecycle plan: revoke, demote, promote, then issue. Run it in the
/// transaction that holds the integration's lock (see [`lock`]).
#[tracing::instrument(skip_all, fields(%id))]
pub fn apply(
    conn: &mut PgConnection,
    id: IntegrationId,
    plan: &Plan,
    new_token: Option<&IssuedToken>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let of_integration = integration_tokens::integration_id.eq(id);
    if !plan.revoke.is_empty() {
        diesel::update(
            integration_tokens::table
                .filter(of_integration)
                .filter(integration_tokens::id.eq_any(&plan.revoke)),
        )
        .set((
            integration_tokens::state.eq("revoked"),
            integration_tokens::revoked_at.eq(now),
            integration_tokens::expires_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    }
    if let Some((token, expires_at)) = plan.demote_current {
        diesel::update(
            integration_tokens::table.filter(of_integration).filter(integration_tokens::id.eq(token)),
        )
        .set((integration_tokens::state.eq("expiring"), integration_tokens::expires_at.eq(expires_at)))
        .execute(conn)?;
    }
    if let Some(token) = plan.promote {
        diesel::update(
            integration_tokens::table.filter(of_integration).filter(integration_tokens::id.eq(token)),
        )
        .set((
            integration_tokens::state.eq("current"),
            integration_tokens::expires_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    }
    if let Some(token) = new_token {
        insert_token(conn, id, token, now)?;
    }
    super::notify::integration_changed(conn, id)
}

/// The token of this digest with its integration, whatever their state.
pub fn find_by_digest(conn: &mut PgConnection, digest: &[u8]) -> QueryResult<Option<(Integration, Token)>> {
    integration_tokens::table
        .inner_join(integrations::table)
        .filter(integration_tokens::digest.eq(digest))
        .select((Integration::as_select(), Token::as_select()))
        .first::<(Integration, Token)>(conn)
        .optional()
}

/// Whether a token authenticates at `now`: not revoked, not past its expiry, its
/// integration not deleted. Decided at use time, cached or not.
pub fn usable(integration: &Integration, token: &Token, now: DateTime<Utc>) -> bool {
    integration.deleted_at.is_none()
        && TokenState::from_db(&token.state, token.expires_at).is_some_and(|state| state.usable_at(now))
}

/// The integration a token digest authenticates for at `now`, if any.
pub fn find_usable_by_digest(
    conn: &mut PgConnection,
    digest: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<(Integration, Token)>> {
    Ok(find_by_digest(conn, digest)?.filter(|(integration, token)| usable(integration, token, now)))
}

/// Records a token's last use, keeping the newest.
pub fn record_use(conn: &mut PgConnection, token: TokenId, at: DateTime<Utc>, ip: &str) -> QueryResult<()> {
    diesel::update(
        integration_tokens::table
            .find(token)
            .filter(integration_tokens::last_used_at.is_null().or(integration_tokens::last_used_at.lt(at))),
    )
    .set((integration_tokens::last_used_at.eq(at), integration_tokens::last_used_ip.eq(ip)))
    .execute(conn)
    .map(drop)
}

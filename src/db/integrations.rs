//! Private integrations and their tokens. Every read is scoped by owner, so another
//! tenant's integration is simply not found; every change runs in the caller's
//! transaction after [`lock`] (`SELECT … FOR UPDATE`), which serialises concurrent
//! changes to one integration.

use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf, cardinality};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Binary};

use super::mapping::new_id;
use super::schema::{integration_tokens, integrations};
use crate::domain::ids::{AgencyId, IntegrationId, SubAccountId, TokenId, UserId};
use crate::domain::integration::{Description, Integration, IntegrationName, LastUse, Owner, Summary, Token};
use crate::domain::rotation::{Plan, TokenState};
use crate::domain::scopes::ScopeSet;

/// Stored token states, as the CHECK constraint lists them.
const CURRENT: &str = "current";
const EXPIRING: &str = "expiring";
const REVOKED: &str = "revoked";

#[derive(Queryable, Selectable)]
#[diesel(table_name = integrations, check_for_backend(diesel::pg::Pg))]
struct IntegrationRow {
    id: IntegrationId,
    agency_id: AgencyId,
    sub_account_id: Option<SubAccountId>,
    name: String,
    description: String,
    scopes: Vec<Option<String>>,
    created_by: Option<UserId>,
    created_by_label: String,
    created_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<IntegrationRow> for Integration {
    fn from(row: IntegrationRow) -> Self {
        Self {
            id: row.id,
            owner: Owner { agency_id: row.agency_id, sub_account_id: row.sub_account_id },
            name: row.name,
            description: row.description,
            // The CHECK constraint keeps NULLs out of the array.
            scopes: row.scopes.into_iter().flatten().collect(),
            created_by: row.created_by,
            created_by_label: row.created_by_label,
            created_at: row.created_at,
            deleted_at: row.deleted_at,
        }
    }
}

/// The columns the list shows: the scopes counted by PostgreSQL, not read one by one.
#[derive(Queryable, Selectable)]
#[diesel(table_name = integrations, check_for_backend(diesel::pg::Pg))]
struct SummaryRow {
    id: IntegrationId,
    name: String,
    description: String,
    #[diesel(
        select_expression = cardinality(integrations::scopes),
        select_expression_type = diesel::helper_types::cardinality<integrations::scopes>
    )]
    scope_count: i32,
    created_by_label: String,
    created_at: DateTime<Utc>,
}

impl From<SummaryRow> for Summary {
    fn from(row: SummaryRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            // A count is never negative.
            scope_count: usize::try_from(row.scope_count).unwrap_or(0),
            created_by_label: row.created_by_label,
            created_at: row.created_at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = integration_tokens, check_for_backend(diesel::pg::Pg))]
struct TokenRow {
    id: TokenId,
    integration_id: IntegrationId,
    last4: String,
    state: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    last_used_ip: Option<String>,
}

impl TryFrom<TokenRow> for Token {
    type Error = diesel::result::Error;

    fn try_from(row: TokenRow) -> Result<Self, Self::Error> {
        let state = match (row.state.as_str(), row.expires_at) {
            (CURRENT, None) => TokenState::Current,
            (EXPIRING, Some(expires_at)) => TokenState::Expiring { expires_at },
            (REVOKED, _) => TokenState::Revoked,
            (state, expires_at) => {
                return Err(diesel::result::Error::DeserializationError(
                    format!("token {} is {state:?} with expiry {expires_at:?}", row.id).into(),
                ));
            }
        };
        Ok(Self {
            id: row.id,
            integration_id: row.integration_id,
            last4: row.last4,
            state,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
            last_used: row.last_used_at.map(|at| LastUse { at, ip: row.last_used_ip }),
        })
    }
}

fn tokens_from(rows: Vec<TokenRow>) -> QueryResult<Vec<Token>> {
    rows.into_iter().map(Token::try_from).collect()
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
    /// Who creates it (none for the operator's command line).
    pub created_by: Option<UserId>,
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

/// The owner's live integrations, oldest first, each with its tokens that are not
/// revoked (newest first).
pub fn list(conn: &mut PgConnection, owner: Owner) -> QueryResult<Vec<(Summary, Vec<Token>)>> {
    let found: Vec<Summary> = owned_by(owner)
        .order((integrations::created_at, integrations::name, integrations::id))
        .select(SummaryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Summary::from)
        .collect();
    let ids: Vec<IntegrationId> = found.iter().map(|integration| integration.id).collect();
    let tokens = tokens_from(
        integration_tokens::table
            .filter(integration_tokens::integration_id.eq_any(&ids))
            .filter(integration_tokens::state.ne(REVOKED))
            .order(integration_tokens::created_at.desc())
            .select(TokenRow::as_select())
            .load(conn)?,
    )?;
    let mut by_integration: std::collections::HashMap<IntegrationId, Vec<Token>> =
        std::collections::HashMap::with_capacity(found.len());
    for token in tokens {
        by_integration.entry(token.integration_id).or_default().push(token);
    }
    Ok(found
        .into_iter()
        .map(|integration| {
            let own = by_integration.remove(&integration.id).unwrap_or_default();
            (integration, own)
        })
        .collect())
}

/// One live integration of the owner; `NotFound` for anyone else's.
pub fn find(conn: &mut PgConnection, owner: Owner, id: IntegrationId) -> QueryResult<Integration> {
    owned_by(owner)
        .filter(integrations::id.eq(id))
        .select(IntegrationRow::as_select())
        .first(conn)
        .map(Integration::from)
}

/// As [`find`], locking the row until the transaction ends.
pub fn lock(conn: &mut PgConnection, owner: Owner, id: IntegrationId) -> QueryResult<Integration> {
    let integration: Integration = integrations::table
        .find(id)
        .select(IntegrationRow::as_select())
        .for_update()
        .first(conn)
        .map(Integration::from)?;
    let owned = integration.owner == owner && integration.deleted_at.is_none();
    if owned { Ok(integration) } else { Err(diesel::result::Error::NotFound) }
}

/// Every token of an integration, newest first (revoked ones included).
pub fn tokens(conn: &mut PgConnection, id: IntegrationId) -> QueryResult<Vec<Token>> {
    tokens_from(
        integration_tokens::table
            .filter(integration_tokens::integration_id.eq(id))
            .order(integration_tokens::created_at.desc())
            .select(TokenRow::as_select())
            .load(conn)?,
    )
}

/// Inserts an integration with its first (current) token. Run it in a transaction.
#[tracing::instrument(skip_all, fields(owner = ?new.owner))]
pub fn create(
    conn: &mut PgConnection,
    new: &NewIntegration,
    token: &IssuedToken,
    now: DateTime<Utc>,
) -> QueryResult<Integration> {
    let id: IntegrationId = new_id();
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
        .returning(IntegrationRow::as_returning())
        .get_result(conn)
        .map(Integration::from)?;
    insert_token(conn, id, token, now)?;
    Ok(integration)
}

/// Issues a new current token for an integration.
fn insert_token(
    conn: &mut PgConnection,
    id: IntegrationId,
    token: &IssuedToken,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(integration_tokens::table)
        .values((
            integration_tokens::id.eq(new_id::<TokenId>()),
            integration_tokens::integration_id.eq(id),
            integration_tokens::digest.eq(&token.digest),
            integration_tokens::last4.eq(&token.last4),
            integration_tokens::state.eq(CURRENT),
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
    diesel::update(
        integration_tokens::table
            .filter(integration_tokens::integration_id.eq(id))
            .filter(integration_tokens::state.ne(REVOKED)),
    )
    .set((
        integration_tokens::state.eq(REVOKED),
        integration_tokens::revoked_at.eq(now),
        integration_tokens::expires_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)?;
    super::notify::integration_changed(conn, id)
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
            integration_tokens::state.eq(REVOKED),
            integration_tokens::revoked_at.eq(now),
            integration_tokens::expires_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    }
    if let Some((token, expires_at)) = plan.demote_current {
        diesel::update(
            integration_tokens::table.filter(of_integration).filter(integration_tokens::id.eq(token)),
        )
        .set((integration_tokens::state.eq(EXPIRING), integration_tokens::expires_at.eq(expires_at)))
        .execute(conn)?;
    }
    if let Some(token) = plan.promote {
        diesel::update(
            integration_tokens::table.filter(of_integration).filter(integration_tokens::id.eq(token)),
        )
        .set((
            integration_tokens::state.eq(CURRENT),
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
    Ok(find_by_any_digest(conn, &[digest.to_vec()])?
        .pop()
        .map(|(integration, token, _)| (integration, token)))
}

/// The tokens stored under any of these digests (a batch of lookups, each under every
/// accepted key), with their integrations and the digest each is stored under: one
/// statement, served by the unique index on the digest (see [`ByAnyDigest`]).
pub fn find_by_any_digest(
    conn: &mut PgConnection,
    digests: &[Vec<u8>],
) -> QueryResult<Vec<(Integration, Token, Vec<u8>)>> {
    ByAnyDigest { digests, integration: IntegrationRow::as_select(), token: TokenRow::as_select() }
        .load::<(IntegrationRow, TokenRow, Vec<u8>)>(conn)?
        .into_iter()
        .map(|(integration, token, digest)| {
            Ok((Integration::from(integration), Token::try_from(token)?, digest))
        })
        .collect()
}

/// [`find_by_any_digest`]'s statement as PostgreSQL receives it (`$1` is the array of
/// digests), for checking its plan.
pub fn find_by_any_digest_statement() -> String {
    let query =
        ByAnyDigest { digests: &[], integration: IntegrationRow::as_select(), token: TokenRow::as_select() };
    let text = diesel::debug_query::<Pg, _>(&query).to_string();
    text.split(" -- binds:").next().unwrap_or_default().to_owned()
}

/// [`find_by_any_digest`]'s statement: each digest looked up by itself in the unique index
/// (`LATERAL … LIMIT 1`), then its integration by its key. The plain
/// `digest = ANY($1)` join lets PostgreSQL choose: on a table of a few thousand tokens it
/// scans both tables and hashes them (its cost model prices a small table's scan below a
/// dozen index probes), which took 0.6–1.4 ms a batch against 0.2 ms for the probes, and
/// that is what a busy instance's cold lookups wait for. Written by hand (diesel's DSL has
/// no `LATERAL`), as a query type rather than raw SQL so that diesel prepares it once per
/// connection like its own.
struct ByAnyDigest<'a> {
    digests: &'a [Vec<u8>],
    integration: AsSelect<IntegrationRow, Pg>,
    token: AsSelect<TokenRow, Pg>,
}

impl QueryId for ByAnyDigest<'_> {
    type QueryId = ByAnyDigest<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for ByAnyDigest<'_> {
    type SqlType = (SqlTypeOf<AsSelect<IntegrationRow, Pg>>, SqlTypeOf<AsSelect<TokenRow, Pg>>, Binary);
}

impl QueryFragment<Pg> for ByAnyDigest<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.integration.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        self.token.walk_ast(out.reborrow())?;
        out.push_sql(", \"integration_tokens\".\"digest\" FROM unnest(");
        out.push_bind_param::<Array<Binary>, _>(self.digests)?;
        out.push_sql(
            ") AS wanted (digest) \
             CROSS JOIN LATERAL (SELECT * FROM \"integration_tokens\" \
               WHERE \"integration_tokens\".\"digest\" = wanted.digest LIMIT 1) AS \"integration_tokens\" \
             INNER JOIN \"integrations\" ON \"integrations\".\"id\" = \"integration_tokens\".\"integration_id\"",
        );
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for ByAnyDigest<'_> {}

/// Stores a token under a new digest (the current key's, after `SECRET_KEY` rotated).
pub fn redigest(conn: &mut PgConnection, token: TokenId, digest: &[u8]) -> QueryResult<()> {
    diesel::update(integration_tokens::table.find(token))
        .set(integration_tokens::digest.eq(digest))
        .execute(conn)
        .map(drop)
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

/// For the scheduler: live integrations with a token in `state`, each with that token.
fn live_with_tokens(
    state: &'static str,
) -> diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<integration_tokens::table, integrations::table>,
    diesel::pg::Pg,
> {
    integration_tokens::table
        .inner_join(integrations::table)
        .filter(integration_tokens::state.eq(state))
        .filter(integrations::deleted_at.is_null())
        .into_boxed()
}

fn load_with_tokens(
    conn: &mut PgConnection,
    query: diesel::dsl::IntoBoxed<
        'static,
        diesel::dsl::InnerJoin<integration_tokens::table, integrations::table>,
        diesel::pg::Pg,
    >,
) -> QueryResult<Vec<(Integration, Token)>> {
    query
        .select((IntegrationRow::as_select(), TokenRow::as_select()))
        .load::<(IntegrationRow, TokenRow)>(conn)?
        .into_iter()
        .map(|(integration, token)| Ok((Integration::from(integration), Token::try_from(token)?)))
        .collect()
}

/// The old tokens of running rotations whose overlap ends in `(after, until]`.
pub fn expiring_between(
    conn: &mut PgConnection,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<Vec<(Integration, Token)>> {
    let query = live_with_tokens(EXPIRING)
        .filter(integration_tokens::expires_at.gt(after))
        .filter(integration_tokens::expires_at.le(until));
    load_with_tokens(conn, query)
}

/// Current tokens issued at or before `before`, but those whose event `told` was
/// recorded already (its once-key is `told:` + the token's id).
pub fn current_issued_before(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    told: &str,
) -> QueryResult<Vec<(Integration, Token)>> {
    let query = live_with_tokens(CURRENT).filter(integration_tokens::created_at.le(before)).filter(
        diesel::dsl::sql::<diesel::sql_types::Bool>("NOT EXISTS (SELECT 1 FROM events e WHERE e.once_key = ")
            .bind::<diesel::sql_types::Text, _>(format!("{told}:"))
            .sql(" || integration_tokens.id::text)"),
    );
    load_with_tokens(conn, query)
}

/// Live integrations whose last activity (their tokens' last use, or their creation when
/// never used) is at or before `before`, with that instant; but those whose event `told`
/// was recorded already for that instant (its once-key is `told:` + the integration's id
/// + `:` + the instant in whole seconds since the epoch).
pub fn idle_since(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    told: &str,
) -> QueryResult<Vec<(Integration, DateTime<Utc>)>> {
    const ACTIVITY: &str = "COALESCE((SELECT max(t.last_used_at) FROM integration_tokens t \
                            WHERE t.integration_id = integrations.id), integrations.created_at)";
    let rows: Vec<(IntegrationRow, DateTime<Utc>)> = integrations::table
        .filter(integrations::deleted_at.is_null())
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("{ACTIVITY} <= "))
                .bind::<diesel::sql_types::Timestamptz, _>(before)
                .sql(" AND NOT EXISTS (SELECT 1 FROM events e WHERE e.once_key = ")
                .bind::<diesel::sql_types::Text, _>(format!("{told}:"))
                .sql(&format!(
                    " || integrations.id::text || ':' || floor(extract(epoch FROM {ACTIVITY}))::bigint::text)"
                )),
        )
        .select((IntegrationRow::as_select(), diesel::dsl::sql::<diesel::sql_types::Timestamptz>(ACTIVITY)))
        .load(conn)?;
    Ok(rows.into_iter().map(|(row, at)| (Integration::from(row), at)).collect())
}

use private_integrations::app::integrations::{self, Fields};
use private_integrations::app::{AppError, tokens};
use private_integrations::domain::access::Context;
use private_integrations::domain::integration::{Description, IntegrationName};
use private_integrations::domain::scopes::{Level, ScopeSet};

use super::Harness;
use crate::support::people;

fn fields(harness: &Harness, name: &str, scopes: &[&str], level: Level) -> Fields {
    let scopes: Vec<String> = scopes.iter().map(|scope| (*scope).to_owned()).collect();
    Fields {
        name: IntegrationName::parse(name).expect("name"),
        description: Description::parse("").expect("description"),
        scopes: ScopeSet::parse(&scopes, &harness.app.catalog, level).expect("scopes"),
    }
}

#[tokio::test]
async fn create_lists_reads_edits_and_deletes_within_the_context() {
    let harness = Harness::new();
    let (app, owner) = (&harness.app, harness.person(people::OWNER));
    let agency = Context::Agency(harness.world.agency);
    let created = integrations::create(
        app,
        &owner,
        agency,
        fields(&harness, "CRM", &["users.readonly"], Level::Agency),
        None,
    )
    .await
    .expect("created");
    let token = harness.reveal(&owner, agency, created.integration.id, created.reveal).await;
    assert_eq!(tokens::verify(app, token.expose()).await.expect("works").caller.scopes, ["users.readonly"]);

    let listed = integrations::list(app, &owner, agency).await.expect("list");
    assert_eq!(listed.iter().map(|row| row.integration.name.as_str()).collect::<Vec<_>>(), ["CRM"]);
    let id = created.integration.id;
    let edited = fields(&harness, "CRM sync", &["locations.readonly"], Level::Agency);
    let updated = integrations::update(app, &owner, agency, id, edited).await.expect("updated");
    assert_eq!(
        (updated.name.as_str(), updated.scopes.as_slice()),
        ("CRM sync", &["locations.readonly".to_owned()][..])
    );
    assert_eq!(
        tokens::verify(app, token.expose()).await.expect("the token is unchanged").caller.scopes,
        ["locations.readonly"],
        "the new scopes apply at once, through the cache"
    );

    integrations::delete(app, &owner, agency, id).await.expect("deleted");
    assert!(matches!(tokens::verify(app, token.expose()).await, Err(tokens::Rejected::Invalid)));
    assert!(integrations::list(app, &owner, agency).await.expect("list").is_empty());
}

#[tokio::test]
async fn another_tenant_finds_nothing_and_a_plain_user_may_do_nothing() {
    let harness = Harness::new();
    let app = &harness.app;
    let agency = Context::Agency(harness.world.agency);
    let created = integrations::create(
        app,
        &harness.person(people::OWNER),
        agency,
        fields(&harness, "CRM", &["users.readonly"], Level::Agency),
        None,
    )
    .await
    .expect("created");
    let id = created.integration.id;

    let stranger = harness.person(people::OTHER_OWNER);
    assert!(matches!(integrations::detail(app, &stranger, agency, id).await, Err(AppError::NotFound)));
    assert!(matches!(integrations::delete(app, &stranger, agency, id).await, Err(AppError::NotFound)));

    let plain = harness.person(people::AGENCY_USER);
    assert!(matches!(integrations::list(app, &plain, agency).await, Err(AppError::Forbidden)));

    // A sub-account's admin reaches only their sub-account's integrations.
    let admin_a = harness.person(people::ADMIN_A);
    let sub_a = Context::SubAccount { id: harness.world.sub_a, agency_id: harness.world.agency };
    let sub_b = Context::SubAccount { id: harness.world.sub_b, agency_id: harness.world.agency };
    assert!(integrations::list(app, &admin_a, sub_a).await.is_ok());
    assert!(matches!(integrations::list(app, &admin_a, sub_b).await, Err(AppError::NotFound)));
    assert!(matches!(integrations::detail(app, &admin_a, sub_a, id).await, Err(AppError::NotFound)));
}

#[tokio::test]
async fn a_draft_creates_one_integration_however_often_it_is_sent() {
    let harness = Harness::new();
    let (app, owner) = (&harness.app, harness.person(people::OWNER));
    let agency = Context::Agency(harness.world.agency);
    let send = |draft| {
        integrations::create(
            app,
            &owner,
            agency,
            fields(&harness, "CRM", &["users.readonly"], Level::Agency),
            draft,
        )
    };
    let draft = Some(uuid::Uuid::new_v4());
    send(draft).await.expect("created");
    assert!(matches!(send(draft).await, Err(AppError::AlreadyDone)));
    assert_eq!(integrations::list(app, &owner, agency).await.expect("list").len(), 1, "nothing more");
    // Without a draft, each call creates one.
    send(None).await.expect("created");
    assert_eq!(integrations::list(app, &owner, agency).await.expect("list").len(), 2);
}

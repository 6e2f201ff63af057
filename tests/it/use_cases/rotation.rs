use chrono::Duration;
use private_integrations::app::integrations::{self, Fields};
use private_integrations::app::{AppError, rotation, tokens};
use private_integrations::domain::access::Context;
use private_integrations::domain::integration::{Description, IntegrationName};
use private_integrations::domain::rotation::Command;
use private_integrations::domain::scopes::{Level, ScopeSet};

use super::Harness;
use crate::support::people;

#[tokio::test]
async fn rotate_later_keeps_the_old_token_until_the_overlap_ends_and_cancel_restores_it() {
    let harness = Harness::new();
    let (app, owner) = (&harness.app, harness.person(people::OWNER));
    let agency = Context::Agency(harness.world.agency);
    let fields = Fields {
        name: IntegrationName::parse("CRM").expect("name"),
        description: Description::parse("").expect("description"),
        scopes: ScopeSet::parse(&["users.readonly".to_owned()], &app.catalog, Level::Agency).expect("scopes"),
    };
    let created = integrations::create(app, &owner, agency, fields, None).await.expect("created");
    let id = created.integration.id;
    let old = harness.reveal(&owner, agency, id, created.reveal).await;

    let refused = rotation::run(app, &owner, agency, id, Command::CancelRotation).await;
    assert!(matches!(refused, Err(AppError::Refused(message)) if message == "No rotation is running."));

    let rotated = rotation::run(app, &owner, agency, id, Command::RotateLater).await.expect("rotated");
    let new = harness.reveal(&owner, agency, id, rotated.reveal.expect("a new token")).await;
    assert!(tokens::verify(app, new.expose()).await.is_ok());
    harness.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert!(tokens::verify(app, old.expose()).await.is_ok(), "the old token works until the overlap ends");

    rotation::run(app, &owner, agency, id, Command::CancelRotation).await.expect("cancelled");
    assert!(matches!(tokens::verify(app, new.expose()).await, Err(tokens::Rejected::Inactive(_))));
    harness.clock.advance(Duration::days(30));
    assert!(
        tokens::verify(app, old.expose()).await.is_ok(),
        "the old token is current again, with no expiry"
    );
}

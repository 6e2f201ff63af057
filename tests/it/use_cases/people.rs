use private_integrations::app::people::{self, AccessChange};
use private_integrations::app::{AppError, Requester};
use private_integrations::domain::access::Context;
use private_integrations::domain::people::{Permissions, Role};

use super::Harness;
use crate::support::people as seeded;

#[tokio::test]
async fn the_last_team_manager_cannot_step_down_and_nothing_changes() {
    let harness = Harness::new();
    let (app, owner): (_, Requester) = (&harness.app, harness.person(seeded::OWNER));
    let agency = Context::Agency(harness.world.agency);
    let change = AccessChange {
        role: Role::AgencyAdmin,
        permissions: Permissions { manage_agency_integrations: true, ..Permissions::default() },
        sub_accounts: vec![],
    };
    let refused = people::update_access(app, &owner, agency, harness.world.owner, change).await;
    assert!(matches!(refused, Err(AppError::Refused(message)) if message == people::NEEDS_A_TEAM_MANAGER));
    let member = people::manageable(app, &owner, agency, harness.world.owner).await.expect("still there");
    assert!(member.user.permissions.manage_team, "unchanged");
}

#[tokio::test]
async fn my_staff_lists_only_the_sub_accounts_people() {
    let harness = Harness::new();
    let admin_a = harness.person(seeded::ADMIN_A);
    let here = Context::SubAccount { id: harness.world.sub_a, agency_id: harness.world.agency };
    let staff = people::list(&harness.app, &admin_a, here).await.expect("staff");
    let mut emails: Vec<&str> = staff.iter().map(|member| member.user.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, [seeded::ADMIN_A, seeded::USER_A]);
    let team = people::list(&harness.app, &admin_a, Context::Agency(harness.world.agency)).await;
    assert!(matches!(team, Err(AppError::NotFound)), "the agency's Team is out of an account admin's reach");
}

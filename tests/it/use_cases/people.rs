use private_integrations::app::AppError;
use private_integrations::app::people::{self, AccessChange};
use private_integrations::domain::access::Context;
use private_integrations::domain::people::{Permissions, Role};

use super::Harness;
use crate::support::people as seeded;

#[tokio::test]
async fn two_managers_demoting_each_other_at_once_leave_one() {
    use diesel::prelude::*;
    use private_integrations::db::schema::users;
    let harness = Harness::new();
    diesel::update(users::table.filter(users::email.eq(seeded::AGENCY_USER)))
        .set((users::role.eq("agency_admin"), users::manage_team.eq(true)))
        .execute(&mut harness.db.conn())
        .expect("a second manager");
    let (owner, second) = (harness.person(seeded::OWNER), harness.person(seeded::AGENCY_USER));
    let agency = Context::Agency(harness.world.agency);
    let demote = |_id| AccessChange {
        role: Role::AgencyUser,
        permissions: Permissions::default(),
        sub_accounts: vec![],
    };
    let second_id = match &second.principal {
        private_integrations::app::Principal::User { actor, .. } => actor.id,
        private_integrations::app::Principal::Token(_) => unreachable!("a person"),
    };
    let (first, other) = tokio::join!(
        people::update_access(&harness.app, &owner, agency, second_id, demote(second_id)),
        people::update_access(
            &harness.app,
            &second,
            agency,
            harness.world.owner,
            demote(harness.world.owner)
        ),
    );
    let refusals = [&first, &other]
        .iter()
        .filter(|outcome| matches!(outcome, Err(AppError::Refused(message)) if message == people::NEEDS_A_TEAM_MANAGER))
        .count();
    assert_eq!(
        refusals + [&first, &other].iter().filter(|outcome| outcome.is_ok()).count(),
        2,
        "{first:?} {other:?}"
    );
    let managers: i64 = users::table
        .filter(users::manage_team.eq(true))
        .filter(users::agency_id.eq(harness.world.agency))
        .count()
        .get_result(&mut harness.db.conn())
        .expect("count");
    assert_eq!(managers, 1, "exactly one team manager is left");
}

#[tokio::test]
async fn nobody_changes_their_own_access() {
    let harness = Harness::new();
    let owner = harness.person(seeded::OWNER);
    let agency = Context::Agency(harness.world.agency);
    let change =
        AccessChange { role: Role::AgencyUser, permissions: Permissions::default(), sub_accounts: vec![] };
    let refused = people::update_access(&harness.app, &owner, agency, harness.world.owner, change).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
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

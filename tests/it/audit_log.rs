//! The audit log: every recorded action, filters, CSV export, and history that outlives
//! deleted integrations.

use crate::support::{PASSWORD, TestApp, create_integration, people, seed};

const AGENCY: &str = "/settings/private-integrations";

#[tokio::test]
async fn the_audit_log_lists_filters_and_exports_what_happened() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (crm, _) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    let (other, _) = create_integration(&app, AGENCY, "Other", &["users.readonly"]).await;
    app.get(&format!("{crm}/rotate-later")).await;
    app.post_form(&format!("{crm}/rotate-later"), &[]).await;
    app.get(&format!("{crm}/delete")).await;
    app.post_form(&format!("{crm}/delete"), &[]).await;
    let _ = other;

    let log = app.get("/settings/audit-log").await;
    assert_eq!(log.status, 200);
    let actions: Vec<String> = log.texts("tbody td[data-label=Action] code");
    for expected in ["user.sign_in", "integration.create", "integration.rotate_later", "integration.delete"] {
        assert!(actions.contains(&expected.to_owned()), "{expected} in {actions:?}");
    }
    let row =
        log.texts("tbody tr").into_iter().find(|row| row.contains("integration.delete")).expect("delete row");
    assert!(row.contains(people::OWNER) && row.contains("CRM") && row.contains("127.0.0.1"), "{row}");

    // Filter by integration: the deleted one's history is still there, and only its.
    let crm_id = crm.rsplit('/').next().expect("id");
    let filtered = app.get(&format!("/settings/audit-log?integration={crm_id}")).await;
    let targets: Vec<String> = filtered.texts("tbody td[data-label=Target]");
    assert_eq!(targets, ["CRM", "CRM", "CRM"], "create, rotate, delete");
    let by_action = app.get("/settings/audit-log?action=integration.create").await;
    assert_eq!(by_action.texts("tbody tr").len(), 2);
    let by_user = app.get(&format!("/settings/audit-log?user={}", world.owner)).await;
    assert!(by_user.texts("tbody tr").iter().all(|row| row.contains(people::OWNER)));

    let csv = app.get(&format!("/settings/audit-log.csv?integration={crm_id}")).await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(csv.header("content-disposition").contains("audit-log.csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "time,actor,action,target,target_id,ip,details");
    assert_eq!(lines.len(), 4);
    assert!(lines[1..].iter().all(|line| line.contains(crm_id)), "{lines:?}");
    assert!(lines[1..].iter().any(|line| line.contains("integration.delete")), "{lines:?}");
}

#[tokio::test]
async fn a_sub_accounts_log_holds_only_its_own_events() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    create_integration(&app, AGENCY, "HQ", &["users.readonly"]).await;
    let base_a = format!("/locations/{}/settings/private-integrations", world.sub_a);
    create_integration(&app, &base_a, "Dental CRM", &["contacts.readonly"]).await;

    let log_a = app.get(&format!("/locations/{}/settings/audit-log", world.sub_a)).await;
    assert_eq!(log_a.texts("tbody td[data-label=Target]"), ["Dental CRM"]);
    let log_b = app.get(&format!("/locations/{}/settings/audit-log", world.sub_b)).await;
    assert_eq!(log_b.text(".empty-state h2"), "No events");
    let agency = app.get("/settings/audit-log").await.texts("tbody td[data-label=Target]");
    assert!(agency.contains(&"Dental CRM".to_owned()) && agency.contains(&"HQ".to_owned()), "{agency:?}");
}

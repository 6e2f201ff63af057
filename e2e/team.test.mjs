// Settings > Team (agency) and Settings > My Staff (sub-account) with JavaScript on:
// Roles & Permissions, adding people, and an account admin managing their staff.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { PASSWORD, begin, launch, navLink, openPage, signIn, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("Team: Edit → Roles & Permissions switches “Manage staff” off for an account admin", async (t) => {
  const s = await begin(t, browser, app);
  await flows.teamToggle(s);
  await s.check("team — person edit after saving");
});

test("Team: Add user refuses bad input inline, then adds the person", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  await navLink(s.page, "Team").click();
  await page.getByRole("link", { name: "Add user" }).click();
  await page.getByRole("heading", { name: "Add user", level: 1 }).waitFor();
  await s.check("team — add user");
  await page.getByLabel("Name", { exact: true }).fill("Nia New");
  await page.getByLabel("Email").fill("not an email");
  await page.getByRole("button", { name: "Add user" }).click();
  await page.getByText(/Please correct the highlighted fields?\./).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Nia New", "what was typed is kept");
  assert.equal(await page.getByLabel("Email").getAttribute("aria-invalid"), "true");
  await s.check("team — add user with errors");

  const email = `nia-${tenant.agency.slice(0, 8)}@e2e.test`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Account user" });
  await page.getByRole("group", { name: /Sub-accounts/ }).getByLabel(tenant.subAccountName).check();
  await page.getByLabel("Initial password").fill(PASSWORD);
  await page.getByRole("button", { name: "Add user" }).click();
  await flows.expectText(page, "Nia New was added. Give them their email and initial password.");
  await page.getByRole("heading", { name: /^Nia New/, level: 1 }).waitFor();
  await s.check("team — person edit (account user, no permissions)");
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Team" }).click();
  const row = page.locator("tbody tr", { hasText: "Nia New" });
  assert.match(await row.textContent(), /Account user/);
  assert.match(await row.textContent(), new RegExp(tenant.subAccountName));
});

test("Team: a team manager's own row, and an agency admin's toggles", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  await navLink(page, "Team").click();
  await page.getByRole("link", { name: `Edit ${tenant.owner.name}` }).click();
  await page.getByRole("heading", { name: "Roles & Permissions" }).waitFor();
  await s.check("team — own row");
  await page.goto(`${app.base}/settings/team/${tenant.secondAdmin.id}`);
  assert.equal(await page.getByRole("switch", { name: "Manage team" }).isChecked(), false, "later admins do not manage the team by default");
  assert.equal(await page.getByRole("switch", { name: "Manage agency private integrations" }).isChecked(), true);
  await s.check("team — person edit (agency admin)");
});

test("My Staff: an account admin makes a staff member an account admin, which applies at their next click", async (t) => {
  const s = await begin(t, browser, app, { as: "accountAdmin" });
  const { page, tenant } = s;
  await navLink(page, "My Staff").click();
  await page.getByRole("heading", { name: "My Staff", level: 1 }).waitFor();
  assert.match(page.url(), new RegExp(`/locations/${tenant.subAccount}/settings/my-staff$`));
  assert.equal(await page.getByText(tenant.owner.name).count(), 0, "agency-level people are not staff");
  await s.check("my staff — list (account admin)");

  // The staff member is signed in already: the change reaches their session.
  const staff = await openPage(browser);
  t.after(() => staff.context.close());
  await signIn(staff.page, app, tenant.accountUser.email);
  await staff.page.getByRole("heading", { name: "Nothing to manage here" }).waitFor();

  await page.getByRole("link", { name: `Edit ${tenant.accountUser.name}` }).click();
  await page.getByRole("heading", { name: "Roles & Permissions" }).waitFor();
  await page.getByText("This role has no permissions to switch").waitFor();
  await s.check("my staff — person edit (account user)");
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Account admin" });
  await page.getByRole("button", { name: "Save" }).click();
  await flows.expectText(page, `Changes to ${tenant.accountUser.name} saved. They apply from their next click.`);
  const staffToggle = page.getByRole("switch", { name: "Manage staff" });
  assert.equal(await page.getByRole("switch", { name: "Manage private integrations" }).isChecked(), true);
  assert.equal(await staffToggle.isChecked(), true);
  await staffToggle.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await flows.expectText(page, `Changes to ${tenant.accountUser.name} saved. They apply from their next click.`);
  assert.equal(await page.getByRole("switch", { name: "Manage staff" }).isChecked(), false);
  await s.check("my staff — person edit (account admin)");

  await staff.page.goto(`${app.base}/settings`);
  await navLink(staff.page, "Private Integrations").waitFor();
  assert.equal(await navLink(staff.page, "My Staff").count(), 0, "without “Manage staff” there is no My Staff");

  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "My Staff" }).click();
  assert.match(await page.locator("tbody tr", { hasText: tenant.accountUser.name }).textContent(), /Account admin/);
});

test("My Staff: Add user offers account roles only", async (t) => {
  const s = await begin(t, browser, app, { as: "accountAdmin" });
  const { page } = s;
  await navLink(page, "My Staff").click();
  await page.getByRole("link", { name: "Add user" }).click();
  await page.getByRole("heading", { name: "Add user", level: 1 }).waitFor();
  const roles = await page.getByLabel("Role", { exact: true }).locator("option").allTextContents();
  assert.deepEqual(roles.filter((role) => role !== "Choose a role").sort(), ["Account admin", "Account user"]);
  await s.check("my staff — add user");
});

test("a new sub-account: My Staff and the audit log show their empty states", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  app.cli(["subaccount", "create", "--agency", tenant.agency, "--name", "Harbor Clinic"]);
  await page.goto(`${app.base}/settings/team`);
  await page.locator("details.switcher > summary").click();
  await page.getByRole("navigation", { name: "Switch context" }).getByRole("link", { name: /Harbor Clinic/ }).click();
  await navLink(page, "My Staff").click();
  await page.getByRole("heading", { name: "No staff here yet" }).waitFor();
  await s.check("my staff — empty");
  await navLink(page, "Audit log").click();
  await page.getByRole("heading", { name: "No events" }).waitFor();
  await s.check("audit log — empty (new sub-account)");
});

test("deactivate and reactivate a person from the danger zone", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  await page.goto(`${app.base}/settings/team/${tenant.agencyUser.id}`);
  await page.getByRole("button", { name: "Deactivate" }).click();
  await flows.expectText(page, `${tenant.agencyUser.name} is deactivated and signed out everywhere.`);
  await page.getByRole("heading", { name: /Deactivated/, level: 1 }).waitFor();
  await s.check("team — person edit (deactivated)");
  await page.getByRole("button", { name: "Reactivate" }).click();
  await flows.expectText(page, `${tenant.agencyUser.name} is active again and can sign in.`);
});

test("nobody changes their own permissions: their own row is read-only (SPEC §1)", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  await page.goto(`${app.base}/settings/team/${tenant.owner.id}`);
  await page.getByText(/ask another team manager/i).waitFor();
  assert.equal(await page.getByRole("switch").count(), 0, "no toggle to switch on their own row");
  assert.equal(await page.getByRole("button", { name: "Save" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Deactivate" }).count(), 0, "nor their own status");
  const facts = await page.locator("dl.facts").textContent();
  assert.match(facts, /Manage agency private integrations\s*On/);
});


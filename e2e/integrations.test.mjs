// Settings > Private Integrations with JavaScript on: the list, the create and edit wizards,
// the one-time reveal, the copy button, the three-dot menu (mouse and keyboard), delete.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, navLink, startApp } from "./support.mjs";

const { SCOPES } = flows;
let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("create: wizard with validation and Back, reveal once, then the list and the detail page", async (t) => {
  const s = await begin(t, browser, app);
  const integration = await flows.createIntegration(s, {
    name: "Zapier sync",
    description: "Keeps contacts in sync.",
    scopes: [SCOPES.users, SCOPES.locations],
    checks: true,
  });
  await flows.revealOnlyOnce(s, integration);
  await flows.findInList(s, integration, { scopeCount: 2 });
  assert.ok(await s.page.locator(".held-scopes").getByText("users.readonly").isVisible());
  assert.ok(await s.page.locator(".held-scopes").getByText("locations.readonly").isVisible());
});

test("the scope picker filters, selects a whole area and counts what is selected", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  await page.goto(`${app.base}/settings/private-integrations/new`);
  await page.getByLabel("Name", { exact: true }).fill("Filter test");
  await page.getByRole("button", { name: "Next" }).click();
  const filter = page.getByLabel("Filter scopes");
  await filter.fill("users read");
  await page.getByText(SCOPES.users, { exact: true }).waitFor();
  assert.equal(await page.getByText("locations.write").isVisible(), false, "the filter hides other scopes");
  await filter.fill("zzzz no such scope");
  await page.getByText("No scope matches the filter.").waitFor();
  await s.check("create — step 2, filter without a match");
  await filter.fill("");
  const locations = page.getByRole("group", { name: "Locations" });
  await locations.getByLabel("Select all").check();
  const count = page.locator("[data-selected-count]");
  const inArea = await locations.locator('input[name="scopes"]').count();
  assert.equal(await count.textContent(), String(inArea));
  await locations.getByLabel("Select all").uncheck();
  assert.equal(await count.textContent(), "0");
  // Create with nothing selected: the error shows inline and nothing is created.
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.locator("#scopes-error").waitFor();
  await s.check("create — step 2 with an error");
});

test("the sub-account level offers only sub-account scopes; an account admin sees one context", async (t) => {
  const s = await begin(t, browser, app, { as: "accountAdmin" });
  const { page, tenant } = s;
  await navLink(page, "Private Integrations").click();
  await page.getByRole("heading", { name: "No private integrations yet" }).waitFor();
  assert.match(page.url(), new RegExp(`/locations/${tenant.subAccount}/settings/private-integrations$`));
  await page.locator("details.switcher > summary").click();
  const contexts = page.getByRole("navigation", { name: "Switch context" }).getByRole("link");
  assert.equal(await contexts.count(), 1, "an account admin switches to nothing but their sub-account");
  await s.check("shell — sub-account context, switcher open");
  const integration = await flows.createIntegration(s, {
    name: "Booking widget",
    scopes: [SCOPES.locations],
    subAccount: tenant.subAccount,
  });
  await page.goto(`${integration.url}/edit`);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("Choose what Booking widget may do. Only sub-account-level scopes are offered.").waitFor();
  assert.equal(await page.getByText("companies.readonly").count(), 0, "agency-only scopes are not offered");
  assert.equal(await page.getByText("locations.write").count(), 0, "agency-only scopes are not offered");
  await page.getByText("contacts.readonly").waitFor();
});

test("the agency admin switches between the agency and a sub-account", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  await page.goto(`${app.base}/settings/private-integrations`);
  await page.locator("details.switcher > summary").click();
  const contexts = page.getByRole("navigation", { name: "Switch context" });
  assert.equal(await contexts.getByRole("link").count(), 2);
  await s.check("shell — agency context, switcher open");
  await contexts.getByRole("link", { name: new RegExp(tenant.subAccountName) }).click();
  await page.waitForURL(new RegExp(`/locations/${tenant.subAccount}/settings/`));
  await navLink(page, "My Staff").waitFor();
  assert.equal(await navLink(page, "Team").count(), 0);
});

test("copy button: the token lands on the clipboard", async (t) => {
  const s = await begin(t, browser, app, { permissions: ["clipboard-read", "clipboard-write"] });
  const { page } = s;
  await page.goto(`${app.base}/settings/private-integrations/new`);
  await page.getByLabel("Name", { exact: true }).fill("Clipboard app");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText(SCOPES.users, { exact: true }).click();
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await flows.expectText(page, flows.REVEAL_WARNING);
  const token = await page.getByLabel("Token").inputValue();
  await page.getByRole("button", { name: "Copy" }).click();
  await flows.expectText(page, "The token is on your clipboard.");
  await page.getByRole("button", { name: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  await s.check("reveal — after Copy");
});

test("edit → Update: new name, one more scope; the token is unchanged and the scope applies at once", async (t) => {
  const s = await begin(t, browser, app);
  const integration = await flows.createIntegration(s, { name: "Reporting", scopes: [SCOPES.users] });
  await flows.editIntegration(s, integration, {
    name: "Reporting v2",
    addScope: SCOPES.company,
    scopeName: "companies.readonly",
    apiPath: `/v2/companies/${s.tenant.agency}`,
  });
  await s.check("detail — after an edit");
});

test("delete: the confirmation names the integration and its token stops working", async (t) => {
  const s = await begin(t, browser, app);
  const integration = await flows.createIntegration(s, { name: "Old importer", scopes: [SCOPES.users] });
  await flows.deleteIntegration(s, integration);
});

test("the three-dot menu works with the keyboard alone", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  await flows.createIntegration(s, { name: "Keyboard app", scopes: [SCOPES.users] });
  await page.goto(`${app.base}/settings/private-integrations`);
  const summary = page.getByLabel("Actions for Keyboard app");
  const menu = page.locator("details.row-menu");
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent.trim());

  // Tab from the top of the page until the menu button has the focus.
  for (let presses = 0; (await focused()) !== "Actions for Keyboard app"; presses += 1) {
    assert.ok(presses < 40, "the three-dot menu is reachable with Tab");
    await page.keyboard.press("Tab");
  }
  assert.equal(await menu.getAttribute("open"), null);
  await page.keyboard.press("Enter");
  await page.getByRole("link", { name: "Edit", exact: true }).waitFor();
  assert.equal(await menu.getAttribute("open"), "");
  await s.check("list — three-dot menu open");

  // Escape closes it and gives the focus back to the menu button.
  await page.keyboard.press("Escape");
  await page.getByRole("link", { name: "Edit", exact: true }).waitFor({ state: "hidden" });
  assert.equal(await focused(), "Actions for Keyboard app");
  assert.ok(await summary.evaluate((element) => element.matches(":focus-visible")), "the focus ring shows");

  // Space opens it too; Tab reaches Edit, then Delete; Shift+Tab comes back; Enter follows.
  await page.keyboard.press(" ");
  await page.getByRole("link", { name: "Edit", exact: true }).waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "Edit");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "Delete");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await focused(), "Edit");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Edit “Keyboard app”" }).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Keyboard app");
});

test("usage: the integration page counts real API calls, charts them and offers to remove unused scopes", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  const integration = await flows.createIntegration(s, { name: "Usage app", scopes: [SCOPES.users, SCOPES.locations] });
  for (let call = 0; call < 3; call += 1) assert.equal(await flows.apiStatus(app, integration.token), 200);
  assert.equal(await flows.apiStatus(app, integration.token, "/v2/users/"), 200);
  assert.equal(await flows.apiStatus(app, integration.token, "/v2/companies/00000000-0000-0000-0000-000000000000"), 403);

  // Counted in memory and written every few seconds: reload until they show.
  const last24 = page.locator(".usage-totals dd").first();
  for (let tries = 0; (await last24.textContent()).trim() !== "6"; tries += 1) {
    assert.ok(tries < 60, "the calls are counted within seconds");
    await page.waitForTimeout(250);
    await page.reload();
  }
  await page.locator(".usage-chart").waitFor();
  assert.equal(await page.locator("#usage-addresses tbody tr").count(), 1);
  await s.check("detail — usage");
  await page.getByText("Show the numbers per day").click();
  const today = page.locator("#usage-days tbody tr").first();
  assert.deepEqual(await today.locator("td").allTextContents(), ["5", "1", "0", "0", "6"], "success, denied, rate limited, other, total");
  await s.check("detail — usage, the numbers per day");

  // locations.readonly was never needed: the wizard opens with it unticked.
  assert.deepEqual(await page.locator(".unused-scopes p code").allTextContents(), ["locations.readonly"]);
  await page.getByRole("button", { name: "Remove unused scopes" }).click();
  await page.getByText("Choose what Usage app may do.").waitFor();
  assert.equal(await page.getByLabel(SCOPES.locations).isChecked(), false);
  assert.equal(await page.getByLabel(SCOPES.users).isChecked(), true);
  await s.check("edit — unused scopes unticked");
});

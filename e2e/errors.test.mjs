// Every error page a browser can reach, styled and accessible: 404 (unknown page, another
// agency's integration, a used setup link), 403 (a role or permission that does not
// include the page, a forged form), 405, 413, and the "nothing to manage" page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, navLink, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function expectErrorPage(s, response, status, heading, name) {
  assert.equal(response.status(), status);
  await s.page.getByRole("heading", { name: heading, level: 1 }).waitFor();
  assert.ok(await s.page.getByText(`Error ${status}`).isVisible());
  assert.equal(response.headers()["cache-control"], "no-store");
  if (name) await s.check(name);
  await s.page.getByRole("link", { name: "Go to Settings" }).waitFor();
}

test("404: an unknown page, signed out and signed in", async (t) => {
  const s = await begin(t, browser, app, { as: null });
  await expectErrorPage(s, await s.page.goto(`${app.base}/no-such-page`), 404, "Page not found", "error — 404 (signed out)");
  const signedIn = await begin(t, browser, app, { tenant: s.tenant });
  await expectErrorPage(signedIn, await signedIn.page.goto(`${app.base}/settings/no-such-section`), 404, "Page not found", "error — 404 (signed in)");
  const malformed = await signedIn.page.goto(`${app.base}/settings/private-integrations/not-a-uuid`);
  await expectErrorPage(signedIn, malformed, 404, "Page not found");
});

test("404: another agency's integration and sub-account do not exist for you", async (t) => {
  const owner = await begin(t, browser, app);
  const theirs = await flows.createIntegration(owner, { name: "Their secret app", scopes: [flows.SCOPES.users] });
  const stranger = await begin(t, browser, app);
  for (const url of [theirs.url, `${theirs.url}/edit`, `${theirs.url}/rotate-now`, `${theirs.url}/delete`, `${app.base}/locations/${owner.tenant.subAccount}/settings/private-integrations`]) {
    const response = await stranger.page.goto(url);
    await expectErrorPage(stranger, response, 404, "Page not found");
    assert.equal(await stranger.page.getByText("Their secret app").count(), 0, url);
  }
});

test("403 and the no-access page: an agency user opens the Settings", async (t) => {
  const s = await begin(t, browser, app, { as: "agencyUser" });
  const { page, tenant } = s;
  await page.getByRole("heading", { name: "Nothing to manage here" }).waitFor();
  assert.match(await page.locator("main").textContent(), /Agency user/);
  assert.ok(await page.getByText(tenant.agencyUser.email).isVisible());
  await s.check("no access — agency user");
  for (const section of ["private-integrations", "team", "labs", "audit-log", "private-integrations/new"]) {
    const response = await page.goto(`${app.base}/settings/${section}`);
    await expectErrorPage(s, response, 403, "You don't have access to this page", section === "private-integrations" && "error — 403");
  }
  await page.goto(`${app.base}/settings`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await flows.expectText(page, "You have signed out.");
});

test("403: an account user, and an agency admin without “Manage team” opening Team", async (t) => {
  const staff = await begin(t, browser, app, { as: "accountUser" });
  await staff.page.getByRole("heading", { name: "Nothing to manage here" }).waitFor();
  await staff.check("no access — account user");
  const mine = `${app.base}/locations/${staff.tenant.subAccount}/settings`;
  await expectErrorPage(staff, await staff.page.goto(`${mine}/private-integrations`), 403, "You don't have access to this page");
  await expectErrorPage(staff, await staff.page.goto(`${app.base}/settings/private-integrations`), 404, "Page not found");

  const admin = await begin(t, browser, app, { as: "secondAdmin", tenant: staff.tenant });
  await navLink(admin.page, "Private Integrations").waitFor();
  assert.equal(await navLink(admin.page, "Team").count(), 0, "no Team link without “Manage team”");
  const response = await admin.page.goto(`${app.base}/settings/team`);
  await expectErrorPage(admin, response, 403, "You don't have access to this page", "error — 403 (no Manage team)");
});

test("403: a form with a forged CSRF token changes nothing", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  await page.goto(`${app.base}/settings/labs`);
  await page.getByRole("switch", { name: "Private Integrations" }).uncheck();
  await page.locator('form.form-card input[name="csrf_token"]').evaluate((input) => {
    input.value = "forged";
  });
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Save" }).click()]);
  await expectErrorPage(s, response, 403, "You don't have access to this page", "error — 403 (expired or forged form)");
  await page.getByText("This form has expired or was sent from another site.").waitFor();
  await page.goto(`${app.base}/settings/labs`);
  assert.equal(await page.getByRole("switch", { name: "Private Integrations" }).isChecked(), true, "nothing changed");
});

test("405: a form sent to an address that only shows a page", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  await page.goto(`${app.base}/settings/labs`);
  await page.locator("form.form-card").evaluate((form) => {
    form.action = "/settings/audit-log";
  });
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Save" }).click()]);
  await expectErrorPage(s, response, 405, "Not allowed", "error — 405");
});

test("413: a form larger than the server accepts", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  await page.goto(`${app.base}/settings/private-integrations/new`);
  await page.getByLabel("Name", { exact: true }).fill("Too big");
  await page.getByLabel("Description (optional)").evaluate((field) => {
    field.removeAttribute("maxlength");
    field.value = "x".repeat(200 * 1024);
  });
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Next" }).click()]);
  await expectErrorPage(s, response, 413, "Too much data", "error — 413");
});

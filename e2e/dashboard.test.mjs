// The dashboard as a person uses it, in real Chromium, with axe-core on every page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { ACCOUNT_ADMIN, OWNER, accessibilityViolations, launch, newContext, signIn, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  app = await startApp();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function expectAccessible(page, what) {
  const violations = await accessibilityViolations(page);
  assert.deepEqual(violations, [], `${what} has accessibility violations`);
}

test("sign-in page: accessible, one generic error for a wrong password", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${app.base}/sign-in`);
  await expectAccessible(page, "the sign-in page");
  await page.getByLabel("Email").fill(OWNER);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Incorrect email or password.").waitFor();
  await expectAccessible(page, "the sign-in page with an error");
  await context.close();
});

test("create an integration, copy its token once, then find it in the list", async () => {
  const context = await newContext(browser, { permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Private Integrations" }).click();
  await page.getByRole("heading", { name: "No private integrations yet" }).waitFor();
  await expectAccessible(page, "the empty list");

  await page.getByRole("link", { name: "Create new Integration" }).first().click();
  await expectAccessible(page, "step 1");
  await page.getByLabel("Name", { exact: true }).fill("Zapier sync");
  await page.getByLabel("Description (optional)").fill("Keeps contacts in sync.");
  await page.getByRole("button", { name: "Next" }).click();

  await page.getByRole("heading", { name: "Create new Integration" }).waitFor();
  await expectAccessible(page, "step 2");
  await page.getByLabel("Filter scopes").fill("users read");
  assert.equal(await page.getByText("locations.write").isVisible(), false, "the filter hides other scopes");
  await page.getByText("View users", { exact: true }).click();
  assert.equal(await page.locator("[data-selected-count]").textContent(), "1");
  await page.getByRole("button", { name: "Create" }).click();

  await page.getByText("Copy this token now. You won't be able to see it again.").waitFor();
  await expectAccessible(page, "the reveal page");
  const token = await page.getByLabel("Token").inputValue();
  assert.match(token, /^pit-[0-9A-Za-z]{46}$/);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByText("The token is on your clipboard.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

  await page.reload();
  await page.getByRole("heading", { name: "Token no longer available" }).waitFor();
  assert.equal(await page.getByLabel("Token").count(), 0);

  await page.getByRole("link", { name: "Back to the integration" }).click();
  await page.getByRole("heading", { name: /Zapier sync/ }).waitFor();
  assert.ok(await page.getByText(`pit-…${token.slice(-4)}`).isVisible());
  await expectAccessible(page, "the detail page");

  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Private Integrations" }).click();
  const row = page.locator("tbody tr", { hasText: "Zapier sync" });
  assert.match(await row.textContent(), /1 scope/);
  await expectAccessible(page, "the list");
  await context.close();
});

test("the three-dot menu works from the keyboard and leads to edit", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.goto(`${app.base}/settings/private-integrations`);
  const menu = page.getByLabel("Actions for Zapier sync");
  await menu.focus();
  await page.keyboard.press("Enter");
  const edit = page.getByRole("link", { name: "Edit" });
  await edit.waitFor();
  await edit.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Edit “Zapier sync”" }).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Zapier sync");
  await context.close();
});

test("delete asks for confirmation naming the integration", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.goto(`${app.base}/settings/private-integrations`);
  await page.getByLabel("Actions for Zapier sync").click();
  await page.getByRole("link", { name: "Delete" }).click();
  await page.getByRole("heading", { name: "Delete “Zapier sync”?" }).waitFor();
  await expectAccessible(page, "the delete confirmation");
  await page.getByRole("button", { name: "Delete integration" }).click();
  await page.getByText("Integration “Zapier sync” deleted. Its tokens no longer work.").waitFor();
  await context.close();
});

test("rotate later shows a countdown, and cancel brings the old token back", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.goto(`${app.base}/settings/private-integrations/new`);
  await page.getByLabel("Name", { exact: true }).fill("Rotating app");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("View company details", { exact: true }).click();
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByRole("link", { name: "Done" }).click();

  await page.getByRole("link", { name: "Rotate and expire this token later" }).click();
  await page.getByRole("heading", { name: "Rotate and expire this token later?" }).waitFor();
  await expectAccessible(page, "the rotation warning");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByText("Copy this token now. You won't be able to see it again.").waitFor();
  await page.getByRole("link", { name: "Done" }).click();
  const countdown = page.locator("time[data-countdown]");
  assert.match(await countdown.textContent(), /^(7 days|6 days 23 hours)$/);
  assert.ok(Date.parse(await countdown.getAttribute("datetime")) > Date.now());
  await expectAccessible(page, "a rotating integration");

  await page.getByRole("link", { name: "Cancel rotation" }).click();
  await page.getByRole("heading", { name: "Cancel rotation?" }).waitFor();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByText("Rotation cancelled. The new token no longer works; the old token is current again.").waitFor();
  assert.equal(await page.locator("time[data-countdown]").count(), 0);
  await context.close();
});

test("Labs hides Private Integrations and brings it back", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Labs" }).click();
  await expectAccessible(page, "Labs");
  await page.getByRole("switch", { name: "Private Integrations" }).uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Private Integrations is off. Existing tokens keep working.").waitFor();
  const nav = page.getByRole("navigation", { name: "Settings" });
  assert.equal(await nav.getByRole("link", { name: "Private Integrations" }).count(), 0);
  await page.goto(`${app.base}/settings/private-integrations`);
  await page.getByText("Private Integrations is turned off — enable it in Labs").waitFor();
  await page.getByRole("link", { name: "Open Labs" }).click();
  await page.getByRole("switch", { name: "Private Integrations" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await nav.getByRole("link", { name: "Private Integrations" }).waitFor();
  await context.close();
});

test("an account admin switches nothing but their sub-account, on a phone", async () => {
  const context = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, app.base, ACCOUNT_ADMIN);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Private Integrations" }).click();
  await page.getByRole("heading", { name: "Private Integrations", exact: true }).waitFor();
  await page.getByText("Main Street Dental").first().click();
  const contexts = page.getByRole("navigation", { name: "Switch context" }).getByRole("link");
  assert.equal(await contexts.count(), 1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await expectAccessible(page, "the sub-account list on a phone");
  await context.close();
});

test("Team: switch a permission off and see the Roles & Permissions page", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Team" }).click();
  await expectAccessible(page, "the Team page");
  await page.getByRole("link", { name: "Edit Avery Admin" }).click();
  await page.getByRole("heading", { name: "Roles & Permissions" }).waitFor();
  await expectAccessible(page, "the Roles & Permissions page");
  await page.getByRole("switch", { name: "Manage staff" }).uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Changes to Avery Admin saved. They apply from their next click.").waitFor();
  assert.equal(await page.getByRole("switch", { name: "Manage staff" }).isChecked(), false);
  await page.goto(`${app.base}/settings/team/new`);
  await expectAccessible(page, "the Add user page");
  await context.close();
});

test("the audit log lists what happened and filters by action", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, app.base, OWNER);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("heading", { name: "Audit log" }).waitFor();
  await expectAccessible(page, "the audit log");
  await page.getByLabel("Action").selectOption("integration.delete");
  await page.getByRole("button", { name: "Filter" }).click();
  const rows = page.locator("tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /Zapier sync/);
  await context.close();
});

test("styled error pages are accessible", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const response = await page.goto(`${app.base}/no-such-page`);
  assert.equal(response.status(), 404);
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  await expectAccessible(page, "the 404 page");
  await context.close();
});

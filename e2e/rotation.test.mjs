// Token rotation with JavaScript on (SPEC §3): rotate later, cancel rotation, Expire Now,
// rotate now, and the detail page in every status and token state.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, quiet, startApp } from "./support.mjs";

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

async function withIntegration(t, name) {
  const s = await begin(t, browser, app);
  const integration = await flows.createIntegration(s, { name, scopes: [SCOPES.users] });
  return { s, integration };
}

test("rotate later: new token revealed once, countdown in the detail page and the list; cancel rotation", async (t) => {
  const { s, integration } = await withIntegration(t, "Rotating app");
  const { page } = s;
  await flows.rotateLater(s, integration);

  await page.goto(`${app.base}/settings/private-integrations`);
  const row = page.locator("tbody tr", { has: page.getByRole("link", { name: "Rotating app", exact: true }) });
  assert.match(await row.textContent(), /Rotating/);
  assert.match(await row.textContent(), /Old token expires in (7 days|6 days 23 hours)/);
  await row.getByRole("link", { name: "Cancel rotation" }).waitFor();
  await row.getByRole("link", { name: "Expire Now" }).waitFor();
  await s.check("list — a rotation running");

  await flows.cancelRotation(s, integration);
});

test("rotate later, then Expire Now: the old token stops at once", async (t) => {
  const { s, integration } = await withIntegration(t, "Expiring app");
  await flows.rotateLater(quiet(s), integration);
  await flows.expireNow(s, integration);
});

test("rotate now during a rotation: every token stops, the new one is revealed once", async (t) => {
  const { s, integration } = await withIntegration(t, "Leaked app");
  await flows.rotateLater(quiet(s), integration);
  await flows.rotateNow(s, integration);
  assert.equal(await s.page.locator("time[data-countdown]").count(), 0);
});

test("a confirmation for an action that no longer applies sends the user back with the reason", async (t) => {
  const { s, integration } = await withIntegration(t, "Stale page app");
  const { page } = s;
  await page.goto(`${integration.url}/cancel-rotation`);
  await page.waitForURL(integration.url);
  const reason = page.locator(".flash-error");
  await reason.waitFor();
  assert.match(await reason.textContent(), /rotation/i);
  await s.check("detail — refused rotation action");
});

test("time passes: the expiring token expires at its instant, and an old token asks for rotation", async (t) => {
  const { s, integration } = await withIntegration(t, "Aged app");
  const { page } = s;
  await flows.rotateLater(quiet(s), integration);
  // Fake the passing of time in the database: the overlap ended a minute ago.
  app.sql(`UPDATE integration_tokens SET expires_at = now() - interval '1 minute' WHERE integration_id = '${integration.id}' AND state = 'expiring'`);
  await page.goto(integration.url);
  assert.match(await flows.tokenRow(page, integration.previous.slice(-4)).textContent(), /Expired/);
  // (The API is not asked here: its token cache rightly keeps the real expiry, 7 days away,
  // since this change bypassed the app.)
  await s.check("detail — expired old token");

  // The current token was issued 91 days ago.
  app.sql(`UPDATE integration_tokens SET created_at = now() - interval '91 days' WHERE integration_id = '${integration.id}' AND state = 'current'`);
  await page.goto(integration.url);
  assert.match(await page.getByRole("heading", { level: 1 }).textContent(), /Rotation recommended/);
  await s.check("detail — Rotation recommended");
  await page.goto(`${app.base}/settings/private-integrations`);
  assert.match(await page.locator("tbody tr", { hasText: "Aged app" }).textContent(), /Rotation recommended/);
  await s.check("list — rotation recommended");
});

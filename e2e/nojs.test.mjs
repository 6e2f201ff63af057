// The core flows again, with JavaScript turned off in the browser: every page is
// server-rendered and every state change is a plain form (SPEC §2). The flow functions are
// the very ones the other files run with JavaScript on (see flows.mjs); axe-core needs
// JavaScript, so these runs check behaviour only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, startApp } from "./support.mjs";

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

/** A session with JavaScript off, signed in as `as` (null: signed out). */
async function noJs(t, as = "owner") {
  const s = await begin(t, browser, app, { js: false, as });
  assert.equal(await s.page.evaluate(() => 1).catch(() => "off"), 1, "Playwright itself can still read the page");
  return s;
}

test("no JS: sign in, then sign out", async (t) => {
  await flows.signInAndOut(await noJs(t, null));
});

test("no JS: create, reveal once, find it in the list", async (t) => {
  const s = await noJs(t);
  const integration = await flows.createIntegration(s, { name: "Plain HTML app", description: "No scripts here.", scopes: [SCOPES.users, SCOPES.locations] });
  assert.equal(await s.page.getByRole("button", { name: "Copy" }).count(), 0, "the Copy button needs JavaScript, so it stays hidden");
  await flows.revealOnlyOnce(s, integration);
  await flows.findInList(s, integration, { scopeCount: 2 });
});

test("no JS: edit → Update, the new scope applies at once", async (t) => {
  const s = await noJs(t);
  const integration = await flows.createIntegration(s, { name: "Plain edit", scopes: [SCOPES.users] });
  await flows.editIntegration(s, integration, { name: "Plain edit v2", addScope: SCOPES.company, scopeName: "companies.readonly", apiPath: `/v2/companies/${s.tenant.agency}` });
});

test("no JS: rotate later, then cancel rotation", async (t) => {
  const s = await noJs(t);
  const integration = await flows.createIntegration(s, { name: "Plain rotation", scopes: [SCOPES.users] });
  await flows.rotateLater(s, integration);
  await flows.cancelRotation(s, integration);
});

test("no JS: rotate later, then Expire Now", async (t) => {
  const s = await noJs(t);
  const integration = await flows.createIntegration(s, { name: "Plain expiry", scopes: [SCOPES.users] });
  await flows.rotateLater(s, integration);
  await flows.expireNow(s, integration);
});

test("no JS: rotate now", async (t) => {
  const s = await noJs(t);
  const integration = await flows.createIntegration(s, { name: "Plain leak", scopes: [SCOPES.users] });
  await flows.rotateNow(s, integration);
});

test("no JS: delete", async (t) => {
  const s = await noJs(t);
  const integration = await flows.createIntegration(s, { name: "Plain delete", scopes: [SCOPES.users] });
  await flows.deleteIntegration(s, integration);
});

test("no JS: Team → Roles & Permissions toggle", async (t) => {
  await flows.teamToggle(await noJs(t));
});

test("no JS: Labs off and on", async (t) => {
  await flows.labsOffAndOn(await noJs(t));
});

test("no JS: Create asks to confirm access and the wizard keeps every tick", async (t) => {
  const s = await noJs(t);
  await flows.sudoInWizard(s, { name: "Plain confirmed app", scopes: [SCOPES.users] });
});

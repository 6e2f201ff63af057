// The core flows, written once and run twice: with JavaScript on (in the area test files,
// where `check` is the axe + screenshot check) and with JavaScript off (nojs.test.mjs,
// where `check` does nothing because axe-core cannot run without JavaScript).
//
// A flow receives `s`: { page, app, tenant, js, check(name) } and the data it works on.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";

import { PASSWORD, navLink, settingsUrl } from "./support.mjs";

export const REVEAL_WARNING = "Copy this token now. You won't be able to see it again.";

/** The status of an API call made with `token` (the token-authenticated API of SPEC §4). */
export async function apiStatus(app, token, path = "/v2/oauth/token-info") {
  const response = await fetch(`${app.base}${path}`, { headers: { Authorization: `Bearer ${token}`, Version: "2021-07-28" } });
  await response.arrayBuffer();
  return response.status;
}

/** The scopes the API says `token` holds. */
export async function apiScopes(app, token) {
  const response = await fetch(`${app.base}/v2/oauth/token-info`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, "token-info answers for a working token");
  return (await response.json()).scopes;
}

/** The flash message (or any text) `text` shows up. */
export function expectText(page, text) {
  return page.getByText(text, { exact: true }).first().waitFor();
}

/** The body of the token table's row for the token ending in `last4`. */
export function tokenRow(page, last4) {
  return page.locator("[aria-labelledby=tokens-heading] tbody tr", { has: page.getByText(`pit-…${last4}`, { exact: true }) });
}

/** The token states the detail page lists, e.g. ["Current", "Expiring"], top to bottom. */
export async function tokenStates(page) {
  return page.locator("[aria-labelledby=tokens-heading] tbody td[data-label=Status]").allTextContents().then((all) => all.map((text) => text.trim()));
}

/** Opens the row's three-dot menu with the mouse (keyboard use has its own test) and picks `item`. */
export async function rowMenu(page, integration, item) {
  await page.getByLabel(`Actions for ${integration}`).click();
  await page.getByRole("link", { name: item, exact: true }).click();
}

/** The detail page's own heading, e.g. "Zapier sync Active". */
export function detailHeading(page, name) {
  return page.getByRole("heading", { level: 1, name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`) });
}

/** Reads the revealed token and leaves the reveal page with **Done**. */
async function takeToken(s, checkName, flash) {
  const { page } = s;
  await expectText(page, REVEAL_WARNING);
  await expectText(page, flash);
  const token = await page.getByLabel("Token").inputValue();
  assert.match(token, /^pit-[0-9A-Za-z]{46}$/);
  const revealUrl = page.url();
  if (checkName) await s.check(checkName);
  await page.getByRole("link", { name: "Done" }).click();
  await page.waitForURL((url) => !url.pathname.endsWith("/reveal"));
  return { token, revealUrl };
}

// ---------------------------------------------------------------------------------------
// Sign in and out

/** Sign in (after a refused wrong password), land in the shell, sign out from the user menu. */
export async function signInAndOut(s) {
  const { page, app, tenant } = s;
  await page.goto(`${app.base}/settings`);
  await page.waitForURL(/\/sign-in/);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await s.check("sign-in");
  await page.getByLabel("Email").fill(tenant.owner.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectText(page, "Incorrect email or password.");
  assert.equal(await page.getByLabel("Email").inputValue(), tenant.owner.email, "the email is kept");
  await s.check("sign-in — wrong password");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname.startsWith("/settings/"));
  await page.getByRole("navigation", { name: "Settings" }).waitFor();
  assert.ok(await navLink(page, "Team").isVisible());
  assert.ok(await navLink(page, "Private Integrations").isVisible());
  assert.ok(await navLink(page, "Labs").isVisible());
  assert.ok(await navLink(page, "Audit log").isVisible());
  await s.check("shell — agency admin landing page");

  await page.locator("details.user-menu > summary").click();
  await page.locator("details.user-menu").getByText(tenant.owner.email).waitFor();
  await s.check("shell — user menu open");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/sign-in/);
  await expectText(page, "You have signed out.");
  await s.check("sign-in — signed out");
  await page.goto(`${app.base}/settings/private-integrations`);
  await page.waitForURL(/\/sign-in/);
}

// ---------------------------------------------------------------------------------------
// Integrations

/**
 * Creates an integration through the wizard from the list page, picking scopes by their
 * labels; returns { token, id, url (of the detail page), revealUrl }. `checks` names the
 * pages to check on the way (the first run checks them all).
 */
export async function createIntegration(s, { name, description = "", scopes, subAccount, checks = false }) {
  const { page, app } = s;
  const check = checks ? s.check : async () => {};
  await page.goto(`${settingsUrl(app, subAccount)}/private-integrations`);
  await page.getByRole("heading", { name: "Private Integrations", exact: true, level: 1 }).waitFor();
  const empty = await page.getByRole("heading", { name: "No private integrations yet" }).isVisible();
  if (empty) await check("list — empty");
  await page.getByRole("link", { name: "Create new Integration" }).first().click();
  await page.getByRole("heading", { name: "Create new Integration" }).waitFor();
  await check("create — step 1");

  // An empty name is refused inline, and the description typed is kept.
  await page.getByLabel("Name", { exact: true }).fill("");
  await page.getByLabel("Description (optional)").fill(description);
  await page.getByRole("button", { name: "Next" }).click();
  await expectText(page, "Please correct the highlighted field.");
  assert.equal(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("Description (optional)").inputValue(), description);
  await check("create — step 1 with an error");

  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText(`Choose what ${name} may do.`).waitFor();
  await check("create — step 2 (scopes)");

  // Back keeps what was typed.
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByLabel("Name", { exact: true }).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), name);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText(`Choose what ${name} may do.`).waitFor();

  for (const label of scopes) await page.getByText(label, { exact: true }).click();
  if (s.js) assert.equal(await page.locator("[data-selected-count]").textContent(), String(scopes.length));
  await page.getByRole("button", { name: "Create", exact: true }).click();
  const { token, revealUrl } = await takeToken(s, checks && "reveal — new integration", `Integration “${name}” created.`);
  await detailHeading(page, name).waitFor();
  assert.ok(await tokenRow(page, token.slice(-4)).isVisible());
  assert.deepEqual(await tokenStates(page), ["Current"]);
  await check("detail — Active, one current token");
  assert.equal(await apiStatus(app, token), 200, "the new token works");
  const url = page.url();
  return { token, url, revealUrl, id: new URL(url).pathname.split("/").pop(), name };
}

/** The reveal page shows the token once: coming back says it is no longer available. */
export async function revealOnlyOnce(s, integration) {
  const { page } = s;
  await page.goto(integration.revealUrl);
  await page.getByRole("heading", { name: "Token no longer available" }).waitFor();
  await expectText(page, "This token is no longer available");
  assert.equal(await page.getByLabel("Token").count(), 0);
  await s.check("reveal — no longer available");
  await page.getByRole("link", { name: "Back to the integration" }).click();
  await detailHeading(page, integration.name).waitFor();
}

/** The list shows the integration with its scope count, status and creator. */
export async function findInList(s, integration, { scopeCount, check = true } = {}) {
  const { page, app } = s;
  await page.goto(`${app.base}/settings/private-integrations`);
  const row = page.locator("tbody tr", { has: page.getByRole("link", { name: integration.name, exact: true }) });
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, new RegExp(`${scopeCount} scopes?`));
  assert.match(text, /Active/);
  assert.ok(text.includes(`by ${s.tenant.owner.email}`), "the creator is shown");
  assert.match(text, /Never used|UTC/);
  if (check) await s.check("list — with integrations");
  await row.getByRole("link", { name: integration.name, exact: true }).click();
  await detailHeading(page, integration.name).waitFor();
}

/**
 * Edit through the three-dot menu: new name and description, one more scope, **Update**.
 * The token is unchanged and the new scope applies to API calls at once.
 */
export async function editIntegration(s, integration, { name, addScope, scopeName, apiPath }) {
  const { page, app } = s;
  if (apiPath) assert.equal(await apiStatus(app, integration.token, apiPath), 403, "before the edit the scope is missing");
  await page.goto(`${app.base}/settings/private-integrations`);
  await rowMenu(page, integration.name, "Edit");
  await page.getByRole("heading", { name: `Edit “${integration.name}”` }).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), integration.name);
  await s.check("edit — step 1");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Description (optional)").fill("Edited in the browser test.");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText(`Choose what ${name} may do.`).waitFor();
  await s.check("edit — step 2 (scopes)");
  await page.getByText(addScope, { exact: true }).click();
  await page.getByRole("button", { name: "Update", exact: true }).click();
  await expectText(page, `Integration “${name}” updated. Its token is unchanged.`);
  await detailHeading(page, name).waitFor();
  await page.locator(".held-scopes code", { hasText: scopeName }).waitFor();
  assert.ok(await tokenRow(page, integration.token.slice(-4)).isVisible(), "the token did not change");
  assert.ok(await page.getByText("Edited in the browser test.").isVisible());
  assert.ok((await apiScopes(app, integration.token)).includes(scopeName), "the API sees the new scope");
  if (apiPath) assert.equal(await apiStatus(app, integration.token, apiPath), 200, "the new scope applies at once");
  integration.name = name;
}

/** Opens a rotation control, checks its confirmation page, and presses **Continue**. */
async function confirmRotation(s, integration, link, heading, checkName) {
  const { page } = s;
  await page.goto(integration.url);
  await page.getByRole("link", { name: link, exact: true }).first().click();
  await page.getByRole("heading", { name: heading }).waitFor();
  await s.check(checkName);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Rotate later: a new token is revealed once; both work while the old one counts down. */
export async function rotateLater(s, integration) {
  const { page, app } = s;
  const old = integration.token;
  await confirmRotation(s, integration, "Rotate and expire this token later", "Rotate and expire this token later?", "confirm — rotate later");
  const { token } = await takeToken(s, "reveal — rotated token", `New token issued for “${integration.name}”. The old token expires in 7 days.`);
  await detailHeading(page, integration.name).waitFor();
  assert.match(await page.getByRole("heading", { level: 1 }).textContent(), /Rotating/);
  const countdown = page.locator("time[data-countdown]");
  assert.match(await countdown.textContent(), /^(7 days|6 days 23 hours)$/);
  assert.deepEqual(await tokenStates(page), ["Current", "Expiring"]);
  assert.equal(await page.getByRole("link", { name: "Rotate and expire this token later" }).count(), 0, "one rotation at a time");
  await s.check("detail — Rotating, current and expiring tokens");
  assert.equal(await apiStatus(app, old), 200, "the old token works during the overlap");
  assert.equal(await apiStatus(app, token), 200, "the new token works");
  integration.previous = old;
  integration.token = token;
}

/** Cancel rotation: the new token stops at once, the old one is current again. */
export async function cancelRotation(s, integration) {
  const { page, app } = s;
  await confirmRotation(s, integration, "Cancel rotation", "Cancel rotation?", "confirm — cancel rotation");
  await expectText(page, "Rotation cancelled. The new token no longer works; the old token is current again.");
  assert.equal(await page.locator("time[data-countdown]").count(), 0);
  assert.match(await page.getByRole("heading", { level: 1 }).textContent(), /Active/);
  assert.deepEqual((await tokenStates(page)).sort(), ["Current", "Revoked"]);
  assert.match(await tokenRow(page, integration.token.slice(-4)).textContent(), /Revoked/);
  assert.match(await tokenRow(page, integration.previous.slice(-4)).textContent(), /Current/);
  await s.check("detail — Active after a cancelled rotation (revoked token)");
  assert.equal(await apiStatus(app, integration.token), 401, "the cancelled new token no longer works");
  assert.equal(await apiStatus(app, integration.previous), 200, "the old token is current again");
  integration.token = integration.previous;
}

/** Expire Now: during a rotation, the old token stops at once; the new one works. */
export async function expireNow(s, integration) {
  const { page, app } = s;
  await confirmRotation(s, integration, "Expire Now", "Expire the old token now?", "confirm — expire now");
  await expectText(page, "The old token has expired. Only the new token works now.");
  assert.equal(await page.locator("time[data-countdown]").count(), 0);
  assert.match(await tokenRow(page, integration.previous.slice(-4)).textContent(), /Revoked|Expired/);
  assert.match(await tokenRow(page, integration.token.slice(-4)).textContent(), /Current/);
  await s.check("detail — after Expire Now");
  assert.equal(await apiStatus(app, integration.previous), 401, "the old token stopped working");
  assert.equal(await apiStatus(app, integration.token), 200, "the new token keeps working");
}

/** Rotate now (compromised): every token stops at once; a new one is revealed once. */
export async function rotateNow(s, integration) {
  const { page, app } = s;
  const before = [integration.token, integration.previous].filter(Boolean);
  await confirmRotation(s, integration, "Rotate and expire this token now", "Rotate and expire this token now?", "confirm — rotate now");
  const { token } = await takeToken(s, "reveal — after rotate now", `Every previous token of “${integration.name}” stopped working. A new token was issued.`);
  assert.match(await tokenRow(page, token.slice(-4)).textContent(), /Current/);
  assert.match(await tokenRow(page, integration.token.slice(-4)).textContent(), /Revoked/);
  await s.check("detail — after rotate now");
  for (const old of before) assert.equal(await apiStatus(app, old), 401, "every previous token stopped working");
  assert.equal(await apiStatus(app, token), 200, "the new token works");
  integration.previous = integration.token;
  integration.token = token;
}

/** Delete through the three-dot menu: the confirmation names it; its token stops at once. */
export async function deleteIntegration(s, integration) {
  const { page, app } = s;
  await page.goto(`${app.base}/settings/private-integrations`);
  await rowMenu(page, integration.name, "Delete");
  await page.getByRole("heading", { name: `Delete “${integration.name}”?` }).waitFor();
  await s.check("confirm — delete");
  await page.getByRole("button", { name: "Delete integration" }).click();
  await expectText(page, `Integration “${integration.name}” deleted. Its tokens no longer work.`);
  assert.equal(await page.getByRole("link", { name: integration.name, exact: true }).count(), 0);
  assert.equal(await apiStatus(app, integration.token), 401, "the deleted integration's token no longer works");
  const gone = await page.goto(integration.url);
  assert.equal(gone.status(), 404);
  await page.goto(`${app.base}/settings/private-integrations`);
}

/** Scope labels of the picker used by the flows. */
export const SCOPES = { users: "View users", company: "View company details", locations: "View locations" };

// ---------------------------------------------------------------------------------------
// Team and Labs

/** Team > Edit > Roles & Permissions: switch "Manage staff" off for the account admin. */
export async function teamToggle(s) {
  const { page, tenant } = s;
  await navLink(page, "Team").click();
  await page.getByRole("heading", { name: "Team", level: 1 }).waitFor();
  await s.check("team — list");
  await page.getByRole("link", { name: `Edit ${tenant.accountAdmin.name}` }).click();
  await page.getByRole("heading", { name: "Roles & Permissions" }).waitFor();
  await s.check("team — person edit (account admin)");
  const toggle = page.getByRole("switch", { name: "Manage staff" });
  assert.equal(await toggle.isChecked(), true, "Manage staff is on by default");
  await toggle.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expectText(page, `Changes to ${tenant.accountAdmin.name} saved. They apply from their next click.`);
  assert.equal(await page.getByRole("switch", { name: "Manage staff" }).isChecked(), false);
  assert.equal(await page.getByRole("switch", { name: "Manage private integrations" }).isChecked(), true);
}

/** Labs: turning Private Integrations off hides it; its URLs say so; turning it on brings it back. */
export async function labsOffAndOn(s) {
  const { page, app } = s;
  await navLink(page, "Labs").click();
  await page.getByRole("heading", { name: "Labs", level: 1 }).waitFor();
  const toggle = page.getByRole("switch", { name: "Private Integrations" });
  assert.equal(await toggle.isChecked(), true);
  await s.check("labs — on");
  await toggle.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expectText(page, "Private Integrations is off. Existing tokens keep working.");
  assert.equal(await page.getByRole("switch", { name: "Private Integrations" }).isChecked(), false);
  assert.equal(await navLink(page, "Private Integrations").count(), 0, "the navigation hides the page");
  await s.check("labs — off");
  await page.goto(`${app.base}/settings/private-integrations`);
  await page.getByRole("heading", { name: "Private Integrations is turned off — enable it in Labs" }).waitFor();
  await s.check("private integrations — turned off");
  await page.getByRole("link", { name: "Open Labs" }).click();
  await page.getByRole("switch", { name: "Private Integrations" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await expectText(page, "Private Integrations is on.");
  await navLink(page, "Private Integrations").click();
  await page.getByRole("heading", { name: "Private Integrations", exact: true, level: 1 }).waitFor();
}


// ---------------------------------------------------------------------------------------
// Two-factor authentication and sudo mode

/** The bytes of a base32 secret as authenticator apps read it (RFC 4648, spaces ignored). */
function base32Bytes(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    assert.ok(value >= 0, `not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let index = 0; index + 8 <= bits.length; index += 8) bytes.push(parseInt(bits.slice(index, index + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app shows for `secret` (RFC 6238: SHA-1, 6 digits, 30 s) at `unixSeconds`. */
export function totp(secret, unixSeconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const digest = createHmac("sha1", base32Bytes(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

/**
 * An authenticator app for `secret`. `next()` gives a code not used yet: a code works
 * once, so it is the current step's, or the next step's (accepted as one step of drift)
 * when the current one was used, waiting for the clock when both were.
 */
export function authenticator(secret) {
  let lastStep = -1;
  return {
    secret,
    async next() {
      for (;;) {
        const now = Math.floor(Date.now() / 30_000);
        const step = Math.max(now, lastStep + 1);
        if (step <= now + 1) {
          lastStep = step;
          return totp(secret, step * 30);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    /** A code that is certainly wrong now. */
    wrong() {
      return String((Number(totp(secret)) + 500_000) % 1_000_000).padStart(6, "0");
    },
  };
}

/**
 * Security → Set up → the secret typed by hand (read from the page as a person would),
 * the first code → Verify: ten recovery codes, shown once. Returns { phone, codes }: the
 * authenticator app holding the secret, and the codes.
 */
export async function setUpTwoFactor(s, { checks = false } = {}) {
  const { page, app } = s;
  const check = checks ? s.check : async () => {};
  if (!new URL(page.url()).pathname.startsWith("/account/security")) {
    await page.goto(`${app.base}/settings`);
    await page.locator("details.user-menu > summary").click();
    await page.locator("details.user-menu").getByRole("link", { name: "Security", exact: true }).click();
  }
  await page.getByRole("heading", { name: "Security", level: 1 }).waitFor();
  await check("account — Security, two-factor off");
  await page.getByRole("button", { name: "Set up" }).click();
  await page.getByRole("heading", { name: "Set up two-factor authentication" }).waitFor();
  assert.equal(await page.getByRole("img", { name: "QR code for your authenticator app" }).count(), 1, "a QR code drawn by the server");
  await check("account — set up two-factor");
  const secret = (await page.locator("#secret").textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{4}( [A-Z2-7]{4})+$/, "the secret in groups of four");

  const phone = authenticator(secret);
  await page.getByLabel("Authentication code").fill(phone.wrong());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectText(page, "That code is not right. Check your authenticator app and try again.");
  await page.getByLabel("Authentication code").fill(await phone.next());
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: "Recovery codes" }).waitFor();
  await expectText(page, "Two-factor authentication is on.");
  const codes = await page.getByRole("list", { name: "Recovery codes" }).locator("code").allTextContents();
  assert.equal(codes.length, 10);
  const download = await page.getByRole("link", { name: "Download" }).getAttribute("href");
  assert.ok(codes.every((one) => decodeURIComponent(download).includes(one)), "the download holds every code");
  await check("account — recovery codes");
  await page.getByRole("link", { name: "Done" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/account"));
  return { phone, codes };
}

/** Signs in with the password, then the second step with `code` (a code or a recovery code). */
export async function signInWithCode(s, email, code, { check = async () => {} } = {}) {
  const { page, app } = s;
  await page.goto(`${app.base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Two-factor authentication" }).waitFor();
  await check();
  await page.getByLabel("Authentication code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

/**
 * The create wizard when access was confirmed long ago: **Create** asks to **Confirm
 * access**; a wrong password is refused; the right one lands back on step 2 with every
 * tick kept, and **Create** then works.
 */
export async function sudoInWizard(s, { name, scopes }) {
  const { page, app, tenant } = s;
  await page.goto(`${settingsUrl(app)}/private-integrations/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText(`Choose what ${name} may do.`).waitFor();
  for (const label of scopes) await page.getByText(label, { exact: true }).click();

  // Sixteen minutes pass: the session's confirmation of access lapses (SUDO_MINUTES is 15).
  app.sql(
    `UPDATE sessions SET state = jsonb_set(state, '{sudo_until}', to_jsonb((extract(epoch FROM now())::bigint - 60)::text)) WHERE user_id = '${tenant.owner.id}'`,
  );
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByRole("heading", { name: "Confirm access" }).waitFor();
  await s.check("sudo — confirm access");
  await page.getByLabel("Password").fill("not my password");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expectText(page, "That password is not right.");
  await s.check("sudo — wrong password");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByText(`Choose what ${name} may do.`).waitFor();
  for (const label of scopes) assert.ok(await page.getByLabel(label).isChecked(), `${label} is still ticked`);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  const { token } = await takeToken(s, null, `Integration “${name}” created.`);
  assert.equal(await apiStatus(app, token), 200, "the new token works");
}

// Two-factor authentication, the agency policy that requires it, and sudo mode (JavaScript
// on; the sudo prompt in the wizard runs again without JavaScript in nojs.test.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, navLink, openPage, startApp } from "./support.mjs";

const { SCOPES, expectText } = flows;
let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("two-factor: set up from the text secret, sign in with a code, then with a recovery code", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  const { phone, codes } = await flows.setUpTwoFactor(s, { checks: true });
  await page.goto(`${app.base}/account/security`);
  await expectText(page, "Signing in asks for a code from your authenticator app after your password. 10 recovery codes are left.");
  await s.check("account — Security, two-factor on");

  // Signing in again: the password, then a code from the phone.
  await page.goto(`${app.base}/settings`);
  await page.locator("details.user-menu > summary").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/sign-in/);
  await flows.signInWithCode(s, tenant.owner.email, phone.wrong(), { check: () => s.check("sign-in — second step") });
  await expectText(page, "That code is not right. Check your authenticator app and try again.");
  await s.check("sign-in — second step, wrong code");
  await page.getByLabel("Authentication code").fill(await phone.next());
  await page.getByRole("button", { name: "Verify" }).click();
  await navLink(page, "Private Integrations").waitFor();

  // Lost phone: a recovery code signs in once, and the page says how many are left.
  const other = await openPage(browser);
  t.after(() => other.context.close());
  const second = { ...s, page: other.page };
  await flows.signInWithCode(second, tenant.owner.email, codes[0]);
  await expectText(other.page, "You signed in with a recovery code; 9 are left. Make new ones under Security if you need more.");
  const third = await openPage(browser);
  t.after(() => third.context.close());
  await flows.signInWithCode({ ...s, page: third.page }, tenant.owner.email, codes[0]);
  await expectText(third.page, "That recovery code is not right, or was used already.");
  await expectText(third.page, "Lost your phone? Type one of your recovery codes instead (9 are left).");
});

test("two-factor: an agency that requires it sends people without it to set it up first", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  await navLink(page, "Security").click();
  await page.getByRole("heading", { name: "Security", level: 1 }).waitFor();
  await s.check("settings — Security policy");
  await page.getByRole("switch", { name: "Require two-factor authentication" }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await expectText(page, "Two-factor authentication is required: people without it set it up at their next click.");

  const person = await begin(t, browser, app, { as: "agencyUser", tenant });
  await person.page.waitForURL(/\/account\/security$/);
  await expectText(person.page, "Your agency requires two-factor authentication. Set it up to continue to your settings.");
  await person.check("account — Security, two-factor required");
  await person.page.goto(`${app.base}/settings/team`);
  await person.page.waitForURL(/\/account\/security$/);
  await flows.setUpTwoFactor(person);
  await person.page.goto(`${app.base}/settings`);
  assert.ok(!new URL(person.page.url()).pathname.startsWith("/account"), "done: the settings open");
  await person.page.goto(`${app.base}/account/security`);
  assert.equal(await person.page.getByRole("button", { name: "Turn off" }).count(), 0, "no Turn off while the agency requires it");

  // The owner, without two-factor either, is sent there at their next click.
  await page.goto(`${app.base}/settings/private-integrations`);
  await page.waitForURL(/\/account\/security$/);
});

test("sudo: Create asks to confirm access and the wizard keeps every tick", async (t) => {
  const s = await begin(t, browser, app);
  await flows.sudoInWizard(s, { name: "Confirmed app", scopes: [SCOPES.users, SCOPES.locations] });
});

// Setting up a new installation, signing in and out, and the Content-Security-Policy being
// in force in the browser (JavaScript on).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { PASSWORD, begin, cspViolations, launch, navLink, openPage, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("first start: the one-time setup link creates the agency and its first admin", async (t) => {
  // A server of its own: the setup link exists only on an empty database.
  const fresh = await startApp();
  t.after(() => fresh.stop());
  const s = await begin(t, browser, fresh, { as: null, tenant: null });
  const { page } = s;
  assert.match(fresh.setupPath, /^\/setup\/[0-9A-Za-z]{20,}$/);
  await page.goto(`${fresh.base}${fresh.setupPath}`);
  await page.getByRole("heading", { name: "Set up your agency" }).waitFor();
  await s.check("setup");

  await page.getByLabel("Agency name").fill("Fresh Agency");
  await page.getByLabel("Your name").fill("Fay First");
  await page.getByLabel("Your email").fill("fay@e2e.test");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("different");
  await page.getByRole("button", { name: "Create agency" }).click();
  await page.getByText(/Please correct the highlighted fields?\./).waitFor();
  assert.equal(await page.getByLabel("Agency name").inputValue(), "Fresh Agency", "what was typed is kept");
  assert.equal(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid"), "true");
  await s.check("setup with errors");

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create agency" }).click();
  await flows.expectText(page, "Your agency is ready. Welcome to Private Integrations!");
  await navLink(page, "Team").waitFor();
  assert.match(await page.locator("details.switcher > summary").textContent(), /Fresh Agency/);
  await s.check("shell — first admin after setup");

  // The link works once.
  const again = await page.goto(`${fresh.base}${fresh.setupPath}`);
  assert.equal(again.status(), 404);
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
});

test("sign in after a refused password, the shell, then sign out from the user menu", async (t) => {
  const s = await begin(t, browser, app, { as: null });
  await flows.signInAndOut(s);
});

test("an unknown e-mail gets the same generic error as a wrong password", async (t) => {
  const s = await begin(t, browser, app, { as: null });
  const { page } = s;
  await page.goto(`${app.base}/sign-in`);
  await page.getByLabel("Email").fill("nobody-at-all@e2e.test");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await flows.expectText(page, "Incorrect email or password.");
});

test("five wrong passwords for one account: sign-in is throttled with its own message", async (t) => {
  const s = await begin(t, browser, app, { as: null });
  const { page, tenant } = s;
  await page.goto(`${app.base}/sign-in`);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    await page.getByLabel("Email").fill(tenant.accountUser.email);
    await page.getByLabel("Password").fill(`wrong password ${attempt}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await flows.expectText(page, "Incorrect email or password.");
  }
  // Even the right password is refused now, without being checked.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await flows.expectText(page, "Too many failed sign-in attempts. Wait 15 minutes, then try again.");
  assert.match(page.url(), /\/sign-in/);
  await s.check("sign-in — throttled");
});

test("the page's Content-Security-Policy is in force: inline script and style are blocked", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  const response = await page.goto(`${app.base}/settings/private-integrations`);
  const policy = response.headers()["content-security-policy"];
  assert.match(policy, /script-src 'self'/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  assert.equal(cspViolations(page).length, 0, "the app's own pages break no rule");

  // The page tries what an injected attack would: every attempt must be blocked and reported.
  const outcome = await page.evaluate(async () => {
    const reported = [];
    document.addEventListener("securitypolicyviolation", (event) => reported.push(event.violatedDirective));
    const script = document.createElement("script");
    script.textContent = "window.__inlineScriptRan = true;";
    document.head.append(script);
    const handler = document.createElement("img");
    handler.setAttribute("onerror", "window.__inlineHandlerRan = true;");
    handler.setAttribute("src", "data:,not-an-image");
    document.body.append(handler);
    const styled = document.createElement("p");
    styled.setAttribute("style", "color: rgb(1, 2, 3)");
    document.body.append(styled);
    const sheet = document.createElement("style");
    sheet.textContent = "body { outline: 7px solid rgb(4, 5, 6) }";
    document.head.append(sheet);
    // Violation events are queued as tasks: wait (a bounded number of frames) until the
    // four inline attempts are reported.
    for (let frame = 0; reported.length < 4 && frame < 300; frame += 1) await new Promise((resolve) => requestAnimationFrame(resolve));
    return {
      scriptRan: window.__inlineScriptRan === true,
      handlerRan: window.__inlineHandlerRan === true,
      styleApplied: getComputedStyle(styled).color === "rgb(1, 2, 3)",
      sheetApplied: getComputedStyle(document.body).outlineColor === "rgb(4, 5, 6)",
      reported: [...new Set(reported)].sort(),
    };
  });
  assert.deepEqual(outcome, {
    scriptRan: false,
    handlerRan: false,
    styleApplied: false,
    sheetApplied: false,
    reported: ["script-src-attr", "script-src-elem", "style-src-attr", "style-src-elem"],
  });
  assert.ok(cspViolations(page).length >= 4, "the console reports the violations, which checkPage would catch");
});

test("a signed-in user who opens the sign-in page lands in the Settings", async (t) => {
  const s = await begin(t, browser, app);
  await s.page.goto(`${app.base}/sign-in`);
  await s.page.waitForURL(/\/settings\//);
  await s.page.goto(`${app.base}/`);
  await s.page.waitForURL(/\/settings\//);
  const signedOut = await openPage(browser);
  t.after(() => signedOut.context.close());
  await signedOut.page.goto(`${app.base}/`);
  await signedOut.page.waitForURL(/\/sign-in$/);
});

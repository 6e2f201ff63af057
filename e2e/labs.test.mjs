// Settings > Labs with JavaScript on: the Private Integrations toggle of an agency and of a
// sub-account, and the "turned off" page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, navLink, settingsUrl, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("Labs: turning Private Integrations off hides it, its URLs say so, and it comes back", async (t) => {
  const s = await begin(t, browser, app);
  await flows.labsOffAndOn(s);
});

test("Labs of a sub-account: an account admin turns it off there only; existing tokens keep working", async (t) => {
  const s = await begin(t, browser, app, { as: "accountAdmin" });
  const { page, tenant } = s;
  const integration = await flows.createIntegration(s, { name: "Front desk", scopes: [flows.SCOPES.locations], subAccount: tenant.subAccount });
  await navLink(page, "Labs").click();
  await page.getByText("Turn features on or off for this sub-account.").waitFor();
  await page.getByRole("switch", { name: "Private Integrations" }).uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await flows.expectText(page, "Private Integrations is off. Existing tokens keep working.");
  await s.check("labs — sub-account, off");
  await page.goto(integration.url);
  await page.getByRole("heading", { name: "Private Integrations is turned off — enable it in Labs" }).waitFor();
  await s.check("private integrations — turned off (sub-account detail URL)");
  assert.equal(await flows.apiStatus(app, integration.token), 200, "Labs hides the UI only");

  // The agency level is unaffected.
  const owner = await begin(t, browser, app, { tenant });
  await owner.page.goto(`${settingsUrl(app)}/private-integrations`);
  await owner.page.getByRole("heading", { name: "No private integrations yet" }).waitFor();
});

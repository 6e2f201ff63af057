// Settings > Audit log with JavaScript on: what is recorded, the filters, the CSV export.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, navLink, quiet, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function openAuditLog(page) {
  await navLink(page, "Audit log").click();
  await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
}

test("the audit log records sign-ins and changes, and filters by action, integration and user", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  const kept = await flows.createIntegration(s, { name: "Kept app", scopes: [flows.SCOPES.users] });
  const gone = await flows.createIntegration(s, { name: "Gone app", scopes: [flows.SCOPES.users] });
  await flows.deleteIntegration(quiet(s), gone);
  await openAuditLog(page);
  const rows = page.locator("tbody tr");
  const actions = await page.locator("tbody td[data-label=Action] code").allTextContents();
  for (const action of ["user.sign_in", "integration.create", "integration.delete"]) {
    assert.ok(actions.some((text) => text === action || text.startsWith(action.split(".")[0])), `${action} is recorded: ${actions}`);
  }
  assert.match(await rows.first().textContent(), /127\.0\.0\.1/);
  await s.check("audit log");

  await page.getByLabel("Action").selectOption("integration.delete");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: "Clear" }).waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /Gone app/);
  assert.match(await rows.first().textContent(), new RegExp(tenant.owner.email.replace(".", "\\.")));
  await s.check("audit log — filtered by action");

  // Deleted integrations keep their history.
  await page.getByRole("link", { name: "Clear" }).click();
  await page.getByLabel("Integration").selectOption({ label: "Gone app" });
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: "Clear" }).waitFor();
  const goneActions = await page.locator("tbody td[data-label=Action] code").allTextContents();
  assert.deepEqual(goneActions.sort(), ["integration.create", "integration.delete"]);

  // A filter that matches nothing.
  await page.getByLabel("Integration").selectOption({ label: "Kept app" });
  await page.getByLabel("Action").selectOption("integration.delete");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("heading", { name: "No events match this filter" }).waitFor();
  await s.check("audit log — no match");

  await page.getByRole("link", { name: "Clear" }).click();
  await page.getByLabel("User").selectOption(tenant.owner.id);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: "Clear" }).waitFor();
  const actors = await page.locator("tbody td[data-label=Who]").allTextContents();
  assert.ok(actors.length >= 4, "a sign-in, two creates, a delete");
  assert.ok(actors.every((actor) => actor.trim() === tenant.owner.email), `only the owner's events: ${actors}`);
  await s.check("audit log — filtered by user");
  assert.equal(kept.name, "Kept app");
});

test("Export CSV downloads every event of the filter, with a header row", async (t) => {
  const s = await begin(t, browser, app);
  const { page, tenant } = s;
  const integration = await flows.createIntegration(s, { name: "Exported, \"quoted\" app", scopes: [flows.SCOPES.users] });
  await openAuditLog(page);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  assert.equal(download.suggestedFilename(), "audit-log.csv");
  const csv = fs.readFileSync(await download.path(), "utf8");
  const lines = csv.split("\r\n");
  assert.equal(lines[0], "time,actor,action,target,target_id,ip,details");
  assert.equal(lines.at(-1), "", "the file ends with a line break");
  const created = lines.find((line) => line.includes(",integration.create,"));
  assert.ok(created, `an integration.create row:\n${csv}`);
  const [time, actor, action, target, targetId, ip] = created.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  assert.ok(!Number.isNaN(Date.parse(time)), `an ISO time: ${time}`);
  assert.equal(actor, tenant.owner.email);
  assert.equal(action, "integration.create");
  assert.equal(target, '"Exported, ""quoted"" app"', "a field with a comma or quote is quoted");
  assert.equal(targetId, integration.id);
  assert.equal(ip, "127.0.0.1");
  assert.ok(lines.some((line) => line.includes(",user.sign_in,") || line.includes("sign_in")), "sign-ins are exported");

  // The export follows the filter.
  await page.getByLabel("Action").selectOption("integration.create");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: "Clear" }).waitFor();
  const [filtered] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const filteredLines = fs.readFileSync(await filtered.path(), "utf8").trim().split("\r\n");
  assert.equal(filteredLines.length, 2, "the header and the one create");
  assert.equal(filteredLines[1], created);
});

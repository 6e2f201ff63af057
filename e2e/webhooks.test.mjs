// Settings > Webhooks and the bell, in the browser: add an endpoint (errors, then the
// signing secret shown once), send a test event to a real local receiver that checks the
// Standard Webhooks signature, see the background worker deliver a real event, read the
// delivery log, the Notifications page, mark all read, delete the endpoint.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import { after, before, test } from "node:test";

import * as flows from "./flows.mjs";
import { begin, launch, navLink, quiet, startApp } from "./support.mjs";

const { SCOPES } = flows;
let app;
let browser;
let receiver;
const received = [];

before(async () => {
  receiver = http.createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ path: request.url, headers: request.headers, body });
      response.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
  receiver?.close();
});

/** Whether `secret` (whsec_…) signed this request, computed from the specification. */
function signedBy(secret, request) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const content = `${request.headers["webhook-id"]}.${request.headers["webhook-timestamp"]}.${request.body}`;
  const expected = `v1,${crypto.createHmac("sha256", key).update(content).digest("base64")}`;
  return request.headers["webhook-signature"].split(" ").includes(expected);
}

async function until(what, check) {
  for (let tries = 0; ; tries += 1) {
    const value = await check();
    if (value) return value;
    assert.ok(tries < 100, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("webhooks: add an endpoint, its secret once, a signed test event, real deliveries and the log", async (t) => {
  const s = await begin(t, browser, app);
  const { page } = s;
  await navLink(page, "Webhooks").click();
  await page.getByRole("heading", { name: "No webhook endpoints yet" }).waitFor();
  await s.check("webhooks — empty");

  await page.getByRole("link", { name: "Add endpoint" }).click();
  await page.getByRole("heading", { name: "Add endpoint", level: 1 }).waitFor();
  await s.check("webhooks — add endpoint");
  await page.getByLabel("Endpoint URL").fill("not a url");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByText("Enter a URL that starts with https:// (or http://).").waitFor();
  assert.equal(await page.getByLabel("Endpoint URL").getAttribute("aria-invalid"), "true");
  await s.check("webhooks — add endpoint with an error");

  const url = `http://127.0.0.1:${receiver.address().port}/hooks/pi`;
  await page.getByLabel("Endpoint URL").fill(url);
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByRole("heading", { name: "Your signing secret" }).waitFor();
  const secret = await page.locator("#token").inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
  await s.check("webhooks — signing secret, once");
  const secretUrl = page.url();
  await page.getByRole("link", { name: "Done" }).click();
  await page.getByRole("heading", { name: url }).waitFor();
  await page.goto(secretUrl);
  await page.getByRole("heading", { name: "Signing secret no longer available" }).waitFor();
  await page.goBack();

  await page.getByRole("button", { name: "Send test event" }).click();
  await page.getByText("Test event delivered: HTTP 200.").waitFor();
  const test = received.at(-1);
  assert.equal(JSON.parse(test.body).type, "webhook.test");
  assert.ok(signedBy(secret, test), "the receiver verifies the signature with the secret shown");
  await s.check("webhooks — endpoint and its delivery log");

  // A real change is delivered in the background within seconds.
  const integration = await flows.createIntegration(quiet(s), { name: "Hooked app", scopes: [SCOPES.users] });
  const created = await until("integration.created to arrive", () =>
    received.find((request) => JSON.parse(request.body).type === "integration.created"),
  );
  assert.ok(signedBy(secret, created));
  assert.equal(JSON.parse(created.body).data.integration.id, integration.id);
  assert.equal(created.headers["webhook-id"].startsWith("msg_"), true);

  // The bell counts it; the Notifications page tells it; mark all read.
  const bell = page.locator(".bell");
  assert.equal(await bell.getAttribute("aria-label"), "Notifications, 1 unread");
  await bell.click();
  await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
  assert.deepEqual(await page.locator(".notification-text").allTextContents(), ["Integration “Hooked app” was created"]);
  await s.check("notifications — one unread");
  await page.getByRole("button", { name: "Mark all as read" }).click();
  await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
  assert.equal(await page.locator(".bell").getAttribute("aria-label"), "Notifications");
  assert.equal(await page.locator(".notification-unread").count(), 0);
  await s.check("notifications — all read");

  await navLink(page, "Webhooks").click();
  await s.check("webhooks — one endpoint");
  await page.getByRole("link", { name: url }).click();
  await page.getByRole("link", { name: "Delete" }).click();
  await page.getByRole("heading", { name: "Delete this endpoint?" }).waitFor();
  await s.check("webhooks — delete");
  await page.getByRole("button", { name: "Delete endpoint" }).click();
  await page.getByText(`Endpoint ${url} deleted. It receives nothing more.`).waitFor();
  await page.getByRole("heading", { name: "No webhook endpoints yet" }).waitFor();
});

// Browser-test harness: the real server (the binary named by PI_BIN) on a fresh database,
// tenants seeded through the CLI, headless Chromium driven by playwright-core, and axe-core
// checking pages in both colour schemes — all with the page's real Content-Security-Policy.
//
// One server per test file; every test creates its own agency (`createTenant`) so that any
// test runs alone (`node --test --test-name-pattern=…`) and in any order.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const server = process.env.TEST_DATABASE_SERVER ?? "postgres://postgres@127.0.0.1:5432";
const binary = process.env.PI_BIN;
if (!binary) throw new Error("PI_BIN must name the private-integrations binary (scripts/test sets it)");

export const PASSWORD = "correct horse battery staple";
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const SCREENSHOTS = path.join(here, "screenshots");
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

// ---------------------------------------------------------------------------------------
// The server and its data

let sequence = 0;
/** A short id, unique within this run, for database names and e-mail addresses. */
export function uniqueId() {
  sequence += 1;
  return `${process.pid.toString(36)}${sequence.toString(36)}${randomBytes(3).toString("hex")}`;
}

function psql(sql) {
  execFileSync("psql", [`${server}/postgres`, "-qc", sql]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** Polls `condition` (async, truthy when done) every 50 ms, up to `timeout` ms. */
async function until(condition, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts the app on a fresh, empty database. The first start on an empty database prints a
 * one-time setup link: `setupPath` is its path (`/setup/<token>`).
 */
export async function startApp() {
  const name = `pi_e2e_${uniqueId()}`;
  const databaseUrl = `${server}/${name}`;
  psql(`CREATE DATABASE ${name}`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ["serve"], {
    // Webhook receivers of the tests listen on loopback, which the SSRF guard refuses otherwise.
    env: { ...process.env, DATABASE_URL: databaseUrl, BIND: `127.0.0.1:${port}`, WORKERS: "2", RUST_LOG: "warn", WEBHOOK_ALLOW_PRIVATE: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The server's output is kept, not shown: warnings about refused forms are expected here.
  // It is printed if the server fails to start, and errors or panics are printed at stop.
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  await until(async () => {
    if (exited) throw new Error(`the server exited at start-up:\n${stdout}${stderr}`);
    try {
      return (await fetch(`${base}/healthz`)).ok;
    } catch {
      return false; // not listening yet
    }
  }, "the server to start");
  const setupPath = (await until(() => stdout.match(/\/setup\/[0-9A-Za-z]+/), "the setup link on stdout"))[0];

  const cli = (args, password) => {
    const env = { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: "warn" };
    if (password) env.PI_PASSWORD = password;
    return execFileSync(binary, args, { env, encoding: "utf8" }).trim();
  };
  return {
    base,
    databaseUrl,
    setupPath,
    /** Runs an operator CLI command against this server's database; returns its stdout. */
    cli,
    /** Runs SQL in this server's database (only to fake the passing of time). */
    sql(statement) {
      return execFileSync("psql", [databaseUrl, "-qAtc", statement], { encoding: "utf8" }).trim();
    },
    async stop() {
      const trouble = stderr.split("\n").filter((line) => /ERROR|panicked/.test(line));
      if (trouble.length > 0) process.stderr.write(`server errors (${name}):\n${trouble.join("\n")}\n`);
      if (!exited) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
      psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A new agency of its own, seeded through the CLI: a sub-account and one person of each
 * kind, with unique e-mail addresses. Returns their ids, names and e-mails.
 */
export function createTenant(app, { agencyName = "Acme Agency", subAccountName = "Main Street Dental" } = {}) {
  const id = uniqueId();
  const agency = app.cli(["agency", "create", "--name", agencyName]);
  const subAccount = app.cli(["subaccount", "create", "--agency", agency, "--name", subAccountName]);
  const person = (key, name, role, sub) => {
    const email = `${key}-${id}@e2e.test`;
    const args = ["user", "create", "--agency", agency, "--email", email, "--name", name, "--role", role];
    if (sub) args.push("--subaccount", sub);
    const userId = app.cli(args, PASSWORD);
    return { id: userId, email, name };
  };
  return {
    agency,
    agencyName,
    subAccount,
    subAccountName,
    /** The first agency admin: every permission, including "Manage team". */
    owner: person("owner", "Olive Owner", "agency-admin"),
    /** A later agency admin: "Manage team" off by default. */
    secondAdmin: person("second", "Noel Second", "agency-admin"),
    agencyUser: person("agencyuser", "Uma User", "agency-user"),
    accountAdmin: person("accountadmin", "Avery Admin", "account-admin", subAccount),
    accountUser: person("staff", "Sam Staff", "account-user", subAccount),
  };
}

/** `/settings` or `/locations/<id>/settings`. */
export function settingsUrl(app, subAccount) {
  return subAccount ? `${app.base}/locations/${subAccount}/settings` : `${app.base}/settings`;
}

// ---------------------------------------------------------------------------------------
// The browser

/** Headless Chromium from the system (never a downloaded browser). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

const cspErrors = new WeakMap();

/**
 * A new browser context at desktop size, with the page's CSP in force. Every
 * Content-Security-Policy violation a page reports is recorded for `checkPage`.
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  context.on("page", (page) => {
    cspErrors.set(page, []);
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) cspErrors.get(page).push(`${page.url()}: ${message.text()}`);
    });
  });
  return context;
}

/** A new context and its page; `js: false` turns JavaScript off. */
export async function openPage(browser, { js = true, ...options } = {}) {
  const context = await newContext(browser, { javaScriptEnabled: js, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

/** The CSP violations the page reported so far. */
export function cspViolations(page) {
  return cspErrors.get(page) ?? [];
}

export async function signIn(page, app, email) {
  await page.goto(`${app.base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

/** The Settings navigation's link named `name`. */
export function navLink(page, name) {
  return page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name, exact: true });
}

/**
 * Evaluates `expression` in the page through the DevTools protocol (Runtime.evaluate).
 * DevTools evaluation is exempt from the page's CSP, which stays in force for everything
 * the page itself does (scripts, styles, elements it inserts: see auth.test.mjs).
 */
async function devtoolsEvaluate(page, expression) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  } finally {
    await cdp.detach();
  }
}

/**
 * WCAG 2.1 A/AA violations on the current page, as readable strings. axe-core is evaluated
 * through the DevTools protocol, not added as a <script>, so the page keeps its CSP.
 */
export async function accessibilityViolations(page) {
  const options = JSON.stringify({ runOnly: { type: "tag", values: WCAG_21_AA } });
  if (!(await devtoolsEvaluate(page, "typeof globalThis.axe === 'object'"))) await devtoolsEvaluate(page, AXE_SOURCE);
  const violations = await devtoolsEvaluate(
    page,
    `(async () => {
      await Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => {})));
      const result = await globalThis.axe.run(document, ${options});
      return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })) }));
    })()`,
  );
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}): ${n.target} — ${n.summary.replace(/\s+/g, " ")}`));
}

/** How many pixels the page scrolls sideways (0 when it fits). */
export function sidewaysScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

function slug(text) {
  return text
    .toLowerCase()
    .replace(/[“”"']/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * Violations axe-core finds in the app as built (its templates and CSS are compiled into
 * the binary, so they are fixed in the app, not here). They stay failing on purpose: this
 * list only labels the failing subtests so that a reader sees at once which bug it is.
 */
/** Violations that are known bugs of the app: their subtests still fail, labelled with the fix. */
const KNOWN_VIOLATIONS = [];

/**
 * Checks the page as it is now, without reloading it (some pages show things once):
 * axe-core (WCAG 2.1 A + AA) in the light and the dark colour scheme, at desktop and
 * phone width, no sideways scrolling, no CSP violation reported, and full-page screenshots of all four
 * combinations in e2e/screenshots/<name>--<desktop|phone>-<light|dark>.png.
 * Each scheme is its own subtest (`axe light: <name>`), so a violation fails visibly
 * while the surrounding flow goes on.
 */
export async function checkPage(t, page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  try {
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      const found = new Map(); // "rule: help — element — failure" → viewports
      for (const [label, size] of [["desktop", DESKTOP], ["phone", PHONE]]) {
        await page.setViewportSize(size);
        for (const violation of await accessibilityViolations(page)) found.set(violation, [...(found.get(violation) ?? []), label]);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${slug(name)}--${label}-${scheme}.png`), fullPage: true });
        const sideways = await sidewaysScroll(page);
        if (sideways > 0) found.set(`layout: the page scrolls sideways by ${sideways}px`, [label]);
      }
      const violations = [...found].map(([violation, where]) => `${violation} [${where.join(", ")}]`);
      const known = KNOWN_VIOLATIONS.filter((bug) => bug.scheme === scheme && violations.some((text) => bug.match.test(text)));
      const label = known.length > 0 ? ` — KNOWN APP BUG: ${known.map((bug) => bug.id).join(", ")}` : "";
      await t.test(`axe ${scheme}: ${name}${label}`, () => {
        if (violations.length === 0) return;
        const notes = known.map((bug) => `\n  ${bug.id}: ${bug.note}`).join("");
        assert.fail(`${name} (${scheme} scheme) has accessibility violations:\n${violations.join("\n")}${notes}`);
      });
    }
  } finally {
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize(original);
  }
  assert.deepEqual(cspViolations(page), [], `${name}: the page broke its own Content-Security-Policy`);
}

/** The page for `checkPage` in contexts without JavaScript, where axe cannot run: a no-op. */
export async function noCheck() {}

/**
 * Starts one test's session: a tenant of its own, a browser page (JavaScript on unless
 * `js: false`), signed in as `as` (a key of the tenant: "owner", "accountAdmin", …; null
 * to stay signed out). Returns `s` = { page, context, app, tenant, js, check(name) }; the
 * context closes when the test ends.
 */
export async function begin(t, browser, app, { js = true, as = "owner", tenant = createTenant(app), ...options } = {}) {
  const { context, page } = await openPage(browser, { js, ...options });
  t.after(() => context.close());
  if (as) await signIn(page, app, tenant[as].email);
  const check = js ? (name) => checkPage(t, page, name) : noCheck;
  return { page, context, app, tenant, js, check };
}

/** The same session without page checks, for a flow whose pages another test checks already. */
export function quiet(s) {
  return { ...s, check: noCheck };
}

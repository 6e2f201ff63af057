// Browser-test harness: a real server (the debug binary) on a fresh database seeded through
// the CLI, and headless Chromium driven by playwright-core. axe-core checks each page.
import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const server = process.env.TEST_DATABASE_SERVER ?? "postgres://postgres@127.0.0.1:5432";
const binary = process.env.PI_BIN;
if (!binary) throw new Error("PI_BIN must name the private-integrations binary (scripts/test sets it)");

export const PASSWORD = "correct horse battery staple";
export const OWNER = "owner@e2e.test";
export const ACCOUNT_ADMIN = "admin@e2e.test";

function cli(databaseUrl, args, password) {
  const env = { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: "warn" };
  if (password) env.PI_PASSWORD = password;
  return execFileSync(binary, args, { env, encoding: "utf8" }).trim();
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

/** Starts the app on a fresh database with an agency, a sub-account and two admins. */
export async function startApp() {
  const name = `pi_e2e_${process.pid}_${Date.now()}`;
  const databaseUrl = `${server}/${name}`;
  execFileSync("psql", [`${server}/postgres`, "-qc", `CREATE DATABASE ${name}`]);
  const agency = cli(databaseUrl, ["agency", "create", "--name", "E2E Agency"]);
  const sub = cli(databaseUrl, ["subaccount", "create", "--agency", agency, "--name", "Main Street Dental"]);
  cli(databaseUrl, ["user", "create", "--agency", agency, "--email", OWNER, "--name", "Olive Owner", "--role", "agency-admin"], PASSWORD);
  cli(
    databaseUrl,
    ["user", "create", "--agency", agency, "--email", ACCOUNT_ADMIN, "--name", "Avery Admin", "--role", "account-admin", "--subaccount", sub],
    PASSWORD,
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ["serve"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, BIND: `127.0.0.1:${port}`, WORKERS: "2", RUST_LOG: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let attempt = 0; ; attempt += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 100) throw new Error("the server did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    subAccount: sub,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      execFileSync("psql", [`${server}/postgres`, "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
    },
  };
}

/** Headless Chromium from the system (never a downloaded browser). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A new browser context; `bypassCSP` only so that axe-core can be injected. */
export function newContext(browser, options = {}) {
  return browser.newContext({ bypassCSP: true, ...options });
}

/** WCAG 2.1 A/AA violations on the current page, as readable strings. */
export async function accessibilityViolations(page) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(() =>
    globalThis.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

export async function signIn(page, base, email) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

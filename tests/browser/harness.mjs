// Harness for the browser tests: the real server binary on a free loopback port, Debian's
// Chromium driven by Playwright, accounts made through the server's own admin command and
// HTTP API, and helpers that wait on events with a bound (never sleep).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, "..", "artifacts");
mkdirSync(artifacts, { recursive: true });

const SERVER_BIN = process.env.GIAMSAT_SERVER_BIN ?? join(here, "..", "..", "target", "debug", "giamsat-server");
const APP_DIR = process.env.GIAMSAT_APP_DIR ?? join(here, "..", "..", "app", "dist");

export const BOUND = 20_000;

/** Chromium's flags; CHROMIUM_EXTRA adds more, space-separated (a bench run with
 *  `--js-flags=--no-liftoff`, say). */
/** The browser every test and bench drives. */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", ...(process.env.CHROMIUM_EXTRA ? process.env.CHROMIUM_EXTRA.split(" ") : []),
];

/** A temporary directory. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { APP_DIR };

/** Start the server over `dataDir` on `addr` (default: a free port); resolves once it listens.
 *  Options: `appDir` (the built app to serve), `args` (more flags). */
export function startServer(dataDir, addr = "127.0.0.1:0", { appDir = APP_DIR, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(SERVER_BIN, ["--addr", addr, "--data-dir", dataDir, "--app-dir", appDir, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, RUST_LOG: process.env.GIAMSAT_TEST_LOG ?? "warn" },
    });
    const timer = setTimeout(() => reject(new Error("the server did not listen within 30 s")), 30_000);
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk.toString();
      const m = buffered.match(/giamsat-server listening on http:\/\/(\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          addr: m[1],
          url: `http://${m[1]}/`,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
        });
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited early (${code})`)));
  });
}

/** Launch headless Chromium. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A browser profile that survives closing (IndexedDB, service worker cache): a tablet.
 *  `options` go to Playwright over these (a touch screen, another executable). */
export function launchTablet(profileDir, options = {}) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
}

/** Collect page errors so a test can assert there were none. */
export function watchErrors(page, sink) {
  page.on("pageerror", (e) => sink.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") sink.push(m.text()); });
}

/** Make the first administrator, as a person on the server's machine would: the server's
 *  `admin create` command over `dataDir`, the password on standard input. Run it before
 *  `startServer` on that directory. */
export function createAdmin(dataDir, username, password, displayName = "Quản trị") {
  const r = spawnSync(
    SERVER_BIN,
    ["--data-dir", dataDir, "admin", "create", "--username", username, "--display-name", displayName, "--password-stdin"],
    { input: password + "\n", encoding: "utf8", env: { ...process.env, RUST_LOG: "warn" } },
  );
  if (r.status !== 0) throw new Error(`admin create failed (${r.status}): ${r.stderr}${r.stdout}`);
}

/** Call the server's HTTP API from Node as a browser of this origin would: the CSRF header,
 *  the server's own `Origin`, the session `cookie` (a "name=value" string, or null).
 *  Resolves to { status, body (parsed JSON, or text), cookie (a new session cookie, if set) }. */
export async function api(server, cookie, method, path, body) {
  const headers = { "x-requested-with": "giamsat", origin: `http://${server.addr}` };
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(new URL(path, server.url), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* plain-text message */ }
  const set = res.headers.getSetCookie().find((c) => c.startsWith("giamsat_session="));
  return { status: res.status, body: parsed, cookie: set ? set.split(";")[0] : null };
}

/** Sign in over the API; resolves to the session cookie ("giamsat_session=…"). */
export async function apiSignIn(server, username, password) {
  const r = await api(server, null, "POST", "/api/session", { username, password });
  if (r.status !== 200 || !r.cookie) throw new Error(`sign-in of ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.cookie;
}

/** The administrator made by `createAdmin` for `adminSetup` (one per test server). */
export const ADMIN = { username: "quantri", password: "mat-khau-quan-tri" };

/** As the administrator (`ADMIN`, made with `createAdmin`), create a delegation (unless one
 *  of that name exists, like the demo's) and its members over the API: `{ delegation:
 *  "name", members: [{ username, displayName, password, role }] }`; a member whose
 *  username exists already is only added. Signs in
 *  again if the session runs out midway (a test server may use a session of seconds).
 *  Resolves to { delegation: id, users: { username: id } }. */
export async function adminSetup(server, { delegation, members = [] }, admin = ADMIN) {
  let cookie = await apiSignIn(server, admin.username, admin.password);
  const call = async (method, path, body, ok) => {
    let r = await api(server, cookie, method, path, body);
    if (r.status === 401) {
      cookie = await apiSignIn(server, admin.username, admin.password);
      r = await api(server, cookie, method, path, body);
    }
    if (!ok.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const existing = (await call("GET", "/api/admin/delegations", undefined, [200])).find((d) => d.name === delegation);
  const { id } = existing ?? await call("POST", "/api/delegations", { name: delegation }, [201]);
  const users = {};
  const known = await call("GET", "/api/admin/users", undefined, [200]);
  for (const m of members) {
    const existing = known.find((u) => u.username === m.username);
    users[m.username] = existing
      ? existing.id
      : (await call("POST", "/api/admin/users", { username: m.username, displayName: m.displayName, password: m.password, isAdmin: false }, [201])).id;
    await call("PUT", `/api/delegations/${id}/members/${users[m.username]}`, { role: m.role }, [204]);
  }
  return { delegation: id, users };
}

/** Sign in through the app's form — on a tablet nobody is signed in on, or in the
 *  session-expired notice (whose username is fixed) — and wait until the form is gone and
 *  the member's name shows. */
export async function signIn(page, username, password) {
  const form = page.getByTestId("sign-in");
  const user = form.locator('input[name="username"]');
  await user.waitFor({ timeout: BOUND });
  if (await user.isEditable()) await user.fill(username);
  await form.locator('input[name="password"]').fill(password);
  await form.getByTestId("sign-in-submit").click();
  await form.waitFor({ state: "detached", timeout: BOUND });
  await page.getByTestId("member").waitFor({ timeout: BOUND });
}

/** A new tablet (its own browser context, 1280 × 900) on `server`, signed in as `who`
 *  ({ username, password }); its page errors go to `errors`. Resolves to { context, page }. */
export async function openSignedIn(browser, server, who, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watchErrors(page, errors);
  await page.goto(server.url);
  await signIn(page, who.username, who.password);
  return { context, page };
}

/** A delegation with `members` made over the API (see `adminSetup`), on a server started
 *  after `createAdmin`: the usual start of a test. */
export async function startWithDelegation(dataDir, setup, { args = [], appDir } = {}) {
  createAdmin(dataDir, ADMIN.username, ADMIN.password);
  const server = await startServer(dataDir, "127.0.0.1:0", { args, ...(appDir ? { appDir } : {}) });
  const made = await adminSetup(server, setup);
  return { server, ...made };
}

let asyncWaits = 0;

/** Wait (bounded) until `check(arg)`, an async function run in the page (a function, or its
 *  source as a string), resolves truthy.
 *  Playwright's waitForFunction does not await a promise (a pending one counts as true), so
 *  each poll starts a check when none is running and passes once one has said yes. */
export async function waitAsync(page, check, arg, { timeout = BOUND, polling = 100 } = {}) {
  const key = `__waitAsync${++asyncWaits}`;
  await page.evaluate(`window.${key} = { check: ${check}, state: undefined }`);
  await page.waitForFunction(([key, arg]) => {
    const w = window[key];
    if (w.state === "yes") return true;
    if (w.state !== "running") {
      w.state = "running";
      Promise.resolve()
        .then(() => w.check(arg))
        .then((ok) => { w.state = ok ? "yes" : undefined; }, () => { w.state = undefined; });
    }
    return false;
  }, [key, arg], { timeout, polling });
}

/** Wait until the sync badge is in `state` (offline / connecting / syncing / synced). */
export async function waitSync(page, state) {
  try {
    await page.locator(`[data-testid="sync-status"][data-state="${state}"]`).waitFor({ timeout: BOUND });
  } catch (e) {
    // Say where the badge stood instead, so a failure tells which way sync got stuck.
    const badge = page.getByTestId("sync-status");
    const seen = await badge.evaluate((el) => `state=${el.dataset.state} pending=${el.dataset.pending}`).catch(() => "no badge");
    e.message = `waiting for the sync badge to say "${state}", it says ${seen}\n${e.message}`;
    throw e;
  }
}

/** Create a supervision from the list screen and wait until it is open. */
export async function createSupervision(page, { title, number = "", date = "", issuer = "", from = "", to = "", scheduleFrom = "", scheduleTo = "", kind = "giam_sat" }) {
  await page.getByTestId("new-supervision").click();
  await page.locator('textarea[name="title"]').fill(title);
  await page.locator('select[name="kind"]').selectOption(kind);
  await page.locator('input[name="basis-number"]').fill(number);
  await page.locator('input[name="basis-date"]').fill(date);
  await page.locator('input[name="basis-issuer"]').fill(issuer);
  await page.locator('input[name="period-from"]').fill(from);
  await page.locator('input[name="period-to"]').fill(to);
  await page.locator('input[name="schedule-from"]').fill(scheduleFrom);
  await page.locator('input[name="schedule-to"]').fill(scheduleTo);
  await page.getByTestId("create-supervision").click();
  await page.getByTestId("supervision-title").filter({ hasText: title }).waitFor({ timeout: BOUND });
}

/** Wait until a textarea/input matched by `selector` (nth `index`) holds exactly `value`. */
export async function waitValue(page, selector, value, index = 0) {
  await page.waitForFunction(
    ([sel, v, i]) => document.querySelectorAll(sel)[i]?.value === v,
    [selector, value, index],
    { timeout: BOUND },
  );
}

/** Every visible control a finger uses that is less than 44 px tall (tablet-first: none
 *  should be), as [outerHTML excerpt, height] pairs. */
export function smallTargets(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("button, select, input:not([type=checkbox]):not([type=file]), a, summary, label.check")]
      .filter((el) => el.offsetParent !== null)
      .map((el) => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
      .filter(([, h]) => h < 44));
}

/** A tiny valid PNG (a red 64×48 image) for evidence uploads. */
export async function samplePng(page) {
  const b64 = await page.evaluate(() => {
    const c = document.createElement("canvas");
    c.width = 64; c.height = 48;
    const g = c.getContext("2d");
    g.fillStyle = "#9b1c1c"; g.fillRect(0, 0, 64, 48);
    g.fillStyle = "#fff"; g.fillRect(8, 8, 20, 20);
    return c.toDataURL("image/png").split(",")[1];
  });
  return Buffer.from(b64, "base64");
}

/** axe-core's WCAG 2 A and AA rules on the page as it stands: one line per violation and
 *  element ("rule: selector — what is wrong"); empty when the screen passes. */
export async function axeViolations(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== "undefined");
  // Evaluated through the DevTools protocol, which the app's Content-Security-Policy (no
  // inline scripts) does not govern: the app runs under its real policy.
  if (!loaded) await page.evaluate(readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8"));
  const violations = await page.evaluate(async () => {
    // The printed draft's diagonal DỰ THẢO is a watermark: light by design so the text it
    // crosses stays legible, hidden from assistive technology (aria-hidden), and printed
    // behind the words — incidental text under WCAG 1.4.3, so it is left out.
    const result = await window.axe.run({ exclude: [".paper-watermark"] }, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(" ")}${n.failureSummary ? ` — ${n.failureSummary.split("\n").slice(1).join(" ").trim()}` : ""}`) }));
  });
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}): ${n}`));
}

// Harness for the browser tests: the real server binary on a free loopback port, Debian's
// Chromium driven by Playwright, and helpers that wait on events with a bound (never sleep).
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
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

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
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
      env: { ...process.env, RUST_LOG: "warn" },
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
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
}

/** A browser profile that survives closing (IndexedDB, service worker cache): a tablet. */
export function launchTablet(profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
}

/** Collect page errors so a test can assert there were none. */
export function watchErrors(page, sink) {
  page.on("pageerror", (e) => sink.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") sink.push(m.text()); });
}

/** Give the member's name on first visit. */
export async function signIn(page, name) {
  await page.getByRole("textbox").first().fill(name);
  await page.getByRole("button", { name: /Tiếp tục/ }).click();
  await page.getByTestId("member").filter({ hasText: name }).waitFor({ timeout: BOUND });
}

/** Wait until the sync badge is in `state` (offline / connecting / syncing / synced). */
export async function waitSync(page, state) {
  await page.locator(`[data-testid="sync-status"][data-state="${state}"]`).waitFor({ timeout: BOUND });
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

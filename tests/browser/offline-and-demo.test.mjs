// The app itself works offline after one visit and takes a new version cleanly; the demo
// shows real supervisions at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  APP_DIR, BOUND, artifacts, createSupervision, launchBrowser, launchTablet, signIn, startServer, startWithDelegation, tempDir,
  waitSync, waitValue,
} from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const NAM = { username: "nam", displayName: "Lê Văn Nam", password: "mat-khau-cua-nam", role: "head" };
const HOA = { username: "hoa", displayName: "Phạm Thị Hoa", password: "mat-khau-cua-hoa", role: "member" };

test("after one visit the app loads with no server, and a new version keeps unsynced changes", async () => {
  const dataDir = tempDir("giamsat-offline-");
  const v1 = tempDir("giamsat-app-v1-");
  cpSync(APP_DIR, v1, { recursive: true });
  let { server } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát An Hải Bắc", members: [NAM, HOA] }, { appDir: v1 });
  const profile = tempDir("giamsat-tablet-");
  let tablet = await launchTablet(profile);
  try {
    // Step 1: one visit, online.
    let page = await tablet.newPage();
    await page.goto(server.url);
    await signIn(page, NAM.username, NAM.password);
    await createSupervision(page, { title: "Giám sát tại phường An Hải Bắc", date: "05/03/2024" });
    await page.getByTestId("unit-name").fill("Ủy ban MTTQ phường An Hải Bắc");
    await page.getByTestId("add-unit").click();
    await page.getByTestId("new-finding").fill("Tổ chức 02 hội nghị phản biện xã hội.");
    await page.getByTestId("add-finding").click();
    await waitSync(page, "synced");
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const url = page.url();
    await tablet.close();

    // Step 2: the server is gone; the app still loads from the tablet and opens the data.
    const addr = server.addr;
    await server.stop();
    tablet = await launchTablet(profile);
    page = await tablet.newPage();
    await page.goto(url);
    await page.getByTestId("supervision-title").filter({ hasText: "An Hải Bắc" }).waitFor({ timeout: BOUND });
    await waitSync(page, "offline");
    const text = page.getByTestId("finding-text").first();
    await text.click();
    await page.keyboard.press("End");
    await page.keyboard.type(" Chưa có biên bản.");
    const edited = "Tổ chức 02 hội nghị phản biện xã hội. Chưa có biên bản.";
    await page.locator('[data-testid="sync-status"]:not([data-pending="0"])').waitFor({ timeout: BOUND });
    await page.screenshot({ path: join(artifacts, "offline-load.png"), fullPage: true });

    // Step 3: the server returns with a new version of the app; a reload takes it, and the
    // unsynced edit is still there and reaches the server.
    const v2 = tempDir("giamsat-app-v2-");
    cpSync(v1, v2, { recursive: true });
    const index = readFileSync(join(v2, "index.html"), "utf8").replace("<head>", '<head>\n  <meta name="giamsat-build" content="v2">');
    writeFileSync(join(v2, "index.html"), index);
    // Precompressed copies of the old index would shadow the new one: remove them.
    for (const ext of [".br", ".gz"]) rmSync(join(v2, "index.html" + ext), { force: true });
    server = await startServer(dataDir, addr, { appDir: v2 });
    await page.reload();
    await page.waitForFunction(() => document.querySelector('meta[name="giamsat-build"]')?.content === "v2", null, { timeout: BOUND });
    await waitValue(page, '[data-testid="finding-text"]', edited);
    await waitSync(page, "synced");

    // Step 4: another member sees it.
    const browser = await launchBrowser();
    const other = await (await browser.newContext()).newPage();
    await other.goto(server.url);
    await signIn(other, HOA.username, HOA.password);
    await other.getByTestId("supervision-link").filter({ hasText: "An Hải Bắc" }).click({ timeout: BOUND });
    await waitValue(other, '[data-testid="finding-text"]', edited);
    await browser.close();
  } finally {
    await tablet.close().catch(() => {});
    await server.stop();
  }
});

test("the demo shows the two example supervisions at once", async () => {
  const seeds = ["seed-000.json", "seed-004.json"].map((f) => JSON.parse(readFileSync(join(here, "..", "..", "server", "demo", f), "utf8")));
  // The demo's supervisions belong to its own delegation; an administrator adds people to it.
  const { server } = await startWithDelegation(tempDir("giamsat-demo-"), {
    delegation: "Đoàn mẫu (demo)",
    members: [{ username: "nguoidung", displayName: "Người dùng mới", password: "mat-khau-nguoi-dung", role: "member" }],
  }, { args: ["--demo"] });
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(server.url);
    await signIn(page, "nguoidung", "mat-khau-nguoi-dung");
    for (const seed of seeds) {
      await page.getByTestId("supervision-link").filter({ hasText: seed.setup.title }).waitFor({ timeout: BOUND });
    }
    await page.screenshot({ path: join(artifacts, "demo-list.png"), fullPage: true });
    const four = seeds.find((s) => s.units.length === 4);
    assert.ok(four, "one example covers four units");
    await page.getByTestId("supervision-link").filter({ hasText: four.setup.title }).click();
    await page.getByTestId("unit").nth(3).waitFor({ timeout: BOUND });
    assert.equal(await page.getByTestId("unit").count(), 4);
    await page.getByTestId("finding").first().waitFor({ timeout: BOUND });
    await page.screenshot({ path: join(artifacts, "demo-inspection.png"), fullPage: true });
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
});

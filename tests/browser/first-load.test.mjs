// The first load carries the sign-in form and the list; the engine (the documents, Automerge,
// the sync loop: app/src/engine.rs) is fetched once they are up, and a supervision, a
// delegation, administration and follow-up when first opened (app/src/components/screens.rs).
// A tablet opens them offline after one visit; a screen that cannot be fetched says so and can
// be tried again; an engine that cannot be fetched leaves the list usable and is fetched again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import {
  APP_DIR, BOUND, createSupervision, launchBrowser, launchTablet, signIn, startServer, startWithDelegation, tempDir, waitSync,
  waitValue, watchErrors,
} from "./harness.mjs";

const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const HOA = { username: "hoa", displayName: "Phạm Thị Hoa", password: "mat-khau-cua-hoa", role: "member" };
const TITLE = "Giám sát tại phường Hòa Cường";
const FINDING = "Đã lập danh sách hộ cận nghèo năm 2024.";
const LAZY = /\/(split_[^/]*|chunk_[^/]*)\.wasm$/;
const SCREEN = /\/split_giamsat_(supervision|delegation|admin|followup)[^/]*\.wasm$/;
const ENGINE = /\/split_giamsat_engine[^/]*\.wasm$/;

/** Lan creates a supervision with one finding (her own browser); it is on the server. */
async function lanWrites(server) {
  const browser = await launchBrowser();
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await signIn(page, LAN.username, LAN.password);
  await createSupervision(page, { title: TITLE, date: "12/03/2024" });
  await page.getByTestId("unit-name").fill("UBND phường Hòa Cường");
  await page.getByTestId("add-unit").click();
  await page.getByTestId("new-finding").fill(FINDING);
  await page.getByTestId("add-finding").click();
  await waitSync(page, "synced");
  await browser.close();
}

/** Lan's supervision on a fresh server, and Hoa's browser with no service worker whose
 *  network drops every request matching `pattern` (counted in `refused()`), signed in. */
async function refusing(pattern) {
  const dataDir = tempDir("giamsat-first-load-");
  const { server } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát Hòa Cường", members: [LAN, HOA] });
  const browser = await launchBrowser();
  let refused = 0;
  const refuse = (route) => { refused += 1; return route.abort("internetdisconnected"); };
  let context, page;
  try {
    await lanWrites(server);
    context = await browser.newContext({ serviceWorkers: "block" });
    page = await context.newPage();
    await context.route(pattern, refuse);
    await page.goto(server.url);
    await signIn(page, HOA.username, HOA.password);
  } catch (e) {
    await browser.close();
    await server.stop();
    throw e;
  }
  return {
    server, browser, context, page,
    refused: () => refused,
    /** Drop them again from now on, counting from zero. */
    again: async () => { refused = 0; await context.route(pattern, refuse); },
    stop: async () => { await browser.close(); await server.stop(); },
  };
}

test("a supervision never opened online opens offline; the screens are fetched only when opened", async () => {
  const lazyFiles = readdirSync(APP_DIR).filter((f) => LAZY.test("/" + f));
  assert.ok(lazyFiles.some((f) => f.startsWith("split_")), `the build has split screens: ${lazyFiles}`);
  const dataDir = tempDir("giamsat-first-load-");
  let { server } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát Hòa Cường", members: [LAN, HOA] });
  const profile = tempDir("giamsat-tablet-");
  let tablet = await launchTablet(profile);
  const errors = [];
  try {
    await lanWrites(server);

    // Hoa's tablet, online once: she signs in and sees the list, nothing more.
    let page = await tablet.newPage();
    watchErrors(page, errors);
    const fetched = [];
    page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(server.url);
    await signIn(page, HOA.username, HOA.password);
    const link = page.getByTestId("supervision-link").filter({ hasText: TITLE });
    await link.waitFor({ timeout: BOUND });
    await waitSync(page, "synced");
    // Lan's supervision is kept on the tablet: a snapshot or chunks of it are in IndexedDB
    // (written a moment after its changes arrive).
    await page.locator('[data-testid="supervision-link"]:not(.not-held)').filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    const id = (await link.getAttribute("href")).replace("#/s/", "");
    await page.waitForFunction((id) => {
      // IndexedDB answers asynchronously: each poll starts a count when none is running,
      // and passes once one has found the document's snapshot or chunks.
      if (window.__kept === undefined) {
        window.__kept = "counting";
        const open = indexedDB.open("giamsat");
        open.onerror = () => { window.__kept = undefined; };
        open.onsuccess = () => {
          const tx = open.result.transaction(["docs", "chunks"]);
          const snapshot = tx.objectStore("docs").count(id);
          const chunks = tx.objectStore("chunks").count(IDBKeyRange.bound(`${id}/`, `${id}/\uffff`));
          tx.oncomplete = () => { open.result.close(); window.__kept = snapshot.result + chunks.result > 0 ? "kept" : undefined; };
          tx.onerror = () => { open.result.close(); window.__kept = undefined; };
        };
      }
      return window.__kept === "kept";
    }, id, { timeout: BOUND, polling: 100 });
    // The service worker is active once it has kept the shell, the screens with it.
    const kept = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      const names = await caches.keys();
      const paths = [];
      for (const name of names) for (const r of await (await caches.open(name)).keys()) paths.push(new URL(r.url).pathname);
      return paths;
    });
    for (const f of lazyFiles) assert.ok(kept.includes("/" + f), `the service worker keeps /${f}`);
    assert.deepEqual(fetched.filter((p) => SCREEN.test(p)), [], "the list needs no split screen");
    assert.ok(fetched.some((p) => ENGINE.test(p)), `the engine came after the first screen: ${fetched}`);
    await tablet.close();

    // The server is gone. She opens the supervision for the first time, offline.
    const addr = server.addr;
    await server.stop();
    tablet = await launchTablet(profile);
    page = await tablet.newPage();
    watchErrors(page, errors);
    fetched.length = 0;
    page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`http://${addr}/`);
    await waitSync(page, "offline");
    await page.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    await page.getByTestId("supervision-title").filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    await waitValue(page, '[data-testid="finding-text"]', FINDING);
    assert.ok(fetched.some((p) => /\/split_giamsat_supervision[^/]*\.wasm$/.test(p)), `the supervision screen came when opened: ${fetched}`);
    assert.ok(!fetched.some((p) => /\/split_giamsat_admin/.test(p)), "administration was not fetched");
    await waitSync(page, "offline");

    // Back online, the edit she makes there reaches the server.
    server = await startServer(dataDir, addr);
    const text = page.getByTestId("finding-text").first();
    await text.click();
    await page.keyboard.press("End");
    await page.keyboard.type(" Còn 3 hộ chưa rà soát.");
    await waitSync(page, "synced");
    assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED|ERR_FAILED|WebSocket/.test(e)), []);
  } finally {
    await tablet.close().catch(() => {});
    await server.stop();
  }
});

test("a screen that cannot be fetched says so, changes nothing, and opens when tried again", async () => {
  // No service worker to keep the screens, and the network drops every screen's module.
  const t = await refusing(SCREEN);
  const { context, page } = t;
  try {
    await page.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    const notLoaded = page.getByTestId("screen-not-loaded");
    await notLoaded.waitFor({ timeout: BOUND });
    assert.ok(t.refused() > 0, "the split module was asked for");
    assert.match(await notLoaded.innerText(), /Chưa tải được màn hình này/);
    // The app still runs: the header answers, sync goes on.
    await waitSync(page, "synced");
    await page.getByRole("button", { name: /English/ }).click();
    assert.match(await notLoaded.innerText(), /could not be loaded/);

    // The network is back: trying again opens the supervision with Lan's finding.
    await context.unroute(SCREEN);
    await notLoaded.getByRole("button", { name: "Try again" }).click();
    await page.getByTestId("supervision-title").filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    await waitValue(page, '[data-testid="finding-text"]', FINDING);
    assert.equal(await page.getByTestId("screen-not-loaded").count(), 0);
  } finally {
    await t.stop();
  }
});

test("without the engine the member signs in and sees the list, titles kept on the tablet included; the documents follow when it comes", async () => {
  // No service worker, and the network drops the engine's module.
  const t = await refusing(ENGINE);
  const { context } = t;
  let page = t.page;
  try {
    // The list is there: her delegation, and Lan's supervision, not yet held.
    await page.getByTestId("delegation-group").filter({ hasText: "Đoàn giám sát Hòa Cường" }).waitFor({ timeout: BOUND });
    await page.locator('[data-testid="supervision-link"].not-held').waitFor({ timeout: BOUND });
    assert.ok(t.refused() > 0, "the engine was asked for");
    // She starts a supervision of her own: the form waits for the engine, and says so.
    const MINE = "Giám sát việc lấy ý kiến nhân dân";
    await page.getByTestId("new-supervision").click();
    await page.locator('textarea[name="title"]').fill(MINE);
    await page.getByTestId("create-supervision").click();
    await page.locator('[data-testid="create-supervision"][aria-busy="true"]').filter({ hasText: "Đang tải" }).waitFor({ timeout: BOUND });

    // The network lets it through: the app fetches it again by itself, her supervision is
    // made and opens, and Lan's comes.
    await context.unroute(ENGINE);
    await page.getByTestId("supervision-title").filter({ hasText: MINE }).waitFor({ timeout: BOUND });
    await page.goto(t.server.url);
    const held = page.locator('[data-testid="supervision-link"]:not(.not-held)').filter({ hasText: TITLE });
    await held.waitFor({ timeout: BOUND });
    await page.locator('[data-testid="supervision-link"]:not(.not-held)').filter({ hasText: MINE }).waitFor({ timeout: BOUND });
    await waitSync(page, "synced");

    // Next visit, the engine refused again: the list shows the title the tablet kept.
    await page.close();
    await t.again();
    page = await context.newPage();
    await page.goto(t.server.url);
    await page.locator('[data-testid="supervision-link"]:not(.not-held)').filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    assert.ok(t.refused() > 0, "the engine was refused this time too");
    // A supervision waits for the engine rather than showing an empty page.
    await page.getByTestId("supervision-link").filter({ hasText: TITLE }).click();
    await page.getByText(/Đang tải/).first().waitFor({ timeout: BOUND });
    assert.equal(await page.getByTestId("supervision-title").count(), 0);
    await context.unroute(ENGINE);
    await page.getByTestId("supervision-title").filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    await waitValue(page, '[data-testid="finding-text"]', FINDING);
  } finally {
    await t.stop();
  }
});

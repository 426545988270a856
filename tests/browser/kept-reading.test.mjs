// A supervision opens from the reading the tablet kept of it (app/src/workspace/kept.rs,
// shared/src/kept.rs), before the engine has loaded its document: readable at once, its
// controls disabled and busy until the document is there. What a kept reading shows is
// never behind what the tablet stored: every write of the document deletes it in the same
// transaction, and it is kept again once the document is quiet. One that cannot be read
// (damaged, another build's) is passed over: the page waits for the document instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BOUND, createSupervision, launchBrowser, signIn, startWithDelegation, tempDir, waitAsync, waitSync, waitValue, watchErrors } from "./harness.mjs";

const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const TITLE = "Giám sát tại phường An Hải Bắc";
const FINDING = "Đã niêm yết công khai danh sách hộ nghèo tại nhà văn hóa tổ dân phố.";
const MORE = " Sổ theo dõi còn thiếu chữ ký của tổ trưởng.";
const ENGINE = /\/split_giamsat_engine[^/]*\.wasm$/;

/** What IndexedDB keeps as the reading of supervision `id` (its text, or null): its pieces,
 *  `reading:<id>/<nnnn>`, put together; run in the page. */
function readKept(id) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("giamsat");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const range = IDBKeyRange.bound(`reading:${id}/`, `reading:${id}0`, false, true);
      const get = open.result.transaction("meta").objectStore("meta").getAll(range);
      get.onsuccess = () => {
        open.result.close();
        if (get.result.length === 0) return resolve(null);
        const bytes = new Uint8Array(get.result.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of get.result) { bytes.set(p, at); at += p.length; }
        resolve(new TextDecoder().decode(bytes));
      };
      get.onerror = () => reject(get.error);
    };
  });
}

const keptReading = (page, id) => page.evaluate(`(${readKept})(${JSON.stringify(id)})`);

/** Wait (bounded) until the tablet keeps a reading of `id` holding `text`. */
const keptWith = (page, id, text) =>
  waitAsync(page, `([id, text]) => (${readKept})(id).then((kept) => kept !== null && kept.includes(text))`, [id, text], { polling: 200 });

test("a supervision opens from its kept reading before the engine comes; never behind what is stored; a damaged one is passed over", async () => {
  const dataDir = tempDir("giamsat-kept-");
  const { server } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát An Hải Bắc", members: [LAN] });
  const browser = await launchBrowser();
  const errors = [];
  let refused = 0;
  const refuse = (route) => { refused += 1; return route.abort("internetdisconnected"); };
  try {
    // No service worker: each page fetches the modules, so the engine's can be refused.
    const context = await browser.newContext({ serviceWorkers: "block" });
    let page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    await signIn(page, LAN.username, LAN.password);
    await createSupervision(page, { title: TITLE, date: "05/06/2024" });
    await page.getByTestId("unit-name").fill("UBND phường An Hải Bắc");
    await page.getByTestId("add-unit").click();
    await page.getByTestId("new-finding").fill(FINDING);
    await page.getByTestId("add-finding").click();
    await waitValue(page, '[data-testid="finding-text"]', FINDING);
    await waitSync(page, "synced");
    const url = page.url();
    const id = url.split("#/s/")[1];
    assert.ok(id, `the supervision's address names it: ${url}`);
    // The document has gone quiet: its reading is kept.
    await keptWith(page, id, FINDING);

    /** Close the page and open the supervision again in a new one, the engine refused. */
    const visitWithoutEngine = async () => {
      await page.close();
      await context.unroute(ENGINE);
      await context.route(ENGINE, refuse);
      page = await context.newPage();
      watchErrors(page, errors);
      await page.goto(url);
    };

    // Next visit, the engine's module refused: the supervision is there to read, its
    // controls waiting for the document.
    await visitWithoutEngine();
    await page.getByTestId("supervision-title").filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    await waitValue(page, '[data-testid="finding-text"]', FINDING);
    assert.ok(refused > 0, "the engine was asked for and refused");
    const body = page.getByTestId("doc-body");
    assert.equal(await body.getAttribute("aria-busy"), "true");
    assert.ok(await page.getByTestId("finding-text").isDisabled(), "the finding cannot be typed in before its document is loaded");
    assert.equal(await page.getByTestId("read-only").count(), 0, "not said to be an observer's");

    // The engine comes: the same page becomes editable; Lan adds a sentence.
    await context.unroute(ENGINE);
    await page.locator('[data-testid="doc-body"][aria-busy="false"]').waitFor({ timeout: BOUND });
    const text = page.getByTestId("finding-text");
    await text.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(MORE);
    await waitValue(page, '[data-testid="finding-text"]', FINDING + MORE);
    await waitSync(page, "synced");
    // Written, so the old reading is gone (or already kept again, with the sentence).
    const after = await keptReading(page, id);
    assert.ok(after === null || after.includes(MORE), "no kept reading is behind what is stored");
    await keptWith(page, id, MORE);

    // Opened again without the engine: the kept reading has the sentence.
    await visitWithoutEngine();
    await waitValue(page, '[data-testid="finding-text"]', FINDING + MORE);
    assert.equal(await page.getByTestId("doc-body").getAttribute("aria-busy"), "true");

    // A damaged reading (or another build's) is passed over: the page waits for the
    // document, saying so, and shows it once the engine comes.
    await page.evaluate(
      (id) =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open("giamsat");
          open.onsuccess = () => {
            const tx = open.result.transaction("meta", "readwrite");
            const meta = tx.objectStore("meta");
            meta.delete(IDBKeyRange.bound(`reading:${id}/`, `reading:${id}0`, false, true));
            meta.put(new TextEncoder().encode('{"form":1,"heads":["zz"],"supervision":{}}'), `reading:${id}/0000`);
            tx.oncomplete = () => { open.result.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
          };
        }),
      id,
    );
    await visitWithoutEngine();
    await page.getByText(/Đang tải/).first().waitFor({ timeout: BOUND });
    assert.equal(await page.getByTestId("finding-text").count(), 0, "nothing drawn from the damaged reading");
    await context.unroute(ENGINE);
    await waitValue(page, '[data-testid="finding-text"]', FINDING + MORE);
    await page.locator('[data-testid="doc-body"][aria-busy="false"]').waitFor({ timeout: BOUND });
    // The refused module shows as failed fetches; nothing else may go wrong.
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_FAILED|Failed to fetch|kept reading|could not be fetched/.test(e)), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

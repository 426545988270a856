// The walking skeleton, as two delegation members live it in two browsers: create a
// supervision, see it on the other tablet, edit the same finding while one is offline, merge
// with no caret jump, then reopen with the server stopped and find everything in IndexedDB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BOUND, artifacts, launchBrowser, launchTablet, signIn, startServer, startWithDelegation, tempDir, waitSync, watchErrors,
} from "./harness.mjs";

const TITLE = "Giám sát việc thực hiện Quyết định 217-QĐ/TW tại Đảng ủy phường Thanh Khê Tây";
const UNIT = "Đảng ủy phường Thanh Khê Tây";
const FIRST = "Ban hành kế hoạch giám sát kịp thời.";
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };

test("two members, one finding, one offline: everything merges and survives a restart", async () => {
  const dataDir = tempDir("giamsat-data-");
  const profileA = tempDir("giamsat-tablet-a-");
  let { server } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát Thanh Khê Tây", members: [LAN, MINH] });
  const errors = [];
  let tabletA = await launchTablet(profileA);
  const browser = await launchBrowser();
  const tabletB = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    // Step 1: Lan (A) creates the supervision, a unit and a finding.
    let a = await tabletA.newPage();
    watchErrors(a, errors);
    await a.goto(server.url);
    await signIn(a, LAN.username, LAN.password);
    await a.getByTestId("new-supervision").click();
    await a.locator('textarea[name="title"]').fill(TITLE);
    await a.locator('select[name="kind"]').selectOption("giam_sat");
    await a.locator('input[name="basis-number"]').fill("1175-QĐ/QU");
    await a.locator('input[name="basis-date"]').fill("2022-07-13");
    await a.locator('input[name="basis-issuer"]').fill("Quận ủy Thanh Khê");
    await a.locator('input[name="period-from"]').fill("6/2020");
    await a.locator('input[name="period-to"]').fill("6/2022");
    await a.getByTestId("create-supervision").click();
    await a.getByTestId("supervision-title").filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    assert.match(await a.getByTestId("basis").innerText(), /1175-QĐ\/QU — 13\/07\/2022 — của Quận ủy Thanh Khê/);
    await a.getByTestId("unit-name").fill(UNIT);
    await a.getByTestId("add-unit").click();
    await a.getByTestId("unit").filter({ hasText: UNIT }).waitFor({ timeout: BOUND });
    await a.getByTestId("new-finding").fill(FIRST);
    await a.getByTestId("add-finding").click();
    const textA = a.getByTestId("finding-text").first();
    await assert.doesNotReject(textA.waitFor({ timeout: BOUND }));
    assert.equal(await textA.inputValue(), FIRST);
    await waitSync(a, "synced");

    // Step 2: Minh (B) sees the supervision and the finding.
    const b = await tabletB.newPage();
    watchErrors(b, errors);
    await b.goto(server.url);
    await signIn(b, MINH.username, MINH.password);
    await b.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    const textB = b.getByTestId("finding-text").first();
    await b.waitForFunction((t) => document.querySelector('[data-testid="finding-text"]')?.value === t, FIRST, { timeout: BOUND });
    assert.match(await b.getByTestId("finding-author").first().innerText(), /Nguyễn Thị Lan/);

    // Step 3: B's network drops; both edit the same text.
    await tabletB.setOffline(true);
    await waitSync(b, "offline");
    await textB.click();
    await b.keyboard.press("Home");
    await b.keyboard.type("[Minh] ");
    assert.equal(await textB.inputValue(), "[Minh] " + FIRST);
    await b.locator('[data-testid="sync-status"]:not([data-pending="0"])').waitFor({ timeout: BOUND });

    await textA.click();
    await a.keyboard.press("End");
    await a.keyboard.type(" Lan bổ sung");
    await waitSync(a, "synced");

    // Step 4: B comes back while A's caret sits at the end of A's words.
    await tabletB.setOffline(false);
    const merged = "[Minh] " + FIRST + " Lan bổ sung";
    for (const page of [a, b]) {
      await page.waitForFunction((t) => document.querySelector('[data-testid="finding-text"]')?.value === t, merged, { timeout: BOUND });
    }
    // No caret jump: A's caret followed A's text, so A's next keystrokes land right after it.
    assert.equal(await textA.evaluate((el) => el.selectionStart), merged.length);
    await a.keyboard.type("!");
    const final = merged + "!";
    for (const page of [a, b]) {
      await page.waitForFunction((t) => document.querySelector('[data-testid="finding-text"]')?.value === t, final, { timeout: BOUND });
    }
    await waitSync(a, "synced");
    await waitSync(b, "synced");
    await a.screenshot({ path: join(artifacts, "walking-skeleton-merged-a.png"), fullPage: true });
    await b.screenshot({ path: join(artifacts, "walking-skeleton-merged-b.png"), fullPage: true });

    // Step 5: A closes the browser; the server stops; A reopens the page from the service worker.
    await a.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const url = a.url();
    await tabletA.close();
    const addr = server.addr;
    await server.stop();
    tabletA = await launchTablet(profileA);
    a = await tabletA.newPage();
    watchErrors(a, errors);
    await a.goto(url);
    await a.getByTestId("supervision-title").filter({ hasText: TITLE }).waitFor({ timeout: BOUND });
    const reopened = a.getByTestId("finding-text").first();
    assert.equal(await reopened.inputValue(), final);
    await waitSync(a, "offline");

    // Step 6: still editable offline; it syncs when the server returns (same address).
    await reopened.click();
    await a.keyboard.press("End");
    await a.keyboard.type(" (ngoại tuyến)");
    server = await startServer(dataDir, addr);
    const afterRestart = final + " (ngoại tuyến)";
    await waitSync(a, "synced");
    await b.waitForFunction((t) => document.querySelector('[data-testid="finding-text"]')?.value === t, afterRestart, { timeout: BOUND });
    await a.screenshot({ path: join(artifacts, "walking-skeleton-after-restart.png"), fullPage: true });
    assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED|WebSocket/.test(e)), []);
  } finally {
    await tabletA.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.stop();
  }
});

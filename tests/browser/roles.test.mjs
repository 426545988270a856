// Roles and device sessions (issue 4): an observer reads a supervision but cannot change it;
// signing out asks first when changes would be lost, and leaves nothing on the tablet (made
// offline, the server is told as soon as the tablet is back online); an
// administrator revokes a lost tablet's session and that tablet stops syncing at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ADMIN, BOUND, api, artifacts, createSupervision, launchBrowser, signIn, smallTargets, startWithDelegation, tempDir, waitSync, watchErrors,
} from "./harness.mjs";

const HUNG = { username: "hung", displayName: "Nguyễn Văn Hùng", password: "mat-khau-cua-hung", role: "head" };
const YEN = { username: "yen", displayName: "Trịnh Thị Yến", password: "mat-khau-cua-yen", role: "observer" };
const TITLE = "Giám sát việc tiếp công dân tại UBND phường Ngọc Thụy";
const FINDING = "Sổ tiếp công dân ghi chép đầy đủ.";

/** How many documents the app keeps in IndexedDB on this page. */
const storedDocs = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open("giamsat");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const count = open.result.transaction("docs").objectStore("docs").count();
    count.onsuccess = () => { open.result.close(); resolve(count.result); };
  };
}));

test("an observer reads only; signing out asks first; an administrator revokes a session", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-roles-"), { delegation: "Đoàn giám sát Ngọc Thụy", members: [HUNG, YEN] });
  const browser = await launchBrowser();
  const errors = [];
  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    return { context, page };
  };
  try {
    // Step 1: Hùng, the head, writes a supervision with a finding.
    const { context: hungTablet, page: hung } = await open();
    await signIn(hung, HUNG.username, HUNG.password);
    await createSupervision(hung, { title: TITLE });
    await hung.getByTestId("unit-name").fill("Bộ phận tiếp công dân");
    await hung.getByTestId("add-unit").click();
    await hung.getByTestId("new-finding").fill(FINDING);
    await hung.getByTestId("add-finding").click();
    await waitSync(hung, "synced");

    // Step 2: Yến, an observer, reads it; every control is disabled and a note says why.
    const { context: yenTablet, page: yen } = await open();
    await signIn(yen, YEN.username, YEN.password);
    assert.equal(await yen.getByTestId("new-supervision").count(), 0, "an observer creates no supervision");
    await yen.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    await yen.getByTestId("read-only").waitFor({ timeout: BOUND });
    const text = yen.getByTestId("finding-text").first();
    await yen.waitForFunction((t) => document.querySelector('[data-testid="finding-text"]')?.value === t, FINDING, { timeout: BOUND });
    assert.equal(await text.isDisabled(), true);
    assert.equal(await yen.getByTestId("finding-kind").first().isDisabled(), true);
    assert.equal(await yen.getByTestId("add-finding").isVisible(), false);
    await yen.getByTestId("tab-setup").click();
    assert.equal(await yen.getByTestId("save-setup").isVisible(), false);
    await yen.screenshot({ path: join(artifacts, "roles-observer.png"), fullPage: true });

    // Step 3: she signs out (nothing unsynced, so no question): the tablet keeps nothing.
    assert.ok(await storedDocs(yen) > 0);
    await yen.getByTestId("sign-out").click();
    await yen.getByTestId("sign-in").waitFor({ timeout: BOUND });
    assert.deepEqual(await smallTargets(yen), [], "touch targets under 44 px (sign-in)");
    assert.equal(await storedDocs(yen), 0);

    // Step 3b: she signs in again, then signs out with no network. The tablet forgets
    // everything at once; her session on the server ends as soon as the tablet is online.
    await signIn(yen, YEN.username, YEN.password);
    const cookie = (await yenTablet.cookies()).find((c) => c.name === "giamsat_session");
    const asYen = `giamsat_session=${cookie.value}`;
    assert.equal((await api(server, asYen, "GET", "/api/me")).status, 200);
    await yenTablet.setOffline(true);
    await yen.getByTestId("sign-out").click();
    await yen.getByTestId("sign-in").waitFor({ timeout: BOUND });
    assert.equal(await yen.evaluate(() => localStorage.getItem("giamsat.sign-out-pending")), "1");
    // Chromium's offline emulation now and then lets a request already handed to the network
    // reach the server while the page sees it fail (once in CI). The tablet still owes the
    // sign-out either way (the flag above); what must hold is the end state below.
    const offlineStatus = (await api(server, asYen, "GET", "/api/me")).status;
    assert.ok([200, 401].includes(offlineStatus), `unexpected status ${offlineStatus}`);
    if (offlineStatus === 401) console.log("# note: the offline sign-out reached the server through the emulation");
    await yenTablet.setOffline(false);
    await yen.waitForFunction(() => localStorage.getItem("giamsat.sign-out-pending") === null, null, { timeout: BOUND });
    assert.equal((await api(server, asYen, "GET", "/api/me")).status, 401, "the session ended on the server");

    // Step 4: Hùng, offline, changes the finding and tries to sign out: he is asked first,
    // told how many changes would be lost, and stays.
    await hungTablet.setOffline(true);
    await waitSync(hung, "offline");
    await hung.getByTestId("finding-text").first().click();
    await hung.keyboard.press("End");
    await hung.keyboard.type(" Chưa có sổ theo dõi đơn thư.");
    await hung.locator('[data-testid="sync-status"]:not([data-pending="0"])').waitFor({ timeout: BOUND });
    const asked = new Promise((resolve) => hung.once("dialog", async (d) => { resolve(d.message()); await d.dismiss(); }));
    await hung.getByTestId("sign-out").click();
    assert.match(await asked, /^\d+ thay đổi chưa đồng bộ lên máy chủ sẽ bị mất/);
    assert.equal(await hung.getByTestId("member").isVisible(), true);
    await hungTablet.setOffline(false);
    await waitSync(hung, "synced");

    // Step 5: his tablet is lost. The administrator revokes its session; it stops syncing
    // at once and asks Hùng to sign in again.
    const { page: admin } = await open();
    await signIn(admin, ADMIN.username, ADMIN.password);
    await admin.getByTestId("admin-link").click();
    const session = admin.locator('[data-testid="admin-session"][data-username="hung"][data-revoked="false"]');
    await session.waitFor({ timeout: BOUND });
    await session.getByTestId("revoke-session").click();
    await admin.locator('[data-testid="admin-session"][data-username="hung"][data-revoked="true"]').waitFor({ timeout: BOUND });
    await hung.getByTestId("session-expired").waitFor({ timeout: BOUND });
    await waitSync(hung, "expired");
    await admin.getByTestId("audit-entry").first().waitFor({ timeout: BOUND });
    assert.deepEqual(await smallTargets(admin), [], "touch targets under 44 px (administration)");
    await admin.screenshot({ path: join(artifacts, "roles-admin.png"), fullPage: true });
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
});

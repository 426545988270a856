// A member works offline past the end of their session (issue 4): nothing is lost, the app
// says the session expired and how many changes wait on the tablet, and once the member
// signs in again every offline edit reaches the server — the supervision created offline
// included (it is registered with its delegation first).
//
// The server runs with `--session-ttl 3`: a session ends 3 seconds after sign-in (the server
// extends a session at most once a minute), so each online step here is short.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BOUND, api, artifacts, createSupervision, launchBrowser, signIn, smallTargets, startWithDelegation, tempDir, waitSync, waitValue, watchErrors,
} from "./harness.mjs";

const MAI = { username: "mai", displayName: "Hoàng Thị Mai", password: "mat-khau-cua-mai", role: "member" };
const TUAN = { username: "tuan", displayName: "Vũ Anh Tuấn", password: "mat-khau-cua-tuan", role: "member" };
const TITLE = "Giám sát công tác dân vận tại phường Hòa Cường Bắc";
const FINDING = "Chưa tổ chức hội nghị đối thoại với Nhân dân năm 2023.";
const ADDED = " Đã có kế hoạch cho quý I/2024.";
const FIGURES = "0/2 hội nghị";

/** Poll (bounded) until `GET /api/me` with `cookie` answers 401. */
async function waitExpired(server, cookie) {
  const deadline = Date.now() + BOUND;
  for (;;) {
    const { status } = await api(server, cookie, "GET", "/api/me");
    if (status === 401) return;
    assert.equal(status, 200, "the session works until it expires");
    if (Date.now() > deadline) throw new Error("the session did not expire within the bound");
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("offline past expiry: edits survive, the member signs in again, everything syncs", async () => {
  const { server } = await startWithDelegation(
    tempDir("giamsat-expiry-"),
    { delegation: "Đoàn giám sát Hòa Cường Bắc", members: [MAI, TUAN] },
    { args: ["--session-ttl", "3"] },
  );
  const browser = await launchBrowser();
  const errors = [];
  try {
    // Step 1: Mai signs in on her tablet; the app has her delegation; then the network drops.
    const tablet = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await tablet.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    await signIn(page, MAI.username, MAI.password);
    await waitSync(page, "synced");
    await tablet.setOffline(true);
    await waitSync(page, "offline");

    // Step 2: offline, she creates the supervision and writes in several fields.
    await createSupervision(page, { title: TITLE, number: "45-QĐ/ĐU", date: "04/03/2024" });
    await page.getByTestId("unit-name").fill("Chi bộ khu dân cư số 5");
    await page.getByTestId("add-unit").click();
    await page.locator('select[name="finding-kind"]').selectOption("shortcoming");
    await page.getByTestId("new-finding").fill(FINDING);
    await page.locator('input[name="new-figures"]').fill(FIGURES);
    await page.getByTestId("add-finding").click();
    const text = page.getByTestId("finding-text").first();
    await text.waitFor({ timeout: BOUND });
    await text.click();
    await page.keyboard.press("End");
    await page.keyboard.type(ADDED);
    await page.getByTestId("finding-status").first().selectOption("agreed");
    await page.getByTestId("tab-setup").click();
    await page.locator('input[name="topic"]').fill("Quy chế dân chủ ở cơ sở");
    await page.getByTestId("add-topic").click();
    await page.getByTestId("topic").first().waitFor({ timeout: BOUND });
    await page.getByTestId("tab-work").click();
    await page.locator('[data-testid="sync-status"]:not([data-pending="0"])').waitFor({ timeout: BOUND });

    // Step 3: her session ends on the server while she is offline.
    const cookie = (await tablet.cookies()).find((c) => c.name === "giamsat_session");
    assert.ok(cookie, "the tablet holds a session cookie");
    await waitExpired(server, `${cookie.name}=${cookie.value}`);

    // Step 4: back online, the app says the session expired; nothing was lost.
    await tablet.setOffline(false);
    const notice = page.getByTestId("session-expired");
    await notice.waitFor({ timeout: BOUND });
    await waitSync(page, "expired");
    assert.match(await notice.innerText(), /Phiên đăng nhập đã hết hạn — đăng nhập lại để đồng bộ; \d+ thay đổi vẫn an toàn trên máy này/);
    const safe = Number(await page.getByTestId("safe-count").innerText());
    assert.ok(safe > 0, `unsynced changes are counted (${safe})`);
    assert.equal(await text.inputValue(), FINDING + ADDED);
    await page.screenshot({ path: join(artifacts, "session-expired.png"), fullPage: true });
    assert.deepEqual(await smallTargets(page), [], "touch targets under 44 px (session expired)");

    // Step 5: she signs in again (same account, in the notice): everything syncs.
    assert.equal(await notice.locator('input[name="username"]').inputValue(), MAI.username);
    await signIn(page, MAI.username, MAI.password);
    await waitSync(page, "synced");

    // Step 6: Tuấn, on another tablet, sees every offline edit.
    const other = await (await browser.newContext()).newPage();
    watchErrors(other, errors);
    await other.goto(server.url);
    await signIn(other, TUAN.username, TUAN.password);
    await other.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    await waitValue(other, '[data-testid="finding-text"]', FINDING + ADDED);
    await waitValue(other, '[data-testid="finding-figures"]', FIGURES);
    await other.locator('[data-testid="finding"][data-status="agreed"][data-kind="shortcoming"]').waitFor({ timeout: BOUND });
    assert.match(await other.getByTestId("finding-author").first().innerText(), /Hoàng Thị Mai/);
    await other.getByTestId("tab-setup").click();
    await other.getByTestId("topic").filter({ hasText: "Quy chế dân chủ ở cơ sở" }).waitFor({ timeout: BOUND });
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
});

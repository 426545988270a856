// Browser storage under stress (issue 5, item 9): a page closed in the middle of writing
// leaves IndexedDB readable and the document whole; a full storage quota is told to the
// member with what to do, and the work on screen is kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { BOUND, artifacts, createSupervision, launchTablet, signIn, startWithDelegation, tempDir, waitSync } from "./harness.mjs";

const CHAU = { username: "chau", displayName: "Đỗ Minh Châu", password: "mat-khau-cua-chau", role: "member" };
const DELEGATION = { delegation: "Đoàn giám sát khu phố 3", members: [CHAU] };

test("closing the page mid-write leaves the document readable", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-store-"), DELEGATION);
  const profile = tempDir("giamsat-tablet-");
  let tablet = await launchTablet(profile);
  try {
    let page = await tablet.newPage();
    await page.goto(server.url);
    await signIn(page, CHAU.username, CHAU.password);
    await createSupervision(page, { title: "Giám sát việc ghi nhận khi đóng trang" });
    await page.getByTestId("unit-name").fill("Chi bộ khu phố 3");
    await page.getByTestId("add-unit").click();
    await page.getByTestId("new-finding").fill("Bắt đầu.");
    await page.getByTestId("add-finding").click();
    await waitSync(page, "synced");
    const url = page.url();
    // Cut the server off so nothing reaches it: only IndexedDB holds what follows.
    await tablet.setOffline(true);
    await waitSync(page, "offline");
    const field = page.getByTestId("finding-text").first();
    await field.click();
    await page.keyboard.press("End");
    const typed = " Ghi tiếp trong khi trang bị đóng đột ngột, từng chữ một.";
    // Type, and close the whole browser while the writes are still being made.
    const typing = page.keyboard.type(typed, { delay: 5 }).catch(() => {});
    await page.waitForFunction((n) => document.querySelector('[data-testid="finding-text"]').value.length > n, "Bắt đầu.".length + 10);
    await tablet.close();
    await typing;

    tablet = await launchTablet(profile);
    page = await tablet.newPage();
    await page.goto(url);
    const reopened = page.getByTestId("finding-text").first();
    await reopened.waitFor({ timeout: BOUND });
    const value = await reopened.inputValue();
    // Whatever reached IndexedDB is a whole document: the text is a prefix of what was typed.
    assert.ok(("Bắt đầu." + typed).startsWith(value), `a clean prefix, got ${JSON.stringify(value)}`);
    assert.ok(value.length > "Bắt đầu.".length, "the writes that completed are there");
    // And it still edits and syncs.
    await waitSync(page, "synced");
  } finally {
    await tablet.close().catch(() => {});
    await server.stop();
  }
});

test("a full storage quota is shown to the member with what to do", async () => {
  // A tablet whose storage is nearly full: its profile lives on a 32 MB filesystem (tmpfs),
  // so IndexedDB really runs out of room (QuotaExceededError), as on a full tablet.
  const profile = tempDir("giamsat-full-tablet-");
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", profile]);
  const { server } = await startWithDelegation(tempDir("giamsat-quota-"), DELEGATION);
  let tablet;
  try {
    tablet = await launchTablet(profile);
    const page = await tablet.newPage();
    await page.goto(server.url);
    await signIn(page, CHAU.username, CHAU.password);
    await createSupervision(page, { title: "Giám sát khi bộ nhớ đầy" });
    await page.getByTestId("unit-name").fill("Chi bộ khu phố 3");
    await page.getByTestId("add-unit").click();
    await page.getByTestId("new-finding").fill("Có bản quét biên bản.");
    await page.getByTestId("add-finding").click();
    await waitSync(page, "synced");
    // A 40 MB scan that cannot be compressed does not fit.
    const big = randomBytes(40 * 1024 * 1024);
    await page.getByTestId("attach-evidence").first().setInputFiles({ name: "bien-ban.pdf", mimeType: "application/pdf", buffer: big });
    // Told twice: at the top of the screen, and under the finding the file was for.
    const alerts = page.getByRole("alert").filter({ hasText: "Không lưu được vào bộ nhớ thiết bị" });
    await alerts.first().waitFor({ timeout: BOUND });
    await page.locator('[data-testid="finding"] [role="alert"]').filter({ hasText: "giải phóng dung lượng" }).waitFor({ timeout: BOUND });
    assert.match(await alerts.first().innerText(), /giải phóng dung lượng/);
    await page.screenshot({ path: join(artifacts, "storage-quota.png"), fullPage: true });
    // The finding on screen is untouched, nothing was attached, and the tablet still syncs.
    assert.equal(await page.getByTestId("finding-text").first().inputValue(), "Có bản quét biên bản.");
    assert.equal(await page.getByTestId("evidence").count(), 0);
    await waitSync(page, "synced");
  } finally {
    await tablet?.close().catch(() => {});
    await server.stop();
    execFileSync("umount", [profile]);
  }
});

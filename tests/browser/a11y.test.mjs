// Accessibility (issue 15): every screen passes axe-core's WCAG 2.1 A and AA rules — every
// control has a name, contrast meets AA, landmarks and roles are valid — in Vietnamese and
// in English, as a member and as the administrator, on the demo's real supervisions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, BOUND, axeViolations, launchBrowser, signIn, startWithDelegation, tempDir, waitSync } from "./harness.mjs";

const HEAD = { username: "truongdoan", displayName: "Trưởng đoàn Mẫu", password: "mat-khau-truong-doan", role: "head" };

test("every screen passes axe-core (WCAG 2.1 A and AA)", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-a11y-"), { delegation: "Đoàn mẫu (demo)", members: [HEAD] }, { args: ["--demo"] });
  const browser = await launchBrowser();
  const found = [];
  const check = async (page, screen) => {
    for (const v of await axeViolations(page)) found.push(`${screen}: ${v}`);
  };
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(server.url);
    await page.getByTestId("sign-in").waitFor({ timeout: BOUND });
    await check(page, "sign-in");
    await signIn(page, HEAD.username, HEAD.password);
    await page.getByTestId("supervision-link").first().waitFor({ timeout: BOUND });
    await waitSync(page, "synced");
    await check(page, "list");
    await page.getByTestId("new-supervision").click();
    await page.locator("form.new-supervision").waitFor({ timeout: BOUND });
    await check(page, "new supervision");
    await page.reload();

    await page.getByTestId("supervision-link").first().click();
    await page.getByTestId("supervision").waitFor({ timeout: BOUND });
    for (const tab of ["tab-setup", "tab-work", "tab-recommendations", "tab-conclusion"]) {
      await page.getByTestId(tab).click();
      await page.waitForFunction((t) => document.querySelector(`[data-testid="${t}"]`)?.getAttribute("aria-selected") === "true", tab);
      await check(page, `supervision, ${tab}`);
    }
    // The conclusion's history of a paragraph, and the printed draft.
    const history = page.getByTestId("history-toggle").first();
    if (await history.count()) {
      await history.click();
      await page.getByTestId("history").first().waitFor({ timeout: BOUND });
      await check(page, "history of a paragraph");
    }
    await page.getByTestId("print-draft").click();
    await page.getByTestId("print-view").waitFor({ timeout: BOUND });
    await check(page, "print view");
    await page.getByTestId("print-close").click();
    await page.locator("a.back").click();
    await page.getByTestId("manage-delegation").first().click({ timeout: BOUND });
    await page.getByTestId("delegation-member").first().waitFor({ timeout: BOUND });
    await check(page, "delegation");
    await page.goto(`${server.url}#/theo-doi`);
    await page.getByTestId("followup-page").waitFor({ timeout: BOUND });
    await check(page, "follow-up");

    // The English interface is the same screens in other words.
    await page.locator("button.lang").click();
    await page.goto(`${server.url}#/`);
    await page.getByTestId("supervision-link").first().waitFor({ timeout: BOUND });
    await check(page, "list (English)");

    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await admin.goto(server.url);
    await signIn(admin, ADMIN.username, ADMIN.password);
    await admin.goto(`${server.url}#/admin`);
    await admin.getByTestId("admin").waitFor({ timeout: BOUND });
    await check(admin, "admin");

    // A phone: the one-line header and the supervision's work tab.
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await phone.goto(server.url);
    await signIn(phone, HEAD.username, HEAD.password);
    await phone.getByTestId("supervision-link").first().click({ timeout: BOUND });
    await phone.getByTestId("finding").first().waitFor({ timeout: BOUND });
    await check(phone, "supervision on a phone");
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
  assert.deepEqual(found, [], `axe-core found:\n${found.join("\n")}`);
});

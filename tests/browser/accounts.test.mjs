// Governing accounts and invitations through the screens (issue 11, item 4), as the people
// who do it: the administrator disables a member's account (her tablet is signed out at
// once), enables it again with a new password; she changes it herself; the head withdraws an
// invitation link before anyone uses it. The audit log reads in the interface language.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN, BOUND, artifacts, launchBrowser, signIn, smallTargets, startWithDelegation, tempDir, waitSync } from "./harness.mjs";

const CHAU = { username: "chau", displayName: "Đỗ Minh Châu", password: "mat-khau-cua-chau", role: "member" };
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };

test("an administrator disables and restores an account; a head withdraws an invitation", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-accounts-"), { delegation: "Đoàn giám sát khu phố 3", members: [CHAU, LAN] });
  const browser = await launchBrowser();
  const open = async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(server.url);
    return page;
  };
  try {
    // Step 1: Châu's tablet is signed in and synced.
    const chau = await open();
    await signIn(chau, CHAU.username, CHAU.password);
    await waitSync(chau, "synced");

    // Step 2: the administrator disables her account: her tablet is told to sign in again.
    const admin = await open();
    await signIn(admin, ADMIN.username, ADMIN.password);
    await admin.getByTestId("admin-link").click();
    const row = () => admin.locator(`[data-testid="admin-user"][data-username="${CHAU.username}"]`);
    await row().waitFor({ timeout: BOUND });
    await row().getByTestId("toggle-disabled").click();
    await row().getByTestId("account-disabled").waitFor({ timeout: BOUND });
    await chau.getByTestId("session-expired").waitFor({ timeout: BOUND });

    // Step 3: the audit log says it in Vietnamese, then in English.
    for (const refresh of await admin.getByRole("button", { name: "Tải lại" }).all()) await refresh.click();
    const disabled = admin.locator('[data-testid="audit-entry"] td[data-event="account-disabled"]');
    await disabled.first().waitFor({ timeout: BOUND });
    assert.equal(await disabled.first().innerText(), "Khóa tài khoản");
    assert.equal(await admin.locator('td[data-event="sign-in"]').first().innerText(), "Đăng nhập");
    await admin.locator("button.lang").click();
    assert.equal(await disabled.first().innerText(), "Account disabled");
    await admin.locator("button.lang").click();
    assert.deepEqual(await smallTargets(admin), [], "touch targets under 44 px (administration)");
    await admin.screenshot({ path: join(artifacts, "admin-accounts.png"), fullPage: true });

    // Step 4: enabled again with a new password; her old one no longer works.
    await row().getByTestId("toggle-disabled").click();
    await row().getByTestId("account-disabled").waitFor({ state: "detached", timeout: BOUND });
    await row().locator('input[name="reset-password"]').fill("mat-khau-moi-cua-chau");
    await row().getByTestId("reset-password").click();
    await row().getByTestId("admin-saved").waitFor({ timeout: BOUND });
    const again = await open();
    await again.locator('input[name="username"]').fill(CHAU.username);
    await again.locator('input[name="password"]').fill(CHAU.password);
    await again.getByTestId("sign-in-submit").click();
    await again.getByTestId("sign-in-error").filter({ hasText: "Wrong username or password" }).waitFor({ timeout: BOUND });
    await signIn(again, CHAU.username, "mat-khau-moi-cua-chau");

    // Step 5: she changes it herself on the list screen.
    await again.locator(".password-change summary").click();
    await again.locator('input[name="current-password"]').fill("mat-khau-moi-cua-chau");
    await again.locator('input[name="new-password"]').fill("mat-khau-cua-rieng-chau");
    await again.getByTestId("change-password").click();
    await again.getByTestId("password-changed").waitFor({ timeout: BOUND });
    assert.deepEqual(await smallTargets(again), [], "touch targets under 44 px (list with the password form)");
    await waitSync(again, "synced");

    // Step 6: Lan, the head, makes a link, sees it open, withdraws it; the link is dead.
    const lan = await open();
    await signIn(lan, LAN.username, LAN.password);
    await lan.getByTestId("manage-delegation").click({ timeout: BOUND });
    await lan.getByTestId("create-invitation").click();
    const url = await lan.getByTestId("invite-url").inputValue();
    await lan.getByTestId("open-invitation").first().waitFor({ timeout: BOUND });
    await lan.getByTestId("withdraw-invitation").first().click();
    await lan.getByTestId("open-invitation").waitFor({ state: "detached", timeout: BOUND });
    assert.deepEqual(await smallTargets(lan), [], "touch targets under 44 px (delegation screen)");
    const stranger = await open();
    await stranger.goto(url);
    await stranger.getByTestId("invitation-gone").waitFor({ timeout: BOUND });
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
});

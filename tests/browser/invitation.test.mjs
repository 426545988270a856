// Joining by invitation (issue 4): a head of delegation makes a link on the delegation
// screen; a new person opens it on their own tablet, makes an account, and lands on the list
// with exactly their delegation's supervisions — never another delegation's. The link works
// once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BOUND, adminSetup, artifacts, createSupervision, launchBrowser, signIn, smallTargets, startWithDelegation, tempDir, waitSync, watchErrors,
} from "./harness.mjs";

const HUNG = { username: "hung", displayName: "Nguyễn Văn Hùng", password: "mat-khau-cua-hung", role: "head" };
const THAO = { username: "thao", displayName: "Lê Thị Thảo", password: "mat-khau-cua-thao", role: "head" };
const OURS = "Kiểm tra việc thực hiện Quy định 22-QĐ/TW tại Đảng ủy phường Sài Đồng";
const THEIRS = "Giám sát chuyên đề tại Đảng ủy phường Phúc Đồng";

test("invitation: a new member joins by link and sees only their delegation's supervisions", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-invite-"), { delegation: "Đoàn kiểm tra Sài Đồng", members: [HUNG] });
  await adminSetup(server, { delegation: "Đoàn giám sát Phúc Đồng", members: [THAO] });
  const browser = await launchBrowser();
  const errors = [];
  const page = async () => {
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    watchErrors(p, errors);
    await p.goto(server.url);
    return p;
  };
  try {
    // Step 1: another delegation has a supervision of its own.
    const thao = await page();
    await signIn(thao, THAO.username, THAO.password);
    await createSupervision(thao, { title: THEIRS });
    await waitSync(thao, "synced");

    // Step 2: Hùng, head of his delegation, creates one and an invitation for a member.
    const hung = await page();
    await signIn(hung, HUNG.username, HUNG.password);
    await createSupervision(hung, { title: OURS });
    await waitSync(hung, "synced");
    await hung.locator("a.back").click();
    await hung.getByTestId("manage-delegation").click({ timeout: BOUND });
    await hung.getByTestId("delegation-member").filter({ hasText: HUNG.displayName }).waitFor({ timeout: BOUND });
    await hung.getByTestId("invite-role").selectOption("member");
    await hung.getByTestId("create-invitation").click();
    const urlField = hung.getByTestId("invite-url");
    await urlField.waitFor({ timeout: BOUND });
    const link = await urlField.inputValue();
    assert.match(link, new RegExp(`^${server.url.replace(/\/$/, "")}/#/invite/\\S+$`));
    assert.deepEqual(await smallTargets(hung), [], "touch targets under 44 px (delegation screen)");
    await hung.screenshot({ path: join(artifacts, "invitation-created.png"), fullPage: true });

    // Step 3: Quân opens the link on a new tablet and makes his account.
    const quan = await page();
    await quan.goto(link);
    await quan.getByTestId("invitation-delegation").filter({ hasText: "Đoàn kiểm tra Sài Đồng" }).waitFor({ timeout: BOUND });
    assert.equal(await quan.getByTestId("invitation-role").innerText(), "Thành viên");
    assert.deepEqual(await smallTargets(quan), [], "touch targets under 44 px (invitation)");
    await quan.screenshot({ path: join(artifacts, "invitation-open.png"), fullPage: true });
    await quan.locator('input[name="display-name"]').fill("Đinh Hồng Quân");
    await quan.locator('input[name="username"]').fill("quan");
    await quan.locator('input[name="password"]').fill("ngan");
    await quan.getByTestId("accept-invitation").click();
    await quan.getByTestId("invitation-error").filter({ hasText: "ít nhất 8 ký tự" }).waitFor({ timeout: BOUND });
    await quan.locator('input[name="password"]').fill("mat-khau-cua-quan");
    await quan.getByTestId("accept-invitation").click();

    // Step 4: he is signed in, on the list, with exactly his delegation's supervision.
    await quan.getByTestId("member").filter({ hasText: "Đinh Hồng Quân" }).waitFor({ timeout: BOUND });
    await quan.getByTestId("supervision-link").filter({ hasText: OURS }).waitFor({ timeout: BOUND });
    const groups = quan.getByTestId("delegation-group");
    assert.equal(await groups.count(), 1);
    assert.match(await groups.first().innerText(), /Đoàn kiểm tra Sài Đồng/);
    assert.equal(await quan.getByTestId("supervision-link").count(), 1);
    assert.deepEqual(await smallTargets(quan), [], "touch targets under 44 px (list)");
    assert.equal(await quan.getByTestId("supervision-link").filter({ hasText: THEIRS }).count(), 0);
    await waitSync(quan, "synced");
    await quan.screenshot({ path: join(artifacts, "invitation-joined.png"), fullPage: true });

    // Step 5: he writes in it like any member; Hùng sees him among the members.
    await quan.getByTestId("supervision-link").filter({ hasText: OURS }).click();
    await quan.getByTestId("unit-name").fill("Chi bộ khu dân cư số 2");
    await quan.getByTestId("add-unit").click();
    await waitSync(quan, "synced");
    await hung.reload();
    await hung.getByTestId("delegation-member").filter({ hasText: "Đinh Hồng Quân" }).waitFor({ timeout: BOUND });

    // Step 6: the link was for one person only.
    const again = await page();
    await again.goto(link);
    await again.getByTestId("invitation-gone").waitFor({ timeout: BOUND });
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
});

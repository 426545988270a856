// Follow-up above the delegations (issue 14): a city's Front committee leader, a member of no
// delegation, sees two wards' delegations' supervisions read-only, the recommendation past
// its 20 days marked for escalation and overdue, and the year's figures; a member records the
// unit's written reply and its scan with no network, and after sync the leader's screen shows
// it, the escalation is gone and the year's review (DOCX) says so; two members correcting the
// reply apart offline see both until one is kept; a leader of another city (set up on the administrator's screen) sees
// nothing of these.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  ADMIN, BOUND, adminSetup, api, apiSignIn, artifacts, createSupervision, launchBrowser, openSignedIn, startWithDelegation, tempDir,
  waitAsync, waitSync,
} from "./harness.mjs";

const HUNG = { username: "hung", displayName: "Nguyễn Văn Hùng", password: "mat-khau-cua-hung", role: "head" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };
const LAN = { username: "lan", displayName: "Lê Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const TAM = { username: "tam", displayName: "Phạm Văn Tâm", password: "mat-khau-cua-tam", role: "head" };
const LEADER = { username: "lanhdao", displayName: "Lãnh đạo thành phố", password: "mat-khau-lanh-dao" };
const OTHER = { username: "khac", displayName: "Lãnh đạo nơi khác", password: "mat-khau-noi-khac" };
const S1 = "Giám sát việc tiếp công dân tại phường Hòa Cường";
const S2 = "Giám sát Quy chế dân chủ tại phường Hải Châu";
const S3 = "Giám sát ở thành phố khác";
const ASK1 = "Đề nghị bổ sung sổ tiếp công dân.";
const ASK2 = "Đề nghị niêm yết công khai dự toán.";
const ASK3 = "Kiến nghị của nơi khác.";
const SCAN = Buffer.from("%PDF-1.4\n% văn bản trả lời số 15/BC-UBND\n%%EOF\n");

/** Make an organisation as the administrator; resolves to its id. */
async function organisation(server, admin, name, level, parentId) {
  const r = await api(server, admin, "POST", "/api/admin/organisations", { name, level, parentId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

/** A supervision with one recommendation, made by `who` in the app. */
async function supervisionWith(page, title, ask, addressee, due) {
  await createSupervision(page, { title });
  await page.getByTestId("tab-recommendations").click();
  await page.locator('textarea[name="rec-text"]').fill(ask);
  await page.locator('input[name="rec-addressee"]').fill(addressee);
  await page.locator('input[name="rec-due"]').fill(due);
  await page.getByTestId("add-recommendation").click();
  await page.getByTestId("recommendation").first().waitFor({ timeout: BOUND });
}

test("a leader above two delegations follows their recommendations up; a reply recorded offline reaches the leader", async () => {
  const { server, delegation: d1 } = await startWithDelegation(tempDir("giamsat-followup-"), { delegation: "Đoàn giám sát phường Hòa Cường", members: [HUNG, MINH] });
  const { delegation: d2 } = await adminSetup(server, { delegation: "Đoàn giám sát phường Hải Châu", members: [LAN] });
  const { delegation: d3 } = await adminSetup(server, { delegation: "Đoàn giám sát nơi khác", members: [TAM] });
  const admin = await apiSignIn(server, ADMIN.username, ADMIN.password);
  const city = await organisation(server, admin, "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng", "tỉnh");
  const ward1 = await organisation(server, admin, "Ủy ban MTTQ phường Hòa Cường", "xã, phường", city);
  const ward2 = await organisation(server, admin, "Ủy ban MTTQ phường Hải Châu", "xã, phường", city);
  for (const [d, o] of [[d1, ward1], [d2, ward2]]) {
    assert.equal((await api(server, admin, "PUT", `/api/admin/delegations/${d}/organisation`, { organisationId: o })).status, 204);
  }
  for (const who of [LEADER, OTHER]) {
    const made = await api(server, admin, "POST", "/api/admin/users", { ...who, isAdmin: false });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    who.id = made.body.id;
  }
  assert.equal((await api(server, admin, "PUT", `/api/admin/organisations/${city}/leaders/${LEADER.id}`)).status, 204);

  const browser = await launchBrowser();
  const errors = [];
  const open = (who) => openSignedIn(browser, server, who, errors);
  try {
    // The other city is set up on the administrator's screen.
    const { page: adminPage } = await open(ADMIN);
    await adminPage.goto(`${server.url}#/admin`);
    const card = adminPage.getByTestId("admin-organisations");
    await card.getByTestId("admin-organisation").first().waitFor({ timeout: BOUND });
    await card.locator('input[name="organisation-name"]').fill("Ủy ban MTTQ Việt Nam thành phố Huế");
    await card.locator('input[name="organisation-level"]').fill("tỉnh");
    await card.getByTestId("create-organisation").click();
    const hue = card.getByTestId("admin-organisation").filter({ hasText: "thành phố Huế" });
    await hue.waitFor({ timeout: BOUND });
    const hueId = String((await api(server, admin, "GET", "/api/admin/organisations")).body.find((o) => o.name.includes("Huế")).id);
    await card.locator('select[name="owned-delegation"]').selectOption(String(d3));
    await card.locator('select[name="owner-organisation"]').selectOption(hueId);
    await card.getByTestId("attach-delegation").click();
    await hue.filter({ hasText: "Đoàn giám sát nơi khác" }).waitFor({ timeout: BOUND });
    await card.locator('select[name="led-organisation"]').selectOption(hueId);
    await card.locator('select[name="leader-account"]').selectOption(String(OTHER.id));
    await card.getByTestId("add-leader").click();
    await hue.filter({ hasText: OTHER.displayName }).waitFor({ timeout: BOUND });

    // Hùng's delegation: a recommendation due 01/03/2026, the conclusion issued 05/01/2026.
    const { page: hung } = await open(HUNG);
    await supervisionWith(hung, S1, ASK1, "UBND phường Hòa Cường", "01/03/2026");
    await hung.getByTestId("tab-conclusion").click();
    await hung.getByTestId("issue-open").click();
    const form = hung.getByTestId("issue-form");
    await form.locator('input[name="issuer"]').fill("Ban Thường trực Ủy ban MTTQ phường Hòa Cường");
    await form.locator('input[name="doc-code"]').fill("TB-MTTQ");
    await form.locator('input[name="place"]').fill("Đà Nẵng");
    await form.locator('input[name="doc-date"]').fill("05/01/2026");
    await form.locator('input[name="signer-title"]').fill("Chủ tịch");
    await form.locator('input[name="signer-name"]').fill(HUNG.displayName);
    await form.getByTestId("issue-submit").click();
    await hung.getByTestId("issued-version").first().waitFor({ timeout: BOUND });
    await waitSync(hung, "synced");
    // Lan's: a recommendation with no due date, not issued. Tâm's, in another city.
    const { page: lan } = await open(LAN);
    await supervisionWith(lan, S2, ASK2, "UBND phường Hải Châu", "");
    await waitSync(lan, "synced");
    const { page: tam } = await open(TAM);
    await supervisionWith(tam, S3, ASK3, "UBND nơi khác", "");
    await waitSync(tam, "synced");

    // The leader sees both wards' supervisions, read-only, and not the other city's.
    const { page: leader } = await open(LEADER);
    for (const title of [S1, S2]) {
      await leader.getByTestId("supervision-link").filter({ hasText: title }).waitFor({ timeout: BOUND });
    }
    assert.equal(await leader.getByTestId("supervision-link").filter({ hasText: S3 }).count(), 0);
    assert.equal(await leader.getByTestId("via-organisation").count(), 2);
    assert.equal(await leader.getByTestId("new-supervision").count(), 0, "a leader creates nothing");

    // The follow-up: Hùng's recommendation is overdue and past its 20 days (due 25/01).
    await leader.getByTestId("followup-link").click();
    const lines = leader.getByTestId("followup-line");
    await leader.waitForFunction(() => document.querySelectorAll('[data-testid="followup-line"]').length === 2, null, { timeout: BOUND });
    const first = lines.filter({ hasText: ASK1 });
    assert.equal(await first.getAttribute("data-state"), "overdue");
    assert.equal(await first.getAttribute("data-escalate"), "true");
    assert.equal(await lines.filter({ hasText: ASK2 }).getAttribute("data-escalate"), "false", "not sent yet: no 20-day rule");
    const figure = (key) => leader.getByTestId(`figure-${key}`).innerText();
    await leader.locator('input[name="year"]').fill("2026");
    await leader.locator('input[name="year"]').dispatchEvent("change");
    assert.equal(await figure("supervisions"), "2");
    assert.equal(await figure("recommendations"), "2");
    assert.equal(await figure("overdue"), "1");
    assert.equal(await figure("escalated"), "1");
    await leader.getByTestId("figures-chart").waitFor();
    await leader.screenshot({ path: join(artifacts, "followup-leader.png"), fullPage: true });
    // Only those to escalate: one.
    await leader.locator('input[name="escalate"]').check();
    await leader.waitForFunction(() => document.querySelectorAll('[data-testid="followup-line"]').length === 1, null, { timeout: BOUND });
    await leader.locator('input[name="escalate"]').uncheck();

    // Minh, with no network, records the ward's reply of 20/01/2026 (day 15: in time).
    const { context: minhTablet, page: minh } = await open(MINH);
    await minh.getByTestId("supervision-link").filter({ hasText: S1 }).click({ timeout: BOUND });
    await minh.getByTestId("tab-recommendations").click();
    await minh.getByTestId("recommendation").first().waitFor({ timeout: BOUND });
    await minhTablet.setOffline(true);
    await waitSync(minh, "offline");
    const reply = minh.getByTestId("reply-block").first();
    await reply.locator('input[name="reply-date"]').fill("20/01/2026");
    await reply.locator('input[name="reply-number"]').fill("15/BC-UBND");
    await reply.locator('input[name="reply-scan"]').setInputFiles({ name: "tra-loi.pdf", mimeType: "application/pdf", buffer: SCAN });
    await reply.getByTestId("reply-record").click();
    await reply.getByTestId("reply-shown").filter({ hasText: "15/BC-UBND" }).waitFor({ timeout: BOUND });
    await reply.getByTestId("reply-scan").waitFor({ timeout: BOUND });
    assert.equal(await lines.filter({ hasText: ASK1 }).getAttribute("data-escalate"), "true", "the leader does not have it yet");
    await minhTablet.setOffline(false);
    await waitSync(minh, "synced");

    // The leader's screen shows it: no longer to escalate, still overdue (a reply is no remedy).
    await leader.locator('[data-testid="followup-line"][data-escalate="false"]', { hasText: ASK1 }).waitFor({ timeout: BOUND });
    assert.match(await lines.filter({ hasText: ASK1 }).getByTestId("followup-reply").innerText(), /15\/BC-UBND 20\/01\/2026/);
    assert.equal(await lines.filter({ hasText: ASK1 }).getAttribute("data-state"), "overdue");
    assert.equal(await figure("escalated"), "0");
    assert.equal(await figure("median-days"), "15");
    // The scan went up with it, and the leader may read it.
    const s1 = await minh.evaluate(() => location.hash.replace("#/s/", ""));
    const sha = createHash("sha256").update(SCAN).digest("hex");
    await waitAsync(leader, async ([sha, doc]) => (await fetch(`/api/blobs/${sha}?document=${doc}`)).status === 200, [sha, s1], { polling: 250 });

    // The year's review, as DOCX, says the figures the screen shows.
    const [download] = await Promise.all([leader.waitForEvent("download", { timeout: BOUND }), leader.getByTestId("export-review").click()]);
    const review = execFileSync("unzip", ["-p", await download.path(), "word/document.xml"], { encoding: "utf8" }).replace(/<[^>]+>/g, "");
    assert.ok(review.includes("Kết quả công tác giám sát, kiểm tra năm 2026"), review);
    assert.ok(review.includes("Số cuộc giám sát: 2; số cuộc kiểm tra: 0"), review);
    assert.ok(review.includes("Số kiến nghị đã nêu: 2; đã khắc phục: 0; quá hạn chưa khắc phục: 1; quá 20 ngày không có văn bản trả lời (báo cáo cấp trên): 0"), review);
    assert.ok(review.includes("Thời gian trả lời kiến nghị (trung vị): 15 ngày."), review);

    // Hùng and Minh, both with no network, correct the reply each their own way: after sync
    // both see the two, until Hùng keeps one.
    const hungTablet = hung.context();
    await hung.getByTestId("tab-recommendations").click();
    await hung.getByTestId("reply-block").first().waitFor({ timeout: BOUND });
    await hungTablet.setOffline(true);
    await minhTablet.setOffline(true);
    await waitSync(hung, "offline");
    await waitSync(minh, "offline");
    for (const [page, number] of [[hung, "16/BC-UBND"], [minh, "17/BC-UBND"]]) {
      const block = page.getByTestId("reply-block").first();
      await block.locator('input[name="reply-date"]').fill("21/01/2026");
      await block.locator('input[name="reply-number"]').fill(number);
      await block.getByTestId("reply-record").click();
      await block.getByTestId("reply-shown").filter({ hasText: number }).waitFor({ timeout: BOUND });
    }
    await hungTablet.setOffline(false);
    await minhTablet.setOffline(false);
    for (const page of [hung, minh]) {
      await page.getByTestId("reply-conflict").waitFor({ timeout: BOUND });
      assert.equal(await page.getByTestId("reply-keep").count(), 2);
    }
    await hung.getByTestId("reply-conflict").locator("li", { hasText: "17/BC-UBND" }).getByTestId("reply-keep").click();
    await minh.getByTestId("reply-conflict").waitFor({ state: "detached", timeout: BOUND });
    assert.match(await minh.getByTestId("reply-shown").first().innerText(), /17\/BC-UBND/);

    // A member of the other city's delegation: their own supervision, nothing of these.
    await tam.goto(`${server.url}#/`);
    await tam.getByTestId("supervision-link").filter({ hasText: S3 }).waitFor({ timeout: BOUND });
    assert.equal(await tam.getByTestId("supervision-link").count(), 1);
    await tam.getByTestId("followup-link").click();
    await tam.waitForFunction(() => document.querySelectorAll('[data-testid="followup-line"]').length === 1, null, { timeout: BOUND });

    // The leader of another city: only that city's supervision, nothing of these.
    const { page: other } = await open(OTHER);
    await other.getByTestId("supervision-link").filter({ hasText: S3 }).waitFor({ timeout: BOUND });
    await other.getByTestId("followup-link").click();
    await other.waitForFunction(() => document.querySelectorAll('[data-testid="followup-line"]').length === 1, null, { timeout: BOUND });
    assert.equal(await other.getByTestId("followup-line").filter({ hasText: ASK3 }).count(), 1);
    assert.equal(await other.getByTestId("supervision-link").count(), 0, "the follow-up screen has no list");
    await other.goto(`${server.url}#/`);
    await other.getByTestId("supervision-link").first().waitFor({ timeout: BOUND });
    assert.equal(await other.getByTestId("supervision-link").count(), 1);

    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

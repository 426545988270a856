// The delegation's working day, walked as two members live it on two tablets (Playwright +
// Chromium): set-up, sessions, findings with evidence, recommendations, presence, conflicts,
// the live conclusion, search, the English toggle — with one member offline for part of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BOUND, artifacts, createSupervision, launchBrowser, samplePng, signIn, smallTargets, startWithDelegation, tempDir, waitSync, waitValue, watchErrors,
} from "./harness.mjs";

const TITLE = "Kiểm tra việc thực hiện Quy định 217-QĐ/TW tại các đảng bộ phường";
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "secretary" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };
const shot = (page, name) => page.screenshot({ path: join(artifacts, `working-day-${name}.png`), fullPage: true });

test("two members spend a working day on one supervision", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-day-"), { delegation: "Đoàn kiểm tra Quận ủy Long Biên", members: [LAN, MINH] });
  const browser = await launchBrowser();
  const errors = [];
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const ctxB = await browser.newContext({ viewport: { width: 800, height: 1280 } }); // a tablet held upright
  try {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    watchErrors(a, errors);
    watchErrors(b, errors);

    // 1. Set-up: Lan creates the inspection with its basis, schedule, topics and members.
    await a.goto(server.url);
    await signIn(a, LAN.username, LAN.password);
    await createSupervision(a, {
      title: TITLE, kind: "kiem_tra", number: "127-QĐ/QU", date: "01/08/2017", issuer: "Quận ủy Long Biên",
      from: "1/2016", to: "6/2017", scheduleFrom: "02/08/2017", scheduleTo: "11/08/2017",
    });
    assert.match(await a.getByTestId("schedule").innerText(), /02\/08\/2017 – 11\/08\/2017/);
    await a.getByTestId("tab-setup").click();
    for (const topic of ["QĐ 217-QĐ/TW", "QĐ 218-QĐ/TW"]) {
      await a.locator('input[name="topic"]').fill(topic);
      await a.getByTestId("add-topic").click();
    }
    for (const [name, title, role] of [
      ["Nguyễn Văn Hùng", "Phó Bí thư Quận ủy", "head"],
      ["Trần Thị Mai", "Chủ nhiệm UBKT Quận ủy", "deputy"],
      ["Nguyễn Thị Lan", "Chuyên viên", "secretary"],
    ]) {
      await a.locator('input[name="member-full-name"]').fill(name);
      await a.locator('input[name="member-title"]').fill(title);
      await a.locator('select[name="member-role"]').selectOption(role);
      await a.getByTestId("add-member").click();
    }
    await a.getByTestId("member-row").nth(2).waitFor({ timeout: BOUND });
    await shot(a, "setup-landscape");
    await a.getByTestId("tab-work").click();
    for (const unit of ["Đảng ủy phường Sài Đồng", "Đảng ủy phường Phúc Đồng"]) {
      await a.getByTestId("unit-name").fill(unit);
      await a.getByTestId("add-unit").click();
    }
    await a.getByTestId("unit").nth(1).waitFor({ timeout: BOUND });

    // 2. Minh opens it on his tablet and sees everything; each sees the other present.
    await b.goto(server.url);
    await signIn(b, MINH.username, MINH.password);
    await b.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    await b.getByTestId("unit").nth(1).waitFor({ timeout: BOUND });
    await b.getByTestId("tab-setup").click();
    await b.getByTestId("topic").filter({ hasText: "QĐ 218-QĐ/TW" }).waitFor({ timeout: BOUND });
    await b.getByTestId("member-row").filter({ hasText: "Phó Bí thư Quận ủy" }).waitFor({ timeout: BOUND });
    await b.getByTestId("tab-work").click();
    await a.getByTestId("present-member").filter({ hasText: "Trần Văn Minh" }).waitFor({ timeout: BOUND });
    await b.getByTestId("present-member").filter({ hasText: "Nguyễn Thị Lan" }).waitFor({ timeout: BOUND });

    // 3. A working session with the first unit, and findings from both members.
    const unitB = b.getByTestId("unit").first();
    await unitB.locator("summary").click();
    await unitB.locator('input[name="session-date"]').fill("02/08/2017");
    await unitB.locator('input[name="session-place"]').fill("Trụ sở Đảng ủy phường Sài Đồng");
    await unitB.locator('input[name="session-attendees"]').fill("Thường trực Đảng ủy, UBKT Đảng ủy");
    await unitB.getByTestId("add-session").click();
    const unitA = a.getByTestId("unit").first();
    await unitA.locator("summary").click();
    await unitA.getByTestId("session").filter({ hasText: "02/08/2017" }).waitFor({ timeout: BOUND });

    await unitA.locator('select[name="finding-kind"]').selectOption("shortcoming");
    await unitA.locator('select[name="finding-topic"]').selectOption("QĐ 217-QĐ/TW");
    await unitA.getByTestId("new-finding").fill("Chưa tổ chức đối thoại định kỳ giữa cấp ủy với Nhân dân.");
    await unitA.locator('input[name="new-figures"]').fill("0/4 buổi đối thoại theo kế hoạch");
    await unitA.getByTestId("add-finding").click();
    await unitB.locator('[data-testid="finding"][data-kind="shortcoming"]').waitFor({ timeout: BOUND });
    await unitB.locator('select[name="finding-kind"]').selectOption("cause");
    await unitB.getByTestId("new-finding").fill("Cán bộ chuyên trách kiêm nhiệm nhiều việc.");
    await unitB.getByTestId("add-finding").click();
    const causeB = unitB.locator('[data-testid="finding"][data-kind="cause"]');
    await causeB.locator('[data-testid="explains"] input[type="checkbox"]').check();
    const causeA = unitA.locator('[data-testid="finding"][data-kind="cause"]');
    await causeA.locator('[data-testid="explains"] input[type="checkbox"]:checked').waitFor({ timeout: BOUND });
    assert.match(await causeA.getByTestId("finding-author").innerText(), /Trần Văn Minh/);
    assert.equal(await unitA.getByTestId("finding-figures").first().inputValue(), "0/4 buổi đối thoại theo kế hoạch");

    // Minh types in the shortcoming: on Lan's tablet the text follows, and no other control
    // of the cards is set again (Chromium's autofill reads every form control of the page
    // again for each <select> value set by script, even to the value it had).
    await a.evaluate(() => {
      window.__controlSets = [];
      for (const [proto, prop] of [[HTMLSelectElement.prototype, "value"], [HTMLInputElement.prototype, "checked"]]) {
        const d = Object.getOwnPropertyDescriptor(proto, prop);
        Object.defineProperty(proto, prop, { ...d, set(v) { window.__controlSets.push(`${this.dataset.testid ?? this.name ?? this.type}.${prop}`); d.set.call(this, v); } });
      }
    });
    // Lan has a search open for words not yet written: her results follow Minh's typing (a
    // keystroke wakes what reads texts through the whole supervision, not only the card).
    await a.getByTestId("search").fill("da nhac");
    await a.getByTestId("search-results").filter({ hasText: "Không tìm thấy" }).waitFor({ timeout: BOUND });
    const shortcomingTextB = unitB.locator('[data-testid="finding"][data-kind="shortcoming"]').getByTestId("finding-text");
    await shortcomingTextB.click();
    await b.keyboard.press("Control+End");
    await b.keyboard.type(" Đã nhắc.");
    await a.waitForFunction(() => document.querySelector('[data-kind="shortcoming"] [data-testid="finding-text"]')?.value.endsWith(" Đã nhắc."), null, { timeout: BOUND });
    assert.deepEqual(await a.evaluate(() => window.__controlSets), []);
    await a.getByTestId("search-hit").filter({ hasText: "Đã nhắc." }).waitFor({ timeout: BOUND });
    await a.getByTestId("search").fill("");

    // 4. The unit explains; the explanation answers the shortcoming.
    const sessionB = unitB.getByTestId("session").first();
    await sessionB.locator('select[name="remark-kind"]').selectOption("explanation");
    await sessionB.locator('select[name="remark-answers"]').selectOption({ index: 1 });
    await sessionB.locator('textarea[name="remark-text"]').fill("Đơn vị đã xây dựng kế hoạch đối thoại nhưng chưa triển khai.");
    await sessionB.getByTestId("add-remark").click();
    await unitA.getByTestId("remark").filter({ hasText: "Chưa tổ chức đối thoại" }).waitFor({ timeout: BOUND });

    // 5. Presence: Minh sees that Lan is editing the shortcoming, and it clears when she leaves the field.
    const shortcomingA = unitA.locator('[data-testid="finding"][data-kind="shortcoming"]');
    await shortcomingA.getByTestId("finding-text").click();
    const shortcomingB = unitB.locator('[data-testid="finding"][data-kind="shortcoming"]');
    await shortcomingB.getByTestId("editing-now").filter({ hasText: "Nguyễn Thị Lan" }).waitFor({ timeout: BOUND });
    await b.getByTestId("present-member").filter({ hasText: /Nguyễn Thị Lan \(/ }).waitFor({ timeout: BOUND });
    await a.getByTestId("search").click(); // focus moves away
    await shortcomingB.getByTestId("editing-now").waitFor({ state: "detached", timeout: BOUND });

    // 6. Minh goes offline: he attaches a photo and both change the shortcoming's kind differently.
    await ctxB.setOffline(true);
    await waitSync(b, "offline");
    const png = await samplePng(b);
    await shortcomingB.getByTestId("attach-evidence").setInputFiles({ name: "bien-ban.png", mimeType: "image/png", buffer: png });
    await shortcomingB.getByTestId("evidence-image").waitFor({ timeout: BOUND }); // from IndexedDB, offline
    await shortcomingB.getByTestId("finding-kind").selectOption("strength");
    await shortcomingA.getByTestId("finding-kind").selectOption("cause");
    await shot(b, "offline-portrait");
    await ctxB.setOffline(false);
    await waitSync(b, "synced");

    // 7. The conflict is shown on both tablets with both values; Lan chooses, and it is resolved everywhere.
    const conflictA = a.getByTestId("conflict").filter({ hasText: "Nguyên nhân" }).filter({ hasText: "Ưu điểm" });
    await conflictA.waitFor({ timeout: BOUND });
    await b.getByTestId("conflict").filter({ hasText: "Nguyên nhân" }).waitFor({ timeout: BOUND });
    await shot(a, "conflict-landscape");
    await conflictA.locator('button[data-value="cause"]').click();
    await a.getByTestId("conflict").waitFor({ state: "detached", timeout: BOUND });
    await b.getByTestId("conflict").waitFor({ state: "detached", timeout: BOUND });
    // Put it back to a shortcoming for the rest of the day.
    const photoFinding = a.locator('[data-testid="finding"]').filter({ has: a.getByTestId("evidence") });
    await photoFinding.getByTestId("finding-kind").selectOption("shortcoming");
    // Lan sees Minh's photo, fetched from the server.
    await photoFinding.getByTestId("evidence-image").waitFor({ timeout: BOUND });

    // 8. Recommendations: Lan writes one answering the shortcoming, already past due; Minh follows it up.
    await a.getByTestId("tab-recommendations").click();
    await a.locator('select[name="rec-kind"]').selectOption("yeu_cau");
    await a.getByTestId("new-recommendation").fill("Xây dựng và thực hiện kế hoạch đối thoại định kỳ hằng quý.");
    await a.locator('input[name="rec-addressee"]').fill("Đảng ủy phường Sài Đồng");
    await a.locator('input[name="rec-due"]').fill("30/09/2017");
    await a.locator('.answers-picker input[type="checkbox"]').first().check();
    await a.getByTestId("add-recommendation").click();
    await a.getByTestId("overdue").waitFor({ timeout: BOUND });
    await b.getByTestId("tab-recommendations").click();
    const recB = b.getByTestId("recommendation").first();
    await recB.waitFor({ timeout: BOUND });
    await recB.getByTestId("rec-status").selectOption("in_progress");
    await recB.getByTestId("recommendation-response").fill("Đã ban hành kế hoạch đối thoại quý IV.");
    await a.locator('[data-testid="recommendation"][data-status="in_progress"]').waitFor({ timeout: BOUND });
    await waitValue(a, '[data-testid="recommendation-response"]', "Đã ban hành kế hoạch đối thoại quý IV.");
    await shot(a, "recommendations-landscape");

    // 9. Agree the findings, generate the conclusion, and write in the same paragraph at once.
    await a.getByTestId("tab-work").click();
    for (const status of await a.getByTestId("finding-status").all()) await status.selectOption("agreed");
    await a.getByTestId("tab-conclusion").click();
    await a.getByTestId("generate-conclusion").click();
    await a.getByTestId("paragraph").nth(3).waitFor({ timeout: BOUND });
    await b.getByTestId("tab-conclusion").click();
    await b.getByTestId("paragraph").nth(3).waitFor({ timeout: BOUND });
    const overviewA = a.getByTestId("paragraph").first();
    const overviewB = b.getByTestId("paragraph").first();
    const base = await overviewA.inputValue();
    assert.match(base, /127-QĐ\/QU/);
    await overviewA.click();
    await a.keyboard.press("Control+Home");
    await overviewB.click();
    await b.keyboard.press("Control+End");
    await Promise.all([a.keyboard.type("Sáng 02/8, "), b.keyboard.type(" Đoàn thống nhất nội dung trên.")]);
    const merged = "Sáng 02/8, " + base + " Đoàn thống nhất nội dung trên.";
    await waitValue(a, '[data-testid="paragraph"]', merged);
    await waitValue(b, '[data-testid="paragraph"]', merged);
    assert.equal(await overviewA.evaluate((el) => el.selectionStart), "Sáng 02/8, ".length, "Lan's caret stayed after her words");
    await shot(a, "conclusion-landscape");
    await shot(b, "conclusion-portrait");

    // 10. Search without accents finds the finding, and the result opens it.
    await b.getByTestId("search").fill("doi thoai dinh ky");
    const hit = b.getByTestId("search-hit").filter({ hasText: "Chưa tổ chức đối thoại" });
    await hit.click({ timeout: BOUND });
    await b.locator('[data-testid="finding"][data-kind="shortcoming"]').waitFor({ timeout: BOUND });
    await b.getByTestId("search").fill("khong co gi nhu vay");
    await b.getByTestId("search-results").filter({ hasText: "Không tìm thấy" }).waitFor({ timeout: BOUND });

    // Tablet-first: every control a finger uses is at least 44 px tall.
    for (const page of [a, b]) assert.deepEqual(await smallTargets(page), [], "touch targets under 44 px");

    // 11. English second: the toggle switches every label.
    await b.getByRole("button", { name: "English" }).click();
    await b.getByTestId("tab-work").filter({ hasText: "Units and findings" }).waitFor({ timeout: BOUND });
    await b.getByRole("button", { name: "Tiếng Việt" }).click();
    await b.getByTestId("tab-work").filter({ hasText: "Đơn vị và nhận xét" }).waitFor({ timeout: BOUND });

    // 12. Lan leaves: Minh's presence bar no longer shows her within seconds.
    await a.close();
    await b.getByTestId("present-member").filter({ hasText: "Nguyễn Thị Lan" }).waitFor({ state: "detached", timeout: BOUND });
    await shot(b, "work-portrait");
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
});

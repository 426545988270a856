// Issuing the conclusion (issue 13): the head issues it with no network while two members
// keep writing (one in the issued paragraph, one a new paragraph); after sync the issued
// version is unchanged by the later edits; version 1 exported
// after version 2 exists still has version 1's text; a member with no network exports the
// draft, marked DỰ THẢO. Each export is the DOCX the browser downloaded, unzipped and read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import {
  BOUND, artifacts, createSupervision, launchBrowser, signIn, startWithDelegation, tempDir, waitSync, waitValue, watchErrors,
} from "./harness.mjs";

const HUNG = { username: "hung", displayName: "Nguyễn Văn Hùng", password: "mat-khau-cua-hung", role: "head" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };
const LAN = { username: "lan", displayName: "Lê Thị Lan", password: "mat-khau-cua-lan", role: "member" };
const LAN_ASK = "Đề nghị lưu đủ biên bản các hội nghị đối thoại.";
const TITLE = "Giám sát việc thực hiện Quy chế dân chủ tại phường Ngọc Thụy";
const FIRST = "Đã tổ chức 03 hội nghị đối thoại với Nhân dân.";
const LATER = " Biên bản hội nghị chưa lưu đủ.";
const UNIT = "Ủy ban nhân dân phường Ngọc Thụy";
const REMARK = "Đề nghị cung cấp sổ theo dõi đối thoại.";
const LONG = Array.from({ length: 30 }, (_, i) =>
  `Qua kiểm tra hồ sơ tháng ${i + 1}, việc tiếp công dân và ghi sổ theo dõi ý kiến, kiến nghị của Nhân dân chưa được cập nhật đầy đủ, kịp thời.`).join(" ");

/** Click `button` on `page`, wait for the download it starts, and give back the text of
 *  the DOCX's body (word/document.xml, tags removed). */
async function exported(page, button) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: BOUND }), button.click()]);
  const path = await download.path();
  const xml = execFileSync("unzip", ["-p", path, "word/document.xml"], { encoding: "utf8" });
  const header = execFileSync("unzip", ["-p", path, "word/header*.xml"], { encoding: "utf8" });
  const text = (s) => s.replace(/<[^>]+>/g, "");
  return { name: download.suggestedFilename(), body: text(xml), header: text(header) };
}

test("the head issues offline, later edits leave the issued version as it was, a member exports offline", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-issue-"), { delegation: "Đoàn giám sát Ngọc Thụy", members: [HUNG, MINH, LAN] });
  const browser = await launchBrowser();
  const errors = [];
  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    return { context, page };
  };
  try {
    // Step 1: Hùng, the head, writes a supervision and a paragraph of its conclusion.
    const { context: hungTablet, page: hung } = await open();
    await signIn(hung, HUNG.username, HUNG.password);
    await createSupervision(hung, { title: TITLE, issuer: "Ban Thường trực Ủy ban MTTQ phường Ngọc Thụy" });
    await hung.getByTestId("tab-conclusion").click();
    await hung.locator('.conclusion-section[data-section="strengths"] .add-paragraph').click();
    const paragraph = hung.getByTestId("paragraph").first();
    await paragraph.click();
    await hung.keyboard.type(FIRST);
    // … and a working session with the ward's committee, with one remark.
    await hung.getByTestId("tab-work").click();
    await hung.getByTestId("unit-name").fill(UNIT);
    await hung.getByTestId("add-unit").click();
    const unit = hung.getByTestId("unit").first();
    await unit.locator("summary").click();
    await unit.locator('input[name="session-date"]').fill("12/03/2026");
    await unit.locator('input[name="session-place"]').fill("Trụ sở UBND phường Ngọc Thụy");
    await unit.locator('input[name="session-attendees"]').fill("Chủ tịch UBND phường");
    await unit.getByTestId("add-session").click();
    const session = unit.getByTestId("session").first();
    await session.locator('textarea[name="remark-text"]').fill(REMARK);
    await session.getByTestId("add-remark").click();
    await session.getByTestId("remark").first().waitFor({ timeout: BOUND });
    await hung.getByTestId("tab-conclusion").click();
    await waitSync(hung, "synced");

    // Step 2: Minh, a member, opens it; he may export but not issue.
    const { context: minhTablet, page: minh } = await open();
    await signIn(minh, MINH.username, MINH.password);
    await minh.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    await minh.getByTestId("tab-conclusion").click();
    await waitValue(minh, '[data-testid="paragraph"]', FIRST);
    assert.equal(await minh.getByTestId("issue-open").count(), 0, "a member does not issue");
    // … and Lan, another member.
    const { page: lan } = await open();
    await signIn(lan, LAN.username, LAN.password);
    await lan.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
    await lan.getByTestId("tab-conclusion").click();
    await waitValue(lan, '[data-testid="paragraph"]', FIRST);

    // Step 3: Hùng loses the network and issues; meanwhile Minh keeps writing.
    await hungTablet.setOffline(true);
    await waitSync(hung, "offline");
    await hung.getByTestId("issue-open").click();
    const form = hung.getByTestId("issue-form");
    assert.equal(await form.locator('input[name="issuer"]').inputValue(), "Ban Thường trực Ủy ban MTTQ phường Ngọc Thụy");
    await form.locator('input[name="superior"]').fill("Ủy ban MTTQ Việt Nam quận Long Biên");
    await form.locator('input[name="doc-code"]').fill("TB-MTTQ");
    await form.locator('input[name="place"]').fill("Long Biên");
    await form.locator('input[name="doc-date"]').fill("05/01/2026");
    await form.locator('input[name="signer-title"]').fill("Chủ tịch");
    await form.locator('input[name="signer-name"]').fill("Nguyễn Văn Hùng");
    await form.locator('textarea[name="recipients"]').fill("UBND phường Ngọc Thụy\nBan Thường trực UBMTTQ quận");
    await form.getByTestId("issue-submit").click();
    await hung.getByTestId("issued-version").first().waitFor({ timeout: BOUND });
    assert.equal(await hung.getByTestId("version-sync").first().getAttribute("data-on-server"), "false", "issued offline: on the tablet only");
    await hung.screenshot({ path: join(artifacts, "issue-offline.png"), fullPage: true });

    const text = minh.getByTestId("paragraph").first();
    await text.click();
    await minh.keyboard.press("End");
    await minh.keyboard.type(LATER);
    await waitSync(minh, "synced");
    await lan.locator('.conclusion-section[data-section="recommendations"] .add-paragraph').click();
    await lan.locator('.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]').first().fill(LAN_ASK);
    await waitSync(lan, "synced");

    // Step 4: back online, both tablets hold version 1, with the text Hùng issued.
    await hungTablet.setOffline(false);
    await waitSync(hung, "synced");
    await hung.locator('[data-testid="version-sync"][data-on-server="true"]').first().waitFor({ timeout: BOUND });
    await waitValue(hung, '[data-testid="paragraph"]', FIRST + LATER);
    await waitValue(hung, '.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]', LAN_ASK);
    await minh.getByTestId("issued-version").first().waitFor({ timeout: BOUND });
    const v1 = await exported(minh, minh.getByTestId("export-version").first());
    assert.match(v1.name, /\.docx$/);
    assert.ok(v1.body.includes(FIRST), "version 1 has the text issued");
    assert.ok(!v1.body.includes(LATER.trim()), "version 1 does not have the later edit");
    assert.ok(!v1.body.includes(LAN_ASK), "nor the other member's paragraph");
    assert.ok(v1.body.includes("Số:") && v1.body.includes("/TB-MTTQ"), "the number line, left for the clerk");
    assert.ok(v1.body.includes("Long Biên, ngày 05 tháng 01 năm 2026"));
    assert.ok(v1.body.includes("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert.ok(!v1.header.includes("DỰ THẢO"), "an issued version is not a draft");
    const code = await minh.getByTestId("check-code").first().innerText();
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    assert.ok(v1.body.includes(`${server.url.replace(/\/$/, "")}/verify/${code}`), "the paper says where to check it");

    // Anyone holding the paper checks it, with no account: the server answers the code.
    const check = await (await browser.newContext()).newPage();
    await check.goto(`${server.url.replace(/\/$/, "")}/verify/${code}`);
    await check.locator('[data-result="issued"]').waitFor({ timeout: BOUND });
    assert.match(await check.locator("body").innerText(), /Long Biên, ngày 05 tháng 01 năm 2026/);
    await check.close();

    // Step 5: Hùng issues again, with a number: version 2 has the later edit, version 1
    // exported now still has version 1's text.
    await hung.getByTestId("issue-open").click();
    await hung.getByTestId("issue-form").locator('input[name="doc-number"]').fill("12");
    await hung.getByTestId("issue-submit").click();
    await minh.getByTestId("issued-version").nth(1).waitFor({ timeout: BOUND });
    await minh.locator('[data-testid="issued-version"][data-number="2"] [data-testid="current-version"]').waitFor({ timeout: BOUND });
    const v2 = await exported(minh, minh.getByTestId("export-version").nth(1));
    assert.ok(v2.body.includes(FIRST + LATER), "version 2 has the edit");
    assert.ok(v2.body.includes(LAN_ASK), "and the other member's paragraph");
    assert.ok(v2.body.includes("Số: 12/TB-MTTQ"));
    const v1again = await exported(minh, minh.getByTestId("export-version").first());
    assert.equal(v1again.body, v1.body, "version 1 is exported exactly as before");

    // An issued version prints with its QR code and check line.
    await minh.getByTestId("print-version").first().click();
    await minh.getByTestId("paper-qr").locator("svg").waitFor({ timeout: BOUND });
    assert.match(await minh.getByTestId("print-view").innerText(), new RegExp(`/verify/${code}`));
    await minh.getByTestId("print-close").click();
    await minh.getByTestId("print-view").waitFor({ state: "detached", timeout: BOUND });

    // Step 6: Minh, with no network, exports the draft: the latest text, marked DỰ THẢO.
    await minhTablet.setOffline(true);
    await waitSync(minh, "offline");
    await text.click();
    await minh.keyboard.press("End");
    await minh.keyboard.type(" Cần bổ sung.");
    const draft = await exported(minh, minh.getByTestId("export-draft"));
    assert.ok(draft.header.includes("DỰ THẢO"), "the draft is marked");
    assert.ok(draft.body.includes(FIRST + LATER + " Cần bổ sung."), "the draft has the text as it stands");
    await minh.screenshot({ path: join(artifacts, "issue-versions.png"), fullPage: true });

    // Step 7: still offline, he writes a long paragraph (the paper now runs over a page) and
    // prints it from the browser: the paper alone, in the layout, in the shipped font.
    await minh.locator('.conclusion-section[data-section="shortcomings"] .add-paragraph').click();
    const long = minh.locator('.conclusion-section[data-section="shortcomings"] [data-testid="paragraph"]').first();
    await long.fill(LONG);
    await waitValue(minh, '.conclusion-section[data-section="shortcomings"] [data-testid="paragraph"]', LONG);
    await minh.getByTestId("print-draft").click();
    const paperView = minh.getByTestId("print-view");
    await paperView.waitFor({ timeout: BOUND });
    assert.equal(await minh.getByTestId("paper-draft").innerText(), "DỰ THẢO");
    assert.equal(await minh.getByTestId("paper-watermark").innerText(), "DỰ THẢO", "a draft is marked across the page");
    // The four faces of the print font came from the tablet's cache (it has no network).
    const faces = await minh.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.replace(/"/g, "") === "Giamsat Serif" && f.status === "loaded")
        .map((f) => `${f.weight} ${f.style}`).sort();
    });
    assert.deepEqual(faces, ["400 italic", "400 normal", "700 italic", "700 normal"]);
    await minh.screenshot({ path: join(artifacts, "issue-print-view.png") });
    await minh.emulateMedia({ media: "print" });
    assert.equal(await minh.getByTestId("sync-status").isVisible(), false, "only the paper prints");
    assert.equal(await minh.getByTestId("print-now").isVisible(), false);
    const pdfPath = join(artifacts, "issue-draft-printed.pdf");
    await minh.pdf({ path: pdfPath, preferCSSPageSize: true });
    const words = (t) => t.split(/\s+/).filter(Boolean).join(" ");
    const printed = words(execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" }));
    let at = 0;
    for (const line of ["DỰ THẢO", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", FIRST + LATER + " Cần bổ sung", "Nơi nhận:"]) {
      const found = printed.indexOf(words(line), at);
      assert.ok(found >= 0, `${line} not printed after ${at}: ${printed}`);
      at = found;
    }
    assert.ok(!printed.includes("Tải DOCX"), "nothing of the app is printed");
    // The long paragraph runs onto page 2 (where the page number and the mark sit among it).
    const sentences = LONG.split(/(?<=\.) /);
    assert.ok(printed.includes(sentences[0]) && printed.includes(sentences.at(-1)), "the long paragraph, to its end");
    // Every font in the PDF is the shipped Liberation Serif, embedded.
    const fonts = execFileSync("pdffonts", [pdfPath], { encoding: "utf8" }).split("\n").slice(2).filter((l) => l.trim());
    assert.ok(fonts.length >= 3, fonts.join("\n"));
    for (const row of fonts) {
      assert.match(row, /^[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?\s/, `not the print font: ${row}`);
      assert.match(row, /\s+yes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$/, `not embedded: ${row}`);
    }
    // Page numbers: none on page 1, "2" at the top of page 2.
    const pageText = (n) => execFileSync("pdftotext", ["-f", String(n), "-l", String(n), "-layout", pdfPath, "-"], { encoding: "utf8" }).trim();
    assert.ok(!/^1\b/.test(pageText(1)), `page 1 is not numbered: ${pageText(1).slice(0, 80)}`);
    assert.match(pageText(2), /^2\b/, "page 2 carries its number at the top");
    execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "2", pdfPath, join(artifacts, "issue-draft-printed")]);
    await minh.emulateMedia({ media: "screen" });
    await minh.getByTestId("print-close").click();
    await paperView.waitFor({ state: "detached", timeout: BOUND });
    // Step 8: and the minutes of the working session, offline too.
    await minh.getByTestId("tab-work").click();
    const minhUnit = minh.getByTestId("unit").first();
    await minhUnit.locator("summary").click();
    const minutes = await exported(minh, minhUnit.getByTestId("export-minutes"));
    for (const said of ["BIÊN BẢN", `Làm việc với ${UNIT}`, "Ngày 12/03/2026, tại Trụ sở UBND phường Ngọc Thụy", `${HUNG.displayName}: ${REMARK}`, `ĐẠI DIỆN ${UNIT.toUpperCase()}`]) {
      assert.ok(minutes.body.includes(said), `${said} not in the minutes: ${minutes.body}`);
    }
    await minhTablet.setOffline(false);
    await waitSync(minh, "synced");

    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

// The history of a conclusion paragraph (issue 13): two members write the same paragraph with
// no network; after sync the head opens its history and sees each one's part under the name
// the server registered (not a typed one); a third member then edits another paragraph; the
// head restores an earlier text of the first paragraph, and the third member's words stay.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BOUND, artifacts, createSupervision, launchBrowser, openSignedIn, startWithDelegation, tempDir, waitAsync, waitSync, waitValue,
} from "./harness.mjs";

const HUNG = { username: "hung", displayName: "Nguyễn Văn Hùng", password: "mat-khau-cua-hung", role: "head" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };
const LAN = { username: "lan", displayName: "Lê Thị Lan", password: "mat-khau-cua-lan", role: "member" };
const TITLE = "Giám sát việc giải quyết đơn thư tại phường Thạch Thang";
const FIRST = "Phường đã tiếp nhận 42 đơn.";
const HUNG_MORE = " Giải quyết đúng hạn 40 đơn.";
const MINH_MORE = " Còn 02 đơn quá hạn.";
const ASK = "Đề nghị giải quyết dứt điểm.";
const LAN_FIRST = " Báo cáo trước 30/6.";
const LAN_MORE = " Gửi Ban Thường trực.";

/** The text of each writer's parts in the open history, by the name shown. */
async function partsByWriter(block) {
  const parts = await block.getByTestId("history-part").evaluateAll((els) =>
    els.map((e) => [e.dataset.writer, e.textContent]));
  const by = {};
  for (const [writer, text] of parts) by[writer] = (by[writer] ?? "") + text;
  return by;
}

test("a paragraph two members wrote offline shows each one's part; restoring it keeps a third member's edit elsewhere", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-history-"), { delegation: "Đoàn giám sát Thạch Thang", members: [HUNG, MINH, LAN] });
  const browser = await launchBrowser();
  const errors = [];
  const open = (who) => openSignedIn(browser, server, who, errors);
  try {
    // Hùng writes a finding-like paragraph in the strengths and a recommendation.
    const { context: hungTablet, page: hung } = await open(HUNG);
    await createSupervision(hung, { title: TITLE });
    await hung.getByTestId("tab-conclusion").click();
    await hung.locator('.conclusion-section[data-section="strengths"] .add-paragraph').click();
    const strengths = hung.locator('.conclusion-section[data-section="strengths"] [data-testid="paragraph"]').first();
    await strengths.click();
    await hung.keyboard.type(FIRST);
    await hung.locator('.conclusion-section[data-section="recommendations"] .add-paragraph').click();
    await hung.locator('.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]').first().click();
    await hung.keyboard.type(ASK);
    await waitSync(hung, "synced");

    // Minh and Lan open it.
    const opened = async (who) => {
      const t = await open(who);
      await t.page.getByTestId("supervision-link").filter({ hasText: TITLE }).click({ timeout: BOUND });
      await t.page.getByTestId("tab-conclusion").click();
      await waitValue(t.page, '.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]', ASK);
      return t;
    };
    const { context: minhTablet, page: minh } = await opened(MINH);
    const { page: lan } = await opened(LAN);
    const appendTo = async (page, section, more) => {
      const field = page.locator(`.conclusion-section[data-section="${section}"] [data-testid="paragraph"]`).first();
      await field.click();
      await page.keyboard.press("End");
      await page.keyboard.type(more);
    };
    // Lan adds to the recommendation at once: Hùng's first sitting ends there (a version is
    // what a text read at the end of one member's sitting, see shared/src/history.rs).
    await appendTo(lan, "recommendations", LAN_FIRST);
    await waitValue(hung, '.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]', ASK + LAN_FIRST);

    // Hùng and Minh both lose the network and each adds to the first paragraph.
    await hungTablet.setOffline(true);
    await minhTablet.setOffline(true);
    await waitSync(hung, "offline");
    await waitSync(minh, "offline");
    await appendTo(hung, "strengths", HUNG_MORE);
    await appendTo(minh, "strengths", MINH_MORE);
    await hungTablet.setOffline(false);
    await minhTablet.setOffline(false);
    await waitSync(hung, "synced");
    await waitSync(minh, "synced");
    const merged = await hung.locator('.conclusion-section[data-section="strengths"] [data-testid="paragraph"]').first();
    await hung.waitForFunction((want) => {
      const v = document.querySelector('.conclusion-section[data-section="strengths"] [data-testid="paragraph"]')?.value ?? "";
      return want.every((w) => v.includes(w));
    }, [FIRST, HUNG_MORE, MINH_MORE], { timeout: BOUND });
    const mergedText = await merged.inputValue();

    // Hùng opens the paragraph's history: each one's words, under the registered name.
    const block = hung.locator('.conclusion-section[data-section="strengths"] [data-testid="paragraph-block"]').first();
    await block.getByTestId("history-toggle").click();
    await block.getByTestId("history-part").first().waitFor({ timeout: BOUND });
    const by = await partsByWriter(block);
    assert.deepEqual(Object.keys(by).sort(), [HUNG.displayName, MINH.displayName].sort(), JSON.stringify(by));
    assert.equal(by[HUNG.displayName], FIRST + HUNG_MORE);
    assert.equal(by[MINH.displayName], MINH_MORE);
    const joined = (await block.getByTestId("history-parts").innerText()).trim();
    assert.equal(joined, mergedText.trim(), "the parts read as the paragraph does");
    await hung.screenshot({ path: join(artifacts, "history-parts.png"), fullPage: true });

    // Lan, later, adds to the recommendation (another paragraph).
    await appendTo(lan, "recommendations", LAN_MORE);
    await waitSync(lan, "synced");
    await waitValue(hung, '.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]', ASK + LAN_FIRST + LAN_MORE);

    // Hùng restores the paragraph as he first wrote it.
    const first = block.getByTestId("history-version").filter({
      has: hung.getByTestId("history-text").getByText(FIRST, { exact: true }),
    });
    assert.equal(await first.count(), 1, "his first text is one of the versions");
    assert.equal(await first.getAttribute("data-writer"), HUNG.displayName);
    await first.getByTestId("history-restore").click();
    await waitValue(hung, '.conclusion-section[data-section="strengths"] [data-testid="paragraph"]', FIRST);
    await waitSync(hung, "synced");

    // Every tablet has the restored paragraph, and Lan's words in the other one.
    for (const page of [minh, lan]) {
      await waitValue(page, '.conclusion-section[data-section="strengths"] [data-testid="paragraph"]', FIRST);
      await waitValue(page, '.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]', ASK + LAN_FIRST + LAN_MORE);
    }
    assert.equal(
      await hung.locator('.conclusion-section[data-section="recommendations"] [data-testid="paragraph"]').first().inputValue(),
      ASK + LAN_FIRST + LAN_MORE,
    );
    // The restore is itself a version, and the text before it can be brought back too.
    await block.getByTestId("history-text").getByText(mergedText, { exact: true }).waitFor({ timeout: BOUND });

    // Lan has never exported; with no network, her tablet still makes the DOCX: the export
    // module (a wasm of its own, fetched on the first export) was kept by the service worker.
    await waitAsync(lan, async () => {
      await navigator.serviceWorker.ready;
      return Boolean(await caches.match("/export_bg.wasm")) && Boolean(await caches.match("/fonts/LiberationSerif-Regular.ttf"));
    });
    await lan.context().setOffline(true);
    await waitSync(lan, "offline");
    const [download] = await Promise.all([lan.waitForEvent("download", { timeout: BOUND }), lan.getByTestId("export-draft").click()]);
    const docx = readFileSync(await download.path());
    assert.equal(docx.subarray(0, 2).toString("latin1"), "PK", "a DOCX (a zip)");
    const body = execFileSync("unzip", ["-p", await download.path(), "word/document.xml"], { encoding: "utf8" }).replace(/<[^>]+>/g, "");
    assert.ok(body.includes(FIRST) && body.includes(ASK + LAN_FIRST + LAN_MORE), body);
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

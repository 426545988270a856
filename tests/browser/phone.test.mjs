// A phone (390 × 844, issue 15): the header stays one line whatever the member's name, so
// the content has the screen: no taller than one 44 px control and its padding, nothing
// wider than the screen, every control still 44 px tall, the name whole in its title, and
// the sync state still said to a screen reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, createSupervision, launchBrowser, signIn, startWithDelegation, tempDir, waitSync, watchErrors,
} from "./harness.mjs";

const THAO = { username: "thao", displayName: "Nguyễn Thị Phương Thảo (Phó trưởng đoàn giám sát)", password: "mat-khau-cua-thao", role: "deputy" };

test("on a phone the header is one line and the content has the screen", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-phone-"), { delegation: "Đoàn giám sát phường Hòa Cường", members: [THAO] });
  const browser = await launchBrowser();
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    await signIn(page, THAO.username, THAO.password);
    await waitSync(page, "synced");
    await createSupervision(page, { title: "Giám sát việc thực hiện Quy chế dân chủ ở cơ sở tại phường Hòa Cường" });
    await page.screenshot({ path: join(artifacts, "phone-header.png") });

    const header = await page.evaluate(() => {
      const bar = document.querySelector(".topbar");
      const box = bar.getBoundingClientRect();
      const items = [...bar.children].filter((el) => el.offsetParent !== null).map((el) => {
        const r = el.getBoundingClientRect();
        return { what: el.className || el.tagName, top: r.top, bottom: r.bottom, right: r.right, height: r.height };
      });
      return { height: box.height, items, pageWidth: document.documentElement.scrollWidth };
    });
    assert.ok(header.height <= 56, `the header is ${header.height} px tall: ${JSON.stringify(header.items)}`);
    assert.ok(header.pageWidth <= 390, `the page is ${header.pageWidth} px wide`);
    const centre = (i) => (i.top + i.bottom) / 2;
    for (const item of header.items) {
      assert.ok(Math.abs(centre(item) - centre(header.items[0])) < 4, `${item.what} is not on the header's line: ${JSON.stringify(header.items)}`);
      assert.ok(item.right <= 390, `${item.what} runs off the screen`);
    }
    const controls = await page.evaluate(() =>
      [...document.querySelectorAll(".topbar button, .topbar a")].filter((el) => el.offsetParent !== null)
        .map((el) => [el.textContent.trim(), el.getBoundingClientRect().height]));
    for (const [what, h] of controls) assert.ok(h >= 44, `${what} is ${h} px tall`);
    assert.equal(await page.getByTestId("member").getAttribute("title"), THAO.displayName);
    assert.match(await page.getByTestId("member").innerText(), /^Nguyễn Thị/, "the name first, not the word before it");
    assert.match(await page.getByTestId("sync-status").textContent(), /Đã đồng bộ/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

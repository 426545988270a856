// Attacks through the browser (issue 11): a member uploads an HTML page and the script it
// loads as "evidence". Another member opens the attachment the way the app offers it, and
// someone also opens the blob's server address directly. Neither runs the script in the
// app's origin: the page is only ever saved as bytes, and the script is served as bytes the
// browser will not execute.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BOUND, artifacts, createSupervision, launchBrowser, signIn, startWithDelegation, tempDir, waitAsync, waitSync } from "./harness.mjs";

const KE = { username: "kexau", displayName: "Kẻ Xấu", password: "mat-khau-cua-ke", role: "member" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };
const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

test("an uploaded HTML page and its script never run in the app's origin", async () => {
  const { server } = await startWithDelegation(tempDir("giamsat-attack-"), { delegation: "Đoàn giám sát", members: [KE, MINH] });
  const browser = await launchBrowser();
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const ctxB = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  try {
    // Step 1: the hostile member makes a supervision with a finding.
    const a = await ctxA.newPage();
    await a.goto(server.url);
    await signIn(a, KE.username, KE.password);
    await createSupervision(a, { title: "Giám sát có tệp độc hại" });
    await a.getByTestId("unit-name").fill("Chi bộ khu phố 3");
    await a.getByTestId("add-unit").click();
    await a.getByTestId("new-finding").fill("Xem tệp đính kèm.");
    await a.getByTestId("add-finding").click();
    await waitSync(a, "synced");
    const doc = a.url().split("#/s/")[1];
    assert.ok(doc, `a supervision address, got ${a.url()}`);

    // Step 2: the script, and a page that loads it from the server (same origin, so
    // `script-src 'self'` would let it run if it were served as JavaScript), both attached
    // under their real types.
    const script = Buffer.from("localStorage.setItem('pwned', 'script'); document.title = 'pwned';");
    const scriptUrl = `/api/blobs/${sha256(script)}?document=${doc}`;
    const page = Buffer.from(`<!doctype html><title>bien ban</title><script>localStorage.setItem('pwned','inline')</script><script src="${scriptUrl}"></script>`);
    const attach = a.getByTestId("attach-evidence").first();
    await attach.setInputFiles({ name: "x.js", mimeType: "text/javascript", buffer: script });
    await attach.setInputFiles({ name: "bien-ban.html", mimeType: "text/html", buffer: page });
    await a.getByTestId("evidence").nth(1).waitFor({ timeout: BOUND });
    await waitSync(a, "synced");

    // Step 3: Minh opens the supervision and the attachment as the app offers it: the app
    // fetches it, then gives a link that saves the file. Nothing is opened as a page.
    const b = await ctxB.newPage();
    const downloads = [];
    b.on("download", (d) => downloads.push(d));
    await b.goto(server.url);
    await signIn(b, MINH.username, MINH.password);
    await b.getByTestId("supervision-link").first().click({ timeout: BOUND });
    const item = b.locator(`[data-testid="evidence"][data-sha="${sha256(page)}"]`);
    await item.waitFor({ timeout: BOUND });
    // Wait until the server has the page (the attacker's tablet uploads it in the background).
    await waitAsync(b, async (url) => (await fetch(url)).ok, `/api/blobs/${sha256(page)}?document=${doc}`, { polling: 200 });
    const pagesBefore = ctxB.pages().length;
    await item.locator("a").first().click();
    const link = item.getByTestId("evidence-file");
    await link.waitFor({ timeout: BOUND });
    assert.equal(await link.getAttribute("download"), "bien-ban.html", "the link saves the file");
    assert.match(await link.getAttribute("href"), /^blob:/);
    // Saving it is a download (whichever click the browser took it from), never a page.
    if (downloads.length === 0) {
      await Promise.all([b.waitForEvent("download", { timeout: BOUND }), link.click()]);
    }
    assert.equal(downloads[0].suggestedFilename(), "bien-ban.html");
    assert.ok(await downloads[0].path(), "the file was saved");
    assert.equal(ctxB.pages().length, pagesBefore, "no page was opened for the file");

    // Step 4: the blob's own address, opened directly, is a download too, and the script's
    // address is bytes the browser will not run.
    // (In a browser with no service worker of the app: there, the app's shell answers.)
    const ctxC = await browser.newContext({ acceptDownloads: true });
    await ctxC.addCookies(await ctxB.cookies());
    const direct = await ctxC.newPage();
    const [viaServer] = await Promise.all([
      direct.waitForEvent("download", { timeout: BOUND }),
      direct.goto(server.url + `api/blobs/${sha256(page)}?document=${doc}`).catch(() => null),
    ]);
    assert.equal(viaServer.suggestedFilename().length > 0, true);
    const served = await b.evaluate(async (url) => {
      const r = await fetch(url);
      return { type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition") };
    }, scriptUrl);
    assert.deepEqual(served, { type: "application/octet-stream", disposition: "attachment" });
    // Even a page of the app that tried to load it as a script gets nothing run.
    const ran = await b.evaluate(async (url) => new Promise((resolve) => {
      const s = document.createElement("script");
      s.src = url;
      s.onload = () => resolve("loaded");
      s.onerror = () => resolve("refused");
      document.head.appendChild(s);
    }), scriptUrl);
    assert.equal(ran, "refused", "the browser refuses to run bytes served as octet-stream with nosniff");

    // Nothing ran anywhere in the app's origin.
    for (const p of [a, b]) {
      assert.equal(await p.evaluate(() => localStorage.getItem("pwned")), null);
      assert.notEqual(await p.title(), "pwned");
    }
    await b.screenshot({ path: join(artifacts, "evidence-download-only.png"), fullPage: true });
  } finally {
    await browser.close();
    await server.stop();
  }
});

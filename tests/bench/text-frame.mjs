// What the browser does to draw one change to a text area in the 500-finding supervision, per
// variant of the page: the thread time per frame of style, layout, the intersection
// observers behind `content-visibility: auto`, pre-paint, paint and layerize (Chromium's
// trace). The data-path bench measures a remote keystroke end to end, with the noise of two
// browsers and a server; this one changes the first finding's text by script once a frame,
// nothing else moving, so page variants compare within one run, paired round by round.
//
// TEXT_FRAME_VARIANTS: JSON {name: script run on the page before its frames} (default: the
// page as built). Each round opens the supervision afresh for each variant, in order.
// Run (from tests/, after `cargo xtask build` and
// `cargo build -p server --bin giamsat-server -p giamsat-tests --bin seed_big`):
//   TEXT_FRAME_VARIANTS='{"as built":"0","without the box":"for (const b of document.querySelectorAll(\".live-text-box\")) b.style.contain = \"none\""}' \
//     node bench/text-frame.mjs
// TEXT_FRAME_ROUNDS (3), TEXT_FRAME_FRAMES (60), TEXT_FRAME_APP (the built app) as needed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { APP_DIR, launchTablet, signIn, startWithDelegation, tempDir } from "../browser/harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const SEED = ["debug", "release"].map((p) => join(targetDir, p, "seed_big")).find((p) => existsSync(p));
if (!SEED) throw new Error("build seed_big first: cargo build -p giamsat-tests --bin seed_big");
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const FRAMES = Number(process.env.TEXT_FRAME_FRAMES ?? 60);
const ROUNDS = Number(process.env.TEXT_FRAME_ROUNDS ?? 3);
const BOUND = 120_000;
const variants = JSON.parse(process.env.TEXT_FRAME_VARIANTS ?? '{"as built":"0"}');
const PARTS = {
  style: "UpdateLayoutTree",
  layout: "Layout",
  "intersection observers": "IntersectionObserverController::computeIntersections",
  "pre-paint": "PrePaint",
  paint: "Paint",
  layerize: "Layerize",
};

const { server, delegation } = await startWithDelegation(tempDir("giamsat-text-frame-data-"), { delegation: "Đoàn giám sát", members: [LAN] }, { appDir: process.env.TEXT_FRAME_APP ?? APP_DIR });
const tablet = await launchTablet(tempDir("giamsat-text-frame-lan-"), { hasTouch: true });
try {
  const seeded = spawnSync(SEED, [server.addr, LAN.username, LAN.password, String(delegation)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (seeded.status !== 0) throw new Error(`seed_big failed (${seeded.status})`);
  const seed = JSON.parse(seeded.stdout.trim().split("\n").pop());
  const page = await tablet.newPage();
  await page.goto(server.url);
  await signIn(page, LAN.username, LAN.password);
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, script] of Object.entries(variants)) {
      await page.goto("about:blank");
      await page.goto(`${server.url}#/s/${seed.big}`);
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=finding-text]").length >= 500, null, { timeout: BOUND });
      await page.evaluate(script);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
      const cdp = await tablet.newCDPSession(page);
      const traced = [];
      cdp.on("Tracing.dataCollected", ({ value }) => traced.push(...value));
      await cdp.send("Tracing.start", { categories: "devtools.timeline,blink.user_timing", transferMode: "ReportEvents" });
      // One change a frame: the text grows by a letter, then the frame is drawn.
      await page.evaluate(async (n) => {
        const area = document.querySelector("[data-testid=finding-text]");
        for (let i = 0; i < n; i++) {
          performance.mark("text-frame");
          area.value += String.fromCharCode(65 + (i % 26));
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 20)));
        }
      }, FRAMES);
      const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
      await cdp.send("Tracing.end");
      await done;
      await cdp.detach();
      const { pid, tid } = traced.find((e) => e.name === "text-frame");
      const mine = traced.filter((e) => e.pid === pid && e.tid === tid && e.ph === "X");
      const per = (event) => mine.filter((e) => e.name === event).reduce((t, e) => t + (e.tdur ?? e.dur), 0) / 1000 / FRAMES;
      const parts = Object.fromEntries(Object.entries(PARTS).map(([label, event]) => [label, per(event)]));
      rows.push({ round, name, parts, total: Object.values(parts).reduce((a, b) => a + b, 0) });
    }
  }
  console.log(`\nDrawing one change to a text area of the 500-finding supervision (${FRAMES} frames a round; ms of thread time per frame)\n`);
  console.log(`| round | variant | ${Object.keys(PARTS).join(" | ")} | together |`);
  console.log(`| ---: | --- | ${Object.keys(PARTS).map(() => "---:").join(" | ")} | ---: |`);
  for (const r of rows) console.log(`| ${r.round} | ${r.name} | ${Object.values(r.parts).map((v) => v.toFixed(2)).join(" | ")} | ${r.total.toFixed(2)} |`);
} finally {
  await tablet.close();
  await server.stop();
}

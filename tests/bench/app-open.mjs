// Issue 3: "a supervision with 500 findings and a 20-page conclusion opens and stays
// responsive on a tablet", and "the app stays small enough to load over a weak connection".
// This measures, in Debian's Chromium driven by Playwright, how long the app takes to open a
// big supervision that is already on the tablet, against an empty one in the same run, and
// how big the app's bundle is.
//
// - Bundle: app/dist/app_bg.wasm, app.js and app.css, raw and gzipped (the .gz files the build
//   writes), and the total (goal: at most 600 KB gzipped); brotli (.br, what the server sends
//   to a browser that accepts it) alongside.
// - Open time: the real server binary is started (GIAMSAT_SERVER_BIN, else target/debug/
//   giamsat-server, as the browser tests do) with an administrator, a delegation and one member
//   (made over the API, as the browser tests do), and seeded by `seed_big`
//   (tests/src/bin/seed_big.rs), signed in as that member, with a supervision of 500 findings
//   (~300 characters each, 5 units) and a ~60,000-character conclusion, and an empty
//   supervision, both registered to the delegation. A tablet (a persistent Chromium profile)
//   signs in as the member and opens each once, until it is stored in IndexedDB. Then, for
//   N = 5 repetitions (APP_OPEN_REPS), big and empty side by side (the order alternating), the
//   page is loaded afresh at `#/s/<id>` (about:blank first, so it is a full load, not a hash
//   change) and a script injected before the app's own records, on every animation frame,
//   `performance.now()` (milliseconds since the navigation started) at the first frame where
//   the big supervision shows all 500 finding text areas, each holding its text — or, for the
//   empty one, where its title shows. The wall time Playwright saw from `goto` to that point is
//   reported too. Reported: median and min–max of each, and the ratio big/empty within each
//   repetition.
//
// Run (from tests/, after `cargo build -p server -p giamsat-tests` and with app/dist built):
//   node bench/app-open.mjs
// It builds what is missing: the app with `cargo xtask build` (heavy), seed_big with cargo.
// Prints Markdown tables; the figures are in BENCHMARKS.md, "App: bundle and open time".
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { markOpen } from "./open-marks.mjs";
import { APP_DIR, launchTablet, signIn, startWithDelegation, tempDir, waitSync, watchErrors } from "../browser/harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const REPS = Number(process.env.APP_OPEN_REPS ?? 5);
// seed_big: GIAMSAT_SEED_BIN, else the debug build, else the release one (`cargo xtask bench`
// builds that), else it is built (debug).
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const seedBuilds = ["debug", "release"].map((p) => join(targetDir, p, "seed_big"));
const SEED_BIN = process.env.GIAMSAT_SEED_BIN ?? seedBuilds.find((p) => existsSync(p)) ?? seedBuilds[0];
const FINDINGS = 500;
/** Opening the big supervision is the thing measured: give it far more than the tests' bound. */
const OPEN_BOUND = 120_000;
const BUNDLE = ["app_bg.wasm", "app.js", "app.css"];
const GOAL_GZIP_KB = 600;
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };

function run(cmd, args, what) {
  console.error(`app-open: ${what}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status})`);
}

// What the bench needs, built only if missing.
if (!BUNDLE.every((f) => existsSync(join(APP_DIR, f)) && existsSync(join(APP_DIR, f + ".gz")))) {
  run("cargo", ["xtask", "build"], `${APP_DIR} is missing or incomplete; building the app (several minutes)`);
}
if (!existsSync(SEED_BIN)) {
  run("cargo", ["build", "-p", "giamsat-tests", "--bin", "seed_big"], "building seed_big");
}

const kb = (bytes) => (bytes / 1000).toFixed(1);
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};
const range = (xs) => [Math.min(...xs), Math.max(...xs)];
const fmt = (x, d = 0) => x.toFixed(d);

// 1. The bundle.
// The server sends the brotli copy to a browser that accepts it (Chromium does): shown too.
const size = (f) => (existsSync(f) ? statSync(f).size : NaN);
const rows = BUNDLE.map((f) => ({ f, raw: size(join(APP_DIR, f)), gz: size(join(APP_DIR, f + ".gz")), br: size(join(APP_DIR, f + ".br")) }));
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gz: t.gz + r.gz, br: t.br + r.br }), { raw: 0, gz: 0, br: 0 });
console.log(`\nApp bundle (${APP_DIR}), KB = 1,000 bytes:\n`);
console.log("| file | raw | gzip | brotli |");
console.log("| --- | ---: | ---: | ---: |");
const cell = (b) => `${b} B (${kb(b)} KB)`;
for (const r of rows) console.log(`| ${r.f} | ${cell(r.raw)} | ${cell(r.gz)} | ${cell(r.br)} |`);
console.log(`| total | ${cell(total.raw)} | ${cell(total.gz)} | ${cell(total.br)} |`);
console.log(`\ngzip total ${kb(total.gz)} KB: ${total.gz <= GOAL_GZIP_KB * 1000 ? "within" : "OVER"} the goal of ${GOAL_GZIP_KB} KB\n`);

// 2. Open time.
const dataDir = tempDir("giamsat-bench-data-");
const profileDir = tempDir("giamsat-bench-tablet-");
const { server, delegation } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát Thanh Khê", members: [LAN] });
let tablet;
try {
  const seeded = spawnSync(SEED_BIN, [server.addr, LAN.username, LAN.password, String(delegation)], {
    encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
  });
  if (seeded.status !== 0) throw new Error(`seed_big failed (${seeded.status})`);
  const seed = JSON.parse(seeded.stdout.trim().split("\n").pop());
  console.log(
    `seeded: big ${seed.big} (${seed.findings} findings, conclusion ${seed.conclusion_chars} characters, ` +
      `${seed.big_changes} changes, saved ${seed.big_saved_bytes} B), empty ${seed.empty}; in ${seed.total_ms} ms\n`,
  );

  tablet = await launchTablet(profileDir);
  // On every page load, before the app: note the first frame at which each target is shown.
  await tablet.addInitScript(markOpen, FINDINGS);
  const page = await tablet.newPage();
  const errors = [];
  watchErrors(page, errors);

  // Sign in, then open each supervision once so it is on the tablet (IndexedDB).
  await page.goto(server.url);
  await signIn(page, LAN.username, LAN.password);
  const storedInIdb = (id) =>
    page.waitForFunction(
      (id) =>
        new Promise((resolve) => {
          const open = indexedDB.open("giamsat");
          open.onerror = () => resolve(false);
          open.onsuccess = () => {
            const db = open.result;
            try {
              const get = db.transaction("docs").objectStore("docs").getKey(id);
              get.onsuccess = () => { db.close(); resolve(get.result !== undefined); };
              get.onerror = () => { db.close(); resolve(false); };
            } catch {
              db.close();
              resolve(false);
            }
          };
        }),
      id,
      { timeout: OPEN_BOUND, polling: 250 },
    );
  const shown = (kind) =>
    page.waitForFunction((kind) => window.__openBench?.[kind], kind, { timeout: OPEN_BOUND, polling: "raf" });
  const targets = [
    { name: "big", id: seed.big, mark: "findings" },
    { name: "empty", id: seed.empty, mark: "title" },
  ];
  for (const t of targets) {
    await page.goto(`${server.url}#/s/${t.id}`);
    await shown(t.mark);
    await waitSync(page, "synced");
    await storedInIdb(t.id);
  }

  // Load afresh, N times each, side by side.
  const times = { big: [], empty: [] };
  const walls = { big: [], empty: [] };
  const bigTitle = [];
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      await page.goto("about:blank");
      const start = performance.now();
      await page.goto(`${server.url}#/s/${t.id}`);
      const inPage = await (await shown(t.mark)).jsonValue();
      walls[t.name].push(performance.now() - start);
      times[t.name].push(inPage);
      if (t.name === "big") bigTitle.push(await page.evaluate(() => window.__openBench.title));
      const count = await page.locator('[data-testid="finding-text"]').count();
      if (t.name === "big" && count !== FINDINGS) throw new Error(`the big supervision shows ${count} findings, not ${FINDINGS}`);
    }
    console.error(`app-open: repetition ${r + 1}: big ${fmt(times.big[r])} ms, empty ${fmt(times.empty[r])} ms`);
  }
  const ratios = times.big.map((b, i) => b / times.empty[i]);

  console.log(`Open time (${REPS} loads each, big and empty alternating; ms since navigation start):\n`);
  console.log("| opening | median | min–max | Playwright goto → shown, median (min–max) |");
  console.log("| --- | ---: | ---: | ---: |");
  const line = (label, xs, ws) => {
    const [lo, hi] = range(xs);
    const wall = ws ? `${fmt(median(ws))} ms (${fmt(range(ws)[0])}–${fmt(range(ws)[1])})` : "—";
    console.log(`| ${label} | ${fmt(median(xs))} ms | ${fmt(lo)}–${fmt(hi)} ms | ${wall} |`);
  };
  line(`big: all ${FINDINGS} finding texts shown`, times.big, walls.big);
  line("big: its title shown (same loads)", bigTitle, null);
  line("empty: its title shown", times.empty, walls.empty);
  const [rlo, rhi] = range(ratios);
  console.log(`\nbig / empty, within each repetition: median ${fmt(median(ratios), 2)}×, min–max ${fmt(rlo, 2)}–${fmt(rhi, 2)}×`);
  if (errors.length) console.log(`\npage errors during the run (${errors.length}):\n${errors.map((e) => `- ${e}`).join("\n")}`);
} finally {
  await tablet?.close().catch(() => {});
  await server.stop();
  for (const dir of [dataDir, profileDir]) rmSync(dir, { recursive: true, force: true });
}

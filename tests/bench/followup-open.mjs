// Issue 14: "figures and follow-up list for 1,000 supervisions / 10,000 recommendations … in
// the browser from IndexedDB". The real server binary (GIAMSAT_SERVER_BIN, else the debug
// build) is seeded by `seed_followup` (tests/src/bin/seed_followup.rs: shared::followup_sample,
// the same year the native bench reads) through a member of one delegation; a leader of the
// organisation above it signs in on a tablet (a persistent Chromium profile), which fetches
// all 1,000 supervisions into IndexedDB (timed: `held`). Then, N times (FOLLOWUP_OPEN_REPS,
// default 3), the follow-up screen is loaded afresh (`#/theo-doi`, about:blank first) and a
// script injected before the app notes the first animation frame at which the figures say
// 10,000 recommendations and the list shows its first lines: milliseconds since navigation.
//
// Run (from tests/, with app/dist built and the server and seed_followup built):
//   node bench/followup-open.mjs
// Prints a Markdown table; the figures are in BENCHMARKS.md, "Follow-up".
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ADMIN, api, apiSignIn, launchTablet, signIn, startWithDelegation, tempDir, watchErrors,
} from "../browser/harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const REPS = Number(process.env.FOLLOWUP_OPEN_REPS ?? 3);
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const seeds = ["release", "debug"].map((p) => join(targetDir, p, "seed_followup"));
const SEED_BIN = process.env.GIAMSAT_SEED_BIN ?? seeds.find((p) => existsSync(p)) ?? seeds[1];
const RECOMMENDATIONS = 10_000;
const BOUND = 900_000;
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const LEADER = { username: "lanhdao", displayName: "Lãnh đạo", password: "mat-khau-lanh-dao" };

if (!existsSync(SEED_BIN)) {
  const r = spawnSync("cargo", ["build", "-p", "giamsat-tests", "--bin", "seed_followup"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("building seed_followup failed");
}
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};

const dataDir = tempDir("giamsat-bench-followup-");
const profileDir = tempDir("giamsat-bench-leader-");
const { server, delegation } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát (bench)", members: [LAN] });
let tablet;
try {
  const admin = await apiSignIn(server, ADMIN.username, ADMIN.password);
  const org = (await api(server, admin, "POST", "/api/admin/organisations", { name: "Tổ chức (bench)", level: "tỉnh" })).body.id;
  await api(server, admin, "PUT", `/api/admin/delegations/${delegation}/organisation`, { organisationId: org });
  const leader = (await api(server, admin, "POST", "/api/admin/users", { ...LEADER, isAdmin: false })).body.id;
  await api(server, admin, "PUT", `/api/admin/organisations/${org}/leaders/${leader}`);

  const seeded = spawnSync(SEED_BIN, [server.addr, LAN.username, LAN.password, String(delegation)], {
    encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
  });
  if (seeded.status !== 0) throw new Error(`seed_followup failed (${seeded.status})`);
  const seed = JSON.parse(seeded.stdout.trim().split("\n").pop());
  console.log(`seeded ${seed.supervisions} supervisions in ${seed.seconds.toFixed(1)} s`);

  tablet = await launchTablet(profileDir);
  await tablet.addInitScript((want) => {
    const marks = (window.__followupBench = {});
    const frame = () => {
      const made = document.querySelector('[data-testid="figure-recommendations"]');
      if (marks.figures === undefined && made && made.textContent.trim() === String(want)) marks.figures = performance.now();
      if (marks.lines === undefined && document.querySelector('[data-testid="followup-line"]')) marks.lines = performance.now();
      if (marks.figures === undefined || marks.lines === undefined) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, RECOMMENDATIONS);
  const page = await tablet.newPage();
  const errors = [];
  watchErrors(page, errors);
  await page.goto(server.url);
  await signIn(page, LEADER.username, LEADER.password);
  // Every supervision fetched into IndexedDB: the list shows none still loading.
  const start = performance.now();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="supervision-link"]').length >= n
      && document.querySelectorAll(".supervision-link.not-held").length === 0,
    seed.supervisions,
    { timeout: BOUND, polling: 1000 },
  );
  const held = performance.now() - start;
  console.log(`the leader's tablet held all ${seed.supervisions} in ${(held / 1000).toFixed(1)} s`);

  const figures = [];
  const lines = [];
  for (let r = 0; r < REPS; r++) {
    await page.goto("about:blank");
    await page.goto(`${server.url}#/theo-doi`);
    await page.waitForFunction(() => window.__followupBench?.figures && window.__followupBench?.lines, null, { timeout: BOUND, polling: 500 });
    const m = await page.evaluate(() => window.__followupBench);
    figures.push(m.figures);
    lines.push(m.lines);
    console.error(`followup-open: load ${r + 1}: figures ${m.figures.toFixed(0)} ms, lines ${m.lines.toFixed(0)} ms`);
  }
  console.log(`\n| ${seed.supervisions} supervisions, ${RECOMMENDATIONS} recommendations, from IndexedDB | median | min–max |`);
  console.log("| --- | ---: | ---: |");
  const row = (label, xs) => console.log(`| ${label} | ${median(xs).toFixed(0)} ms | ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms |`);
  row("follow-up screen: figures shown (since navigation)", figures);
  row("follow-up screen: first lines shown", lines);
  if (errors.length) console.log(`\npage errors (${errors.length}):\n${errors.map((e) => `- ${e}`).join("\n")}`);
} finally {
  await tablet?.close().catch(() => {});
  await server.stop();
  for (const dir of [dataDir, profileDir]) rmSync(dir, { recursive: true, force: true });
}

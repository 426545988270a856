// Issue 15: the tablet's data path, before and after, in one run. For each build of the app
// named in DATA_PATH_APPS ("label=dir,label=dir"; default: just app/dist as "now"), on a
// fresh server seeded by `seed_big` (the 500-finding supervision of shared::fixtures' kind,
// and an empty one), with two tablets (Lan and Minh, persistent Chromium profiles):
//
// 1. Bundle: the gzip and brotli size of what the first load fetches (app_bg.wasm, app.js,
//    app.css, boot.js, index.html, and the split modules' loader __wasm_split.js, which
//    app.js imports); the engine apart (split_giamsat_engine.wasm and the chunks
//    __wasm_split.js names it among the users of, fetched once the first screen is up, in
//    builds that have one), and the rest of the lazily loaded screens (split_*.wasm,
//    chunk_*.wasm) apart.
// 1b. First visit on a slow link: a browser that has never seen the app (no cache, no service
//    worker), on a 4 Mbit/s, 80 ms round-trip link (Chromium's network emulation), REPS
//    times: ms from navigation until the sign-in form takes typing.
// 2. Open: the big supervision against the empty one (its title shown), loaded afresh from
//    IndexedDB, REPS times side by side, each in a tab of its own (the last one closed);
//    the ratio within each repetition, for the big one's first screen (title and first
//    finding's text: what the member can read), for the page open to edit (its controls
//    enabled; in builds that draw a supervision from the reading the tablet kept, they wait
//    for the document) and for all 500 finding texts shown; with the app's User Timing of
//    when the app started, opened IndexedDB and mounted, asked for the screen and had its
//    kept reading (`giamsat:kept-get`, `giamsat:kept-decode`), where the page started
//    (`giamsat:open`), the documents' loading (`giamsat:load-documents`: every document
//    the tablet holds, the big one included whichever is opened; before the page in builds
//    without kept readings, after its first screen in builds with them), the reading and
//    the building. Builds that keep readings are first given the pause they keep them in.
// 3. Keystroke bytes: Lan types KEYS characters into a finding of the big supervision, one at
//    a time; every byte the app hands IndexedDB (put() values: Uint8Array bytes, strings as
//    UTF-16 bytes) is counted, and each keystroke waits for its write before the next.
// 4. Remote edit: Minh types KEYS characters into the same finding, one at a time; on Lan's
//    tablet every WebSocket message handler is timed from its start until a MessageChannel
//    task queued at its end runs (so the microtasks it caused, Leptos' effects included, are
//    in); per keystroke the work of the messages that arrived until Lan's text area showed
//    the character is summed. That is main-thread script work, not layout or paint. The
//    app's User Timing measures split it: `giamsat:receive` (Workspace::receive: merge, read
//    the touched records again, queue the write, send) and within it `giamsat:merge`. Since
//    the sixteenth session the app places those only when the page sets
//    `window.giamsatFrameTiming` (DATA_PATH_FRAME_MARKS=1), and the work measured without
//    them is what a tablet does; builds before it always place them.
//    Lan's tablet is also traced (Chromium's trace, thread time): the tasks that handled the
//    frames (`cpuPerKeystroke`), and everything the renderer did to show the character
//    (`shownPerKeystroke`): from the task that received the frame through the first frame
//    drawn after it (style, layout, intersection observers, paint), and any autofill task the
//    change set off, less the bench's own polling in those frames (reported apart). Script
//    alone does not see the drawing and autofill.
//    Both tablets are touch tablets (tapped, not clicked: no mouse rests over the page), and
//    Lan's browser has a core of its own (`PINNED` below; DATA_PATH_PIN=0 to share).
// 5. The same in the conclusion's first paragraph, both tablets on the conclusion tab (the
//    head's draft, written together).
//
// Run (from tests/, after `cargo xtask build` and
// `cargo build -p server --bin giamsat-server -p giamsat-tests --bin seed_big`):
//   DATA_PATH_APPS=before=/var/tmp/dist-before,after=../app/dist node bench/data-path.mjs
// Prints Markdown tables; the figures are in BENCHMARKS.md, "The tablet's data path".
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { markOpen } from "./open-marks.mjs";
import { APP_DIR, CHROMIUM, launchBrowser, launchTablet, signIn, startWithDelegation, tempDir, waitAsync, waitSync, watchErrors } from "../browser/harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const REPS = Number(process.env.DATA_PATH_REPS ?? 5);
const KEYS = Number(process.env.DATA_PATH_KEYS ?? 20);
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const SEED_BIN = process.env.GIAMSAT_SEED_BIN ?? ["debug", "release"].map((p) => join(targetDir, p, "seed_big")).find((p) => existsSync(p));
const FINDINGS = 500;
const BOUND = Number(process.env.DATA_PATH_BOUND ?? 120_000);
const FIRST_LOAD = ["app_bg.wasm", "app.js", "app.css", "boot.js", "index.html", "__wasm_split.js"];
const LAN = { username: "lan", displayName: "Nguyễn Thị Lan", password: "mat-khau-cua-lan", role: "head" };
const MINH = { username: "minh", displayName: "Trần Văn Minh", password: "mat-khau-cua-minh", role: "member" };
const apps = (process.env.DATA_PATH_APPS ?? `now=${APP_DIR}`).split(",").map((pair) => {
  const [label, dir] = pair.split("=");
  return { label, dir: resolve(dir) };
});
/** Lan's tablet, as a tablet is: a touch screen (no mouse resting on the page, so no hover
 *  hit test after each layout), and a CPU of its own. This machine's cores are shared by two
 *  browsers, the server and this script; on two cores or more (and with `taskset`), Lan's
 *  browser runs alone on core 0 and all the rest on the others, so what her tablet's
 *  wall-clock counts is her own work, not waiting for a core Minh's browser or the server
 *  holds. DATA_PATH_PIN=0 leaves the scheduler free. */
const PINNED = process.env.DATA_PATH_PIN !== "0" && availableParallelism() >= 2 && spawnSync("taskset", ["-V"]).status === 0;
const LAN_TABLET = { hasTouch: true };
if (PINNED) {
  const others = `1-${availableParallelism() - 1}`;
  // This script's threads now, and everything it starts from here on, inherit the others.
  if (spawnSync("taskset", ["-a", "-p", "-c", others, String(process.pid)]).status !== 0) throw new Error("taskset could not move the bench off core 0");
  const wrapper = join(tempDir("giamsat-bench-core0-"), "chromium");
  writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c 0 ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  LAN_TABLET.executablePath = wrapper;
}

let SEED = SEED_BIN;
if (!SEED) {
  const built = spawnSync("cargo", ["build", "-p", "giamsat-tests", "--bin", "seed_big"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (built.status !== 0) throw new Error("building seed_big failed");
  SEED = join(targetDir, "debug", "seed_big");
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};
const range = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const size = (dir, files, ext) => files.reduce((t, f) => t + (existsSync(join(dir, f + ext)) ? statSync(join(dir, f + ext)).size : 0), 0);
/** The engine's files: its split module and the chunks whose comment in __wasm_split.js
 *  (`/* giamsat_admin, giamsat_engine *\/` above `const __chunk_7 = …`) names it. */
const engineModules = (dir) => {
  if (!existsSync(join(dir, "split_giamsat_engine.wasm"))) return [];
  const loader = readFileSync(join(dir, "__wasm_split.js"), "utf8");
  const chunks = [...loader.matchAll(/\/\* ([^*]*) \*\/\s*const __(chunk_\d+)/g)]
    .filter((m) => m[1].split(/[, ]+/).includes("giamsat_engine"))
    .map((m) => `${m[2]}.wasm`);
  return ["split_giamsat_engine.wasm", ...chunks];
};
const lazyModules = (dir) => readdirSync(dir).filter((f) => /^(split_|chunk_).*\.wasm$/.test(f) && !engineModules(dir).includes(f));
const gz = (dir) => size(dir, FIRST_LOAD, ".gz");
const br = (dir) => size(dir, FIRST_LOAD, ".br");
const engineGz = (dir) => size(dir, engineModules(dir), ".gz");
const lazyGz = (dir) => size(dir, lazyModules(dir), ".gz");

/** Before the app on every page: count IndexedDB put bytes, time WebSocket handlers, and
 *  collect the app's own User Timing measures. */
function instrument() {
  window.__idbBytes = 0;
  window.__idbPuts = 0;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, key) {
    let n = 0;
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) n = value.byteLength;
    else if (typeof value === "string") n = value.length * 2;
    else if (value instanceof Blob) n = value.size;
    window.__idbBytes += n;
    window.__idbPuts += 1;
    return put.call(this, value, key);
  };
  window.__work = [];
  // The app's own User Timing measures of each frame (giamsat:merge, giamsat:receive).
  window.__measures = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name.startsWith("giamsat:")) window.__measures.push({ name: e.name, start: e.startTime, duration: e.duration });
  }).observe({ entryTypes: ["measure"] });
  const Socket = window.WebSocket;
  const timed = (fn) =>
    function (ev) {
      const start = performance.now();
      window.__inflight = (window.__inflight ?? 0) + 1;
      try {
        return fn.call(this, ev);
      } finally {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          window.__work.push({ start, end: performance.now() });
          window.__inflight -= 1;
        };
        ch.port2.postMessage(0);
      }
    };
  class TimedSocket extends Socket {
    set onmessage(fn) {
      super.onmessage = fn ? timed(fn) : fn;
    }
    get onmessage() {
      return super.onmessage;
    }
    addEventListener(type, fn, opts) {
      return super.addEventListener(type, type === "message" && typeof fn === "function" ? timed(fn) : fn, opts);
    }
  }
  window.WebSocket = TimedSocket;
}

/** 1b: ms until a never-seen browser on a slow link can type in the sign-in form. */
async function firstVisit(url) {
  const browser = await launchBrowser();
  const times = [];
  try {
    for (let r = 0; r < REPS; r++) {
      const context = await browser.newContext({ serviceWorkers: "block" });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 80, downloadThroughput: 4e6 / 8, uploadThroughput: 1e6 / 8 });
      await page.goto(url);
      const user = page.getByTestId("sign-in").locator('input[name="username"]');
      await user.waitFor({ timeout: BOUND });
      times.push(await page.evaluate(() => performance.now()));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return times;
}

/** Minh types KEYS characters at the end of the first `testid` field; per character, the
 *  script work on Lan's tablet until hers shows it (see 4. above). */
async function remoteTyping(lan, minh, testid) {
  const selector = `[data-testid="${testid}"]`;
  const minhText = minh.locator(selector).first();
  // Minh's tablet has Lan's keystrokes before he starts (synced only says his own are sent).
  const lanValue = await lan.locator(selector).first().inputValue();
  await minh.waitForFunction(({ selector, v }) => document.querySelector(selector)?.value === v, { selector, v: lanValue }, { timeout: BOUND });
  await minhText.tap();
  await minh.keyboard.press("Control+End");
  const work = [];
  const merge = [];
  const receive = [];
  const wall = [];
  for (let k = 0; k < (process.env.DATA_PATH_REMOTE === "0" ? 0 : KEYS); k++) {
    // A mark in Lan's trace (see `cpuPerKeystroke`) and the time her handlers' work counts from.
    const mark = await lan.evaluate((k) => performance.mark(`bench:key:${k}`).startTime, k);
    const ch = String.fromCharCode(65 + (k % 26));
    const expected = (await minhText.inputValue()) + ch;
    await minh.keyboard.type(ch);
    const result = await lan.waitForFunction(
      ({ expected, mark, selector }) => {
        const area = document.querySelector(selector);
        if (!area || area.value !== expected) return false;
        // The DOM can show the character (a frame is drawn) before the task timing the
        // handler's work has run: wait for it.
        const mine = window.__work.filter((w) => w.start >= mark);
        if (window.__inflight > 0 || mine.length === 0) return false;
        const measured = (name) => window.__measures.filter((m) => m.name === name && m.start >= mark).reduce((t, m) => t + m.duration, 0);
        return {
          merge: measured("giamsat:merge"),
          receive: measured("giamsat:receive"),
          work: mine.reduce((t, w) => t + (w.end - w.start), 0),
          wall: performance.now() - mark,
          messages: mine.length,
        };
      },
      { expected, mark, selector },
      { timeout: BOUND, polling: "raf" },
    ).catch(async (e) => {
      const seen = await lan.evaluate((selector) => document.querySelector(selector)?.value, selector);
      throw new Error(`Lan's tablet never showed Minh's "${ch}" in ${testid}: expected …${JSON.stringify(expected.slice(-40))}, shows …${JSON.stringify(seen?.slice(-40))}, Minh has …${JSON.stringify((await minhText.inputValue()).slice(-40))}\n${e.message}`);
    });
    const r = await result.jsonValue();
    work.push(r.work);
    merge.push(r.merge);
    receive.push(r.receive);
    wall.push(r.wall);
  }
  return { work, merge, receive, wall };
}

/** Per keystroke (between the `bench:key:<k>` marks), the CPU time of Lan's main-thread tasks
 *  that received a WebSocket frame: the handler and the microtasks it ran, with Leptos'
 *  effects (`tdur`, the thread's own time, not counting while it waited for a core). */
function cpuPerKeystroke(events) {
  const lan = lanThread(events);
  if (!lan) return [];
  const handled = lan.tasks.filter((t) => lan.received.some((r) => r.ts >= t.ts && r.ts <= t.ts + t.dur));
  return lan.marks.map((_, k) => lan.within(handled, k).reduce((sum, t) => sum + t.tdur / 1000, 0));
}

/** Lan's renderer main thread in a trace (the thread that received WebSocket frames): its
 *  events, its tasks in time order, the `bench:key:<k>` marks in order, and `within(list, k)`,
 *  the items of `list` that started between mark k and the next. `null` if nothing arrived. */
function lanThread(events) {
  const received = events.filter((e) => e.name === "WebSocketReceive");
  if (!received.length) return null;
  const { pid, tid } = received[0];
  const main = events.filter((e) => e.pid === pid && e.tid === tid);
  const tasks = main.filter((e) => e.ph === "X" && e.name === "ThreadControllerImpl::RunTask" && e.tdur !== undefined).sort((a, b) => a.ts - b.ts);
  const marks = main
    .filter((e) => e.name.startsWith("bench:key:") && (e.ph === "R" || e.ph === "I" || e.ph === "n" || e.ph === "i"))
    .sort((a, b) => a.ts - b.ts);
  const within = (list, k) => list.filter((t) => t.ts >= marks[k].ts && t.ts < (marks[k + 1]?.ts ?? Infinity));
  return { received, main, tasks, marks, within };
}

/** Per keystroke, the thread time of everything Lan's renderer did to show Minh's character:
 *  the tasks from the one that received his frame through the first frame drawn after it
 *  (a BeginMainFrame that laid out or painted), and the autofill tasks in the keystroke's
 *  window (Chromium's autofill answers some script changes to form controls by reading the
 *  page's forms again, in a task of its own). Less the bench's own polling: Playwright's
 *  `waitForFunction` runs in the frames' animation callbacks (told from the app's own, which
 *  call into its script), and what it costs is returned apart as `polling`. */
function shownPerKeystroke(events) {
  const lan = lanThread(events);
  if (!lan) return { shown: [], polling: [] };
  const inner = lan.main.filter((e) => e.name !== "ThreadControllerImpl::RunTask" && (e.ph === "X" || e.ph === "I" || e.ph === "i")).sort((a, b) => a.ts - b.ts);
  const inside = (task) => {
    const found = [];
    let lo = 0, hi = inner.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (inner[mid].ts < task.ts) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < inner.length && inner[i].ts <= task.ts + task.dur; i++) found.push(inner[i]);
    return found;
  };
  const has = (task, name) => inside(task).some((e) => e.name === name);
  // An animation-frame callback of the app's own calls into its script (app.js); the
  // bench's, injected by Playwright, has no script address.
  const fromApp = (fire) => inside(fire).some((e) => e.name === "FunctionCall" && e.args?.data?.url);
  const shown = [];
  const polling = [];
  lan.marks.forEach((_, k) => {
    const span = lan.within(lan.tasks, k);
    const first = span.findIndex((t) => has(t, "WebSocketReceive"));
    if (first < 0) return;
    let total = 0;
    let polled = 0;
    let drawn = false;
    for (const t of span.slice(first)) {
      const autofill = (t.args?.src_file ?? "").includes("autofill");
      if (drawn && !autofill) continue;
      total += t.tdur;
      polled += inside(t).filter((e) => e.name === "FireAnimationFrame" && !fromApp(e)).reduce((sum, e) => sum + (e.tdur ?? e.dur), 0);
      if (!drawn && t.args?.src_func === "ScheduledActionSendBeginMainFrame") drawn = ["Layout", "UpdateLayoutTree", "Paint"].some((n) => has(t, n));
    }
    shown.push((total - polled) / 1000);
    polling.push(polled / 1000);
  });
  return { shown, polling };
}

async function measure(app) {
  const dataDir = tempDir("giamsat-bench-data-");
  const profiles = [tempDir("giamsat-bench-lan-"), tempDir("giamsat-bench-minh-")];
  const { server, delegation } = await startWithDelegation(dataDir, { delegation: "Đoàn giám sát Thanh Khê", members: [LAN, MINH] }, { appDir: app.dir });
  const tablets = [];
  try {
    const seeded = spawnSync(SEED, [server.addr, LAN.username, LAN.password, String(delegation)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (seeded.status !== 0) throw new Error(`seed_big failed (${seeded.status})`);
    const seed = JSON.parse(seeded.stdout.trim().split("\n").pop());
    const visit = await firstVisit(server.url);
    const errors = [];
    const open = async (profile, who) => {
      const tablet = await launchTablet(profile, who === LAN ? LAN_TABLET : { hasTouch: true });
      tablets.push(tablet);
      await tablet.addInitScript(instrument);
      // The app times each frame only when asked (it costs the tablet a few tenths of a ms).
      if (process.env.DATA_PATH_FRAME_MARKS === "1") await tablet.addInitScript(() => (window.giamsatFrameTiming = true));
      await tablet.addInitScript(markOpen, FINDINGS);
      const page = await tablet.newPage();
      watchErrors(page, errors);
      await page.goto(server.url);
      await signIn(page, who.username, who.password);
      return page;
    };
    const shown = (page, kind) => page.waitForFunction((kind) => window.__openBench?.[kind], kind, { timeout: BOUND, polling: "raf" });
    let lan = await open(profiles[0], LAN);
    const minh = await open(profiles[1], MINH);
    for (const page of [lan, minh]) {
      for (const [id, mark] of [[seed.empty, "title"], [seed.big, "findings"]]) {
        await page.goto(`${server.url}#/s/${id}`);
        await shown(page, mark);
        await waitSync(page, "synced");
      }
    }

    // 2. Open, big against empty, side by side.
    const openProfiler = process.env.DATA_PATH_PROFILE_OPEN ? await lan.context().newCDPSession(lan) : null;
    if (openProfiler) {
      await openProfiler.send("Profiler.enable");
      await openProfiler.send("Profiler.setSamplingInterval", { interval: 100 });
      await openProfiler.send("Profiler.start");
    }
    // The supervisions' readings kept on Lan's tablet (builds that keep them), as a tablet
    // has them after a pause: the opens below are drawn from them.
    if (readdirSync(app.dir).some((f) => f.endsWith(".wasm") && readFileSync(join(app.dir, f)).includes("reading:"))) {
      await waitAsync(
        lan,
        (ids) =>
          new Promise((resolve) => {
            const open = indexedDB.open("giamsat");
            open.onsuccess = () => {
              const get = ids.map((id) => new Promise((r) => { const q = open.result.transaction("meta").objectStore("meta").count(IDBKeyRange.bound(`reading:${id}/`, `reading:${id}0`, false, true)); q.onsuccess = () => r(q.result > 0); q.onerror = () => r(false); }));
              Promise.all(get).then((kept) => { open.result.close(); resolve(kept.every(Boolean)); });
            };
            open.onerror = () => resolve(false);
          }),
        [seed.big, seed.empty],
        { timeout: BOUND, polling: 250 },
      );
    }
    // What keeping the big supervision's reading writes, once per pause.
    const keptBytes = await lan.evaluate(
      (id) =>
        new Promise((resolve) => {
          const open = indexedDB.open("giamsat");
          open.onsuccess = () => {
            const q = open.result.transaction("meta").objectStore("meta").getAll(IDBKeyRange.bound(`reading:${id}/`, `reading:${id}0`, false, true));
            q.onsuccess = () => { open.result.close(); resolve(q.result.reduce((n, p) => n + p.length, 0)); };
            q.onerror = () => resolve(0);
          };
          open.onerror = () => resolve(0);
        }),
      seed.big,
    );
    const times = { big: [], empty: [], first: [], editable: { big: [], empty: [] }, start: { big: [], empty: [] }, load: { big: [], empty: [] }, read: { big: [], empty: [] }, build: { big: [], empty: [] }, keptGet: { big: [], empty: [] }, keptDecode: { big: [], empty: [] }, screen: { big: [], empty: [] }, screenKept: { big: [], empty: [] }, appStart: { big: [], empty: [] }, wsOpen: { big: [], empty: [] }, mounted: { big: [], empty: [] } };
    const measured = (page, name) => page.evaluate((n) => performance.getEntriesByName(n).at(-1)?.duration ?? 0, name);
    for (let r = 0; r < REPS; r++) {
      const order = r % 2 === 0 ? [["big", seed.big, "findings"], ["empty", seed.empty, "title"]] : [["empty", seed.empty, "title"], ["big", seed.big, "findings"]];
      for (const [name, id, mark] of order) {
        // Each open in a tab of its own, the last one closed: leaving the big page costs the
        // next navigation in the same tab 50–90 ms, which is not this open's.
        // (A profile of the opens keeps the one tab its profiler is attached to.)
        if (openProfiler) {
          await lan.goto("about:blank");
        } else {
          const context = lan.context();
          await lan.close();
          lan = await context.newPage();
          watchErrors(lan, errors);
        }
        await lan.goto(`${server.url}#/s/${id}`);
        times[name].push(await (await shown(lan, mark)).jsonValue());
        if (name === "big") times.first.push(await lan.evaluate(() => window.__openBench.first));
        times.editable[name].push(await (await lan.waitForFunction(() => window.__openBench?.editable, null, { timeout: BOUND, polling: "raf" })).jsonValue());
        times.read[name].push(await measured(lan, "giamsat:open-read"));
        times.load[name].push(await measured(lan, "giamsat:load-documents"));
        times.start[name].push(await lan.evaluate(() => performance.getEntriesByName("giamsat:open").at(-1)?.startTime ?? 0));
        times.build[name].push(await measured(lan, "giamsat:open-build"));
        times.keptGet[name].push(await measured(lan, "giamsat:kept-get"));
        times.screen[name].push(await lan.evaluate(() => performance.getEntriesByName("giamsat:screen").at(-1)?.startTime ?? 0));
        times.screenKept[name].push(await measured(lan, "giamsat:screen-kept"));
        times.appStart[name].push(await lan.evaluate(() => performance.getEntriesByName("giamsat:start").at(-1)?.startTime ?? 0));
        times.wsOpen[name].push(await measured(lan, "giamsat:workspace-open"));
        times.mounted[name].push(await measured(lan, "giamsat:mounted"));
        times.keptDecode[name].push(await measured(lan, "giamsat:kept-decode"));
      }
    }
    await lan.goto("about:blank");
    await lan.goto(`${server.url}#/s/${seed.big}`);
    await shown(lan, "findings");
    await waitSync(lan, "synced");
    await minh.goto("about:blank");
    await minh.goto(`${server.url}#/s/${seed.big}`);
    await shown(minh, "findings");
    await waitSync(minh, "synced");
    const ratios = times.big.map((b, i) => b / times.empty[i]);
    const firstRatios = times.first.map((b, i) => b / times.empty[i]);
    const editableRatios = times.editable.big.map((b, i) => b / times.editable.empty[i]);
    if (openProfiler) {
      const { profile } = await openProfiler.send("Profiler.stop");
      (await import("node:fs")).writeFileSync(process.env.DATA_PATH_PROFILE_OPEN, JSON.stringify(profile));
    }

    console.error(`${app.label}: opened (big ${times.big.map((t) => t.toFixed(0))}, empty ${times.empty.map((t) => t.toFixed(0))}; first screen ${times.first.map((t) => t.toFixed(0))}; app started, big ${times.appStart.big.map((t) => t.toFixed(0))}, empty ${times.appStart.empty.map((t) => t.toFixed(0))}); typing`);
    // 3. Lan types; every byte handed to IndexedDB is counted.
    const lanText = lan.getByTestId("finding-text").first();
    await lanText.tap();
    await lan.keyboard.press("Control+End");
    const bytes = [];
    for (let k = 0; k < KEYS; k++) {
      const before = await lan.evaluate(() => ({ bytes: window.__idbBytes, puts: window.__idbPuts }));
      await lan.keyboard.type(String.fromCharCode(97 + (k % 26)));
      await lan.waitForFunction((n) => window.__idbPuts > n, before.puts, { timeout: BOUND });
      // The write of this keystroke is one transaction: let its puts all land.
      await lan.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
      bytes.push((await lan.evaluate(() => window.__idbBytes)) - before.bytes);
    }
    await lan.keyboard.press("Tab");
    await waitSync(lan, "synced");
    await waitSync(minh, "synced");

    console.error(`${app.label}: keystroke bytes ${bytes}; remote typing`);
    // 4. Minh types in the same finding; Lan's tablet shows each character.
    const profiler = process.env.DATA_PATH_PROFILE ? await lan.context().newCDPSession(lan) : null;
    if (profiler) {
      await profiler.send("Profiler.enable");
      await profiler.send("Profiler.setSamplingInterval", { interval: 100 });
      await profiler.send("Profiler.start");
    }
    // Lan's tablet is traced while Minh types in the finding: the CPU time of the tasks that
    // handled his frames, which the wall-clock `work` above also counts while the renderer
    // waits for a core (two browsers, the server and Playwright share this machine's two).
    const tracer = await lan.context().newCDPSession(lan);
    const traced = [];
    tracer.on("Tracing.dataCollected", ({ value }) => traced.push(...value));
    // DATA_PATH_TRACE_CATEGORIES adds categories to a trace written with DATA_PATH_TRACE (v8, blink…).
    const categories = ["toplevel,devtools.timeline,blink.user_timing", process.env.DATA_PATH_TRACE_CATEGORIES].filter(Boolean).join(",");
    await tracer.send("Tracing.start", { categories, transferMode: "ReportEvents" });
    const { work, merge, receive, wall } = await remoteTyping(lan, minh, "finding-text");
    const traceDone = new Promise((r) => tracer.once("Tracing.tracingComplete", r));
    await tracer.send("Tracing.end");
    await traceDone;
    if (process.env.DATA_PATH_TRACE) (await import("node:fs")).writeFileSync(process.env.DATA_PATH_TRACE, JSON.stringify({ traceEvents: traced }));
    const cpu = cpuPerKeystroke(traced);
    const { shown: toShow, polling } = shownPerKeystroke(traced);
    if (profiler) {
      const { profile } = await profiler.send("Profiler.stop");
      (await import("node:fs")).writeFileSync(process.env.DATA_PATH_PROFILE, JSON.stringify(profile));
    }
    // 5. The same in the conclusion's first paragraph, both on the conclusion tab.
    for (const page of [lan, minh]) await page.getByTestId("tab-conclusion").tap();
    const inConclusion = await remoteTyping(lan, minh, "paragraph");
    if (errors.length) console.error(`${app.label}: page errors:\n${errors.join("\n")}`);
    return { app, gzip: gz(app.dir), brotli: br(app.dir), lazy: lazyGz(app.dir), engine: engineGz(app.dir), visit, inConclusion, times, ratios, firstRatios, editableRatios, keptBytes, bytes, work, cpu, merge, receive, wall, toShow, polling };
  } finally {
    for (const t of tablets) await t.close().catch(() => {});
    await server.stop();
    for (const dir of [dataDir, ...profiles]) rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const app of apps) {
  console.error(`data-path: measuring ${app.label} (${app.dir})`);
  results.push(await measure(app));
}
console.log(`\nThe tablet's data path (${REPS} opens each, ${KEYS} keystrokes each; ms; KB = 1,000 B; ${PINNED ? "Lan's browser alone on core 0, the rest on the others" : "cores shared by all"}; touch tablets)\n`);
console.log(`| | ${results.map((r) => r.app.label).join(" | ")} | goal |`);
console.log(`| --- | ${results.map(() => "---:").join(" | ")} | --- |`);
const row = (label, f, goal) => console.log(`| ${label} | ${results.map(f).join(" | ")} | ${goal} |`);
row("first load, gzip", (r) => `${(r.gzip / 1000).toFixed(0)} KB`, "≤ 600 KB");
row("first load, brotli (what Chromium is sent)", (r) => `${(r.brotli / 1000).toFixed(0)} KB`, "");
row("the engine, fetched once the first screen is up, gzip", (r) => (r.engine ? `${(r.engine / 1000).toFixed(0)} KB` : "in the first load"), "");
row("first load and engine together, gzip", (r) => `${((r.gzip + r.engine) / 1000).toFixed(0)} KB`, "");
row("screens' own parts, loaded when first opened, gzip", (r) => `${(r.lazy / 1000).toFixed(0)} KB`, "");
row("first visit on a 4 Mbit/s, 80 ms link: sign-in form ready, median (min–max)", (r) => `${median(r.visit).toFixed(0)} ms (${range(r.visit)})`, "—");
row("IndexedDB bytes per keystroke, median (min–max)", (r) => `${median(r.bytes).toFixed(0)} B (${range(r.bytes)})`, "< 1 KB");
row("the big supervision's reading kept on the tablet (written once its document has been quiet 3 s), bytes", (r) => (r.keptBytes ? `${(r.keptBytes / 1000).toFixed(0)} KB` : "none kept"), "");
if (results.some((r) => r.work.length)) row("remote keystroke: script work on the receiving tablet, median (min–max)", (r) => `${median(r.work).toFixed(1)} ms (${range(r.work)})`, "≤ 5 ms");
if (results.some((r) => r.cpu?.length)) row("remote keystroke: CPU time of the receiving tablet's tasks that handled the frames (Chromium's trace, thread time), median (min–max)", (r) => (r.cpu?.length ? `${median(r.cpu).toFixed(1)} ms (${range(r.cpu)})` : "—"), "≤ 5 ms");
if (results.some((r) => r.toShow?.length)) {
  row("remote keystroke: everything the receiving tablet's renderer did to show it (the frame's tasks, autofill, style, layout, paint; thread time; less the bench's polling), median (min–max)", (r) => (r.toShow?.length ? `${median(r.toShow).toFixed(1)} ms (${range(r.toShow)})` : "—"), "—");
  row("… the bench's own polling in those frames (Playwright's animation-frame callbacks, left out above), mean", (r) => (r.polling?.length ? `${mean(r.polling).toFixed(2)} ms` : "—"), "—");
}
if (results.some((r) => r.receive.some((x) => x > 0))) {
  row("… of which the app's `receive` (merge, read again, start the write), median", (r) => (r.receive.some((x) => x > 0) ? `${median(r.receive).toFixed(1)} ms` : "not marked"), "—");
  row("… … of which the merge and the reading (`giamsat:merge`), median", (r) => (r.merge.some((x) => x > 0) ? `${median(r.merge).toFixed(1)} ms` : "not marked"), "—");
}
if (results.some((r) => r.inConclusion.work.length)) row("remote keystroke in the conclusion's first paragraph (conclusion tab): script work, median (min–max)", (r) => `${median(r.inConclusion.work).toFixed(1)} ms (${range(r.inConclusion.work)})`, "—");
if (results.some((r) => r.wall.length)) row("remote keystroke: typed → shown, median", (r) => `${median(r.wall).toFixed(0)} ms`, "—");
row("open the big supervision: first screen to read (title and first finding's text), median (min–max)", (r) => `${median(r.times.first).toFixed(0)} ms (${range(r.times.first)})`, "—");
row("open the big supervision: all 500 cards drawn, median (min–max)", (r) => `${median(r.times.big).toFixed(0)} ms (${range(r.times.big)})`, "—");
row("… the page starts (`giamsat:open`, ms after navigation), big / empty, median", (r) => `${median(r.times.start.big).toFixed(0)} / ${median(r.times.start.empty).toFixed(0)} ms`, "—");
row("… … before it, the tablet's documents loaded from IndexedDB (`giamsat:load-documents`), big / empty, median", (r) => (r.times.load.big.some((x) => x > 0) ? `${median(r.times.load.big).toFixed(0)} / ${median(r.times.load.empty).toFixed(0)} ms` : "not marked"), "—");
row("… … before it, the reading kept on the tablet fetched from IndexedDB / decoded (`giamsat:kept-get`, `giamsat:kept-decode`), big, median", (r) => (r.times.keptGet.big.some((x) => x > 0) ? `${median(r.times.keptGet.big).toFixed(0)} / ${median(r.times.keptDecode.big).toFixed(0)} ms` : "none kept"), "—");
row("… … the app starts (`giamsat:start`, ms after navigation) / opens IndexedDB and reads the member (`giamsat:workspace-open`) / has mounted the views (`giamsat:mounted`, both ms after it starts), big / empty, median", (r) => `${median(r.times.appStart.big).toFixed(0)} / ${median(r.times.wsOpen.big).toFixed(0)} / ${median(r.times.mounted.big).toFixed(0)} and ${median(r.times.appStart.empty).toFixed(0)} / ${median(r.times.wsOpen.empty).toFixed(0)} / ${median(r.times.mounted.empty).toFixed(0)} ms`, "—");
row("… … the screen asked for (`giamsat:screen`, ms after navigation) / its kept reading there (`giamsat:screen-kept`, ms after), big / empty, median", (r) => `${median(r.times.screen.big).toFixed(0)} / ${median(r.times.screenKept.big).toFixed(0)} and ${median(r.times.screen.empty).toFixed(0)} / ${median(r.times.screenKept.empty).toFixed(0)} ms`, "—");
row("… of which reading the supervision (`giamsat:open-read`), big / empty, median", (r) => `${median(r.times.read.big).toFixed(0)} / ${median(r.times.read.empty).toFixed(0)} ms`, "—");
row("… of which reading and building the page's first screen (`giamsat:open-build`), big / empty, median", (r) => `${median(r.times.build.big).toFixed(0)} / ${median(r.times.build.empty).toFixed(0)} ms`, "—");
row("open the empty one, median (min–max)", (r) => `${median(r.times.empty).toFixed(0)} ms (${range(r.times.empty)})`, "—");
row("big (first screen) / empty within a repetition, median (min–max)", (r) => `${median(r.firstRatios).toFixed(2)}× (${range(r.firstRatios)})`, "≤ 1.3×");
row("open to edit (controls enabled), big / empty, median", (r) => `${median(r.times.editable.big).toFixed(0)} / ${median(r.times.editable.empty).toFixed(0)} ms`, "—");
row("big / empty, open to edit, within a repetition, median (min–max)", (r) => `${median(r.editableRatios).toFixed(2)}× (${range(r.editableRatios)})`, "");
row("big (all 500 cards) / empty within a repetition, median (min–max)", (r) => `${median(r.ratios).toFixed(2)}× (${range(r.ratios)})`, "");

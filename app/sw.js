// giamsat service worker: the app loads with no network after one visit.
//
// Network first, cache as fallback: online, every load gets the newest version (and
// refreshes the cache); offline or with the server down, the cached shell is served. Data
// never goes through here: documents live in IndexedDB and sync over /sync; /api is never
// cached. A new version takes over on the next load; unsynced changes are in IndexedDB,
// untouched by an update.
const CACHE = "giamsat-shell-v4";
const SHELL = ["/", "/boot.js", "/app.js", "/app_bg.wasm", "/app.css", "/manifest.webmanifest", "/icons/icon-192.png", "/icons/icon-512.png"];
// The screens the app fetches when first opened (a supervision, a delegation, administration,
// follow-up) and their loader: `cargo xtask build` fills the list with the names the split
// gave them. Part of the shell: a tablet must open a supervision offline.
const LAZY_MODULES = [];
// Fetched by the app only when a member exports or prints, but kept from the start so a
// tablet does both offline: the DOCX export module (app/export) and the printed paper's font
// (style/fonts/). Kept apart from the shell: the app starts without them.
const FOR_PAPERS = ["/export.js", "/export_bg.wasm"]
  .concat(["Regular", "Bold", "Italic", "BoldItalic"].map((f) => `/fonts/LiberationSerif-${f}.ttf`));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((c) => c.addAll(SHELL.concat(LAZY_MODULES)).then(() => c.addAll(FOR_PAPERS).catch((e) => console.warn("export module, print font:", e))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js" || url.pathname === "/sync" || url.pathname === "/health") return;
  // Every page of the app is the same shell.
  const key = request.mode === "navigate" ? "/" : url.pathname;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((c) => c.put(key, copy)));
        }
        return response;
      })
      .catch(() => caches.match(key).then((cached) => cached || Response.error())),
  );
});

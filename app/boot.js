// Starts the app: loads the wasm module and registers the service worker. A file, not an
// inline script, so the server's Content-Security-Policy (script-src 'self') allows it.
import init from "/app.js";

init({ module_or_path: "/app_bg.wasm" });

// The DOCX export module (app/export, called from app/src/export.rs): fetched the first time
// a member exports, then kept. A failed fetch (no network, not cached yet) is tried again
// on the next export.
let exportModule = null;
window.giamsatExport = () => {
  exportModule ??= import("/export.js")
    .then(async (m) => {
      await m.default({ module_or_path: "/export_bg.wasm" });
      return m;
    })
    .catch((e) => {
      exportModule = null;
      throw e;
    });
  return exportModule;
};
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch((e) => console.warn("service worker:", e));
}

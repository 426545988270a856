// Starts the app: loads the wasm module and registers the service worker. A file, not an
// inline script, so the server's Content-Security-Policy (script-src 'self') allows it.
import init from "/app.js";

init({ module_or_path: "/app_bg.wasm" });
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch((e) => console.warn("service worker:", e));
}

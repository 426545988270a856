// The reference automerge-repo sync server (@automerge/automerge-repo-sync-server 0.2.8),
// run unchanged but listening on loopback only.
//
// The package calls `app.listen(PORT)`, which binds every interface, and has no HOST
// setting. This wrapper makes a listen with no host bind 127.0.0.1, then loads the package's
// own entry point, so the server code measured is exactly the published one. Environment:
// PORT (default 3030) and DATA_DIR (its filesystem storage; default .amrg).
import http from "node:http"

const listen = http.Server.prototype.listen
http.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && typeof args[1] !== "string") {
    args.splice(1, 0, "127.0.0.1")
  }
  return listen.apply(this, args)
}

await import("@automerge/automerge-repo-sync-server/src/index.js")

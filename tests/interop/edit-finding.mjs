// edit-finding.mjs: the official JavaScript automerge-repo client edits a giamsat supervision.
//
// Interop check for tests/tests/interop_js.rs: a document written by our Rust client and
// served by our server (samod) must open in the reference implementation,
// @automerge/automerge-repo with its WebSocket adapter, read as our schema says, and take an
// edit that the server accepts. The script joins the server with no storage, finds the
// document, reads its title, appends text to one finding's Text with `splice`, and waits —
// on the repo's "remote-heads" events, never by polling — until the server's sync state
// reports heads that include the edit. Everything is bounded by one deadline.
//
// Usage: node interop/edit-finding.mjs <ws-url> <document-id> <finding-id> <text-to-append>
//   <document-id> is the bs58check id, without the "automerge:" prefix.
// Environment: GIAMSAT_COOKIE (a `giamsat_session=…` cookie to send with the WebSocket
// upgrade, as a signed-in browser would) and GIAMSAT_PEER_PREFIX (the account's peer id
// prefix from /api/me); without them the client connects as an anonymous peer would.
// Success: prints one JSON line {"ok":true,"title":...,"before":...,"text":...} and exits 0.
// Failure: prints {"ok":false,"error":...} to stderr and exits non-zero; a refused upgrade
// (401/403) prints {"ok":false,"refused":<status>} and exits 4.

import http from "node:http"
import { getActorId } from "@automerge/automerge"
import { Repo, splice, cbor, isImmutableString } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const cookie = process.env.GIAMSAT_COOKIE
const peerPrefix = process.env.GIAMSAT_PEER_PREFIX ?? "anonymous-"
const peerId = `${peerPrefix}js${Math.floor(Math.random() * 1e9)}`

// The adapter opens its socket with the `ws` package, which has no option for extra headers
// through automerge-repo: add the session cookie to the upgrade request here, and notice a
// refused upgrade at once (the adapter would only retry).
const request = http.request
http.request = (options, callback) => {
  if (cookie && typeof options === "object") options.headers = { ...options.headers, Cookie: cookie }
  const req = request.call(http, options, callback)
  req.on("response", res => {
    if (res.statusCode === 401 || res.statusCode === 403) {
      process.stderr.write(JSON.stringify({ ok: false, refused: res.statusCode }) + "\n")
      process.exit(4)
    }
  })
  return req
}

const DEADLINE_MS = 20_000

const [wsUrl, docId, findingId, appended] = process.argv.slice(2)
if (!wsUrl || !docId || !findingId || appended === undefined) {
  fail("usage: node edit-finding.mjs <ws-url> <document-id> <finding-id> <text-to-append>", 64)
}

/** What the script is doing now, named in the timeout message. */
let stage = "connecting"
/** The last `error` message the server sent, if any (the adapter only logs them). */
let serverError = null

/** A string field as JS sees it: scalar strings written by our Rust client (`put` of a str)
 * arrive as ImmutableString objects, Text objects as plain strings. */
function str(v) {
  if (typeof v === "string") return v
  if (isImmutableString(v)) return v.toString()
  return undefined
}

function fail(message, code = 1) {
  const detail = serverError ? `${message} (the server said: ${serverError})` : message
  process.stderr.write(JSON.stringify({ ok: false, error: detail }) + "\n")
  process.exit(code)
}

const timer = setTimeout(() => fail(`gave up after ${DEADLINE_MS} ms while ${stage}`, 2), DEADLINE_MS)

const adapter = new BrowserWebSocketClientAdapter(`${wsUrl}?peer=${encodeURIComponent(peerId)}`)
// Keep the server's error messages for the failure report, then hand the frame on as usual.
const receive = adapter.receiveMessage.bind(adapter)
adapter.receiveMessage = bytes => {
  try {
    const m = cbor.decode(new Uint8Array(bytes))
    if (m && m.type === "error") serverError = String(m.message)
  } catch {
    // Not ours to judge: the adapter logs undecodable frames itself.
  }
  receive(bytes)
}
adapter.on("peer-disconnected", () => {
  if (stage !== "done") fail(`the server closed the connection while ${stage}`, 3)
})

const repo = new Repo({ network: [adapter], peerId })

try {
  stage = `finding automerge:${docId}`
  const handle = await repo.find(`automerge:${docId}`)

  stage = "reading the document"
  const doc = handle.doc()
  if (str(doc?.doc_kind) !== "supervision") fail(`doc_kind is ${JSON.stringify(doc?.doc_kind)}, not "supervision"`)
  const title = str(doc.setup?.title)
  if (!title) fail("setup.title is missing")
  const finding = doc.findings?.[findingId]
  if (!finding) fail(`no finding ${findingId} in findings`)
  const before = finding.text
  if (typeof before !== "string") fail(`findings.${findingId}.text is not text`)

  // A signed-in client registers the actor its edit will carry, as the giamsat app does: the
  // server refuses changes by actors that are not the account's.
  if (cookie) {
    stage = "registering this client's actor"
    const origin = wsUrl.replace(/^ws/, "http").replace(/\/sync.*$/, "")
    const r = await fetch(`${origin}/api/actors`, {
      method: "POST",
      headers: { Cookie: cookie, "X-Requested-With": "giamsat", "Content-Type": "application/json" },
      body: JSON.stringify({ actor: getActorId(handle.doc()) }),
    })
    if (r.status !== 204) fail(`registering the actor: ${r.status} ${await r.text()}`)
  }

  stage = "editing the finding"
  handle.change(d => {
    // Append at the end: the length is counted in the same units splice takes.
    splice(d, ["findings", findingId, "text"], d.findings[findingId].text.length, 0, appended)
  })
  const text = handle.doc().findings[findingId].text
  if (text !== before + appended) fail(`after the edit the text reads ${JSON.stringify(text)}`)

  stage = "waiting for the server to hold the edit"
  const ours = handle.heads()
  const holds = heads => Array.isArray(heads) && ours.every(h => heads.includes(h))
  await new Promise(resolve => {
    const check = ({ heads }) => {
      if (holds(heads)) {
        handle.off("remote-heads", check)
        resolve()
      }
    }
    handle.on("remote-heads", check)
    // The answer may already be in (the server replies to the change's sync message).
    for (const peer of repo.peers) {
      const storageId = repo.getStorageIdOfPeer(peer)
      if (storageId) check({ heads: handle.getSyncInfo(storageId)?.lastHeads })
    }
  })

  stage = "done"
  clearTimeout(timer)
  process.stdout.write(JSON.stringify({ ok: true, title, before, text }) + "\n")
  await Promise.race([repo.shutdown(), new Promise(r => setTimeout(r, 2_000))])
  process.exit(0)
} catch (e) {
  fail(`${stage}: ${e?.stack ?? e}`)
}

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
// Success: prints one JSON line {"ok":true,"title":...,"before":...,"text":...} and exits 0.
// Failure: prints {"ok":false,"error":...} to stderr and exits non-zero.

import { Repo, splice, cbor, isImmutableString } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

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

const adapter = new BrowserWebSocketClientAdapter(wsUrl)
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

const repo = new Repo({ network: [adapter] })

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

// Workers KV through the Node API (core's calls, converted): direct calls,
// a deployed Worker's `env.KV` via `Worker.kv`, bad input as typed errors,
// cancellation by AbortSignal, and no credential in what KV hands back.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'

import { ApiError, CancelledError, InvalidInputError, Worker } from 'boardingpass-sdk'
import { startEmulator } from './emulator.mjs'
import { clientFor, OWNER } from './helpers.mjs'

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

/** GET a Worker URL through the emulator's port, named by its Host header. */
function fetchWorker(url) {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: u.port, path: '/', headers: { host: u.host } }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

const COUNTER = `export default { async fetch(req, env) {
  const n = Number(await env.KV.get("count") ?? "0") + 1
  await env.KV.put("count", String(n))
  return new Response(String(n))
} }`

test('namespaces, values, listing and bulk writes', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const ns = await pass.createKvNamespace('guestbook')
  assert.equal(ns.title, 'guestbook')
  assert.match(ns.id, /^[0-9a-f]{32}$/)
  assert.deepEqual((await pass.kvNamespaces()).map((n) => n.id), [ns.id])
  await pass.kvPut(ns.id, 'text', 'héllo')
  await pass.kvPut(ns.id, 'a/b?c', Buffer.from([0, 255]))
  assert.equal((await pass.kvGet(ns.id, 'text')).toString('utf8'), 'héllo')
  assert.deepEqual([...(await pass.kvGet(ns.id, 'a/b?c'))], [0, 255])
  assert.equal(await pass.kvGet(ns.id, 'missing'), null)
  const entries = Array.from({ length: 15 }, (_, i) => ({ key: `entry/${String(i).padStart(2, '0')}`, value: String(i) }))
  await pass.kvPutBulk(ns.id, [...entries, { key: 'entry/raw', value: Buffer.from([1]) }])
  const page = await pass.kvList(ns.id, { prefix: 'entry/', limit: 10 })
  assert.deepEqual(page.keys.map((k) => k.name), entries.slice(0, 10).map((e) => e.key))
  const rest = await pass.kvList(ns.id, { prefix: 'entry/', cursor: page.cursor })
  assert.deepEqual(rest.keys.map((k) => k.name), [...entries.slice(10).map((e) => e.key), 'entry/raw'])
  assert.equal(rest.cursor ?? null, null)
  await pass.kvDelete(ns.id, 'text')
  assert.equal(await pass.kvGet(ns.id, 'text'), null)

  await assert.rejects(pass.kvPut(ns.id, 'k'.repeat(513), 'v'), InvalidInputError)
  await assert.rejects(pass.kvList(ns.id, { limit: 5 }), InvalidInputError)
  await assert.rejects(pass.createKvNamespace('guestbook'), (e) => e instanceof ApiError && e.apiCode === 10014)
  await assert.rejects(pass.kvGet(ns.id, 'text', { signal: AbortSignal.abort() }), CancelledError)

  const seen = JSON.stringify([await pass.kvNamespaces(), await pass.kvList(ns.id)])
  for (const secret of [pass.apiToken.expose(), pass.claimUrl.expose()]) assert.ok(!seen.includes(secret), 'no credential in KV results')
  await pass.deleteKvNamespace(ns.id)
  assert.deepEqual(await pass.kvNamespaces(), [])
})

test('a Worker bound with Worker.kv keeps its data across a redeploy', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const worker = Worker.fromSource('counter', 'index.js', COUNTER).kv('KV', 'counter-data')
  const d = await pass.deploy(worker)
  assert.equal(await fetchWorker(d.url), '1')
  assert.equal(await fetchWorker(d.url), '2')
  const [ns] = await pass.kvNamespaces()
  assert.equal(ns.title, 'counter-data')
  assert.equal((await pass.kvGet(ns.id, 'count')).toString(), '2')
  const d2 = await pass.deploy(worker.var('V', '2'))
  assert.ok(d2.redeploy)
  assert.equal(await fetchWorker(d2.url), '3')
  assert.equal((await pass.kvNamespaces()).length, 1)
})

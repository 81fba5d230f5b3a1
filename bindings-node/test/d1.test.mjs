// D1 through the Node API (core's calls, converted): the guestbook project
// deployed with its migrations, KV counter and D1 table (POST entries, GET
// them, redeploy keeps the data); direct D1 calls with every value type,
// rows as arrays and as records, migrations as wrangler records them;
// SQLite's refusal as SqlError with nothing kept; cancellation by
// AbortSignal; and no credential in results, errors or the ticket.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'

import { BoardingpassError, CancelledError, InvalidInputError, SqlError, Worker } from 'boardingpass-sdk'
import { repoRoot, startEmulator } from './emulator.mjs'
import { clientFor, OWNER } from './helpers.mjs'

const GUESTBOOK = path.join(repoRoot, 'tests/fixtures/projects/7-guestbook')

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

/** A request to a deployed Worker through the emulator's port, named by its Host header. */
function call(url, route, body) {
  const u = new URL(url)
  const data = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: u.port, path: route, method: data ? 'POST' : 'GET', headers: { host: u.host, 'content-type': 'application/json' } },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve([res.statusCode, JSON.parse(text)]))
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

function assertNoSecret(pass, ...outputs) {
  // inspect, not JSON.stringify: a BLOB cell would print as a list of numbers.
  const seen = outputs.map((o) => (typeof o === 'string' ? o : inspect(o, { depth: null }))).join('\n')
  for (const secret of [pass.apiToken.expose(), pass.claimUrl.expose()]) assert.ok(!seen.includes(secret), 'no credential in D1 output')
}

const errorText = (e) => `${e.stack}\n${inspect({ ...e })}`

test('the guestbook keeps its data across a redeploy', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const worker = await Worker.fromPath(GUESTBOOK)
  const first = await pass.deploy(worker)
  assert.deepEqual(await call(first.url, '/entries', { name: 'Ada', message: 'hello' }), [201, { count: 1 }])
  assert.deepEqual(await call(first.url, '/entries', { name: 'Grace', message: 'hi' }), [201, { count: 2 }])
  const [status, listing] = await call(first.url, '/entries')
  assert.equal(status, 200)
  assert.equal(listing.count, 2)
  assert.deepEqual(listing.entries.map((e) => [e.name, e.message, e.likes]), [['Ada', 'hello', 0], ['Grace', 'hi', 0]])

  const again = await pass.deploy(worker)
  assert.ok(again.redeploy)
  assert.deepEqual(await call(again.url, '/entries', { name: 'Linus', message: 'again' }), [201, { count: 3 }])
  assert.deepEqual((await call(again.url, '/entries'))[1].entries.map((e) => e.name), ['Ada', 'Grace', 'Linus'])

  const [db] = await pass.d1Databases()
  assert.equal(db.name, 'guestbook')
  const [ns] = await pass.kvNamespaces()
  assert.equal((await pass.kvGet(ns.id, 'posts')).toString(), '3')
  const [result] = await pass.d1Query(db.uuid, 'SELECT name FROM entries WHERE likes = ? ORDER BY id', [0])
  assert.deepEqual(result.rows, [['Ada'], ['Grace'], ['Linus']])
  assert.deepEqual(result.records, [{ name: 'Ada' }, { name: 'Grace' }, { name: 'Linus' }])
  const [applied] = await pass.d1Query(db.uuid, 'SELECT name FROM d1_migrations ORDER BY id')
  assert.deepEqual(applied.rows, [['0001_create.sql'], ['0002_likes.sql']])
  assert.deepEqual(await pass.d1ApplyMigrations(db.uuid, path.join(GUESTBOOK, 'migrations')), [], 'already applied')

  await pass.verify(again, { path: '/entries' })
  const ticket = await pass.ticket()
  const resources = ticket.toDict().temporary_resource.resources.map((r) => [r.type, r.name, r.id]).sort()
  assert.deepEqual(resources, [['d1_database', 'guestbook', db.uuid], ['kv_namespace', ns.title, ns.id]])
  assertNoSecret(pass, ticket.toJson(), ticket.toMarkdown(), result, await pass.d1Databases())
})

test('a Worker built in code gets its migrations', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const bare = Worker.fromSource('code-guestbook', 'index.js', "export default { async fetch() { return new Response('ok') } }")
  const migrations = path.join(GUESTBOOK, 'migrations')
  await assert.rejects(pass.deploy(bare.d1Migrations('DB', migrations)), (e) => e instanceof InvalidInputError && /not a D1 binding/.test(e.message))
  await pass.deploy(bare.d1('DB', 'code-guestbook').d1Migrations('DB', migrations))
  const [db] = await pass.d1Databases()
  assert.deepEqual((await pass.d1Query(db.uuid, 'SELECT count(*) FROM entries'))[0].rows, [[0]])
})

test('queries, values, migrations, SQL errors and cancellation', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const db = await pass.createD1Database('notes')
  assert.equal(db.name, 'notes')
  assert.deepEqual((await pass.d1Databases()).map((d) => d.uuid), [db.uuid])

  const [created, inserted] = await pass.d1Query(
    db.uuid,
    'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, score REAL, data BLOB, extra); INSERT INTO notes (body, score, data, extra) VALUES (?, ?, ?, ?)',
    ['héllo', 2.5, Buffer.from([0, 255]), null],
  )
  assert.deepEqual(created.columns, [])
  assert.equal(inserted.meta.changes, 1, 'counts are plain numbers')
  assert.equal(JSON.parse(JSON.stringify(inserted)).meta.changes, 1, 'a result serialises as JSON (no BigInt in it)')
  assert.equal(inserted.meta.lastRowId, 1)
  await pass.d1Query(db.uuid, 'INSERT INTO notes (body, score, data, extra) VALUES (?, ?, ?, ?)', [null, 7n, new Uint8Array([1]), true])
  const [result] = await pass.d1Query(db.uuid, 'SELECT id, body, score, data, extra FROM notes ORDER BY id')
  assert.deepEqual(result.columns, ['id', 'body', 'score', 'data', 'extra'])
  assert.deepEqual(result.rows, [[1, 'héllo', 2.5, Buffer.from([0, 255]), null], [2, null, 7, Buffer.from([1]), 1]])
  assert.deepEqual(result.records[0], { id: 1, body: 'héllo', score: 2.5, data: Buffer.from([0, 255]), extra: null })
  assert.deepEqual(Object.keys(result.records[1]), result.columns, 'record keys keep column order')
  assert.ok(result.meta.rowsRead >= 2 && result.meta.durationMs >= 0)

  for (const bad of [{}, [1], new Date(0)]) {
    assert.throws(() => pass.d1Query(db.uuid, 'SELECT ?', [bad]), (e) => e instanceof InvalidInputError && /a D1 parameter is null, a number/.test(e.message), inspect(bad))
  }
  await assert.rejects(pass.d1Query(db.uuid, '   '), InvalidInputError)
  await assert.rejects(pass.d1Query('../workers', 'SELECT 1'), InvalidInputError)
  await assert.rejects(pass.d1Query(db.uuid, 'SELECT 1', [], { signal: AbortSignal.abort() }), CancelledError)

  const refused = await pass.d1Query(db.uuid, "INSERT INTO notes (body) VALUES ('kept?'); SELEC 1").catch((e) => e)
  assert.ok(refused instanceof SqlError, String(refused))
  assert.equal(refused.code, 'sql')
  assert.match(refused.message, /syntax error/)
  assert.deepEqual((await pass.d1Query(db.uuid, 'SELECT count(*) AS n FROM notes'))[0].records, [{ n: 2 }], 'the failing call changed nothing')

  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bp-d1-')), 'migrations')
  mkdirSync(dir)
  writeFileSync(path.join(dir, '0001_tags.sql'), 'CREATE TABLE tags (name TEXT PRIMARY KEY);')
  writeFileSync(path.join(dir, '0002_seed.sql'), "INSERT INTO tags VALUES ('a'), ('b');")
  assert.deepEqual(await pass.d1ApplyMigrations(db.uuid, dir), ['0001_tags.sql', '0002_seed.sql'])
  writeFileSync(path.join(dir, '0003_broken.sql'), 'INSERT INTO nowhere VALUES (1);')
  const broken = await pass.d1ApplyMigrations(db.uuid, dir).catch((e) => e)
  assert.ok(broken instanceof SqlError, String(broken))
  assert.equal(broken.migration, '0003_broken.sql')
  assert.match(broken.message, /no such table/)
  assert.deepEqual((await pass.d1Query(db.uuid, 'SELECT count(*) FROM tags'))[0].rows, [[2]])

  const second = await pass.createD1Database('another').catch((e) => e)
  assert.ok(second instanceof BoardingpassError, String(second))
  assertNoSecret(pass, result, await pass.d1Databases(), errorText(refused), errorText(broken), errorText(second))

  await pass.deleteD1Database(db.uuid)
  assert.deepEqual(await pass.d1Databases(), [])
})

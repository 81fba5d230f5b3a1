// The error taxonomy: every class of tests/fixtures/error-kinds.json exists,
// extends BoardingpassError and carries its code; each one is produced by a
// real failure with its structured fields.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'

import * as bp from 'boardingpass-sdk'
import { repoRoot, startEmulator } from './emulator.mjs'
import { clientFor, hello, OWNER } from './helpers.mjs'

const fixture = JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/error-kinds.json'), 'utf8'))
const classFor = Object.fromEntries(fixture.kinds.map((k) => [k.code, bp[k.class]]))
const once = { retry: { maxAttempts: 1 } }

/** Runs `fn`, which must fail, and checks the error is the fixture's class for `code`. */
async function failure(code, fn) {
  const err = await Promise.resolve().then(fn).then(
    () => assert.fail(`expected a ${code} error`),
    (e) => e,
  )
  assert.ok(err instanceof bp.BoardingpassError, `${err?.name}: ${err?.message}`)
  assert.ok(err instanceof classFor[code], `${code}: got ${err.name} (${err.code}): ${err.message}`)
  assert.equal(err.code, code)
  assert.ok(err.message.length > 0)
  assert.ok(typeof err.stack === 'string')
  return err
}

test('the fixture lists every class, each a BoardingpassError subclass carrying its code', () => {
  assert.equal(fixture.base, 'BoardingpassError')
  assert.equal(typeof bp.BoardingpassError, 'function')
  assert.ok(new bp.BoardingpassError('x') instanceof Error)
  for (const { code, class: name } of fixture.kinds) {
    const cls = bp[name]
    assert.equal(typeof cls, 'function', `${name} is exported`)
    assert.ok(cls.prototype instanceof bp.BoardingpassError, `${name} extends BoardingpassError`)
    const e = new cls('message', { status: 429, retryAfter: 2000, requestId: 'ray-1' })
    assert.equal(e.code, code)
    assert.equal(e.status, 429)
    assert.equal(e.retryAfter, 2000)
    assert.equal(e.requestId, 'ray-1')
    assert.equal(e.message, 'message')
  }
  assert.equal(bp.AbortError, bp.CancelledError)
  assert.equal(new bp.CancelledError('x').name, 'AbortError')
  assert.equal(new bp.RateLimitedError('x').name, 'RateLimitedError')
})

describe('each error from a real failure', () => {
  let emu
  before(async () => {
    emu = await startEmulator()
  })
  after(() => emu.stop())

  test('network: nothing listens at the API base', async () => {
    const client = new bp.Client({ apiBase: 'http://127.0.0.1:9/client/v4', acceptTerms: true, ...once })
    const err = await failure('network', () => client.provision({ owner: OWNER }))
    assert.match(err.message, /reachable/)
  })

  test('timeout: the server answers after the client timeout', async () => {
    await emu.fault({ path_contains: 'challenge', kind: 'delay', delay_ms: 1500 })
    await failure('timeout', () => clientFor(emu, { timeout: 200, ...once }).provision({ owner: OWNER }))
  })

  test('api: an error envelope, with status and request id', async () => {
    await emu.fault({ path_contains: 'challenge', kind: 'status', status: 403 })
    const err = await failure('api', () => clientFor(emu, once).provision({ owner: OWNER }))
    assert.equal(err.status, 403)
    assert.equal(err.apiCode, 403)
    assert.equal(typeof err.requestId, 'string')
    assert.ok(err.message.includes(err.requestId))
  })

  test('rate_limited: a 429 with Retry-After, in milliseconds', async () => {
    await emu.fault({ path_contains: 'challenge', kind: 'status', status: 429, retry_after: 2 })
    const err = await failure('rate_limited', () => clientFor(emu, once).provision({ owner: OWNER }))
    assert.equal(err.status, 429)
    assert.equal(err.retryAfter, 2000)
    assert.equal(typeof err.requestId, 'string')
  })

  test('terms_not_accepted: the caller did not accept the terms', async () => {
    const err = await failure('terms_not_accepted', () => clientFor(emu, { acceptTerms: false }).provision({ owner: OWNER }))
    assert.match(err.message, /accept_terms/)
  })

  test('pow_refused: the challenge is over the work cap', async () => {
    await failure('pow_refused', () => clientFor(emu, { powWorkCap: 10 }).provision({ owner: OWNER }))
  })

  test('pass_expired: the window (minus the margin) has passed', async () => {
    // Accounts of one minute, the largest margin core allows (30 min): expired on arrival.
    const shortLived = await startEmulator({ lifetime: 60 })
    try {
      const pass = await clientFor(shortLived, { expiryMargin: 1800 * 1000 }).provision({ owner: OWNER })
      const err = await failure('pass_expired', () => pass.deploy(hello()))
      assert.match(err.message, /provision a new pass/)
    } finally {
      await shortLived.stop()
    }
  })

  test('pass_revoked: teardown revoked the token', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    await pass.teardown()
    const err = await failure('pass_revoked', () => pass.deploy(hello()))
    assert.match(err.message, /revoked by teardown; provision a new pass/)
  })

  test('policy_violation: no named claim owner', async () => {
    const err = await failure('policy_violation', () => clientFor(emu).provision({}))
    assert.deepEqual(err.violations.map((v) => v.rule), ['require_claim_owner'])
    assert.match(err.violations[0].message, /owner/)
  })

  test('invalid_input: from the core, from option conversion, and from argument types', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const bad = await failure('invalid_input', () => pass.deploy(hello('Not_A_Name')))
    assert.equal(bad.field, 'worker name')
    const base = await failure('invalid_input', () => new bp.Client({ apiBase: 'http://example.com/client/v4' }))
    assert.equal(base.field, 'api_base')
    assert.match(base.message, /https/)
    const duration = await failure('invalid_input', () => pass.waitForClaim({ timeout: -1 }))
    assert.equal(duration.field, 'timeout')
    // Past what a Duration holds: refused, not a panic that would abort the process.
    const huge = await failure('invalid_input', () => pass.waitForClaim({ timeout: 1e300 }))
    assert.equal(huge.field, 'timeout')
    await failure('invalid_input', () => new bp.Worker(42))
    await failure('invalid_input', () => pass.ticket({ status: 'bogus' }))
    await failure('invalid_input', () => bp.Worker.fromSource('x', 'a.js', 'x').module('data.weird', 'x'))
    await failure('invalid_input', () => pass.waitForClaim({ signal: {} }))
  })

  test('protocol: a body that is not JSON', async () => {
    await emu.fault({ path_contains: 'challenge', kind: 'malformed_json' })
    await failure('protocol', () => clientFor(emu, once).provision({ owner: OWNER }))
  })

  test('verification: the live URL never answers as expected', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const d = await pass.deploy(hello('checked', 'actual body'))
    const err = await failure('verification', () => pass.verify(d, { expectBodyContains: 'something else', timeout: 300, interval: 50 }))
    assert.match(err.message, /does not contain/)
    assert.equal(pass.evidence.at(-1).passed, false)
  })

  test('io: a path that does not exist, and an audit log that cannot be opened', async () => {
    const missing = path.join(repoRoot, 'no-such-dir', 'worker.js')
    const err = await failure('io', () => bp.Worker.fromPath(missing))
    assert.ok(err.message.includes(missing))
    await failure('io', () => clientFor(emu, { auditLog: path.join(repoRoot, 'no-such-dir', 'audit.jsonl') }))
  })

  test('sql: a migration the database refuses names its file', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const project = await bp.Worker.fromPath(path.join(repoRoot, 'tests/fixtures/projects/6-bad/bad-migration'))
    const err = await failure('sql', () => pass.deploy(project))
    assert.equal(err.migration, '0001_broken.sql')
    assert.match(err.message, /0001_broken\.sql.*syntax error/)
    assert.deepEqual(pass.liveWorkers, [], 'nothing went live')
  })

  test('cancelled: an aborted signal', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const err = await failure('cancelled', () => pass.deploy(hello(), { signal: AbortSignal.abort() }))
    assert.ok(err instanceof bp.AbortError)
    assert.equal(err.name, 'AbortError')
    assert.deepEqual(pass.liveWorkers, [], 'nothing was deployed')
  })

  test('sql: the database refused a statement, with SQLite\'s message', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const db = await pass.createD1Database('errors')
    const err = await failure('sql', () => pass.d1Query(db.uuid, 'SELEC 1'))
    assert.match(err.message, /syntax error/)
    assert.equal(err.migration, undefined)
  })
})

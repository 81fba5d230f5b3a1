// Bundling (issue 13) from Node: a TypeScript + hono + TSX project deploys
// through `deploy(path)` with a `bundle` progress phase, and a project that
// cannot be bundled rejects with a located BundleError.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import { BoardingpassError, BundleError, Worker } from 'boardingpass-sdk'
import { repoRoot, startEmulator } from './emulator.mjs'
import { clientFor, OWNER } from './helpers.mjs'

const projects = path.join(repoRoot, 'tests/fixtures/projects')

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

test('a hono TSX project deploys by path, bundled', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const events = []
  const deployment = await pass.deploy(path.join(projects, '2-hono-tsx'), { onProgress: (e) => events.push(e.phase) })
  assert.equal(deployment.workerName, 'hono-tsx')
  assert.deepEqual(events.filter((p) => p === 'bundle'), ['bundle', 'bundle'])
  await pass.verify(deployment, { path: '/api/items', expectBodyContains: '"total":2' })
  const page = await pass.verify(deployment, { path: '/page', expectHeader: { name: 'content-type', value: 'text/html' } })
  assert.ok(page.bodyPrefix.includes('<li>npm</li>'), page.bodyPrefix)
  const [entry] = (await pass.ticket()).toDict().temporary_resource.workers
  assert.deepEqual(entry.bundled_packages, ['hono@4.13.19'])
})

test('a project that cannot be bundled rejects with its location', async () => {
  const err = await Worker.fromPath(path.join(projects, '6-bad/unresolved-import')).then(
    () => assert.fail('loaded'),
    (e) => e,
  )
  assert.ok(err instanceof BundleError && err instanceof BoardingpassError, String(err))
  assert.equal(err.code, 'bundle')
  assert.deepEqual([err.file, err.line, err.column], ['src/index.ts', 1, 23])
  assert.match(err.message, /check the import path/)
})

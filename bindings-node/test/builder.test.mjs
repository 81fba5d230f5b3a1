// Local objects: the Worker builder, Policy, Secret and the redacted views,
// none of which needs a server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'

import { BoardingPass, InvalidInputError, Policy, Secret, Worker } from 'boardingpass-sdk'

test('builder methods chain, each returning a new Worker, and toJSON/inspect never show binding values', () => {
  const empty = new Worker('multi')
  const w = empty
    .module('index.js', 'import { x } from "./lib/x.js"; export default { fetch() { return new Response(x) } }')
    .module('lib/x.js', 'export const x = "x"')
    .module('data.bin', Buffer.from([1, 2, 3]))
    .module('notes', 'plain words', 'text')
    .compatibilityDate('2026-01-15')
    .compatibilityFlag('nodejs_compat')
    .var('A', '1')
    .var('A', '2')
    .jsonVar('J', { deep: [1, 2] })
    .secret('S', 'do-not-show-this')
    .assets({ directory: '/srv/public', binding: 'ASSETS', notFoundHandling: 'single-page-application', runWorkerFirst: ['/api/*'] })
  assert.notEqual(w, empty)
  assert.deepEqual([empty.toJSON().modules, empty.toJSON().bindings], [[], []], 'the builder left the first Worker as it was')
  const view = w.toJSON()
  assert.equal(view.mainModule, 'index.js')
  assert.deepEqual(
    view.modules.map((m) => [m.name, m.kind, m.size]),
    [
      ['index.js', 'es_module', 85],
      ['lib/x.js', 'es_module', 20],
      ['data.bin', 'data', 3],
      ['notes', 'text', 11],
    ],
  )
  assert.deepEqual(view.bindings, [
    { name: 'A', type: 'plain_text' },
    { name: 'J', type: 'json' },
    { name: 'S', type: 'secret_text' },
  ])
  assert.deepEqual(view.compatibilityFlags, ['nodejs_compat'])
  assert.equal(view.assetsDirectory, '/srv/public')
  assert.equal(w.scriptSize, 85 + 20 + 3 + 11)
  assert.match(w.contentDigest, /^sha256:[0-9a-f]{64}$/)
  for (const text of [JSON.stringify(w), inspect(w, { showHidden: true, depth: null }), String(w)]) {
    assert.ok(!text.includes('do-not-show-this'), text)
  }
  w.validate()
})

test('a service-worker script is recognised, and local checks are typed errors that say what to do', () => {
  assert.equal(Worker.fromSource('sw', 'sw.js', "addEventListener('fetch', () => {})").toJSON().modules[0].kind, 'service_worker')
  const missingMain = new Worker('w').mainModule('index.js').module('other.txt', 'x')
  assert.throws(() => missingMain.validate(), (e) => e instanceof InvalidInputError && e.field === 'main_module' && /add it or fix the name/.test(e.message))
  assert.throws(() => Worker.fromSource('w', 'i.js', 'export default {}').compatibilityDate('June').validate(), (e) => e.field === 'compatibility_date')
  assert.throws(() => Worker.fromSource('w', 'i.js', 'export default {}').validate(10), (e) => e.field === 'worker size')
  assert.throws(() => new Worker('w').module('x.unknown', 'x'), (e) => e instanceof InvalidInputError && /pass a kind/.test(e.message))
})

test('policies load from TOML, JSON, fields or a file, and bad ones are typed errors', async () => {
  const fromToml = Policy.fromToml('max_deploys_per_pass = 2\nworker_name_pattern = "^agent-"')
  const fromJson = Policy.fromJson('{"max_deploys_per_pass": 2, "worker_name_pattern": "^agent-"}')
  const fromFields = new Policy({ maxDeploysPerPass: 2, workerNamePattern: '^agent-' })
  assert.deepEqual(fromToml.toJSON(), fromJson.toJSON())
  assert.deepEqual(fromFields.toJSON(), fromJson.toJSON())
  assert.equal(fromFields.toJSON().requireClaimOwner, true, 'unset rules keep the defaults')
  assert.equal(Policy.permissive().toJSON().requireClaimOwner, false)
  assert.equal(new Policy().toJSON().requireVerification, true)
  assert.match(inspect(fromToml), /^Policy \{/)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bp-node-policy-'))
  try {
    const file = path.join(dir, 'policy.json')
    await writeFile(file, '{"max_asset_files": 7}')
    assert.equal((await Policy.fromFile(file)).toJSON().maxAssetFiles, 7)
    await assert.rejects(Policy.fromFile(path.join(dir, 'missing.toml')), (e) => e.code === 'io')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  assert.throws(() => Policy.fromToml('max_deploys = 3'), (e) => e instanceof InvalidInputError && /unknown field/.test(e.message))
  assert.throws(() => new Policy({ workerNamePattern: '(' }), (e) => e instanceof InvalidInputError && e.field === 'policy worker_name_pattern')
  assert.throws(() => new Policy({ maxWorkerSize: -1 }), InvalidInputError)
})

test('credentials and passes cannot be made from JS', () => {
  assert.throws(() => new Secret())
  assert.throws(() => new BoardingPass())
})

test('module kinds use the names core and the Python binding use', () => {
  const w = new Worker('kinds').module('index.js', 'export default {}').module('legacy.cjs', 'module.exports = 1').module('shim', 'x', 'commonjs')
  assert.deepEqual(
    w.toJSON().modules.map((m) => m.kind),
    ['es_module', 'commonjs', 'commonjs'],
  )
  assert.throws(() => w.module('other', 'x', 'common_js'), InvalidInputError)
  // Without a kind, core infers it from the extension or refuses with the same error in every binding.
  assert.throws(() => w.module('README', 'x'), (e) => e instanceof InvalidInputError && /"README".*pass a kind/.test(e.message))
})

// Many calls in flight at once from one event loop: 20 deploys on one pass,
// each then verified to serve its own code.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'

import { startEmulator } from './emulator.mjs'
import { clientFor, hello, OWNER } from './helpers.mjs'

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

test('20 concurrent deploys each serve their own code', async () => {
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const names = Array.from({ length: 20 }, (_, i) => `worker-${i}`)
  const deployments = await Promise.all(names.map((name) => pass.deploy(hello(name, `I am ${name}`))))
  assert.deepEqual(deployments.map((d) => d.workerName), names)
  assert.equal(new Set(deployments.map((d) => d.versionId)).size, 20)
  const evidence = await Promise.all(deployments.map((d) => pass.verify(d, { expectBodyContains: `I am ${d.workerName}` })))
  assert.ok(evidence.every((e) => e.passed))
  assert.deepEqual([...pass.liveWorkers].sort(), [...names].sort())
  assert.equal(pass.deployments.length, 20)
})

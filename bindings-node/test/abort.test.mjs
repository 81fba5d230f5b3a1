// AbortSignal on long calls: aborting rejects with AbortError (the
// CancelledError class) and stops the Rust work; listeners do not pile up
// on a signal shared by many calls.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { AbortError, BoardingpassError, CancelledError } from 'boardingpass-sdk'
import { startEmulator } from './emulator.mjs'
import { clientFor, hello, OWNER, sleep } from './helpers.mjs'

let emu, pass
before(async () => {
  emu = await startEmulator()
  pass = await clientFor(emu).provision({ owner: OWNER })
})
after(() => emu.stop())

const isAbort = (e) => e instanceof AbortError && e instanceof CancelledError && e instanceof BoardingpassError && e.name === 'AbortError' && e.code === 'cancelled'

test('aborting a long wait for the claim rejects with AbortError long before its timeout', async () => {
  const controller = new AbortController()
  const waiting = pass.waitForClaim({ timeout: 60_000, signal: controller.signal })
  await sleep(200)
  controller.abort()
  await assert.rejects(waiting, isAbort)
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the listener is removed once the call settled')
  const again = await pass.waitForClaim({ timeout: 300 })
  assert.equal(again.status, 'pending', 'the pass is unaffected')
})

test('AbortSignal.timeout works like a controller', async () => {
  await assert.rejects(pass.waitForClaim({ timeout: 60_000, signal: AbortSignal.timeout(150) }), isAbort)
})

test('a signal already aborted refuses the call at once', async () => {
  await assert.rejects(pass.verify({ ...(await pass.deploy(hello('pre'))) }, { signal: AbortSignal.abort() }), isAbort)
  await assert.rejects(clientFor(emu).provision({ owner: OWNER, signal: AbortSignal.abort() }), isAbort)
})

test('a signal shared by many calls keeps no listener once they settle', async () => {
  const controller = new AbortController()
  const { signal } = controller
  await Promise.all([
    pass.deploy(hello('shared-a'), { signal }),
    pass.deploy(hello('shared-b'), { signal }),
    pass.waitForClaim({ timeout: 200, signal }),
  ])
  assert.equal(getEventListeners(signal, 'abort').length, 0)
  controller.abort()
  assert.deepEqual(pass.liveWorkers.filter((w) => w.startsWith('shared')).sort(), ['shared-a', 'shared-b'])
})

test('aborting a watch ends the for-await loop with AbortError; leaving the loop early stops it', async () => {
  const controller = new AbortController()
  const seen = []
  const loop = (async () => {
    for await (const o of pass.watchClaim({ timeout: 60_000, signal: controller.signal })) seen.push(o.status)
  })()
  await sleep(300)
  controller.abort()
  await assert.rejects(loop, isAbort)
  assert.deepEqual(seen, ['pending'])
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0)

  const watch = pass.watchClaim({ timeout: 60_000, signal: new AbortController().signal })
  for await (const o of watch) {
    assert.equal(o.status, 'pending')
    break
  }
  assert.deepEqual(await watch.next(), { done: true }, 'a closed watch is done')
})

test('a watcher dropped without being closed lets go of its signal when collected', async () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc')
  const { signal } = new AbortController()
  ;(() => pass.watchClaim({ signal }))()
  assert.equal(getEventListeners(signal, 'abort').length, 1)
  for (let i = 0; i < 20 && getEventListeners(signal, 'abort').length > 0; i++) {
    gc()
    await sleep(20)
  }
  assert.equal(getEventListeners(signal, 'abort').length, 0)
})

// A full-size proof of work (k=8000, g=2000, as Cloudflare asks): the event
// loop keeps running while it is solved, and an abort stops the solver.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { monitorEventLoopDelay } from 'node:perf_hooks'

import { AbortError } from 'boardingpass-sdk'
import { startEmulator } from './emulator.mjs'
import { clientFor, OWNER, sleep } from './helpers.mjs'

let emu
before(async () => {
  emu = await startEmulator({ powK: 8000, powG: 2000 })
})
after(() => emu.stop())

test('timers keep firing while the proof of work is solved', async (t) => {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  delay.enable()
  const started = performance.now()
  const pass = await clientFor(emu).provision({ owner: OWNER })
  const elapsed = performance.now() - started
  delay.disable()
  clearInterval(timer)
  assert.ok(pass.accountId)
  const expected = elapsed / 5
  // A blocked loop would tick about once for the whole solve. The delay
  // figures are reported, not asserted (tests/bench/node_event_loop.mjs).
  assert.ok(ticks >= expected * 0.5, `${ticks} ticks in ${elapsed.toFixed(0)} ms (about ${expected.toFixed(0)} expected)`)
  const ms = (ns) => (ns / 1e6).toFixed(2)
  t.diagnostic(`solve ${elapsed.toFixed(0)} ms, ${ticks} ticks of 5 ms; loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms`)
})

test('aborting mid-solve rejects with AbortError and stops the solver', async () => {
  const controller = new AbortController()
  let checkpoints = 0
  const provisioning = clientFor(emu).provision({
    owner: OWNER,
    signal: controller.signal,
    onProgress: (e) => {
      if (e.phase !== 'proof_of_work' || e.done === 0) return
      checkpoints = e.done
      if (e.done >= 400) controller.abort()
    },
  })
  await assert.rejects(provisioning, (e) => e instanceof AbortError)
  await sleep(200)
  const settled = checkpoints
  await sleep(400)
  assert.equal(checkpoints, settled, 'no progress after the abort: the solver stopped')
  assert.ok(checkpoints < 8000, `stopped at ${checkpoints} of 8000 checkpoints`)
})

// Benchmark of the Node package: event-loop delay while a full-size proof
// of work (k=8000, g=2000) is solved, and the cost of loading the package.
//
//   make bench-node            (or: node tests/bench/node_event_loop.mjs [runs])
//
// Needs the native module (make node-build) and the emulator binary
// (make bench-node uses release builds of both, as users would run them).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

import { Client } from '../../bindings-node/index.mjs'
import { startEmulator } from '../../bindings-node/test/emulator.mjs'

const runs = Number(process.argv[2] ?? 5)
const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bindings-node')
const ms = (ns) => ns / 1e6
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (x) => x.toFixed(2).padStart(8)

// With a progress callback, a second histogram covers only the proof of work
// (first to last proof_of_work event); the whole-provision one also covers the
// server's verification, which on this machine competes for the same cores.
async function solve(client, withProgress) {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  const during = monitorEventLoopDelay({ resolution: 1 })
  let ticks = 0
  let events = 0
  const pow = []
  const onProgress = (e) => {
    events++
    if (e.phase !== 'proof_of_work' || (e.done !== 0 && e.done !== e.total)) return
    pow.push(performance.now())
    if (e.done === 0) during.enable()
    else during.disable()
  }
  const timer = setInterval(() => ticks++, 5)
  histogram.enable()
  const started = performance.now()
  await client.provision({ owner: 'Bench', onProgress: withProgress ? onProgress : undefined })
  const elapsed = performance.now() - started
  histogram.disable()
  clearInterval(timer)
  const solve = pow.length === 2 ? pow[1] - pow[0] : NaN
  return {
    elapsed,
    solve,
    ticks,
    events,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    powP50: ms(during.percentile(50)),
    powP99: ms(during.percentile(99)),
    powMax: ms(during.max),
  }
}

const emu = await startEmulator({ powK: 8000, powG: 2000 })
try {
  const client = new Client({ apiBase: emu.base, acceptTerms: true })
  await solve(client, false) // warm-up: connection pool, solver thread
  console.log(`event-loop delay during provision (k=8000 g=2000), ${runs} runs each: medians in ms, max = worst run`)
  console.log('progress cb   | provision | of which PoW | p50 delay | p99 delay | max delay | 5 ms ticks / expected')
  for (const withProgress of [false, true]) {
    const results = []
    for (let i = 0; i < runs; i++) results.push(await solve(client, withProgress))
    const m = (k) => median(results.map((r) => r[k]))
    const worstMax = Math.max(...results.map((r) => r.max))
    console.log(
      `${(withProgress ? `yes (${m('events')} ev)` : 'no').padEnd(13)} | ${fmt(m('elapsed'))}  | ${withProgress ? fmt(m('solve')) : '       -'}     | ${fmt(m('p50'))}  | ${fmt(m('p99'))}  | ${fmt(worstMax)}  | ${m('ticks')} / ${Math.round(m('elapsed') / 5)}`,
    )
    if (withProgress) {
      const powMax = Math.max(...results.map((r) => r.powMax))
      console.log(`  proof of work alone: p50 ${m('powP50').toFixed(2)} ms, p99 ${m('powP99').toFixed(2)} ms, max ${powMax.toFixed(2)} ms (worst run)`)
    }
  }
} finally {
  await emu.stop()
}

const load = (code) => Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: pkg, encoding: 'utf8' }))
const requireCode = "import { createRequire } from 'node:module'; const r = createRequire(process.cwd() + '/'); const t = performance.now(); r('boardingpass-sdk'); process.stdout.write(String(performance.now() - t))"
const importCode = "const t = performance.now(); await import('boardingpass-sdk'); process.stdout.write(String(performance.now() - t))"
for (const [label, code] of [['require', requireCode], ['import', importCode]]) {
  const times = Array.from({ length: 10 }, () => load(code))
  console.log(`${label}('boardingpass-sdk'), fresh process, 10 runs: median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}`)
}

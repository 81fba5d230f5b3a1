// Starts the boardingpass emulator binary for a test file and stops it
// afterwards. Built by `make test-node` (cargo build -p boardingpass-emulator).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

const binary = process.env.BOARDINGPASS_EMULATOR ?? path.join(repoRoot, 'target/debug/boardingpass-emulator')
const workerd = process.env.BOARDINGPASS_WORKERD ?? path.join(repoRoot, 'node_modules/.bin/workerd')

/**
 * A running emulator: `base` is the API base for `new Client({ apiBase })`.
 * Small proof of work by default so tests stay fast.
 */
export async function startEmulator({ powK = 20, powG = 50, lifetime } = {}) {
  const args = ['--port', '0', '--test-control', '--rate-limit', '0', '--pow-k', String(powK), '--pow-g', String(powG)]
  if (lifetime !== undefined) args.push('--lifetime', String(lifetime))
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BOARDINGPASS_WORKERD: workerd },
  })
  const lines = createInterface({ input: child.stdout })
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`emulator exited with ${code} before listening (${binary})`)
  })
  const listening = (async () => {
    for await (const line of lines) {
      const m = /listening on (http:\/\/\S+)/.exec(line)
      if (m) return m[1]
    }
    throw new Error('emulator closed its output before listening')
  })()
  const base = await Promise.race([listening, exited])
  exited.catch(() => {})
  const origin = base.replace(/\/client\/v4$/, '')
  const post = (p, headers, body) =>
    fetch(`${origin}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

  return {
    base,
    origin,
    /** What the human's Claim button does. */
    claim: (claimUrl) => post('/x-boardingpass/claim', { 'x-claim-token': new URL(claimUrl).searchParams.get('claimToken') }),
    /** Scripts the next answers for matching paths. */
    fault: async (spec) => {
      const r = await post('/x-boardingpass/test/faults', {}, JSON.stringify({ times: 1, ...spec }))
      if (!r.ok) throw new Error(`fault not accepted: ${r.status} ${await r.text()}`)
    },
    async stop() {
      if (child.exitCode !== null) return
      const done = once(child, 'exit')
      child.kill('SIGINT')
      await done
    },
  }
}

// Leak scan: a child process uses every output path (inspect, toString,
// JSON, console, error messages and stacks, audit log, files it writes)
// with a temporary HOME; neither its output nor any file under that HOME
// may contain the API token, the claim URL, the claim token or a secret
// binding's value.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { startEmulator } from './emulator.mjs'

let emu, home
before(async () => {
  emu = await startEmulator()
  home = await mkdtemp(path.join(os.tmpdir(), 'bp-node-home-'))
})
after(async () => {
  await emu.stop()
  await rm(home, { recursive: true, force: true })
})

async function collect(stream) {
  const chunks = []
  for await (const c of stream) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

async function filesUnder(dir) {
  const out = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath ?? entry.path, entry.name))
  }
  return out
}

test('no credential or secret value in any output or file', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./leak-child.mjs', import.meta.url))], {
    cwd: home,
    env: { ...process.env, HOME: home, TMPDIR: home, EMULATOR_BASE: emu.base },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  })
  const [stdout, stderr, secretsJson, [code]] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    collect(child.stdio[3]),
    once(child, 'exit'),
  ])
  assert.equal(code, 0, stderr)
  const { token, claimUrl, secretValue } = JSON.parse(secretsJson)
  const claimToken = new URL(claimUrl).searchParams.get('claimToken')
  assert.ok(token && claimUrl && claimToken && secretValue)

  const files = await filesUnder(home)
  const names = files.map((f) => path.basename(f))
  assert.ok(names.includes('audit.jsonl') && names.includes('ticket.json'), `files written: ${names}`)
  const contents = await Promise.all(files.map((f) => readFile(f, 'latin1')))
  const sources = { stdout, stderr, ...Object.fromEntries(files.map((f, i) => [f, contents[i]])) }

  // The scan saw real output: redaction markers, fingerprints, every error class.
  assert.match(stdout, /\[REDACTED\] sha256:[0-9a-f]{12}/)
  for (const cls of ['InvalidInputError', 'VerificationError', 'AbortError', 'PassRevokedError']) assert.ok(stderr.includes(cls), cls)
  assert.match(sources[files[names.indexOf('audit.jsonl')]], /"event":"provisioned"/)

  for (const [what, value] of Object.entries({ token, claimUrl, claimToken, secretValue })) {
    for (const [where, text] of Object.entries(sources)) {
      assert.ok(!text.includes(value), `${what} leaked into ${where}`)
    }
  }
})

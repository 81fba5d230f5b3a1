// The examples under examples/node, run as a user would (subprocesses with
// CLOUDFLARE_API_BASE_URL pointing at the emulator), and the AI SDK tools
// driven in-process through their failure paths.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { AbortError, InvalidInputError } from 'boardingpass-sdk'
import { repoRoot, startEmulator } from './emulator.mjs'
import { clientFor, OWNER } from './helpers.mjs'

const examples = path.join(repoRoot, 'examples/node')
let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

function run(script, args = []) {
  return spawn(process.execPath, [path.join(examples, script), ...args], {
    cwd: examples,
    env: { ...process.env, CLOUDFLARE_API_BASE_URL: emu.base },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

async function text(stream) {
  let out = ''
  for await (const chunk of stream) out += chunk
  return out
}

test('quickstart deploys, verifies, prints the ticket and the link, and sees the owner claim', async () => {
  const child = run('quickstart.mjs', [OWNER, '--wait'])
  const stderr = text(child.stderr)
  const exited = once(child, 'exit')
  const lines = []
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line)
    const link = /^claim link for Ada Lovelace: (\S+)$/.exec(line)
    if (link) assert.equal((await emu.claim(link[1])).status, 200)
  }
  const [code] = await exited
  assert.equal(code, 0, await stderr)
  const out = lines.join('\n')
  assert.match(out, /live at http:\/\/hello\.[a-z-]+\.localhost:\d+\/: HTTP 200/)
  assert.match(out, /# Claim ticket: /)
  assert.match(out, /claim status: claimed$/)
})

test('the AI SDK tools deploy and verify, and keep the claim link away from the model', async () => {
  const child = run('ai-sdk-tools.mjs')
  const [stdout, stderr, [code]] = await Promise.all([text(child.stdout), text(child.stderr), once(child, 'exit')])
  assert.equal(code, 0, stderr)
  const result = JSON.parse(stdout)
  assert.equal(result.verified, true)
  assert.match(result.url, /^http:\/\/agent-hello\./)
  assert.equal(result.evidence.status, 200)
  assert.equal(result.claim_link, 'sent to Ada Lovelace out of band')
  const link = /claim link for Ada Lovelace \(until [^)]+\): (\S+)/.exec(stderr)?.[1]
  assert.ok(link, 'the owner got the link out of band')
  assert.ok(!stdout.includes(link) && !stdout.includes(new URL(link).searchParams.get('claimToken')))
})

test('the example tools reject bad input before provisioning and let an abort propagate', async () => {
  const { deployTools } = await import(pathToFileURL(path.join(examples, 'ai-sdk-tools.mjs')).href)
  const delivered = []
  const tools = deployTools(clientFor(emu), OWNER, (link) => (delivered.push(link), 'delivered'))
  assert.deepEqual(Object.keys(tools), ['provision', 'deploy', 'redeploy', 'verify', 'claim_ticket', 'claim_status', 'wait_for_claim', 'teardown'])
  const options = { toolCallId: 'c', messages: [] }
  await assert.rejects(tools.deploy.execute({ name: 'Bad Name', files: { 'index.js': 'export default {}' } }, options), (e) => {
    assert.ok(e.cause instanceof InvalidInputError)
    assert.match(e.message, /^\[invalid_input\] /, 'the text the model reads')
    return true
  })
  const aborted = { ...options, abortSignal: AbortSignal.abort() }
  await assert.rejects(tools.deploy.execute({ name: 'x', files: { 'index.js': 'export default {}' } }, aborted), AbortError)
  assert.deepEqual(delivered, [], 'no account, no link')
})

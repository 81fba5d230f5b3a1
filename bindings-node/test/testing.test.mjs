// `boardingpass-sdk/testing`: startEmulator() from both entry points starts
// an emulator whose pass deploys and is claimed by `claim`, options reach it,
// stop frees the port, and a missing workerd rejects with an IoError that
// says how to install it. (make test-node points BOARDINGPASS_EMULATOR at
// the debug build; the installed package finds the one it ships.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import net from 'node:net'

import { Client, Emulator, InvalidInputError, IoError, ProtocolError, Worker } from 'boardingpass-sdk'
import { startEmulator } from 'boardingpass-sdk/testing'

const require = createRequire(import.meta.url)

const refused = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(false)))
    s.once('error', () => resolve(true))
  })

test('a pass provisioned against it deploys and is claimed; stop frees the port', async () => {
  const { apiBase, claim, stop, emulator } = await startEmulator()
  assert.match(apiBase, /^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/)
  assert.ok(emulator instanceof Emulator)
  const client = new Client({ apiBase, acceptTerms: true })
  const pass = await client.provision({ owner: 'Ada Lovelace' })
  const deployment = await pass.deploy(Worker.fromSource('hello', 'index.js', "export default { fetch() { return new Response('hi') } }"))
  await pass.verify(deployment, { expectBodyContains: 'hi' })
  await claim(pass)
  assert.equal((await pass.waitForClaim({ timeout: 20_000 })).status, 'claimed')
  const again = await claim(pass).catch((e) => e)
  assert.ok(again instanceof ProtocolError, String(again))
  assert.ok(!again.message.includes(pass.claimUrl.expose()))
  await stop()
  await stop()
  assert.ok(await refused(Number(new URL(apiBase).port)))
})

test('require gives the same function, and options reach the emulator', async () => {
  assert.equal(require('boardingpass-sdk/testing').startEmulator, startEmulator)
  const emu = await startEmulator({ lifetime: 2_000, powK: 7, powG: 9 })
  try {
    const challenge = await (await fetch(`${emu.apiBase}/provisioning/previews/challenge`, { method: 'POST' })).json()
    assert.deepEqual([challenge.result.k, challenge.result.g], [7, 9])
    const pass = await new Client({ apiBase: emu.apiBase, acceptTerms: true }).provision({ owner: 'Ada' })
    assert.ok(pass.expiresAt - Date.now() <= 3_000)
  } finally {
    await emu.stop()
  }
})

test('a missing workerd or a bad option is a typed error before anything starts', async () => {
  await assert.rejects(startEmulator({ workerd: '/nonexistent/workerd' }), (e) => e instanceof IoError && /npm install --save-dev workerd/.test(e.message))
  await assert.rejects(startEmulator({ powK: 0 }), InvalidInputError)
  await assert.rejects(startEmulator({ lifetime: 1_500 }), InvalidInputError)
})

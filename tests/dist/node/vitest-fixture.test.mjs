// A vitest suite (ES modules) of a user: the emulator fixture from boardingpass-sdk/testing held by beforeAll/afterAll.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Client, Worker } from 'boardingpass-sdk'
import { startEmulator } from 'boardingpass-sdk/testing'

let emu
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(() => emu.stop())

test('a pass deploys and is claimed', async () => {
  const pass = await new Client({ apiBase: emu.apiBase, acceptTerms: true }).provision({ owner: 'Ada Lovelace' })
  const deployment = await pass.deploy(Worker.fromSource('hello', 'index.js', "export default { fetch() { return new Response('hi') } }"))
  expect((await pass.verify(deployment)).passed).toBe(true)
  await emu.claim(pass)
  expect((await pass.waitForClaim({ timeout: 20000 })).status).toBe('claimed')
}, 60000)

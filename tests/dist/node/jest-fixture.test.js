// A jest suite (CommonJS) of a user: the emulator fixture from boardingpass-sdk/testing held by beforeAll/afterAll.
const { Client, Worker } = require('boardingpass-sdk')
const { startEmulator } = require('boardingpass-sdk/testing')

let emu
beforeAll(async () => {
  emu = await startEmulator()
})
afterAll(() => emu.stop())

test('a pass deploys and is claimed', async () => {
  const pass = await new Client({ apiBase: emu.apiBase, acceptTerms: true }).provision({ owner: 'Ada Lovelace' })
  await pass.verify(await pass.deploy(Worker.fromSource('hello', 'index.js', "export default { fetch() { return new Response('hi') } }")))
  await emu.claim(pass)
  expect((await pass.waitForClaim({ timeout: 20000 })).status).toBe('claimed')
})

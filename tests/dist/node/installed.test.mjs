// A user's own tests (node:test), with boardingpass-sdk installed from the
// two tarballs only: the platform package carries the addon and the
// emulator; startEmulator() serves the quickstart run with `import` and
// with `require`, and its claim is seen by the pass.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { promisify } from 'node:util'

import { Client, Worker } from 'boardingpass-sdk'
import { startEmulator } from 'boardingpass-sdk/testing'

const require = createRequire(import.meta.url)
const run = promisify(execFile)

test('the addon and the emulator come from the platform package', () => {
  const platform = path.dirname(require.resolve('boardingpass-sdk-linux-x64-gnu/package.json'))
  assert.deepEqual(readdirSync(platform).filter((f) => f !== 'README.md').sort(), ['boardingpass-emulator', 'boardingpass.linux-x64-gnu.node', 'package.json'])
  const main = path.dirname(require.resolve('boardingpass-sdk/package.json'))
  assert.deepEqual(readdirSync(path.join(main, 'native')), ['index.js'], 'the main package carries no binary')
  assert.ok(require.cache[path.join(platform, 'boardingpass.linux-x64-gnu.node')], 'the addon loaded is the platform package\'s')
  assert.equal(require('boardingpass-sdk/testing').startEmulator, startEmulator)
})

for (const script of ['quickstart.mjs', 'quickstart.cjs']) {
  test(`${script} against startEmulator()`, async () => {
    const emu = await startEmulator()
    try {
      const env = { ...process.env, CLOUDFLARE_API_BASE_URL: emu.apiBase }
      const { stdout } = await run(process.execPath, [script, 'Ada Lovelace'], { env, timeout: 120_000 })
      assert.match(stdout, /live at http:\/\/\S+: HTTP 200/)
    } finally {
      await emu.stop()
    }
  })
}

test('claim is seen by the pass', async () => {
  const { apiBase, claim, stop } = await startEmulator({ lifetime: 30_000 })
  try {
    const pass = await new Client({ apiBase, acceptTerms: true }).provision({ owner: 'Ada Lovelace' })
    await pass.verify(await pass.deploy(Worker.fromSource('hello', 'index.js', "export default { fetch() { return new Response('hi') } }")))
    await claim(pass)
    assert.equal((await pass.waitForClaim({ timeout: 20_000 })).status, 'claimed')
  } finally {
    await stop()
  }
})

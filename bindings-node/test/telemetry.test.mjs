// OTLP export from Node: a client's `otlpEndpoint` (or
// OTEL_EXPORTER_OTLP_ENDPOINT) sends the spans and audit events of a whole
// flow to a collector, flushed when Node exits, with no credential in what
// the collector received. The flow runs in a child process: the exporter is
// installed once per process.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { promisify } from 'node:util'

import { Client, InvalidInputError } from 'boardingpass-sdk'

import { startEmulator } from './emulator.mjs'

const run = promisify(execFile)

const CHILD = `
import { Client, Worker } from 'boardingpass-sdk'
const viaEnv = process.env.VIA_ENV === '1'
const client = new Client({ apiBase: process.env.API_BASE, acceptTerms: true, jobId: 'job-otlp', ...(viaEnv ? {} : { otlpEndpoint: process.env.COLLECTOR }) })
const pass = await client.provision({ owner: 'Ada Lovelace' })
const worker = Worker.fromSource('traced', 'index.js', "export default { fetch() { return new Response('traced') } }")
await pass.verify(await pass.deploy(worker))
process.stdout.write(JSON.stringify([pass.apiToken.expose(), pass.claimUrl.expose()]))
`

let emu, collector, url
const bodies = []
before(async () => {
  emu = await startEmulator()
  collector = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks))
      res.end()
    })
  })
  collector.listen(0, '127.0.0.1')
  await once(collector, 'listening')
  url = `http://127.0.0.1:${collector.address().port}`
})
after(async () => {
  await emu.stop()
  collector.close()
})

for (const viaEnv of [false, true]) {
  test(`a flow reaches the collector without secrets (${viaEnv ? 'environment' : 'option'})`, async () => {
    bodies.length = 0
    const env = { ...process.env, API_BASE: emu.base, COLLECTOR: url, VIA_ENV: viaEnv ? '1' : '0' }
    if (viaEnv) env.OTEL_EXPORTER_OTLP_ENDPOINT = url
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], { env, cwd: import.meta.dirname, timeout: 120_000 })
    const [token, claimUrl] = JSON.parse(stdout)
    const received = Buffer.concat(bodies)
    // Span names and audit event names travel as plain strings in the protobuf.
    for (const name of ['provision', 'proof_of_work', 'deploy', 'verify', 'provisioned', 'deploy_finished', 'verified', 'job-otlp']) {
      assert.ok(received.includes(name), `${name} did not reach the collector`)
    }
    for (const secret of [token, claimUrl, new URL(claimUrl).searchParams.get('claimToken')]) {
      assert.ok(!received.includes(secret), 'a secret reached the collector')
    }
  })
}

test('a second collector in one process is refused', async () => {
  const code = `
import { Client, InvalidInputError } from 'boardingpass-sdk'
new Client({ apiBase: ${JSON.stringify(emu.base)}, otlpEndpoint: 'http://127.0.0.1:9' })
new Client({ apiBase: ${JSON.stringify(emu.base)}, otlpEndpoint: 'http://127.0.0.1:9' })
try {
  new Client({ apiBase: ${JSON.stringify(emu.base)}, otlpEndpoint: 'http://127.0.0.1:10' })
  process.exit(3)
} catch (e) {
  if (!(e instanceof InvalidInputError) || e.field !== 'otlp_endpoint' || !e.message.includes('127.0.0.1:9')) throw e
}
`
  await run(process.execPath, ['--input-type=module', '-e', code], { cwd: import.meta.dirname, timeout: 60_000 })
})

for (const bad of ['not a url', 'ftp://127.0.0.1:4318']) {
  test(`otlpEndpoint ${JSON.stringify(bad)} is refused before anything happens`, () => {
    assert.throws(
      () => new Client({ apiBase: emu.base, otlpEndpoint: bad }),
      (e) => e instanceof InvalidInputError && e.field === 'otlp_endpoint' && e.message.includes('http'),
    )
  })
}

// `boardingpass mcp` driven by the official TypeScript MCP SDK
// (@modelcontextprotocol/sdk 1.32), over stdio and streamable HTTP, against a
// real emulator: the lifecycle with the claim link by URL elicitation and by
// the operator's command, schema-checked results (the SDK validates
// structuredContent against each tool's outputSchema), bad arguments, and a
// scan of everything the client received for secrets.
//
//   node --test tests/mcp/   (make test-mcp)
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, test } from 'node:test'

import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'

const REPO = resolve(import.meta.dirname, '..', '..')
const BIN = join(REPO, 'target', 'debug')
const ENV = { ...process.env, BOARDINGPASS_WORKERD: join(REPO, 'node_modules', '.bin', 'workerd') }
const WORKER = {
  'src/index.js': "import { text } from './text.js'\nexport default { fetch() { return new Response(text) } }",
  'src/text.js': "export const text = 'hello from a TypeScript MCP client'",
}

/** First stderr/stdout line of `child` that contains `marker`, the rest after it. */
function lineWith(stream, marker) {
  return new Promise((ok, fail) => {
    const rl = createInterface({ input: stream })
    rl.on('line', (line) => {
      if (line.includes(marker)) ok(line.split(marker)[1].trim())
    })
    rl.on('close', () => fail(new Error(`no line with ${marker}`)))
  })
}

let emulator
let emu
before(async () => {
  emulator = spawn(join(BIN, 'boardingpass-emulator'), ['--port', '0', '--rate-limit', '0', '--pow-k', '20', '--pow-g', '50'], { env: ENV, stdio: ['ignore', 'pipe', 'ignore'] })
  const base = await lineWith(emulator.stdout, 'listening on ')
  emu = { base, origin: base.replace(/\/client\/v4$/, '') }
})
after(() => emulator.kill())

async function claim(link) {
  const token = link.split('claimToken=')[1].trim()
  const r = await fetch(`${emu.origin}/x-boardingpass/claim`, { method: 'POST', headers: { 'x-claim-token': token } })
  return r.status
}

/** GET a Worker URL (`http://name.sub.localhost:port/`) through 127.0.0.1 with its Host. */
async function live(url) {
  const u = new URL(url)
  const { request } = await import('node:http')
  return new Promise((ok, fail) => {
    request({ host: '127.0.0.1', port: u.port, path: u.pathname, headers: { host: u.host } }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => ok(body))
    }).on('error', fail).end()
  })
}

/** A connected client; `received` collects everything the server sent it. */
async function connect(transport, { elicit }) {
  const dir = mkdtempSync(join(tmpdir(), 'bp-mcp-'))
  mkdirSync(join(dir, 'root', 'site'), { recursive: true })
  writeFileSync(join(dir, 'root', 'site', 'index.html'), '<h1>from disk</h1>')
  const linkFile = join(dir, 'claim-link.txt')
  const args = ['mcp', '--api-base', emu.base, '--accept-terms', '--owner', 'Ada Lovelace', '--root', join(dir, 'root'), '--claim-link-to', `exec:cat >> ${linkFile}`]
  const received = []
  const elicited = []
  const client = new Client({ name: 'boardingpass-test', version: '1.0.0' }, { capabilities: elicit ? { elicitation: { url: {} } } : {} })
  if (elicit) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      elicited.push(req.params.url)
      return { action: 'accept' }
    })
  }
  let server
  let t
  if (transport === 'stdio') {
    t = new StdioClientTransport({ command: join(BIN, 'boardingpass'), args, env: ENV, stderr: 'ignore' })
  } else {
    server = spawn(join(BIN, 'boardingpass'), [...args, '--http', '0'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] })
    t = new StreamableHTTPClientTransport(new URL(await lineWith(server.stderr, 'MCP endpoint:')))
  }
  await client.connect(t)
  const onmessage = t.onmessage
  t.onmessage = (message, extra) => {
    received.push(message)
    onmessage(message, extra)
  }
  return {
    client,
    received,
    linkFile,
    link: () => (elicit ? elicited.at(-1) : readFileSync(linkFile, 'utf8').trim().split('\n').at(-1)),
    async close() {
      await client.close()
      server?.kill()
    },
  }
}

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args })
  assert.ok(!result.isError, JSON.stringify(result.content))
  assert.ok(result.structuredContent, `${name} returned structured content`)
  return result.structuredContent
}

for (const transport of ['stdio', 'http']) {
  for (const elicit of [true, false]) {
    test(`lifecycle over ${transport}, claim link ${elicit ? 'by URL elicitation' : "by the operator's command"}`, async () => {
      const c = await connect(transport, { elicit })
      try {
        const { tools } = await c.client.listTools()
        assert.deepEqual(tools.map((t) => t.name), ['provision', 'deploy', 'redeploy', 'verify', 'claim_ticket', 'claim_status', 'wait_for_claim', 'teardown'])
        const progress = []
        const deployed = await c.client.callTool(
          { name: 'deploy', arguments: { name: 'ts-hello', files: WORKER, expect_body_contains: 'TypeScript' } },
          undefined,
          { onprogress: (p) => progress.push(p.message) },
        )
        const d = deployed.structuredContent
        assert.equal(d.verified, true)
        assert.ok(progress.some((m) => m.startsWith('proof_of_work')), progress.slice(0, 3).join())
        assert.equal(await live(d.url), 'hello from a TypeScript MCP client')
        assert.match(d.claim_link, elicit ? /MCP client/ : /operator/)
        const site = await call(c.client, 'redeploy', { pass_id: d.pass_id, name: 'site', path: 'site' })
        assert.equal(await live(site.url), '<h1>from disk</h1>')
        assert.equal((await call(c.client, 'verify', { pass_id: d.pass_id, worker: 'ts-hello' })).passed, true)
        assert.equal((await call(c.client, 'claim_status', { pass_id: d.pass_id })).status, 'pending')
        const link = c.link()
        assert.equal(await claim(link), 200)
        assert.equal((await call(c.client, 'wait_for_claim', { pass_id: d.pass_id, timeout_seconds: 30 })).status, 'claimed')
        const other = await call(c.client, 'provision', {})
        const otherLink = c.link()
        assert.notEqual(otherLink, link)
        assert.deepEqual((await call(c.client, 'teardown', { pass_id: other.pass_id })).deleted_workers, [])

        // Only the elicitation request (to the user, not the model) may carry a link.
        const secrets = [link, otherLink].flatMap((u) => [u, u.split('claimToken=')[1]])
        const toModel = c.received.filter((m) => m.method !== 'elicitation/create')
        assert.equal(c.received.length - toModel.length, elicit ? 2 : 0)
        const text = JSON.stringify(toModel)
        for (const s of secrets) assert.ok(!text.includes(s), 'a claim link reached the client outside the elicitation')
      } finally {
        await c.close()
      }
    })
  }

  test(`bad arguments over ${transport} are tool errors and the server keeps serving`, async () => {
    const c = await connect(transport, { elicit: false })
    try {
      const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`p${i}.html`, 'x']))
      const cases = [
        [{ files: WORKER }, /name/],
        [{ name: 'x', path: '../../' }, /outside/],
        [{ name: 'x', files: many }, /at most 1000/],
        [{ name: 'x', files: { 'index.js': 'x'.repeat(6 << 20) } }, /per file/],
      ]
      for (const [args, says] of cases) {
        const r = await c.client.callTool({ name: 'deploy', arguments: args })
        assert.equal(r.isError, true)
        assert.match(r.content[0].text, /^\[invalid_input\]/)
        assert.match(r.content[0].text, says)
      }
      assert.equal((await c.client.listTools()).tools.length, 8)
      assert.ok(!existsSync(c.linkFile), 'nothing was provisioned')
    } finally {
      await c.close()
    }
  })
}

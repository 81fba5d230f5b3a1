// The framework integrations, each run by its real framework with a
// scripted model (no network): the model "writes" a Worker and asks for a
// `deploy`, the tool deploys it to the emulator and verifies it, and the
// model answers with the live URL. What the model saw never holds a
// credential or the claim link; the owner got the link through onClaimLink.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

import { generateText, stepCountIs } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { Agent, run, RunContext, setTracingDisabled, Usage } from '@openai/agents'
import { Secret, Toolbox } from 'boardingpass-sdk'
import { aiSdkTools } from 'boardingpass-sdk/integrations/ai-sdk'
import { openaiAgentsTools } from 'boardingpass-sdk/integrations/openai-agents'

import { startEmulator } from './emulator.mjs'
import { clientFor, OWNER } from './helpers.mjs'

const TEXT = "hello from the model's own Worker"
const FILES = {
  'src/index.js': "import { text } from './text.js'\nexport default { fetch() { return new Response(text) } }\n",
  'src/text.js': `export const text = ${JSON.stringify(TEXT)}\n`,
}
const DEPLOY_ARGS = { name: 'model-wrote-this', files: FILES, expect_body_contains: TEXT }
const PROMPT = 'Write a Worker that greets, deploy it and give me its URL.'
const DELIVERED = 'sent to Ada Lovelace by e-mail'

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

/** The human who receives claim links, out of the model's sight. */
function owner() {
  const links = []
  return {
    links,
    onClaimLink: async (link) => {
      links.push(link)
      return DELIVERED
    },
    secrets() {
      const urls = links.map((l) => l.url.expose())
      // Every API token the emulator issues starts with this prefix (the
      // toolbox never hands the token out, so no test can read it).
      return ['cfat_', ...urls, ...urls.map((u) => new URL(u).searchParams.get('claimToken'))]
    },
  }
}

/** GET `url` (a *.localhost name) on loopback. */
function get(url) {
  const { port, pathname, host } = new URL(url)
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve(body))
      })
      .on('error', reject)
  })
}

async function assertDeployed(answer, who, seen) {
  const url = answer.split(' ').at(-1)
  assert.equal(await get(url), TEXT)
  assert.equal(who.links.length, 1, 'the owner got the claim link once, out of band')
  assert.ok(who.links[0].url instanceof Secret && who.links[0].owner === OWNER)
  assert.ok(seen.some((text) => text.includes(DELIVERED)), 'the model is told where the link went')
  for (const text of seen) {
    for (const secret of who.secrets()) assert.ok(!text.includes(secret), `the model saw a secret: ${text.slice(0, 200)}`)
  }
}

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
}

test('AI SDK tools deploy what the mock model wrote', async () => {
  const who = owner()
  const toolbox = new Toolbox(clientFor(emu), { owner: OWNER, onClaimLink: who.onClaimLink })
  const seen = []
  const model = new MockLanguageModelV3({
    doGenerate: async ({ prompt, tools }) => {
      seen.push(JSON.stringify(prompt), JSON.stringify(tools))
      const results = prompt.filter((m) => m.role === 'tool').flatMap((m) => m.content)
      if (results.length === 0) {
        const call = { type: 'tool-call', toolCallId: 'call_1', toolName: 'deploy', input: JSON.stringify(DEPLOY_ARGS) }
        return { content: [call], finishReason: { unified: 'tool-calls', raw: undefined }, usage, warnings: [] }
      }
      const { output } = results.at(-1)
      assert.equal(output.type, 'json', JSON.stringify(output))
      const text = `Your Worker is live at ${output.value.url}`
      return { content: [{ type: 'text', text }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] }
    },
  })

  const tools = aiSdkTools(toolbox)
  assert.deepEqual(Object.keys(tools), toolbox.toolSpecs().map((s) => s.name))
  const result = await generateText({ model, tools, stopWhen: stepCountIs(4), prompt: PROMPT })

  assert.equal(model.doGenerateCalls.length, 2)
  const sent = model.doGenerateCalls[0].tools.find((t) => t.name === 'deploy')
  assert.deepEqual(sent.inputSchema, toolbox.toolSpecs().find((s) => s.name === 'deploy').inputSchema)
  await assertDeployed(result.text, who, seen)
})

test('an AI SDK tool failure reaches the model as error text', async () => {
  const toolbox = new Toolbox(clientFor(emu), { owner: OWNER })
  const model = new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const results = prompt.filter((m) => m.role === 'tool').flatMap((m) => m.content)
      if (results.length === 0) {
        const call = { type: 'tool-call', toolCallId: 'c', toolName: 'deploy', input: JSON.stringify({ name: 'x', path: '/etc' }) }
        return { content: [call], finishReason: { unified: 'tool-calls', raw: undefined }, usage, warnings: [] }
      }
      return { content: [{ type: 'text', text: JSON.stringify(results.at(-1).output) }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] }
    },
  })
  const result = await generateText({ model, tools: aiSdkTools(toolbox), stopWhen: stepCountIs(3), prompt: PROMPT })
  const output = JSON.parse(result.text)
  assert.equal(output.type, 'error-text')
  assert.match(output.value, /^\[invalid_input\] .*inline files only/)
})

/** An Agents SDK model that calls `deploy` once, then answers with the URL. */
class ScriptedModel {
  seen = []
  async getResponse({ input, tools }) {
    const items = typeof input === 'string' ? [{ role: 'user', content: input }] : input
    this.seen.push(JSON.stringify(items), JSON.stringify(tools))
    const results = items.filter((i) => i.type === 'function_call_result')
    if (results.length === 0) {
      const call = { type: 'function_call', callId: 'call_1', name: 'deploy', arguments: JSON.stringify(DEPLOY_ARGS), status: 'completed' }
      return { usage: new Usage(), output: [call] }
    }
    const { output } = results.at(-1)
    const url = JSON.parse(typeof output === 'string' ? output : output.text).url
    const text = `Your Worker is live at ${url}`
    return { usage: new Usage(), output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] }] }
  }
  async *getStreamedResponse() {
    throw new Error('the test runs without streaming')
  }
}

test('OpenAI Agents tools deploy what the scripted model wrote', async () => {
  const who = owner()
  const toolbox = new Toolbox(clientFor(emu), { owner: OWNER, onClaimLink: who.onClaimLink })
  const tools = openaiAgentsTools(toolbox)
  assert.deepEqual(
    tools.map((t) => [t.name, t.parameters]),
    toolbox.toolSpecs().map((s) => [s.name, s.inputSchema]),
  )
  const model = new ScriptedModel()
  const agent = new Agent({ name: 'deployer', instructions: 'Deploy what you write.', model, tools })
  setTracingDisabled(true)
  const result = await run(agent, PROMPT, { maxTurns: 4 })
  await assertDeployed(result.finalOutput, who, model.seen)
})

test('an OpenAI Agents tool failure reaches the model as text', async () => {
  const deploy = openaiAgentsTools(new Toolbox(clientFor(emu), { owner: OWNER })).find((t) => t.name === 'deploy')
  const out = await deploy.invoke(new RunContext(), JSON.stringify({ name: 'x', files: {}, path: 'a' }))
  assert.match(out, /^\[invalid_input\] .*exactly one of/)
})

test('onClaimLink may return a plain string; onProgress follows the call', async () => {
  const links = []
  const sync = new Toolbox(clientFor(emu), { owner: OWNER, onClaimLink: (link) => (links.push(link), 'handed over (sync)') })
  const phases = new Set()
  const out = await sync.call('provision', {}, { onProgress: (e) => phases.add(e.phase) })
  assert.equal(out.claim_link, 'handed over (sync)')
  assert.ok(phases.has('proof_of_work'), [...phases].join())
  assert.deepEqual(links.map((l) => l.accountId), [out.account_id])
  assert.ok(!JSON.stringify(out).includes('claimToken') && !JSON.stringify(links[0]).includes('claimToken'))
})

test('a failing onClaimLink leaves the link on standard error, not lost', async () => {
  // In a child process: the test's own output must not show a claim link.
  const script = `
    import { Client, Toolbox } from 'boardingpass-sdk'
    const client = new Client({ apiBase: process.env.EMULATOR_BASE, acceptTerms: true })
    const toolbox = new Toolbox(client, { owner: 'Ada', onClaimLink: async () => { throw new Error('mail server down') } })
    console.log(JSON.stringify(await toolbox.call('provision', {})))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, EMULATOR_BASE: emu.base },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const [code] = await once(child, 'exit')
  assert.equal(code, 0, stderr)
  const out = JSON.parse(stdout)
  assert.match(out.claim_link, /standard error/)
  assert.match(stderr, /claim link delivery failed \(.*mail server down.*\); falling back to standard error/)
  assert.match(stderr, new RegExp(`account ${out.account_name}.*claimToken=`))
})

test('toolbox.call honours an AbortSignal', async () => {
  const toolbox = new Toolbox(clientFor(emu), { owner: OWNER })
  await assert.rejects(toolbox.call('provision', {}, { signal: AbortSignal.abort() }), { name: 'AbortError' })
})

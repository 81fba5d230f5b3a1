// Compiled with `tsc --noEmit` (make test-node): exercises the published
// types the way an agent's TypeScript would. Never run.
import {
  AbortError,
  BoardingpassError,
  Client,
  Policy,
  RateLimitedError,
  Toolbox,
  Worker,
  type BoardingPass,
  type ClaimLink,
  type ClaimOutcome,
  type ClaimStatus,
  type Deployment,
  type ErrorCode,
  type Evidence,
  type ProgressEvent,
  type ToolSpec,
} from 'boardingpass-sdk'
import { aiSdkTools } from 'boardingpass-sdk/integrations/ai-sdk'
import { openaiAgentsTools } from 'boardingpass-sdk/integrations/openai-agents'
import type { Tool } from 'ai'
import type { FunctionTool } from '@openai/agents'

export async function agent(apiBase: string, signal: AbortSignal): Promise<string> {
  const client = new Client({
    apiBase,
    acceptTerms: true,
    timeout: 30_000,
    retry: { maxAttempts: 5, baseDelay: 100 },
    headers: { 'x-team': 'agents' },
    policy: Policy.fromToml('max_deploys_per_pass = 3'),
    jobClass: 'preview',
    jobId: 'job-1',
    onAudit: (event) => console.log(event.event, event.details),
  })
  const phases: ProgressEvent['phase'][] = []
  const pass: BoardingPass = await client.provision({ owner: 'Ada', signal, onProgress: (e) => phases.push(e.phase) })
  const left: number = pass.timeLeft
  const expires: Date = pass.expiresAt
  const token: string = pass.apiToken.expose()
  const fingerprint: string = pass.claimUrl.fingerprint

  const worker = Worker.fromSource('hello', 'index.js', 'export default {}')
    .var('A', '1')
    .jsonVar('B', { n: 1 })
    .secret('C', token)
    .module('data.bin', Buffer.from([1]), 'data')
    .assets({ directory: './public', runWorkerFirst: ['/api/*'] })
  const fromDisk: Worker = await Worker.fromPath('./project', { name: 'other', signal })
  const d1: Deployment = await pass.deploy(worker, { signal, onProgress: (e) => e.done / e.total })
  const d2: Deployment = await pass.deploy('./project')
  const evidence: Evidence = await pass.verify(d1, { path: '/', timeout: 10_000, expectStatus: 200, expectHeader: { name: 'x', value: 'y' } })
  const ticket = await pass.ticket({ status: 'pending', includeClaimUrl: false })
  const markdown: string = ticket.toMarkdown()
  const status: ClaimStatus = ticket.status
  for await (const outcome of pass.watchClaim({ timeout: 60_000, signal })) {
    const o: ClaimOutcome = outcome
    if (o.status === 'claimed') break
  }
  const outcome = await pass.waitForClaim({ timeout: 5_000 })
  const report = await pass.teardown({ signal })
  await pass.deleteWorker('hello', { force: true })

  try {
    await pass.deploy(fromDisk)
  } catch (e) {
    if (e instanceof RateLimitedError) {
      const wait: number | undefined = e.retryAfter
      const code: 'rate_limited' = e.code
      console.log(wait, code)
    } else if (e instanceof AbortError) {
      const name: string = e.name
      console.log(name)
    } else if (e instanceof BoardingpassError) {
      const code: ErrorCode = e.code
      console.log(code, e.status, e.requestId, e.violations?.map((v) => v.rule))
    }
  }

  // @ts-expect-error: not a claim status
  await pass.ticket({ status: 'bogus' })
  // @ts-expect-error: durations are numbers of milliseconds
  new Client({ timeout: '5s' })
  // @ts-expect-error: a Secret is not a string; call expose()
  const notAString: string = pass.apiToken

  return [left, expires, fingerprint, d2.url, evidence.passed, markdown, status, outcome.status, report.tokenRevoked, notAString].join()
}

export async function tools(client: Client, signal: AbortSignal): Promise<string> {
  const toolbox = new Toolbox(client, {
    owner: 'Ada Lovelace',
    root: '/srv/projects',
    onClaimLink: async (link: ClaimLink) => `mailed to ${link.owner ?? 'the owner'} (${link.url.fingerprint}, until ${link.expiresAt.toISOString()})`,
  })
  const names: string[] = toolbox.toolSpecs().map((s: ToolSpec) => s.name)
  const out: Record<string, unknown> = await toolbox.call('deploy', { name: 'w', files: { 'index.js': '' } }, { signal })
  const forAiSdk: Record<string, Tool> = aiSdkTools(toolbox)
  const forAgents: FunctionTool[] = openaiAgentsTools(toolbox)
  // @ts-expect-error: onClaimLink says where the link went
  new Toolbox(client, { onClaimLink: (link: ClaimLink) => link.url })
  return [names, out.url, Object.keys(forAiSdk), forAgents.length].join()
}

// The emulator fixture (`boardingpass-sdk/testing`).
import { startEmulator, type RunningEmulator } from 'boardingpass-sdk/testing'
export async function fixture(pass: BoardingPass): Promise<string> {
  const emu: RunningEmulator = await startEmulator({ lifetime: 5_000, powK: 20, powG: 50 })
  await emu.claim(pass)
  await emu.stop()
  return emu.apiBase
}

// Workers KV and D1.
import { SqlError, type D1QueryResult, type KvKeyPage } from 'boardingpass-sdk'
export async function storage(pass: BoardingPass, signal: AbortSignal): Promise<string> {
  const ns = await pass.createKvNamespace('notes', { signal })
  await pass.kvPut(ns.id, 'k', Buffer.from([1]))
  const value: Buffer | null = await pass.kvGet(ns.id, 'k')
  const page: KvKeyPage = await pass.kvList(ns.id, { prefix: 'k', limit: 10, signal })
  const db = await pass.createD1Database('notes')
  const results: D1QueryResult[] = await pass.d1Query(db.uuid, 'SELECT ?, ?, ?', [1, 2n, new Uint8Array([0])], { signal })
  const cell: null | number | string | Buffer = results[0].records[0].name
  const applied: string[] = await pass.d1ApplyMigrations(db.uuid, './migrations')
  const bound: Worker = Worker.fromSource('w', 'index.js', '').kv('KV', 'notes').kvId('K2', ns.id).d1('DB', 'notes').d1Id('DB2', db.uuid)
  try {
    await pass.d1Query(db.uuid, 'SELEC 1')
  } catch (e) {
    if (e instanceof SqlError) console.log(e.code satisfies 'sql', e.migration)
  }
  // @ts-expect-error: a D1 parameter is a SQLite value, not an object
  await pass.d1Query(db.uuid, 'SELECT ?', [{ a: 1 }])
  return [value?.length, page.cursor, cell, applied, bound.name, results[0].meta.durationMs].join()
}

// Every capability end to end against the emulator: provision, deploy from
// memory and from a directory, vars/secrets, verify, redeploy, ticket,
// claim (wait and watch), teardown, delete, audit log, policy, expiry.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { InvalidInputError, PassExpiredError, PassRevokedError, Policy, PolicyViolationError, VerificationError, Worker } from 'boardingpass-sdk'
import { repoRoot, startEmulator } from './emulator.mjs'
import { clientFor, hello, OWNER } from './helpers.mjs'

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

describe('a pass from provision to claim', () => {
  test('provision, deploy with bindings, verify, ticket, then the claim is seen by wait and watch', async () => {
    const events = []
    const client = clientFor(emu)
    const pass = await client.provision({ owner: OWNER, onProgress: (e) => events.push(e) })
    assert.match(pass.accountId, /^[0-9a-f]{32}$/)
    assert.ok(pass.expiresAt instanceof Date && pass.expiresAt > new Date())
    assert.ok(pass.timeLeft > 0 && pass.timeLeft <= pass.expiresAt - Date.now() + 1000)
    assert.equal(pass.owner, OWNER)
    assert.match(pass.tokenFingerprint, /^sha256:[0-9a-f]{12}$/)
    assert.equal(pass.apiToken.fingerprint, pass.tokenFingerprint)
    assert.equal(pass.claimUrl.fingerprint, pass.claimFingerprint)
    const phases = new Set(events.map((e) => e.phase))
    for (const p of ['challenge', 'proof_of_work', 'create_account']) assert.ok(phases.has(p), `progress reports ${p}`)
    const pow = events.filter((e) => e.phase === 'proof_of_work')
    assert.equal(pow.at(-1).done, pow.at(-1).total, 'the proof of work reports completion')

    const source = `export default { fetch(req, env) {
      const secret = env.TOKEN === 'expected-value' ? 'secret-ok' : 'secret-missing'
      return new Response(env.GREETING + ' ' + env.CONFIG.n + ' ' + secret + ' ' + env.FORWARDED.length)
    } }`
    const worker = Worker.fromSource('greeter', 'index.js', source)
      .var('GREETING', 'hi')
      .jsonVar('CONFIG', { n: 3 })
      .secret('TOKEN', 'expected-value')
      .secret('FORWARDED', pass.apiToken)
      .compatibilityDate('2026-06-01')
    const deployment = await pass.deploy(worker)
    assert.equal(deployment.workerName, 'greeter')
    assert.equal(deployment.redeploy, false)
    assert.equal(deployment.contentDigest, worker.contentDigest)
    assert.ok(deployment.deployedAt instanceof Date)
    const evidence = await pass.verify(deployment, {
      expectBodyContains: `hi 3 secret-ok ${pass.apiToken.expose().length}`,
      expectHeader: { name: 'content-type', value: 'text/plain' },
    })
    assert.equal(evidence.passed, true)
    assert.equal(evidence.status, 200)
    assert.equal(evidence.versionId, deployment.versionId)
    assert.deepEqual(pass.liveWorkers, ['greeter'])
    assert.equal(pass.deployments.length, 1)
    assert.equal(pass.evidence.length, 1)

    const ticket = await pass.ticket()
    assert.equal(ticket.runId, client.runId)
    assert.equal(ticket.jobId, null)
    const record = ticket.toDict()
    assert.equal(record.schema, 'boardingpass.claim-ticket/v1')
    assert.equal(record.status, 'pending')
    assert.equal(record.claim.owner, OWNER)
    assert.equal(record.claim.url, undefined, 'the record view has no claim URL')
    assert.equal(record.temporary_resource.workers[0].url, deployment.url)
    assert.deepEqual(JSON.parse(ticket.toJson()), record)
    assert.match(ticket.toMarkdown(), new RegExp(`# Claim ticket: ${pass.accountName}`))
    assert.equal(ticket.includesClaimUrl, false)

    const ownerTicket = await pass.ticket({ includeClaimUrl: true })
    assert.equal(ownerTicket.includesClaimUrl, true)
    assert.equal(ownerTicket.toDict().claim.url, pass.claimUrl.expose())
    assert.ok(ownerTicket.toMarkdown().includes(pass.claimUrl.expose()), 'the owner view carries the link')
    assert.ok(!JSON.stringify(ownerTicket).includes(pass.claimUrl.expose()), 'JSON.stringify shows the record view')

    const seen = []
    const watching = (async () => {
      for await (const outcome of pass.watchClaim({ timeout: 20_000 })) seen.push(outcome.status)
    })()
    const waiting = pass.waitForClaim({ timeout: 20_000 })
    const claimed = await emu.claim(pass.claimUrl.expose())
    assert.equal(claimed.status, 200)
    const outcome = await waiting
    assert.equal(outcome.status, 'claimed')
    assert.equal(outcome.confirmed, true)
    assert.equal(outcome.timedOut, false)
    await watching
    assert.deepEqual(seen, ['pending', 'claimed'], 'the watch yields the current status, then the change, then ends')
    const final = await pass.ticket({ status: 'claimed' })
    assert.equal(final.status, 'claimed')
  })

  test('a redeploy of the same Worker is marked as one and serves the new code', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const first = await pass.deploy(hello('again', 'first'))
    const second = await pass.deploy(hello('again', 'second'), { message: 'second version' })
    assert.equal(first.redeploy, false)
    assert.equal(second.redeploy, true)
    assert.notEqual(second.versionId, first.versionId)
    await pass.verify(second, { expectBodyContains: 'second' })
    const [entry] = (await pass.ticket()).toDict().temporary_resource.workers
    assert.equal(entry.deploys, 2)
    assert.equal(entry.version_id, second.versionId)
  })

  test('a project directory deploys with its modules, vars and assets, by path or as a Worker', async () => {
    const dir = path.join(repoRoot, 'examples/hello-worker')
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const events = []
    const byPath = await pass.deploy(dir, { onProgress: (e) => events.push(e.phase) })
    assert.equal(byPath.workerName, 'hello-worker')
    assert.ok(byPath.assetsTotal >= 4 && byPath.assetsUploaded === byPath.assetsTotal)
    assert.ok(events.includes('hashing') && events.includes('uploading'), `asset progress: ${[...new Set(events)]}`)
    await pass.verify(byPath, { path: '/api/hello', expectBodyContains: 'hello from a boarding pass' })
    await pass.verify(byPath, { path: '/docs/', expectStatus: 200 })

    const worker = await Worker.fromPath(dir, { name: 'hello-copy' })
    assert.equal(worker.name, 'hello-copy')
    const summary = worker.toJSON()
    assert.equal(summary.mainModule, 'index.js')
    assert.deepEqual(summary.modules.map((m) => m.name), ['banner.js', 'index.js'])
    assert.deepEqual(summary.bindings, [{ name: 'GREETING', type: 'plain_text' }])
    assert.ok(summary.assetsDirectory.endsWith('public'))
    const copy = await pass.deploy(worker.var('GREETING', 'overridden'))
    assert.equal(copy.assetsUploaded, 0, 'assets already on the account are not uploaded again')
    await pass.verify(copy, { path: '/api/hello', expectBodyContains: 'overridden' })
  })

  test('teardown deletes the Workers, revokes the token, and the pass refuses further work', async () => {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    await pass.deploy(hello('one'))
    await pass.deploy(hello('two'))
    await pass.deleteWorker('one')
    assert.deepEqual(pass.liveWorkers, ['two'])
    const report = await pass.teardown()
    assert.deepEqual(report.deletedWorkers, ['two'])
    assert.equal(report.tokenRevoked, true)
    assert.equal(pass.isRevoked, true)
    const outcome = await pass.waitForClaim({ timeout: 5_000 })
    assert.equal(outcome.status, 'revoked')
    await assert.rejects(pass.deploy(hello('three')), PassRevokedError)
  })

  test('audit records go to the file and the callback, with the job id and never a credential', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bp-node-audit-'))
    try {
      const file = path.join(dir, 'audit.jsonl')
      const seen = []
      const client = clientFor(emu, { auditLog: file, onAudit: (e) => seen.push(e), jobId: 'job-42', jobClass: 'preview' })
      assert.equal(client.auditLog, file)
      assert.equal(client.jobId, 'job-42')
      const pass = await client.provision({ owner: OWNER })
      const d = await pass.deploy(hello('audited'))
      await pass.verify(d)
      assert.equal((await pass.ticket()).jobId, 'job-42')
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
      const kinds = lines.map((l) => l.event)
      for (const k of ['provisioned', 'deploy_started', 'deploy_finished', 'verified', 'ticket_issued']) assert.ok(kinds.includes(k), k)
      assert.ok(lines.every((l) => l.job_id === 'job-42' && l.run_id === client.runId))
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(seen.map((e) => e.event), kinds, 'the callback saw the same records')
      assert.equal(seen[0].runId, client.runId)
      const text = JSON.stringify(lines) + JSON.stringify(seen)
      assert.ok(!text.includes(pass.apiToken.expose()) && !text.includes(pass.claimUrl.expose()))
      assert.ok(text.includes(pass.tokenFingerprint))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('verify requests only what the pass recorded: an edited or foreign deployment is refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bp-node-forged-'))
    try {
      const file = path.join(dir, 'audit.jsonl')
      const client = clientFor(emu, { auditLog: file })
      const pass = await client.provision({ owner: OWNER })
      const d = await pass.deploy(hello('recorded'))
      const theirs = await (await client.provision({ owner: OWNER })).deploy(hello('recorded'))
      for (const forged of [{ ...d, url: 'http://127.0.0.1:1/' }, { ...d, versionId: 'forged' }, theirs]) {
        await assert.rejects(pass.verify(forged, { timeout: 500 }), (e) => e instanceof InvalidInputError && e.field === 'deployment', JSON.stringify(forged))
      }
      assert.deepEqual(pass.evidence, [], 'no evidence from a forged deployment')
      await assert.rejects(pass.ticket(), PolicyViolationError)
      await assert.rejects(pass.verify(d, { expectStatus: 418, timeout: 300 }), VerificationError)
      const failed = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.event === 'failed')
      assert.deepEqual(failed.map((l) => [l.details.step, l.details.code]), [...Array(3).fill(['verify', 'invalid_input']), ['verify', 'verification']])
      assert.equal((await pass.verify(d)).url, d.url)
      assert.equal((await pass.ticket()).toDict().status, 'pending')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a policy refuses a deploy before anything is sent, naming every broken rule', async () => {
    const policy = Policy.fromToml('worker_name_pattern = "^agent-"\nmax_deploys_per_pass = 1\nallowed_job_classes = ["preview"]')
    const client = clientFor(emu, { policy, jobClass: 'preview' })
    assert.deepEqual(client.policy.toDict(), policy.toDict())
    const pass = await client.provision({ owner: OWNER })
    await pass.deploy(hello('agent-ok'))
    const err = await pass.deploy(hello('not-agent')).catch((e) => e)
    assert.ok(err instanceof PolicyViolationError)
    assert.deepEqual(err.violations.map((v) => v.rule), ['max_deploys_per_pass', 'worker_name_pattern'])
    assert.deepEqual(pass.liveWorkers, ['agent-ok'], 'nothing was deployed')
    const wrongClass = clientFor(emu, { policy: { allowedJobClasses: ['preview'] }, jobClass: 'prod' })
    await assert.rejects(wrongClass.provision({ owner: OWNER }), (e) => e instanceof PolicyViolationError && e.violations[0].rule === 'allowed_job_classes')
  })
})

describe('expiry', () => {
  let shortLived
  before(async () => {
    shortLived = await startEmulator({ lifetime: 3 })
  })
  after(() => shortLived.stop())

  test('an unclaimed pass expires, the wait says so, and the pass refuses work', async () => {
    const pass = await clientFor(shortLived).provision({ owner: OWNER })
    const d = await pass.deploy(hello('brief'))
    const outcome = await pass.waitForClaim({ timeout: 20_000 })
    assert.equal(outcome.status, 'expired')
    assert.equal(outcome.confirmed, true)
    assert.equal(pass.isExpired, true)
    assert.equal(pass.timeLeft, 0)
    await assert.rejects(pass.verify(d, { timeout: 500 }), VerificationError, 'the URL stopped answering')
    await assert.rejects(pass.deploy(hello('late')), PassExpiredError)
  })
})

// Child process of secrets.test.mjs: drives every output path a credential
// could leak through (inspect, toString, JSON, console, errors, audit log,
// files), with HOME and TMPDIR set to a fresh directory by the parent. The
// secret values are written to fd 3 so the parent knows what to look for;
// everything else goes to stdout/stderr, which the parent scans.
import { writeFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'

import { Client, Worker } from 'boardingpass-sdk'

const home = os.homedir()
const secretValue = `bp-secret-${crypto.randomUUID()}`
const client = new Client({
  apiBase: process.env.EMULATOR_BASE,
  acceptTerms: true,
  retry: { baseDelay: 10 },
  auditLog: path.join(home, 'audit.jsonl'),
  onAudit: (e) => console.log('audit', e),
  jobId: 'leak-scan',
})
const pass = await client.provision({ owner: 'Ada Lovelace', onProgress: (e) => e.done === e.total && console.log(e) })
writeSync(3, JSON.stringify({ token: pass.apiToken.expose(), claimUrl: pass.claimUrl.expose(), secretValue }))

console.log(client, pass)
console.log(`${pass.apiToken} ${pass.claimUrl}`, String(pass.apiToken), pass.claimUrl + '')
console.log(JSON.stringify(pass), JSON.stringify({ token: pass.apiToken, claim: pass.claimUrl }))
console.dir(pass, { showHidden: true, depth: null })
console.log(inspect(pass.apiToken, { showHidden: true }), inspect(pass.claimUrl, { depth: null }))
console.log(Object.entries(pass), Object.getOwnPropertyNames(pass))

const worker = Worker.fromSource('leaky', 'index.js', "export default { fetch(req, env) { return new Response(env.KEY ? 'has key' : 'no key') } }").secret('KEY', secretValue)
console.log(worker, JSON.stringify(worker))
console.dir(worker, { showHidden: true, depth: null })
const deployment = await pass.deploy(worker, { onProgress: (e) => console.log(e) })
console.log(deployment, await pass.verify(deployment, { expectBodyContains: 'has key' }))
console.log(pass.deployments, pass.evidence)
// Storage results: the ticket lists these resources, the audit log their creation.
const db = await pass.createD1Database('leaky')
console.log(db, await pass.d1Query(db.uuid, 'CREATE TABLE t (v); INSERT INTO t VALUES (?); SELECT v FROM t', [secretValue.length]), await pass.d1Databases())
const ns = await pass.createKvNamespace('leaky')
await pass.kvPut(ns.id, 'k', 'v')
console.dir([ns, await pass.kvList(ns.id), await pass.kvGet(ns.id, 'k')], { depth: null })

const ticket = await pass.ticket()
console.log(ticket, ticket.toJson(), ticket.toMarkdown())
writeFileSync(path.join(home, 'ticket.json'), ticket.toJson())
writeFileSync(path.join(home, 'ticket.md'), ticket.toMarkdown())
const ownerTicket = await pass.ticket({ includeClaimUrl: true })
console.log(ownerTicket, JSON.stringify(ownerTicket))

const failures = [
  () => pass.deploy(Worker.fromSource('Bad_Name', 'i.js', 'x')),
  () => pass.verify(deployment, { expectBodyContains: 'nope', timeout: 200, interval: 50 }),
  () => pass.waitForClaim({ signal: AbortSignal.abort() }),
  () => pass.ticket({ status: 'nope' }),
  () => pass.deploy(worker, { signal: {} }),
  () => pass.d1Query(db.uuid, 'SELEC 1'),
  () => pass.d1ApplyMigrations(db.uuid, path.join(home, 'no-migrations')),
  () => pass.kvPut(ns.id, 'k'.repeat(513), 'v'),
]
for (const attempt of failures) {
  try {
    await attempt()
    throw new Error('expected a failure')
  } catch (e) {
    console.error(e, JSON.stringify(e), String(e), e.stack)
  }
}
console.log(await pass.teardown())
await pass.deploy(worker).catch((e) => console.error(e))

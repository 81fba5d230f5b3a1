// Quick start: get a temporary Cloudflare account, deploy a Worker, check
// that it answers, then hand the claim ticket and the claim link to the
// person who will own it.
//
//   CLOUDFLARE_API_BASE_URL=http://127.0.0.1:8787/client/v4 node quickstart.mjs "Ada Lovelace" [--wait]
//
// Without CLOUDFLARE_API_BASE_URL it talks to Cloudflare itself. Running it
// means you accept https://www.cloudflare.com/terms/ and
// https://www.cloudflare.com/privacypolicy/ (acceptTerms below).
import { Client, Worker } from 'boardingpass-sdk'

const args = process.argv.slice(2)
const owner = args.find((a) => !a.startsWith('--'))
if (!owner) {
  console.error('usage: node quickstart.mjs "<name of the claim owner>" [--wait]')
  process.exit(2)
}

const client = new Client({ acceptTerms: true })
const pass = await client.provision({
  owner,
  onProgress: (e) => e.phase === 'proof_of_work' && e.done === e.total && console.log(`proof of work done (${e.total} checkpoints)`),
})
console.log(`account ${pass.accountName} (${pass.accountId}), usable until ${pass.expiresAt.toISOString()}`)

const worker = Worker.fromSource(
  'hello',
  'index.js',
  'export default { fetch(request, env) { return new Response(`${env.GREETING}, ${new URL(request.url).pathname}`) } }',
).var('GREETING', 'Hello from a boarding pass')
const deployment = await pass.deploy(worker)
const evidence = await pass.verify(deployment, { expectBodyContains: 'Hello from a boarding pass' })
console.log(`live at ${deployment.url}: HTTP ${evidence.status} in ${evidence.latencyMs} ms`)

const ticket = await pass.ticket()
console.log(ticket.toMarkdown())
// The claim link is a bearer credential: whoever completes it owns the
// account. Hand it to the named owner only.
console.log(`claim link for ${owner}: ${pass.claimUrl.expose()}`)

if (args.includes('--wait')) {
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  console.log('waiting for the claim (Ctrl-C to stop waiting)')
  const outcome = await pass.waitForClaim({ signal: stop.signal })
  console.log(`claim status: ${outcome.status}${outcome.confirmed ? '' : ' (inferred)'}`)
}

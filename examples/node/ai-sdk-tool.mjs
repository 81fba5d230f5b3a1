// A deploy-and-verify tool for agents, in the shape the Vercel AI SDK's
// `tool()` takes: a description, JSON-schema parameters (wrap them with the
// SDK's `jsonSchema()`), and `execute(args, { abortSignal })` returning
// JSON for the model.
//
// The model gets the live URL, the verification status and the claim
// ticket (the record view: no claim link). The claim link goes to the named
// owner out of band, through `deliverClaimLink`.
//
//   CLOUDFLARE_API_BASE_URL=http://127.0.0.1:8787/client/v4 node ai-sdk-tool.mjs
import { pathToFileURL } from 'node:url'

import { AbortError, BoardingpassError, Client, Worker } from 'boardingpass'

export const parameters = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', description: 'Worker name (a DNS label)' },
    source: { type: 'string', description: 'The Worker as one ES module with a default export' },
    expectText: { type: 'string', description: 'Text the live page must contain' },
  },
  required: ['name', 'source'],
  additionalProperties: false,
}

/** The tool, for one claim owner. `deliverClaimLink(owner, secret)` hands them the link. */
export function deployTool({ client, owner, deliverClaimLink }) {
  return {
    description:
      'Deploy a Cloudflare Worker to a temporary account, check that its URL answers, and return the URL with a claim ticket a human reads before claiming the account.',
    parameters,
    async execute({ name, source, expectText }, { abortSignal } = {}) {
      try {
        const pass = await client.provision({ owner, signal: abortSignal })
        const deployment = await pass.deploy(Worker.fromSource(name, 'index.js', source), { signal: abortSignal })
        const evidence = await pass.verify(deployment, { expectBodyContains: expectText, signal: abortSignal })
        const ticket = await pass.ticket()
        await deliverClaimLink(owner, pass.claimUrl)
        return {
          status: 'verified',
          url: deployment.url,
          expiresAt: pass.expiresAt.toISOString(),
          evidence: { status: evidence.status, latencyMs: evidence.latencyMs, bodySha256: evidence.bodySha256 },
          ticket: ticket.toDict(),
        }
      } catch (e) {
        // A cancelled call propagates (the SDK aborted the step); anything
        // else is reported to the model, which can fix its input and retry.
        if (e instanceof AbortError || !(e instanceof BoardingpassError)) throw e
        return { status: 'failed', error: { code: e.code, message: e.message, retryAfterMs: e.retryAfter ?? null } }
      }
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const owner = process.env.BOARDINGPASS_OWNER ?? 'Ada Lovelace'
  const tool = deployTool({
    client: new Client({ acceptTerms: true }),
    owner,
    // Stands in for an email or chat message to the owner: stderr, never the model's stdout.
    deliverClaimLink: (to, link) => console.error(`claim link for ${to}: ${link.expose()}`),
  })
  const result = await tool.execute(
    { name: 'agent-hello', source: "export default { fetch() { return new Response('hello from an agent') } }", expectText: 'hello from an agent' },
    { abortSignal: AbortSignal.timeout(120_000) },
  )
  console.log(JSON.stringify(result, null, 2))
  process.exitCode = result.status === 'verified' ? 0 : 1
}

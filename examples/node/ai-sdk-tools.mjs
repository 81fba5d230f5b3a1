// boardingpass's deploy tools in the Vercel AI SDK.
//
// `aiSdkTools(toolbox)` gives one AI SDK `tool()` per tool (provision,
// deploy, redeploy, verify, claim_ticket, claim_status, wait_for_claim,
// teardown) with the schemas the MCP server lists. Give them to your model:
//
//   const { text } = await generateText({ model, tools, stopWhen: stepCountIs(5), prompt })
//
// The model reads the live URL and the verification evidence; the claim
// link goes to the owner through `sendToOwner` and never into a tool result.
// Here the tool call a model makes ("deploy these files") runs the way the
// SDK runs it, against $CLOUDFLARE_API_BASE_URL:
//
//   CLOUDFLARE_API_BASE_URL=http://127.0.0.1:8787/client/v4 node ai-sdk-tools.mjs
import { pathToFileURL } from 'node:url'

import { Client, Toolbox } from 'boardingpass-sdk'
import { aiSdkTools } from 'boardingpass-sdk/integrations/ai-sdk'

/** Hands the claim link to its owner: replace with e-mail, chat or a ticket. */
async function sendToOwner(link) {
  console.error(`claim link for ${link.owner} (until ${link.expiresAt.toISOString()}): ${link.url.expose()}`)
  return `sent to ${link.owner} out of band`
}

export function deployTools(client, owner, onClaimLink = sendToOwner) {
  return aiSdkTools(new Toolbox(client, { owner, onClaimLink }))
}

const worker = `export default {
  fetch(request) { return new Response('hello from ' + new URL(request.url).hostname) },
}`

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tools = deployTools(new Client({ acceptTerms: true, jobClass: 'agent-tool' }), 'Ada Lovelace')
  const args = { name: 'agent-hello', files: { 'index.js': worker }, expect_body_contains: 'hello from' }
  const result = await tools.deploy.execute(args, { toolCallId: 'call_1', messages: [] })
  console.log(JSON.stringify(result, null, 2))
  process.exitCode = result.verified ? 0 : 1
}

// The quickstart with require(): provision, deploy, verify (CLOUDFLARE_API_BASE_URL names the emulator).
const { Client, Worker } = require('boardingpass-sdk')

async function main(owner) {
  const pass = await new Client({ acceptTerms: true }).provision({ owner })
  const deployment = await pass.deploy(Worker.fromSource('hello', 'index.js', "export default { fetch() { return new Response('hi') } }"))
  const evidence = await pass.verify(deployment, { expectBodyContains: 'hi' })
  console.log(`live at ${deployment.url}: HTTP ${evidence.status}`)
  console.log((await pass.ticket()).toMarkdown())
}

main(process.argv[2]).catch((e) => {
  console.error(e)
  process.exit(1)
})

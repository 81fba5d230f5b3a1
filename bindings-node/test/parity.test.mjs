// tests/fixtures/parity.json through Node's names: every option and
// operation the bindings share exists here, the Worker builder is
// immutable, and closing a claim watcher ends the iteration. The same file
// drives Python's parity test, so an option one language lacks fails there.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { BoardingPass, Policy, Worker } from 'boardingpass-sdk'
import { startEmulator } from './emulator.mjs'
import { OWNER, clientFor } from './helpers.mjs'

const parity = JSON.parse(readFileSync(new URL('../../tests/fixtures/parity.json', import.meta.url), 'utf8'))
const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
/** Node's name for a concept: `renamed` first, then camelCase; null when Node offers it otherwise. */
function nodeName(concept) {
  const renamed = parity.renamed[concept]
  const name = renamed && 'node' in renamed ? renamed.node : concept
  return name === null ? null : name.split('.').map(camel).join('.')
}

/** Member names of `export interface name` in the generated index.d.ts. */
function members(name) {
  const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
  assert.ok(body, `index.d.ts has no interface ${name}`)
  return [...body[1].matchAll(/^ {2}([a-zA-Z]+)\??:/gm)].map((m) => m[1])
}

const groups = {
  client_options: 'ClientOptions',
  provision_options: 'ProvisionOptions',
  deploy_options: 'DeployOptions',
  verify_options: 'VerifyOptions',
  claim_wait_options: 'ClaimWaitOptions',
  ticket_options: 'TicketOptions',
  kv_list_options: 'KvListOptions',
}

for (const [group, iface] of Object.entries(groups)) {
  test(`every shared ${group.replace(/_/g, ' ')} is in ${iface}`, () => {
    const missing = parity[group]
      .map(nodeName)
      .filter((name) => name !== null)
      .filter((name) => {
        const [outer, inner] = name.split('.')
        // `retry.maxAttempts`: the retry option's type holds the field.
        if (inner) return !members(iface).includes(outer) || !members('RetryOptions').includes(inner)
        return !members(iface).includes(outer)
      })
    assert.deepEqual(missing, [], `${iface} lacks these (tests/fixtures/parity.json ${group})`)
  })
}

test('every shared operation and property exists', () => {
  const want = [
    [BoardingPass.prototype, parity.pass_operations.concat(parity.pass_properties)],
    [Policy, parity.policy_factories],
    [Worker, parity.worker.factories],
    [Worker.prototype, parity.worker.builder_methods],
  ]
  const missing = want.flatMap(([target, names]) => names.map(camel).filter((name) => !(name in target)))
  assert.deepEqual(missing, [])
})

test('the Worker builder is immutable', () => {
  assert.equal(parity.worker.immutable, true)
  const base = Worker.fromSource('parity', 'index.js', "export default { fetch() { return new Response('x') } }")
  const withVar = base.var('GREETING', 'hi')
  const withModule = base.module('extra.txt', 'text', 'text')
  assert.ok(withVar !== base && withModule !== base)
  assert.deepEqual([base.toJSON().bindings.length, base.toJSON().modules.length], [0, 1], 'the builder changed the Worker it was called on')
  assert.deepEqual([withVar.toJSON().bindings.length, withModule.toJSON().modules.length], [1, 2])
})

test('closing a watcher ends the iteration, a pending next() included', async () => {
  assert.equal(parity.watcher.close, 'ends_iteration')
  const emu = await startEmulator()
  try {
    const pass = await clientFor(emu).provision({ owner: OWNER })
    const watcher = pass.watchClaim({ timeout: 30_000 })
    assert.equal((await watcher.next()).value.status, 'pending')
    const pending = watcher.next()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await watcher.return()
    const ended = await pending
    assert.ok(ended.done && ended.value === undefined, 'a next() pending at close resolves done instead of rejecting')
    assert.equal((await watcher.next()).done, true)
  } finally {
    await emu.stop()
  }
})

// The ticket a Node caller gets matches the cross-language schema in
// tests/fixtures/ticket-schema.json (the same file core and Python check).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'

import { repoRoot, startEmulator } from './emulator.mjs'
import { clientFor, hello, OWNER } from './helpers.mjs'

const SCHEMA = JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/ticket-schema.json'), 'utf8'))
const ABSENT = Symbol('absent')

function typeName(v) {
  if (v === ABSENT) return 'absent'
  if (v === null) return 'null'
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? 'string[]' : 'array'
  return { boolean: 'boolean', number: 'number', string: 'string' }[typeof v] ?? 'object'
}

function check(spec, value, at, errors) {
  const names = typeof spec === 'string' ? [spec] : Array.isArray(spec) && spec.every((s) => typeof s === 'string') ? spec : null
  if (names) {
    if (!names.includes(typeName(value))) errors.push(`${at}: ${typeName(value)}, expected ${names}`)
  } else if (Array.isArray(spec)) {
    if (!Array.isArray(value)) return errors.push(`${at}: expected an array`)
    value.forEach((item, i) => check(spec[0], item, `${at}[${i}]`, errors))
  } else {
    if (typeName(value) !== 'object') return errors.push(`${at}: expected an object`)
    for (const [key, sub] of Object.entries(spec)) check(sub, key in value ? value[key] : ABSENT, `${at}.${key}`, errors)
    for (const key of Object.keys(value)) if (!(key in spec)) errors.push(`${at}.${key}: not in the schema`)
  }
}

let emu
before(async () => {
  emu = await startEmulator()
})
after(() => emu.stop())

test('both renderings of the ticket match the shared schema', async () => {
  const pass = await clientFor(emu, { jobId: 'schema-check' }).provision({ owner: OWNER })
  await pass.verify(await pass.deploy(hello()))
  for (const includeClaimUrl of [false, true]) {
    const doc = (await pass.ticket({ includeClaimUrl })).toDict()
    assert.equal(doc.schema, SCHEMA.schema_id)
    const errors = []
    check(SCHEMA.spec, doc, 'ticket', errors)
    assert.deepEqual(errors, [])
    assert.equal('url' in doc.claim, includeClaimUrl)
  }
})

test('the checker reports drift', () => {
  const errors = []
  check(SCHEMA.spec, { schema: 'x', extra: 1, evidence: [{ status: '200' }] }, 'ticket', errors)
  assert.ok(errors.includes('ticket.extra: not in the schema'), errors.join('\n'))
  assert.ok(errors.some((e) => e.startsWith('ticket.evidence[0].status: string')), errors.join('\n'))
})

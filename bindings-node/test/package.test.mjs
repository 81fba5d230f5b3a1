// The package surface: `require` and `import` give the same classes, the
// committed index.d.ts is what `napi build` generates from the current
// sources, and it declares every runtime export.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import * as esm from 'boardingpass-sdk'

const require = createRequire(import.meta.url)
const pkg = (p) => new URL(`../${p}`, import.meta.url)

test('require and import expose the same names and the same objects', () => {
  const cjs = require('boardingpass-sdk')
  const names = Object.keys(cjs).sort()
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), names)
  for (const name of names) assert.equal(esm[name], cjs[name], name)
  assert.equal(esm.default, cjs)
})

test('the committed index.d.ts matches what the build generated', () => {
  const generated = readFileSync(pkg('native/index.d.ts'), 'utf8')
  const committed = readFileSync(pkg('index.d.ts'), 'utf8')
  assert.ok(generated === committed, 'index.d.ts is stale: run `make node-dts` and commit it')
})

test('index.d.ts declares every runtime export', () => {
  const dts = readFileSync(pkg('index.d.ts'), 'utf8')
  const declared = new Set([...dts.matchAll(/^export declare (?:class|const|function) (\w+)/gm)].map((m) => m[1]))
  const runtime = Object.keys(require('boardingpass-sdk'))
  assert.deepEqual(runtime.filter((n) => !declared.has(n)), [])
  assert.deepEqual([...declared].filter((n) => !runtime.includes(n)), [])
})

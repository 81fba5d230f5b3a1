// tests/fixtures/client-config-cases.json through Node's option names: core
// validates, so Node refuses exactly what Python and Rust refuse.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { Client, InvalidInputError, Worker } from 'boardingpass-sdk'

const { cases } = JSON.parse(readFileSync(new URL('../../tests/fixtures/client-config-cases.json', import.meta.url), 'utf8'))

// Node takes durations in milliseconds.
const js = ({ value, unit }) => (unit === 'seconds' ? value * 1000 : value)

const apply = {
  max_attempts: (v) => new Client({ apiBase: 'http://127.0.0.1:1/client/v4', retry: { maxAttempts: v } }),
  pow_work_cap: (v) => new Client({ apiBase: 'http://127.0.0.1:1/client/v4', powWorkCap: v }),
  timeout: (v) => new Client({ apiBase: 'http://127.0.0.1:1/client/v4', timeout: v }),
  connect_timeout: (v) => new Client({ apiBase: 'http://127.0.0.1:1/client/v4', connectTimeout: v }),
  expiry_margin: (v) => new Client({ apiBase: 'http://127.0.0.1:1/client/v4', expiryMargin: v }),
  max_script_size: (v) => Worker.fromSource('w', 'index.js', 'export default {}').validate(v),
}

for (const c of cases) {
  test(`${c.option} = ${c.value} is ${c.valid ? 'accepted' : 'refused'}`, () => {
    const run = apply[c.option]
    assert.ok(run, `Node has no option for ${c.option}`)
    if (c.valid) {
      run(js(c))
    } else {
      assert.throws(() => run(js(c)), (e) => e instanceof InvalidInputError && e.field === c.field && e.code === 'invalid_input')
    }
  })
}

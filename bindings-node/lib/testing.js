'use strict'
// `boardingpass-sdk/testing`: the local emulator for your own tests
// (node:test, vitest, jest). The emulator binary ships in the platform
// package; it runs Workers in workerd (`npm install --save-dev workerd`).
//
//   const { apiBase, claim, stop } = await startEmulator({ lifetime: 5_000 })
//
// Starting, the light proof of work, finding the binaries, claiming and
// stopping are core's (`boardingpass::testing`).

const native = require('../native/index.js')
const { guarded } = require('./guard.js')
require('./index.js') // the Emulator class re-typed like the others

const start = guarded(native.startEmulator)

/** Starts an emulator on a free loopback port: `{ apiBase, claim(pass), stop() }`. */
async function startEmulator(options) {
  const emulator = await start(options)
  return {
    apiBase: emulator.apiBase,
    claim: (pass) => emulator.claim(pass),
    stop: () => emulator.stop(),
    emulator,
  }
}

module.exports = { startEmulator }

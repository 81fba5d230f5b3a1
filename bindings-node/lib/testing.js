'use strict'
// `boardingpass-sdk/testing`: the local emulator for your own tests
// (any runner: a plain async function). The emulator binary ships in the platform
// package; it runs Workers in workerd (`npm install --save-dev workerd`).
//
//   const { apiBase, claim, stop } = await startEmulator({ lifetime: 5_000 })
//
// Starting, the light proof of work, finding the binaries, claiming and
// stopping are core's (`boardingpass::testing`).

const { guarded } = require('./guard.js')
const { Emulator } = require('./index.js')

// Emulator.start is a fixed static, so its errors are re-typed here.
const start = guarded((options) => Emulator.start(options))

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

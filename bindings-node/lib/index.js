'use strict'
// Package entry (CommonJS; index.mjs re-exports it for `import`). Loads the
// napi-rs module and adds what must be JS: error re-typing at the boundary,
// redacted `util.inspect`, and `Symbol.asyncIterator` on ClaimWatcher.

const { inspect } = require('node:util')
const native = require('../native/index.js')
const { guardedClass } = require('./guard.js')

// util.inspect shows the same safe view as toJSON (never a credential).
function showAs(cls, view) {
  cls.prototype[inspect.custom] = function (depth, options, show) {
    return `${cls.name} ${show(view(this), options)}`
  }
}

showAs(native.BoardingPass, (p) => p.toJSON())
showAs(native.ClaimTicket, (t) => t.toJSON())
showAs(native.Policy, (p) => p.toJSON())
showAs(native.Worker, (w) => w.toJSON())
showAs(native.Client, (c) => ({ apiBase: c.apiBase, runId: c.runId, jobId: c.jobId, jobClass: c.jobClass }))
native.Secret.prototype[inspect.custom] = function () {
  return `Secret(${this.toString()})`
}
native.ClaimWatcher.prototype[Symbol.asyncIterator] = function () {
  return this
}

const Client = guardedClass(native.Client, true)
const Worker = guardedClass(native.Worker, true)
const Policy = guardedClass(native.Policy, true)
const BoardingPass = guardedClass(native.BoardingPass, false)
const ClaimTicket = guardedClass(native.ClaimTicket, false)
const ClaimWatcher = guardedClass(native.ClaimWatcher, false)
const Secret = guardedClass(native.Secret, false)
const Toolbox = guardedClass(native.Toolbox, true)
const Emulator = guardedClass(native.Emulator, false)
// Which build the napi loader picked ('native' here); declared by the generated types.
const __napiBindingTarget = native.__napiBindingTarget

module.exports = {
  ...require('./errors.js'),
  Client,
  Worker,
  Policy,
  BoardingPass,
  ClaimTicket,
  ClaimWatcher,
  Secret,
  Toolbox,
  Emulator,
  __napiBindingTarget,
}

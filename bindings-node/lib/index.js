'use strict'
// Package entry (CommonJS; index.mjs re-exports it for `import`). Loads the
// napi-rs module and adds what must be JS: error re-typing at the boundary,
// redacted `util.inspect`, and `Symbol.asyncIterator` on ClaimWatcher.

const { inspect } = require('node:util')
const native = require('../native/index.js')
const errors = require('./errors.js')

const byCode = new Map(Object.values(errors).filter((cls) => cls.code).map((cls) => [cls.code, cls]))

// napi-rs statuses of arguments it could not convert (wrong type, missing
// field): the caller's input, so InvalidInputError.
const isArgumentStatus = (code) => code === 'InvalidArg' || (typeof code === 'string' && code.endsWith('Expected'))

/** The package error for a native one (which carries `code` and the fields as properties). */
function toBoardingpassError(err) {
  if (err instanceof errors.BoardingpassError || err === null || typeof err !== 'object') return err
  const cls = byCode.get(err.code) ?? (isArgumentStatus(err.code) ? errors.InvalidInputError : undefined)
  return cls ? new cls(err.message, err) : err
}

function guarded(fn) {
  return function boardingpassCall(...args) {
    let out
    try {
      out = fn.apply(this, args)
    } catch (e) {
      throw toBoardingpassError(e)
    }
    if (out instanceof Promise) {
      return out.catch((e) => {
        throw toBoardingpassError(e)
      })
    }
    return out
  }
}

function guardFunctions(target, skip) {
  for (const key of Object.getOwnPropertyNames(target)) {
    const d = Object.getOwnPropertyDescriptor(target, key)
    if (skip.includes(key) || typeof d.value !== 'function') continue
    Object.defineProperty(target, key, { ...d, value: guarded(d.value) })
  }
}

// Methods and static functions throw or reject with native errors; re-type
// them. Constructors can throw too (bad options): a Proxy re-types those.
function guardedClass(cls, constructible) {
  guardFunctions(cls.prototype, ['constructor'])
  guardFunctions(cls, ['length', 'name', 'prototype'])
  if (!constructible) return cls
  const proxy = new Proxy(cls, {
    construct(target, args, newTarget) {
      try {
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget)
      } catch (e) {
        throw toBoardingpassError(e)
      }
    },
  })
  return proxy
}

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
  __napiBindingTarget,
}

'use strict'
// Package entry (CommonJS; index.mjs re-exports it for `import`). Loads the
// napi-rs module and adds what must be JS: error re-typing at the boundary,
// redacted `util.inspect`, and `Symbol.asyncIterator` on ClaimWatch.

const { inspect } = require('node:util')
const native = require('../native/index.js')
const errors = require('./errors.js')

const { toBoardingpassError } = errors

// Methods throw or reject with plain errors carrying a `code`; re-type them.
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

// Constructors can throw too (bad options); a Proxy re-types those.
function guardedClass(cls) {
  guardFunctions(cls.prototype, ['constructor'])
  guardFunctions(cls, ['length', 'name', 'prototype'])
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

const { BoardingPass, ClaimTicket, ClaimWatch, Client, Policy, Secret, Worker } = native

Secret.prototype[inspect.custom] = function () {
  return `Secret(${this.toString()})`
}
showAs(BoardingPass, (p) => p.toJSON())
showAs(ClaimTicket, (t) => t.toJSON())
showAs(Policy, (p) => p.toJSON())
showAs(Worker, (w) => w.toJSON())
showAs(Client, (c) => ({ apiBase: c.apiBase, runId: c.runId, jobId: c.jobId, jobClass: c.jobClass }))
ClaimWatch.prototype[Symbol.asyncIterator] = function () {
  return this
}

for (const cls of [BoardingPass, ClaimTicket, ClaimWatch, Secret]) {
  guardFunctions(cls.prototype, ['constructor'])
}

module.exports = {
  Client: guardedClass(Client),
  Worker: guardedClass(Worker),
  Policy: guardedClass(Policy),
  BoardingPass,
  ClaimTicket,
  ClaimWatch,
  Secret,
  BoardingpassError: errors.BoardingpassError,
  NetworkError: errors.NetworkError,
  TimeoutError: errors.TimeoutError,
  ApiError: errors.ApiError,
  RateLimitedError: errors.RateLimitedError,
  TermsNotAcceptedError: errors.TermsNotAcceptedError,
  PowRefusedError: errors.PowRefusedError,
  PassExpiredError: errors.PassExpiredError,
  PolicyViolationError: errors.PolicyViolationError,
  InvalidInputError: errors.InvalidInputError,
  ProtocolError: errors.ProtocolError,
  VerificationError: errors.VerificationError,
  IoError: errors.IoError,
  CancelledError: errors.CancelledError,
  AbortError: errors.AbortError,
}

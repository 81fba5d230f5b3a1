'use strict'
// Native errors re-typed at the boundary as the package's error classes
// (lib/errors.js), for the main entry and `boardingpass-sdk/testing`.

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
    // A read-only, fixed static (napi makes some so) is wrapped by its caller instead.
    if (!d.configurable && !d.writable) continue
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

module.exports = { guarded, guardedClass }

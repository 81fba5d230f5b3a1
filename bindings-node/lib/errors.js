'use strict'
// The package's error classes: one base, one subclass per core error code
// (tests/fixtures/error-kinds.json). The native layer throws or rejects with
// a plain Error whose own properties carry `code` and the structured fields;
// lib/index.js re-types it by `code`. Nothing is read from the message text.
//
// Cancellation: aborting a call's AbortSignal rejects with CancelledError,
// whose `name` is 'AbortError' (the DOM/Node convention that code such as
// `err.name === 'AbortError'` checks) and which is also exported as
// AbortError. So one rejection satisfies `instanceof BoardingpassError`,
// `instanceof CancelledError`/`AbortError` and `name === 'AbortError'`, and
// keeps the fixture's `code: 'cancelled'`.

const FIELDS = ['status', 'retryAfter', 'requestId', 'apiCode', 'field', 'violations', 'file', 'line', 'column', 'migration']

class BoardingpassError extends Error {
  constructor(message, fields = {}) {
    super(message)
    this.code = new.target.code
    for (const key of FIELDS) {
      if (fields[key] !== undefined && fields[key] !== null) this[key] = fields[key]
    }
  }
}

class NetworkError extends BoardingpassError {
  static code = 'network'
}
class TimeoutError extends BoardingpassError {
  static code = 'timeout'
}
class ApiError extends BoardingpassError {
  static code = 'api'
}
class RateLimitedError extends BoardingpassError {
  static code = 'rate_limited'
}
class TermsNotAcceptedError extends BoardingpassError {
  static code = 'terms_not_accepted'
}
class PowRefusedError extends BoardingpassError {
  static code = 'pow_refused'
}
class PassExpiredError extends BoardingpassError {
  static code = 'pass_expired'
}
class PassRevokedError extends BoardingpassError {
  static code = 'pass_revoked'
}
class PolicyViolationError extends BoardingpassError {
  static code = 'policy_violation'
}
class InvalidInputError extends BoardingpassError {
  static code = 'invalid_input'
}
class ProtocolError extends BoardingpassError {
  static code = 'protocol'
}
class VerificationError extends BoardingpassError {
  static code = 'verification'
}
class IoError extends BoardingpassError {
  static code = 'io'
}
class CancelledError extends BoardingpassError {
  static code = 'cancelled'
}
class BundleError extends BoardingpassError {
  static code = 'bundle'
}
class SqlError extends BoardingpassError {
  static code = 'sql'
}

module.exports = {
  BoardingpassError,
  NetworkError,
  TimeoutError,
  ApiError,
  RateLimitedError,
  TermsNotAcceptedError,
  PowRefusedError,
  PassExpiredError,
  PassRevokedError,
  PolicyViolationError,
  InvalidInputError,
  ProtocolError,
  VerificationError,
  IoError,
  CancelledError,
  AbortError: CancelledError,
  BundleError,
  SqlError,
}

// `name` is the class's own (AbortError for cancellation, see above).
for (const cls of new Set(Object.values(module.exports))) {
  const name = cls === CancelledError ? 'AbortError' : cls.name
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
}

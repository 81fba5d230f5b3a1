'use strict'
// The package's error classes: one base, one subclass per core error code
// (tests/fixtures/error-kinds.json). The native layer throws or rejects with
// a plain Error whose own properties carry `code` and the structured fields;
// toBoardingpassError re-types it. Nothing is read from the message text.
//
// Cancellation: aborting a call's AbortSignal rejects with CancelledError,
// whose `name` is 'AbortError' (the DOM/Node convention that code such as
// `err.name === 'AbortError'` checks) and which is also exported as
// AbortError. So one rejection satisfies `instanceof BoardingpassError`,
// `instanceof CancelledError`/`AbortError` and `name === 'AbortError'`, and
// keeps the fixture's `code: 'cancelled'`.

const FIELDS = ['status', 'retryAfter', 'requestId', 'apiCode', 'field', 'violations']

class BoardingpassError extends Error {
  constructor(message, fields = {}) {
    super(message)
    this.code = new.target.code
    for (const key of FIELDS) {
      if (fields[key] !== undefined && fields[key] !== null) this[key] = fields[key]
    }
  }
}

class NetworkError extends BoardingpassError {}
class TimeoutError extends BoardingpassError {}
class ApiError extends BoardingpassError {}
class RateLimitedError extends BoardingpassError {}
class TermsNotAcceptedError extends BoardingpassError {}
class PowRefusedError extends BoardingpassError {}
class PassExpiredError extends BoardingpassError {}
class PolicyViolationError extends BoardingpassError {}
class InvalidInputError extends BoardingpassError {}
class ProtocolError extends BoardingpassError {}
class VerificationError extends BoardingpassError {}
class IoError extends BoardingpassError {}
class CancelledError extends BoardingpassError {}

const byCode = {
  network: NetworkError,
  timeout: TimeoutError,
  api: ApiError,
  rate_limited: RateLimitedError,
  terms_not_accepted: TermsNotAcceptedError,
  pow_refused: PowRefusedError,
  pass_expired: PassExpiredError,
  policy_violation: PolicyViolationError,
  invalid_input: InvalidInputError,
  protocol: ProtocolError,
  verification: VerificationError,
  io: IoError,
  cancelled: CancelledError,
}

for (const [code, cls] of Object.entries(byCode)) {
  cls.code = code
  const name = cls === CancelledError ? 'AbortError' : cls.name
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
}
Object.defineProperty(BoardingpassError.prototype, 'name', { value: 'BoardingpassError', writable: true, configurable: true })

// napi-rs statuses of arguments it could not convert (wrong type, missing
// field): the caller's input, so InvalidInputError.
const isArgumentStatus = (code) => code === 'InvalidArg' || (typeof code === 'string' && code.endsWith('Expected'))

/** The package error for `err`, or `err` itself when it is not one of ours. */
function toBoardingpassError(err) {
  if (err instanceof BoardingpassError || err === null || typeof err !== 'object') return err
  const cls = Object.hasOwn(byCode, err.code) ? byCode[err.code] : isArgumentStatus(err.code) ? InvalidInputError : undefined
  return cls ? new cls(err.message, err) : err
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
  PolicyViolationError,
  InvalidInputError,
  ProtocolError,
  VerificationError,
  IoError,
  CancelledError,
  AbortError: CancelledError,
  toBoardingpassError,
}

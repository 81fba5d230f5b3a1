// ES module entry: the CommonJS package re-exported, so `import` and
// `require` share one native module and one set of classes.
import boardingpass from './lib/index.js'

export const {
  Client,
  Worker,
  Policy,
  BoardingPass,
  ClaimTicket,
  ClaimWatch,
  Secret,
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
  AbortError,
} = boardingpass

export default boardingpass

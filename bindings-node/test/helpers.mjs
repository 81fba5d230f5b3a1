// Shared pieces of the test files: a client pointed at an emulator, and
// small Workers.
import { Client, Worker } from 'boardingpass-sdk'

export const OWNER = 'Ada Lovelace'

/** A client for `emu` with quick retries and no expiry margin. */
export function clientFor(emu, options = {}) {
  return new Client({ apiBase: emu.base, acceptTerms: true, retry: { baseDelay: 10 }, expiryMargin: 0, ...options })
}

/** A one-file Worker answering `body`. */
export function hello(name = 'hello', body = 'hello from a boarding pass') {
  return Worker.fromSource(name, 'index.js', `export default { fetch() { return new Response(${JSON.stringify(body)}) } }`)
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

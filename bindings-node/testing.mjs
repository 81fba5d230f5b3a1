// ES module entry of `boardingpass-sdk/testing` (the CommonJS one re-exported).
export { startEmulator } from './lib/testing.js'

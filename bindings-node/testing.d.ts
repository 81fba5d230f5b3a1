/* Types of `boardingpass-sdk/testing`: the local emulator for your own tests. */
import type { BoardingPass, Emulator, EmulatorOptions } from './index'

export type { EmulatorOptions }

export interface RunningEmulator {
  /** The API base for `new Client({ apiBase })`. */
  readonly apiBase: string
  /** What the owner's Claim button does: the account becomes permanent. */
  claim(pass: BoardingPass): Promise<void>
  /** Stops the emulator and its Workers; stopping twice does nothing. */
  stop(): Promise<void>
  readonly emulator: Emulator
}

/**
 * Starts `boardingpass-emulator` on a free loopback port with a light proof
 * of work (k=20, g=50). workerd is found through `BOARDINGPASS_WORKERD`,
 * the npm `workerd` package or `PATH`; a missing one rejects with an
 * `IoError` that says how to install it.
 */
export declare function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator>

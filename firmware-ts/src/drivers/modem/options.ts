// The modem driver's configuration, dependencies and timings. Timings are not in
// the config file: they follow the modules' documented limits, and tests shorten them.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { BackoffOptions } from '../../transport/backoff.js';
import type { SimRegistry } from '../../transport/sim-link.js';
import type { ModemState } from './state.js';

export type ModemConfig = NonNullable<Config['devices']['modem']>;

export interface ModemTimings {
  commandTimeoutMs: number;
  /** AT+CFUN can take 15 s (Quectel). */
  cfunTimeoutMs: number;
  /** 27.005: AT+CMGS waits for the network, up to 120 s. */
  smsTimeoutMs: number;
  /** Consecutive poll cycles without an answer before the ladder starts. */
  noResponseCycles: number;
  /** A SIM that stays absent or failed this long is a fault. */
  simGraceMs: number;
  /** With a power switch: a port gone this long is a fault (the module hung off the USB bus). */
  portGoneMs: number;
  /** Rest after the ladder's top step before climbing again. */
  exhaustedRestMs: number;
  /** Quiet time after a command timeout (a late answer must not be taken for the next command's). */
  settleMs: number;
}

export const DEFAULT_TIMINGS: ModemTimings = {
  commandTimeoutMs: 5000,
  cfunTimeoutMs: 15_000,
  smsTimeoutMs: 120_000,
  noResponseCycles: 2,
  simGraceMs: 30_000,
  portGoneMs: 60_000,
  exhaustedRestMs: 30 * 60_000,
  settleMs: 200,
};

export interface ModemDriverDeps {
  log: Logger;
  sims?: SimRegistry;
  /** Called with a fresh snapshot after every poll and on every change heard in between. */
  onState?: (state: ModemState) => void;
  /** Cuts and restores the modem's power (a GPIO line); the ladder's last step. */
  powerCycle?: () => Promise<void>;
  timings?: Partial<ModemTimings>;
  backoff?: BackoffOptions;
}

export class ModemUnavailableError extends Error {
  constructor(why: string) {
    super(`modem not available: ${why}`);
    this.name = 'ModemUnavailableError';
  }
}

// The card terminal's configuration (devices.terminal in the config file) as a
// TypeBox schema, to be merged into config/schema.ts, plus the driver's
// dependencies. Every field has a description and a default.
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { OneOf, Strict } from '../../schema/types.js';
import type { BackoffOptions } from '../../transport/backoff.js';
import type { SimRegistry } from '../../transport/sim-link.js';
import type { TerminalProgress } from './payment-terminal.js';

const ms = (dflt: number, min: number, max: number, description: string) => Type.Integer({ default: dflt, minimum: min, maximum: max, description });

export const TerminalConfigSchema = Strict({
  enabled: Type.Boolean({ default: true, description: 'Drive the card terminal; false leaves payments unavailable' }),
  port: Type.String({
    pattern: '^(serial|tcp|sim)://.+',
    default: 'tcp://192.168.1.50:20007',
    description: 'tcp://HOST:20007 (ZVT over TCP, PA00P016 §2.2), serial:///dev/vim-terminal?baud=9600 (8N2 needed, see README) or sim://terminal',
  }),
  protocol: OneOf(['zvt'] as const, { default: 'zvt', description: 'Terminal protocol; a GMP-3/ÖKC vendor adapter would add a value here' }),
  framing: OneOf(['auto', 'tcp', 'serial'] as const, {
    default: 'auto',
    description: 'ZVT transport framing: auto = serial for serial://, bare APDUs for tcp://, sim:// per its ?framing= (default tcp)',
  }),
  baud: OneOf([9600, 115200] as const, { default: 9600, description: 'Serial speed when the URI has no ?baud= (PA00P016 §2.1: 9600, optionally 115200)' }),
  password: Type.String({ pattern: '^[0-9]{6}$', default: '000000', description: 'ZVT password, 6 digits, sent as 3-byte BCD (PA00P015 §1.2)' }),
  currency: Type.Integer({ default: 949, minimum: 1, maximum: 999, description: 'ISO 4217 numeric currency code sent with registration and amounts; 949 = TRY' }),
  printOnEcr: Type.Boolean({
    default: true,
    description: 'The gateway prints the payment and administration receipts from the status information (registration config byte bits 1 and 2); false: the terminal prints its own',
  }),
  intermediateStatus: Type.Boolean({ default: true, description: 'Ask for intermediate status (04 FF) at registration, shown to the tablet as progress' }),
  amountInputOnPt: Type.Boolean({ default: false, description: 'Allow amounts typed on the terminal itself (config byte bit 4 cleared)' }),
  maxAmountKurus: Type.Integer({ default: 10_000_000, minimum: 1, maximum: 999_999_999_999, description: 'Largest amount a sale or refund may ask for, in kuruş (default 100,000.00 TL)' }),
  ackTimeoutMs: ms(5000, 100, 60_000, 'T3: longest wait for the terminal to accept a command with 80 00 / 84 xx (PA00P016 §5.2.5)'),
  intermediateTimeoutMs: ms(180_000, 1000, 900_000, 'T4: longest silence from the terminal while it works, restarted by every message (PA00P016 §5.2.6)'),
  completionTimeoutMs: ms(300_000, 1000, 1_800_000, 'Longest a whole operation may take after the terminal accepted it'),
  serialAckTimeoutMs: ms(5000, 50, 30_000, 'T2: longest wait for ACK/NAK after a serial message (PA00P016 §3.4.2)'),
  serialByteTimeoutMs: ms(200, 20, 5000, 'T1: longest pause between two bytes of a serial message (PA00P016 §3.4.1)'),
  statusPollS: Type.Integer({ default: 60, minimum: 0, maximum: 3600, description: 'Status enquiry (05 01) every N s while idle, as PA00P015 §2.56 recommends; 0 = never' }),
});

export type TerminalConfig = Static<typeof TerminalConfigSchema>;

/** The defaults, for tests and for code that builds a config without the validator. */
export const TERMINAL_DEFAULTS: TerminalConfig = {
  enabled: true,
  port: 'tcp://192.168.1.50:20007',
  protocol: 'zvt',
  framing: 'auto',
  baud: 9600,
  password: '000000',
  currency: 949,
  printOnEcr: true,
  intermediateStatus: true,
  amountInputOnPt: false,
  maxAmountKurus: 10_000_000,
  ackTimeoutMs: 5000,
  intermediateTimeoutMs: 180_000,
  completionTimeoutMs: 300_000,
  serialAckTimeoutMs: 5000,
  serialByteTimeoutMs: 200,
  statusPollS: 60,
};

export interface TerminalDriverDeps {
  log: Logger;
  sims?: SimRegistry;
  backoff?: BackoffOptions;
  /** Intermediate status of every operation (also available per call and through onProgress()). */
  onProgress?: (p: TerminalProgress) => void;
  /** Called with a fresh snapshot on every change (for vim/state/device/terminal). */
  onState?: (s: TerminalState) => void;
}

export interface TerminalState {
  port: string;
  framing: 'tcp' | 'serial';
  connected: boolean;
  registered: boolean;
  busy: string | null;
  terminalId: string | null;
  softwareVersion: string | null;
  terminalStatus: { code: number; text: string; at: string } | null;
  lastProgress: string | null;
  lastResult: { op: string; outcome: string; resultCode: number | null; receiptNo: number | null; at: string } | null;
  lastFault: { what: string; at: string } | null;
}

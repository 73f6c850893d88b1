// A ZVT payment terminal (PT) simulator: the Simulator behind sim://terminal and,
// through cli.ts, a standalone terminal on TCP 20007 or a pty. It speaks the
// subset of PA00P015 the gateway uses (README.md), keeps its own ledger, and can
// be told to approve, decline, stall, go silent, drop the link after authorizing,
// or send broken bytes. One connection is served at a time, like a real PT.
import { EventEmitter } from 'node:events';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';
import { Ledger } from './ledger.js';
import { SimSession } from './sim-session.js';

export type SimMode =
  /** Approve every payment. */
  | 'approve'
  /** Decline payments with `declineCode` (status information 27 <code>, then 06 1E). */
  | 'decline'
  /** Never answer a command (not even 80 00): the ECR's T3 expires. */
  | 'silent'
  /** Accept with 80 00, then say nothing: the ECR's T4 expires. */
  | 'stall'
  /** Accept, then send "please wait" forever: the ECR's completion timeout expires. */
  | 'endless'
  /** Wait for a card (04 FF 0A) until the ECR aborts (06 B0). */
  | 'await-card'
  /** Authorize, book the charge after the ECR's 80 00 to the status information, then drop the link before completion. */
  | 'drop-after-authorize'
  /** Answer commands with garbage: a 04 0F whose length runs past the data (in a valid serial frame on serial), then silence. */
  | 'malformed';

export interface SimBehaviour {
  mode: SimMode;
  /** Result code for 'decline' (PA00P015 §10), default 05 (declined by issuer). */
  declineCode: number;
  /** Pause between the terminal's steps, ms (0 for benches). */
  delayMs: number;
  /** Intermediate status codes sent during a payment when the ECR registered for them (PA00P015 §3.7). */
  intermediate: number[];
  /** Serial only: corrupt the CRC of every message the terminal sends. */
  badCrc: boolean;
  /**
   * A misconfigured terminal that sends the full card number in BMP 22 instead of a masked one
   * (digits only, up to 19): the ECR must mask it before anything is stored, logged or printed.
   */
  clearPan: string | null;
}

export interface TerminalSimOptions {
  password?: string;
  terminalId?: string;
  softwareVersion?: string;
  behaviour?: Partial<SimBehaviour>;
}

export interface SimTransaction {
  /** The exact status information (04 0F data block) sent for it. */
  statusInfo: Buffer;
  kind: 'charge' | 'reversal' | 'refund';
  amountKurus: number;
  receiptNo: number;
  trace: number;
}

export class TerminalSim extends EventEmitter<{ command: [string]; unplugged: [] }> implements Simulator {
  readonly ledger = new Ledger();
  readonly password: string;
  readonly terminalId: string;
  readonly softwareVersion: string;
  behaviour: SimBehaviour;
  /** The last booked transaction, as repeat receipt (06 20) reports it. */
  last: SimTransaction | null = null;
  /** Registration config byte of the current connection, or null before 06 00. */
  configByte: number | null = null;
  /** Control fields of every command received, e.g. "06 01", in order. */
  readonly received: string[] = [];
  private nextTrace = 1;
  private nextReceipt = 1;
  private session: SimSession | null = null;

  constructor(opts: TerminalSimOptions = {}) {
    super();
    this.password = opts.password ?? '000000';
    this.terminalId = opts.terminalId ?? '52001234';
    this.softwareVersion = opts.softwareVersion ?? 'VIM-SIM 1.0';
    this.behaviour = { mode: 'approve', declineCode: 0x05, delayMs: 0, intermediate: [0x0a, 0x0e], badCrc: false, clearPan: null, ...opts.behaviour };
  }

  behave(b: Partial<SimBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...b };
  }

  attach(port: SimPort, params: Record<string, string>): void {
    this.session?.close();
    const framing = params.framing === 'serial' ? 'serial' : 'tcp';
    this.configByte = null;
    this.session = new SimSession(this, port, framing);
  }

  /** Drops the current connection from the terminal's side. */
  unplug(): void {
    this.session?.unplug();
    this.session = null;
    this.emit('unplugged');
  }

  /** Allocates the trace and receipt numbers of a new booking (receipt numbers are 4 BCD digits). */
  allocate(): { trace: number; receiptNo: number } {
    const r = { trace: this.nextTrace, receiptNo: this.nextReceipt };
    this.nextTrace = (this.nextTrace % 999_999) + 1;
    this.nextReceipt = (this.nextReceipt % 9999) + 1;
    return r;
  }

  dispose(): void {
    this.session?.close();
    this.session = null;
    this.removeAllListeners();
  }
}

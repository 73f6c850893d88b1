// Printer status from DLE EOT (real-time status transmission): n=1 printer status
// (online/offline), n=2 offline cause (cover open, paper end stop, error), n=4 roll
// paper sensor (near end, end). Each query is answered with one byte whose fixed
// bits (bit 1 and 4 set, bit 0 and 7 clear) let us tell a status byte from noise.
// A printer that never answers stays `unknown`: an open file or socket says nothing
// about paper or cover, so "connected" is never inferred from a link alone.
import { decodeStatus, dleEot, isStatusByte, type StatusBits } from './escpos.js';

export type PrinterState =
  | 'ready'
  | 'paper-near-end'
  | 'paper-out'
  | 'cover-open'
  | 'offline'
  | 'error'
  /** The link is open but the printer does not answer DLE EOT (or cannot: a write-only device file). */
  | 'unknown'
  /** The link is closed (unplugged, network down, file missing). */
  | 'disconnected'
  /** It answered bytes that are not DLE EOT status bytes. */
  | 'garbage';

export interface PrinterStatus {
  printer: string;
  state: PrinterState;
  /** Does the printer answer DLE EOT? `untested` until the first probe on this link. */
  answers: 'yes' | 'no' | 'garbage' | 'untested';
  bits: StatusBits | null;
  detail: string;
  /** ISO time of the last probe (or link change). */
  checkedAt: string | null;
  pendingJobs: number;
}

/** States in which a job is sent. `unknown` prints: without a back channel we cannot know better. */
export function canPrint(s: PrinterState): boolean {
  return s === 'ready' || s === 'paper-near-end' || s === 'unknown';
}

export function stateFromBits(b: StatusBits): { state: PrinterState; detail: string } {
  if (b.coverOpen) return { state: 'cover-open', detail: 'cover open' };
  if (b.paperEnd || b.paperStop) return { state: 'paper-out', detail: 'paper end' };
  if (b.error) return { state: 'error', detail: 'printer error (cutter, head temperature ...)' };
  if (b.offline) return { state: 'offline', detail: 'printer offline' };
  if (b.paperNearEnd) return { state: 'paper-near-end', detail: 'paper near end' };
  return { state: 'ready', detail: 'ready' };
}

export type ProbeResult = { answers: 'yes'; bits: StatusBits } | { answers: 'no' } | { answers: 'garbage'; bytes: Buffer };

export const hex = (b: Buffer): string => [...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ') + (b.length > 16 ? ' ...' : '');

/** Asks DLE EOT 1, 2, 4 in turn over a byte stream and classifies the answers. */
export class StatusProbe {
  private waiter: { resolve: (b: number | null) => void; timer: NodeJS.Timeout } | null = null;
  private unexpected: number[] = [];

  constructor(
    private readonly write: (b: Buffer) => Promise<void>,
    private readonly timeoutMs: number,
    private readonly onUnexpected: (bytes: Buffer) => void,
  ) {}

  /** Feed every byte the printer sends. */
  data(d: Buffer): void {
    let i = 0;
    if (this.waiter && this.unexpected.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(d[0]!);
      i = 1;
    }
    if (i < d.length) {
      const extra = d.subarray(i);
      this.unexpected.push(...extra.subarray(0, 64));
      this.onUnexpected(Buffer.from(extra));
    }
  }

  /** The link closed: a pending query gets no answer. */
  cancel(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
  }

  async probe(): Promise<ProbeResult> {
    if (this.unexpected.length) return { answers: 'garbage', bytes: this.takeUnexpected() };
    const got: number[] = [];
    for (const n of [1, 2, 4] as const) {
      const b = await this.query(n);
      if (b === null && n === 1 && this.unexpected.length === 0) return { answers: 'no' };
      if (b !== null) got.push(b);
      // No answer after an earlier one, a byte without the fixed bits, or extra bytes: not a status reply.
      if (b === null || !isStatusByte(b) || this.unexpected.length) return { answers: 'garbage', bytes: Buffer.from([...got, ...this.takeUnexpected()]) };
    }
    return { answers: 'yes', bits: decodeStatus(got[0]!, got[1]!, got[2]!) };
  }

  private takeUnexpected(): Buffer {
    const b = Buffer.from(this.unexpected);
    this.unexpected = [];
    return b;
  }

  private async query(n: 1 | 2 | 4): Promise<number | null> {
    this.cancel();
    const answer = new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, this.timeoutMs);
      this.waiter = { resolve, timer };
    });
    try {
      await this.write(dleEot(n)); // DLE EOT n
    } catch {
      this.cancel();
    }
    return answer;
  }
}

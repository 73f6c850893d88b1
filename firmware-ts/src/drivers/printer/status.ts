// Printer status, asked in the printer's own command set. ESC/POS (`type: epson`):
// DLE EOT (real-time status transmission) n=1 printer status (online/offline), n=2
// offline cause (cover open, paper end stop, error), n=4 roll paper sensor (near end,
// end); each query is answered with one byte whose fixed bits (bit 1 and 4 set, bit 0
// and 7 clear) let us tell a status byte from noise. Star Line Mode (`type: star`):
// ESC ACK SOH, answered with the ASB (Automatic Status Back) bytes, whose length is in
// their first byte (star-status.ts, after Star's ASB specification). A Star whose
// unsolicited ASB is on (its memory switch, or ESC RS a) also sends one by itself on
// every change: those bytes come unasked, and count as garbage here like any others.
// A printer that never answers stays `unknown`: an open file or socket says nothing
// about paper or cover, so "connected" is never inferred from a link alone.
import { decodeStatus, dleEot, isStatusByte, type PrinterType, type StatusBits } from './escpos.js';
import { decodeStarStatus, STAR_STATUS_REQUEST, starAnswerSize } from './star-status.js';

export type PrinterState =
  | 'ready'
  | 'paper-near-end'
  | 'paper-out'
  | 'cover-open'
  | 'offline'
  | 'error'
  /** The link is open but the printer does not answer the status request (or cannot: a write-only device file). */
  | 'unknown'
  /** The link is closed (unplugged, network down, file missing). */
  | 'disconnected'
  /** It answered bytes that are not a status answer (DLE EOT bytes, or a Star ASB). */
  | 'garbage';

export interface PrinterStatus {
  printer: string;
  state: PrinterState;
  /** Does the printer answer the status request (DLE EOT, or ESC ACK SOH on a Star)? `untested` until the first probe on this link. */
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

export type ProbeResult = { answers: 'yes'; bits: StatusBits } | { answers: 'no' } | { answers: 'garbage'; bytes: Buffer; why?: string };

export const hex = (b: Buffer): string => [...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ') + (b.length > 16 ? ' ...' : '');

/** The bytes one answer has in all, given those so far (it may grow as they come), or why they are no answer. */
type AnswerSize = (got: readonly number[]) => number | string;
/** What a query got: the bytes, and why they are no answer if they are not. null: nothing came. */
type Answer = { got: number[]; why?: string } | null;

const ONE_BYTE: AnswerSize = () => 1;

/**
 * Asks for the status over a byte stream and classifies the answers: DLE EOT 1, 2, 4
 * in turn (one byte each), or, for a Star printer, ESC ACK SOH once (an ASB of the
 * length its Header 1 gives, in as many chunks as the link delivers).
 */
export class StatusProbe {
  private waiter: { got: number[]; size: AnswerSize; resolve: (a: Answer) => void; timer: NodeJS.Timeout } | null = null;
  private unexpected: number[] = [];

  constructor(
    private readonly write: (b: Buffer) => Promise<void>,
    private readonly timeoutMs: number,
    private readonly onUnexpected: (bytes: Buffer) => void,
    private readonly type: PrinterType = 'epson',
  ) {}

  /** The status request of this command set, for messages. */
  get request(): string {
    return this.type === 'star' ? 'ESC ACK SOH (Star ASB)' : 'DLE EOT';
  }

  /** Feed every byte the printer sends. */
  data(d: Buffer): void {
    let i = 0;
    const w = this.waiter;
    if (w && this.unexpected.length === 0) {
      while (i < d.length) {
        w.got.push(d[i++]!);
        const size = w.size(w.got);
        if (typeof size === 'string') this.settle({ got: w.got, why: size });
        else if (w.got.length >= size) this.settle({ got: w.got });
        else continue;
        break;
      }
    }
    if (i < d.length) {
      const extra = d.subarray(i);
      this.unexpected.push(...extra.subarray(0, 64));
      this.onUnexpected(Buffer.from(extra));
    }
  }

  /** The link closed: a pending query gets no answer. */
  cancel(): void {
    this.settle(null);
  }

  async probe(): Promise<ProbeResult> {
    if (this.unexpected.length) return { answers: 'garbage', bytes: this.takeUnexpected() };
    return this.type === 'star' ? this.probeStar() : this.probeEpson();
  }

  private async probeEpson(): Promise<ProbeResult> {
    const got: number[] = [];
    for (const n of [1, 2, 4] as const) {
      const a = await this.query(dleEot(n), ONE_BYTE); // DLE EOT n
      if (a === null && n === 1 && this.unexpected.length === 0) return { answers: 'no' };
      if (a !== null) got.push(...a.got);
      // No answer after an earlier one, a byte without the fixed bits, or extra bytes: not a status reply.
      if (a === null || !isStatusByte(a.got[0]!) || this.unexpected.length) return { answers: 'garbage', bytes: Buffer.from([...got, ...this.takeUnexpected()]) };
    }
    return { answers: 'yes', bits: decodeStatus(got[0]!, got[1]!, got[2]!) };
  }

  private async probeStar(): Promise<ProbeResult> {
    const a = await this.query(STAR_STATUS_REQUEST, starAnswerSize);
    if (a === null && this.unexpected.length === 0) return { answers: 'no' };
    const got = a?.got ?? [];
    const bytes = (): Buffer => Buffer.from([...got, ...this.takeUnexpected()]);
    // Bad headers or fixed bits, an answer cut short at the timeout, or bytes after it: not an ASB.
    if (a?.why !== undefined) return { answers: 'garbage', bytes: bytes(), why: a.why };
    if (this.unexpected.length) return { answers: 'garbage', bytes: bytes(), why: 'bytes after the answer' };
    const d = decodeStarStatus(got);
    return d.ok ? { answers: 'yes', bits: d.bits } : { answers: 'garbage', bytes: bytes(), why: d.why };
  }

  private takeUnexpected(): Buffer {
    const b = Buffer.from(this.unexpected);
    this.unexpected = [];
    return b;
  }

  private settle(a: Answer): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) {
      clearTimeout(w.timer);
      w.resolve(a);
    }
  }

  /** Sends a request and collects its answer until `size` is reached or the timeout (a partial answer is short). */
  private async query(request: Buffer, size: AnswerSize): Promise<Answer> {
    this.cancel();
    const answer = new Promise<Answer>((resolve) => {
      const w = {
        got: [] as number[],
        size,
        resolve,
        timer: setTimeout(() => {
          if (this.waiter !== w) return;
          const n = size(w.got);
          this.settle(w.got.length ? { got: w.got, why: `short answer: ${w.got.length} of ${String(n)} bytes within ${this.timeoutMs} ms` } : null);
        }, this.timeoutMs),
      };
      this.waiter = w;
    });
    try {
      await this.write(request);
    } catch {
      this.cancel();
    }
    return answer;
  }
}

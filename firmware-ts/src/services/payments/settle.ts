// Settling an operation whose outcome is unknown (DESIGN.md non-negotiable 2): the
// gateway crashed, or the link to the terminal dropped, between `started` and the
// terminal's answer. It is never sent again. The terminal is asked for its last
// transaction instead (ZVT repeat receipt 06 20, PA00P015 §2.20.2: "This ensures that
// the ECR can resynchronise in case of an inconclusive ending of a transaction").
//
// Why the last transaction is enough: the service starts no operation while one is
// unsettled, so nothing can have followed ours on the terminal. Either ours is the last
// (booked), or the last is one the journal already knows (ours was never booked: the
// terminal auto-reverses what the ECR did not acknowledge, PA00P015 §2.2.8), or the
// terminal has none. Anything else is not guessed at: `needs_review`, listed at end of day.
import { TerminalError, type CardTransaction, type PaymentTerminal } from '../../drivers/terminal/payment-terminal.js';
import type { CardData, OpKind } from './records.js';

export type Decision =
  | { outcome: 'approved'; card: CardData }
  | { outcome: 'declined'; resultCode: number | null; message: string; card: CardData | null }
  /**
   * `card` is only ever this operation's own transaction (its status before the link
   * dropped, or its approval of another amount); the terminal's last transaction when
   * it is some other one goes in `lastOnTerminal`, for the supervisor who reviews it.
   */
  | { outcome: 'needs_review'; message: string; card: CardData | null; lastOnTerminal?: CardData };

export interface PendingOp {
  kind: OpKind;
  amountKurus: number;
  /** For a void: the trace of the sale it reverses (the reversal's BMP 37). */
  originalTrace: number | null;
}

export function cardData(tx: CardTransaction): CardData {
  return {
    amountKurus: tx.amountKurus,
    approvalCode: tx.authCode,
    trace: tx.trace,
    receiptNo: tx.receiptNo,
    maskedPan: tx.maskedPan,
    cardType: tx.cardType,
    cardName: tx.cardName,
    terminalId: tx.terminalId,
    originalTrace: tx.originalTrace,
  };
}

const NOT_BOOKED = 'not booked on the terminal (its last transaction is an earlier one): no money moved';

function fromLast(last: CardTransaction): Decision {
  if (last.resultCode === 0 || last.resultCode === null) return { outcome: 'approved', card: cardData(last) };
  return { outcome: 'declined', resultCode: last.resultCode, message: last.resultText ?? `result code ${last.resultCode}`, card: cardData(last) };
}

/**
 * What the terminal's last transaction says about `op`. `seen` is the status information
 * received before the interruption, if any; `last` is null when the terminal has no
 * transaction at all; `known` holds the traces of every transaction the journal has.
 */
export function decide(op: PendingOp, seen: CardTransaction | null, last: CardTransaction | null, known: ReadonlySet<number>): Decision {
  if (last === null) return { outcome: 'declined', resultCode: null, message: 'the terminal has no transaction: no money moved', card: null };
  const lastKnown = last.trace !== null && known.has(last.trace);
  if (seen?.trace != null) {
    if (last.trace === seen.trace) return fromLast(last);
    if (lastKnown) return { outcome: 'declined', resultCode: null, message: `${NOT_BOOKED} (auto-reversal, PA00P015 §2.2.8)`, card: cardData(seen) };
    return { outcome: 'needs_review', message: `the terminal's last transaction (trace ${last.trace ?? '?'}) is neither this one (trace ${seen.trace}) nor one the journal knows`, card: cardData(seen), lastOnTerminal: cardData(last) };
  }
  if (lastKnown) return { outcome: 'declined', resultCode: null, message: NOT_BOOKED, card: null };
  const kindMatches = op.kind === 'void' ? last.originalTrace !== null && last.originalTrace === op.originalTrace : last.originalTrace === null;
  if (last.trace !== null && last.amountKurus === op.amountKurus && kindMatches) return fromLast(last);
  return {
    outcome: 'needs_review',
    message: `the terminal's last transaction (trace ${last.trace ?? '?'}, ${last.amountKurus ?? '?'} kuruş) does not match this ${op.kind} of ${op.amountKurus} kuruş and is not in the journal`,
    card: null,
    lastOnTerminal: cardData(last),
  };
}

export interface SettleOptions {
  deadline: number;
  retryMs: number;
  now: () => number;
  /** True when the service is stopping: give up without a decision. */
  stopped: () => boolean;
  onAttempt?: (n: number, why: string | null) => void;
}

/**
 * Asks the terminal until it answers or the deadline passes. Returns null when stopped
 * (the operation stays unsettled for the next start) and `needs_review` at the deadline.
 */
export async function settleWithTerminal(terminal: PaymentTerminal, op: PendingOp, seen: CardTransaction | null, known: ReadonlySet<number>, o: SettleOptions): Promise<Decision | null> {
  let why: string | null = null;
  for (let n = 1; ; n++) {
    if (o.stopped()) return null;
    o.onAttempt?.(n, why);
    try {
      return decide(op, seen, await terminal.lastTransaction(), known);
    } catch (e) {
      if (e instanceof TerminalError && e.code === 'NO_TRANSACTION') return decide(op, seen, null, known);
      why = e instanceof TerminalError ? `${e.code}: ${e.message}` : (e as Error).message;
    }
    if (o.now() + o.retryMs > o.deadline) {
      return { outcome: 'needs_review', message: `the terminal could not be asked within the settlement time (${why})`, card: seen ? cardData(seen) : null };
    }
    await new Promise((r) => setTimeout(r, o.retryMs));
  }
}

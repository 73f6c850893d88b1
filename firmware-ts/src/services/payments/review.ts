// Resolving a `needs_review` operation (issue 7's end-of-day list, closed by hand). The
// terminal could not tell the gateway what became of it, so a supervisor finds out from
// the terminal's own printed journal or the bank's statement and records what they saw:
// `approved` (money moved) or `declined` (none did). The answer is one more outcome
// record of the same type the terminal's answer would have made (`payment.approved`,
// `payment.void.declined`, ...) with `settledBy: "review"`, who and why: nothing is
// updated, HQ and the reconciliation read it like any other outcome, and an approved
// sale gets its makbuz number in that same transaction. The checks are pure and run
// before anything is written; the service prints once the record is committed.
import type { Store } from '../../store/store.js';
import type { OpView, PaymentBook } from './book.js';
import { PaymentError } from './errors.js';
import { RECORD, type CardData, type OutcomeRecord } from './records.js';

export interface ReviewArgs {
  opId: string;
  outcome: 'approved' | 'declined';
  /** What the supervisor checked, e.g. "terminal gün sonu raporu, fiş 0042". */
  reason: string;
  /** From the terminal's printout of an approved transaction; a void needs receiptNo later (ZVT BMP 87). */
  terminal?: { receiptNo?: number; trace?: number; approvalCode?: string };
}

/** The operation a review may settle; throws with the field named before anything is journaled. */
export function checkReview(book: PaymentBook, args: ReviewArgs): OpView {
  // The command's schema checks these too; the service does not rely on being called through it.
  if (args.outcome !== 'approved' && args.outcome !== 'declined') throw new PaymentError('INVALID_PAYLOAD', 'outcome: must be approved or declined', { field: 'outcome' });
  if (typeof args.reason !== 'string' || args.reason.trim().length < 3) throw new PaymentError('INVALID_PAYLOAD', 'reason: say what was checked (at least 3 characters besides spaces)', { field: 'reason' });
  const op = book.op(args.opId);
  if (!op) throw new PaymentError('UNKNOWN_PAYMENT', `opId: no payment operation "${args.opId}" (the opId of a needsReview item of payments/list)`, { field: 'opId' });
  if (op.status !== 'needs_review') {
    throw new PaymentError('INVALID_STATE', `opId: ${op.kind} ${op.opId} is ${op.status}, not needs_review: only an operation the terminal could not settle is reviewed`, { field: 'opId', status: op.status });
  }
  if (args.outcome === 'approved') {
    // A terminal that approved another amount than was asked cannot be booked as this
    // operation: the journal's sums would no longer be the terminal's.
    const moved = op.card?.amountKurus;
    if (moved != null && moved !== op.amountKurus) {
      throw new PaymentError('INVALID_STATE', `outcome: the terminal approved ${moved} kuruş for ${op.opId}, not ${op.amountKurus}; it cannot be recorded as this operation. Reverse it on the terminal's own menu and record it as declined`, { field: 'outcome', terminalKurus: moved });
    }
    const trace = args.terminal?.trace;
    if (trace !== undefined && trace !== op.card?.trace && book.knownTraces.has(trace)) {
      throw new PaymentError('CONFLICT', `terminal.trace: trace ${trace} is already another operation's transaction`, { field: 'terminal.trace' });
    }
    // A void names the receipt number (ZVT BMP 87): two operations of one batch with the
    // same one would let a later void reverse the wrong sale.
    const receiptNo = args.terminal?.receiptNo;
    const holder = receiptNo === undefined ? undefined : book.byTerminalReceipt(op.startBatch, receiptNo);
    if (holder && holder.opId !== op.opId) {
      throw new PaymentError('CONFLICT', `terminal.receiptNo: receipt ${receiptNo} of this terminal batch is already ${holder.kind} ${holder.opId}`, { field: 'terminal.receiptNo' });
    }
    checkAdjustmentFits(book, op);
  } else if (args.terminal) {
    throw new PaymentError('INVALID_PAYLOAD', 'terminal: only an approved outcome has the terminal\'s transaction data', { field: 'terminal' });
  }
  return op;
}

/**
 * An approved void or refund must still fit the payment: the terminal reverses a receipt
 * once, and the journal's refunds never exceed what was paid (adjust.ts). Since a void or
 * refund is refused while another of the same payment awaits review, this only bites on
 * journals written before that rule.
 */
function checkAdjustmentFits(book: PaymentBook, op: OpView): void {
  if (op.kind === 'sale') return;
  const p = book.payment(op.paymentId);
  if (!p) return;
  if (book.isVoided(p)) throw new PaymentError('INVALID_STATE', `outcome: payment ${p.paymentId} is already voided; this ${op.kind} cannot also have moved money, record it as declined`, { field: 'outcome' });
  const left = p.amountKurus - book.refundedKurus(p);
  if (op.kind === 'void' && left < p.amountKurus) throw new PaymentError('INVALID_STATE', `outcome: payment ${p.paymentId} is partly refunded, so the terminal cannot have reversed it; record this void as declined`, { field: 'outcome' });
  if (op.kind === 'refund' && op.amountKurus > left) throw new PaymentError('INVALID_STATE', `outcome: approving this refund of ${op.amountKurus} kuruş would refund more than the ${left} kuruş left of payment ${p.paymentId}`, { field: 'outcome' });
}

/** The card data the outcome record carries: what the terminal reported of this operation, completed from its printout. */
export function reviewedCard(op: OpView, args: ReviewArgs): CardData | null {
  if (args.outcome !== 'approved') return op.card;
  const t = args.terminal ?? {};
  const c = op.card;
  if (!c && t.receiptNo === undefined && t.trace === undefined && t.approvalCode === undefined) return null;
  return {
    amountKurus: c?.amountKurus ?? op.amountKurus,
    approvalCode: t.approvalCode ?? c?.approvalCode ?? null,
    trace: t.trace ?? c?.trace ?? null,
    receiptNo: t.receiptNo ?? c?.receiptNo ?? null,
    maskedPan: c?.maskedPan ?? null,
    cardType: c?.cardType ?? null,
    cardName: c?.cardName ?? null,
    terminalId: c?.terminalId ?? null,
    originalTrace: c?.originalTrace ?? null,
  };
}

/** The outcome record of a review (its receipt is filled in inside the transaction). */
export function reviewOutcome(op: OpView, args: ReviewArgs, meta: { by: string; at: number; requestHash: string }): OutcomeRecord {
  return {
    opId: op.opId,
    paymentId: op.paymentId,
    kind: op.kind,
    outcome: args.outcome,
    settledBy: 'review',
    at: meta.at,
    card: reviewedCard(op, args),
    receipt: null,
    resultCode: null,
    message: `${args.outcome} on review by ${meta.by}: ${args.reason}`,
    review: { by: meta.by, reason: args.reason, requestHash: meta.requestHash, previousMessage: op.message },
  };
}

/** Commits the review's outcome (an approved sale's makbuz number in the same transaction) and applies it. */
export async function commitReview(store: Store, book: PaymentBook, op: OpView, args: ReviewArgs, meta: { by: string; at: number; requestHash: string; commandId: string; series: string }): Promise<OpView> {
  const payload = reviewOutcome(op, args, meta);
  const rec = await store.transact((tx) => {
    // As terminal-ops.ts: the number is committed with the approval or never issued (store/sequences.ts).
    if (op.kind === 'sale' && args.outcome === 'approved') payload.receipt = { series: meta.series, number: tx.sequences.next(`makbuz:${meta.series}`) };
    return tx.journal.append({ type: RECORD.outcome(op.kind, args.outcome), class: 'money', payload, commandId: meta.commandId, actor: meta.by });
  });
  book.apply(rec);
  return book.op(op.opId)!;
}

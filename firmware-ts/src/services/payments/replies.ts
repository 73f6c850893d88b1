// What the tablet is told about payments: the outcome of one operation (the reply to
// collect, void and refund), and the summaries `payments/list` returns. Plain data
// built from the book; no clear personal data in any of it.
import type { OpView, PaymentBook, PaymentView } from './book.js';
import type { ReceiptPrinterStatus } from './ports.js';
import type { CardData, OpKind, OpStatus } from './records.js';
import { PaymentError } from './errors.js';
import { istanbulDayStart } from './money.js';
import { makbuzNo } from './receipt.js';

export interface OpReply {
  paymentId: string;
  opId: string;
  kind: OpKind;
  status: OpStatus;
  amountKurus: number;
  message: string | null;
  resultCode: number | null;
  card: CardData | null;
  /** The makbuz of the payment (the one a void or refund refers to), once approved. */
  receipt: { series: string; number: number; no: string } | null;
  /** The document (makbuz, or void/refund slip) was saved as a print job and prints when the printer can. */
  printQueued: boolean;
  printer: ReceiptPrinterStatus | null;
}

export function opReply(book: PaymentBook, op: OpView, print: { queued: boolean; printer: ReceiptPrinterStatus | null }): OpReply {
  const p = book.payment(op.paymentId);
  const r = p?.receipt ?? null;
  return {
    paymentId: op.paymentId,
    opId: op.opId,
    kind: op.kind,
    status: op.status,
    amountKurus: op.amountKurus,
    message: op.message,
    resultCode: op.resultCode,
    card: op.card,
    receipt: r && { ...r, no: makbuzNo(r) },
    printQueued: print.queued,
    printer: print.printer,
  };
}

export interface PaymentSummary {
  paymentId: string;
  receiptNo: string | null;
  status: OpStatus;
  amountKurus: number;
  startedAt: string;
  collector: string;
  payer: { ref: string; name: string; idMasked: string | null };
  card: { maskedPan: string | null; approvalCode: string | null; cardName: string | null } | null;
  voided: boolean;
  refundedKurus: number;
  message: string | null;
  /** Voids and refunds of this payment that are not approved (started, declined or needing review). */
  openAdjustments: { opId: string; kind: OpKind; status: OpStatus; amountKurus: number }[];
}

export function summary(book: PaymentBook, p: PaymentView): PaymentSummary {
  const c = p.sale.card;
  return {
    paymentId: p.paymentId,
    receiptNo: p.receipt ? makbuzNo(p.receipt) : null,
    status: p.sale.status,
    amountKurus: p.amountKurus,
    startedAt: new Date(p.startedAt).toISOString(),
    collector: p.collector,
    payer: { ref: p.payer.ref, name: p.payer.name, idMasked: p.payer.id?.masked ?? null },
    card: c && { maskedPan: c.maskedPan, approvalCode: c.approvalCode, cardName: c.cardName },
    voided: book.isVoided(p),
    refundedKurus: book.refundedKurus(p),
    message: p.sale.message,
    openAdjustments: [...p.voids, ...p.refunds].filter((o) => o.status !== 'approved').map((o) => ({ opId: o.opId, kind: o.kind, status: o.status, amountKurus: o.amountKurus })),
  };
}

export interface ReviewItem {
  paymentId: string;
  opId: string;
  kind: OpKind;
  amountKurus: number;
  startedAt: string;
  message: string | null;
  /** What the terminal reported of this operation before it was interrupted, if anything. */
  card: CardData | null;
  /** The terminal's last transaction when it is some other one, to compare with its printout. */
  lastOnTerminal: CardData | null;
}

export function reviewItem(op: OpView): ReviewItem {
  return {
    paymentId: op.paymentId, opId: op.opId, kind: op.kind, amountKurus: op.amountKurus, startedAt: new Date(op.startedAt).toISOString(), message: op.message,
    card: op.card, lastOnTerminal: op.lastOnTerminal,
  };
}

export interface ListResult {
  day: string;
  payments: PaymentSummary[];
  totals: { approved: { count: number; kurus: number }; voidedKurus: number; refundedKurus: number; netKurus: number };
  /** Every operation still marked needs_review, of any day, for the end-of-day list. */
  needsReview: ReviewItem[];
}

/** One Istanbul day's payments (YYYY-MM-DD) with totals, and every open needs_review of any day. */
export function dayList(book: PaymentBook, day: string): ListResult {
  const from = istanbulDayStart(day);
  if (Number.isNaN(from)) throw new PaymentError('INVALID_PAYLOAD', `day: "${day}" is not a YYYY-MM-DD date`, { field: 'day' });
  const payments = book.between(from, from + 86_400_000).map((p) => summary(book, p));
  const ok = payments.filter((p) => p.status === 'approved');
  const t = { approved: { count: ok.length, kurus: ok.reduce((s, p) => s + p.amountKurus, 0) }, voidedKurus: 0, refundedKurus: 0, netKurus: 0 };
  t.voidedKurus = ok.filter((p) => p.voided).reduce((s, p) => s + p.amountKurus, 0);
  t.refundedKurus = ok.reduce((s, p) => s + p.refundedKurus, 0);
  t.netKurus = t.approved.kurus - t.voidedKurus - t.refundedKurus;
  return { day, payments, totals: t, needsReview: book.needsReview().map(reviewItem) };
}

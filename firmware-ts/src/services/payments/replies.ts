// What the tablet is told about payments: the outcome of one operation (the reply to
// collect, void and refund), and the summaries `payments/list` returns. Plain data
// built from the book; no clear personal data in any of it.
import type { OpView, PaymentBook, PaymentView } from './book.js';
import type { ReceiptPrinterStatus } from './ports.js';
import type { CardData, OpKind, OpStatus } from './records.js';
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
}

export function reviewItem(op: OpView): ReviewItem {
  return { paymentId: op.paymentId, opId: op.opId, kind: op.kind, amountKurus: op.amountKurus, startedAt: new Date(op.startedAt).toISOString(), message: op.message };
}

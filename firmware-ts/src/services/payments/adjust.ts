// The rules for taking money back (issue 7 "Void and refund"), checked against the book
// before anything is journaled or sent. A void is the terminal's reversal (ZVT 06 30,
// PA00P015 §2.9) of a sale in its open batch: same Istanbul day and no end of day since;
// anything older can only be refunded (ZVT 06 31, §2.15, a new card transaction),
// in parts, never more than what was paid and not yet refunded. Pure.
import type { PaymentBook, PaymentView } from './book.js';
import { PaymentError } from './errors.js';
import { istanbulDay } from './money.js';

function approved(book: PaymentBook, ref: string): PaymentView {
  const p = book.find(ref);
  if (!p) throw new PaymentError('UNKNOWN_PAYMENT', `paymentId: no payment "${ref}" (a payment id or a makbuz number like MT-000142)`, { field: 'paymentId' });
  if (p.sale.status !== 'approved') {
    throw new PaymentError('PAYMENT_NOT_APPROVED', `paymentId: payment ${p.paymentId} is ${p.sale.status}, not approved: there is nothing to take back`, { status: p.sale.status });
  }
  if (book.isVoided(p)) throw new PaymentError('ALREADY_VOIDED', `paymentId: payment ${p.paymentId} is already voided`, { paymentId: p.paymentId });
  // Until a supervisor settles it, nobody knows whether that one moved money: another could reverse it twice.
  const open = book.openAdjustmentReview(p);
  if (open) throw new PaymentError('INVALID_STATE', `paymentId: a ${open.kind} of payment ${p.paymentId} (${open.opId}) needs review first (payments/review)`, { field: 'paymentId', opId: open.opId });
  return p;
}

/** The payment a void may reverse, and the terminal receipt number to name (BMP 87). */
export function checkVoid(book: PaymentBook, ref: string, now: number): { payment: PaymentView; receiptNo: number } {
  const p = approved(book, ref);
  const at = p.sale.settledAt ?? p.startedAt;
  if (istanbulDay(at) !== istanbulDay(now) || p.sale.batch !== book.batch) {
    throw new PaymentError('VOID_NOT_SAME_DAY', `paymentId: payment ${p.paymentId} is from ${istanbulDay(at)}${p.sale.batch !== book.batch ? ' before the last end of day' : ''}; only a payment of today's open batch can be voided, refund it instead`, {
      paymentDay: istanbulDay(at),
      today: istanbulDay(now),
    });
  }
  if (book.refundedKurus(p) > 0) throw new PaymentError('INVALID_STATE', `paymentId: payment ${p.paymentId} is partly refunded; refund the rest instead of voiding`, {});
  const receiptNo = p.sale.card?.receiptNo;
  if (receiptNo == null) throw new PaymentError('INVALID_STATE', `paymentId: the terminal gave no receipt number for payment ${p.paymentId}, so it cannot be reversed; refund it instead`, {});
  return { payment: p, receiptNo };
}

/** The payment a refund of `amountKurus` may go against. */
export function checkRefund(book: PaymentBook, ref: string, amountKurus: number): PaymentView {
  const p = approved(book, ref);
  const left = p.amountKurus - book.refundedKurus(p);
  if (amountKurus > left) {
    throw new PaymentError('REFUND_EXCEEDS_PAID', `amountKurus: ${amountKurus} is more than the ${left} kuruş left to refund of payment ${p.paymentId}`, { field: 'amountKurus', max: left });
  }
  return p;
}

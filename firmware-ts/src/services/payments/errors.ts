// One typed error for the payments service. The command layer maps `code` onto the
// reply's error.code (api/errors.ts lists them). Every one of these is raised before
// anything is journaled or sent to the terminal: a refused payment changes nothing.
export type PaymentErrorCode =
  | 'INVALID_PAYLOAD'
  | 'AMOUNT_OVER_LIMIT'
  | 'TOTAL_MISMATCH'
  | 'UNKNOWN_REVENUE_TYPE'
  | 'INVALID_PAYER_ID'
  | 'PAYMENTS_UNAVAILABLE'
  | 'TERMINAL_UNAVAILABLE'
  | 'TERMINAL_BUSY'
  | 'UNKNOWN_PAYMENT'
  | 'PAYMENT_NOT_APPROVED'
  | 'SUPERVISOR_REQUIRED'
  | 'ALREADY_VOIDED'
  | 'VOID_NOT_SAME_DAY'
  | 'REFUND_EXCEEDS_PAID'
  | 'INVALID_STATE'
  | 'CONFLICT'
  | 'NO_PRINTER';

export class PaymentError extends Error {
  constructor(
    readonly code: PaymentErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PaymentError';
  }
}

// Payload, result and event schemas of vim/cmd/payments/* (next to their handlers in
// payments.ts; docs/asyncapi.yaml is generated from them). Money is integer kuruş in
// every field: a float, a negative or a zero total is refused here (INVALID_PAYLOAD);
// the configured limit, the sums and the revenue types are the service's checks.
import { Type } from '@sinclair/typebox';
import { CommandPayload } from '../command.js';
import type { EventDefinition } from '../event.js';

const Kurus = (minimum: number, description: string) => Type.Integer({ minimum, maximum: 999_999_999_999, description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
const PaymentRef = Type.String({ minLength: 1, maxLength: 64, description: 'Payment id, or its makbuz number ("MT-000142")' });
const Reason = Type.String({ minLength: 3, maxLength: 200, description: 'Why (printed on the slip and journaled)' });

export const PaymentsCollect = CommandPayload(
  {
    payer: Type.Object(
      {
        ref: Type.String({ minLength: 1, maxLength: 40, description: 'Sicil or abone number' }),
        name: Type.String({ minLength: 1, maxLength: 80, description: 'Payer name as printed on the makbuz' }),
        idNo: Type.Optional(
          Type.String({
            pattern: '^[0-9*]{10,11}$',
            description: 'TC Kimlik No (11) or VKN (10): in clear it is checksum-validated and masked at once; or already masked ("10*******46", at most 4 digits shown). Only the mask is stored or printed',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    lines: Type.Array(
      Type.Object(
        {
          revenueType: Type.String({ minLength: 1, maxLength: 16, description: 'A configured revenue type code (payments.revenueTypes), e.g. EMLAK' }),
          year: Type.Integer({ minimum: 1990, maximum: 2100, description: 'Tax or accrual year' }),
          instalment: Type.Optional(Type.Integer({ minimum: 1, maximum: 24, description: 'Instalment (taksit), if any' })),
          principalKurus: Kurus(0, 'Principal (asıl), kuruş'),
          lateFeeKurus: Type.Optional(Kurus(0, 'Late fee (gecikme zammı), kuruş; default 0')),
          totalKurus: Kurus(1, 'principalKurus + lateFeeKurus, kuruş'),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20, description: 'Debt lines being paid' },
    ),
    totalKurus: Kurus(1, 'Sum of the lines, kuruş; what the card is charged'),
  },
  'Collect a payment by card: journaled as started before the terminal is asked; the reply carries the final outcome',
);

export const PaymentsVoid = CommandPayload({ paymentId: PaymentRef, reason: Reason }, 'Void (reverse) an approved payment of today, before end of day; supervisor only');
export const PaymentsRefund = CommandPayload(
  { paymentId: PaymentRef, amountKurus: Kurus(1, 'Amount to refund to the card, kuruş; at most what is left of the payment'), reason: Reason },
  'Refund (part of) an approved payment to a card; supervisor only',
);
export const PaymentsReview = CommandPayload(
  {
    opId: Type.String({ minLength: 1, maxLength: 64, description: 'The operation to settle: the opId of a needsReview item of payments/list' }),
    outcome: Type.Union([Type.Literal('approved'), Type.Literal('declined')], { description: "What the terminal's own printout or the bank shows: approved (money moved) or declined (none did)" }),
    reason: Type.String({ minLength: 3, maxLength: 200, description: 'What was checked, e.g. "terminal gün sonu raporu, fiş 0042" (journaled)' }),
    terminal: Type.Optional(
      Type.Object(
        {
          receiptNo: Type.Optional(Type.Integer({ minimum: 0, maximum: 9999, description: "The terminal's receipt number (BMP 87) from its printout: a later void names it" })),
          trace: Type.Optional(Type.Integer({ minimum: 1, maximum: 99_999_999, description: "The terminal's trace number (BMP 0B, or TLV 1F2B when longer)" })),
          approvalCode: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z]{1,8}$', description: 'The approval code (BMP 3B)' })),
        },
        { additionalProperties: false, description: 'Only with outcome approved: the transaction as the terminal printed it' },
      ),
    ),
  },
  "Settle a needs_review operation from the terminal's printout; supervisor only; the terminal is not used",
);
export const PaymentsReprint = CommandPayload({ paymentId: PaymentRef }, 'The payment whose makbuz to print again');
export const PaymentsList = CommandPayload({ day: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Istanbul day YYYY-MM-DD; default today' })) }, 'The day to list');
export const PaymentsEndOfDay = CommandPayload({}, 'Run the terminal end of day and reconcile');

const Card = Nullable(
  Type.Object({
    amountKurus: Nullable(Type.Integer()),
    approvalCode: Nullable(Type.String()),
    trace: Nullable(Type.Integer()),
    receiptNo: Nullable(Type.Integer({ description: "The terminal's receipt number" })),
    maskedPan: Nullable(Type.String({ description: 'Last four digits only, e.g. ************4771' })),
    cardType: Nullable(Type.Integer()),
    cardName: Nullable(Type.String()),
    terminalId: Nullable(Type.String()),
    originalTrace: Nullable(Type.Integer()),
  }),
  "The terminal's data about the transaction",
);

export const PrinterReport = Nullable(
  Type.Object({
    printer: Type.String(),
    ready: Type.Boolean({ description: 'false: the document waits in the printer queue (paper out, cover open, unplugged) and prints when it can; or reprint it' }),
    state: Type.String({ description: 'ready, paper-out, cover-open, disconnected, ...' }),
    pendingJobs: Type.Integer({ minimum: 0 }),
  }),
  'The receipt printer when the document was queued; null without a printer',
);

const Status = Type.Union([Type.Literal('started'), Type.Literal('approved'), Type.Literal('declined'), Type.Literal('needs_review')], {
  description: 'approved: money moved; declined: no money moved; needs_review: the terminal could not settle it, listed for end of day',
});

export const PaymentOpResult = Type.Object({
  paymentId: Type.String(),
  opId: Type.String({ description: 'The operation (the payment id for a sale)' }),
  kind: Type.Union([Type.Literal('sale'), Type.Literal('void'), Type.Literal('refund')]),
  status: Status,
  amountKurus: Type.Integer(),
  message: Nullable(Type.String(), "Why, for a decline or a review (the terminal's text)"),
  resultCode: Nullable(Type.Integer(), 'ZVT result code of a decline (PA00P015 §10)'),
  card: Card,
  receipt: Nullable(Type.Object({ series: Type.String(), number: Type.Integer(), no: Type.String({ description: 'e.g. MT-000142' }) }), 'The makbuz of the payment'),
  printQueued: Type.Boolean({ description: 'The makbuz (or void/refund slip) is saved as a print job and prints when the printer can' }),
  printer: PrinterReport,
});

const Review = Type.Object({
  paymentId: Type.String(),
  opId: Type.String({ description: 'What payments/review names' }),
  kind: Type.String(),
  amountKurus: Type.Integer(),
  startedAt: Type.String(),
  message: Nullable(Type.String()),
  // card: what the terminal reported of this operation before it was interrupted;
  // lastOnTerminal: its last transaction when that is another one, to compare with its printout.
  card: Card,
  lastOnTerminal: Card,
});
const Count = Type.Object({ count: Type.Integer(), kurus: Type.Integer() });

export const PaymentsListResult = Type.Object({
  day: Type.String(),
  payments: Type.Array(
    Type.Object({
      paymentId: Type.String(),
      receiptNo: Nullable(Type.String()),
      status: Status,
      amountKurus: Type.Integer(),
      startedAt: Type.String(),
      collector: Type.String(),
      payer: Type.Object({ ref: Type.String(), name: Type.String(), idMasked: Nullable(Type.String()) }),
      card: Nullable(Type.Object({ maskedPan: Nullable(Type.String()), approvalCode: Nullable(Type.String()), cardName: Nullable(Type.String()) })),
      voided: Type.Boolean(),
      refundedKurus: Type.Integer(),
      message: Nullable(Type.String()),
      openAdjustments: Type.Array(Type.Object({ opId: Type.String(), kind: Type.String(), status: Status, amountKurus: Type.Integer() })),
    }),
  ),
  totals: Type.Object({ approved: Count, voidedKurus: Type.Integer(), refundedKurus: Type.Integer(), netKurus: Type.Integer() }),
  needsReview: Type.Array(Review, { description: 'Every operation of any day still needing review' }),
});

export const PaymentsReprintResult = Type.Object({ paymentId: Type.String(), receiptNo: Type.String(), printer: PrinterReport });

export const PaymentsEndOfDayResult = Type.Object({
  at: Type.String(),
  batchClosed: Type.Boolean({ description: 'The terminal closed its batch' }),
  terminal: Type.Object({ ok: Type.Boolean(), resultCode: Nullable(Type.Integer()), message: Type.String(), totalKurus: Nullable(Type.Integer()) }),
  journal: Type.Object({ sales: Count, voids: Count, refunds: Count, netKurus: Type.Integer() }),
  differenceKurus: Nullable(Type.Integer(), 'Terminal total minus journal net; null when the terminal gave no total'),
  flagged: Type.Boolean({ description: 'A difference, a failed end of day or operations needing review' }),
  needsReview: Type.Array(Review),
  printQueued: Type.Boolean(),
  printer: PrinterReport,
});

export const PaymentsProgress = Type.Object(
  {
    commandId: Nullable(Type.String(), 'The command id the progress belongs to (null while settling after a restart)'),
    paymentId: Type.String(),
    stage: Type.Union([Type.Literal('started'), Type.Literal('terminal'), Type.Literal('settling')]),
    code: Nullable(Type.Integer(), 'ZVT intermediate status code (PA00P015 §3.7) for stage terminal'),
    text: Type.String({ description: 'Turkish text for the staff' }),
    at: Type.String(),
  },
  { additionalProperties: false, description: 'Progress of a payment, void, refund or end of day (QoS 0): the requesting tablet matches it by command id' },
);

export const paymentsEvents: readonly EventDefinition[] = [
  {
    topic: 'vim/event/payments/progress',
    summary: "A payment's intermediate status from the terminal (insert card, PIN, please wait) or its settlement",
    payload: PaymentsProgress,
    examples: [{ commandId: '1a2b3c4d-0000-4000-8000-00000000c001', paymentId: '0190a0b1-0000-7000-8000-000000000001', stage: 'terminal', code: 10, text: 'Kartı takın veya yaklaştırın', at: '2026-11-28T11:32:04.000Z' }],
  },
];

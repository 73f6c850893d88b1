// What the payments service journals (class `money`, first to HQ and never evicted,
// DESIGN.md "Store"). Every terminal operation (a sale, a void = ZVT reversal, a
// refund) is two records: `<op>.started`, durable before the terminal is asked, and
// one outcome (`approved`, `declined` or `needs_review`). An operation with a start and
// no outcome is the one a crash or a lost link interrupted: it is settled by asking the
// terminal, never by sending it again. Nothing is ever updated or deleted: a void is a
// record of its own next to the payment it voids. No record holds a clear TC/VKN or PAN.
import type { MaskedPayerId } from './payer-id.js';

export type OpKind = 'sale' | 'void' | 'refund';
export type OpOutcome = 'approved' | 'declined' | 'needs_review';
export type OpStatus = 'started' | OpOutcome;

export interface DebtLine {
  revenueType: string;
  /** The revenue type's Turkish name as configured when collected. */
  revenueName: string;
  year: number;
  instalment: number | null;
  principalKurus: number;
  lateFeeKurus: number;
  totalKurus: number;
}

export interface Payer {
  /** Sicil or abone number. */
  ref: string;
  name: string;
  id: MaskedPayerId | null;
}

export interface Place {
  vehicleId: string;
  vehicleName: string;
  visitId: string | null;
  stopId: string | null;
  /** The stop or neighbourhood, e.g. "Cerrah Mah.", from the visits service. */
  name: string | null;
}

/** The terminal's data about one transaction: masked PAN only. */
export interface CardData {
  amountKurus: number | null;
  approvalCode: string | null;
  trace: number | null;
  /** The terminal's receipt number (ZVT BMP 87): what a reversal names. */
  receiptNo: number | null;
  maskedPan: string | null;
  cardType: number | null;
  cardName: string | null;
  terminalId: string | null;
  originalTrace: number | null;
}

export interface SaleStarted {
  paymentId: string;
  requestHash: string;
  amountKurus: number;
  lines: DebtLine[];
  payer: Payer;
  place: Place;
  collector: string;
  at: number;
}

export interface AdjustStarted {
  opId: string;
  paymentId: string;
  requestHash: string;
  amountKurus: number;
  reason: string;
  /** The supervisor who authorised it. */
  by: string;
  at: number;
}

export interface OutcomeRecord {
  opId: string;
  paymentId: string;
  kind: OpKind;
  outcome: OpOutcome;
  /**
   * `terminal`: its own answer; `recovery`: settled afterwards by asking it (ZVT repeat receipt);
   * `review`: a `needs_review` operation settled by a supervisor from the terminal's printout (review.ts).
   */
  settledBy: 'terminal' | 'recovery' | 'review';
  at: number;
  card: CardData | null;
  /** The makbuz number, for an approved sale only; allocated in the same transaction. */
  receipt: { series: string; number: number } | null;
  resultCode: number | null;
  message: string;
  /** needs_review only: the terminal's last transaction when it is another one than this (settle.ts). */
  lastOnTerminal?: CardData;
  /** Only with settledBy `review`: the supervisor, what they checked, and what the terminal had left open. */
  review?: { by: string; reason: string; requestHash: string; previousMessage: string | null };
}

export interface EndOfDayRecord {
  at: number;
  /** The terminal closed its batch (ZVT end of day answered with result 00). */
  batchClosed: boolean;
  terminal: { ok: boolean; resultCode: number | null; message: string; totalKurus: number | null };
  journal: BatchTotals;
  /** Terminal total minus the journal's net; null when the terminal gave no total. */
  differenceKurus: number | null;
  flagged: boolean;
  needsReview: string[];
}

export interface BatchTotals {
  sales: { count: number; kurus: number };
  voids: { count: number; kurus: number };
  refunds: { count: number; kurus: number };
  netKurus: number;
}

export const RECORD = {
  started: (k: OpKind) => (k === 'sale' ? 'payment.started' : `payment.${k}.started`),
  outcome: (k: OpKind, o: OpOutcome) => (k === 'sale' ? `payment.${o}` : `payment.${k}.${o}`),
  endOfDay: 'payment.end_of_day',
  reprint: 'payment.receipt.reprint',
} as const;

/** Parses a `payment.*` record type back into its kind and state; null for other types. */
export function parseRecordType(type: string): { kind: OpKind; status: OpStatus } | { kind: 'end_of_day' | 'reprint' } | null {
  if (type === RECORD.endOfDay) return { kind: 'end_of_day' };
  if (type === RECORD.reprint) return { kind: 'reprint' };
  const m = /^payment\.(?:(void|refund)\.)?(started|approved|declined|needs_review)$/.exec(type);
  if (!m) return null;
  return { kind: (m[1] as OpKind | undefined) ?? 'sale', status: m[2] as OpStatus };
}

// The payments core without a terminal: request checks (integer kuruş, sums, limit,
// revenue types, payer id), the settlement decision from the terminal's last
// transaction, and the book's rules for void, refund and the end-of-day batch.
import { describe, expect, it } from 'vitest';
import type { CardTransaction } from '../../firmware-ts/src/drivers/terminal/payment-terminal.js';
import { checkRefund, checkVoid } from '../../firmware-ts/src/services/payments/adjust.js';
import { PaymentBook } from '../../firmware-ts/src/services/payments/book.js';
import { PaymentError } from '../../firmware-ts/src/services/payments/errors.js';
import { DEFAULT_REVENUE_TYPES } from '../../firmware-ts/src/services/payments/options.js';
import { RECORD, type OutcomeRecord, type SaleStarted } from '../../firmware-ts/src/services/payments/records.js';
import { normalizeCollect, requestHash, type CollectArgs } from '../../firmware-ts/src/services/payments/request.js';
import { decide } from '../../firmware-ts/src/services/payments/settle.js';

const RULES = { maxAmountKurus: 5_000_000, revenueTypes: DEFAULT_REVENUE_TYPES };
const good = (): CollectArgs => ({
  payer: { ref: '004-118', name: ' Gülşen Öztürk ', idNo: '10000000146' },
  lines: [
    { revenueType: 'EMLAK', year: 2026, instalment: 1, principalKurus: 120_000, lateFeeKurus: 5_000, totalKurus: 125_000 },
    { revenueType: 'CTV', year: 2026, principalKurus: 31_240, totalKurus: 31_240 },
  ],
  totalKurus: 156_240,
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof PaymentError) return e.code;
    throw e;
  }
  throw new Error('no error');
}

describe('collect request checks', () => {
  it('normalises a good request, masking the TC Kimlik No', () => {
    const r = normalizeCollect(good(), RULES);
    expect(r.amountKurus).toBe(156_240);
    expect(r.payer).toEqual({ ref: '004-118', name: 'Gülşen Öztürk', id: { kind: 'tckn', masked: '10*******46' } });
    expect(r.lines[0]).toMatchObject({ revenueName: 'Emlak Vergisi', instalment: 1, lateFeeKurus: 5_000 });
    expect(r.lines[1]).toMatchObject({ revenueName: 'Çevre Temizlik Vergisi', instalment: null, lateFeeKurus: 0 });
    expect(JSON.stringify(r)).not.toContain('10000000146');
  });

  const bad: [string, (a: CollectArgs) => void, string][] = [
    ['a float total', (a) => (a.totalKurus = 1562.4), 'INVALID_PAYLOAD'],
    ['a float line', (a) => (a.lines[1]!.principalKurus = 312.4), 'INVALID_PAYLOAD'],
    ['a negative late fee', (a) => (a.lines[0]!.lateFeeKurus = -5_000), 'INVALID_PAYLOAD'],
    ['a zero total', (a) => ((a.totalKurus = 0), (a.lines = [{ revenueType: 'SU', year: 2026, principalKurus: 0, totalKurus: 0 }])), 'INVALID_PAYLOAD'],
    ['a line total that is not principal + late fee', (a) => (a.lines[0]!.totalKurus = 125_001), 'TOTAL_MISMATCH'],
    ['lines that do not add up to the total', (a) => (a.totalKurus = 156_241), 'TOTAL_MISMATCH'],
    ['a total over the limit', (a) => ((a.lines = [{ revenueType: 'SU', year: 2026, principalKurus: 5_000_001, totalKurus: 5_000_001 }]), (a.totalKurus = 5_000_001)), 'AMOUNT_OVER_LIMIT'],
    ['an unknown revenue type', (a) => (a.lines[1]!.revenueType = 'OTOPARK'), 'UNKNOWN_REVENUE_TYPE'],
    ['a TC Kimlik No with a wrong checksum', (a) => (a.payer.idNo = '10000000147'), 'INVALID_PAYER_ID'],
    ['no lines', (a) => (a.lines = []), 'INVALID_PAYLOAD'],
  ];
  it.each(bad)('refuses %s', (_what, spoil, expected) => {
    const a = good();
    spoil(a);
    expect(code(() => normalizeCollect(a, RULES))).toBe(expected);
  });

  it('hashes the masked request, not the clear id', () => {
    const a = normalizeCollect(good(), RULES);
    const b = normalizeCollect({ ...good(), payer: { ...good().payer, idNo: '10*******46' } }, RULES);
    expect(requestHash(a)).toBe(requestHash(b));
  });
});

const tx = (o: Partial<CardTransaction>): CardTransaction => ({
  resultCode: 0, resultText: 'no error', amountKurus: 1000, currency: 949, trace: 5, originalTrace: null, receiptNo: 5, turnoverNo: null,
  cardType: 6, cardName: 'MASTERCARD', maskedPan: '************4771', terminalId: '52001234', time: null, date: null, authCode: null, additionalText: null, ...o,
});

describe('settlement decision (the terminal last transaction)', () => {
  const sale = { kind: 'sale' as const, amountKurus: 1000, originalTrace: null };
  const known = new Set([1, 2, 3, 4]);
  it('approves when the status information seen before the break is the last transaction', () => {
    expect(decide(sale, tx({ trace: 5 }), tx({ trace: 5 }), known)).toMatchObject({ outcome: 'approved', card: { trace: 5, maskedPan: '************4771' } });
  });
  it('declines (auto-reversed, PA00P015 §2.2.8) when the seen transaction is not the last and the last is known', () => {
    expect(decide(sale, tx({ trace: 5 }), tx({ trace: 4 }), known)).toMatchObject({ outcome: 'declined' });
  });
  it('declines when nothing was seen and the last transaction is one the journal knows', () => {
    expect(decide(sale, null, tx({ trace: 4 }), known)).toMatchObject({ outcome: 'declined' });
  });
  it('declines when the terminal has no transaction at all', () => {
    expect(decide(sale, null, null, known)).toMatchObject({ outcome: 'declined' });
  });
  it('approves an unknown last transaction of the same amount and kind', () => {
    expect(decide(sale, null, tx({ trace: 9 }), known)).toMatchObject({ outcome: 'approved', card: { trace: 9 } });
  });
  it('sends anything else to review: another amount, a reversal for a sale, an unknown trace after a seen one', () => {
    expect(decide(sale, null, tx({ trace: 9, amountKurus: 999 }), known).outcome).toBe('needs_review');
    expect(decide(sale, null, tx({ trace: 9, originalTrace: 3 }), known).outcome).toBe('needs_review');
    expect(decide(sale, tx({ trace: 5 }), tx({ trace: 9 }), known).outcome).toBe('needs_review');
  });
  it("never files another transaction's data as this operation's card: that is lastOnTerminal", () => {
    // A review would otherwise copy its receipt number, and a later void reverse someone else's charge.
    expect(decide(sale, null, tx({ trace: 9, amountKurus: 999 }), known)).toMatchObject({ card: null, lastOnTerminal: { trace: 9, amountKurus: 999 } });
    expect(decide(sale, tx({ trace: 5 }), tx({ trace: 9 }), known)).toMatchObject({ card: { trace: 5 }, lastOnTerminal: { trace: 9 } });
  });
  it('matches a void by the trace it reverses', () => {
    const v = { kind: 'void' as const, amountKurus: 1000, originalTrace: 3 };
    expect(decide(v, null, tx({ trace: 9, originalTrace: 3 }), known).outcome).toBe('approved');
    expect(decide(v, null, tx({ trace: 9, originalTrace: 2 }), known).outcome).toBe('needs_review');
  });
});

function bookWith(at: number, batch = 0): PaymentBook {
  const b = new PaymentBook();
  for (let i = 0; i < batch; i++) b.apply({ type: RECORD.endOfDay, payload: { batchClosed: true }, commandId: null, actor: null });
  const s: SaleStarted = { paymentId: 'p1', requestHash: 'h', amountKurus: 10_000, lines: [], payer: { ref: 'r', name: 'n', id: null }, place: { vehicleId: 'V', vehicleName: 'V', visitId: null, stopId: null, name: null }, collector: 'ayse', at };
  b.apply({ type: RECORD.started('sale'), payload: s, commandId: 'c1', actor: 'ayse' });
  const o: OutcomeRecord = { opId: 'p1', paymentId: 'p1', kind: 'sale', outcome: 'approved', settledBy: 'terminal', at, card: { amountKurus: 10_000, approvalCode: null, trace: 7, receiptNo: 7, maskedPan: null, cardType: null, cardName: null, terminalId: null, originalTrace: null }, receipt: { series: 'MT', number: 42 }, resultCode: null, message: 'approved' };
  b.apply({ type: RECORD.outcome('sale', 'approved'), payload: o, commandId: 'c1', actor: 'ayse' });
  return b;
}

describe('void and refund rules', () => {
  const now = Date.parse('2026-11-28T10:00:00Z');
  it('finds a payment by id or by makbuz number', () => {
    const b = bookWith(now);
    expect(b.find('MT-000042')?.paymentId).toBe('p1');
    expect(b.find('mt-42')?.paymentId).toBe('p1');
    expect(b.find('MT-43')).toBeUndefined();
  });
  it('allows a void on the same Istanbul day in the open batch, naming the terminal receipt', () => {
    expect(checkVoid(bookWith(now), 'p1', now + 3_600_000).receiptNo).toBe(7);
  });
  it('refuses a void of another day, or after an end of day closed the batch', () => {
    expect(code(() => checkVoid(bookWith(now), 'p1', now + 86_400_000))).toBe('VOID_NOT_SAME_DAY');
    const b = bookWith(now);
    b.apply({ type: RECORD.endOfDay, payload: { batchClosed: true }, commandId: null, actor: null });
    expect(code(() => checkVoid(b, 'p1', now + 60_000))).toBe('VOID_NOT_SAME_DAY');
  });
  it('refuses an unknown payment and a refund beyond what is left', () => {
    expect(code(() => checkVoid(bookWith(now), 'nope', now))).toBe('UNKNOWN_PAYMENT');
    expect(code(() => checkRefund(bookWith(now), 'p1', 10_001))).toBe('REFUND_EXCEEDS_PAID');
    expect(checkRefund(bookWith(now), 'p1', 10_000).paymentId).toBe('p1');
  });
  it('keeps a payment whose personal data retention cleared (KVKK), and still prints its makbuz', () => {
    const b = new PaymentBook();
    const purged = { paymentId: 'p9', requestHash: 'h', amountKurus: 500, lines: [], payer: { ref: 'r', name: null, id: null }, place: { vehicleId: 'V', vehicleName: 'V', visitId: null, stopId: null, name: null }, collector: 'ayse', at: now };
    b.apply({ type: RECORD.started('sale'), payload: purged, commandId: 'c9', actor: 'ayse' });
    expect(b.payment('p9')?.payer).toEqual({ ref: 'r', name: '(silindi)', id: null });
  });

  it('counts the open batch: sales minus voids minus refunds', () => {
    const b = bookWith(now);
    expect(b.batchTotals()).toMatchObject({ sales: { count: 1, kurus: 10_000 }, netKurus: 10_000 });
    b.apply({ type: RECORD.endOfDay, payload: { batchClosed: true }, commandId: null, actor: null });
    expect(b.batchTotals().netKurus).toBe(0);
  });
});

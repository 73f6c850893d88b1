// Void, refund, end of day and the day list through the payments service and the
// simulated terminal: a supervisor is needed, a void is same-day and once, a refund
// never exceeds what is left, and end of day reconciles the terminal's batch total
// with the journal, flagging differences and payments needing review.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PaymentError } from '../../firmware-ts/src/services/payments/errors.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { cmdId, errorCode, collectArgs, docText, moneyRecords, paymentsRig, until, type PaymentsRig } from '../helpers/payments-fixture.js';

const rigs: PaymentsRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
afterAll(cleanupTempDirs);

async function rig(...a: Parameters<typeof paymentsRig>): Promise<PaymentsRig> {
  const r = await paymentsRig(...a);
  rigs.push(r);
  return r;
}

const as = (actor: string) => ({ commandId: cmdId(), actor });

describe('void', () => {
  it('needs a supervisor, reverses on the terminal once, prints a slip, and refuses a second void', async () => {
    const r = await rig();
    const paid = await r.svc.collect(collectArgs(12_000), as('ayse'));
    const before = r.store.journal.stats().count;
    expect(await errorCode(r.svc.void({ paymentId: paid.paymentId, reason: 'yanlış tutar' }, as('ayse')))).toBe('SUPERVISOR_REQUIRED');
    expect(r.store.journal.stats().count).toBe(before);
    const v = await r.svc.void({ paymentId: paid.receipt!.no, reason: 'yanlış tutar' }, as('sef'));
    expect(v).toMatchObject({ kind: 'void', status: 'approved', amountKurus: 12_000, paymentId: paid.paymentId, receipt: { no: 'MT-000001' }, printQueued: true });
    expect(r.sim.ledger.of('reversal')).toMatchObject([{ amountKurus: 12_000, reverses: 1 }]);
    const slip = docText(r.printer.docs.at(-1)!);
    expect(slip).toContain('TAHSİLAT İPTAL BELGESİ');
    expect(slip).toContain('yanlış tutar');
    expect(slip).toContain('Onaylayan | sef');
    const n = r.store.journal.stats().count;
    expect(await errorCode(r.svc.void({ paymentId: paid.paymentId, reason: 'tekrar' }, as('sef')))).toBe('ALREADY_VOIDED');
    expect(await errorCode(r.svc.refund({ paymentId: paid.paymentId, amountKurus: 1, reason: 'iade' }, as('sef')))).toBe('ALREADY_VOIDED');
    expect(r.store.journal.stats().count).toBe(n);
    // Voids are records of their own: the payment's records are all still there.
    expect(moneyRecords(r.store).map((x) => x.type)).toEqual(['payment.started', 'payment.approved', 'payment.void.started', 'payment.void.approved']);
    // The makbuz printed again says it was voided.
    await r.svc.reprint(paid.paymentId);
    expect(docText(r.printer.docs.at(-1)!)).toMatch(/İPTAL EDİLDİ/);
  });

  it("refuses another day's payment, an unknown one and a declined one, changing nothing", async () => {
    const r = await rig();
    const paid = await r.svc.collect(collectArgs(5_000), as('ayse'));
    r.sim.behave({ mode: 'decline' });
    const declined = await r.svc.collect(collectArgs(5_000), as('ayse'));
    r.sim.behave({ mode: 'approve' });
    const before = r.store.journal.stats().count;
    r.clock.offsetMs = 86_400_000;
    expect(await errorCode(r.svc.void({ paymentId: paid.paymentId, reason: 'dün' }, as('sef')))).toBe('VOID_NOT_SAME_DAY');
    r.clock.offsetMs = 0;
    expect(await errorCode(r.svc.void({ paymentId: 'MT-999999', reason: 'yok' }, as('sef')))).toBe('UNKNOWN_PAYMENT');
    expect(await errorCode(r.svc.void({ paymentId: declined.paymentId, reason: 'red' }, as('sef')))).toBe('PAYMENT_NOT_APPROVED');
    expect(r.store.journal.stats().count).toBe(before);
    expect(r.sim.ledger.of('reversal')).toHaveLength(0);
  });

  it('after end of day closed the batch a void is refused (refund instead)', async () => {
    const r = await rig();
    const paid = await r.svc.collect(collectArgs(5_000), as('ayse'));
    await r.svc.endOfDay(as('ayse'));
    expect(await errorCode(r.svc.void({ paymentId: paid.paymentId, reason: 'geç' }, as('sef')))).toBe('VOID_NOT_SAME_DAY');
    expect((await r.svc.refund({ paymentId: paid.paymentId, amountKurus: 5_000, reason: 'geç iade' }, as('sef'))).status).toBe('approved');
  });
});

describe('refund', () => {
  it('refunds in parts, never more than what is left', async () => {
    const r = await rig();
    const paid = await r.svc.collect(collectArgs(10_000), as('ayse'));
    const before = r.store.journal.stats().count;
    expect(await errorCode(r.svc.refund({ paymentId: paid.paymentId, amountKurus: 10_001, reason: 'fazla' }, as('sef')))).toBe('REFUND_EXCEEDS_PAID');
    expect(r.store.journal.stats().count).toBe(before);
    expect((await r.svc.refund({ paymentId: paid.paymentId, amountKurus: 4_000, reason: 'gecikme zammı' }, as('sef'))).status).toBe('approved');
    expect(await errorCode(r.svc.refund({ paymentId: paid.paymentId, amountKurus: 6_001, reason: 'fazla' }, as('sef')))).toBe('REFUND_EXCEEDS_PAID');
    expect((await r.svc.refund({ paymentId: paid.paymentId, amountKurus: 6_000, reason: 'kalan' }, as('sef'))).status).toBe('approved');
    expect(r.sim.ledger.of('refund').map((e) => e.amountKurus)).toEqual([4_000, 6_000]);
    expect(docText(r.printer.docs.at(-1)!)).toContain('İADE BELGESİ');
    expect(r.svc.list().payments[0]).toMatchObject({ refundedKurus: 10_000, voided: false });
  });

  it('a retried refund command id returns the first outcome and refunds once', async () => {
    const r = await rig();
    const paid = await r.svc.collect(collectArgs(10_000), as('ayse'));
    const c = as('sef');
    const a = await r.svc.refund({ paymentId: paid.paymentId, amountKurus: 1_000, reason: 'iade' }, c);
    const b = await r.svc.refund({ paymentId: paid.paymentId, amountKurus: 1_000, reason: 'iade' }, c);
    expect(b.opId).toBe(a.opId);
    expect(r.sim.ledger.of('refund')).toHaveLength(1);
  });
});

describe('end of day and the day list', () => {
  it("reconciles the terminal's batch total with approved minus voided minus refunded: no difference", async () => {
    const r = await rig();
    const a = await r.svc.collect(collectArgs(10_000), as('ayse'));
    await r.svc.collect(collectArgs(20_000), as('ayse'));
    const c = await r.svc.collect(collectArgs(30_000), as('ayse'));
    r.sim.behave({ mode: 'decline' });
    await r.svc.collect(collectArgs(99_999), as('ayse'));
    r.sim.behave({ mode: 'approve' });
    await r.svc.void({ paymentId: a.paymentId, reason: 'iptal' }, as('sef'));
    await r.svc.refund({ paymentId: c.paymentId, amountKurus: 5_000, reason: 'iade' }, as('sef'));
    const list = r.svc.list();
    expect(list.totals).toEqual({ approved: { count: 3, kurus: 60_000 }, voidedKurus: 10_000, refundedKurus: 5_000, netKurus: 45_000 });
    expect(list.payments.map((p) => p.status)).toEqual(['approved', 'approved', 'approved', 'declined']);
    const eod = await r.svc.endOfDay(as('ayse'));
    expect(eod).toMatchObject({
      batchClosed: true, terminal: { ok: true, totalKurus: 45_000 }, differenceKurus: 0, flagged: false, printQueued: true,
      journal: { sales: { count: 3, kurus: 60_000 }, voids: { count: 1, kurus: 10_000 }, refunds: { count: 1, kurus: 5_000 }, netKurus: 45_000 },
    });
    const report = docText(r.printer.docs.at(-1)!);
    expect(report).toContain('GÜN SONU RAPORU');
    expect(report).toContain('MUTABAKAT TAMAM');
    expect(moneyRecords(r.store).at(-1)).toMatchObject({ type: 'payment.end_of_day', payload: { differenceKurus: 0 } });
    // The next batch starts empty.
    await r.svc.collect(collectArgs(1_000), as('ayse'));
    expect(await r.svc.endOfDay(as('ayse'))).toMatchObject({ terminal: { totalKurus: 1_000 }, journal: { netKurus: 1_000 }, differenceKurus: 0 });
  });

  it('flags a difference (a sale the journal does not have) and lists payments needing review', async () => {
    const r = await rig({ options: { settleTimeoutS: 1 } });
    await r.svc.collect(collectArgs(10_000), as('ayse'));
    // Someone charged a card on the terminal directly, outside the gateway.
    expect((await r.terminal.sale(777)).outcome).toBe('approved');
    // And one payment could not be settled.
    r.sim.behave({ mode: 'drop-after-authorize' });
    r.sim.once('unplugged', () => r.sim.behave({ mode: 'silent' }));
    expect((await r.svc.collect(collectArgs(3_000), as('ayse'))).status).toBe('needs_review');
    r.sim.behave({ mode: 'approve' });
    await until('reconnected', () => r.terminal.state().registered, 5000);
    const eod = await r.svc.endOfDay(as('ayse'));
    expect(eod).toMatchObject({ terminal: { totalKurus: 13_777 }, journal: { netKurus: 10_000 }, differenceKurus: 3_777, flagged: true, needsReview: [{ kind: 'sale', amountKurus: 3_000 }] });
    const report = docText(r.printer.docs.at(-1)!);
    expect(report).toContain('FARK VAR: 37,77 TL');
    expect(report).toContain('İncelenecek işlemler (1)');
  });

  it('end of day with the terminal unplugged is refused and journals nothing', async () => {
    const r = await rig();
    r.sim.behave({ mode: 'silent' });
    r.sim.unplug();
    await until('not registered', () => !r.terminal.state().registered);
    const before = r.store.journal.stats().count;
    expect(await errorCode(r.svc.endOfDay(as('ayse')))).toBe('TERMINAL_UNAVAILABLE');
    expect(r.store.journal.stats().count).toBe(before);
  });

  it('lists another day, and refuses a malformed day', async () => {
    const r = await rig();
    await r.svc.collect(collectArgs(1_000), as('ayse'));
    expect(r.svc.list('2020-01-01').payments).toEqual([]);
    expect(() => r.svc.list('2020-13-45x')).toThrow(PaymentError);
  });
});

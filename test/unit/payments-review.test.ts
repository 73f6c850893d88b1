// payments/review: a supervisor settles a needs_review operation from the terminal's
// printout. The outcome is journaled as the same record type the terminal's answer would
// have made, settledBy "review"; an approved sale gets its makbuz number and prints; the
// batch it belongs to is the one it started in; bad input and a second review change
// nothing; a retried command id, before or after a restart, answers from the journal.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PaymentError } from '../../firmware-ts/src/services/payments/errors.js';
import { RECORD, type OutcomeRecord, type SaleStarted } from '../../firmware-ts/src/services/payments/records.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { cmdId, errorCode, collectArgs, docText, moneyRecords, paymentsRig, until, type PaymentsRig } from '../helpers/payments-fixture.js';

const rigs: PaymentsRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
afterAll(cleanupTempDirs);

const as = (actor: string) => ({ commandId: cmdId(), actor });

/** A sale the terminal charged but could not report within the settlement time: needs_review. */
async function reviewRig(): Promise<{ r: PaymentsRig; opId: string; charged: { receiptNo: number; trace: number } }> {
  const r = await paymentsRig({ options: { settleTimeoutS: 1 } });
  rigs.push(r);
  r.sim.behave({ mode: 'drop-after-authorize' });
  r.sim.once('unplugged', () => r.sim.behave({ mode: 'silent' }));
  const reply = await r.svc.collect(collectArgs(3_000), as('ayse'));
  expect(reply.status).toBe('needs_review');
  r.sim.behave({ mode: 'approve' });
  await until('terminal back', () => r.terminal.state().registered, 5000);
  const charge = r.sim.ledger.of('charge')[0]!;
  return { r, opId: reply.opId, charged: { receiptNo: charge.receiptNo, trace: charge.trace } };
}

describe('payments review', () => {
  it('approved on review: journaled as payment.approved settledBy review, makbuz numbered and printed, off the list, and voidable', async () => {
    const { r, opId, charged } = await reviewRig();
    const printed = r.printer.docs.length;
    const before = r.store.journal.stats().count;
    const args = { opId, outcome: 'approved' as const, reason: 'terminal gün sonu raporu', terminal: { receiptNo: charged.receiptNo, trace: charged.trace, approvalCode: 'A1B2C3' } };
    expect(await errorCode(r.svc.review(args, as('ayse')))).toBe('SUPERVISOR_REQUIRED');
    expect(r.store.journal.stats().count).toBe(before);

    const reply = await r.svc.review(args, as('sef'));
    expect(reply).toMatchObject({ opId, kind: 'sale', status: 'approved', amountKurus: 3_000, receipt: { no: 'MT-000001' }, printQueued: true });
    expect(reply.card).toMatchObject({ receiptNo: charged.receiptNo, trace: charged.trace, approvalCode: 'A1B2C3' });
    const recs = moneyRecords(r.store);
    expect(recs.map((x) => x.type)).toEqual(['payment.started', 'payment.needs_review', 'payment.approved']);
    expect(recs[2]!.payload).toMatchObject({ settledBy: 'review', review: { by: 'sef', reason: 'terminal gün sonu raporu' }, receipt: { series: 'MT', number: 1 } });
    expect(r.printer.docs.slice(printed).map((d) => d.title)).toEqual(['tahsilat makbuzu MT-000001']);
    expect(docText(r.printer.docs.at(-1)!)).toContain('A1B2C3');
    expect(r.svc.list().needsReview).toEqual([]);
    expect(r.svc.list().totals.approved).toEqual({ count: 1, kurus: 3_000 });
    expect(r.svc.health().counters).toMatchObject({ reviewed: 1, openNeedsReview: 0 });

    // The terminal's receipt number from the printout is what the void names (ZVT BMP 87).
    const v = await r.svc.void({ paymentId: 'MT-000001', reason: 'vatandaş vazgeçti' }, as('sef'));
    expect(v.status).toBe('approved');
    expect(r.sim.ledger.of('reversal')).toMatchObject([{ reverses: charged.receiptNo, amountKurus: 3_000 }]);
  });

  it('declined on review: no makbuz number used, nothing printed, the next sale takes MT-000001', async () => {
    const { r, opId } = await reviewRig();
    const printed = r.printer.docs.length;
    const reply = await r.svc.review({ opId, outcome: 'declined', reason: 'bankaya soruldu, işlem yok' }, as('sef'));
    expect(reply).toMatchObject({ status: 'declined', receipt: null, printQueued: false });
    expect(r.printer.docs.length).toBe(printed);
    expect(moneyRecords(r.store).at(-1)).toMatchObject({ type: 'payment.declined', payload: { settledBy: 'review' } });
    expect((await r.svc.collect(collectArgs(100), as('ayse'))).receipt?.no).toBe('MT-000001');
  });

  it('bad input and wrong states are refused with the field named, journaling nothing', async () => {
    const { r, opId } = await reviewRig();
    const ok = await r.svc.collect(collectArgs(200), as('ayse'));
    const before = r.store.journal.stats().count;
    const cases: [Parameters<PaymentsRig['svc']['review']>[0], string, RegExp][] = [
      [{ opId: 'nope', outcome: 'approved', reason: 'kontrol' }, 'UNKNOWN_PAYMENT', /^opId: /],
      [{ opId: ok.opId, outcome: 'declined', reason: 'kontrol' }, 'INVALID_STATE', /^opId: .* is approved, not needs_review/],
      [{ opId, outcome: 'declined', reason: 'kontrol', terminal: { receiptNo: 1 } }, 'INVALID_PAYLOAD', /^terminal: /],
      [{ opId, outcome: 'approved', reason: 'kontrol', terminal: { trace: ok.card!.trace! } }, 'CONFLICT', /^terminal\.trace: /],
    ];
    for (const [args, code, msg] of cases) {
      const e = await r.svc.review(args, as('sef')).then(() => null, (x: unknown) => x as PaymentError);
      expect(e, JSON.stringify(args)).toBeInstanceOf(PaymentError);
      expect(e!.code).toBe(code);
      expect(e!.message).toMatch(msg);
    }
    expect(r.store.journal.stats().count).toBe(before);
    // Once settled, a second review (another command id) is refused.
    await r.svc.review({ opId, outcome: 'declined', reason: 'kontrol' }, as('sef'));
    expect(await errorCode(r.svc.review({ opId, outcome: 'approved', reason: 'kontrol' }, as('sef')))).toBe('INVALID_STATE');
  });

  it('two reviews of one operation at once: one is journaled, the other refused', async () => {
    const { r, opId } = await reviewRig();
    const results = await Promise.allSettled([
      r.svc.review({ opId, outcome: 'approved', reason: 'fiş görüldü' }, as('sef')),
      r.svc.review({ opId, outcome: 'declined', reason: 'fiş yok' }, as('sef')),
    ]);
    expect(results.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(moneyRecords(r.store).filter((x) => (x.payload as { settledBy?: string }).settledBy === 'review')).toHaveLength(1);
  });

  it('a retried command id answers the same, also after a restart; another payload under it is a CONFLICT', async () => {
    const { r, opId } = await reviewRig();
    const c = as('sef');
    const args = { opId, outcome: 'approved' as const, reason: 'terminal raporu' };
    const a = await r.svc.review(args, c);
    const printed = r.printer.docs.length;
    expect(await r.svc.review(args, c)).toMatchObject({ status: 'approved', receipt: a.receipt });
    await r.restart();
    const p = r.svc.book.op(opId)!;
    expect(p).toMatchObject({ status: 'approved', settledBy: 'review', review: { by: 'sef', commandId: c.commandId } });
    expect(await r.svc.review(args, c)).toMatchObject({ status: 'approved', receipt: a.receipt });
    expect(await errorCode(r.svc.review({ ...args, reason: 'başka' }, c))).toBe('CONFLICT');
    expect(r.printer.docs.length).toBe(printed);
    expect(moneyRecords(r.store).filter((x) => x.type === 'payment.approved')).toHaveLength(1);
  });

  it('after an end of day the reviewed sale belongs to the batch it started in, not the open one', async () => {
    const { r, opId } = await reviewRig();
    const eod = await r.svc.endOfDay(as('ayse'));
    expect(eod).toMatchObject({ batchClosed: true, flagged: true, needsReview: [{ opId }] });
    await r.svc.review({ opId, outcome: 'approved', reason: 'kapanan gün sonu raporunda var' }, as('sef'));
    expect(r.svc.book.batchTotals().sales).toEqual({ count: 0, kurus: 0 });
    expect(r.svc.book.op(opId)!.batch).toBe(r.svc.book.batch - 1);
  });

  it('a terminal that approved another amount cannot be booked as the operation', async () => {
    const r = await paymentsRig();
    rigs.push(r);
    const started: SaleStarted = {
      paymentId: '0190a0b1-0000-7000-8000-0000000000aa', requestHash: 'x', amountKurus: 5_000, lines: [], collector: 'ayse', at: Date.now(),
      payer: { ref: 'r', name: 'Ali Veli', id: null }, place: { vehicleId: 'VIM-T1', vehicleName: 'VİM aracı', visitId: null, stopId: null, name: null },
    };
    const card = { amountKurus: 500, approvalCode: 'X', trace: 77, receiptNo: 9, maskedPan: null, cardType: null, cardName: null, terminalId: null, originalTrace: null };
    const outcome: OutcomeRecord = { opId: started.paymentId, paymentId: started.paymentId, kind: 'sale', outcome: 'needs_review', settledBy: 'terminal', at: Date.now(), card, receipt: null, resultCode: null, message: 'the terminal approved 500 kuruş, not 5000' };
    await r.store.transact((tx) => {
      tx.journal.append({ type: RECORD.started('sale'), class: 'money', payload: started, commandId: cmdId(), actor: 'ayse' });
      tx.journal.append({ type: RECORD.outcome('sale', 'needs_review'), class: 'money', payload: outcome });
    });
    await r.restart();
    expect(r.svc.list().needsReview).toMatchObject([{ opId: started.paymentId, amountKurus: 5_000 }]);
    const before = r.store.journal.stats().count;
    const e = await r.svc.review({ opId: started.paymentId, outcome: 'approved', reason: 'terminal raporu' }, as('sef')).catch((x: unknown) => x as PaymentError);
    expect(e).toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(/^outcome: the terminal approved 500 kuruş/) });
    expect(r.store.journal.stats().count).toBe(before);
    expect((await r.svc.review({ opId: started.paymentId, outcome: 'declined', reason: 'terminalde iptal edildi' }, as('sef'))).status).toBe('declined');
  });
});

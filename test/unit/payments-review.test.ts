// payments/review: a supervisor settles a needs_review operation from the terminal's
// printout. The outcome is journaled as the same record type the terminal's answer would
// have made, settledBy "review"; an approved sale gets its makbuz number and prints; the
// batch it belongs to is the one it started in; bad input and a second review change
// nothing; a retried command id, before or after a restart, answers from the journal.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PaymentError } from '../../firmware-ts/src/services/payments/errors.js';
import { PaymentBook } from '../../firmware-ts/src/services/payments/book.js';
import { RECORD, type AdjustStarted, type CardData, type OutcomeRecord, type SaleStarted } from '../../firmware-ts/src/services/payments/records.js';
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

/** A sale journaled as started and then needs_review (as settle.ts files it), with this outcome's card fields. */
async function journalNeedsReview(r: PaymentsRig, o: Pick<OutcomeRecord, 'card'> & { lastOnTerminal?: CardData }): Promise<string> {
  const paymentId = '0190a0b1-0000-7000-8000-0000000000c1';
  const started: SaleStarted = {
    paymentId, requestHash: 'x', amountKurus: 2_500, lines: [], collector: 'ayse', at: Date.now(),
    payer: { ref: 'r', name: 'Ali Veli', id: null }, place: { vehicleId: 'VIM-T1', vehicleName: 'VİM aracı', visitId: null, stopId: null, name: null },
  };
  const outcome: OutcomeRecord = { opId: paymentId, paymentId, kind: 'sale', outcome: 'needs_review', settledBy: 'recovery', at: Date.now(), receipt: null, resultCode: null, message: 'not this one', ...o };
  await r.store.transact((tx) => {
    tx.journal.append({ type: RECORD.started('sale'), class: 'money', payload: started, commandId: cmdId(), actor: 'ayse' });
    tx.journal.append({ type: RECORD.outcome('sale', 'needs_review'), class: 'money', payload: outcome });
  });
  return paymentId;
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
      [{ opId, outcome: 'maybe' as 'approved', reason: 'kontrol' }, 'INVALID_PAYLOAD', /^outcome: /],
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
  it('a last transaction that is another one is shown to the supervisor but never copied into this operation', async () => {
    const r = await paymentsRig();
    rigs.push(r);
    const other: CardData = { amountKurus: 9_999, approvalCode: 'ZZ', trace: 88, receiptNo: 77, maskedPan: '************1111', cardType: null, cardName: null, terminalId: null, originalTrace: null };
    const id = await journalNeedsReview(r, { lastOnTerminal: other, card: null });
    await r.restart();
    expect(r.svc.list().needsReview).toMatchObject([{ opId: id, card: null, lastOnTerminal: { receiptNo: 77, amountKurus: 9_999 } }]);
    // Its other amount does not block the approval, and none of its data lands on this sale.
    const a = await r.svc.review({ opId: id, outcome: 'approved', reason: 'terminal raporu' }, as('sef'));
    expect(a).toMatchObject({ status: 'approved', card: null });
    expect(await errorCode(r.svc.void({ paymentId: id, reason: 'iptal' }, as('sef')))).toBe('INVALID_STATE'); // no receipt number: refund instead
  });

  it("refuses a terminal receipt number another operation of the batch carries, and a blank reason", async () => {
    const { r, opId } = await reviewRig();
    const ok = await r.svc.collect(collectArgs(200), as('ayse'));
    const before = r.store.journal.stats().count;
    const e = await r.svc.review({ opId, outcome: 'approved', reason: 'kontrol', terminal: { receiptNo: ok.card!.receiptNo! } }, as('sef')).catch((x: unknown) => x as PaymentError);
    expect(e).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^terminal\.receiptNo: /) });
    expect(await r.svc.review({ opId, outcome: 'declined', reason: '   \t ' }, as('sef')).catch((x: unknown) => (x as PaymentError).message)).toMatch(/^reason: /);
    expect(r.store.journal.stats().count).toBe(before);
  });

  it('a void awaiting review blocks another void or refund of the payment until it is settled', async () => {
    const r = await paymentsRig();
    rigs.push(r);
    const paid = await r.svc.collect(collectArgs(5_000), as('ayse'));
    const v: AdjustStarted = { opId: '0190a0b1-0000-7000-8000-0000000000b1', paymentId: paid.paymentId, requestHash: 'x', amountKurus: 5_000, reason: 'iptal', by: 'sef', at: Date.now() };
    const o: OutcomeRecord = { opId: v.opId, paymentId: paid.paymentId, kind: 'void', outcome: 'needs_review', settledBy: 'recovery', at: Date.now(), card: null, receipt: null, resultCode: null, message: 'could not be asked' };
    await r.store.transact((tx) => {
      tx.journal.append({ type: RECORD.started('void'), class: 'money', payload: v, commandId: cmdId(), actor: 'sef' });
      tx.journal.append({ type: RECORD.outcome('void', 'needs_review'), class: 'money', payload: o });
    });
    await r.restart();
    const before = r.store.journal.stats().count;
    expect(await errorCode(r.svc.void({ paymentId: paid.paymentId, reason: 'tekrar' }, as('sef')))).toBe('INVALID_STATE');
    expect(await errorCode(r.svc.refund({ paymentId: paid.paymentId, amountKurus: 100, reason: 'iade' }, as('sef')))).toBe('INVALID_STATE');
    expect(r.store.journal.stats().count).toBe(before);
    expect(r.sim.ledger.of('reversal')).toHaveLength(0);
    await r.svc.review({ opId: v.opId, outcome: 'declined', reason: 'terminalde iptal yok' }, as('sef'));
    expect((await r.svc.void({ paymentId: paid.paymentId, reason: 'tekrar' }, as('sef'))).status).toBe('approved');
  });

  it('an id used by a review is a CONFLICT for a payment command, and the other way round', async () => {
    const { r, opId } = await reviewRig();
    const c = as('sef');
    await r.svc.review({ opId, outcome: 'declined', reason: 'kontrol' }, c);
    expect(await errorCode(r.svc.collect(collectArgs(100), { commandId: c.commandId, actor: 'ayse' }))).toBe('CONFLICT');
    const paid = await r.svc.collect(collectArgs(100), as('ayse'));
    const ids = moneyRecords(r.store).filter((x) => x.type === 'payment.started').map((x) => x.commandId!);
    expect(await errorCode(r.svc.review({ opId: paid.opId, outcome: 'declined', reason: 'kontrol' }, { commandId: ids.at(-1)!, actor: 'sef' }))).toBe('CONFLICT');
    expect(r.sim.ledger.of('charge')).toHaveLength(2);
  });
});

describe('payment book', () => {
  it('ignores an outcome for an operation already settled; only a review settles a needs_review', () => {
    const b = new PaymentBook();
    const started: SaleStarted = {
      paymentId: 'p1', requestHash: 'x', amountKurus: 100, lines: [], collector: 'ayse', at: 1,
      payer: { ref: 'r', name: 'n', id: null }, place: { vehicleId: 'V', vehicleName: 'V', visitId: null, stopId: null, name: null },
    };
    const out = (outcome: OutcomeRecord['outcome'], settledBy: OutcomeRecord['settledBy']): OutcomeRecord => ({ opId: 'p1', paymentId: 'p1', kind: 'sale', outcome, settledBy, at: 2, card: null, receipt: null, resultCode: null, message: outcome });
    const apply = (o: OutcomeRecord) => b.apply({ type: RECORD.outcome('sale', o.outcome), payload: o, commandId: null, actor: null });
    b.apply({ type: RECORD.started('sale'), payload: started, commandId: 'c1', actor: 'ayse' });
    apply(out('needs_review', 'recovery'));
    apply(out('approved', 'recovery')); // not a review: ignored
    expect(b.op('p1')!.status).toBe('needs_review');
    apply(out('declined', 'review'));
    apply(out('approved', 'review')); // a second review: ignored
    expect(b.op('p1')!).toMatchObject({ status: 'declined', settledBy: 'review' });
  });
});

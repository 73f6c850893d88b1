// The payments service against the simulated ZVT terminal in-process: a collection is
// journaled as started before the terminal hears of it and settled exactly once
// (approved, declined, or settled from the terminal's last transaction after a lost
// link or a restart); bad input changes nothing; the makbuz is printed (or queued when
// the printer is out of paper) with a never-reused number.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RECORD, type SaleStarted } from '../../firmware-ts/src/services/payments/records.js';
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

const ayse = () => ({ commandId: cmdId(), actor: 'ayse' });

describe('collect', () => {
  it('journals started before the terminal, then approved with a makbuz number, and prints the makbuz', async () => {
    const r = await rig();
    let startedBeforeSale = false;
    r.sim.on('command', (c) => {
      if (c === '06 01') startedBeforeSale = moneyRecords(r.store).some((x) => x.type === 'payment.started');
    });
    const c = ayse();
    const reply = await r.svc.collect(collectArgs(156_240), c);
    expect(startedBeforeSale).toBe(true);
    expect(reply).toMatchObject({
      status: 'approved', kind: 'sale', amountKurus: 156_240, receipt: { series: 'MT', number: 1, no: 'MT-000001' }, printQueued: true,
      card: { maskedPan: '************4771', cardName: 'MASTERCARD', terminalId: '52001234', receiptNo: 1 }, printer: { ready: true },
    });
    expect(moneyRecords(r.store).map((x) => x.type)).toEqual(['payment.started', 'payment.approved']);
    expect(moneyRecords(r.store).every((x) => x.commandId === c.commandId)).toBe(true);
    expect(r.sim.ledger.of('charge')).toHaveLength(1);
    const text = docText(r.printer.docs[0]!);
    for (const s of ['TAHSİLAT MAKBUZU', 'İnegöl Belediyesi', 'MT / 000001', 'VİM aracı / Cerrah Mah.', 'Gülşen Çağlayan Öztürk', '10*******46', 'Emlak Vergisi 2026/1. taksit', '1.562,40 TL', 'Yalnız bin beş yüz altmış iki TL kırk Kr.', '************4771', 'Tahsildar | ayse']) {
      expect(text).toContain(s);
    }
    expect(text).toMatch(/\[QR TAHSILAT\|VIM-T1\|MT-000001\|156240\|/);
    // KVKK: the clear TC Kimlik No is nowhere.
    expect(JSON.stringify(moneyRecords(r.store))).not.toContain('10000000146');
    expect(text).not.toContain('10000000146');
    // Progress reached the tablet: started, then the terminal's own status in Turkish.
    const texts = r.progress.filter((p) => p.commandId === c.commandId).map((p) => p.progress.text);
    expect(texts).toEqual(['Ödeme kaydedildi, terminale gönderiliyor', 'Kartı takın veya yaklaştırın', 'Lütfen bekleyin']);
  });

  it('a decline is journaled, charges nothing and uses no makbuz number', async () => {
    const r = await rig();
    r.sim.behave({ mode: 'decline', declineCode: 0x05 });
    const d = await r.svc.collect(collectArgs(1_000), ayse());
    expect(d).toMatchObject({ status: 'declined', resultCode: 5, receipt: null, printQueued: false });
    r.sim.behave({ mode: 'approve' });
    const a = await r.svc.collect(collectArgs(2_000), ayse());
    expect(a.receipt?.number).toBe(1);
    expect(r.sim.ledger.of('charge')).toHaveLength(1);
    expect(r.printer.docs).toHaveLength(1);
  });

  it('bad input gets its code and changes nothing: no record, no terminal command, no number', async () => {
    const r = await rig({ options: { maxAmountKurus: 1_000_000 } });
    const base = collectArgs(10_000);
    const l0 = base.lines[0]!;
    const cases: [string, unknown][] = [
      ['INVALID_PAYLOAD', { ...base, totalKurus: 100.5 }],
      ['INVALID_PAYLOAD', { ...base, totalKurus: -10_000, lines: [{ ...l0, principalKurus: -11_000, totalKurus: -10_000 }] }],
      ['INVALID_PAYLOAD', { ...base, totalKurus: 0, lines: [{ revenueType: 'EMLAK', year: 2026, principalKurus: 0, totalKurus: 0 }] }],
      ['AMOUNT_OVER_LIMIT', { ...base, totalKurus: 1_000_001, lines: [{ revenueType: 'EMLAK', year: 2026, principalKurus: 1_000_001, totalKurus: 1_000_001 }] }],
      ['TOTAL_MISMATCH', { ...base, lines: [{ ...l0, lateFeeKurus: l0.lateFeeKurus! + 1 }] }],
      ['TOTAL_MISMATCH', { ...base, totalKurus: 10_001 }],
      ['UNKNOWN_REVENUE_TYPE', { ...base, lines: [{ ...l0, revenueType: 'OTOPARK' }] }],
      ['INVALID_PAYER_ID', { ...base, payer: { ...base.payer, idNo: '10000000147' } }],
    ];
    const before = r.store.journal.stats().count;
    for (const [expected, args] of cases) expect(await errorCode(r.svc.collect(args as never, ayse())), JSON.stringify(args)).toBe(expected);
    expect(r.store.journal.stats().count).toBe(before);
    expect(r.sim.received.filter((c) => c !== '06 00')).toEqual([]);
    expect(r.store.read((tx) => tx.sequences.peek('makbuz:MT'))).toBe(0);
  });

  it('refuses while the terminal is unplugged, journaling nothing', async () => {
    const r = await rig();
    r.sim.behave({ mode: 'silent' }); // it comes back but never registers
    r.sim.unplug();
    await until('not registered', () => !r.terminal.state().registered);
    const before = r.store.journal.stats().count;
    expect(await errorCode(r.svc.collect(collectArgs(), ayse()))).toBe('TERMINAL_UNAVAILABLE');
    expect(r.store.journal.stats().count).toBe(before);
    expect(r.sim.ledger.of('charge')).toHaveLength(0);
  });

  it('one operation at a time: a second collection while one runs is TERMINAL_BUSY and journals nothing', async () => {
    const r = await rig();
    r.sim.behave({ delayMs: 100 });
    const first = r.svc.collect(collectArgs(1_000), ayse());
    await until('first started', () => r.sim.received.includes('06 01'));
    expect(await errorCode(r.svc.collect(collectArgs(2_000), ayse()))).toBe('TERMINAL_BUSY');
    await first;
    expect(moneyRecords(r.store).map((x) => x.type)).toEqual(['payment.started', 'payment.approved']);
  });

  it('a link dropped after authorization is settled from the terminal, once: approved, one charge', async () => {
    const r = await rig();
    r.sim.behave({ mode: 'drop-after-authorize' });
    const c = ayse();
    const reply = await r.svc.collect(collectArgs(2_500), c);
    expect(reply).toMatchObject({ status: 'approved', receipt: { number: 1 }, printQueued: true });
    expect(r.sim.ledger.of('charge')).toHaveLength(1);
    expect(r.sim.received.filter((x) => x === '06 01')).toHaveLength(1);
    expect(r.sim.received).toContain('06 20');
    const out = moneyRecords(r.store).find((x) => x.type === 'payment.approved')!;
    expect(out.payload).toMatchObject({ settledBy: 'recovery', card: { amountKurus: 2_500 } });
    expect(r.progress.some((p) => p.progress.stage === 'settling')).toBe(true);
  });

  it('a terminal that goes silent mid-sale (nothing booked) settles as declined: no charge', async () => {
    const r = await rig({ terminal: { intermediateTimeoutMs: 200 } });
    await r.svc.collect(collectArgs(1_000), ayse()); // a known earlier transaction
    r.sim.behave({ mode: 'stall' });
    const p = r.svc.collect(collectArgs(7_000), ayse());
    await until('stalled sale sent', () => r.sim.received.filter((x) => x === '06 01').length === 2);
    r.sim.behave({ mode: 'approve' });
    expect(await p).toMatchObject({ status: 'declined', receipt: null });
    expect(r.sim.ledger.of('charge')).toHaveLength(1);
  });

  it('cannot reach the terminal within the settlement time: needs_review, listed for end of day', async () => {
    const r = await rig({ options: { settleTimeoutS: 1 } });
    r.sim.behave({ mode: 'drop-after-authorize' });
    r.sim.once('unplugged', () => r.sim.behave({ mode: 'silent' }));
    const reply = await r.svc.collect(collectArgs(3_000), ayse());
    expect(reply.status).toBe('needs_review');
    expect(r.svc.list().needsReview).toMatchObject([{ kind: 'sale', amountKurus: 3_000 }]);
    // The review does not block the next payment.
    r.sim.behave({ mode: 'approve' });
    await until('reconnected', () => r.terminal.state().registered, 5000);
    expect((await r.svc.collect(collectArgs(100), ayse())).status).toBe('approved');
  });

  it('a retry of the same command id returns the first outcome and never charges again; another payload is a CONFLICT', async () => {
    const r = await rig();
    const c = ayse();
    const a = await r.svc.collect(collectArgs(4_000), c);
    const b = await r.svc.collect(collectArgs(4_000), c);
    expect(b).toMatchObject({ paymentId: a.paymentId, status: 'approved', receipt: a.receipt });
    expect(await errorCode(r.svc.collect(collectArgs(4_001), c))).toBe('CONFLICT');
    expect(r.sim.ledger.of('charge')).toHaveLength(1);
  });

  it('after a crash between started and the answer, the restart settles it from the terminal and a retry gets it', async () => {
    const r = await rig();
    await r.svc.collect(collectArgs(500), ayse());
    // The crash: started is durable, the terminal charged, no outcome was journaled.
    const c = ayse();
    const started: SaleStarted = {
      paymentId: '0190a0b1-0000-7000-8000-0000000000ff', requestHash: 'x', amountKurus: 6_000, lines: [], collector: 'ayse', at: Date.now(),
      payer: { ref: 'r', name: 'Ali Veli', id: null }, place: { vehicleId: 'VIM-T1', vehicleName: 'VİM aracı', visitId: null, stopId: null, name: null },
    };
    await r.store.transact((tx) => tx.journal.append({ type: RECORD.started('sale'), class: 'money', payload: started, commandId: c.commandId, actor: 'ayse' }));
    expect((await r.terminal.sale(6_000)).outcome).toBe('approved');
    await r.restart();
    await until('settled at start', () => r.svc.book.unsettled().length === 0);
    const p = r.svc.book.payment(started.paymentId)!;
    expect(p.sale).toMatchObject({ status: 'approved', settledBy: 'recovery' });
    expect(p.receipt).toEqual({ series: 'MT', number: 2 });
    expect(r.printer.docs.map((d) => d.title)).toContain('tahsilat makbuzu MT-000002');
    expect(r.sim.ledger.of('charge')).toHaveLength(2);
  });

  it('a started payment the terminal never booked settles as declined at restart', async () => {
    const r = await rig();
    await r.svc.collect(collectArgs(500), ayse());
    const started = { paymentId: '0190a0b1-0000-7000-8000-0000000000fe', requestHash: 'x', amountKurus: 500, lines: [], collector: 'ayse', at: Date.now(), payer: { ref: 'r', name: 'n', id: null }, place: { vehicleId: 'V', vehicleName: 'V', visitId: null, stopId: null, name: null } };
    await r.store.transact((tx) => tx.journal.append({ type: RECORD.started('sale'), class: 'money', payload: started, commandId: cmdId(), actor: 'ayse' }));
    await r.restart();
    await until('settled at start', () => r.svc.book.unsettled().length === 0);
    expect(r.svc.book.payment(started.paymentId)!.sale.status).toBe('declined');
    expect(r.sim.ledger.of('charge')).toHaveLength(1);
  });

  it('makbuz numbers continue across restarts and are never reused', async () => {
    const r = await rig();
    await r.svc.collect(collectArgs(100), ayse());
    await r.svc.collect(collectArgs(200), ayse());
    await r.restart();
    expect((await r.svc.collect(collectArgs(300), ayse())).receipt?.no).toBe('MT-000003');
    await r.restart({ receiptSeries: 'B' });
    expect((await r.svc.collect(collectArgs(300), ayse())).receipt?.no).toBe('B-000001');
  });
});

describe('printer faults', () => {
  it('out of paper: the payment stands, the makbuz is queued, the reply says so, and it can be reprinted', async () => {
    const r = await rig();
    r.printer.paper = false;
    const reply = await r.svc.collect(collectArgs(9_900), ayse());
    expect(reply).toMatchObject({ status: 'approved', printQueued: true, printer: { ready: false, state: 'paper-out' } });
    r.printer.paper = true;
    expect(await r.svc.reprint(reply.receipt!.no)).toMatchObject({ queued: true });
    expect(docText(r.printer.docs[1]!)).toContain('NÜSHA (tekrar basım)');
  });

  it('a print job that cannot be saved leaves the payment approved and says printQueued false', async () => {
    const r = await rig();
    r.printer.failSaves = true;
    expect(await r.svc.collect(collectArgs(9_900), ayse())).toMatchObject({ status: 'approved', printQueued: false });
  });
});

// Mobil Tahsilat through the whole gateway (issue 7): a tablet collects over MQTT and gets
// the terminal's progress on vim/event/payments/progress and the final outcome in the reply
// to its command id; the makbuz prints on the printer simulator in Turkish; a retry of the
// id while the sale runs gets the same answer and one charge; bad input changes nothing;
// a printer out of paper keeps the makbuz and the reply says so; void needs a supervisor
// (users file); end of day reconciles; a supervisor settles a needs_review by hand; a
// restart answers a retried id from the journal.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import type { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, replyClient, startGateway, USERS, writeUsers } from '../helpers/gateway-inproc.js';
import { RECORD, type OutcomeRecord, type SaleStarted } from '../../firmware-ts/src/services/payments/records.js';
import { collectArgs } from '../helpers/payments-fixture.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const CONFIG = {
  devices: {
    printers: [{ name: 'desk', port: 'sim://printer', statusPollS: 0.2, statusTimeoutMs: 200 }],
    terminal: { port: 'sim://terminal', statusPollS: 0, ackTimeoutMs: 1000, intermediateTimeoutMs: 2000, completionTimeoutMs: 5000 },
  },
  payments: { settleTimeoutS: 5, settleRetryMs: 100, maxAmountKurus: 1_000_000 },
};
const SEF = { username: 'sef', password: 'sef-parola-1' };

let gw: Gateway;
let dir: string;
let staff: MqttClient;
let sef: MqttClient;
const clients: MqttClient[] = [];
const gateways: Gateway[] = [];

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function boot(): Promise<void> {
  gw = (await startGateway(CONFIG, { dir })).gw;
  gateways.push(gw);
  const url = `mqtt://127.0.0.1:${gw.broker.port()}`;
  staff = await replyClient(url, USERS.staff, `ayse@${randomUUID().slice(0, 8)}`);
  sef = await replyClient(url, SEF, `sef@${randomUUID().slice(0, 8)}`);
  clients.push(staff, sef);
  await until(() => gw.devices.terminal!.state().registered, 5000, 'terminal registered');
}

const terminal = () => gw.devices.sims.get('terminal') as TerminalSim;
const printer = () => gw.devices.sims.get('printer') as PrinterSim;
const pay = (c: MqttClient, action: string, args: object, id: string = randomUUID()) => command(c, `vim/cmd/payments/${action}`, { id, ...args }, 15_000);
const journalCount = () => gw.store.journal.stats().count;

beforeAll(async () => {
  dir = tempDir('vimgw-pay-it-');
  mkdirSync(join(dir, 'data'), { recursive: true });
  await writeUsers(join(dir, 'users.json'));
  await addUser(join(dir, 'users.json'), SEF.username, 'staff', SEF.password, { supervisor: true });
  await boot();
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  for (const g of gateways.splice(0)) await g.stop();
  cleanupTempDirs();
});

describe('payments through the gateway', () => {
  it('collects: progress events for the command id, the outcome in the reply, the makbuz on the printer', async () => {
    const id = randomUUID();
    const progress: Record<string, unknown>[] = [];
    staff.on('message', (t, b) => t === 'vim/event/payments/progress' && progress.push(JSON.parse(b.toString())));
    await staff.subscribeAsync('vim/event/payments/progress', { qos: 0 });
    const a = await pay(staff, "collect", { ...collectArgs(156_240) }, id);
    expect(a).toMatchObject({ id, ok: true, result: { status: 'approved', amountKurus: 156_240, receipt: { no: 'MT-000001' }, printQueued: true, printer: { printer: 'desk' }, card: { maskedPan: '************4771' } } });
    expect(progress.filter((p) => p.commandId === id).map((p) => p.stage)).toEqual(['started', 'terminal', 'terminal']);
    await until(() => printer().documents.length === 1, 5000, 'makbuz printed');
    const text = printer().documents[0]!.text;
    for (const s of ['İNEGÖL BELEDİYESİ', 'TAHSİLAT MAKBUZU', 'MT / 000001', '10*******46', 'Yalnız bin beş yüz altmış iki TL kırk Kr.', '************4771']) expect(text).toContain(s);
    expect(text).not.toContain('10000000146');
    expect(printer().documents[0]!.qr[0]).toMatch(/^TAHSILAT\|VIM-IT\|MT-000001\|156240\|/);
    expect(terminal().ledger.of('charge')).toHaveLength(1);
  });

  it('a retry of the same id while the sale runs gets the same answer, and the card is charged once', async () => {
    terminal().behave({ delayMs: 150 });
    const id = randomUUID();
    const first = pay(staff, 'collect', collectArgs(2_000), id);
    await until(() => terminal().received.filter((x) => x === '06 01').length === 2, 5000, 'sale sent');
    const retry = await pay(staff, 'collect', collectArgs(2_000), id);
    expect(retry).toEqual(await first);
    expect(retry).toMatchObject({ ok: true, result: { status: 'approved' } });
    terminal().behave({ delayMs: 0 });
    expect(terminal().ledger.of('charge')).toHaveLength(2);
    // Same id, other payload: a conflict, not a second charge.
    expect(await pay(staff, 'collect', collectArgs(2_001), id)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('bad input gets a clear code and changes nothing', async () => {
    const base = collectArgs(10_000);
    const l0 = base.lines[0]!;
    const cases: [string, Record<string, unknown>][] = [
      ['INVALID_PAYLOAD', { ...base, totalKurus: 100.5 }],
      ['INVALID_PAYLOAD', { ...base, totalKurus: -10_000 }],
      ['INVALID_PAYLOAD', { ...base, totalKurus: 0 }],
      ['INVALID_PAYLOAD', { ...base, totalKurus: '10000' }],
      ['AMOUNT_OVER_LIMIT', { ...base, totalKurus: 1_000_001, lines: [{ revenueType: 'EMLAK', year: 2026, principalKurus: 1_000_001, totalKurus: 1_000_001 }] }],
      ['TOTAL_MISMATCH', { ...base, totalKurus: 10_001 }],
      ['TOTAL_MISMATCH', { ...base, lines: [{ ...l0, principalKurus: l0.principalKurus + 1 }] }],
      ['UNKNOWN_REVENUE_TYPE', { ...base, lines: [{ ...l0, revenueType: 'OTOPARK' }] }],
      ['INVALID_PAYER_ID', { ...base, payer: { ...base.payer, idNo: '12345678901' } }],
    ];
    const before = journalCount();
    const charges = terminal().ledger.entries.length;
    for (const [code, args] of cases) {
      const a = await pay(staff, 'collect', args);
      expect(a, JSON.stringify(args)).toMatchObject({ ok: false, error: { code } });
      expect(JSON.stringify(a)).not.toContain('12345678901');
    }
    expect(journalCount()).toBe(before);
    expect(terminal().ledger.entries.length).toBe(charges);
  });

  it('printer out of paper: the payment stands, the reply says so, the makbuz prints when paper returns, and reprints', async () => {
    await until(() => gw.payments.printerStatus()?.ready === true, 5000, 'printer ready');
    const printed = printer().documents.length;
    printer().setPaper('out');
    await until(() => gw.payments.printerStatus()?.state === 'paper-out', 5000, 'printer reports paper out');
    const a = await pay(staff, 'collect', collectArgs(9_900));
    expect(a).toMatchObject({ ok: true, result: { status: 'approved', printQueued: true, printer: { ready: false, state: 'paper-out' } } });
    const no = (a.result as { receipt: { no: string } }).receipt.no;
    printer().setPaper('ok');
    await until(() => printer().documents.length === printed + 1, 8000, 'queued makbuz printed');
    expect(printer().documents.at(-1)!.text).toContain(no.replace('-', ' / '));
    const r = await pay(staff, 'reprint', { paymentId: no });
    expect(r).toMatchObject({ ok: true, result: { receiptNo: no, printer: { printer: 'desk' } } });
    await until(() => printer().documents.length === printed + 2, 8000, 'reprint printed');
    expect(printer().documents.at(-1)!.text).toContain('NÜSHA (tekrar basım)');
    expect(await pay(staff, 'reprint', { paymentId: 'MT-999999' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PAYMENT' } });
  });

  it('void needs a supervisor from the users file; a second void and an oversized refund are refused', async () => {
    const a = await pay(staff, 'collect', collectArgs(5_000));
    const paymentId = (a.result as { paymentId: string }).paymentId;
    const before = journalCount();
    expect(await pay(staff, 'void', { paymentId, reason: 'yanlış tutar' })).toMatchObject({ ok: false, error: { code: 'SUPERVISOR_REQUIRED' } });
    expect(journalCount()).toBe(before);
    expect(await pay(sef, 'void', { paymentId, reason: 'yanlış tutar' })).toMatchObject({ ok: true, result: { kind: 'void', status: 'approved', amountKurus: 5_000 } });
    expect(await pay(sef, 'void', { paymentId, reason: 'yanlış tutar' })).toMatchObject({ ok: false, error: { code: 'ALREADY_VOIDED' } });
    const b = await pay(staff, 'collect', collectArgs(3_000));
    const other = (b.result as { paymentId: string }).paymentId;
    expect(await pay(sef, 'refund', { paymentId: other, amountKurus: 3_001, reason: 'fazla' })).toMatchObject({ ok: false, error: { code: 'REFUND_EXCEEDS_PAID' } });
    expect(await pay(sef, 'refund', { paymentId: other, amountKurus: 1_000, reason: 'kısmi iade' })).toMatchObject({ ok: true, result: { kind: 'refund', status: 'approved' } });
  });

  it('lists the day and runs end of day: the terminal total matches the journal', async () => {
    const l = await pay(staff, 'list', {});
    const totals = (l.result as { totals: { netKurus: number } }).totals;
    expect(l).toMatchObject({ ok: true, result: { needsReview: [] } });
    const e = await pay(staff, 'end-of-day', {});
    expect(e).toMatchObject({ ok: true, result: { batchClosed: true, differenceKurus: 0, flagged: false, terminal: { ok: true, totalKurus: totals.netKurus } } });
    await until(() => printer().documents.at(-1)!.text.includes('GÜN SONU RAPORU'), 5000, 'end-of-day report printed');
  });

  it('review: a supervisor settles a needs_review sale over MQTT; its makbuz prints; bad payloads name the field', async () => {
    // A sale the terminal could not settle, as the journal holds it after settleTimeoutS ran out.
    const paymentId = '0190a0b1-0000-7000-8000-00000000beef';
    const started: SaleStarted = {
      paymentId, requestHash: 'x', amountKurus: 7_700, lines: collectArgs(7_700).lines.map((l) => ({ ...l, revenueName: 'Emlak Vergisi', instalment: l.instalment ?? null, lateFeeKurus: l.lateFeeKurus ?? 0 })), collector: 'ayse', at: Date.now(),
      payer: { ref: '004-118-2231', name: 'Ali Veli', id: null }, place: { vehicleId: 'VIM-IT', vehicleName: 'VİM aracı', visitId: null, stopId: null, name: null },
    };
    const review: OutcomeRecord = { opId: paymentId, paymentId, kind: 'sale', outcome: 'needs_review', settledBy: 'recovery', at: Date.now(), card: null, receipt: null, resultCode: null, message: 'the terminal could not be asked within the settlement time' };
    const recs = await gw.store.transact((tx) => [
      tx.journal.append({ type: RECORD.started('sale'), class: 'money', payload: started, commandId: randomUUID(), actor: 'ayse' }),
      tx.journal.append({ type: RECORD.outcome('sale', 'needs_review'), class: 'money', payload: review }),
    ]);
    for (const r of recs) gw.payments.book.apply(r);
    expect(await pay(staff, 'list', {})).toMatchObject({ ok: true, result: { needsReview: [{ opId: paymentId, amountKurus: 7_700 }] } });

    const before = journalCount();
    const bad: [Record<string, unknown>, string][] = [
      [{ opId: paymentId, outcome: 'maybe', reason: 'kontrol' }, 'outcome'],
      [{ opId: paymentId, outcome: 'approved', reason: 'x' }, 'reason'],
      [{ opId: paymentId, outcome: 'approved', reason: 'kontrol', terminal: { receiptNo: 10_000 } }, 'terminal.receiptNo'],
      [{ opId: paymentId, outcome: 'approved', reason: 'kontrol', terminal: { pan: '4111111111111111' } }, 'terminal.pan'],
    ];
    for (const [args, field] of bad) {
      const a = await pay(sef, 'review', args);
      expect(a, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
      expect((a.error as { message: string }).message).toContain(field);
      expect(JSON.stringify(a)).not.toContain('4111111111111111');
    }
    expect(await pay(staff, 'review', { opId: paymentId, outcome: 'approved', reason: 'kontrol' })).toMatchObject({ ok: false, error: { code: 'SUPERVISOR_REQUIRED' } });
    expect(journalCount()).toBe(before);

    const printed = printer().documents.length;
    const a = await pay(sef, 'review', { opId: paymentId, outcome: 'approved', reason: 'terminal raporunda fiş 0042', terminal: { receiptNo: 42, approvalCode: 'A1B2C3' } });
    expect(a).toMatchObject({ ok: true, result: { paymentId, status: 'approved', amountKurus: 7_700, card: { receiptNo: 42, approvalCode: 'A1B2C3' }, printQueued: true } });
    const no = (a.result as { receipt: { no: string } }).receipt.no;
    await until(() => printer().documents.length === printed + 1, 5000, 'makbuz printed');
    expect(printer().documents.at(-1)!.text).toContain(no.replace('-', ' / '));
    expect(await pay(staff, 'list', {})).toMatchObject({ ok: true, result: { needsReview: [] } });
  });

  it('after a restart a retried collect id is answered from the journal, without a charge', async () => {
    const id = randomUUID();
    const a = await pay(staff, 'collect', collectArgs(4_400), id);
    const charges = terminal().ledger.of('charge').length;
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw.stop();
    await boot();
    expect(await pay(staff, 'collect', collectArgs(4_400), id)).toEqual(a);
    expect(terminal().ledger.of('charge')).toHaveLength(0); // a fresh simulator: nothing was sent to it
    expect(charges).toBeGreaterThan(0);
  });
});

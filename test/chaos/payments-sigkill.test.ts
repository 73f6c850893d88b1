// Chaos for Mobil Tahsilat (issue 7, DESIGN.md non-negotiable 2): the gateway runs as a
// child process against the ZVT terminal simulator on a real TCP port in this process,
// whose ledger outlives every gateway. The gateway is SIGKILLed in mid-sale (after the
// terminal booked the charge, and before it did), restarted, and the tablet retries its
// command id; the link is dropped after authorization; a command id is sent twice while
// the sale runs. Every time: the ledger shows exactly the charges the journal approved,
// one approved record per charged payment, and never a second sale for one command.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostOnTcp, type TcpHost } from '../../devices/terminal-sim/tcp-host.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { GatewayProcess, killAllGateways, STAFF } from '../helpers/gateway-process.js';
import { command, replyClient } from '../helpers/gateway-inproc.js';
import { collectArgs } from '../helpers/payments-fixture.js';

const TOPIC = 'vim/cmd/payments/collect';
const sim = new TerminalSim();
let host: TcpHost;
let gw: GatewayProcess;
let client: MqttClient | null = null;
let failed = true;

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n--- gateway output ---\n${gw.tail(3000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function tablet(): Promise<MqttClient> {
  await client?.endAsync(true);
  client = await replyClient(gw.files.url, STAFF, `personel1@${randomUUID().slice(0, 8)}`);
  return client;
}

/** The money records of one command, read from the dead (or live) gateway's journal file. */
function moneyOf(commandId: string): { type: string; payload: Record<string, unknown> }[] {
  const db = new Database(gw.files.journalFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT type, payload FROM journal WHERE class = 'money' AND command_id = ? ORDER BY seq").all(commandId) as { type: string; payload: string }[]).map((r) => ({
      type: r.type,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
    }));
  } finally {
    db.close();
  }
}

function allApproved(): { paymentId: string; amount: number }[] {
  const db = new Database(gw.files.journalFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT payload FROM journal WHERE type = 'payment.approved' ORDER BY seq").all() as { payload: string }[];
    return rows.map((r) => JSON.parse(r.payload) as { paymentId: string; card: { amountKurus: number } }).map((p) => ({ paymentId: p.paymentId, amount: p.card.amountKurus }));
  } finally {
    db.close();
  }
}

const charges = () => sim.ledger.of('charge').length;

beforeAll(async () => {
  host = await hostOnTcp(sim, 0);
  gw = await GatewayProcess.create({
    extra: {
      devices: {
        terminal: { port: `tcp://127.0.0.1:${host.port}`, statusPollS: 0, ackTimeoutMs: 2000, intermediateTimeoutMs: 5000, completionTimeoutMs: 15_000 },
        printers: [{ name: 'desk', port: 'sim://printer' }],
      },
      payments: { settleTimeoutS: 30, settleRetryMs: 200 },
    },
  });
  await gw.start();
});

afterAll(async () => {
  await client?.endAsync(true);
  await killAllGateways();
  if (failed) console.error(`payments chaos: files kept in ${gw.files.dir}\n--- gateway output (tail) ---\n${gw.tail(3000)}`);
  await gw.dispose(failed);
  await host.stop();
  sim.dispose();
});

describe('chaos: payments across SIGKILL and link loss', () => {
  it('SIGKILL after the terminal booked the charge: the restart settles it, the retried id gets approved, one charge', async () => {
    const c = await tablet();
    sim.behave({ mode: 'approve', delayMs: 400 });
    const before = charges();
    const id = randomUUID();
    c.publish(TOPIC, JSON.stringify({ id, ...collectArgs(12_300) }), { qos: 1 });
    await until('the terminal booked the charge', () => charges() === before + 1);
    const exit = await gw.kill('SIGKILL');
    expect(exit?.signal).toBe('SIGKILL');
    expect(moneyOf(id).map((r) => r.type)).toEqual(['payment.started']);
    await gw.start();
    const a = await command(await tablet(), TOPIC, { id, ...collectArgs(12_300) }, 40_000);
    expect(a).toMatchObject({ id, ok: true, result: { status: 'approved', amountKurus: 12_300 } });
    expect(charges()).toBe(before + 1);
    const recs = moneyOf(id);
    expect(recs.map((r) => r.type)).toEqual(['payment.started', 'payment.approved']);
    expect(recs[1]!.payload).toMatchObject({ settledBy: 'recovery', card: { amountKurus: 12_300 } });
    expect(sim.received.filter((x) => x === '06 01')).toHaveLength(before + 1);
  });

  it('SIGKILL before the terminal booked anything: the retried id gets declined, no charge', async () => {
    sim.behave({ mode: 'approve', delayMs: 600 });
    const c = await tablet();
    const before = charges();
    const sales = sim.received.filter((x) => x === '06 01').length;
    const id = randomUUID();
    c.publish(TOPIC, JSON.stringify({ id, ...collectArgs(4_500) }), { qos: 1 });
    await until('the sale reached the terminal', () => sim.received.filter((x) => x === '06 01').length === sales + 1);
    await gw.kill('SIGKILL');
    await gw.start();
    const a = await command(await tablet(), TOPIC, { id, ...collectArgs(4_500) }, 40_000);
    expect(a).toMatchObject({ id, ok: true, result: { status: 'declined' } });
    await new Promise((r) => setTimeout(r, 1500)); // anything the terminal would still book shows in its ledger by now
    expect(charges()).toBe(before);
    expect(moneyOf(id).map((r) => r.type)).toEqual(['payment.started', 'payment.declined']);
  });

  it('the link to the terminal drops after authorization: settled as approved, one charge; a retry gets the same answer', async () => {
    const c = await tablet();
    await until('terminal reconnected', () => sim.configByte !== null);
    sim.behave({ mode: 'drop-after-authorize', delayMs: 0 });
    const before = charges();
    const id = randomUUID();
    const a = await command(c, TOPIC, { id, ...collectArgs(7_700) }, 40_000);
    sim.behave({ mode: 'approve' });
    expect(a).toMatchObject({ ok: true, result: { status: 'approved', amountKurus: 7_700 } });
    expect(charges()).toBe(before + 1);
    expect(await command(c, TOPIC, { id, ...collectArgs(7_700) }, 10_000)).toEqual(a);
    expect(charges()).toBe(before + 1);
    expect(moneyOf(id).map((r) => r.type)).toEqual(['payment.started', 'payment.approved']);
  });

  it('a command id sent twice while the sale runs: both replies are the one outcome, one charge', async () => {
    const c = await tablet();
    sim.behave({ mode: 'approve', delayMs: 300 });
    const before = charges();
    const id = randomUUID();
    const replies: unknown[] = [];
    c.on('message', (_t, b) => {
      const m = JSON.parse(b.toString()) as { id?: string };
      if (m.id === id) replies.push(m);
    });
    const body = JSON.stringify({ id, ...collectArgs(3_300) });
    c.publish(TOPIC, body, { qos: 1 });
    await until('the sale reached the terminal', () => sim.behaviour.delayMs > 0 && sim.received.at(-1) === '06 01');
    c.publish(TOPIC, body, { qos: 1 });
    await until('two replies', () => replies.length === 2);
    expect(replies[1]).toEqual(replies[0]);
    expect(replies[0]).toMatchObject({ ok: true, result: { status: 'approved' } });
    expect(charges()).toBe(before + 1);
    expect(moneyOf(id).map((r) => r.type)).toEqual(['payment.started', 'payment.approved']);
  });

  it('in the end: one approved record per charge, and the journal file is intact', async () => {
    sim.behave({ mode: 'approve', delayMs: 0 });
    await gw.kill('SIGKILL');
    const approved = allApproved();
    expect(new Set(approved.map((a) => a.paymentId)).size).toBe(approved.length);
    expect(approved.map((a) => a.amount).sort()).toEqual(sim.ledger.of('charge').map((e) => e.amountKurus).sort());
    const db = new Database(gw.files.journalFile, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    failed = false;
  });
});

// The ZVT driver against the simulated terminal in-process (sim://terminal), over
// TCP framing and serial framing: sales approved and declined, progress, each
// phase's timeout, a link dropped after authorization (UNKNOWN_OUTCOME, settled by
// lastTransaction, one charge in the terminal's ledger), reversal, refund, end of
// day, abort, and broken terminals (garbage, bad CRC, silence) that leave a clear
// error, a health fault and a driver that keeps serving.
import { afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_DEFAULTS, ZvtTerminal, type PaymentResult, type TerminalConfig, type TerminalProgress } from '../../firmware-ts/src/drivers/terminal/zvt-terminal.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { silent } from '../helpers/store.js';

const live: ZvtTerminal[] = [];
afterEach(async () => {
  for (const d of live.splice(0)) await d.stop();
});

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(framing: 'tcp' | 'serial', cfg: Partial<TerminalConfig> = {}, sim = new TerminalSim()): Promise<{ d: ZvtTerminal; sim: TerminalSim }> {
  const sims = new SimRegistry();
  sims.register('terminal', sim);
  const d = new ZvtTerminal(
    { ...TERMINAL_DEFAULTS, port: `sim://terminal?framing=${framing}`, statusPollS: 0, ackTimeoutMs: 300, intermediateTimeoutMs: 400, completionTimeoutMs: 1500, serialAckTimeoutMs: 150, ...cfg },
    { log: silent, sims, backoff: { minMs: 20, maxMs: 50 } },
  );
  live.push(d);
  await d.start();
  await until('registered', () => d.state().registered);
  return { d, sim };
}

const approved = (r: PaymentResult) => {
  if (r.outcome !== 'approved') throw new Error(`expected approved, got ${JSON.stringify(r)}`);
  return r;
};

describe.each(['tcp', 'serial'] as const)('ZVT driver vs simulator (%s framing)', (framing) => {
  it('registers asking for intermediate status, sells, reports progress, and masks the PAN', async () => {
    const { d, sim } = await setup(framing);
    expect(sim.configByte).toBe(0x1e);
    expect(d.health().state).toBe('ok');
    const seen: TerminalProgress[] = [];
    const global: string[] = [];
    d.onProgress((p) => global.push(p.text));
    const r = approved(await d.sale(12_345, { onProgress: (p) => seen.push(p) }));
    expect(r.tx).toMatchObject({ resultCode: 0, amountKurus: 12_345, currency: 949, receiptNo: 1, terminalId: '52001234', maskedPan: '************4771', cardName: 'MASTERCARD' });
    expect(seen.map((p) => p.text)).toEqual(['insert card', 'please wait']);
    expect(global).toHaveLength(2);
    expect(sim.ledger.of('charge')).toHaveLength(1);
    expect(d.state().lastResult).toMatchObject({ op: 'sale', outcome: 'approved', receiptNo: 1 });
  });

  it('declines with the result code and charges nothing', async () => {
    const { d, sim } = await setup(framing);
    sim.behave({ mode: 'decline', declineCode: 0x05 });
    const r = await d.sale(500);
    expect(r).toMatchObject({ outcome: 'declined', resultCode: 0x05, message: 'declined by the card issuer' });
    expect(sim.ledger.entries).toHaveLength(0);
  });

  it('times out per phase: T3 (no 80 00), T4 (silence), completion (endless progress), each UNKNOWN_OUTCOME', async () => {
    const { d, sim } = await setup(framing);
    sim.behave({ mode: 'silent' });
    expect(await d.sale(100)).toMatchObject({ outcome: 'unknown', code: 'UNKNOWN_OUTCOME', phase: 'ack', known: { accepted: false } });
    sim.behave({ mode: 'stall' });
    await until('reconnected and registered', () => d.state().registered, 3000);
    const t0 = Date.now();
    const stalled = await d.sale(100);
    expect(stalled).toMatchObject({ outcome: 'unknown', phase: 'running', known: { accepted: true, statusInfo: null } });
    expect(Date.now() - t0).toBeLessThan(1400);
    sim.behave({ mode: 'endless', delayMs: 30 });
    await until('reconnected and registered', () => d.state().registered, 3000);
    const endless = await d.sale(100);
    expect(endless).toMatchObject({ outcome: 'unknown', phase: 'running', known: { lastProgress: 'please wait' } });
    if (endless.outcome === 'unknown') expect(endless.message).toMatch(/completion within 1500 ms/);
    expect(sim.ledger.entries).toHaveLength(0);
    expect(d.health().counters?.timeouts).toBe(3);
  });

  it('link lost after authorization -> UNKNOWN_OUTCOME; lastTransaction settles it; exactly one charge', async () => {
    const { d, sim } = await setup(framing);
    sim.behave({ mode: 'drop-after-authorize' });
    const r = await d.sale(4_990);
    expect(r).toMatchObject({ outcome: 'unknown', code: 'UNKNOWN_OUTCOME', phase: 'after-status', known: { statusAcknowledged: true, statusInfo: { amountKurus: 4_990, receiptNo: 1 } } });
    expect(d.health().state).not.toBe('ok');
    // The payments service asks the terminal instead of charging again.
    sim.behave({ mode: 'approve' });
    await until('reconnected and registered', () => d.state().registered, 3000);
    const last = await d.lastTransaction();
    expect(last).toMatchObject({ resultCode: 0, amountKurus: 4_990, receiptNo: 1 });
    expect(sim.ledger.of('charge')).toHaveLength(1);
    expect(sim.ledger.netKurus()).toBe(4_990);
    expect(d.health().state).toBe('ok');
  });

  it('reverses by receipt number, refuses a second reversal, refunds, and ends the day', async () => {
    const { d, sim } = await setup(framing);
    const sale = approved(await d.sale(2_000));
    const rev = approved(await d.reverse(sale.tx.receiptNo!));
    expect(rev.tx).toMatchObject({ amountKurus: 2_000, originalTrace: sale.tx.trace });
    expect(await d.reverse(sale.tx.receiptNo!)).toMatchObject({ outcome: 'declined', resultCode: 0xb4, message: 'already reversed' });
    approved(await d.refund(700));
    approved(await d.sale(1_000));
    const eod = await d.endOfDay();
    expect(eod).toMatchObject({ ok: true, resultCode: 0, totalKurus: 300 });
    expect(sim.ledger.netKurus()).toBe(300);
    expect(await d.lastTransaction()).toMatchObject({ amountKurus: 1_000 });
  });

  it('aborts a sale waiting for a card (06 B0 -> 06 1E 6C) and reads status', async () => {
    const { d, sim } = await setup(framing);
    sim.behave({ mode: 'await-card' });
    const sale = d.sale(900, { onProgress: () => void d.abort() });
    expect(await sale).toMatchObject({ outcome: 'declined', resultCode: 0x6c });
    expect(sim.received).toContain('06 B0');
    sim.behave({ mode: 'approve' });
    await d.abort(); // idle abort: 80 00 only
    expect(await d.status()).toEqual({ code: 0, text: 'PT ready', softwareVersion: 'VIM-SIM 1.0', terminalId: '52001234' });
    expect(sim.ledger.entries).toHaveLength(0);
  });

  it('refuses bad input and concurrent sales without sending anything', async () => {
    const { d, sim } = await setup(framing);
    const before = sim.received.length;
    await expect(d.sale(0)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(d.sale(12.5)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(d.reverse(123456)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    sim.behave({ delayMs: 50 });
    const first = d.sale(100);
    await expect(d.sale(100)).rejects.toMatchObject({ code: 'BUSY' });
    approved(await first);
    expect(sim.received.length - before).toBe(1);
  });

  it('a terminal that sends malformed APDUs gets a clear error and a health fault; the driver recovers', async () => {
    const { d, sim } = await setup(framing);
    sim.behave({ mode: 'malformed' });
    await expect(d.status()).rejects.toMatchObject({ code: expect.stringMatching(/TIMEOUT|LINK_LOST/) as unknown });
    expect(d.health().state).toBe('failed');
    // The cause is named: TCP waits for the rest of the APDU and gives up; serial NAKs the frame.
    expect(d.health().detail).toMatch(
      framing === 'tcp' ? /terminal fault: status: .*after incomplete APDU from terminal .*length beyond the data sent/ : /terminal fault: status: .*after bad message from terminal: .*length/i,
    );
    sim.behave({ mode: 'approve' });
    await until('reconnected and registered', () => d.state().registered, 3000);
    approved(await d.sale(100));
    expect(d.health().state).toBe('ok');
  });
});

describe('serial-only faults', () => {
  it('wrong CRCs are NAKed; after the repeats the command fails clearly and health shows it', async () => {
    const { d, sim } = await setup('serial');
    sim.behave({ badCrc: true });
    await expect(d.status()).rejects.toMatchObject({ code: 'TIMEOUT' });
    const h = d.health();
    expect(h.counters?.crcErrors).toBeGreaterThanOrEqual(3);
    expect(h.state).toBe('failed');
    expect(h.detail).toMatch(/after bad message from terminal: CRC [0-9a-f]{4} != [0-9a-f]{4}/);
    sim.behave({ badCrc: false });
    await until('reconnected and registered', () => d.state().registered, 3000);
    expect((await d.status()).code).toBe(0);
  });
});

describe('not connected', () => {
  it('a sale with no terminal is refused before anything is sent (no unknown outcome)', async () => {
    const sims = new SimRegistry();
    const d = new ZvtTerminal({ ...TERMINAL_DEFAULTS, port: 'sim://terminal', statusPollS: 0 }, { log: silent, sims, backoff: { minMs: 1000, maxMs: 2000 } });
    live.push(d);
    await d.start();
    await expect(d.sale(100)).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect(['failed', 'degraded']).toContain(d.health().state);
  });
});

describe('serial line settings', () => {
  it('opens serial:// as 8N2 at the configured baud (PA00P016 §2.1); the URI may override the line', () => {
    const d = new ZvtTerminal({ ...TERMINAL_DEFAULTS, port: 'serial:///dev/vim-terminal' }, { log: silent });
    expect(d.transport.target).toMatchObject({ kind: 'serial', baud: 9600, line: { dataBits: 8, parity: 'none', stopBits: 2 } });
    expect(d.link.framing).toBe('serial');
    const fast = new ZvtTerminal({ ...TERMINAL_DEFAULTS, port: 'serial:///dev/vim-terminal?baud=115200&stopBits=1' }, { log: silent });
    expect(fast.transport.target).toMatchObject({ kind: 'serial', baud: 115200, line: { dataBits: 8, parity: 'none', stopBits: 1 } });
  });
});

// The ZVT driver over a real TCP socket (tcp://127.0.0.1:PORT) to the simulated
// terminal listening on a real port, as `node devices/terminal-sim --tcp PORT` does:
// sales, a link drop after authorization settled by repeat receipt, a terminal
// that disappears and comes back, and reassembly of APDUs cut into single bytes.
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { TERMINAL_DEFAULTS, ZvtTerminal } from '../../firmware-ts/src/drivers/terminal/zvt-terminal.js';
import { hostOnTcp, type TcpHost } from '../../devices/terminal-sim/tcp-host.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { parseCli } from '../../devices/terminal-sim/cli.js';
import { silent } from '../helpers/store.js';

const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(sim = new TerminalSim()): Promise<{ d: ZvtTerminal; sim: TerminalSim; host: TcpHost }> {
  const host = await hostOnTcp(sim, 0);
  live.push(host);
  const d = new ZvtTerminal(
    { ...TERMINAL_DEFAULTS, port: `tcp://127.0.0.1:${host.port}`, statusPollS: 0, ackTimeoutMs: 1000, intermediateTimeoutMs: 1000, completionTimeoutMs: 3000 },
    { log: silent, backoff: { minMs: 50, maxMs: 200 } },
  );
  live.push(d);
  await d.start();
  await until('registered', () => d.state().registered);
  return { d, sim, host };
}

describe('ZVT over real TCP', () => {
  it('sells, declines and reads status over a socket', async () => {
    const { d, sim } = await setup();
    expect(d.state()).toMatchObject({ framing: 'tcp', connected: true, terminalId: '52001234' });
    expect(await d.sale(15_075)).toMatchObject({ outcome: 'approved', tx: { amountKurus: 15_075, currency: 949 } });
    sim.behave({ mode: 'decline', declineCode: 0x78 });
    expect(await d.sale(100)).toMatchObject({ outcome: 'declined', resultCode: 0x78, message: 'card expired' });
    expect((await d.status()).text).toBe('PT ready');
    expect(sim.ledger.of('charge')).toHaveLength(1);
  });

  it('a dropped socket after authorization is UNKNOWN_OUTCOME; repeat receipt settles it; one charge', async () => {
    const { d, sim } = await setup();
    sim.behave({ mode: 'drop-after-authorize' });
    const r = await d.sale(2_500);
    expect(r).toMatchObject({ outcome: 'unknown', code: 'UNKNOWN_OUTCOME', known: { statusInfo: { amountKurus: 2_500 } } });
    sim.behave({ mode: 'approve' });
    await until('reconnected', () => d.state().registered);
    expect(await d.lastTransaction()).toMatchObject({ amountKurus: 2_500, resultCode: 0 });
    expect(sim.ledger.of('charge')).toHaveLength(1);
  });

  it('survives the terminal going away and coming back on the same port', async () => {
    const sim = new TerminalSim();
    const { d, host } = await setup(sim);
    const port = host.port;
    await host.stop();
    await until('disconnected', () => !d.state().connected);
    await expect(d.sale(100)).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect(d.health().state).not.toBe('ok');
    const again = await hostOnTcp(sim, port);
    live.push(again);
    await until('reconnected', () => d.state().registered, 8000);
    expect(await d.sale(100)).toMatchObject({ outcome: 'approved' });
  });

  it('the simulator reassembles a command cut into single bytes (PA00P016 §4)', async () => {
    const sim = new TerminalSim();
    const host = await hostOnTcp(sim, 0);
    live.push(host);
    const sock = connect(host.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const got: Buffer[] = [];
    sock.on('data', (b: Buffer) => got.push(b));
    for (const b of Buffer.from('0501050000000300', 'hex')) {
      sock.write(Buffer.of(b));
      await new Promise((r) => setTimeout(r, 2));
    }
    await until('80 00 and completion', () => Buffer.concat(got).length >= 3 + 3 + 3 + 11 + 1);
    const all = Buffer.concat(got);
    expect(all.subarray(0, 3)).toEqual(Buffer.from('800000', 'hex'));
    expect(all.subarray(3, 5)).toEqual(Buffer.from('060f', 'hex'));
    sock.destroy();
  });

  it('the CLI refuses bad arguments clearly', () => {
    expect(parseCli(['--tcp', '20007'])).toMatchObject({ tcp: 20007, mode: 'approve', delayMs: 300 });
    expect(() => parseCli(['--tcp', '99999'])).toThrow(/--tcp/);
    expect(() => parseCli(['--tcp', '1', '--pty', '/tmp/x'])).toThrow(/exactly one/);
    expect(() => parseCli(['--tcp', '1', '--mode', 'charge-twice'])).toThrow(/--mode/);
  });
});

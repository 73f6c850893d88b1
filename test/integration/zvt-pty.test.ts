// The ZVT driver's serial framing (DLE STX ... DLE ETX, CRC-16, ACK/NAK; PA00P016 §3)
// through the real serialport binding, with the simulated terminal on the far end of
// a socat pty pair (hostOnPty), as `node devices/terminal-sim --pty PATH` runs it.
// Note: a pty ignores line settings; on a real RS-232 line ZVT needs 8N2 (README).
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_DEFAULTS, ZvtTerminal } from '../../firmware-ts/src/drivers/terminal/zvt-terminal.js';
import { hostOnPty } from '../../devices/shared/pty-host.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const dir = tempDir('vimgw-zvt-');
const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});
afterAll(cleanupTempDirs);

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ZVT serial framing on a pty (real serialport binding)', () => {
  it('registers, sells with progress, survives a bad-CRC spell and an unplug, and settles an unknown outcome', async () => {
    const path = join(dir, 'terminal-a');
    const sim = new TerminalSim();
    let host = await hostOnPty(path, sim, { framing: 'serial' });
    live.push({ stop: () => host.stop() });
    const d = new ZvtTerminal(
      { ...TERMINAL_DEFAULTS, port: `serial://${path}?baud=9600`, statusPollS: 0, ackTimeoutMs: 1500, intermediateTimeoutMs: 1500, completionTimeoutMs: 4000, serialAckTimeoutMs: 300 },
      { log: silent, backoff: { minMs: 100, maxMs: 300 } },
    );
    live.push(d);
    await d.start();
    await until('registered', () => d.state().registered);
    expect(d.state()).toMatchObject({ framing: 'serial', terminalId: '52001234' });

    const progress: string[] = [];
    expect(await d.sale(9_999, { onProgress: (p) => progress.push(p.text) })).toMatchObject({ outcome: 'approved', tx: { amountKurus: 9_999, maskedPan: '************4771' } });
    expect(progress).toEqual(['insert card', 'please wait']);

    // Wrong CRCs from the terminal: NAKed, repeated, then a clear error; then healthy again.
    sim.behave({ badCrc: true });
    await expect(d.status()).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(d.health().counters?.crcErrors).toBeGreaterThanOrEqual(3);
    expect(d.health().state).toBe('failed');
    sim.behave({ badCrc: false });
    await until('registered again', () => d.state().registered);
    expect((await d.status()).code).toBe(0);
    expect(d.health().state).toBe('ok');

    // The terminal drops off after authorizing: UNKNOWN_OUTCOME, settled by repeat receipt.
    sim.behave({ mode: 'drop-after-authorize' });
    sim.on('unplugged', () => undefined);
    const unknown = await d.sale(1_234);
    expect(unknown).toMatchObject({ outcome: 'unknown', code: 'UNKNOWN_OUTCOME', known: { statusInfo: { amountKurus: 1_234 } } });
    await until('disconnected', () => !d.state().connected);
    sim.behave({ mode: 'approve' });
    host = await hostOnPty(path, sim, { framing: 'serial' });
    await until('re-registered after replug', () => d.state().registered);
    expect(await d.lastTransaction()).toMatchObject({ amountKurus: 1_234, resultCode: 0 });
    expect(sim.ledger.of('charge').map((c) => c.amountKurus)).toEqual([9_999, 1_234]);
  });
});

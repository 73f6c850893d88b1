// A completion left over from a transaction the gateway never acknowledged (it was killed
// mid-sale) reaches the next exchange before that exchange's 80 00. It must be acknowledged
// and ignored, not taken as the new command's answer (which settled the interrupted sale from
// the wrong frame, then timed out for half a minute in the day test).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ACK_APDU, CMD, apdu, type Apdu } from '../../firmware-ts/src/drivers/terminal/apdu.js';
import { runExchange } from '../../firmware-ts/src/drivers/terminal/exchange.js';
import type { ZvtLink } from '../../firmware-ts/src/drivers/terminal/zvt-link.js';

class FakeLink extends EventEmitter {
  sent: Apdu[] = [];
  send(a: Apdu): Promise<void> {
    this.sent.push(a);
    return Promise.resolve();
  }
  /** The PT's next message, after the exchange's answers so far went out. */
  async pt(a: Apdu): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.emit('apdu', a);
  }
}

const transport = new EventEmitter();
const opts = { ackTimeoutMs: 2000, intermediateTimeoutMs: 2000, completionTimeoutMs: 5000, expectCompletion: true };
const staleCompletion = apdu(CMD.completion, [0x27, 0x00]);
const statusInfo = apdu(CMD.statusInfo, [0x27, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x12, 0x50]);
const freshCompletion = apdu(CMD.completion, [0x27, 0x00]);

describe('ZVT exchange after a restart', () => {
  it('acknowledges a stale completion before 80 00, ignores it, and completes with the real answer', async () => {
    const link = new FakeLink();
    const faults: string[] = [];
    const outcome = runExchange(link as unknown as ZvtLink, transport, apdu(CMD.repeatReceipt), { ...opts, onFault: (f) => faults.push(f) });
    await link.pt(staleCompletion);
    let settled = false;
    void outcome.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    expect(link.sent).toEqual([apdu(CMD.repeatReceipt), ACK_APDU]); // the stale frame was acknowledged
    expect(faults[0]).toMatch(/stale 06 0F/i);
    await link.pt(ACK_APDU);
    await link.pt(statusInfo);
    await link.pt(freshCompletion);
    const r = await outcome;
    expect(r.kind).toBe('completed');
    if (r.kind !== 'completed') throw new Error('unreachable');
    expect(r.statusInfos).toHaveLength(1); // the real transaction data, not the stale frame alone
  });

  it('still treats status information before a lost 80 00 as the terminal working on our command', async () => {
    const link = new FakeLink();
    const outcome = runExchange(link as unknown as ZvtLink, transport, apdu(CMD.repeatReceipt), opts);
    await link.pt(statusInfo);
    await link.pt(freshCompletion);
    const r = await outcome;
    expect(r.kind).toBe('completed');
  });
});

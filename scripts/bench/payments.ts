// Issue 7's bench row: collect -> approved -> makbuz printed. An in-process gateway on the
// ZVT terminal and printer simulators (which speak and decode the real bytes); a staff
// tablet publishes payments/collect over MQTT, one at a time, and each is timed from the
// publish until the printer simulator has decoded the makbuz (cut and all), which is after
// the reply: started journaled (fsync), the ZVT sale, approved + makbuz number journaled
// (fsync), the print job saved (fsync) and sent; the row ends when both the reply and the
// printed makbuz are there. The simulator's card delay (its pause between steps,
// `cardDelayMs`, 0 by default) is subtracted, so the row measures the gateway, not the card;
// with a non-zero delay the timers' own overshoot stays in the figure.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import type { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import { connectClient, subscribe } from './clients.js';
import { summarize } from './stats.js';

export interface PaymentFlowResult {
  /** Publish -> both the approved reply and the makbuz decoded by the printer simulator, card delay excluded. */
  p50Ms: number;
  p99Ms: number;
  n: number;
  /** Publish -> the approved reply, card delay excluded. */
  reply: { p50Ms: number; p99Ms: number };
  /** The simulator's pause per step and the total subtracted per payment. */
  cardDelayMs: number;
  subtractedMs: number;
}

const WARMUP = 20;

export async function benchPaymentFlow(n = 200, cardDelayMs = 0): Promise<PaymentFlowResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vimgw-bench-pay-'));
  const log = pino({ level: 'silent' });
  await addUser(join(dir, 'users.json'), 'kasiyer', 'staff', 'kasiyer-bench');
  const doc = {
    dataDir: 'data',
    broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json', limits: { staff: { maxPayloadBytes: 65536, publishPerSecond: 10_000, burst: 10_000 } } },
    devices: { printers: [{ name: 'desk', port: 'sim://printer', statusPollS: 5 }], terminal: { port: 'sim://terminal', statusPollS: 0 } },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(doc));
  const cfg = parseConfig(JSON.stringify(doc), join(dir, 'config.json'));
  if (!cfg.ok) throw new Error(`bench config: ${JSON.stringify(cfg.errors)}`);
  const gw = new Gateway(cfg.config, log);
  await gw.start();
  const tablet = await connectClient({ port: gw.broker.port(), clientId: 'kasiyer@bench', username: 'kasiyer', password: 'kasiyer-bench' });
  try {
    await subscribe(tablet, 'vim/reply/kasiyer@bench');
    const printer = gw.devices.sims.get('printer') as PrinterSim;
    const terminal = gw.devices.sims.get('terminal') as TerminalSim;
    terminal.behave({ mode: 'approve', delayMs: cardDelayMs });
    // The simulator pauses once per intermediate status, once before its status information and once before completion.
    const subtractedMs = cardDelayMs * (terminal.behaviour.intermediate.length + 2);
    for (let i = 0; i < 500 && !gw.devices.terminal!.state().registered; i++) await new Promise((r) => setTimeout(r, 10));
    if (!gw.devices.terminal!.state().registered) throw new Error('terminal simulator did not register within 5 s');
    const printed: number[] = [];
    const replied: number[] = [];
    for (let i = 0; i < WARMUP + n; i++) {
      const id = randomUUID();
      const no = `MT / ${String(i + 1).padStart(6, '0')}`;
      const amount = 10_000 + i;
      const t0 = performance.now();
      const onPaper = new Promise<number>((resolve) => {
        const on = (d: { text: string }) => d.text.includes(no) && (printer.off('document', on), resolve(performance.now()));
        printer.on('document', on);
      });
      const onReply = new Promise<number>((resolve, reject) => {
        const on = (_t: string, b: Buffer) => {
          const a = JSON.parse(b.toString()) as { id?: string; ok?: boolean; result?: { status?: string }; error?: { code?: string } };
          if (a.id !== id) return;
          tablet.off('message', on);
          if (a.ok && a.result?.status === 'approved') resolve(performance.now());
          else reject(new Error(`payment ${i}: ${JSON.stringify(a)}`));
        };
        tablet.on('message', on);
      });
      const payload = { id, payer: { ref: `S-${i}`, name: 'Bench Ödeyen', idNo: '10*******46' }, lines: [{ revenueType: 'EMLAK', year: 2026, principalKurus: amount, totalKurus: amount }], totalKurus: amount };
      tablet.publish('vim/cmd/payments/collect', JSON.stringify(payload), { qos: 1 });
      const [tr, tp] = await Promise.all([onReply, onPaper]);
      if (i >= WARMUP) {
        replied.push(tr - t0 - subtractedMs);
        printed.push(Math.max(tr, tp) - t0 - subtractedMs);
      }
    }
    if (terminal.ledger.of('charge').length !== WARMUP + n) throw new Error('the terminal ledger does not match the payments');
    const p = summarize(printed);
    const r = summarize(replied);
    const round = (x: number) => +x.toFixed(3);
    return { p50Ms: round(p.p50), p99Ms: round(p.p99), n, reply: { p50Ms: round(r.p50), p99Ms: round(r.p99) }, cardDelayMs, subtractedMs };
  } finally {
    await new Promise<void>((r) => tablet.end(false, {}, () => r()));
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Issue 4's ZVT bench row: the sale round trip (06 01 -> 80 00 -> 04 FF x2 -> 04 0F ->
// 06 0F, every step acknowledged) from the driver to the simulated terminal over
// loopback TCP, with the simulator's delays set to zero, so only the protocol, the
// codec and the sockets are measured.
import { pino } from 'pino';
import { TERMINAL_DEFAULTS, ZvtTerminal } from '../../firmware-ts/src/drivers/terminal/zvt-terminal.js';
import { hostOnTcp } from '../../devices/terminal-sim/tcp-host.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';

const WARMUP = 50;
const N = 1000;

export async function benchZvtSale(): Promise<{ roundTripsPerS: number; p50Ms: number; p99Ms: number; n: number }> {
  const sim = new TerminalSim({ behaviour: { mode: 'approve', delayMs: 0 } });
  const host = await hostOnTcp(sim, 0);
  const d = new ZvtTerminal({ ...TERMINAL_DEFAULTS, port: `tcp://127.0.0.1:${host.port}`, statusPollS: 0 }, { log: pino({ level: 'silent' }), backoff: { minMs: 20, maxMs: 100 } });
  try {
    await d.start();
    for (let i = 0; i < 500 && !d.state().registered; i++) await new Promise((r) => setTimeout(r, 10));
    if (!d.state().registered) throw new Error('terminal simulator did not register within 5 s');
    const times: number[] = [];
    const t0 = process.hrtime.bigint();
    let start = t0;
    for (let i = 0; i < WARMUP + N; i++) {
      if (i === WARMUP) start = process.hrtime.bigint();
      const s = process.hrtime.bigint();
      const r = await d.sale(100 + i);
      if (r.outcome !== 'approved') throw new Error(`sale ${i}: ${r.outcome}`);
      if (i >= WARMUP) times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const totalS = Number(process.hrtime.bigint() - start) / 1e9;
    times.sort((a, b) => a - b);
    const pct = (p: number): number => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
    if (sim.ledger.of('charge').length !== WARMUP + N) throw new Error('ledger does not match the sales');
    return { roundTripsPerS: Math.round(N / totalS), p50Ms: +pct(50).toFixed(3), p99Ms: +pct(99).toFixed(3), n: N };
  } finally {
    await d.stop();
    await host.stop();
    sim.dispose();
  }
}

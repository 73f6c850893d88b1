// Issue 5's bench rows.
// (q1) 20 tablets issuing queue commands through the gateway child: half take tickets, half
//      work a counter each (call-next, start, complete), every command durable before its
//      answer; compared with the same run's mosquitto echo.
// (q2) take ticket -> printed -> display updated: an in-process gateway with the printer and
//      LED board simulators (which decode the real ESC/POS and board frames); from the kiosk's
//      publish to the printed ticket and to the board showing the new waiting count.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { DisplaySim } from '../../devices/display-sim/display-sim.js';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import { connectAll, connectClient, endAll, subscribe } from './clients.js';
import { closedLoop, Lane, type LoadOptions, type LoadResult } from './load.js';
import { summarize, type Summary } from './stats.js';

/** Counters the bench gateway needs: one per counter-working tablet. */
export function benchQueueConfig(counters: number) {
  return {
    counters: Array.from({ length: counters }, (_, i) => ({ number: i + 1, name: `Gişe ${i + 1}`, services: ['A', 'B', 'C', 'D'] })),
  };
}

function answerCheck(doc: unknown, id: string): 'mine' | `error:${string}` | 'other' {
  const a = doc as { id?: unknown; ok?: unknown; error?: { code?: unknown } } | null;
  if (!a || a.id !== id) return 'other';
  // NOTHING_WAITING is a valid answer of a durable path (a counter faster than the takers).
  return a.ok === true || a.error?.code === 'NOTHING_WAITING' ? 'mine' : `error:${String(a.error?.code)}`;
}

type Request = { topic: string; payload: string };

/**
 * A tablet's commands. Takers rotate services; a counter tablet opens its counter, then calls,
 * starts and completes, serving the ticket its call-next answer named.
 */
class Tablet {
  private phase: 'idle' | 'called' | 'serving' = 'idle';
  private ticket = '';
  constructor(
    private readonly i: number,
    private readonly counter: number,
  ) {}

  next = (id: string, n: number): Request => {
    const counter = this.counter;
    if (this.i % 2 === 0) return { topic: 'vim/cmd/queue/take', payload: JSON.stringify({ id, service: 'ABCD'[(n + this.i) % 4] }) };
    if (n === 0) return { topic: 'vim/cmd/queue/open-counter', payload: JSON.stringify({ id, counter }) };
    if (this.phase === 'called') {
      this.phase = 'serving';
      return { topic: 'vim/cmd/queue/start', payload: JSON.stringify({ id, ticket: this.ticket }) };
    }
    if (this.phase === 'serving') {
      this.phase = 'idle';
      return { topic: 'vim/cmd/queue/complete', payload: JSON.stringify({ id, ticket: this.ticket }) };
    }
    return { topic: 'vim/cmd/queue/call-next', payload: JSON.stringify({ id, counter }) };
  };

  /** Sees every answer before the lane does, so the next command already knows the called ticket. */
  answer(doc: { ok?: boolean; result?: { ticket?: string; counter?: number; state?: string } }): void {
    if (this.phase === 'idle' && doc.ok && doc.result?.counter === this.counter && doc.result.ticket !== undefined && doc.result.state === undefined) {
      this.phase = 'called';
      this.ticket = doc.result.ticket;
    }
  }
}

export async function queueCommandsRun(port: number, username: string, password: string, clients: number, opts: LoadOptions): Promise<LoadResult> {
  const specs = Array.from({ length: clients }, (_, i) => ({ port, clientId: `${username}@queue${i}`, username, password }));
  const conns = await connectAll(specs, (cid) => `vim/reply/${cid}`);
  try {
    const lanes = conns.map((c, i) => {
      const tablet = new Tablet(i, Math.floor(i / 2) + 1);
      c.on('message', (_t, buf) => tablet.answer(JSON.parse(buf.toString()) as Parameters<Tablet['answer']>[0]));
      return new Lane(c, '', `vim/reply/${specs[i]!.clientId}`, answerCheck, opts.timeoutMs ?? 10_000, tablet.next);
    });
    return await closedLoop(lanes, opts);
  } finally {
    await endAll(conns);
  }
}

export interface TicketFlowResult {
  printed: Summary;
  displayed: Summary;
  n: number;
}

/** (q2): an in-process gateway on the printer and board simulators, one kiosk taking tickets one at a time. */
export async function benchTicketFlow(n = 200): Promise<TicketFlowResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vimgw-bench-q2-'));
  const log = pino({ level: 'silent' });
  await addUser(join(dir, 'users.json'), 'kiosk1', 'kiosk', 'kiosk-bench');
  const doc = {
    dataDir: 'data',
    broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json', limits: { kiosk: { maxPayloadBytes: 1024, publishPerSecond: 10_000, burst: 10_000 } } },
    devices: { printers: [{ name: 'kiosk', port: 'sim://printer', statusPollS: 5 }], display: { port: 'sim://display' } },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(doc));
  const cfg = parseConfig(JSON.stringify(doc), join(dir, 'config.json'));
  if (!cfg.ok) throw new Error(`bench config: ${JSON.stringify(cfg.errors)}`);
  const gw = new Gateway(cfg.config, log);
  await gw.start();
  const kiosk = await connectClient({ port: gw.broker.port(), clientId: 'kiosk1@bench', username: 'kiosk1', password: 'kiosk-bench' });
  try {
    await subscribe(kiosk, 'vim/reply/kiosk1@bench');
    const printer = gw.devices.sims.get('printer') as PrinterSim;
    const board = gw.devices.sims.get('display') as DisplaySim;
    const printed: number[] = [];
    const displayed: number[] = [];
    for (let i = 0; i < n; i++) {
      const number = `A${String(i + 1).padStart(3, '0')}`;
      const t0 = performance.now();
      const onPaper = new Promise<number>((resolve) => {
        const on = (d: { text: string }) => d.text.includes(number) && (printer.off('document', on), resolve(performance.now()));
        printer.on('document', on);
      });
      const onBoard = new Promise<number>((resolve) => {
        const on = (s: { scroll: string }) => s.scroll === `BEKLEYEN A:${i + 1}` && (board.off('shown', on), resolve(performance.now()));
        board.on('shown', on);
      });
      kiosk.publish('vim/cmd/queue/take', JSON.stringify({ id: randomUUID(), service: 'A' }), { qos: 1 });
      const [tp, td] = await Promise.all([onPaper, onBoard]);
      printed.push(tp - t0);
      displayed.push(td - t0);
    }
    return { printed: summarize(printed), displayed: summarize(displayed), n };
  } finally {
    await new Promise<void>((r) => kiosk.end(false, {}, () => r()));
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

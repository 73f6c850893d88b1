// One payments service on a real temp store, the ZVT driver and the simulated terminal
// in-process (sim://terminal), and an in-memory receipt printer whose paper can run out
// or whose job store can fail. Shared by the payments service tests.
import { PaymentError } from '../../firmware-ts/src/services/payments/errors.js';
import { PaymentsOptionsSchema, type PaymentsOptions } from '../../firmware-ts/src/services/payments/options.js';
import { PaymentsService } from '../../firmware-ts/src/services/payments/payments-service.js';
import type { PaymentProgress, ReceiptPrinterPort, ReceiptPrinterStatus } from '../../firmware-ts/src/services/payments/ports.js';
import type { CollectArgs } from '../../firmware-ts/src/services/payments/request.js';
import type { PrintDocument } from '../../firmware-ts/src/drivers/printer/render.js';
import { TERMINAL_DEFAULTS, ZvtTerminal, type TerminalConfig } from '../../firmware-ts/src/drivers/terminal/zvt-terminal.js';
import { compile } from '../../firmware-ts/src/schema/validator.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { openTestStore, silent } from './store.js';
import { tempDir } from './tmp.js';

export function paymentsOptions(over: Partial<PaymentsOptions> = {}): PaymentsOptions {
  const r = compile(PaymentsOptionsSchema, { defaults: true }).check({});
  if (!r.ok) throw new Error('payments defaults do not validate');
  return { ...r.value, settleTimeoutS: 2, settleRetryMs: 50, ...over };
}

/** Documents are kept as their text lines; `paper` false makes it "paper-out" (jobs still saved). */
export class FakeReceiptPrinter implements ReceiptPrinterPort {
  docs: PrintDocument[] = [];
  paper = true;
  failSaves = false;
  status(): ReceiptPrinterStatus {
    return { printer: 'desk', ready: this.paper, state: this.paper ? 'ready' : 'paper-out', pendingJobs: this.paper ? 0 : this.docs.length };
  }
  print(doc: PrintDocument): Promise<void> {
    if (this.failSaves) return Promise.reject(new Error('STORE_FULL: the journal disk is full'));
    this.docs.push(doc);
    return Promise.resolve();
  }
}

/** A document's text, blocks joined by newlines (pairs as "left | right"). */
export function docText(d: PrintDocument): string {
  return d.blocks.map((b) => (b.kind === 'text' ? b.text : b.kind === 'pair' ? `${b.left} | ${b.right}` : b.kind === 'qr' ? `[QR ${b.data}]` : '')).join('\n');
}

export interface PaymentsRig {
  store: Store;
  sim: TerminalSim;
  terminal: ZvtTerminal;
  printer: FakeReceiptPrinter;
  svc: PaymentsService;
  progress: { commandId: string | null; paymentId: string; progress: PaymentProgress }[];
  /** Added to Date.now() for the service's clock (another day, ...). */
  clock: { offsetMs: number };
  dir: string;
  restart(over?: Partial<PaymentsOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function paymentsRig(opts: { options?: Partial<PaymentsOptions>; terminal?: Partial<TerminalConfig>; sim?: TerminalSim; dir?: string } = {}): Promise<PaymentsRig> {
  const dir = opts.dir ?? tempDir('vimgw-pay-');
  const sim = opts.sim ?? new TerminalSim();
  const sims = new SimRegistry();
  sims.register('terminal', sim);
  const clock = { offsetMs: 0 };
  const printer = new FakeReceiptPrinter();
  const progress: PaymentsRig['progress'] = [];
  const rig = { sim, printer, progress, clock, dir } as PaymentsRig;
  const build = async (over: Partial<PaymentsOptions> = {}) => {
    rig.store = await openTestStore(dir);
    rig.terminal = new ZvtTerminal(
      { ...TERMINAL_DEFAULTS, port: 'sim://terminal', statusPollS: 0, ackTimeoutMs: 300, intermediateTimeoutMs: 400, completionTimeoutMs: 1500, ...opts.terminal },
      { log: silent, sims, backoff: { minMs: 20, maxMs: 50 } },
    );
    await rig.terminal.start();
    await until('terminal registered', () => rig.terminal.state().registered);
    rig.svc = new PaymentsService(paymentsOptions({ ...opts.options, ...over }), {
      store: rig.store,
      terminal: rig.terminal,
      terminalReady: () => rig.terminal.state().connected && rig.terminal.state().registered,
      printer,
      visits: { current: () => ({ visitId: 'v-1', stopId: 'cerrah', name: 'Cerrah Mah.' }) },
      supervisors: { isSupervisor: (u) => u === 'sef' },
      vehicle: { id: 'VIM-T1', name: 'VİM aracı' },
      log: silent,
      now: () => Date.now() + clock.offsetMs,
    });
    rig.svc.onProgress((e) => progress.push(e));
    await rig.svc.start();
  };
  const close = async () => {
    await rig.svc.stop();
    await rig.terminal.stop();
    await rig.store.stop();
  };
  rig.restart = async (over) => {
    await close();
    await build(over);
  };
  rig.close = close;
  await build();
  return rig;
}

export async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let n = 0;
/** A fresh command id (UUID-shaped). */
export const cmdId = (): string => `0190a0b1-0000-7000-8000-${String(++n).padStart(12, '0')}`;

export const collectArgs = (totalKurus = 12_345, over: Partial<CollectArgs> = {}): CollectArgs => ({
  payer: { ref: '004-118-2231', name: 'Gülşen Çağlayan Öztürk', idNo: '10000000146' },
  lines: [{ revenueType: 'EMLAK', year: 2026, instalment: 1, principalKurus: totalKurus - Math.floor(totalKurus / 10), lateFeeKurus: Math.floor(totalKurus / 10), totalKurus }],
  totalKurus,
  ...over,
});

/** Journal records of class money, oldest first. */
export function moneyRecords(store: Store): { type: string; payload: Record<string, unknown>; commandId: string | null }[] {
  return store.read((tx) => [...tx.journal.ofClass('money', new Date(0))]).map((r) => ({ type: r.type, payload: r.payload as Record<string, unknown>, commandId: r.commandId }));
}

/** The code of the PaymentError a call rejects with; anything else fails the test. */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PaymentError) return e.code;
    throw e;
  }
  throw new Error('expected a PaymentError');
}

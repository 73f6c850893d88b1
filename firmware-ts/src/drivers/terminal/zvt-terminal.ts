// The ZVT card terminal as a Part and a PaymentTerminal (DESIGN.md "Devices",
// PA00P015/PA00P016). It owns a Transport (tcp:// or serial://, reconnecting by
// itself), registers after every open (06 00, asking for intermediate status),
// runs one command sequence at a time, and reports its state through health() and
// state() for vim/state/device/terminal.
//
// Money safety: a sale, reversal or refund is sent once. Any failure after its
// first byte may have left (link lost, timeout, garbage) is an UNKNOWN_OUTCOME
// carrying what is known; the driver never retries it. The payments service
// settles it with lastTransaction() (repeat receipt 06 20). A payment is final at
// our acknowledgement of the terminal's status information (exchange.ts).
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { Transport } from '../../transport/transport.js';
import type { Apdu } from './apdu.js';
import { bcdDigits, parseBmps } from './bmp.js';
import * as cmd from './commands.js';
import { ExchangeError, runExchange, type ExchangeOutcome } from './exchange.js';
import type { TerminalConfig, TerminalDriverDeps, TerminalState } from './options.js';
import { TerminalError, type CardTransaction, type EndOfDayResult, type OperationOptions, type PaymentResult, type PaymentTerminal, type TerminalOp, type TerminalProgress, type TerminalStatus } from './payment-terminal.js';
import { intermediateText, resultText, terminalStatusText } from './texts.js';
import { decodeStatusCompletion, decodeTransaction } from './transaction.js';
import { asTerminalError, endOfDayResult, framingFor, unknownOutcome } from './outcomes.js';
import { ZvtLink } from './zvt-link.js';

export { TerminalConfigSchema, TERMINAL_DEFAULTS, type TerminalConfig, type TerminalDriverDeps, type TerminalState } from './options.js';
export * from './payment-terminal.js';
export { framingFor } from './outcomes.js';

const MONEY_OPS: readonly TerminalOp[] = ['sale', 'reversal', 'refund'];

export class ZvtTerminal implements Part, PaymentTerminal {
  readonly name = 'terminal';
  readonly transport: Transport;
  readonly link: ZvtLink;
  private readonly log: Logger;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly listeners = new Set<(p: TerminalProgress) => void>();
  private running = false;
  private registered = false;
  private busy: TerminalOp | null = null;
  private fault: { what: string; at: string } | null = null;
  /** The last wire-level fault (bad CRC, truncated APDU ...) since the current exchange began: the cause of a failure that follows. */
  private wireFault: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** 'close' when the link drops or the driver stops: running exchanges end at once. */
  private readonly interrupts = new EventEmitter<{ close: [] }>();
  private st: Omit<TerminalState, 'port' | 'framing' | 'connected' | 'registered' | 'busy' | 'lastFault'> = {
    terminalId: null, softwareVersion: null, terminalStatus: null, lastProgress: null, lastResult: null,
  };
  private readonly counters = { sales: 0, approved: 0, declined: 0, unknownOutcomes: 0, timeouts: 0, linkLosses: 0, protocolFaults: 0, registrations: 0 };

  constructor(
    private readonly config: TerminalConfig,
    private readonly deps: TerminalDriverDeps,
  ) {
    this.log = deps.log.child({ part: 'terminal' });
    // PA00P016 §2.1: 8 data bits, no parity, 2 stop bits on RS-232.
    this.transport = new Transport('terminal', config.port, { log: this.log, sims: deps.sims, baud: config.baud, line: { stopBits: 2 }, backoff: deps.backoff });
    this.link = new ZvtLink(this.transport, framingFor(config), {
      t1Ms: config.serialByteTimeoutMs, t2Ms: config.serialAckTimeoutMs, partialMs: config.ackTimeoutMs,
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.link.attach();
    this.link.on('fault', this.onWireFault);
    this.transport.on('open', this.onOpen);
    this.transport.on('close', this.onClose);
    await this.transport.start();
    this.schedulePoll();
    this.refresh();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.interrupts.emit('close');
    this.transport.off('open', this.onOpen);
    this.link.off('fault', this.onWireFault);
    await this.transport.stop();
    this.transport.off('close', this.onClose);
    this.link.detach();
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    const s = this.link.stats();
    h.counters = { ...this.counters, ...this.link.counters, apdusIn: s.apdus, garbageBytes: s.garbageBytes, crcErrors: s.crcErrors, malformed: s.malformed, oversize: s.oversize, truncated: s.truncated };
    return h;
  }

  state(): TerminalState {
    return { port: this.config.port, framing: this.link.framing, connected: this.transport.connected, registered: this.registered, busy: this.busy, lastFault: this.fault, ...this.st };
  }

  onProgress(fn: (p: TerminalProgress) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- PaymentTerminal --------------------------------------------------------

  async sale(amountKurus: number, opts: OperationOptions = {}): Promise<PaymentResult> {
    this.checkAmount(amountKurus);
    this.counters.sales++;
    return this.money('sale', cmd.authorization(amountKurus, this.config.currency), opts);
  }

  async reverse(receiptNo: number, opts: OperationOptions = {}): Promise<PaymentResult> {
    if (!Number.isInteger(receiptNo) || receiptNo < 0 || receiptNo > 9999) {
      throw new TerminalError('BAD_INPUT', 'receipt number must be a whole number 0..9999 (ZVT BMP 87)', { receiptNo });
    }
    return this.money('reversal', cmd.reversal(this.config.password, receiptNo), opts);
  }

  async refund(amountKurus: number, opts: OperationOptions = {}): Promise<PaymentResult> {
    this.checkAmount(amountKurus);
    return this.money('refund', cmd.refund(this.config.password, amountKurus, this.config.currency), opts);
  }

  async lastTransaction(): Promise<CardTransaction> {
    const r = await this.plain('repeat-receipt', cmd.repeatReceipt(this.config.password), {});
    if (r.kind === 'completed' && r.statusInfos.length > 0) return decodeTransaction(r.statusInfos[r.statusInfos.length - 1]!);
    if (r.kind === 'aborted') throw new TerminalError('NO_TRANSACTION', `terminal has no last transaction to repeat: ${resultText(r.resultCode)}`, { resultCode: r.resultCode });
    if (r.kind === 'refused') throw new TerminalError('REFUSED', `terminal refused repeat receipt: ${resultText(r.code)}`, { resultCode: r.code });
    throw new TerminalError('PROTOCOL', 'terminal completed repeat receipt without status information');
  }

  async endOfDay(opts: OperationOptions = {}): Promise<EndOfDayResult> {
    const r = await this.plain('end-of-day', cmd.endOfDay(this.config.password), opts);
    return endOfDayResult(r);
  }

  async status(): Promise<TerminalStatus> {
    const r = await this.plain('status', cmd.statusEnquiry(this.config.password), {});
    if (r.kind === 'refused') throw new TerminalError('REFUSED', `terminal refused status enquiry: ${resultText(r.code)}`, { resultCode: r.code });
    if (r.kind !== 'completed') throw new TerminalError('PROTOCOL', 'status enquiry ended without completion');
    const c = decodeStatusCompletion(r.completion.data);
    const code = c.status ?? 0;
    this.st.softwareVersion = c.softwareVersion ?? this.st.softwareVersion;
    this.st.terminalId = c.terminalId ?? this.st.terminalId;
    this.st.terminalStatus = { code, text: terminalStatusText(code), at: new Date().toISOString() };
    this.refresh();
    return { code, text: terminalStatusText(code), softwareVersion: c.softwareVersion, terminalId: this.st.terminalId };
  }

  /** While an operation runs, 06 B0 is sent at once (the terminal then ends it with 06 1E); otherwise as a command. */
  async abort(): Promise<void> {
    if (this.busy) {
      this.log.info({ op: this.busy }, 'abort requested during operation');
      await this.link.send(cmd.abort()).catch((e: Error) => {
        throw new TerminalError('LINK_LOST', `could not send abort: ${e.message}`);
      });
      return;
    }
    await this.plain('abort', cmd.abort(), {}, false);
  }

  // ---- internals ----------------------------------------------------------------

  private checkAmount(k: number): void {
    if (!Number.isSafeInteger(k) || k < 1 || k > this.config.maxAmountKurus) {
      throw new TerminalError('BAD_INPUT', `amount must be a whole number of kuruş, 1..${this.config.maxAmountKurus}`, { amountKurus: k });
    }
  }

  private async money(op: TerminalOp, request: Apdu, opts: OperationOptions): Promise<PaymentResult> {
    let r: ExchangeOutcome;
    try {
      r = await this.run(op, request, opts, true);
    } catch (e) {
      if (!(e instanceof ExchangeError) || e.reason === 'not-connected') throw asTerminalError(e);
      const p = e.progress;
      const info = p.statusInfos.length > 0 ? decodeTransaction(p.statusInfos[p.statusInfos.length - 1]!) : null;
      this.counters.unknownOutcomes++;
      this.remember(op, 'unknown', info);
      this.log.error({ op, reason: e.reason, phase: e.phase, statusAcknowledged: p.statusAcknowledged, receiptNo: info?.receiptNo }, 'UNKNOWN_OUTCOME: settle with lastTransaction(), do not retry');
      return unknownOutcome(op, e, info);
    }
    if (r.kind === 'refused') return this.declined(op, r.code, null, []);
    if (r.kind === 'accepted') throw new TerminalError('PROTOCOL', 'unexpected outcome');
    const tx = r.statusInfos.length > 0 ? decodeTransaction(r.statusInfos[r.statusInfos.length - 1]!) : null;
    if (r.kind === 'aborted') return this.declined(op, r.resultCode, tx, r.receipt);
    if (!tx) {
      this.counters.unknownOutcomes++;
      return { outcome: 'unknown', code: 'UNKNOWN_OUTCOME', op, message: 'terminal completed without status information', phase: 'running', known: { requestSent: true, accepted: true, statusInfo: null, statusAcknowledged: false, lastProgress: null } };
    }
    if (tx.resultCode !== 0 && tx.resultCode !== null) return this.declined(op, tx.resultCode, tx, r.receipt);
    this.counters.approved++;
    this.remember(op, 'approved', tx);
    this.log.info({ op, receiptNo: tx.receiptNo, trace: tx.trace, amountKurus: tx.amountKurus, cardType: tx.cardType }, 'approved');
    return { outcome: 'approved', op, tx, receipt: r.receipt };
  }

  private declined(op: TerminalOp, code: number, tx: CardTransaction | null, receipt: string[]): PaymentResult {
    this.counters.declined++;
    this.remember(op, 'declined', tx, code);
    this.log.info({ op, resultCode: code }, 'declined');
    return { outcome: 'declined', op, resultCode: code, message: resultText(code), tx, receipt };
  }

  private async plain(op: TerminalOp, request: Apdu, opts: OperationOptions, expectCompletion = true): Promise<ExchangeOutcome> {
    try {
      return await this.run(op, request, opts, expectCompletion);
    } catch (e) {
      throw asTerminalError(e);
    }
  }

  /** One command sequence under the single-flight rule, registering first when needed. */
  private async run(op: TerminalOp, request: Apdu, opts: OperationOptions, expectCompletion: boolean): Promise<ExchangeOutcome> {
    if (!this.running) throw new TerminalError('STOPPED', 'terminal driver is stopped');
    if (this.busy) throw new TerminalError('BUSY', `terminal is busy with ${this.busy}`, { busy: this.busy });
    if (!this.transport.connected) throw new TerminalError('NOT_CONNECTED', 'terminal is not connected');
    this.busy = op;
    this.refresh();
    try {
      if (!this.registered) await this.register();
      if (op === 'registration') return { kind: 'accepted' };
      return await this.exchange(op, request, opts, expectCompletion);
    } finally {
      this.busy = null;
      this.refresh();
    }
  }

  private async register(): Promise<void> {
    const r = await this.exchange('registration', cmd.registration(this.config), {}, true).catch((e: unknown) => {
      throw asTerminalError(e);
    });
    if (r.kind === 'refused') throw new TerminalError('REFUSED', `terminal refused registration: ${resultText(r.code)}`, { resultCode: r.code });
    if (r.kind === 'aborted') throw new TerminalError('REFUSED', `terminal aborted registration: ${resultText(r.resultCode)}`, { resultCode: r.resultCode });
    if (r.kind === 'completed') {
      // Completion after registration: [19 <status-byte>] [29 <TID>] [49 <CC>] (PA00P015 §2.1).
      const tid = parseBmps(r.completion.data).fields.get(0x29);
      if (tid) this.st.terminalId = bcdDigits(tid) ?? this.st.terminalId;
    }
    this.registered = true;
    this.counters.registrations++;
    this.log.info('registered with the terminal');
  }

  private async exchange(op: TerminalOp, request: Apdu, opts: OperationOptions, expectCompletion: boolean): Promise<ExchangeOutcome> {
    const c = this.config;
    const money = MONEY_OPS.includes(op);
    this.wireFault = null;
    try {
      const r = await runExchange(this.link, this.interrupts, request, {
        ackTimeoutMs: c.ackTimeoutMs, intermediateTimeoutMs: c.intermediateTimeoutMs, completionTimeoutMs: c.completionTimeoutMs, expectCompletion,
        onIntermediate: (code) => this.progress(op, code, opts),
        onFault: (what) => this.onFault(what),
      });
      // A fault clears when a real command succeeds again (registration alone proves little).
      if (op !== 'registration') this.fault = null;
      return r;
    } catch (e) {
      if (e instanceof ExchangeError && e.reason !== 'not-connected') {
        if (e.reason === 'timeout') this.counters.timeouts++;
        else if (e.reason === 'link-lost') this.counters.linkLosses++;
        // Name the wire fault that caused it (e.g. a length beyond the frame makes the link reconnect, seen here as a lost link).
        const cause = this.lastWireFault();
        this.onFault(`${op}: ${e.message}${cause ? ` after ${cause}` : ''}`);
        // PA00P016 §5.2.5 case a: after a timeout the ECR closes the socket; the whole sequence counts as aborted.
        if (e.reason === 'timeout') await this.transport.reopen().catch(() => undefined);
        if (money) this.log.warn({ op, phase: e.phase }, 'money operation interrupted; outcome unknown');
      }
      throw e;
    }
  }

  private progress(op: TerminalOp, code: number, opts: OperationOptions): void {
    const p: TerminalProgress = { op, code, text: intermediateText(code), at: new Date().toISOString() };
    this.st.lastProgress = p.text;
    for (const fn of [opts.onProgress, this.deps.onProgress, ...this.listeners]) {
      try {
        fn?.(p);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'progress listener threw');
      }
    }
    this.refresh();
  }

  private remember(op: TerminalOp, outcome: string, tx: CardTransaction | null, code: number | null = tx?.resultCode ?? null): void {
    this.st.lastResult = { op, outcome, resultCode: code, receiptNo: tx?.receiptNo ?? null, at: new Date().toISOString() };
    if (tx?.terminalId) this.st.terminalId = tx.terminalId;
  }

  private readonly onFault = (what: string): void => {
    this.counters.protocolFaults++;
    this.fault = { what, at: new Date().toISOString() };
    this.log.warn({ fault: what }, 'terminal fault');
    this.refresh();
  };

  /** Read through a method: the field changes in a callback during the exchange, which narrowing cannot see. */
  private lastWireFault(): string | null {
    return this.wireFault;
  }

  private readonly onWireFault = (what: string): void => {
    this.wireFault = what;
    this.onFault(what);
  };

  private readonly onOpen = (): void => {
    this.registered = false;
    this.refresh();
    // Register at once so the first sale does not wait for it; failures show in health.
    if (!this.busy) void this.run('registration', cmd.registration(this.config), {}, true).catch((e: Error) => this.onFault(`registration: ${e.message}`));
  };

  private readonly onClose = (): void => {
    this.registered = false;
    this.interrupts.emit('close');
    this.refresh();
  };

  private schedulePoll(): void {
    if (!this.running || this.config.statusPollS === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      const go = this.transport.connected && !this.busy ? this.status().then(() => undefined) : Promise.resolve();
      void go.catch(() => undefined).finally(() => this.schedulePoll());
    }, this.config.statusPollS * 1000);
    this.pollTimer.unref();
  }

  private refresh(): void {
    if (!this.running) return;
    const connected = this.transport.connected;
    if (this.fault) this.tracker.set('failed', `terminal fault: ${this.fault.what}${connected ? '' : '; not connected'}`);
    else if (!connected) {
      const t = this.transport.health();
      this.tracker.set(t.state === 'failed' ? 'failed' : 'degraded', `terminal not connected: ${t.detail}`);
    }
    else if (!this.registered) this.tracker.set('degraded', 'connected, registering');
    else this.tracker.set('ok', this.busy ? `busy: ${this.busy}` : 'ready');
    this.deps.onState?.(this.state());
  }
}

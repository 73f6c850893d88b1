// Mobil Tahsilat (issue 7): card payments with the tahsilat makbuzu, exactly one charge
// across crashes, void, refund and end of day. One operation uses the terminal at a
// time, and none starts while an earlier one is unsettled: then the terminal's last
// transaction can always settle it (settle.ts). At start the book is rebuilt from the
// journal and every interrupted operation is settled in the background.
import type { Logger } from 'pino';
import type { PaymentTerminal } from '../../drivers/terminal/payment-terminal.js';
import type { PrintDocument } from '../../drivers/printer/render.js';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Store } from '../../store/store.js';
import { checkRefund, checkVoid } from './adjust.js';
import { PaymentBook, type OpView } from './book.js';
import { runEndOfDay, type EndOfDayReply } from './end-of-day.js';
import { PaymentError } from './errors.js';
import { istanbulDay } from './money.js';
import type { PaymentsOptions } from './options.js';
import type { PaymentProgress, ReceiptPrinterPort, ReceiptPrinterStatus, SupervisorPort, VisitPort } from './ports.js';
import { adjustmentDocument, makbuzDocument, type ReceiptContext } from './receipt.js';
import type { AdjustStarted, OpKind, Place, SaleStarted } from './records.js';
import { dayList, opReply, type ListResult, type OpReply } from './replies.js';
import { normalizeCollect, requestHash, type CollectArgs } from './request.js';
import { checkReview, commitReview, type ReviewArgs } from './review.js';
import { OpRunner } from './terminal-ops.js';

export interface PaymentsServiceDeps {
  store: Store;
  terminal: PaymentTerminal | null;
  /** False while the terminal is unplugged: a collection is refused before anything is journaled. */
  terminalReady?: () => boolean;
  printer: ReceiptPrinterPort | null;
  visits?: VisitPort | null;
  supervisors: SupervisorPort;
  vehicle: { id: string; name: string };
  log: Logger;
  now?: () => number;
}

/** Who asks: the command id an operation is journaled under, and the user. */
export interface Caller {
  commandId: string;
  actor: string;
}

export type ProgressSink = (e: { commandId: string | null; paymentId: string; progress: PaymentProgress }) => void;

export class PaymentsService implements Part {
  readonly name = 'payments';
  readonly book = new PaymentBook();
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly now: () => number;
  private readonly runner: OpRunner | null;
  private readonly settling = new Map<string, Promise<OpView | null>>();
  private readonly printed = new Set<string>();
  /** Operations a review command is committing: a second review of one is refused, not raced. */
  private readonly reviewing = new Set<string>();
  private active: string | null = null;
  private started = false;
  private stopping = false;
  private recovery: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private sink: ProgressSink | null = null;
  private readonly counters = { approved: 0, declined: 0, needsReview: 0, reviewed: 0, recovered: 0, voids: 0, refunds: 0, receiptsQueued: 0, printFailures: 0 };

  constructor(
    readonly options: PaymentsOptions,
    private readonly deps: PaymentsServiceDeps,
  ) {
    this.now = deps.now ?? Date.now;
    const t = deps.terminal;
    this.runner = t && new OpRunner({
      store: deps.store, terminal: t, book: this.book, log: deps.log, now: this.now, series: options.receiptSeries,
      settleTimeoutMs: options.settleTimeoutS * 1000, settleRetryMs: options.settleRetryMs, stopped: () => this.stopping,
    });
  }

  start(): Promise<void> {
    const since = new Date(this.now() - this.options.lookbackDays * 86_400_000);
    // Read whole inside one read: an open SQLite iterator would hold the connection.
    const records = this.deps.store.read((tx) => [...tx.journal.ofClass('money', since)]);
    for (const r of records) this.book.apply(r);
    this.started = true;
    const open = this.book.unsettled();
    this.deps.log.info({ payments: this.book.size, unsettled: open.length, needsReview: this.book.needsReview().length }, 'payments restored from the journal');
    if (open.length > 0) this.recover();
    this.refresh();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // A settlement stops at its next attempt; the operation stays unsettled for the next start.
    await Promise.race([this.recovery ?? Promise.resolve(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    this.refresh();
    const h = this.tracker.get();
    h.counters = { ...this.counters, payments: this.book.size, unsettled: this.book.unsettled().length, openNeedsReview: this.book.needsReview().length };
    return h;
  }

  /** Where intermediate status goes (vim/event/payments/progress). */
  onProgress(sink: ProgressSink): void {
    this.sink = sink;
  }

  // ---- operations -----------------------------------------------------------------

  async collect(args: CollectArgs, c: Caller): Promise<OpReply> {
    this.usable();
    const req = normalizeCollect(args, this.options);
    const hash = requestHash({ kind: 'sale', ...req });
    const prior = this.priorOp(c);
    if (prior) return this.replay(prior, 'sale', hash, c);
    const runner = this.terminal();
    this.acquire('sale');
    const paymentId = uuidv7(this.now());
    try {
      const payload: SaleStarted = { paymentId, requestHash: hash, amountKurus: req.amountKurus, lines: req.lines, payer: req.payer, place: this.place(), collector: c.actor, at: this.now() };
      const started = await runner.begin('sale', payload, c);
      const progress = this.progressFor(c.commandId, paymentId);
      progress({ stage: 'started', code: null, text: 'Ödeme kaydedildi, terminale gönderiliyor', at: new Date(this.now()).toISOString() });
      const op = await runner.run(started, (o) => this.deps.terminal!.sale(req.amountKurus, o), progress);
      return await this.finish(op);
    } catch (e) {
      this.afterFailure();
      throw e;
    } finally {
      this.release();
    }
  }

  async void(args: { paymentId: string; reason: string }, c: Caller): Promise<OpReply> {
    this.usable();
    this.supervisor(c.actor, 'void');
    const hash = requestHash({ kind: 'void', ...args });
    const prior = this.priorOp(c);
    if (prior) return this.replay(prior, 'void', hash, c);
    const { payment, receiptNo } = checkVoid(this.book, args.paymentId, this.now());
    return this.adjust('void', payment.paymentId, payment.amountKurus, args.reason, hash, c, (o) => this.deps.terminal!.reverse(receiptNo, o));
  }

  async refund(args: { paymentId: string; amountKurus: number; reason: string }, c: Caller): Promise<OpReply> {
    this.usable();
    this.supervisor(c.actor, 'refund');
    const hash = requestHash({ kind: 'refund', ...args });
    const prior = this.priorOp(c);
    if (prior) return this.replay(prior, 'refund', hash, c);
    const payment = checkRefund(this.book, args.paymentId, args.amountKurus);
    return this.adjust('refund', payment.paymentId, args.amountKurus, args.reason, hash, c, (o) => this.deps.terminal!.refund(args.amountKurus, o));
  }

  /**
   * A supervisor settles a `needs_review` operation from the terminal's printout (review.ts):
   * journaled as its outcome, an approved sale printed with its makbuz. The terminal is not used.
   */
  async review(args: ReviewArgs, c: Caller): Promise<OpReply> {
    this.usable();
    this.supervisor(c.actor, 'a review');
    const hash = requestHash({ kind: 'review', ...args });
    if (this.book.opByCommand(c.commandId)) throw new PaymentError('CONFLICT', `id: ${c.commandId} was already used for a payment operation`, { field: 'id' });
    const prior = this.book.opByReviewCommand(c.commandId);
    if (prior) {
      if (prior.review?.requestHash !== hash || prior.review.by !== c.actor) throw new PaymentError('CONFLICT', `id: ${c.commandId} was already used for a different review`, { field: 'id' });
      return this.finish(prior, false);
    }
    const op = checkReview(this.book, args);
    if (this.reviewing.has(op.opId)) throw new PaymentError('INVALID_STATE', `opId: ${op.opId} is being reviewed by another command`, { field: 'opId' });
    this.reviewing.add(op.opId);
    try {
      const settled = await commitReview(this.deps.store, this.book, op, args, { by: c.actor, at: this.now(), requestHash: hash, commandId: c.commandId, series: this.options.receiptSeries });
      this.counters.reviewed++;
      this.deps.log.info({ op: op.kind, opId: op.opId, outcome: args.outcome, by: c.actor }, 'needs_review operation settled on review');
      this.refresh();
      return await this.finish(settled);
    } finally {
      this.reviewing.delete(op.opId);
    }
  }

  /** The terminal's end of day, reconciled against the journal, journaled and printed. */
  async endOfDay(c: Caller): Promise<EndOfDayReply> {
    this.usable();
    const terminal = this.deps.terminal;
    this.terminal();
    this.acquire('end-of-day');
    try {
      return await runEndOfDay(
        { store: this.deps.store, terminal: terminal!, book: this.book, now: this.now, vehicleName: this.deps.vehicle.name, receipt: this.receiptContext(), print: (d) => this.print(d) },
        c,
        this.progressFor(c.commandId, 'end-of-day'),
      );
    } finally {
      this.release();
    }
  }

  /** A day's payments (Istanbul day, default today) with totals, and every open needs_review. */
  list(day?: string): ListResult {
    return dayList(this.book, day ?? istanbulDay(this.now()));
  }

  /** The makbuz of an approved payment, printed again marked as a copy; resolves once the job is durable. */
  async reprint(ref: string): Promise<{ queued: boolean; printer: ReceiptPrinterStatus | null }> {
    const p = this.receiptOf(ref);
    return this.print(makbuzDocument(p, this.receiptContext(), 'NÜSHA (tekrar basım)'));
  }

  /** Checks a reprint can happen (for the command's synchronous part): the payment and the printer. */
  receiptOf(ref: string) {
    const p = this.book.find(ref);
    if (!p) throw new PaymentError('UNKNOWN_PAYMENT', `paymentId: no payment "${ref}"`, { field: 'paymentId' });
    if (p.sale.status !== 'approved' || !p.receipt) throw new PaymentError('PAYMENT_NOT_APPROVED', `paymentId: payment ${p.paymentId} is ${p.sale.status}; only an approved payment has a makbuz`, {});
    return p;
  }

  printerStatus(): ReceiptPrinterStatus | null {
    return this.deps.printer?.status() ?? null;
  }

  // ---- internals --------------------------------------------------------------------

  private async adjust(kind: OpKind, paymentId: string, amountKurus: number, reason: string, hash: string, c: Caller, call: Parameters<OpRunner['run']>[1]): Promise<OpReply> {
    const runner = this.terminal();
    this.acquire(kind);
    try {
      const payload: AdjustStarted = { opId: uuidv7(this.now()), paymentId, requestHash: hash, amountKurus, reason, by: c.actor, at: this.now() };
      const started = await runner.begin(kind, payload, c);
      const op = await runner.run(started, call, this.progressFor(c.commandId, paymentId));
      return await this.finish(op);
    } catch (e) {
      this.afterFailure();
      throw e;
    } finally {
      this.release();
    }
  }

  /** An operation's reply; an approved one prints its makbuz or slip first (the job is durable when the reply goes). */
  private async finish(op: OpView, printNow = true): Promise<OpReply> {
    if (op.status === 'started') {
      throw new PaymentError('PAYMENTS_UNAVAILABLE', `the gateway is stopping; ${op.kind} ${op.opId} is settled with the terminal at restart: retry the same command id then`, { opId: op.opId });
    }
    this.count(op);
    const p = this.book.payment(op.paymentId);
    if (op.status !== 'approved' || !p || !printNow) return opReply(this.book, op, { queued: this.printed.has(op.opId), printer: this.printerStatus() });
    const doc = op.kind === 'sale' ? makbuzDocument(p, this.receiptContext()) : adjustmentDocument(p, op, this.receiptContext());
    const r = await this.print(doc);
    if (r.queued) this.printed.add(op.opId);
    return opReply(this.book, op, r);
  }

  private async print(doc: PrintDocument): Promise<{ queued: boolean; printer: ReceiptPrinterStatus | null }> {
    const printer = this.deps.printer;
    if (!printer) return { queued: false, printer: null };
    try {
      await printer.print(doc);
      this.counters.receiptsQueued++;
      return { queued: true, printer: printer.status() };
    } catch (e) {
      // The payment stands; the tablet is told and reprints (payments/reprint).
      this.counters.printFailures++;
      this.deps.log.error({ err: e, title: doc.title }, 'receipt print job not saved; reprint with payments/reprint');
      return { queued: false, printer: printer.status() };
    }
  }

  /** The operation journaled under this command id; an id a review used is a CONFLICT for any other command. */
  private priorOp(c: Caller): OpView | undefined {
    if (this.book.opByReviewCommand(c.commandId)) throw new PaymentError('CONFLICT', `id: ${c.commandId} was already used for a review`, { field: 'id' });
    return this.book.opByCommand(c.commandId);
  }

  /** A retry after a restart (no stored answer): the operation journaled under this command id, settled first if needed. */
  private async replay(prior: OpView, kind: OpKind, hash: string, c: Caller): Promise<OpReply> {
    if (prior.kind !== kind || prior.requestHash !== hash || prior.actor !== c.actor) {
      throw new PaymentError('CONFLICT', `id: ${c.commandId} was already used for a different ${prior.kind}`, { field: 'id' });
    }
    const op = prior.status === 'started' ? ((await this.ensureSettled(prior)) ?? prior) : prior;
    return this.finish(op, false);
  }

  private ensureSettled(op: OpView): Promise<OpView | null> {
    let p = this.settling.get(op.opId);
    if (!p) {
      p = this.settleNow(op);
      this.settling.set(op.opId, p);
      const done = () => void this.settling.delete(op.opId);
      p.then(done, done);
    }
    return p;
  }

  private async settleNow(op: OpView): Promise<OpView | null> {
    if (!this.runner) return null;
    while (this.active !== null && !this.stopping) await new Promise((r) => setTimeout(r, 50));
    if (this.stopping || op.status !== 'started') return op;
    this.active = `settle ${op.opId}`;
    try {
      const s = await this.runner.settle(op, null, this.progressFor(op.commandId, op.paymentId));
      if (s && s.status !== 'started') {
        this.counters.recovered++;
        // A sale approved only now (after a crash) had no makbuz printed yet.
        if (s.kind === 'sale' && s.status === 'approved') await this.finish(s);
        else this.count(s);
      }
      return s;
    } catch (e) {
      this.deps.log.error({ err: e, opId: op.opId }, 'settling failed; retrying later');
      this.afterFailure();
      return null;
    } finally {
      this.active = null;
    }
  }

  private recover(): void {
    if (this.recovery || this.stopping) return;
    this.recovery = (async () => {
      for (const op of this.book.unsettled()) await this.ensureSettled(op);
    })().finally(() => {
      this.recovery = null;
      this.refresh();
    });
  }

  /** An outcome that could not be journaled leaves the operation unsettled: settle it again soon. */
  private afterFailure(): void {
    if (this.retryTimer || this.stopping || this.book.unsettled().length === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.recover();
    }, this.options.settleRetryMs * 5);
    this.retryTimer.unref();
  }

  private usable(): void {
    if (!this.options.enabled) throw new PaymentError('PAYMENTS_UNAVAILABLE', 'card payments are disabled (payments.enabled)', {});
    if (!this.started || this.stopping) throw new PaymentError('PAYMENTS_UNAVAILABLE', 'payments are not running (starting or stopping); retry shortly', {});
  }

  private terminal(): OpRunner {
    if (!this.runner) throw new PaymentError('TERMINAL_UNAVAILABLE', 'no card terminal is configured (devices.terminal)', {});
    if (this.deps.terminalReady && !this.deps.terminalReady()) throw new PaymentError('TERMINAL_UNAVAILABLE', 'the card terminal is not connected; nothing was charged', {});
    return this.runner;
  }

  private supervisor(user: string, what: string): void {
    if (!this.deps.supervisors.isSupervisor(user)) {
      throw new PaymentError('SUPERVISOR_REQUIRED', `${what} needs a supervisor: user ${user} has no "supervisor": true in the users file`, { user });
    }
  }

  /** Synchronous check-and-take, so two commands cannot both pass it. */
  private acquire(what: string): void {
    if (this.active !== null) throw new PaymentError('TERMINAL_BUSY', `the card terminal is busy (${this.active}); nothing was charged`, { busy: this.active });
    const open = this.book.unsettled();
    if (open.length > 0) {
      this.recover();
      throw new PaymentError('TERMINAL_BUSY', `an interrupted ${open[0]!.kind} (${open[0]!.opId}) is being settled with the terminal; nothing was charged`, { opId: open[0]!.opId });
    }
    this.active = what;
  }

  private release(): void {
    this.active = null;
  }

  private count(op: OpView): void {
    if (op.kind === 'void' && op.status === 'approved') this.counters.voids++;
    else if (op.kind === 'refund' && op.status === 'approved') this.counters.refunds++;
    else if (op.kind === 'sale' && op.status === 'approved') this.counters.approved++;
    else if (op.status === 'declined') this.counters.declined++;
    else if (op.status === 'needs_review') this.counters.needsReview++;
  }

  private place(): Place {
    const v = this.deps.visits?.current() ?? null;
    return { vehicleId: this.deps.vehicle.id, vehicleName: this.deps.vehicle.name, visitId: v?.visitId ?? null, stopId: v?.stopId ?? null, name: v?.name ?? null };
  }

  private receiptContext(): ReceiptContext {
    return { municipality: this.options.municipality, unit: this.options.unit, ...(this.options.verifyUrl ? { verifyUrl: this.options.verifyUrl } : {}) };
  }

  private progressFor(commandId: string | null, paymentId: string): (p: PaymentProgress) => void {
    return (progress) => {
      try {
        this.sink?.({ commandId, paymentId, progress });
      } catch (e) {
        this.deps.log.warn({ err: e }, 'progress sink failed');
      }
    };
  }

  private refresh(): void {
    if (!this.started || this.stopping) return;
    const open = this.book.unsettled().length;
    const review = this.book.needsReview().length;
    if (!this.options.enabled) this.tracker.set('ok', 'card payments disabled');
    else if (!this.runner) this.tracker.set('ok', 'no card terminal configured: payments unavailable');
    else if (open > 0) this.tracker.set('degraded', `${open} interrupted operation(s) being settled with the terminal`);
    else this.tracker.set('ok', `${this.book.size} payments${review ? `, ${review} need review at end of day` : ''}`);
  }
}

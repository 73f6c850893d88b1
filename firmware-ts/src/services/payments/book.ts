// The payments as the journal tells them: an in-memory index rebuilt from the `money`
// records at start and advanced with each record once it is committed, never before.
// It answers what a command must check before touching the terminal (is the payment
// approved, already voided, how much is left to refund, is an operation unsettled)
// and what end of day reconciles (the current terminal batch). Pure: no I/O.
import { parseRecordType, type AdjustStarted, type BatchTotals, type CardData, type DebtLine, type EndOfDayRecord, type OpKind, type OpStatus, type OutcomeRecord, type Payer, type Place, type SaleStarted } from './records.js';

export interface OpView {
  opId: string;
  kind: OpKind;
  paymentId: string;
  commandId: string | null;
  actor: string | null;
  requestHash: string;
  amountKurus: number;
  status: OpStatus;
  startedAt: number;
  settledAt: number | null;
  settledBy: OutcomeRecord['settledBy'] | null;
  /** End-of-day batch the operation was booked in (0 = before the first end of day seen). */
  batch: number | null;
  /** The batch open when it started: where the terminal booked it, whenever it was settled. */
  startBatch: number;
  /** This operation's own transaction as the terminal reported it (never another one's). */
  card: CardData | null;
  /** needs_review: the terminal's last transaction, which is some other one (for the review). */
  lastOnTerminal: CardData | null;
  resultCode: number | null;
  message: string | null;
  /** Void and refund: why, and the supervisor who authorised it. */
  reason: string | null;
  by: string | null;
  /** A `needs_review` settled by a supervisor: the review command, who, why, and its request fingerprint. */
  review: { commandId: string | null; by: string; reason: string; requestHash: string } | null;
}

export interface PaymentView {
  paymentId: string;
  collector: string;
  startedAt: number;
  amountKurus: number;
  lines: DebtLine[];
  payer: Payer;
  place: Place;
  sale: OpView;
  receipt: { series: string; number: number } | null;
  voids: OpView[];
  refunds: OpView[];
}

export interface RecordLike {
  type: string;
  payload: unknown;
  commandId: string | null;
  actor: string | null;
}

export class PaymentBook {
  private readonly payments = new Map<string, PaymentView>();
  private readonly ops = new Map<string, OpView>();
  private readonly byCommand = new Map<string, OpView>();
  private readonly byReviewCommand = new Map<string, OpView>();
  /** Terminal trace numbers of every transaction the journal knows: settlement tells ours from the terminal's older ones. */
  readonly knownTraces = new Set<number>();
  private batchNo = 0;
  lastEndOfDay: EndOfDayRecord | null = null;

  /** Applies one committed record; records of other types are ignored. */
  apply(r: RecordLike): void {
    const t = parseRecordType(r.type);
    if (!t) return;
    if (t.kind === 'end_of_day') {
      const e = r.payload as EndOfDayRecord;
      this.lastEndOfDay = e;
      if (e.batchClosed) this.batchNo++;
      return;
    }
    if (!('status' in t)) return; // a reprint
    if (t.status === 'started') this.start(t.kind, r);
    else this.settle(r.payload as OutcomeRecord, r.commandId);
  }

  private start(kind: OpKind, r: RecordLike): void {
    const base = { kind, commandId: r.commandId, actor: r.actor, status: 'started' as const, settledAt: null, settledBy: null, batch: null, startBatch: this.batchNo, card: null, lastOnTerminal: null, resultCode: null, message: null, review: null };
    if (kind === 'sale') {
      const s = r.payload as SaleStarted;
      const op: OpView = { ...base, opId: s.paymentId, paymentId: s.paymentId, requestHash: s.requestHash, amountKurus: s.amountKurus, startedAt: s.at, reason: null, by: null };
      this.index(op);
      // Retention may have cleared the payer's personal data from an acknowledged record (KVKK, sync/retention.ts).
      const payer: Payer = { ref: s.payer?.ref ?? '', name: s.payer?.name ?? '(silindi)', id: s.payer?.id ?? null };
      this.payments.set(s.paymentId, { paymentId: s.paymentId, collector: s.collector, startedAt: s.at, amountKurus: s.amountKurus, lines: s.lines ?? [], payer, place: s.place, sale: op, receipt: null, voids: [], refunds: [] });
      return;
    }
    const a = r.payload as AdjustStarted;
    const p = this.payments.get(a.paymentId);
    const op: OpView = { ...base, opId: a.opId, paymentId: a.paymentId, requestHash: a.requestHash, amountKurus: a.amountKurus, startedAt: a.at, reason: a.reason, by: a.by };
    this.index(op);
    if (p) (kind === 'void' ? p.voids : p.refunds).push(op);
  }

  private index(op: OpView): void {
    this.ops.set(op.opId, op);
    if (op.commandId) this.byCommand.set(op.commandId, op);
  }

  private settle(o: OutcomeRecord, commandId: string | null): void {
    const op = this.ops.get(o.opId);
    if (!op) return; // its start is older than the lookback window
    // Only an open operation or one needing review takes an outcome: the service never
    // writes another, and a replayed journal must not let a stray record undo a settled one.
    if (op.status !== 'started' && !(op.status === 'needs_review' && o.settledBy === 'review')) return;
    op.status = o.outcome;
    op.settledAt = o.at;
    op.settledBy = o.settledBy;
    op.card = o.card;
    op.lastOnTerminal = o.lastOnTerminal ?? null;
    op.resultCode = o.resultCode;
    op.message = o.message;
    // The terminal booked it when it ran: a review after an end of day belongs to the batch it started in.
    if (o.outcome === 'approved') op.batch = o.settledBy === 'review' ? op.startBatch : this.batchNo;
    if (o.settledBy === 'review' && o.review) {
      op.review = { commandId, by: o.review.by, reason: o.review.reason, requestHash: o.review.requestHash };
      if (commandId) this.byReviewCommand.set(commandId, op);
    }
    if (o.card?.trace != null) this.knownTraces.add(o.card.trace);
    if (o.receipt) {
      const p = this.payments.get(o.paymentId);
      if (p) p.receipt = o.receipt;
    }
  }

  payment(id: string): PaymentView | undefined {
    return this.payments.get(id);
  }

  /** A payment by id or by its makbuz, "MT-142" / "MT-000142". */
  find(ref: string): PaymentView | undefined {
    const direct = this.payments.get(ref);
    if (direct) return direct;
    const m = /^([A-Z0-9]{1,8})[-/ ]0*(\d{1,9})$/.exec(ref.trim().toUpperCase());
    if (!m) return undefined;
    for (const p of this.payments.values()) if (p.receipt?.series === m[1] && p.receipt?.number === Number(m[2])) return p;
    return undefined;
  }

  op(id: string): OpView | undefined {
    return this.ops.get(id);
  }

  opByCommand(commandId: string): OpView | undefined {
    return this.byCommand.get(commandId);
  }

  /** The operation a review command settled, for answering its retry after a restart. */
  opByReviewCommand(commandId: string): OpView | undefined {
    return this.byReviewCommand.get(commandId);
  }

  /** Operations started and not settled: while one exists the terminal takes no new operation. */
  unsettled(): OpView[] {
    return [...this.ops.values()].filter((o) => o.status === 'started');
  }

  needsReview(): OpView[] {
    return [...this.ops.values()].filter((o) => o.status === 'needs_review');
  }

  /** A void or refund of this payment whose outcome a supervisor still has to review. */
  openAdjustmentReview(p: PaymentView): OpView | undefined {
    return [...p.voids, ...p.refunds].find((o) => o.status === 'needs_review');
  }

  /** The operation of the terminal batch `batch` that carries terminal receipt number `receiptNo`. */
  byTerminalReceipt(batch: number, receiptNo: number): OpView | undefined {
    for (const o of this.ops.values()) if (o.status === 'approved' && o.batch === batch && o.card?.receiptNo === receiptNo) return o;
    return undefined;
  }

  isVoided(p: PaymentView): boolean {
    return p.voids.some((v) => v.status === 'approved');
  }

  refundedKurus(p: PaymentView): number {
    return p.refunds.filter((r) => r.status === 'approved').reduce((s, r) => s + r.amountKurus, 0);
  }

  get batch(): number {
    return this.batchNo;
  }

  /** Approved sales minus voids minus refunds of the terminal's open batch (since the last closed end of day). */
  batchTotals(): BatchTotals {
    const t: BatchTotals = { sales: { count: 0, kurus: 0 }, voids: { count: 0, kurus: 0 }, refunds: { count: 0, kurus: 0 }, netKurus: 0 };
    for (const o of this.ops.values()) {
      if (o.status !== 'approved' || o.batch !== this.batchNo) continue;
      const slot = o.kind === 'sale' ? t.sales : o.kind === 'void' ? t.voids : t.refunds;
      slot.count++;
      slot.kurus += o.amountKurus;
    }
    t.netKurus = t.sales.kurus - t.voids.kurus - t.refunds.kurus;
    return t;
  }

  /** Payments started in [from, to) (ms), oldest first. */
  between(from: number, to: number): PaymentView[] {
    return [...this.payments.values()].filter((p) => p.startedAt >= from && p.startedAt < to).sort((a, b) => a.startedAt - b.startedAt);
  }

  get size(): number {
    return this.payments.size;
  }
}

// One money operation on the terminal, exactly once (DESIGN.md non-negotiable 2):
//   1. `begin`: the `started` record is committed (fsync) before the terminal hears of it;
//   2. `run`: the terminal is asked once, outside any transaction (a sale takes seconds);
//   3. its answer, or when the answer was lost the settlement with the terminal's last
//      transaction (settle.ts), is committed as the outcome, and only then applied.
// If the outcome cannot be committed the operation stays unsettled, in memory as on
// disk, and the next attempt settles it with the terminal again, never re-sends it.
import type { Logger } from 'pino';
import { TerminalError, type OperationOptions, type PaymentResult, type PaymentTerminal, type TerminalProgress } from '../../drivers/terminal/payment-terminal.js';
import type { Store } from '../../store/store.js';
import type { OpView, PaymentBook } from './book.js';
import type { PaymentProgress } from './ports.js';
import { progressText } from './progress-texts.js';
import { RECORD, type OpKind, type OutcomeRecord } from './records.js';
import { cardData, settleWithTerminal, type Decision } from './settle.js';

export interface OpRunnerDeps {
  store: Store;
  terminal: PaymentTerminal;
  book: PaymentBook;
  log: Logger;
  now: () => number;
  series: string;
  settleTimeoutMs: number;
  settleRetryMs: number;
  stopped: () => boolean;
}

export type Progress = (p: PaymentProgress) => void;

/** The terminal answers BUSY while its own status poll or registration runs (milliseconds): wait that out. */
const BUSY_WAIT_MS = 3000;

export class OpRunner {
  constructor(private readonly d: OpRunnerDeps) {}

  /** Journals `<kind>.started` and applies it once durable. */
  async begin(kind: OpKind, payload: object, meta: { commandId: string; actor: string }): Promise<OpView> {
    const type = RECORD.started(kind);
    const rec = await this.d.store.transact((tx) => tx.journal.append({ type, class: 'money', payload, commandId: meta.commandId, actor: meta.actor }));
    this.d.book.apply(rec);
    const id = (payload as { opId?: string; paymentId: string }).opId ?? (payload as { paymentId: string }).paymentId;
    return this.d.book.op(id)!;
  }

  /** Asks the terminal once and settles the outcome; resolves with the settled operation (or unsettled when stopping). */
  async run(op: OpView, call: (o: OperationOptions) => Promise<PaymentResult>, progress: Progress): Promise<OpView> {
    const onProgress = (p: TerminalProgress) => progress({ stage: 'terminal', code: p.code, text: progressText(p.code, p.text), at: p.at });
    let r: PaymentResult;
    try {
      r = await this.callPastBusy(() => call({ onProgress }));
    } catch (e) {
      // The port throws only before a byte of the request left (payment-terminal.ts): nothing was charged.
      if (!(e instanceof TerminalError)) throw e;
      this.d.log.warn({ op: op.kind, opId: op.opId, code: e.code }, 'terminal refused before the request was sent');
      return this.record(op, { outcome: 'declined', resultCode: null, message: `not sent to the terminal (${e.code}: ${e.message}): no money moved`, card: null }, 'terminal');
    }
    if (r.outcome === 'approved') {
      if (r.tx.amountKurus !== null && r.tx.amountKurus !== op.amountKurus) {
        return this.record(op, { outcome: 'needs_review', message: `the terminal approved ${r.tx.amountKurus} kuruş, not ${op.amountKurus}`, card: cardData(r.tx) }, 'terminal');
      }
      return this.record(op, { outcome: 'approved', card: cardData(r.tx) }, 'terminal');
    }
    if (r.outcome === 'declined') return this.record(op, { outcome: 'declined', resultCode: r.resultCode, message: r.message, card: r.tx && cardData(r.tx) }, 'terminal');
    this.d.log.error({ op: op.kind, opId: op.opId, phase: r.phase, statusAcknowledged: r.known.statusAcknowledged }, 'UNKNOWN_OUTCOME: settling with the terminal, never re-sending');
    return (await this.settle(op, r.known.statusInfo, progress)) ?? op;
  }

  /** Settles an unsettled operation by asking the terminal; null when the service stops first. */
  async settle(op: OpView, seen: Parameters<typeof settleWithTerminal>[2], progress: Progress = () => undefined): Promise<OpView | null> {
    const pay = this.d.book.payment(op.paymentId);
    const originalTrace = op.kind === 'void' ? (pay?.sale.card?.trace ?? null) : null;
    const decision = await settleWithTerminal(this.d.terminal, { kind: op.kind, amountKurus: op.amountKurus, originalTrace }, seen, this.d.book.knownTraces, {
      deadline: this.d.now() + this.d.settleTimeoutMs,
      retryMs: this.d.settleRetryMs,
      now: this.d.now,
      stopped: this.d.stopped,
      onAttempt: (n) => progress({ stage: 'settling', code: null, text: n === 1 ? 'Terminal bağlantısı kesildi; işlemin sonucu terminalden soruluyor' : `Terminale ulaşılamadı, yeniden soruluyor (${n})`, at: new Date(this.d.now()).toISOString() }),
    });
    if (decision === null) return null;
    this.d.log.info({ op: op.kind, opId: op.opId, outcome: decision.outcome }, 'operation settled with the terminal');
    return this.record(op, decision, 'recovery');
  }

  private async callPastBusy(f: () => Promise<PaymentResult>): Promise<PaymentResult> {
    const until = this.d.now() + BUSY_WAIT_MS;
    for (;;) {
      try {
        return await f();
      } catch (e) {
        if (!(e instanceof TerminalError && e.code === 'BUSY') || this.d.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Commits the outcome (and, for an approved sale, its makbuz number) and applies it. */
  private async record(op: OpView, d: Decision, settledBy: OutcomeRecord['settledBy']): Promise<OpView> {
    const at = this.d.now();
    const rec = await this.d.store.transact((tx) => {
      // The number advances in this transaction: committed with the approval or never issued (store/sequences.ts).
      const receipt = op.kind === 'sale' && d.outcome === 'approved' ? { series: this.d.series, number: tx.sequences.next(`makbuz:${this.d.series}`) } : null;
      const payload: OutcomeRecord = {
        opId: op.opId,
        paymentId: op.paymentId,
        kind: op.kind,
        outcome: d.outcome,
        settledBy,
        at,
        card: d.card,
        receipt,
        resultCode: d.outcome === 'declined' ? d.resultCode : null,
        message: d.outcome === 'approved' ? 'approved' : d.message,
        ...(d.outcome === 'needs_review' && d.lastOnTerminal ? { lastOnTerminal: d.lastOnTerminal } : {}),
      };
      return tx.journal.append({ type: RECORD.outcome(op.kind, d.outcome), class: 'money', payload, ...(op.commandId ? { commandId: op.commandId } : {}), ...(op.actor ? { actor: op.actor } : {}) });
    });
    this.d.book.apply(rec);
    return this.d.book.op(op.opId)!;
  }
}

// Holds the live queue model for the command layer and the screens. Handlers run inside the
// store transaction, which may still fail after they return (a failed COMMIT, a full disk),
// so they never touch the live model: `dryRun` runs the operation on a copy and returns its
// events, which are journaled in the same transaction; `commit` applies them to the live
// model only from afterCommit, once they are durable. The model therefore never gets ahead
// of the journal, and at start `start()` rebuilds it from the journal (the day's events).
//
// Dry runs must see every operation journaled before them, durable or not: a batch's
// units run one after another before any afterCommit, and the next batch runs while the
// previous one's WAL sync is still in flight (store/group-commit.ts), so two call-nexts
// would both get A001 on the live model alone. Dry runs therefore chain on `head`: the
// live model plus every operation journaled and not yet committed or undone. When a
// unit's writes are undone (Tx.onAbort), `head` is rebuilt from the journal, which then
// holds exactly what survives; when nothing is in flight it falls back to the live model.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { compile } from '../../schema/validator.js';
import type { QueueEvent } from './events.js';
import { parseResetAt, serviceDay } from './numbering.js';
import { QueueOptionsSchema, toQueueConfig } from './options.js';
import type { QueueJournal } from './ports.js';
import { QueueModel, type OpResult, type QueueConfig } from './queue-model.js';
import type { QueueSnapshot } from './snapshot.js';
import type { QueueView, TicketStatus } from './view.js';

/** The van's services and counters when the config has no `queue` section (the schema's defaults). */
export const DEFAULT_QUEUE_CONFIG: QueueConfig = (() => {
  const r = compile(QueueOptionsSchema, { defaults: true }).check({});
  if (!r.ok) throw new Error('queue option defaults do not validate');
  return toQueueConfig(r.value);
})();

export type CommittedListener = (events: readonly QueueEvent[], snapshot: QueueSnapshot) => void;

export interface QueueServiceDeps {
  /** Where the day's events come from at start; without it the day starts empty. */
  journal?: QueueJournal;
  now?: () => number;
  log?: Logger;
}

export class QueueService implements Part, QueueView {
  readonly name = 'queue';
  private live: QueueModel;
  /** Live plus the operations in flight; null: the same as live. */
  private head: QueueModel | null = null;
  /** Operations journaled whose commit or abort has not been seen yet. */
  private inFlight = 0;
  /** An in-flight operation was undone: rebuild `head` from the journal before the next dry run. */
  private headStale = false;
  private readonly listeners = new Set<CommittedListener>();
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly resetAtMin: number;
  private readonly now: () => number;
  private restored = 0;
  private day = '';
  private dayTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly config: QueueConfig = DEFAULT_QUEUE_CONFIG,
    private readonly deps: QueueServiceDeps = {},
  ) {
    this.live = new QueueModel(config);
    this.resetAtMin = parseResetAt(config.resetAt ?? '00:00');
    this.now = deps.now ?? Date.now;
  }

  /**
   * Rebuilds today's queue from the journal, so a restart (or a crash) continues the
   * numbering and keeps every waiting citizen's place. Only the current service day is
   * replayed: tickets of earlier days are closed history (their events stay in the
   * journal for statistics and HQ), and counters start the day closed.
   */
  async start(): Promise<void> {
    this.restore('start');
    // At the reset point the day turns over: the live model starts the new day exactly as a
    // restart would (yesterday's leftovers are closed history, counters start closed), so the
    // running gateway and a restarted one never disagree.
    this.dayTimer ??= setInterval(() => {
      if (serviceDay(this.now(), this.resetAtMin) !== this.day) this.restore('new service day');
    }, 60_000);
    this.dayTimer.unref();
    return Promise.resolve();
  }

  /** Rebuilds the live model from the journal's events of the current service day. */
  private restore(why: string): void {
    const { model, today, events } = this.replayToday();
    this.live = model;
    // Anything in flight is already in the journal just read; later dry runs start from it.
    this.head = null;
    this.headStale = this.inFlight > 0;
    this.day = today;
    this.restored = events;
    const snap = this.live.snapshot();
    const waiting = snap.services.reduce((n, s) => n + s.waiting, 0);
    this.tracker.set('ok', `day ${today}: ${events} events replayed, ${waiting} waiting`);
    this.deps.log?.info({ day: today, events, waiting, why }, 'queue restored from the journal');
    this.notify([]);
  }

  /** The model of the current service day as the journal has it now. */
  private replayToday(): { model: QueueModel; today: string; events: number } {
    const today = serviceDay(this.now(), this.resetAtMin);
    const events: QueueEvent[] = [];
    if (this.deps.journal) {
      // A day is at most 24 h; a day back covers any reset point and a clock a little off.
      const takenToday = new Set<string>();
      for (const e of this.deps.journal.eventsSince(this.now() - 2 * 86_400_000)) {
        if (serviceDay(e.at, this.resetAtMin) !== today) continue;
        // A ticket of an earlier day still waiting at the reset can be called, served,
        // cancelled or transferred after it. Those events are about closed history (its
        // `taken` is not replayed), and applying them would throw and keep the gateway from
        // starting until the day ends; a transfer's new ticket is today's and is kept.
        if (e.type === 'queue.ticket.taken') takenToday.add(e.ticket);
        else if ('ticket' in e && !takenToday.has(e.ticket)) continue;
        events.push(e);
      }
    }
    return { model: QueueModel.replay(this.config, events), today, events: events.length };
  }

  stop(): Promise<void> {
    if (this.dayTimer) clearInterval(this.dayTimer);
    this.dayTimer = null;
    this.tracker.set('absent', 'stopped');
    return Promise.resolve();
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { restoredEvents: this.restored, listeners: this.listeners.size };
    return h;
  }

  /**
   * Runs `op` on a copy of the model, including every operation journaled before it that is
   * not yet committed, then `journal`s its events. A throw from either leaves everything
   * unchanged; the caller hands the events to `commit` after the transaction committed and
   * registers `aborted` with the transaction (Tx.onAbort) for when it does not.
   */
  dryRun<R extends OpResult>(op: (m: QueueModel) => R, journal: (events: readonly QueueEvent[]) => void, onAbort?: (fn: () => void) => void): R {
    const m = this.base().clone();
    const r = op(m);
    journal(r.events);
    if (r.events.length > 0) {
      this.head = m;
      this.inFlight++;
      onAbort?.(() => this.aborted());
    }
    return r;
  }

  private base(): QueueModel {
    if (this.headStale) {
      this.headStale = false;
      // Replays today's journal as this transaction sees it: committed batches (durable or
      // not) and this batch's earlier units, without the ones rolled back.
      this.head = this.inFlight > 0 ? this.replayToday().model : null;
    }
    return this.head ?? this.live;
  }

  private aborted(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.headStale = true;
    if (this.inFlight === 0) {
      this.head = null;
      this.headStale = false;
    }
  }

  /** Applies committed events to the live model (from afterCommit only) and tells the listeners. */
  commit(events: readonly QueueEvent[]): void {
    if (events.length === 0) return;
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0 && !this.headStale) this.head = null;
    try {
      this.live.apply(events);
    } catch (e) {
      // Events a dry run made on the model before a day turnover may not fit the new day's
      // model. They are durable in the journal, which is the truth: rebuild from it.
      this.deps.log?.warn({ err: e }, 'committed queue events did not apply to the live model; rebuilding it from the journal');
      this.restore('events did not apply');
      return;
    }
    this.notify(events);
  }

  /** Listeners see every committed change (and one empty change at start); returns an unsubscribe. */
  onCommitted(listener: CommittedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onChange(listener: (s: QueueSnapshot) => void): () => void {
    return this.onCommitted((_e, s) => listener(s));
  }

  snapshot(): QueueSnapshot {
    return this.live.snapshot();
  }

  ticket(ref: string): TicketStatus | null {
    return this.live.status(ref);
  }

  priorityLabel(cls: string | null): string | null {
    return this.live.priorityLabel(cls);
  }

  /** The service day `at` belongs to (the configured reset point applied). */
  dayOf(at: number): string {
    return serviceDay(at, this.resetAtMin);
  }

  get resetAtMinutes(): number {
    return this.resetAtMin;
  }

  private notify(events: readonly QueueEvent[]): void {
    const snap = this.live.snapshot();
    for (const l of this.listeners) {
      try {
        l(events, snap);
      } catch (e) {
        // One failing screen or device must not stop the others from hearing of the change.
        this.deps.log?.error({ err: e }, 'queue listener failed');
      }
    }
  }
}

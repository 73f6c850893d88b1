// Holds the live queue model for the command layer. Handlers run inside the store
// transaction, which may still fail after they return (a failed COMMIT, a full disk),
// so they never touch the live model: `dryRun` runs the operation on a copy and returns
// its events, which are journaled in the same transaction; `commit` applies them to the
// live model only from afterCommit, once they are durable. The model therefore never
// gets ahead of the journal.
//
// Units of one group-commit batch run synchronously one after another and their
// afterCommits only run later, so a second command in the same batch must see the first
// one's (not yet committed) effects, or two takes would both get A001: dry runs chain on
// a per-batch draft, dropped in a microtask once the batch's synchronous run is over
// (before any afterCommit, which awaits the batch's promise, and before the next batch).
import { QueueModel, type OpResult, type QueueConfig } from './queue-model.js';
import type { QueueEvent } from './events.js';
import type { QueueSnapshot } from './snapshot.js';

/** The van's services and counters until the queue gets its own config section. */
export const DEFAULT_QUEUE_CONFIG: QueueConfig = {
  services: [
    { letter: 'A', name: 'Bilgi Edinme' },
    { letter: 'B', name: 'Çözüm Merkezi / 153' },
    { letter: 'C', name: 'İstihdam' },
    { letter: 'D', name: 'Tahsilat' },
  ],
  counters: [1, 2, 3, 4].map((n) => ({ number: n, name: `Gişe ${n}`, services: ['A', 'B', 'C', 'D'] })),
};

export class QueueService {
  private readonly live: QueueModel;
  private draft: QueueModel | null = null;

  constructor(cfg: QueueConfig = DEFAULT_QUEUE_CONFIG) {
    this.live = new QueueModel(cfg);
  }

  /**
   * Runs `op` on a copy of the model (including earlier uncommitted operations of the same
   * batch), then `journal`s its events. A throw from either leaves everything unchanged;
   * the caller hands the events to `commit` after the transaction committed.
   */
  dryRun<R extends OpResult>(op: (m: QueueModel) => R, journal: (events: readonly QueueEvent[]) => void): R {
    const m = (this.draft ?? this.live).clone();
    const r = op(m);
    journal(r.events);
    if (r.events.length > 0) {
      if (this.draft === null) queueMicrotask(() => (this.draft = null));
      this.draft = m;
    }
    return r;
  }

  /** Applies committed events to the live model (from afterCommit only). */
  commit(events: readonly QueueEvent[]): void {
    this.live.apply(events);
  }

  snapshot(): QueueSnapshot {
    return this.live.snapshot();
  }
}

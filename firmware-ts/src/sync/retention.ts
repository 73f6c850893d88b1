// Runs the outbox retention (store/outbox-retention.ts) every few minutes: records HQ
// acknowledged long enough ago are deleted, and personal data is cleared (KVKK) earlier.
// Work goes in small transactions through the group commit, so the tablets' commands
// are never held up behind one big delete.
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { RetentionOptions } from './options.js';

const CHUNK = 2000;
const DAY_MS = 86_400_000;

export class RetentionRunner {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  readonly totals = { compacted: 0, purged: 0, runs: 0 };

  constructor(
    private readonly store: Store,
    private readonly o: RetentionOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.o.everyMinutes * 60_000);
    this.timer.unref();
    void this.run();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass: compaction, then the purge, each in chunks until nothing is left. */
  async run(now = new Date()): Promise<{ compacted: number; purged: number }> {
    if (this.running) return { compacted: 0, purged: 0 };
    this.running = true;
    let compacted = 0;
    let purged = 0;
    try {
      const retention = this.store.outbox.retention;
      for (let n = CHUNK; n === CHUNK; compacted += n) n = await this.store.transact(() => retention.compact(now, this.o.acknowledgedDays * DAY_MS, CHUNK));
      for (let n = CHUNK; n === CHUNK; purged += n) n = await this.store.transact(() => retention.purge(now, this.o.personalDataDays * DAY_MS, this.o.personalData, CHUNK));
      this.totals.compacted += compacted;
      this.totals.purged += purged;
      this.totals.runs++;
      if (compacted || purged) this.log.info({ compacted, purged }, 'retention: acknowledged records compacted, personal data purged');
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'retention run failed; next run retries');
    } finally {
      this.running = false;
    }
    return { compacted, purged };
  }
}

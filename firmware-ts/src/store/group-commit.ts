// Group commit: work submitted in the same turn of the event loop shares one
// transaction and therefore one fsync. Each unit runs in its own SAVEPOINT, so a
// unit that throws is rolled back alone and the others still commit. Callers are
// resolved only after COMMIT returned, i.e. after the WAL was fsynced.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { classifyStoreError } from './errors.js';

interface Pending<T> {
  work: () => T;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitStats {
  commits: number;
  units: number;
  largestBatch: number;
  failedCommits: number;
  lastCommitMs: number;
}

export class GroupCommitter {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;
  readonly stats: GroupCommitStats = { commits: 0, units: 0, largestBatch: 0, failedCommits: 0, lastCommitMs: 0 };

  constructor(
    private readonly db: Db,
    private readonly maxBatch: number,
    private readonly onCommitError: (e: unknown) => void = () => {},
    private readonly onCommit: (okUnits: number) => void = () => {},
  ) {
    // IMMEDIATE takes the write lock up front, so a busy reader cannot fail the commit.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT unit');
    this.release = db.prepare('RELEASE unit');
    this.rollbackTo = db.prepare('ROLLBACK TO unit');
  }

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Pending<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: lets all sockets' data in this poll phase join the batch.
        setImmediate(() => this.flushOne());
      }
    });
  }

  get pendingCount(): number {
    return this.queue.length;
  }

  /**
   * Runs one batch, then yields to the event loop before the next, so a burst of
   * thousands of commands (tablets reconnecting and retrying) cannot stall every
   * other client for the whole burst.
   */
  private flushOne(): void {
    this.scheduled = false;
    this.runBatch(this.queue.splice(0, this.maxBatch));
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushOne());
    }
  }

  /** Runs everything queued now, synchronously (used by stop()). */
  flush(): void {
    while (this.queue.length > 0) this.runBatch(this.queue.splice(0, this.maxBatch));
  }

  private runBatch(batch: Pending<unknown>[]): void {
    const t0 = performance.now();
    try {
      this.begin.run();
    } catch (e) {
      this.failAll(batch, e);
      return;
    }
    const outcomes: Outcome[] = [];
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      this.savepoint.run();
      try {
        const value = p.work();
        this.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        const err = classifyStoreError(error) ?? error;
        if (!this.db.inTransaction) {
          // SQLite rolls back the whole transaction on SQLITE_FULL, IOERR and the like
          // (sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction").
          // This unit failed; the others lost nothing durable and run again in a new batch.
          this.stats.failedCommits++;
          this.onCommitError(err);
          p.reject(err);
          this.queue.unshift(...batch.slice(0, i), ...batch.slice(i + 1));
          return;
        }
        this.rollbackTo.run();
        this.release.run();
        outcomes.push({ ok: false, error: err });
      }
    }
    try {
      this.commit.run();
    } catch (e) {
      if (this.db.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          /* already rolled back by SQLite */
        }
      }
      this.failAll(batch, e);
      return;
    }
    this.stats.commits++;
    this.stats.units += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    this.stats.lastCommitMs = performance.now() - t0;
    this.onCommit(outcomes.filter((o) => o.ok).length);
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }

  private failAll(batch: Pending<unknown>[], e: unknown): void {
    this.stats.failedCommits++;
    const err = classifyStoreError(e) ?? e;
    this.onCommitError(err);
    for (const p of batch) p.reject(err);
  }
}

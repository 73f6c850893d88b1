// Group commit: work submitted in the same turn of the event loop shares one
// transaction. Each unit runs in its own SAVEPOINT, so a unit that throws is rolled
// back alone and the others still commit.
//
// Durability (docs/store-durability.md): the journal runs with synchronous=NORMAL,
// so COMMIT writes the WAL frames without an fsync and the event loop is not held
// up by the disk. Each committed batch then waits for an fdatasync of the WAL on the
// libuv threadpool (wal-sync.ts) that started after its COMMIT, and only when that
// sync has completed are its callers answered: "ok" still means "on disk". Syncs are
// pipelined: while one runs, the next batches run and commit, and the next sync
// covers all of them. A failed sync rejects everyone waiting and stops all writes.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { classifyStoreError, syncFailure, type StoreError } from './errors.js';
import { WalSync, type DurableSync } from './wal-sync.js';

interface Pending<T> {
  work: () => T;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
  /**
   * Called when what `work` wrote is undone after all: its savepoint rolled back, or the
   * whole transaction (SQLite's own rollback, a failed COMMIT). A unit that keeps an
   * in-memory view ahead of the journal (the queue's model) forgets it here.
   */
  onAbort?: () => void;
}

/**
 * When a deferred unit (submitDeferred) joins a batch. Writes that need no prompt
 * durability (HQ acknowledgements, track points) wait, so that several of them land in
 * one transaction and share its pages (the same rightmost b-tree leaves, the same
 * cursor row), instead of each costing a transaction of 2-8 WAL pages of 4 KiB.
 */
export interface DeferOptions {
  /** From this age on the unit rides the next batch that runs anyway. */
  rideAfterMs: number;
  /** At this age it gets a batch of its own if none ran. */
  maxDelayMs: number;
}

interface DeferredUnit {
  unit: Pending<unknown>;
  rideAt: number;
  dueAt: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Waits for a sync: a committed batch, or a whenDurable() caller. */
interface Waiter {
  done(): void;
  fail(e: unknown): void;
}

export interface GroupCommitStats {
  commits: number;
  units: number;
  largestBatch: number;
  failedCommits: number;
  lastCommitMs: number;
  /** fdatasyncs of the WAL that completed, and how many batches the largest one covered. */
  syncs: number;
  largestSync: number;
  failedSyncs: number;
  lastSyncMs: number;
}

/** An in-memory database (tests) has no WAL file to sync. */
const noSync: DurableSync = { sync: () => Promise.resolve(), syncNow: () => {}, release: () => {} };

export class GroupCommitter {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  /** Committed batches for which no sync has started since their COMMIT. */
  private unsynced: Waiter[] = [];
  /** The batches the running sync covers, or null when no sync runs. */
  private syncing: Waiter[] | null = null;
  /**
   * Set by a failed sync, for good. After a failed fdatasync the kernel may have
   * dropped the dirty WAL pages and cleared the error, so a later sync could succeed
   * while earlier frames are gone, and WAL recovery stops at the first missing frame:
   * later commits would be lost even though acknowledged. Only reopening the journal
   * (recovery reads what is really on disk) makes writes trustworthy again.
   */
  private failure: StoreError | null = null;
  private flushing = false;
  private deferred: DeferredUnit[] = [];
  private deferTimer: NodeJS.Timeout | null = null;
  private deferTimerAt = Infinity;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;
  private readonly changes: Statement;
  readonly stats: GroupCommitStats = {
    commits: 0,
    units: 0,
    largestBatch: 0,
    failedCommits: 0,
    lastCommitMs: 0,
    syncs: 0,
    largestSync: 0,
    failedSyncs: 0,
    lastSyncMs: 0,
  };

  constructor(
    private readonly db: Db,
    private readonly maxBatch: number,
    private readonly onCommitError: (e: unknown) => void = () => {},
    /** After a batch's sync: how many of its units succeeded having written a row (a replay writes none). */
    private readonly onCommit: (writingUnits: number) => void = () => {},
    private readonly durable: DurableSync = db.memory ? noSync : new WalSync(db.name),
  ) {
    // IMMEDIATE takes the write lock up front, so a busy reader cannot fail the commit.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT unit');
    this.release = db.prepare('RELEASE unit');
    this.rollbackTo = db.prepare('ROLLBACK TO unit');
    this.changes = db.prepare('SELECT total_changes()').pluck();
  }

  /** Runs `work` in the next batch; settles after its commit is on disk (or failed). */
  submit<T>(work: () => T, onAbort?: () => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject, onAbort } as Pending<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: lets all sockets' data in this poll phase join the batch.
        setImmediate(() => this.flushOne());
      }
    });
  }

  /**
   * Runs `work` later, in a batch with other work (see DeferOptions); settles, like
   * submit(), after that batch's commit is on disk. Only for writes whose loss in a
   * crash before that commit is harmless: nobody has been told they are stored.
   */
  submitDeferred<T>(work: () => T, when: DeferOptions, onAbort?: () => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const now = performance.now();
      const d: DeferredUnit = { unit: { work, resolve, reject, onAbort } as Pending<unknown>, rideAt: now + when.rideAfterMs, dueAt: now + when.maxDelayMs };
      this.deferred.push(d);
      if (d.dueAt < this.deferTimerAt) {
        if (this.deferTimer) clearTimeout(this.deferTimer);
        this.deferTimerAt = d.dueAt;
        this.deferTimer = setTimeout(() => {
          this.deferTimer = null;
          this.deferTimerAt = Infinity;
          this.takeDeferred(true);
          if (this.queue.length > 0 && !this.scheduled) {
            this.scheduled = true;
            setImmediate(() => this.flushOne());
          }
        }, Math.max(0, when.maxDelayMs));
      }
    });
  }

  /**
   * Moves deferred units into `into` (the queue, or the running batch): all of them once
   * one may ride (they then share that batch's pages), or when `all`.
   */
  private takeDeferred(all: boolean, into: Pending<unknown>[] = this.queue): void {
    if (this.deferred.length === 0) return;
    const now = performance.now();
    if (!all && !this.deferred.some((d) => d.rideAt <= now || d.dueAt <= now)) return;
    into.push(...this.deferred.splice(0).map((d) => d.unit));
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = null;
    this.deferTimerAt = Infinity;
  }

  /**
   * Resolves once everything committed so far is on disk. A reader that answers
   * from committed data (a replayed command) may see a commit whose sync is still
   * running; it waits here before it answers.
   */
  whenDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    // Joining the running sync is enough when nothing committed after it started.
    return new Promise<void>((resolve, reject) => this.afterEarlierSyncs({ done: resolve, fail: reject }));
  }

  get pendingCount(): number {
    return this.queue.length + this.deferred.length;
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

  /**
   * Runs everything queued now, synchronously, and makes every commit durable with
   * a blocking fdatasync before anyone is answered: stop() needs the store flushed
   * when it returns. It also closes the WAL fd (stop closes the database next); a
   * later submit would reopen it.
   */
  flush(): void {
    this.flushing = true;
    this.takeDeferred(true); // stop(): deferred writes are stored, not dropped
    try {
      while (this.queue.length > 0 && !this.failure) this.runBatch(this.queue.splice(0, this.maxBatch));
    } finally {
      this.flushing = false;
    }
    // The running sync started before some of these commits; this one starts after all.
    const waiting = [...(this.syncing?.splice(0) ?? []), ...this.unsynced.splice(0)];
    if (this.failure) {
      this.failWrites(this.failure, waiting);
    } else if (waiting.length > 0) {
      const t0 = performance.now();
      try {
        this.durable.syncNow();
        this.synced(waiting, t0);
      } catch (e) {
        this.failWrites(syncFailure(e), waiting);
      }
    }
    this.durable.release();
  }

  private runBatch(batch: Pending<unknown>[]): void {
    if (this.failure) {
      for (const p of batch) p.reject(this.failure);
      return;
    }
    const t0 = performance.now();
    try {
      this.begin.run();
    } catch (e) {
      this.failAll(batch, e);
      return;
    }
    const outcomes: Outcome[] = [];
    let writing = 0;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      this.savepoint.run();
      try {
        const before = this.totalChanges();
        const value = p.work();
        if (this.totalChanges() !== before) writing++;
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
          aborted(batch.slice(0, i + 1));
          p.reject(err);
          this.queue.unshift(...batch.slice(0, i), ...batch.slice(i + 1));
          return;
        }
        this.rollbackTo.run();
        this.release.run();
        aborted([p]);
        outcomes.push({ ok: false, error: err });
      }
      // Deferred units ride only a batch that writes anyway: an empty one (a durability
      // barrier) would become a transaction of their own pages and save nothing.
      if (i === batch.length - 1 && writing > 0) this.takeDeferred(false, batch);
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
      aborted(batch);
      this.failAll(batch, e);
      return;
    }
    this.stats.commits++;
    this.stats.units += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    this.stats.lastCommitMs = performance.now() - t0;
    const writingUnits = writing;
    // Failed units wait for the sync too: their errors may rest on what earlier,
    // not yet durable batches wrote (a ticket already taken, say).
    const waiter: Waiter = {
      done: () => {
        this.onCommit(writingUnits);
        batch.forEach((p, i) => {
          const o = outcomes[i]!;
          if (o.ok) p.resolve(o.value);
          else p.reject(o.error);
        });
      },
      fail: (e) =>
        batch.forEach((p, i) => {
          const o = outcomes[i]!;
          p.reject(o.ok ? e : o.error);
        }),
    };
    // A batch that wrote nothing (a replayed command, a refused one, the push's durability
    // barrier) has no WAL frames of its own: it only waits for what was committed before it,
    // and an fdatasync of its own would cost the SD card a block for nothing.
    if (writingUnits === 0) this.afterEarlierSyncs(waiter);
    else this.afterSync(waiter);
  }

  /** Rows inserted, updated or deleted on this connection so far (sqlite3_total_changes64). */
  private totalChanges(): number {
    return this.changes.get() as number;
  }

  /** Queues a committed batch for the next sync; starts it at once if none runs. */
  private afterSync(w: Waiter): void {
    this.unsynced.push(w);
    if (!this.syncing && !this.flushing) this.startSync();
  }

  /** Waits like whenDurable(): joins the next sync if a commit awaits one, else the running one. */
  private afterEarlierSyncs(w: Waiter): void {
    if (this.unsynced.length > 0) this.unsynced.push(w);
    else if (this.syncing) this.syncing.push(w);
    else w.done();
  }

  /** Starts a sync now, i.e. after the COMMIT of every batch it covers. */
  private startSync(): void {
    const covered = this.unsynced;
    this.unsynced = [];
    this.syncing = covered;
    const t0 = performance.now();
    let p: Promise<void>;
    try {
      p = this.durable.sync();
    } catch (e) {
      this.syncing = null;
      this.failWrites(syncFailure(e), covered);
      return;
    }
    p.then(
      () => {
        this.syncing = null; // `covered` may have been emptied by flush(), which synced them itself
        // Answer first: a next sync that failed to start must not taint what this one made durable.
        this.synced(covered, t0);
        if (this.unsynced.length > 0 && !this.failure) this.startSync();
      },
      (e: unknown) => {
        this.syncing = null;
        this.failWrites(syncFailure(e), covered);
      },
    );
  }

  private synced(covered: Waiter[], t0: number): void {
    this.stats.syncs++;
    this.stats.largestSync = Math.max(this.stats.largestSync, covered.length);
    this.stats.lastSyncMs = performance.now() - t0;
    if (this.failure) {
      // flush() found a failure first: whatever this sync covered cannot be trusted.
      for (const w of covered) w.fail(this.failure);
      return;
    }
    for (const w of covered) w.done();
  }

  /** A sync failed: refuse everything waiting, queued or submitted from now on. */
  private failWrites(err: StoreError, covered: Waiter[]): void {
    if (!this.failure) {
      this.failure = err;
      this.stats.failedSyncs++;
      this.onCommitError(err);
    }
    const waiting = [...covered, ...this.unsynced.splice(0)];
    this.takeDeferred(true);
    const queued = this.queue.splice(0);
    for (const w of waiting) w.fail(err);
    for (const p of queued) p.reject(err);
  }

  private failAll(batch: Pending<unknown>[], e: unknown): void {
    this.stats.failedCommits++;
    const err = classifyStoreError(e) ?? e;
    this.onCommitError(err);
    for (const p of batch) p.reject(err);
  }
}

/** Tells units that their writes were undone; one failing hook must not keep the others from hearing. */
function aborted(units: readonly Pending<unknown>[]): void {
  for (const p of units) {
    try {
      p.onAbort?.();
    } catch {
      /* an abort hook only drops an in-memory view; nothing to roll back here */
    }
  }
}

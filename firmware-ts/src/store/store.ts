// The store part: owns the SQLite connection, the journal, the outbox, the
// idempotency table and the group committer, and reports its health.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import { AttachmentDeliveries } from './attachment-deliveries.js';
import type { Clock } from '../platform/clock.js';
import { openDatabase, type Db } from './database.js';
import { classifyStoreError, StoreError } from './errors.js';
import { GroupCommitter, type DeferOptions } from './group-commit.js';
import { IdempotencyTable } from './idempotency.js';
import { Journal } from './journal.js';
import { Outbox } from './outbox.js';
import type { OutboxPolicy } from './outbox-pressure.js';
import { PrintJobsTable } from './print-jobs-table.js';
import { Sequences } from './sequences.js';
import { loadOrCreateKey } from './secret-key.js';
import { SmsOutboxTable } from './sms-outbox-table.js';

export interface StoreOptions {
  dataDir: string;
  file: string;
  vehicle: string;
  maxBatch: number;
  idempotencyDays: number;
  /** Outbox byte budgets (store/outbox-pressure.ts); none: unbounded. */
  outbox?: OutboxPolicy | null;
}

/** What a unit of work sees inside the shared transaction. */
export interface Tx {
  journal: Journal;
  idempotency: IdempotencyTable;
  printJobs: PrintJobsTable;
  sequences: Sequences;
  sms: SmsOutboxTable;
  /**
   * Registers `fn` to run if this unit's writes are undone after `work` returned or threw
   * (its savepoint or the whole transaction rolled back). For in-memory views that run
   * ahead of the commit; never for effects on the world, which belong after the commit.
   */
  onAbort(fn: () => void): void;
}

export class Store implements Part {
  readonly name = 'store';
  private db: Db | null = null;
  private parts: (Omit<Tx, 'onAbort'> & { outbox: Outbox; attachments: AttachmentDeliveries; committer: GroupCommitter }) | null = null;
  private readonly tracker = new HealthTracker();

  constructor(
    private readonly opts: StoreOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get path(): string {
    return join(this.opts.dataDir, this.opts.file);
  }

  private reopenTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;

  /** Forgets command ids past their retention; a retry older than that is a new command. */
  private pruneCommandIds(): number {
    try {
      return this.parts?.idempotency.prune(new Date(Date.now() - this.opts.idempotencyDays * 86_400_000)) ?? 0;
    } catch (e) {
      this.log.warn({ err: e }, 'pruning command ids failed');
      return 0;
    }
  }

  /**
   * A journal that cannot be opened (SD card gone read-only, disk full at start)
   * does not stop the gateway: everything else keeps serving, commands get
   * STORE_UNAVAILABLE, and the store retries in the background. Restarting the
   * process would not fix the disk (DESIGN.md: restarts follow local health).
   */
  async start(): Promise<void> {
    try {
      this.open();
    } catch (e) {
      const se = classifyStoreError(e);
      if (!se) throw e;
      this.tracker.set('failed', `cannot open the journal: ${se.code} (${se.sqliteCode ?? ''})`);
      this.log.error({ err: e, file: this.path }, 'journal cannot be opened; retrying every 10 s');
      this.reopenTimer = setInterval(() => this.retryOpen(), 10_000);
      this.reopenTimer.unref();
    }
    return Promise.resolve();
  }

  private retryOpen(): void {
    try {
      this.open();
      if (this.reopenTimer) clearInterval(this.reopenTimer);
      this.reopenTimer = null;
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'journal still cannot be opened');
    }
  }

  private open(): void {
    const db = openDatabase(this.path);
    this.db = db;
    const committer = new GroupCommitter(
      db,
      this.opts.maxBatch,
      (e) => this.onWriteFailure(e),
      (writingUnits) => {
        // A batch whose every unit failed or was a replay (no row written) proves nothing about free space.
        if (writingUnits > 0) this.onWriteSuccess();
      },
    );
    const outbox = new Outbox(db, this.opts.outbox ?? null);
    this.parts = {
      journal: new Journal(db, this.opts.vehicle, this.clock, outbox),
      outbox,
      idempotency: new IdempotencyTable(db, this.commandKey()),
      printJobs: new PrintJobsTable(db),
      sequences: new Sequences(db),
      sms: new SmsOutboxTable(db),
      attachments: new AttachmentDeliveries(db),
      committer,
    };
    const pruned = this.pruneCommandIds();
    this.pruneTimer ??= setInterval(() => this.pruneCommandIds(), 86_400_000);
    this.pruneTimer.unref();
    const { count, lastSeq } = this.parts.journal.stats();
    this.tracker.set('ok', `${count} records, last seq ${lastSeq}`);
    this.log.info({ file: this.path, records: count, lastSeq, prunedCommandIds: pruned }, 'journal open');
  }

  async stop(): Promise<void> {
    if (this.reopenTimer) clearInterval(this.reopenTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.reopenTimer = null;
    this.pruneTimer = null;
    if (!this.db || !this.parts) return;
    this.parts.committer.flush();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      this.log.warn({ err: e }, 'checkpoint at stop failed');
    }
    this.db.close();
    this.db = null;
    this.parts = null;
    this.tracker.set('absent', 'stopped');
    return Promise.resolve();
  }

  health(): Health {
    const h = this.tracker.get();
    if (this.parts) h.counters = { ...this.parts.committer.stats, queued: this.parts.committer.pendingCount };
    return h;
  }

  private get live() {
    if (!this.parts) throw new StoreError('STORE_UNAVAILABLE', 'the store is not open');
    return this.parts;
  }

  get journal(): Journal {
    return this.live.journal;
  }
  get outbox(): Outbox {
    return this.live.outbox;
  }
  /** Which photo files HQ has received (the photo retention deletes only those). */
  get attachments(): AttachmentDeliveries {
    return this.live.attachments;
  }

  /** Read-only access outside any transaction, for answers that need no write (replays). */
  read<T>(work: (tx: Tx) => T): T {
    const parts = this.parts;
    if (!parts) throw new StoreError('STORE_UNAVAILABLE', 'the store is not open');
    try {
      return work(this.txOf(parts));
    } catch (e) {
      throw classifyStoreError(e) ?? e;
    }
  }

  /** Runs `work` inside the next group commit; resolves after the commit is durable. */
  transact<T>(work: (tx: Tx) => T): Promise<T> {
    return this.unit(work, null);
  }

  /**
   * Like transact(), but the work waits to share a later batch (GroupCommitter.submitDeferred):
   * for writes that may be lost in a crash before they commit, because nobody was told they
   * are stored and losing them costs nothing that matters (an HQ acknowledgement means a
   * resend HQ deduplicates; a track point, docs/store-durability.md). Never for commands.
   */
  transactDeferred<T>(work: (tx: Tx) => T, when: DeferOptions): Promise<T> {
    return this.unit(work, when);
  }

  private unit<T>(work: (tx: Tx) => T, defer: DeferOptions | null): Promise<T> {
    const parts = this.parts;
    if (!parts) return Promise.reject(new StoreError('STORE_UNAVAILABLE', 'the store is not open'));
    const hooks: (() => void)[] = [];
    const tx: Tx = { ...this.txOf(parts), onAbort: (fn) => hooks.push(fn) };
    const run = (): T => {
      hooks.length = 0; // a unit re-run after a whole-transaction rollback starts afresh
      return work(tx);
    };
    const abort = (): void => {
      for (const fn of hooks.splice(0)) {
        try {
          fn();
        } catch (e) {
          this.log.error({ err: e }, 'an abort hook failed');
        }
      }
    };
    return defer ? parts.committer.submitDeferred(run, defer, abort) : parts.committer.submit(run, abort);
  }

  /**
   * Resolves once every commit so far is on disk. transact() waits for that by
   * itself; a reader that answers from committed data (a replayed command) must
   * await this first (docs/store-durability.md).
   */
  whenDurable(): Promise<void> {
    return this.parts ? this.parts.committer.whenDurable() : Promise.reject(new StoreError('STORE_UNAVAILABLE', 'the store is not open'));
  }

  private txOf(parts: NonNullable<Store['parts']>): Tx {
    return {
      journal: parts.journal,
      idempotency: parts.idempotency,
      printJobs: parts.printJobs,
      sequences: parts.sequences,
      sms: parts.sms,
      onAbort: () => {
        throw new Error('onAbort: only units of a transaction can be aborted');
      },
    };
  }

  /** True while the journal is open and answers a read (the systemd watchdog's store check). */
  probe(): boolean {
    try {
      return this.db?.prepare('SELECT 1 AS one').get() !== undefined;
    } catch {
      return false;
    }
  }

  /** True when the journal is open, or known to be unopenable (a restart would not help). */
  responsive(): boolean {
    return this.reopenTimer !== null || this.probe();
  }

  /** Test and chaos hook: caps the file size so the next write fails with SQLITE_FULL. */
  limitPages(maxPages: number): void {
    this.db?.pragma(`max_page_count = ${Math.floor(maxPages)}`);
  }

  /** The keyed-hash secret; on a disk where it cannot be written, plain hashes (logged) rather than no journal. */
  private commandKey(): Buffer | null {
    try {
      return loadOrCreateKey(`${this.path}.key`);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'no command-hash key; command payload hashes are stored unkeyed');
      return null;
    }
  }

  private onWriteFailure(e: unknown): void {
    const se = classifyStoreError(e);
    const detail = se ? `${se.code}: ${se.message}` : String(e);
    if (this.tracker.set(se?.code === 'STORE_FULL' ? 'degraded' : 'failed', detail)) this.log.error({ err: e }, 'journal write failed');
  }

  private onWriteSuccess(): void {
    if (this.tracker.get().state !== 'ok') {
      this.tracker.set('ok', 'writes succeed again');
      this.log.info('journal writes recovered');
    }
  }
}

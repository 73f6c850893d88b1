// The outbox: what HQ still needs, by class, and where each consumer (push to the
// HQ broker, HTTP pull) stands. The journal enqueues a row for every record in the
// record's own transaction; consumers read a class in seq order and move their
// cursor (a watermark per class) when HQ has acknowledged a prefix. Budgets and
// eviction are outbox-pressure.ts, compaction and the KVKK purge outbox-retention.ts.
import type { Statement } from 'better-sqlite3';
import type { ClockQuality } from '../platform/clock.js';
import type { Db } from './database.js';
import { OutboxPressure, type OutboxPolicy } from './outbox-pressure.js';
import { OutboxRetention } from './outbox-retention.js';
import { RECORD_CLASSES, type RecordClass } from './records.js';

/** A record as consumers ship it: the journal row with its payload still JSON text. */
export interface OutboxRow {
  seq: number;
  /** Per-class sequence number: contiguous within the class, so HQ can see a gap. */
  cseq: number;
  id: string;
  vehicle: string;
  type: string;
  class: RecordClass;
  createdAt: string;
  clock: ClockQuality;
  monoMs: number;
  bootId: string;
  commandId: string | null;
  actor: string | null;
  /** The payload as stored (JSON text), so nobody parses and re-serializes it on the way out. */
  payload: string;
}

export interface Cursor {
  /** Every record of the class with seq <= acked has reached HQ through this consumer. */
  acked: number;
  /** The highest seq handed to this consumer (pull refuses acks beyond it). */
  served: number;
}

export interface ClassBacklog {
  count: number;
  bytes: number;
  /** The oldest record HQ does not have yet through this consumer, null when none. */
  oldest: { seq: number; createdAt: string; clock: ClockQuality; monoMs: number; bootId: string } | null;
}

export interface Eviction {
  class: RecordClass;
  fromCseq: number;
  toCseq: number;
  fromSeq: number;
  toSeq: number;
  count: number;
}

const SELECT_ROW = `SELECT o.seq, o.cseq, j.id, j.vehicle, j.type, j.class, j.created_at AS createdAt, j.clock,
  j.mono_ms AS monoMs, j.boot_id AS bootId, j.command_id AS commandId, j.actor, j.payload
  FROM outbox o JOIN journal j ON j.seq = o.seq`;

/** Up to this many records a backlog's bytes are summed; beyond, estimated from the class average. */
const BACKLOG_EXACT = 20_000;

/** A class's acknowledgement mark moves forward in place for this long before a new one starts. */
const ACK_MARK_SPAN_MS = 10 * 60_000;

export class Outbox {
  readonly pressure: OutboxPressure;
  readonly retention: OutboxRetention;
  private readonly s: Record<string, Statement>;
  /** When each class's newest acknowledgement mark was started (retention counts from the marks). */
  private readonly markStarted = new Map<RecordClass, number>();
  /**
   * Acknowledgements received and not yet written (the push defers its cursor writes,
   * sync/push/pusher.ts ACK_WRITE), per consumer and class. Read by delivered() and backlog(),
   * so the push, its photos and what staff and crews see do not lag HQ; nothing durable
   * depends on them, and a restart forgets them (those records are sent again).
   */
  private readonly noted = new Map<string, Partial<Record<RecordClass, number>>>();

  constructor(
    private readonly db: Db,
    policy: OutboxPolicy | null = null,
  ) {
    this.s = {
      bump: db.prepare('UPDATE outbox_classes SET count = count + 1, bytes = bytes + ?, last_cseq = last_cseq + 1 WHERE class = ? RETURNING count, bytes, last_cseq AS cseq'),
      insert: db.prepare('INSERT INTO outbox (seq, class, bytes, cseq) VALUES (?, ?, ?, ?)'),
      addConsumer: db.prepare('INSERT OR IGNORE INTO consumers (name, created_at) VALUES (?, ?)'),
      addCursor: db.prepare('INSERT OR IGNORE INTO cursors (consumer, class, acked, served, updated_at) VALUES (?, ?, 0, 0, ?)'),
      cursor: db.prepare('SELECT acked, served FROM cursors WHERE consumer = ? AND class = ?'),
      advance: db.prepare('UPDATE cursors SET acked = @upTo, served = max(served, @upTo), updated_at = @at WHERE consumer = @consumer AND class = @cls AND acked < @upTo'),
      serve: db.prepare('UPDATE cursors SET served = @upTo, updated_at = @at WHERE consumer = @consumer AND class = @cls AND served < @upTo'),
      ackedAny: db.prepare('SELECT coalesce(max(acked), 0) AS acked FROM cursors WHERE class = ?'),
      lastMark: db.prepare('SELECT seq, at FROM outbox_acks WHERE class = ? ORDER BY seq DESC LIMIT 1'),
      addMark: db.prepare('INSERT OR REPLACE INTO outbox_acks (class, seq, at) VALUES (?, ?, ?)'),
      moveMark: db.prepare('UPDATE outbox_acks SET seq = ?, at = ? WHERE class = ? AND seq = ?'),
      pending: db.prepare('SELECT seq, class, bytes FROM outbox WHERE class = ? AND seq > ? ORDER BY seq LIMIT ?'),
      classOf: db.prepare('SELECT class FROM outbox WHERE seq = ?'),
      batch: db.prepare(`${SELECT_ROW} WHERE o.class = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`),
      after: db.prepare(`${SELECT_ROW} WHERE o.seq > ? AND o.seq <= ? ORDER BY o.seq LIMIT ?`),
      afterIn: db.prepare(`${SELECT_ROW} WHERE o.seq > ? AND o.seq <= ? AND o.class IN (SELECT value FROM json_each(?)) ORDER BY o.seq LIMIT ?`),
      afterRaw: db.prepare(`${SELECT_ROW} WHERE o.seq > ? AND o.seq <= ? ORDER BY o.seq LIMIT ?`).raw(true),
      afterInRaw: db.prepare(`${SELECT_ROW} WHERE o.seq > ? AND o.seq <= ? AND o.class IN (SELECT value FROM json_each(?)) ORDER BY o.seq LIMIT ?`).raw(true),
      nth: db.prepare('SELECT seq FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?'),
      nthIn: db.prepare('SELECT seq FROM outbox WHERE seq > ? AND class IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT 1 OFFSET ?'),
      firstAfter: db.prepare('SELECT seq, cseq FROM outbox WHERE class = ? AND seq > ? ORDER BY seq LIMIT 1'),
      lastOf: db.prepare('SELECT cseq FROM outbox WHERE class = ? ORDER BY seq DESC LIMIT 1'),
      bytesAfter: db.prepare('SELECT coalesce(sum(bytes), 0) AS bytes FROM outbox WHERE class = ? AND seq > ?'),
      oldest: db.prepare('SELECT seq, created_at AS createdAt, clock, mono_ms AS monoMs, boot_id AS bootId FROM journal WHERE seq = ?'),
      usage: db.prepare('SELECT class, count, bytes, last_cseq AS cseq FROM outbox_classes'),
      lastSeq: db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'journal'), 0) AS seq"),
      evictionsIn: db.prepare('SELECT class, from_cseq AS fromCseq, to_cseq AS toCseq, from_seq AS fromSeq, to_seq AS toSeq, count FROM outbox_evictions WHERE class = ? AND to_seq > ? AND from_seq <= ? ORDER BY id'),
    };
    this.pressure = new OutboxPressure(db, policy);
    this.retention = new OutboxRetention(db);
  }

  /** Free pages inside the database file: space new records take before the file grows. */
  freelistBytes(): number {
    return (this.db.pragma('freelist_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  /**
   * Queues the record `seq` (already in the journal) for HQ and returns its cseq. Runs in
   * the journal's transaction, so a rolled-back record never took a cseq. May evict track
   * points or device events, or throw STORE_FULL (outbox-pressure.ts), which rolls the
   * record back with it.
   */
  enqueue(seq: number, cls: RecordClass, bytes: number): number {
    const r = this.s.bump!.get(bytes, cls) as { count: number; bytes: number; cseq: number } | undefined;
    if (!r) throw new Error(`outbox: unknown class ${cls}`);
    this.s.insert!.run(seq, cls, bytes, r.cseq);
    this.pressure.afterEnqueue(seq, cls, r);
    return r.cseq;
  }

  /** Creates a consumer and its cursors (idempotent). */
  registerConsumer(name: string): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      this.s.addConsumer!.run(name, at);
      for (const c of RECORD_CLASSES) this.s.addCursor!.run(name, c, at);
    })();
  }

  cursor(consumer: string, cls: RecordClass): Cursor {
    return (this.s.cursor!.get(consumer, cls) as Cursor | undefined) ?? { acked: 0, served: 0 };
  }

  cursors(consumer: string): Record<RecordClass, Cursor> {
    return Object.fromEntries(RECORD_CLASSES.map((c) => [c, this.cursor(consumer, c)])) as Record<RecordClass, Cursor>;
  }

  /** Up to `limit` records of one class after `afterSeq`, in seq order. */
  batch(cls: RecordClass, afterSeq: number, limit: number): OutboxRow[] {
    return this.s.batch!.all(cls, afterSeq, limit) as OutboxRow[];
  }

  /** Records of the given classes (all when null) in (afterSeq, uptoSeq], in seq order. */
  page(afterSeq: number, uptoSeq: number, classes: readonly RecordClass[] | null, limit: number): OutboxRow[] {
    if (classes === null) return this.s.after!.all(afterSeq, uptoSeq, limit) as OutboxRow[];
    return this.s.afterIn!.all(afterSeq, uptoSeq, JSON.stringify(classes), limit) as OutboxRow[];
  }

  /**
   * The same rows as page(), as arrays in OutboxRow's field order (seq, cseq, id, vehicle,
   * type, class, createdAt, clock, monoMs, bootId, commandId, actor, payload): the pull API
   * formats them straight to NDJSON without building an object per row.
   */
  pageRaw(afterSeq: number, uptoSeq: number, classes: readonly RecordClass[] | null, limit: number): unknown[][] {
    if (classes === null) return this.s.afterRaw!.all(afterSeq, uptoSeq, limit) as unknown[][];
    return this.s.afterInRaw!.all(afterSeq, uptoSeq, JSON.stringify(classes), limit) as unknown[][];
  }

  /** The seq of the n-th record (1-based) of the given classes after `afterSeq`, null when there are fewer. */
  nthSeq(afterSeq: number, classes: readonly RecordClass[] | null, n: number): number | null {
    const r = (classes === null ? this.s.nth!.get(afterSeq, n - 1) : this.s.nthIn!.get(afterSeq, JSON.stringify(classes), n - 1)) as { seq: number } | undefined;
    return r?.seq ?? null;
  }

  /**
   * HQ has every record of `cls` up to `upTo` through `consumer`. Never moves a cursor
   * back (a late acknowledgement changes nothing). Must run inside a transaction.
   */
  advance(consumer: string, cls: RecordClass, upTo: number, now = new Date()): boolean {
    const before = this.ackedAny(cls);
    const moved = this.s.advance!.run({ upTo, at: now.toISOString(), consumer, cls }).changes > 0;
    if (moved && upTo > before) this.markAck(cls, upTo, now);
    return moved;
  }

  /** Records that `consumer` was handed everything of `cls` up to `upTo` (pull). */
  served(consumer: string, cls: RecordClass, upTo: number, now = new Date()): void {
    this.s.serve!.run({ upTo, at: now.toISOString(), consumer, cls });
  }

  /** Undelivered entries for a consumer, highest-priority class first, oldest first within a class. */
  pending(consumer: string, limit: number): { seq: number; class: RecordClass; bytes: number }[] {
    const out: { seq: number; class: RecordClass; bytes: number }[] = [];
    for (const c of RECORD_CLASSES) {
      if (out.length >= limit) break;
      out.push(...(this.s.pending!.all(c, this.cursor(consumer, c).acked, limit - out.length) as typeof out));
    }
    return out;
  }

  /**
   * Marks entries delivered: for each class, everything up to the highest seq given
   * (a consumer takes a class in seq order, so an acknowledgement covers a prefix).
   * Idempotent: a repeated or older acknowledgement changes nothing.
   */
  markDelivered(consumer: string, seqs: readonly number[]): void {
    const top = new Map<RecordClass, number>();
    for (const seq of seqs) {
      const r = this.s.classOf!.get(seq) as { class: RecordClass } | undefined;
      if (r) top.set(r.class, Math.max(top.get(r.class) ?? 0, seq));
    }
    const run = () => {
      for (const [c, upTo] of top) this.advance(consumer, c, upTo);
    };
    if (this.db.inTransaction) run();
    else this.db.transaction(run)();
  }

  /** The highest seq of `cls` that HQ has through any consumer: HQ has everything up to it. */
  ackedAny(cls: RecordClass): number {
    return (this.s.ackedAny!.get(cls) as { acked: number }).acked;
  }

  /** A consumer's acknowledgement, received before its cursor write commits (see `noted`). */
  noteDelivered(consumer: string, cls: RecordClass, upTo: number): void {
    const mine = this.noted.get(consumer) ?? {};
    mine[cls] = Math.max(mine[cls] ?? 0, upTo);
    this.noted.set(consumer, mine);
  }

  /** The highest seq of `cls` that `consumer` has acknowledged, its cursor write committed or not. */
  delivered(consumer: string, cls: RecordClass): number {
    return Math.max(this.cursor(consumer, cls).acked, this.noted.get(consumer)?.[cls] ?? 0);
  }

  /** The same for HQ through any consumer. */
  private deliveredAny(cls: RecordClass): number {
    let top = this.ackedAny(cls);
    for (const mine of this.noted.values()) top = Math.max(top, mine[cls] ?? 0);
    return top;
  }

  /** Remembers when a class's acknowledgement advanced; retention counts from these marks. */
  private markAck(cls: RecordClass, seq: number, now: Date): void {
    const last = this.s.lastMark!.get(cls) as { seq: number; at: string } | undefined;
    const started = this.markStarted.get(cls);
    if (last && started !== undefined && now.getTime() - started < ACK_MARK_SPAN_MS) {
      // Moving the young mark forward delays the older records' retention by at most one span.
      this.s.moveMark!.run(seq, now.toISOString(), cls, last.seq);
      return;
    }
    this.s.addMark!.run(cls, seq, now.toISOString());
    this.markStarted.set(cls, now.getTime());
  }

  /**
   * What `consumer` has not acknowledged yet, per class; null: what HQ has through no
   * consumer. Cheap at any size (it runs every second for vim/state/sync): the rows a class
   * still holds always form one run of cseq (eviction and compaction only ever take its
   * oldest rows), so the count is a difference of two cseqs found through the index. The
   * bytes are summed exactly up to BACKLOG_EXACT records and estimated from the class's
   * average beyond.
   */
  backlog(consumer: string | null): Record<RecordClass, ClassBacklog> {
    const out = {} as Record<RecordClass, ClassBacklog>;
    const usage = this.usage();
    for (const c of RECORD_CLASSES) {
      const acked = consumer === null ? this.deliveredAny(c) : this.delivered(consumer, c);
      const first = this.s.firstAfter!.get(c, acked) as { seq: number; cseq: number } | undefined;
      const last = first && (this.s.lastOf!.get(c) as { cseq: number });
      if (!first || !last) {
        out[c] = { count: 0, bytes: 0, oldest: null };
        continue;
      }
      const count = Math.min(last.cseq - first.cseq + 1, usage[c].count);
      const bytes =
        count <= BACKLOG_EXACT ? (this.s.bytesAfter!.get(c, acked) as { bytes: number }).bytes : Math.round((usage[c].bytes / Math.max(1, usage[c].count)) * count);
      out[c] = { count, bytes, oldest: (this.s.oldest!.get(first.seq) as ClassBacklog['oldest']) ?? null };
    }
    return out;
  }


  /** Rows and payload bytes still in the outbox per class, and the last cseq given out. */
  usage(): Record<RecordClass, { count: number; bytes: number; lastCseq: number }> {
    const out = {} as Record<RecordClass, { count: number; bytes: number; lastCseq: number }>;
    for (const r of this.s.usage!.all() as { class: RecordClass; count: number; bytes: number; cseq: number }[]) {
      out[r.class] = { count: r.count, bytes: r.bytes, lastCseq: r.cseq };
    }
    return out;
  }

  /** The last seq the journal ever gave out (deleted records included). */
  lastSeq(): number {
    return (this.s.lastSeq!.get() as { seq: number }).seq;
  }

  /** Evicted ranges of `cls` that overlap (afterSeq, uptoSeq]: HQ reads them as explained gaps. */
  evictionsBetween(cls: RecordClass, afterSeq: number, uptoSeq: number): Eviction[] {
    return this.s.evictionsIn!.all(cls, afterSeq, uptoSeq) as Eviction[];
  }
}

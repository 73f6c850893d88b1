// Outbox byte budgets (issue 8 "Outbox"): one per class and one in total, the total
// also bounded by the free disk minus a floor it never eats (the sync part measures
// the disk and calls setCapacity). Under pressure, track points go first, oldest
// first, then device events. Money, requests and queue/visit records are never
// evicted: when they do not fit, the write is refused with STORE_FULL and the alarm
// is raised (vim/state/sync, the red `sync` LED, the CLI). Records HQ has acknowledged
// leave only by retention (outbox-retention.ts).
//
// Everything here runs inside the writing unit's transaction (a SAVEPOINT of the group
// commit): an eviction is undone together with a refused record.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { StoreError } from './errors.js';
import { RECORD_CLASSES, type RecordClass } from './records.js';

export interface OutboxPolicy {
  /** Most bytes a class may hold (payload + rowOverheadBytes per record). */
  classBudgetBytes: Record<RecordClass, number>;
  totalBudgetBytes: number;
  /** What a record costs on disk beyond its payload (ids, times, index entries). */
  rowOverheadBytes: number;
}

/** Evicted under pressure, in this order, oldest first (DESIGN.md "Store"). */
export const EVICTABLE: readonly RecordClass[] = ['track', 'events'];

export interface OutboxAlarm {
  code: 'STORE_FULL';
  class: RecordClass;
  at: string;
  detail: string;
}

interface Usage {
  count: number;
  bytes: number;
}

export class OutboxPressure {
  /** Bytes the outbox may use by the free disk; Infinity until the disk was measured. */
  private capacity = Infinity;
  private readonly usage = {} as Record<RecordClass, Usage>;
  alarm: OutboxAlarm | null = null;
  readonly stats = {
    evicted: Object.fromEntries(RECORD_CLASSES.map((c) => [c, 0])) as Record<RecordClass, number>,
    evictedBytes: 0,
    refused: Object.fromEntries(RECORD_CLASSES.map((c) => [c, 0])) as Record<RecordClass, number>,
  };
  private readonly s: Record<string, Statement>;

  constructor(
    db: Db,
    readonly policy: OutboxPolicy | null,
  ) {
    this.s = {
      usage: db.prepare('SELECT class, count, bytes FROM outbox_classes'),
      oldest: db.prepare('SELECT seq, cseq, bytes FROM outbox WHERE class = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT 512'),
      delOutbox: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      delJournal: db.prepare('DELETE FROM journal WHERE seq = ?'),
      shrink: db.prepare('UPDATE outbox_classes SET count = count - ?, bytes = bytes - ? WHERE class = ?'),
      ackedAny: db.prepare('SELECT coalesce(max(acked), 0) AS acked FROM cursors WHERE class = ?'),
      logEviction: db.prepare(
        'INSERT INTO outbox_evictions (class, from_cseq, to_cseq, from_seq, to_seq, count, bytes, delivered, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    this.refresh();
  }

  /** Re-reads each class's usage (exact inside a transaction; fixes drift after a rollback). */
  refresh(): void {
    for (const r of this.s.usage!.all() as (Usage & { class: RecordClass })[]) this.usage[r.class] = { count: r.count, bytes: r.bytes };
  }

  /** The outbox's share of the disk: bytes it holds now + free bytes - the floor (null: unknown). */
  setCapacity(bytes: number | null): void {
    this.capacity = bytes === null ? Infinity : Math.max(0, bytes);
  }

  /** Bytes a class holds as the budgets count them. */
  used(cls: RecordClass): number {
    const u = this.usage[cls];
    return u ? u.bytes + u.count * (this.policy?.rowOverheadBytes ?? 0) : 0;
  }

  usedTotal(): number {
    return RECORD_CLASSES.reduce((s, c) => s + this.used(c), 0);
  }

  /** The total the outbox may hold now: the configured budget or the disk's share, the smaller. */
  limit(): number {
    return Math.min(this.policy?.totalBudgetBytes ?? Infinity, this.capacity);
  }

  /** Checks the budgets after `seq` was queued; evicts what may go or throws STORE_FULL. */
  afterEnqueue(seq: number, cls: RecordClass, now: Usage): void {
    this.usage[cls] = { count: now.count, bytes: now.bytes };
    if (!this.policy) return;
    const budget = this.policy.classBudgetBytes[cls];
    if (this.used(cls) > budget) {
      if (EVICTABLE.includes(cls)) this.evict(cls, this.used(cls) - budget + slack(budget), seq);
      if (this.used(cls) > budget) this.refuse(cls, `the ${cls} budget of ${budget} bytes is used up`);
    }
    const limit = this.limit();
    if (this.usedTotal() > limit) {
      this.refresh(); // the mirror of the other classes may be stale; the table is exact here
      for (const c of EVICTABLE) {
        if (this.usedTotal() <= limit) break;
        this.evict(c, this.usedTotal() - limit + slack(limit), seq);
      }
      if (this.usedTotal() > limit) this.refuse(cls, `the outbox is full (${this.usedTotal()} of ${limit === Infinity ? 'unlimited' : limit} bytes)`);
    }
    if (this.alarm && (this.alarm.class === cls || this.usedTotal() < limit - slack(limit))) this.alarm = null;
  }

  /**
   * Evicts track points, then device events, until the total fits the limit again (the
   * disk may have filled from outside). Must run inside a transaction. Returns the count.
   */
  relieve(): number {
    this.refresh();
    const limit = this.limit();
    let n = 0;
    for (const c of EVICTABLE) {
      if (this.usedTotal() <= limit) break;
      n += this.evict(c, this.usedTotal() - limit + slack(limit), Number.MAX_SAFE_INTEGER);
    }
    if (this.alarm && this.usedTotal() < limit - slack(limit)) this.alarm = null;
    return n;
  }

  /** Deletes the oldest records of `cls` (never `keepSeq` or later) until `need` bytes are free. */
  private evict(cls: RecordClass, need: number, keepSeq: number): number {
    const overhead = this.policy?.rowOverheadBytes ?? 0;
    const acked = (this.s.ackedAny!.get(cls) as { acked: number }).acked;
    let freed = 0;
    let after = 0;
    const gone: { seq: number; cseq: number; bytes: number }[] = [];
    while (freed < need) {
      const rows = this.s.oldest!.all(cls, after, keepSeq) as { seq: number; cseq: number; bytes: number }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        gone.push(r);
        freed += r.bytes + overhead;
        if (freed >= need) break;
      }
      after = rows[rows.length - 1]!.seq;
    }
    if (gone.length === 0) return 0;
    let bytes = 0;
    for (const r of gone) {
      this.s.delOutbox!.run(r.seq);
      this.s.delJournal!.run(r.seq);
      bytes += r.bytes;
    }
    this.s.shrink!.run(gone.length, bytes, cls);
    const first = gone[0]!;
    const last = gone[gone.length - 1]!;
    const delivered = gone.filter((r) => r.seq <= acked).length;
    this.s.logEviction!.run(cls, first.cseq, last.cseq, first.seq, last.seq, gone.length, bytes, delivered, new Date().toISOString());
    const u = this.usage[cls];
    this.usage[cls] = { count: u.count - gone.length, bytes: u.bytes - bytes };
    this.stats.evicted[cls] += gone.length;
    this.stats.evictedBytes += bytes;
    return gone.length;
  }

  private refuse(cls: RecordClass, detail: string): never {
    this.alarm = { code: 'STORE_FULL', class: cls, at: new Date().toISOString(), detail };
    this.stats.refused[cls]++;
    throw new StoreError('STORE_FULL', `cannot store a ${cls} record: ${detail}`);
  }
}

/** Evict a little more than needed, so a full outbox does not evict on every record. */
function slack(limit: number): number {
  return limit === Infinity ? 0 : Math.max(64 * 1024, Math.floor(limit / 100));
}

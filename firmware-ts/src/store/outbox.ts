// Outbox reads and per-consumer delivery state (push to the HQ broker, HTTP pull,
// each a consumer). The journal writes the outbox rows; consumers mark delivery.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { RECORD_CLASSES, type RecordClass } from './records.js';

export interface OutboxEntry {
  seq: number;
  class: RecordClass;
  bytes: number;
}

export class Outbox {
  private readonly addConsumer: Statement;
  private readonly pendingStmt: Statement;
  private readonly deliver: Statement;
  private readonly backlogStmt: Statement;

  constructor(private readonly db: Db) {
    this.addConsumer = db.prepare('INSERT OR IGNORE INTO consumers (name, created_at) VALUES (?, ?)');
    this.pendingStmt = db.prepare(
      `SELECT o.seq, o.class, o.bytes FROM outbox o
       WHERE o.class = ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.consumer = ? AND d.seq = o.seq)
       ORDER BY o.seq LIMIT ?`,
    );
    this.deliver = db.prepare('INSERT OR IGNORE INTO deliveries (consumer, seq, delivered_at) VALUES (?, ?, ?)');
    this.backlogStmt = db.prepare(
      `SELECT o.class AS class, count(*) AS n, coalesce(sum(o.bytes), 0) AS bytes FROM outbox o
       WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.consumer = ? AND d.seq = o.seq)
       GROUP BY o.class`,
    );
  }

  registerConsumer(name: string): void {
    this.addConsumer.run(name, new Date().toISOString());
  }

  /** Undelivered entries for a consumer, oldest first, highest-priority class first. */
  pending(consumer: string, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const cls of RECORD_CLASSES) {
      if (out.length >= limit) break;
      out.push(...(this.pendingStmt.all(cls, consumer, limit - out.length) as OutboxEntry[]));
    }
    return out;
  }

  /** Marks entries delivered; idempotent, so a repeated acknowledgement changes nothing. */
  markDelivered(consumer: string, seqs: readonly number[]): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      for (const s of seqs) this.deliver.run(consumer, s, at);
    })();
  }

  backlog(consumer: string): Record<RecordClass, { count: number; bytes: number }> {
    const res = Object.fromEntries(RECORD_CLASSES.map((c) => [c, { count: 0, bytes: 0 }])) as Record<
      RecordClass,
      { count: number; bytes: number }
    >;
    for (const r of this.backlogStmt.all(consumer) as { class: RecordClass; n: number; bytes: number }[]) {
      res[r.class] = { count: r.n, bytes: r.bytes };
    }
    return res;
  }
}

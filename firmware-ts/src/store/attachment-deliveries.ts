// The attachment_deliveries table (migration 6): which photo files HQ has received. Photos
// travel apart from their request records (the push publishes them after the record batch,
// pull consumers fetch and acknowledge them), and the photo retention deletes a file only
// once a consumer confirmed HQ has it: a purged or compacted record is no proof HQ ever
// got the bytes. Writes go through the group commit (store.transact) like every other.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export interface AttachmentRow {
  sha256: string;
  mime: string | null;
  bytes: number | null;
  /** The first request record naming the photo. */
  namedSeq: number;
  /** Who confirmed HQ has it (`push`, or a pull consumer); null while HQ does not. */
  consumer: string | null;
  at: string | null;
}

interface Raw {
  sha256: string;
  mime: string | null;
  bytes: number | null;
  named_seq: number;
  consumer: string | null;
  at: string | null;
}

const fromRaw = (r: Raw): AttachmentRow => ({ sha256: r.sha256, mime: r.mime, bytes: r.bytes, namedSeq: r.named_seq, consumer: r.consumer, at: r.at });

export type MarkResult = 'delivered' | 'already' | 'unknown';

export class AttachmentDeliveries {
  private readonly s: Record<'scanFrom' | 'register' | 'scanTo' | 'get' | 'mark' | 'pending' | 'undelivered' | 'counts', Statement>;

  constructor(db: Db) {
    this.s = {
      scanFrom: db.prepare('SELECT seq FROM attachment_scan WHERE one = 1'),
      // Every photo of the record type's records after the scan mark; the first record naming
      // a hash wins (photos are content-addressed, two requests can share one).
      register: db.prepare(`INSERT INTO attachment_deliveries (sha256, mime, bytes, named_seq)
        SELECT json_extract(p.value, '$.sha256') AS h, json_extract(p.value, '$.mime'), json_extract(p.value, '$.bytes'), min(j.seq)
        FROM journal j, json_each(j.payload, '$.photos') p
        WHERE j.type = ? AND j.seq > ? AND h IS NOT NULL
        GROUP BY h
        ON CONFLICT (sha256) DO NOTHING`),
      scanTo: db.prepare('UPDATE attachment_scan SET seq = ? WHERE one = 1'),
      get: db.prepare('SELECT * FROM attachment_deliveries WHERE sha256 = ?'),
      mark: db.prepare('UPDATE attachment_deliveries SET consumer = ?, at = ? WHERE sha256 = ? AND at IS NULL'),
      pending: db.prepare('SELECT * FROM attachment_deliveries WHERE at IS NULL AND named_seq <= ? ORDER BY named_seq, sha256 LIMIT ?'),
      undelivered: db.prepare('SELECT sha256 FROM attachment_deliveries WHERE at IS NULL'),
      counts: db.prepare('SELECT count(*) AS known, count(at) AS delivered FROM attachment_deliveries'),
    };
    this.s.scanFrom.pluck();
    this.s.undelivered.pluck();
    this.lastSeq = db.prepare('SELECT coalesce(max(seq), 0) FROM journal').pluck();
  }

  private readonly lastSeq: Statement;

  /**
   * Registers the photos that records of `type` written since the last scan name; returns
   * how many were new. Call inside a transaction (store.transact): the scan mark and the
   * rows move together.
   */
  register(type: string): number {
    const from = this.s.scanFrom.get() as number;
    const to = this.lastSeq.get() as number;
    if (to <= from) return 0;
    const n = this.s.register.run(type, from).changes;
    this.s.scanTo.run(to);
    return n;
  }

  get(sha256: string): AttachmentRow | undefined {
    const r = this.s.get.get(sha256) as Raw | undefined;
    return r && fromRaw(r);
  }

  /** Marks a photo HQ has; the first confirmation is kept. `unknown`: no request names that hash. */
  markDelivered(sha256: string, consumer: string, at: Date): MarkResult {
    if (this.s.mark.run(consumer, at.toISOString(), sha256).changes === 1) return 'delivered';
    return this.s.get.get(sha256) ? 'already' : 'unknown';
  }

  /** Photos HQ does not have yet, named by records up to `uptoSeq`, in the order they were named. */
  pending(uptoSeq: number, limit: number): AttachmentRow[] {
    return (this.s.pending.all(uptoSeq, limit) as Raw[]).map(fromRaw);
  }

  /** Hashes of every known photo HQ does not have yet. */
  undelivered(): Set<string> {
    return new Set(this.s.undelivered.all() as string[]);
  }

  counts(): { known: number; delivered: number } {
    return this.s.counts.get() as { known: number; delivered: number };
  }
}

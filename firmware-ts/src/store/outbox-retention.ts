// Retention of records HQ has acknowledged (issue 8 "Retention", DESIGN.md
// non-negotiable 6): they are deleted (journal and outbox) a configured time after
// the acknowledgement, and their personal data is cleared earlier, after N days, with
// every cleared record noted in purge_log. Time counts from the acknowledgement marks
// (outbox_acks, written with the gateway's clock when HQ acknowledged), never from a
// record's own createdAt, which may come from an unsynced clock years off.
//
// Each call does a bounded amount of work in the caller's transaction, so a big first
// run does not hold the writer for long; the caller repeats until nothing is left.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { RECORD_CLASSES, type RecordClass } from './records.js';

export interface PiiRule {
  type: string;
  /** Dotted payload paths that hold personal data, e.g. citizen.phone. */
  paths: readonly string[];
}

/** Sets each path that holds a value to null; returns the paths it cleared. */
export function clearPaths(payload: unknown, paths: readonly string[]): string[] {
  const cleared: string[] = [];
  for (const path of paths) {
    const keys = path.split('.');
    let node: unknown = payload;
    for (const k of keys.slice(0, -1)) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[k] : undefined;
    const last = keys[keys.length - 1]!;
    if (typeof node === 'object' && node !== null && Object.hasOwn(node, last) && (node as Record<string, unknown>)[last] !== null) {
      (node as Record<string, unknown>)[last] = null;
      cleared.push(path);
    }
  }
  return cleared;
}

export class OutboxRetention {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    this.s = {
      mark: db.prepare('SELECT seq FROM outbox_acks WHERE class = ? AND at <= ? ORDER BY seq DESC LIMIT 1'),
      dropMarks: db.prepare('DELETE FROM outbox_acks WHERE class = ? AND seq < ?'),
      oldRows: db.prepare('SELECT seq, bytes FROM outbox WHERE class = ? AND seq <= ? ORDER BY seq LIMIT ?'),
      delOutbox: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      delJournal: db.prepare('DELETE FROM journal WHERE seq = ?'),
      shrink: db.prepare('UPDATE outbox_classes SET count = count - ?, bytes = bytes + ? WHERE class = ?'),
      dropEvictions: db.prepare('DELETE FROM outbox_evictions WHERE at < ?'),
      lastPurged: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM purge_log WHERE type = ?'),
      ofType: db.prepare('SELECT seq, class, payload FROM journal WHERE type = ? AND seq > ? ORDER BY seq LIMIT ?'),
      rewrite: db.prepare('UPDATE journal SET payload = ? WHERE seq = ?'),
      rebyte: db.prepare('UPDATE outbox SET bytes = ? WHERE seq = ?'),
      log: db.prepare('INSERT OR IGNORE INTO purge_log (seq, type, paths, at) VALUES (?, ?, ?, ?)'),
      sms: db.prepare("UPDATE sms_outbox SET to_number = '', text = '' WHERE to_number != '' AND coalesce(sent_at, failed_at) < ?"),
    };
  }

  /**
   * The last record of `type` whose personal data the purge has cleared: the purge goes
   * through a type in seq order, so every record of it up to here is purged, none after.
   * (What others who keep personal data beside the journal, e.g. photo files, go by.)
   */
  lastPurgedSeq(type: string): number {
    return (this.s.lastPurged!.get(type) as { seq: number }).seq;
  }

  /** Everything of `cls` HQ had acknowledged by `before` (0: nothing). */
  private ackedBy(cls: RecordClass, before: Date): number {
    return (this.s.mark!.get(cls, before.toISOString()) as { seq: number } | undefined)?.seq ?? 0;
  }

  /** Deletes up to `limit` acknowledged records older than the retention. Returns how many went. */
  compact(now: Date, retentionMs: number, limit: number): number {
    const before = new Date(now.getTime() - retentionMs);
    let n = 0;
    for (const c of RECORD_CLASSES) {
      if (n >= limit) break;
      const upTo = this.ackedBy(c, before);
      if (upTo === 0) continue;
      const rows = this.s.oldRows!.all(c, upTo, limit - n) as { seq: number; bytes: number }[];
      let bytes = 0;
      for (const r of rows) {
        this.s.delOutbox!.run(r.seq);
        this.s.delJournal!.run(r.seq);
        bytes += r.bytes;
      }
      if (rows.length) this.s.shrink!.run(rows.length, -bytes, c);
      // The newest mark that passed stays: it still says where the acknowledged prefix ends.
      this.s.dropMarks!.run(c, upTo);
      n += rows.length;
    }
    this.s.dropEvictions!.run(before.toISOString());
    return n;
  }

  /**
   * Clears the personal data of up to `limit` records of the rules' types that HQ had
   * acknowledged `personalMs` ago, and of SMS sent that long ago. Returns how many records.
   */
  purge(now: Date, personalMs: number, rules: readonly PiiRule[], limit: number): number {
    const before = new Date(now.getTime() - personalMs);
    const acked = Object.fromEntries(RECORD_CLASSES.map((c) => [c, this.ackedBy(c, before)])) as Record<RecordClass, number>;
    let n = 0;
    for (const rule of rules) {
      if (n >= limit) break;
      const from = (this.s.lastPurged!.get(rule.type) as { seq: number }).seq;
      for (const r of this.s.ofType!.all(rule.type, from, limit - n) as { seq: number; class: RecordClass; payload: string }[]) {
        if (r.seq > acked[r.class]) break; // not acknowledged long enough: neither is anything later
        const payload = JSON.parse(r.payload) as unknown;
        const cleared = clearPaths(payload, rule.paths);
        if (cleared.length) {
          const text = JSON.stringify(payload);
          this.s.rewrite!.run(text, r.seq);
          const delta = Buffer.byteLength(text) - Buffer.byteLength(r.payload);
          this.s.rebyte!.run(Buffer.byteLength(text), r.seq);
          this.s.shrink!.run(0, delta, r.class);
        }
        this.s.log!.run(r.seq, rule.type, JSON.stringify(cleared), now.toISOString());
        n++;
      }
    }
    this.s.sms!.run(before.toISOString());
    return n;
  }
}

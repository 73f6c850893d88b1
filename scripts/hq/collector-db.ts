// The HQ collector's SQLite file (scripts/hq-collector.ts). Schema:
//
//   records          one row per record id (the deduplication key: a record sent twice,
//                    by push after a lost PUBACK or by push and pull, is stored once)
//     id, vehicle, class, seq, cseq, type, created_at, clock, mono_ms, boot_id,
//     command_id, actor, payload (JSON text),
//     corrected_at   the record's time corrected through its boot's clock.synced
//                    offset (only for clock = 'unsynced'; null until the offset is known)
//     time_corrected 1 when corrected_at was computed: the record says it was corrected
//     received_at, via ('push' | 'pull'),
//     rx             arrival order at HQ (first receipt): order within a class is checked on it
//   clock_offsets    per vehicle and boot, the first clock.synced record:
//                    wall_time at mono_ms; correctedAt = wall_time + (record.mono_ms - mono_ms)
//   evictions        ranges of cseq the van evicted under disk pressure: explained gaps
//   batches          one row per batch received (size on the wire, duplicates in it)
//
// Gaps are found per vehicle and class on cseq, which the van numbers without holes
// within a class; a hole not covered by an eviction is a missing record.
import Database from 'better-sqlite3';
import type { BatchHeader, WireRecord } from '../../firmware-ts/src/sync/wire.js';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  id TEXT PRIMARY KEY, vehicle TEXT NOT NULL, class TEXT NOT NULL, seq INTEGER NOT NULL, cseq INTEGER NOT NULL,
  type TEXT NOT NULL, created_at TEXT NOT NULL, clock TEXT NOT NULL, mono_ms REAL NOT NULL, boot_id TEXT NOT NULL,
  command_id TEXT, actor TEXT, payload TEXT NOT NULL,
  corrected_at TEXT, time_corrected INTEGER NOT NULL DEFAULT 0,
  received_at TEXT NOT NULL, via TEXT NOT NULL, rx INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_class ON records(vehicle, class, cseq);
CREATE INDEX IF NOT EXISTS records_rx ON records(vehicle, class, rx);
CREATE INDEX IF NOT EXISTS records_boot ON records(vehicle, boot_id) WHERE clock = 'unsynced';
CREATE TABLE IF NOT EXISTS clock_offsets (
  vehicle TEXT NOT NULL, boot_id TEXT NOT NULL, mono_ms REAL NOT NULL, wall_time TEXT NOT NULL, source TEXT NOT NULL, record_id TEXT NOT NULL,
  PRIMARY KEY (vehicle, boot_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evictions (
  vehicle TEXT NOT NULL, class TEXT NOT NULL, from_cseq INTEGER NOT NULL, to_cseq INTEGER NOT NULL,
  from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (vehicle, class, from_cseq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
  n INTEGER PRIMARY KEY AUTOINCREMENT, vehicle TEXT NOT NULL, class TEXT NOT NULL, records INTEGER NOT NULL,
  duplicates INTEGER NOT NULL, bytes INTEGER NOT NULL, enc TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  via TEXT NOT NULL, received_at TEXT NOT NULL
);
`;

export interface Gap {
  vehicle: string;
  class: string;
  fromCseq: number;
  toCseq: number;
  /** Covered by an eviction the van reported: not a loss. */
  evicted: boolean;
}

export interface StoreResult {
  inserted: number;
  duplicates: number;
}

export class CollectorDb {
  readonly db: Db;
  private rx: number;
  private readonly s;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.rx = (this.db.prepare('SELECT coalesce(max(rx), 0) AS rx FROM records').get() as { rx: number }).rx;
    this.s = {
      insert: this.db.prepare(`INSERT OR IGNORE INTO records (id, vehicle, class, seq, cseq, type, created_at, clock, mono_ms, boot_id, command_id, actor, payload, corrected_at, time_corrected, received_at, via, rx)
        VALUES (@id, @vehicle, @class, @seq, @cseq, @type, @createdAt, @clock, @monoMs, @bootId, @commandId, @actor, @payload, @correctedAt, @timeCorrected, @receivedAt, @via, @rx)`),
      offset: this.db.prepare('SELECT mono_ms AS monoMs, wall_time AS wallTime FROM clock_offsets WHERE vehicle = ? AND boot_id = ?'),
      addOffset: this.db.prepare('INSERT OR IGNORE INTO clock_offsets (vehicle, boot_id, mono_ms, wall_time, source, record_id) VALUES (?, ?, ?, ?, ?, ?)'),
      uncorrected: this.db.prepare("SELECT id, mono_ms AS monoMs FROM records WHERE vehicle = ? AND boot_id = ? AND clock = 'unsynced' AND time_corrected = 0"),
      correct: this.db.prepare('UPDATE records SET corrected_at = ?, time_corrected = 1 WHERE id = ?'),
      eviction: this.db.prepare('INSERT OR IGNORE INTO evictions (vehicle, class, from_cseq, to_cseq, from_seq, to_seq, count) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      batch: this.db.prepare('INSERT INTO batches (vehicle, class, records, duplicates, bytes, enc, first_seq, last_seq, via, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Stores a batch's records (first receipt wins) in one transaction; applies time corrections. */
  store(header: Pick<BatchHeader, 'vehicle' | 'class' | 'enc' | 'evicted'>, records: readonly WireRecord[], bytes: number, via: 'push' | 'pull'): StoreResult {
    return this.db.transaction(() => {
      const receivedAt = new Date().toISOString();
      let inserted = 0;
      for (const ev of header.evicted ?? []) this.s.eviction.run(header.vehicle, header.class, ev.fromCseq, ev.toCseq, ev.fromSeq, ev.toSeq, ev.count);
      for (const r of records) {
        const off = r.clock === 'unsynced' ? (this.s.offset.get(r.vehicle, r.bootId) as { monoMs: number; wallTime: string } | undefined) : undefined;
        const correctedAt = off ? corrected(off, r.monoMs) : null;
        const row = { ...r, payload: JSON.stringify(r.payload), correctedAt, timeCorrected: correctedAt ? 1 : 0, receivedAt, via, rx: this.rx + 1 };
        if (this.s.insert.run(row).changes === 0) continue;
        this.rx++;
        inserted++;
        if (r.type === 'clock.synced') this.learnOffset(r);
      }
      if (records.length) this.s.batch.run(header.vehicle, header.class, records.length, records.length - inserted, bytes, header.enc, records[0]!.seq, records[records.length - 1]!.seq, via, receivedAt);
      return { inserted, duplicates: records.length - inserted };
    })();
  }

  /** A clock.synced record: the boot's offset; corrects that boot's unsynced records already here. */
  private learnOffset(r: WireRecord): void {
    const p = r.payload as { bootId?: unknown; monoMs?: unknown; wallTime?: unknown; source?: unknown };
    if (typeof p?.bootId !== 'string' || typeof p.monoMs !== 'number' || typeof p.wallTime !== 'string' || !Number.isFinite(Date.parse(p.wallTime))) return;
    if (this.s.addOffset.run(r.vehicle, p.bootId, p.monoMs, p.wallTime, String(p.source), r.id).changes === 0) return;
    for (const u of this.s.uncorrected.all(r.vehicle, p.bootId) as { id: string; monoMs: number }[]) {
      this.s.correct.run(corrected({ monoMs: p.monoMs, wallTime: p.wallTime }, u.monoMs), u.id);
    }
  }

  /** Holes in cseq per vehicle and class (from 1), marked when an eviction explains them. */
  gaps(): Gap[] {
    const out: Gap[] = [];
    const groups = this.db.prepare('SELECT DISTINCT vehicle, class FROM records').all() as { vehicle: string; class: string }[];
    const holes = this.db.prepare(
      `SELECT prev + 1 AS fromCseq, cseq - 1 AS toCseq FROM (
         SELECT cseq, coalesce(lag(cseq) OVER (ORDER BY cseq), 0) AS prev FROM records WHERE vehicle = ? AND class = ?
       ) WHERE cseq > prev + 1`,
    );
    const covered = this.db.prepare('SELECT coalesce(sum(min(to_cseq, ?) - max(from_cseq, ?) + 1), 0) AS n FROM evictions WHERE vehicle = ? AND class = ? AND from_cseq <= ? AND to_cseq >= ?');
    for (const g of groups) {
      for (const h of holes.all(g.vehicle, g.class) as { fromCseq: number; toCseq: number }[]) {
        const n = (covered.get(h.toCseq, h.fromCseq, g.vehicle, g.class, h.toCseq, h.fromCseq) as { n: number }).n;
        out.push({ vehicle: g.vehicle, class: g.class, fromCseq: h.fromCseq, toCseq: h.toCseq, evicted: n >= h.toCseq - h.fromCseq + 1 });
      }
    }
    return out;
  }

  /** Records of a class in arrival order at HQ. */
  arrivalOrder(vehicle: string, cls: string): { seq: number; cseq: number }[] {
    return this.db.prepare('SELECT seq, cseq FROM records WHERE vehicle = ? AND class = ? ORDER BY rx').all(vehicle, cls) as { seq: number; cseq: number }[];
  }

  counts(): { records: number; batches: number; duplicates: number; bytes: number } {
    const r = this.db.prepare('SELECT count(*) AS n FROM records').get() as { n: number };
    const b = this.db.prepare('SELECT count(*) AS n, coalesce(sum(duplicates), 0) AS d, coalesce(sum(bytes), 0) AS bytes FROM batches').get() as { n: number; d: number; bytes: number };
    return { records: r.n, batches: b.n, duplicates: b.d, bytes: b.bytes };
  }
}

function corrected(off: { monoMs: number; wallTime: string }, monoMs: number): string {
  return new Date(Math.round(Date.parse(off.wallTime) + (monoMs - off.monoMs))).toISOString();
}

// The journal: every record, append-only, written together with its outbox row in
// the caller's transaction (DESIGN.md "Store": journal and outbox in one transaction).
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../platform/clock.js';
import { uuidv7 } from '../platform/ids.js';
import type { Db } from './database.js';
import type { RecordInput, StoredRecord, RecordClass } from './records.js';
import type { ClockQuality } from '../platform/clock.js';

/** Where a new record is queued for HQ (outbox.ts); it may refuse with STORE_FULL. */
export interface OutboxQueue {
  enqueue(seq: number, cls: RecordClass, bytes: number): number;
}

interface Row {
  seq: number;
  id: string;
  vehicle: string;
  type: string;
  class: RecordClass;
  created_at: string;
  clock: ClockQuality;
  mono_ms: number;
  boot_id: string;
  command_id: string | null;
  actor: string | null;
  payload: string;
}

function fromRow(r: Row): StoredRecord {
  return {
    seq: r.seq,
    id: r.id,
    vehicle: r.vehicle,
    type: r.type,
    class: r.class,
    createdAt: r.created_at,
    clock: r.clock,
    monoMs: r.mono_ms,
    bootId: r.boot_id,
    commandId: r.command_id,
    actor: r.actor,
    payload: JSON.parse(r.payload) as unknown,
  };
}

export class Journal {
  private readonly insert: Statement;
  private readonly bySeq: Statement;
  private readonly after: Statement;
  private readonly byCommand: Statement;
  private readonly countStmt: Statement;
  private readonly classRange: Statement;
  private readonly classSince: Statement;

  constructor(
    private readonly db: Db,
    private readonly vehicle: string,
    private readonly clock: Clock,
    private readonly outbox: OutboxQueue,
  ) {
    this.insert = db.prepare(
      `INSERT INTO journal (id, vehicle, type, class, created_at, clock, mono_ms, boot_id, command_id, actor, payload)
       VALUES (@id, @vehicle, @type, @class, @created_at, @clock, @mono_ms, @boot_id, @command_id, @actor, @payload)`,
    );
    this.bySeq = db.prepare('SELECT * FROM journal WHERE seq = ?');
    this.after = db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?');
    this.byCommand = db.prepare('SELECT * FROM journal WHERE command_id = ? ORDER BY seq');
    this.classRange = db.prepare('SELECT * FROM journal WHERE class = ? AND created_at >= ? AND created_at < ? ORDER BY seq');
    this.classSince = db.prepare('SELECT * FROM journal WHERE class = ? AND created_at >= ? ORDER BY seq');
    this.countStmt = db.prepare('SELECT count(*) AS n, coalesce(max(seq), 0) AS last FROM journal');
  }

  /** Appends a record and its outbox entry. Must run inside a transaction. */
  append(input: RecordInput): StoredRecord {
    const now = this.clock.now();
    const payload = JSON.stringify(input.payload);
    const row = {
      id: uuidv7(now.getTime()),
      vehicle: this.vehicle,
      type: input.type,
      class: input.class,
      created_at: now.toISOString(),
      clock: this.clock.quality(),
      mono_ms: this.clock.monoMs(),
      boot_id: this.clock.bootId,
      command_id: input.commandId ?? null,
      actor: input.actor ?? null,
      payload,
    };
    const seq = Number(this.insert.run(row).lastInsertRowid);
    this.outbox.enqueue(seq, input.class, Buffer.byteLength(payload));
    return fromRow({ ...row, seq });
  }

  get(seq: number): StoredRecord | undefined {
    const r = this.bySeq.get(seq) as Row | undefined;
    return r && fromRow(r);
  }

  list(afterSeq: number, limit: number): StoredRecord[] {
    return (this.after.all(afterSeq, limit) as Row[]).map(fromRow);
  }

  /**
   * Records of one class journaled in [from, to) (to: open-ended when omitted), in journal
   * order, read lazily. By wall clock: a record's own time (e.g. a queue event's `at`) is the
   * caller's to check. Times compare as ISO strings, which order correctly for years 0-9999.
   */
  *ofClass(cls: RecordClass, from: Date, to?: Date): Generator<StoredRecord> {
    const rows = to === undefined ? this.classSince.iterate(cls, from.toISOString()) : this.classRange.iterate(cls, from.toISOString(), to.toISOString());
    for (const r of rows as Iterable<Row>) yield fromRow(r);
  }

  forCommand(commandId: string): StoredRecord[] {
    return (this.byCommand.all(commandId) as Row[]).map(fromRow);
  }

  stats(): { count: number; lastSeq: number } {
    const r = this.countStmt.get() as { n: number; last: number };
    return { count: r.n, lastSeq: r.last };
  }
}

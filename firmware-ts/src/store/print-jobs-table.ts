// The print_jobs table (migration 2): what the printer driver's durability port
// needs, in the store's own terms. Writes go through the group commit like every
// other write, so a job is on disk before its bytes go to the printer.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export interface PrintJobRow {
  id: string;
  printer: string;
  title: string;
  createdAt: string;
  bytes: Buffer;
  copies: number;
  reprintOf: string | null;
  doneAt: string | null;
}

interface Raw {
  id: string;
  printer: string;
  title: string;
  created_at: string;
  bytes: Buffer;
  copies: number;
  reprint_of: string | null;
  done_at: string | null;
}

const fromRaw = (r: Raw): PrintJobRow => ({
  id: r.id,
  printer: r.printer,
  title: r.title,
  createdAt: r.created_at,
  bytes: r.bytes,
  copies: r.copies,
  reprintOf: r.reprint_of,
  doneAt: r.done_at,
});

export class PrintJobsTable {
  private readonly insert: Statement;
  private readonly done: Statement;
  private readonly pendingStmt: Statement;
  private readonly getStmt: Statement;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO print_jobs (id, printer, title, created_at, bytes, copies, reprint_of, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.done = db.prepare('UPDATE print_jobs SET done_at = ? WHERE id = ?');
    this.pendingStmt = db.prepare('SELECT * FROM print_jobs WHERE printer = ? AND done_at IS NULL ORDER BY seq');
    this.getStmt = db.prepare('SELECT * FROM print_jobs WHERE id = ?');
  }

  save(j: PrintJobRow): void {
    this.insert.run(j.id, j.printer, j.title, j.createdAt, j.bytes, j.copies, j.reprintOf, j.doneAt);
  }

  /** False when no job has that id. */
  markDone(id: string, at: string): boolean {
    return this.done.run(at, id).changes === 1;
  }

  pending(printer: string): PrintJobRow[] {
    return (this.pendingStmt.all(printer) as Raw[]).map(fromRaw);
  }

  get(id: string): PrintJobRow | undefined {
    const r = this.getStmt.get(id) as Raw | undefined;
    return r && fromRaw(r);
  }
}

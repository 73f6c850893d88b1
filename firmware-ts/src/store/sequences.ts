// Named counters for numbers citizens hold on paper (request tracking numbers, receipt
// series). A number advances inside the transaction of the record that uses it, so it is
// either committed with that record or never existed: a crash between assigning and
// committing rolls both back, and no printed or answered number can ever be issued twice.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export class Sequences {
  private readonly bump: Statement;
  private readonly peekStmt: Statement;

  constructor(db: Db) {
    this.bump = db.prepare('INSERT INTO sequences (name, last) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET last = last + 1 RETURNING last');
    this.peekStmt = db.prepare('SELECT last FROM sequences WHERE name = ?');
  }

  /** The next number of `name` (1, 2, ...). Must run inside a transaction. */
  next(name: string): number {
    return (this.bump.get(name) as { last: number }).last;
  }

  /** The last number issued, 0 when none. */
  peek(name: string): number {
    return (this.peekStmt.get(name) as { last: number } | undefined)?.last ?? 0;
  }
}

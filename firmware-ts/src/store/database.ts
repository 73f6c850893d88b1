// Opens the journal database: SQLite in WAL mode with synchronous=FULL, so a
// commit is on disk (fsync) before anyone hears "ok" (DESIGN.md non-negotiable 1).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    configure(db);
  } catch (e) {
    db.close(); // never leak a half-opened connection (e.g. on a read-only disk)
    throw e;
  }
  return db;
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every commit, so a committed record survives a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Keep the WAL from growing without bound between checkpoints.
  db.pragma('journal_size_limit = 67108864');
  migrate(db);
}

export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`journal schema version ${current} is newer than this gateway knows (${MIGRATIONS.length}); refusing to downgrade`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

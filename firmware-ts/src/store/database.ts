// Opens the journal database: SQLite in WAL mode with synchronous=NORMAL. A
// commit is still on disk before anyone hears "ok" (DESIGN.md non-negotiable 1):
// the group committer fdatasyncs the WAL off the main thread and answers only after
// that (group-commit.ts, wal-sync.ts, docs/store-durability.md).
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
  // NORMAL, not FULL: FULL fsyncs the WAL inside COMMIT, which blocked the event loop
  // for every batch (35% of the main thread under load). With NORMAL, COMMIT only
  // writes the frames; WalSync fdatasyncs them on the threadpool before any reply.
  // SQLite still syncs the WAL before each checkpoint, the database after it, and the
  // WAL header when the file is reused, so checkpoints cannot lose committed frames.
  db.pragma('synchronous = NORMAL');
  // A checkpoint runs inside the COMMIT that pushes the WAL past this many pages, on the
  // main thread, with two fsyncs, and copies each distinct page once. The journal's hot
  // pages (rightmost leaves, counters, cursors) are few, so a checkpoint's cost grows with
  // them, not with this figure, while the copies it saves are SD-card writes: 4000 pages
  // (~16 MB of WAL at most, then reused from its start) checkpoints a quarter as often as
  // SQLite's 1000 (docs/store-durability.md, docs/reliability.md "Disk writes").
  db.pragma('wal_autocheckpoint = 4000');
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

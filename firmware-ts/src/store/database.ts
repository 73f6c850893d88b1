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
  // SQLite's default of 1000 pages (~4 MB of WAL). 4000 saved about 3 % of the soak's disk
  // writes, but the WAL's growth is not in the free-disk floor's sums: on a nearly full card a
  // 16 MB WAL filled the disk at COMMIT (STORE_FULL for everything) before track points could
  // be evicted (test/chaos/disk-evict.test.ts). docs/store-durability.md.
  db.pragma('wal_autocheckpoint = 1000');
  // Each command runs in a SAVEPOINT inside its batch's transaction (group-commit.ts), so
  // SQLite keeps a statement journal of the pages a later command changes again. On disk
  // (temp_store=DEFAULT spills it past 64 KiB to a temp file) that was ~11 pwrite(2)s per
  // command, more than the WAL itself; in memory it is a few page copies.
  // (sqlite.org/tempfiles.html §2.5 "Statement Journal Files", §4 temp_store.)
  db.pragma('temp_store = MEMORY');
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

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

/**
 * The page size of a new journal. SQLite's 4 KiB made each small transaction (a command:
 * ~9 b-tree pages) write ~40 KiB of WAL; at 1 KiB the same pages are a quarter of the bytes.
 * The 5-minute soak at the van's load: 113 MB/h written with 4 KiB pages, 47-51 MB/h with
 * 1 KiB (issue 10, SD-card wear); the bench's row (a) did not move. A journal created
 * before keeps its page size: in WAL mode it changes only through VACUUM (docs/operations.md).
 */
export const NEW_JOURNAL_PAGE_SIZE = 1024;

/**
 * SQLite's page cache for the journal, in KiB. better-sqlite3 builds SQLite with
 * SQLITE_DEFAULT_CACHE_SIZE=-16000: a 16 MB cache, malloc'd page by page as pages are first
 * touched and never given back, so RSS rose with the journal until 16 MB of it was cached:
 * over days in a van (issue 10's soak, target < 1 MB/h of RSS), and within the bench's durable
 * rounds (row (c) 119 MB with it, 104 MB at 2 MiB). At 2 MiB the cache still took two and a
 * half hours of the van's load to fill, and that fill was the soak's RSS slope (glibc's arena
 * +1.74 MB as the journal passed 1.8 MB; docs/reliability.md). A command touches the b-trees'
 * right edges, the idempotency index and the outbox cursors, a few dozen pages; 512 pages of
 * 1 KiB hold those, a miss is a pread from the kernel's page cache, and the bench's rows (a)-(c)
 * and s1-s5 measured the same at 512 KiB as at 2 MiB (session 8, docs/store-durability.md).
 */
export const JOURNAL_CACHE_KIB = 512;

function configure(db: Db): void {
  // Takes effect only while the file has no tables yet: it must come before journal_mode.
  db.pragma(`page_size = ${NEW_JOURNAL_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  // NORMAL, not FULL: FULL fsyncs the WAL inside COMMIT, which blocked the event loop
  // for every batch (35% of the main thread under load). With NORMAL, COMMIT only
  // writes the frames; WalSync fdatasyncs them on the threadpool before any reply.
  // SQLite still syncs the WAL before each checkpoint, the database after it, and the
  // WAL header when the file is reused, so checkpoints cannot lose committed frames.
  db.pragma('synchronous = NORMAL');
  // SQLite's default of 1000 pages: 1 MB of WAL at 1 KiB pages (4 MB for an older journal).
  // A checkpoint runs on the main thread, one pwrite per page, so its size is a latency
  // spike: at 4096 pages row (a) did 3,745-4,169 commands/s with p99 18.7-20.1 ms, at 1000
  // pages 3,204-3,773/s with p99 13.3-15.9 ms. No larger in any case: the WAL's growth is not
  // in the free-disk floor's sums, and on a nearly full card a 16 MB WAL filled the disk at
  // COMMIT before track points could be evicted (test/chaos/disk-evict.test.ts).
  db.pragma('wal_autocheckpoint = 1000');
  // Each command runs in a SAVEPOINT inside its batch's transaction (group-commit.ts), so
  // SQLite keeps a statement journal of the pages a later command changes again. On disk
  // (temp_store=DEFAULT spills it past 64 KiB to a temp file) that was ~11 pwrite(2)s per
  // command, more than the WAL itself; in memory it is a few page copies.
  // (sqlite.org/tempfiles.html §2.5 "Statement Journal Files", §4 temp_store.)
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${JOURNAL_CACHE_KIB}`);
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

// The idempotency table (migration 7) on real SQLite files: answers survive the migration
// from the old WITHOUT ROWID layout, rows are kept in arrival order (so a commit appends to one
// leaf instead of dirtying a random one), and pruning forgets exactly the ids past retention.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../firmware-ts/src/store/database.js';
import { IdempotencyTable } from '../../firmware-ts/src/store/idempotency.js';
import { MIGRATIONS } from '../../firmware-ts/src/store/migrations.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterEach(() => cleanupTempDirs());

/** A journal file at schema 6, the layout before migration 7, with two remembered commands. */
function version6(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (let v = 0; v < 6; v++) {
    db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${v + 1}`);
  }
  const put = db.prepare('INSERT INTO commands (id, actor, topic, payload_hash, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  put.run('ffff0000-0000-4000-8000-000000000001', 'tablet1', 'vim/cmd/logbook/add', 'h-b', '{"id":"ffff0000-0000-4000-8000-000000000001","ok":true,"result":{"seq":2}}', '2026-11-28T09:00:01.000Z');
  put.run('00000000-0000-4000-8000-000000000002', 'tablet2', 'vim/cmd/queue/take', 'h-a', '{"id":"00000000-0000-4000-8000-000000000002","ok":true,"result":{"seq":1}}', '2026-11-28T09:00:00.000Z');
  db.close();
}

describe('commands table', () => {
  it('migration 7 keeps every stored answer, in arrival order, and the ids stay unique', () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'journal.sqlite');
    version6(file);
    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const rows = db.prepare('SELECT n, id, actor, answer FROM commands ORDER BY n').all() as { n: number; id: string; actor: string; answer: string }[];
      // Ordered by when they were first answered, not by the random id.
      expect(rows.map((r) => r.actor)).toEqual(['tablet2', 'tablet1']);
      const t = new IdempotencyTable(db);
      expect(t.lookup('ffff0000-0000-4000-8000-000000000001', 'tablet1', 'h-b')).toEqual({ kind: 'replay', answer: { id: 'ffff0000-0000-4000-8000-000000000001', ok: true, result: { seq: 2 } } });
      expect(t.lookup('00000000-0000-4000-8000-000000000002', 'tablet2', 'h-other')).toEqual({ kind: 'conflict', firstTopic: 'vim/cmd/queue/take' });
      expect(() => t.remember('00000000-0000-4000-8000-000000000002', 'tablet2', 't', 'h', {})).toThrow(/UNIQUE/);
      // Neither the old created_at index nor a WITHOUT ROWID table survive.
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'commands'").all() as { name: string }[]).map((r) => r.name);
      expect(indexes).toEqual(['commands_id']);
      expect(migrate(db)).toBe(MIGRATIONS.length); // a second start migrates nothing
      // Statement journals of the per-command savepoints stay in memory (database.ts).
      expect(db.pragma('temp_store', { simple: true })).toBe(2);
    } finally {
      db.close();
    }
  });

  it('a new command appends to the table: random ids do not scatter rows over the leaves', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, 'journal.sqlite'));
    try {
      const t = new IdempotencyTable(db);
      const ids = ['c', 'a', 'e', 'b', 'd'].map((x) => `${x.repeat(8)}-0000-4000-8000-000000000000`);
      db.transaction(() => ids.forEach((id, i) => t.remember(id, 'u', 'topic', `h${i}`, { i })))();
      expect((db.prepare('SELECT id FROM commands ORDER BY n').all() as { id: string }[]).map((r) => r.id)).toEqual(ids);
    } finally {
      db.close();
    }
  });

  it('prune forgets only ids older than the retention, wherever they are in arrival order', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, 'journal.sqlite'));
    try {
      const put = db.prepare('INSERT INTO commands (id, actor, topic, payload_hash, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      // The third row was written while the clock was a year behind: still old, still pruned.
      put.run('old-1', 'u', 't', 'h', '{}', '2026-10-01T00:00:00.000Z');
      put.run('new-1', 'u', 't', 'h', '{}', '2026-11-28T00:00:00.000Z');
      put.run('old-2', 'u', 't', 'h', '{}', '2025-11-28T00:00:00.000Z');
      put.run('new-2', 'u', 't', 'h', '{}', '2026-11-28T01:00:00.000Z');
      const t = new IdempotencyTable(db);
      expect(t.prune(new Date('2026-11-01T00:00:00.000Z'))).toBe(2);
      expect((db.prepare('SELECT id FROM commands ORDER BY n').all() as { id: string }[]).map((r) => r.id)).toEqual(['new-1', 'new-2']);
      expect(t.lookup('old-1', 'u', 'h')).toEqual({ kind: 'new' });
    } finally {
      db.close();
    }
  });
});

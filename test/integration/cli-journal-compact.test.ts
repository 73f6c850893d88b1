// `vimgw journal compact`: a journal made the way a release before 1 KiB pages made it (4 KiB
// pages, WAL, the project's migrations, real records through the store API) is rewritten with
// NEW_JOURNAL_PAGE_SIZE; every row of every table is the same afterwards, and the gateway's
// store opens it, replays a stored command and appends. The refusals leave the file's bytes as
// they were: a running gateway (control socket answers, or SQLite finds the journal open in
// another connection), too little disk, a newer schema, a file that is no journal, a failed
// VACUUM, bad arguments. One run of the built `vimgw` binary (build first: it runs dist).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CompactRefused, compactJournal, journalCompact, OPEN_ELSEWHERE, spaceShortfalls, type CompactDeps } from '../../firmware-ts/src/cli/journal-compact.js';
import { migrate, NEW_JOURNAL_PAGE_SIZE, openDatabase } from '../../firmware-ts/src/store/database.js';
import { payloadHash } from '../../firmware-ts/src/store/idempotency.js';
import { MIGRATIONS } from '../../firmware-ts/src/store/migrations.js';
import { openTestStore } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { vimgw } from '../helpers/vimgw-cli.js';

afterAll(cleanupTempDirs);
afterEach(() => vi.restoreAllMocks());

const CLASSES = ['money', 'requests', 'queue', 'events', 'track'] as const;

/** A journal as a release before 1 KiB pages left it; the command ids it remembered. */
async function oldJournal(records = 1500) {
  const dir = tempDir('vimgw-jc-');
  const file = join(dir, 'journal.sqlite');
  const db = new Database(file);
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = WAL');
  migrate(db);
  db.close();
  const store = await openTestStore(dir);
  store.outbox.registerConsumer('push');
  store.outbox.registerConsumer('pull');
  const commands: { id: string; topic: string; payload: unknown }[] = [];
  for (let b = 0; b < records / 250; b++) {
    await Promise.all(
      Array.from({ length: 250 }, (_, k) =>
        store.transact((tx) => {
          const i = b * 250 + k;
          const cls = CLASSES[i % CLASSES.length]!;
          const payload = cls === 'track' ? { lat: 40.07 + i / 1e6, lon: 29.5, sats: 11 } : { n: i, receipt: tx.sequences.next(`receipt-${cls}`), text: 'Çukur, İnegöl yolu '.repeat(1 + (i % 20)) };
          const commandId = cls === 'track' ? undefined : `cmd-${i}`;
          const rec = tx.journal.append({ type: `${cls}.test`, class: cls, payload, ...(commandId ? { commandId, actor: 'personel1' } : {}) });
          if (commandId) {
            const topic = `vim/cmd/${cls}/test`;
            tx.idempotency.remember(commandId, 'personel1', topic, payloadHash(topic, payload), { ok: true, seq: rec.seq });
            commands.push({ id: commandId, topic, payload });
          }
          if (i % 100 === 0) tx.printJobs.save({ id: `job-${i}`, printer: 'desk', title: 'fiş', createdAt: rec.createdAt, bytes: Buffer.alloc(3000 + i, i % 251), copies: 1, reprintOf: null, doneAt: i % 200 ? null : rec.createdAt });
          if (i % 150 === 0) tx.sms.enqueue({ id: `sms-${i}`, to: '+905321234567', text: 'Başvurunuz alındı', ref: `T${i}`, createdAt: rec.createdAt });
          return rec.seq;
        }),
      ),
    );
  }
  store.outbox.markDelivered('push', [1, 2, 3, 4, 5].map((k) => records / 2 - k)); // one of each class
  await store.transact(() => store.outbox.served('pull', 'money', Math.floor(records / 3)));
  const cursors = { push: store.outbox.cursors('push'), pull: store.outbox.cursors('pull') };
  await store.stop();
  return { dir, file, commands, cursors };
}

/** Every row of every table, the schema and the schema version. */
function dump(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return {
      userVersion: db.pragma('user_version', { simple: true }),
      schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
      rows: Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).raw().all()])),
    };
  } finally {
    db.close();
  }
}

const pragma = (file: string, name: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
};

/** The bytes of the journal and its WAL (hashed: comparing megabytes element-wise takes a second), to show a refusal changed nothing. */
const bytesOf = (file: string) => [file, `${file}-wal`].map((f) => createHash('sha256').update(existsSync(f) && statSync(f).isFile() ? readFileSync(f) : '').digest('hex')); // an empty WAL is no WAL

const none: CompactDeps = { gatewayAnswers: () => Promise.resolve(false) };

async function refusal(file: string, o: { force?: boolean; socket?: string | null } = {}, deps: CompactDeps = none): Promise<string> {
  const before = bytesOf(file);
  const e = await compactJournal(file, { force: o.force ?? false, socket: o.socket ?? null }, deps).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CompactRefused);
  expect(bytesOf(file)).toEqual(before);
  return (e as Error).message;
}

describe('vimgw journal compact', { timeout: 120_000 }, () => {
  it('rewrites a 4 KiB journal with 1 KiB pages, every row the same, and the store opens it, replays and appends', async () => {
    const { dir, file, commands, cursors } = await oldJournal();
    expect(pragma(file, 'page_size')).toBe(4096);
    const before = dump(file);
    expect((before.rows.journal as unknown[]).length).toBe(1500);
    expect((before.rows.print_jobs as unknown[]).length).toBeGreaterThan(0);
    expect(Object.values(cursors.push).every((c) => c.acked > 0)).toBe(true);

    const r = await compactJournal(file, { force: false, socket: null }, none);
    expect(r).toMatchObject({ action: 'compacted', schemaVersion: MIGRATIONS.length, pageSize: { before: 4096, after: NEW_JOURNAL_PAGE_SIZE }, records: { count: 1500, lastSeq: 1500 }, integrity: 'ok' });
    // No rollback journal or WAL left beside it. (A -shm made by the read-only checks above
    // stays: a read-only connection cannot remove it; the next opener resets it.)
    expect(readdirSync(dir).filter((f) => !f.endsWith('-shm')).sort()).toEqual(['journal.sqlite', 'journal.sqlite.key']);
    expect(r.pageCount.after).toBe(pragma(file, 'page_count'));
    expect(r.fileBytes.after).toBe(r.pageCount.after * 1024);
    expect(pragma(file, 'page_size')).toBe(1024);
    expect(pragma(file, 'journal_mode')).toBe('wal');
    expect(pragma(file, 'integrity_check')).toBe('ok');
    expect(dump(file)).toEqual(before);

    const store = await openTestStore(dir);
    expect(store.journal.stats()).toEqual({ count: 1500, lastSeq: 1500 });
    const c = commands[7]!;
    expect(store.read((tx) => tx.idempotency.lookup(c.id, 'personel1', payloadHash(c.topic, c.payload)))).toMatchObject({ kind: 'replay' });
    expect({ push: store.outbox.cursors('push'), pull: store.outbox.cursors('pull') }).toEqual(cursors);
    const next = await store.transact((tx) => tx.journal.append({ type: 'after.compact', class: 'money', payload: {} }));
    expect(next.seq).toBe(1501);
    await store.stop();
    expect(pragma(file, 'page_size')).toBe(1024);
  });

  it('takes in the records a crashed gateway left in the WAL', async () => {
    const { dir } = await oldJournal(500);
    const store = await openTestStore(dir);
    for (let i = 0; i < 50; i++) await store.transact((tx) => tx.journal.append({ type: 'late', class: 'events', payload: { i } }));
    const crashed = join(tempDir('vimgw-jc-crash-'), 'journal.sqlite');
    copyFileSync(join(dir, 'journal.sqlite'), crashed);
    copyFileSync(join(dir, 'journal.sqlite-wal'), `${crashed}-wal`);
    await store.stop();
    const r = await compactJournal(crashed, { force: false, socket: null }, none);
    expect(r.fileBytes.walBefore).toBeGreaterThan(0);
    expect(r.records).toEqual({ count: 550, lastSeq: 550 });
    expect(dump(crashed)).toEqual(dump(join(dir, 'journal.sqlite')));
  });

  it('is refused while another connection has the journal open: SQLite answers SQLITE_BUSY', async () => {
    const { dir, file } = await oldJournal(250);
    // The fact the command relies on: a WAL journal that another connection has read from
    // cannot leave WAL mode. (A connection only constructed, never read from, holds no lock;
    // the gateway's reads at open, the migrations, take one at once.)
    const holder = openDatabase(file);
    const other = new Database(file, { timeout: 100 });
    expect(() => other.pragma('journal_mode = DELETE')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }) as Error);
    other.close();
    expect(await refusal(file)).toContain(OPEN_ELSEWHERE);
    holder.close();
    // The gateway's own store, running.
    const store = await openTestStore(dir);
    expect(await refusal(file)).toBe(`cannot read ${file}: ${OPEN_ELSEWHERE}`);
    await store.stop();
    expect((await compactJournal(file, { force: false, socket: null }, none)).action).toBe('compacted');
  });

  it('is refused while the control socket answers', async () => {
    const { dir, file } = await oldJournal(250);
    const sock = join(dir, 'control.sock');
    const server = createServer((_req, res) => res.end('{"devices":[]}'));
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(await refusal(file, { socket: sock }, {})).toBe(`the gateway is running (its control socket ${sock} answers); stop it with systemctl stop vim-gateway, then run this again`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // A stale socket file (nobody behind it) is not a running gateway.
    writeFileSync(join(dir, 'stale.sock'), '');
    expect((await compactJournal(file, { force: false, socket: join(dir, 'stale.sock') })).action).toBe('compacted');
  });

  it('wants room for SQLite\'s temporary copy and the rollback journal, plus 10 %', async () => {
    const fs = (dev: number, free: number) => ({ dir: `/fs${dev}`, dev, free });
    // One filesystem for the journal and the temporary directory: two copies.
    expect(spaceShortfalls(1000, fs(1, 2200), fs(1, 2200))).toEqual([]);
    expect(spaceShortfalls(1000, fs(1, 2199), fs(1, 2199))).toEqual([{ dir: '/fs1', needed: 2200, free: 2199 }]);
    // Apart: one copy each.
    expect(spaceShortfalls(1000, fs(1, 1100), fs(2, 1100))).toEqual([]);
    expect(spaceShortfalls(1000, fs(1, 5000), fs(2, 1099))).toEqual([{ dir: '/fs2', needed: 1100, free: 1099 }]);

    const { file } = await oldJournal(250);
    const size = readFileSync(file).length;
    const msg = await refusal(file, {}, { ...none, space: (dir) => ({ dir, dev: 7, free: 1000 }) });
    expect(msg).toContain(`not enough free space to compact ${file}: ${2 * Math.ceil(size * 1.1)} bytes`);
    expect(msg).toMatch(/needed on the filesystem of .*, 1000 bytes \(1000 B\) free/);
  });

  it('refuses a newer schema and files that are not journals of this gateway', async () => {
    const { file } = await oldJournal(250);
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(await refusal(file)).toBe(`${file} has journal schema version ${MIGRATIONS.length + 1}, newer than this vimgw knows (${MIGRATIONS.length}); use the vimgw of the release that wrote it`);

    const dir = tempDir('vimgw-jc-bad-');
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database, '.repeat(100));
    expect(await refusal(text)).toBe(`${text} is not a SQLite database, so not a journal of this gateway`);
    const other = join(dir, 'other.sqlite');
    const o = new Database(other);
    o.exec('CREATE TABLE t (x)');
    o.close();
    expect(await refusal(other)).toBe(`${other} is a SQLite database but not a journal of this gateway (schema version 0, no journal table)`);
    expect(await refusal(join(dir, 'missing.sqlite'))).toBe(`there is no journal at ${join(dir, 'missing.sqlite')}`);
    expect(await refusal(dir)).toBe(`${dir} is a directory, not a journal file`);
  });

  it('leaves a journal with 1 KiB pages alone, unless --force', async () => {
    const store = await openTestStore();
    for (let i = 0; i < 20; i++) await store.transact((tx) => tx.journal.append({ type: 'x', class: 'events', payload: { i } }));
    await store.stop();
    const before = dump(store.path);
    const same = bytesOf(store.path);
    const r = await compactJournal(store.path, { force: false, socket: null }, { ...none, space: () => expect.unreachable() });
    expect(r).toMatchObject({ action: 'unchanged', pageSize: { before: 1024, after: 1024 }, records: { count: 20, lastSeq: 20 }, integrity: null });
    expect(bytesOf(store.path)).toEqual(same);
    const forced = await compactJournal(store.path, { force: true, socket: null }, none);
    expect(forced).toMatchObject({ action: 'compacted', pageSize: { before: 1024, after: 1024 }, integrity: 'ok' });
    expect(dump(store.path)).toEqual(before);
  });

  it('keeps the journal as it was, in WAL mode, when VACUUM fails', async () => {
    const { file } = await oldJournal(250);
    const before = dump(file);
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const failing = { ...none, vacuum: () => { throw full; } };
    // Not refusal(): switching the journal mode there and back rewrites the header's counters.
    const msg = await compactJournal(file, { force: false, socket: null }, failing).then(() => 'compacted', (e: Error) => e.message);
    expect(msg).toBe(`compacting ${file} failed: the disk filled up during VACUUM (SQLite rolled it back); the journal keeps its 4096-byte pages`);
    expect(pragma(file, 'journal_mode')).toBe('wal');
    expect(pragma(file, 'page_size')).toBe(4096);
    expect(dump(file)).toEqual(before);
  });

  it('answers bad arguments and an unreadable config without touching anything (the built vimgw)', async () => {
    const { dir, file } = await oldJournal(250);
    const before = bytesOf(file);
    const foo = await vimgw(['journal', 'foo']);
    expect(foo.code).toBe(64);
    expect(foo.stderr).toContain('journal: expected "compact"');
    const extra = await vimgw(['journal', 'compact', file]);
    expect(extra.code).toBe(64);
    expect(extra.stderr).toContain(`journal compact: unexpected argument "${file}" (name a journal with --file)`);
    const noConfig = await vimgw(['journal', 'compact', '--config', join(dir, 'nope.json')]);
    expect(noConfig.code).toBe(78);
    expect(noConfig.stderr).toContain(`cannot find the journal: config ${join(dir, 'nope.json')} cannot be read (ENOENT); pass --config FILE or --file JOURNAL`);
    const missing = await vimgw(['journal', 'compact', '--file', join(dir, 'gone.sqlite'), '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ ok: false, file: join(dir, 'gone.sqlite'), error: `there is no journal at ${join(dir, 'gone.sqlite')}` });
    const asDir = await vimgw(['journal', 'compact', '--file', dir]);
    expect(asDir.code).toBe(1);
    expect(asDir.stderr).toContain(`${dir} is a directory, not a journal file`);
    expect(bytesOf(file)).toEqual(before);
    const help = await vimgw(['journal', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: vimgw journal compact /);
  });

  it('finds the journal through the config and compacts it (the built vimgw), then says there is nothing to do', async () => {
    const { dir, file } = await oldJournal(500);
    const before = dump(file);
    const cfg = join(dir, 'etc', 'config.json');
    mkdirSync(join(dir, 'etc'));
    writeFileSync(cfg, JSON.stringify({ dataDir: '..', control: { socket: '../run/control.sock' } }));
    const r = await vimgw(['journal', 'compact', '--config', cfg]);
    expect(r.stderr).toContain(`compacting ${file} (`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^compacted ${file} in \\d+\\.\\d s\\n  page size  4096 -> 1024 bytes\\n  pages      \\d+ -> \\d+\\n`));
    expect(r.stdout).toContain('  records    500, last seq 500 (unchanged)\n  integrity  ok\n');
    expect(dump(file)).toEqual(before);
    const again = await vimgw(['journal', 'compact', '--json'], { env: { VIM_CONFIG: cfg } });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, action: 'unchanged', file, pageSize: { before: 1024, after: 1024 } });
  });
});

describe('journalCompact (in process)', () => {
  it('prints the report, and --json the same fields', async () => {
    const { file } = await oldJournal(250);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await journalCompact({ file, json: true, force: false }, none)).toBe(0);
    const j = JSON.parse(out.mock.calls.map((c) => String(c[0])).join('')) as Record<string, unknown>;
    expect(j).toMatchObject({ ok: true, action: 'compacted', file, records: { count: 250, lastSeq: 250 }, integrity: 'ok' });
    expect(Object.keys(j).sort()).toEqual(['action', 'durationMs', 'file', 'fileBytes', 'integrity', 'ok', 'pageCount', 'pageSize', 'records', 'schemaVersion']);
    expect(err).not.toHaveBeenCalled();
    rmSync(file);
    out.mockClear();
    expect(await journalCompact({ file, json: false, force: false }, none)).toBe(1);
    expect(out).not.toHaveBeenCalled();
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toBe(`refused: there is no journal at ${file}\n`);
  });
});

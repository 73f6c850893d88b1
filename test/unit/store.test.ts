import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../firmware-ts/src/store/database.js';
import { StoreError } from '../../firmware-ts/src/store/errors.js';
import { GroupCommitter } from '../../firmware-ts/src/store/group-commit.js';
import type { DurableSync } from '../../firmware-ts/src/store/wal-sync.js';
import { FakeClock, openTestStore } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

describe('journal', () => {
  it('stamps every record with the fields DESIGN.md lists', async () => {
    const clock = new FakeClock();
    clock.q = 'gnss';
    const store = await openTestStore(tempDir(), clock);
    const rec = await store.transact((tx) => tx.journal.append({ type: 'logbook.entry', class: 'events', payload: { text: 'Çay ocağı' }, commandId: 'c1', actor: 'ayse' }));
    expect(rec).toMatchObject({
      seq: 1,
      vehicle: 'VIM-T1',
      type: 'logbook.entry',
      class: 'events',
      createdAt: '2026-11-28T09:00:00.000Z',
      clock: 'gnss',
      bootId: 'test-boot',
      commandId: 'c1',
      actor: 'ayse',
      payload: { text: 'Çay ocağı' },
    });
    expect(rec.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rec.monoMs).toBe(9 * 3600_000);
    expect(store.journal.get(1)).toEqual(rec);
    await store.stop();
  });

  it('writes journal and outbox together and tracks delivery per consumer', async () => {
    const store = await openTestStore();
    await Promise.all(
      (['track', 'money', 'events', 'money'] as const).map((cls, i) => store.transact((tx) => tx.journal.append({ type: `t${i}`, class: cls, payload: { i } }))),
    );
    store.outbox.registerConsumer('push');
    store.outbox.registerConsumer('pull');
    // Priority order: money first, track points last, oldest first within a class.
    expect(store.outbox.pending('push', 10).map((e) => [e.class, e.seq])).toEqual([
      ['money', 2],
      ['money', 4],
      ['events', 3],
      ['track', 1],
    ]);
    store.outbox.markDelivered('push', [2, 4]);
    store.outbox.markDelivered('push', [2]); // a repeated ack changes nothing
    expect(store.outbox.pending('push', 10).map((e) => e.seq)).toEqual([3, 1]);
    expect(store.outbox.pending('pull', 10)).toHaveLength(4);
    expect(store.outbox.backlog('push').money.count).toBe(0);
    expect(store.outbox.backlog('pull').money.count).toBe(2);
    await store.stop();
  });

  it('keeps every committed record across a reopen, with seq never reused', async () => {
    const dir = tempDir();
    let store = await openTestStore(dir);
    for (let i = 0; i < 5; i++) await store.transact((tx) => tx.journal.append({ type: 'x', class: 'events', payload: { i } }));
    await store.stop();
    store = await openTestStore(dir);
    expect(store.journal.stats()).toEqual({ count: 5, lastSeq: 5 });
    const r = await store.transact((tx) => tx.journal.append({ type: 'x', class: 'events', payload: { i: 5 } }));
    expect(r.seq).toBe(6);
    await store.stop();
  });

  it('opens in WAL mode with synchronous=NORMAL (the group committer fdatasyncs), 1 KiB pages for a new journal and the default 1000-page autocheckpoint (a larger WAL escapes the free-disk floor)', async () => {
    const store = await openTestStore();
    const db = new Database(store.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const own = openDatabase(join(tempDir(), 'j.sqlite'));
    expect(own.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(own.pragma('page_size', { simple: true })).toBe(1024);
    expect(own.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // A 512 KiB page cache, not better-sqlite3's 16 MB default that grew RSS with the journal.
    expect(own.pragma('cache_size', { simple: true })).toBe(-512);
    own.close();
    // A journal made with 4 KiB pages (before this release) keeps them.
    const oldFile = join(tempDir(), 'old.sqlite');
    const before = new Database(oldFile);
    before.pragma('page_size = 4096');
    before.pragma('journal_mode = WAL');
    before.exec('CREATE TABLE t (x)');
    before.close();
    const old = openDatabase(oldFile);
    expect(old.pragma('page_size', { simple: true })).toBe(4096);
    expect(old.pragma('cache_size', { simple: true })).toBe(-512); // per connection, so an old journal too
    old.close();
    // synchronous is per connection; check the store's own connection through a probe record.
    expect(store.probe()).toBe(true);
    await store.stop();
    expect(store.probe()).toBe(false);
  });
});

describe('group commit', () => {
  it('commits concurrent work in one transaction and isolates a failing unit', async () => {
    const store = await openTestStore();
    const results = await Promise.allSettled([
      store.transact((tx) => tx.journal.append({ type: 'a', class: 'events', payload: {} }).seq),
      store.transact((tx) => {
        tx.journal.append({ type: 'doomed', class: 'events', payload: {} });
        throw new Error('handler bug');
      }),
      store.transact((tx) => tx.journal.append({ type: 'c', class: 'events', payload: {} }).seq),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const h = store.health();
    expect(h.counters?.commits).toBe(1);
    expect(h.counters?.largestBatch).toBe(3);
    // The failed unit's record was rolled back; the others stand.
    expect(store.journal.list(0, 10).map((r) => r.type)).toEqual(['a', 'c']);
    expect(store.outbox.pending('push', 10).map((e) => e.seq)).toEqual([1, 2]);
    await store.stop();
  });

  it('splits very large bursts into batches of maxBatch', async () => {
    const store = await openTestStore();
    await Promise.all(Array.from({ length: 1200 }, (_, i) => store.transact((tx) => tx.journal.append({ type: 'b', class: 'track', payload: { i } }))));
    const h = store.health();
    expect(h.counters?.largestBatch).toBe(512);
    expect(h.counters?.commits).toBe(3);
    expect(store.journal.stats().count).toBe(1200);
    await store.stop();
  });
});

describe('a full disk', () => {
  it('answers STORE_FULL, keeps reads working, writes nothing half, and recovers', async () => {
    const store = await openTestStore();
    await store.transact((tx) => tx.journal.append({ type: 'before', class: 'money', payload: { n: 1 } }));
    const pages = (new Database(store.path, { readonly: true }).pragma('page_count', { simple: true }) as number) + 1;
    store.limitPages(pages);
    const big = 'x'.repeat(64 * 1024);
    const err = await store.transact((tx) => tx.journal.append({ type: 'big', class: 'money', payload: { big } })).catch((e: unknown) => e);
    expect(err, String(err) + ' ' + String((err as { code?: string }).code)).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('STORE_FULL');
    expect(store.health().state).toBe('degraded');
    expect(store.health().detail).toContain('STORE_FULL');
    // Reads keep working and show nothing of the refused write.
    expect(store.journal.list(0, 10).map((r) => r.type)).toEqual(['before']);
    store.limitPages(1_000_000);
    const ok = await store.transact((tx) => tx.journal.append({ type: 'after', class: 'money', payload: { big } }));
    expect(ok.seq).toBe(2);
    expect(store.health().state).toBe('ok');
    await store.stop();
  });

  it('still commits the small records that shared a batch with the one that did not fit', async () => {
    const store = await openTestStore();
    await store.transact((tx) => tx.journal.append({ type: 'seed', class: 'events', payload: {} }));
    const pages = new Database(store.path, { readonly: true }).pragma('page_count', { simple: true }) as number;
    store.limitPages(pages + 6);
    const big = 'x'.repeat(256 * 1024);
    const results = await Promise.allSettled([
      store.transact((tx) => tx.journal.append({ type: 'small1', class: 'money', payload: { n: 1 } }).seq),
      store.transact((tx) => tx.journal.append({ type: 'big', class: 'track', payload: { big } }).seq),
      store.transact((tx) => tx.journal.append({ type: 'small2', class: 'money', payload: { n: 2 } }).seq),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'STORE_FULL' } });
    expect(results[2]).toMatchObject({ status: 'fulfilled' });
    expect(store.journal.list(0, 10).map((r) => r.type)).toEqual(['seed', 'small1', 'small2']);
    await store.stop();
  });

  it('answers STORE_UNAVAILABLE when the store is closed', async () => {
    const store = await openTestStore();
    await store.stop();
    const err = await store.transact(() => 1).catch((e: unknown) => e);
    expect((err as StoreError).code).toBe('STORE_UNAVAILABLE');
  });
});

/** A sync the test completes by hand; records what a reader saw when each one started. */
class ManualSync implements DurableSync {
  readonly started: { resolve: () => void; reject: (e: unknown) => void; committedRows: number }[] = [];
  syncNowCalls = 0;
  releases = 0;
  failSyncNow: Error | null = null;
  /** Thrown by the next sync() call itself (an fd that cannot be opened, say). */
  throwOnSync: Error | null = null;
  constructor(private readonly committedRows: () => number) {}
  sync(): Promise<void> {
    const t = this.throwOnSync;
    this.throwOnSync = null;
    if (t) throw t;
    return new Promise((resolve, reject) => this.started.push({ resolve, reject, committedRows: this.committedRows() }));
  }
  syncNow(): void {
    this.syncNowCalls++;
    if (this.failSyncNow) throw this.failSyncNow;
  }
  release(): void {
    this.releases++;
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(p: Promise<T>): { settled: () => boolean; p: Promise<T> } {
  let done = false;
  const q = p.finally(() => (done = true));
  q.catch(() => undefined);
  return { settled: () => done, p: q };
}

function committerRig() {
  const file = join(tempDir(), 'j.sqlite');
  const db: Db = openDatabase(file);
  db.exec('CREATE TABLE t (v TEXT)');
  // A second connection sees only committed data: what the sync was started after.
  const reader = new Database(file, { readonly: true });
  const count = reader.prepare('SELECT count(*) FROM t').pluck();
  const sync = new ManualSync(() => count.get() as number);
  const errors: unknown[] = [];
  let okUnits = 0;
  const gc = new GroupCommitter(db, 512, (e) => errors.push(e), (n) => (okUnits += n), sync);
  const insert = db.prepare('INSERT INTO t VALUES (?)');
  const add = (v: string) => track(gc.submit(() => insert.run(v).changes));
  const close = () => {
    reader.close();
    db.close();
  };
  return { db, gc, sync, errors, add, close, okUnits: () => okUnits };
}

describe('group commit durability (synchronous=NORMAL + WAL fdatasync)', () => {
  it('answers nobody before the fdatasync that started after their COMMIT has completed', async () => {
    const r = committerRig();
    const units = [r.add('a'), r.add('b'), r.add('c')];
    await turn();
    await turn();
    expect(r.sync.started).toHaveLength(1);
    expect(r.sync.started[0]!.committedRows).toBe(3); // the sync started after COMMIT
    await turn();
    expect(units.map((u) => u.settled())).toEqual([false, false, false]);
    expect(r.okUnits()).toBe(0);
    r.sync.started[0]!.resolve();
    expect(await Promise.all(units.map((u) => u.p))).toEqual([1, 1, 1]);
    expect(r.okUnits()).toBe(3);
    expect(r.gc.stats).toMatchObject({ commits: 1, syncs: 1 });
    r.close();
  });

  it('holds a failed unit\'s answer for the sync too (its error may rest on undurable data)', async () => {
    const r = committerRig();
    const taken = r.add('ticket A-001');
    await turn();
    await turn();
    const bad = track(r.gc.submit(() => {
      throw new Error('ticket already taken');
    }));
    await turn();
    await turn();
    expect(bad.settled()).toBe(false);
    expect(r.sync.started).toHaveLength(1); // the failed unit wrote nothing: no sync of its own
    r.sync.started[0]!.resolve();
    await expect(bad.p).rejects.toThrow('ticket already taken');
    expect(await taken.p).toBe(1);
    r.close();
  });

  it('a batch that writes nothing starts no fdatasync: it waits only for what was committed before it', async () => {
    const r = committerRig();
    // Everything durable already: an empty transaction (the push's barrier, a replayed command) answers at once.
    expect(await r.gc.submit(() => 'nothing written')).toBe('nothing written');
    expect(r.sync.started).toHaveLength(0);
    // A commit awaits its sync: the empty batch after it waits for that same sync, and adds none.
    const a = r.add('a');
    await turn();
    await turn();
    const empty = track(r.gc.submit(() => null));
    const refused = track(r.gc.submit(() => {
      throw new Error('CONFLICT');
    }));
    await turn();
    await turn();
    expect(empty.settled()).toBe(false);
    expect(refused.settled()).toBe(false);
    r.sync.started[0]!.resolve();
    await a.p;
    await empty.p;
    await expect(refused.p).rejects.toThrow('CONFLICT');
    expect(r.sync.started).toHaveLength(1);
    expect(r.gc.stats.commits).toBe(3);
    r.close();
  });

  it('a failed sync rejects the waiting units with a StoreError, marks the store failed and refuses every later write', async () => {
    const r = committerRig();
    const first = [r.add('a'), r.add('b')];
    await turn();
    await turn();
    const second = r.add('c'); // commits while the first sync runs
    await turn();
    await turn();
    const queued = r.add('d');
    r.sync.started[0]!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const results = await Promise.allSettled([...first, second, queued].map((u) => u.p));
    for (const res of results) {
      expect(res.status).toBe('rejected');
      const reason = (res as PromiseRejectedResult).reason as StoreError;
      expect(reason).toBeInstanceOf(StoreError);
      expect(reason).toMatchObject({ code: 'STORE_UNAVAILABLE', sqliteCode: 'EIO' });
    }
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(StoreError);
    expect(r.gc.stats.failedSyncs).toBe(1);
    // Sticky: later work is refused without running, and no further sync is attempted.
    let ran = false;
    await expect(r.gc.submit(() => (ran = true))).rejects.toBeInstanceOf(StoreError);
    await expect(r.gc.whenDurable()).rejects.toBeInstanceOf(StoreError);
    expect(ran).toBe(false);
    expect(r.sync.started).toHaveLength(1);
    expect(r.okUnits()).toBe(0);
    r.close();
  });

  it('lets many batches commit while one slow sync runs, then covers them all with the next sync', async () => {
    const r = committerRig();
    const b1 = r.add('1');
    await turn();
    await turn();
    const later: ReturnType<typeof r.add>[] = [];
    for (let i = 0; i < 5; i++) {
      later.push(r.add(`x${i}`), r.add(`y${i}`));
      await turn();
      await turn();
    }
    expect(r.gc.stats.commits).toBe(6); // the batches did not wait for the disk
    expect(r.sync.started).toHaveLength(1);
    r.sync.started[0]!.resolve();
    await b1.p;
    await turn();
    // The first sync started before their COMMITs, so it cannot answer them.
    expect(later.some((u) => u.settled())).toBe(false);
    expect(r.sync.started).toHaveLength(2);
    expect(r.sync.started[1]!.committedRows).toBe(11);
    r.sync.started[1]!.resolve();
    await Promise.all(later.map((u) => u.p));
    expect(r.gc.stats).toMatchObject({ commits: 6, syncs: 2, largestSync: 5 });
    r.close();
  });

  it('a sync that cannot even start fails only the batches it was for, not those the previous sync made durable', async () => {
    const r = committerRig();
    const a = r.add('a');
    await turn();
    await turn();
    const b = r.add('b'); // commits while a's sync runs
    await turn();
    await turn();
    r.sync.throwOnSync = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    r.sync.started[0]!.resolve();
    expect(await a.p).toBe(1);
    await expect(b.p).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', sqliteCode: 'EMFILE' });
    expect(r.errors).toHaveLength(1);
    r.close();
  });

  it('whenDurable() waits for a sync that started after the latest commit', async () => {
    const r = committerRig();
    await r.gc.whenDurable(); // nothing committed: at once
    const a = r.add('a');
    await turn();
    await turn();
    const w1 = track(r.gc.whenDurable()); // the running sync covers everything committed so far
    const b = r.add('b');
    await turn();
    await turn(); // b committed while a's sync runs
    const w2 = track(r.gc.whenDurable());
    r.sync.started[0]!.resolve();
    await Promise.all([a.p, w1.p]);
    await turn();
    expect(w2.settled()).toBe(false);
    r.sync.started[1]!.resolve();
    await Promise.all([b.p, w2.p]);
    r.close();
  });

  it('flush() (the stop path) commits what is queued and answers only after a blocking sync that covers everything', async () => {
    const r = committerRig();
    const a = r.add('a');
    await turn();
    await turn();
    expect(r.sync.started).toHaveLength(1); // a's async sync runs and is never completed
    const b = r.add('b'); // queued, not yet run
    r.gc.flush();
    expect(r.sync.syncNowCalls).toBe(1);
    expect(r.sync.releases).toBe(1);
    expect(await Promise.all([a.p, b.p])).toEqual([1, 1]);
    r.sync.started[0]!.resolve(); // late completion of the superseded sync changes nothing
    await turn();
    expect(r.gc.stats.failedSyncs).toBe(0);
    r.close();
  });

  it('flush() with a failing sync rejects with a StoreError instead of answering', async () => {
    const r = committerRig();
    const a = r.add('a');
    r.sync.failSyncNow = Object.assign(new Error('EIO'), { code: 'EIO' });
    r.gc.flush();
    await expect(a.p).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', sqliteCode: 'EIO' });
    expect(r.errors).toHaveLength(1);
    r.close();
  });
});

describe('Store.whenDurable', () => {
  it('resolves while the store is open and refuses when it is closed', async () => {
    const store = await openTestStore();
    const appended = store.transact((tx) => tx.journal.append({ type: 'x', class: 'events', payload: {} }));
    await store.whenDurable();
    await appended;
    await store.whenDurable();
    await store.stop();
    await expect(store.whenDurable()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('a store whose WAL cannot be synced', () => {
  it('answers STORE_UNAVAILABLE, reports failed and stays failed (a restart replays what is on disk)', async () => {
    const store = await openTestStore();
    await store.transact((tx) => tx.journal.append({ type: 'before', class: 'money', payload: {} }));
    rmSync(`${store.path}-wal`); // SQLite keeps writing to the unlinked file; nothing can sync the live WAL now
    const err = await store.transact((tx) => tx.journal.append({ type: 'lost', class: 'money', payload: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('STORE_UNAVAILABLE');
    expect(store.health().state).toBe('failed');
    await expect(store.transact((tx) => tx.journal.append({ type: 'next', class: 'money', payload: {} }))).rejects.toBeInstanceOf(StoreError);
    expect(store.health().state).toBe('failed');
    await store.stop();
  });
});

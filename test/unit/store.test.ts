import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../firmware-ts/src/store/errors.js';
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

  it('opens in WAL mode with synchronous=FULL', async () => {
    const store = await openTestStore();
    const db = new Database(store.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
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

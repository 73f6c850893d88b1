// Deferred writes (Store.transactDeferred): they wait to share a later transaction, are
// stored by then, and are never dropped by stop(). Real SQLite files.
import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const commits = (s: Store): number => (s.health().counters as { commits: number }).commits;
const track = (n: number) => ({ type: 'gnss.track', class: 'track' as const, payload: { n } });
const logbook = { type: 'logbook.entry', class: 'events' as const, payload: { text: 'x' } };
const countTrack = (s: Store): number => s.journal.list(0, 10_000).filter((r) => r.type === 'gnss.track').length;

describe('deferred writes', () => {
  it('commits on its own after maxDelayMs when nothing else runs, and only then resolves', async () => {
    const store = await openTestStore();
    const before = commits(store);
    const t0 = performance.now();
    const p = store.transactDeferred((tx) => tx.journal.append(track(1)), { rideAfterMs: 5_000, maxDelayMs: 300 });
    await new Promise((r) => setTimeout(r, 100));
    expect(countTrack(store)).toBe(0); // still waiting
    const rec = await p;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect(rec.seq).toBeGreaterThan(0);
    expect(countTrack(store)).toBe(1);
    expect(commits(store) - before).toBe(1);
    await store.stop();
  });

  it('rides the next transaction once rideAfterMs has passed: one commit for both', async () => {
    const store = await openTestStore();
    const deferred = [1, 2, 3].map((n) => store.transactDeferred((tx) => tx.journal.append(track(n)), { rideAfterMs: 0, maxDelayMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(countTrack(store)).toBe(0);
    const before = commits(store);
    await store.transact((tx) => tx.journal.append({ type: 'logbook.entry', class: 'events', payload: { text: 'x' } }));
    await Promise.all(deferred);
    expect(commits(store) - before).toBe(1);
    expect(countTrack(store)).toBe(3);
    await store.stop();
  });

  it('does not ride a batch that writes nothing (a durability barrier)', async () => {
    const store = await openTestStore();
    const p = store.transactDeferred((tx) => tx.journal.append(track(1)), { rideAfterMs: 0, maxDelayMs: 60_000 });
    await store.transact(() => null);
    await store.whenDurable();
    expect(countTrack(store)).toBe(0);
    await store.transact((tx) => tx.journal.append(logbook));
    await expect(p).resolves.toMatchObject({ type: 'gnss.track' });
    expect(countTrack(store)).toBe(1);
    await store.stop();
  });

  it('does not ride before rideAfterMs', async () => {
    const store = await openTestStore();
    const p = store.transactDeferred((tx) => tx.journal.append(track(1)), { rideAfterMs: 10_000, maxDelayMs: 20_000 });
    await store.transact((tx) => tx.journal.append({ type: 'logbook.entry', class: 'events', payload: { text: 'x' } }));
    expect(countTrack(store)).toBe(0);
    await store.stop(); // stop() stores it
    await expect(p).resolves.toMatchObject({ type: 'gnss.track' });
  });

  it('stop() stores what waits, and the file holds it after a reopen', async () => {
    const dir = tempDir();
    const store = await openTestStore(dir);
    const ps = [1, 2].map((n) => store.transactDeferred((tx) => tx.journal.append(track(n)), { rideAfterMs: 60_000, maxDelayMs: 60_000 }));
    await store.stop();
    await Promise.all(ps);
    const again = await openTestStore(dir);
    expect(countTrack(again)).toBe(2);
    await again.stop();
  });

  it('a deferred unit that throws is rolled back alone', async () => {
    const store = await openTestStore();
    const bad = store.transactDeferred(
      (tx) => {
        tx.journal.append(track(9));
        throw new Error('nope');
      },
      { rideAfterMs: 0, maxDelayMs: 60_000 },
    );
    const good = store.transactDeferred((tx) => tx.journal.append(track(1)), { rideAfterMs: 0, maxDelayMs: 60_000 });
    await store.transact((tx) => tx.journal.append(logbook));
    await expect(bad).rejects.toThrow('nope');
    await expect(good).resolves.toMatchObject({ payload: { n: 1 } });
    expect(countTrack(store)).toBe(1);
    await store.stop();
  });

  it('grouped points write fewer WAL bytes than one transaction each', async () => {
    const walGrowth = async (grouped: boolean): Promise<number> => {
      const dir = tempDir();
      const store = await openTestStore(dir);
      await store.transact((tx) => tx.journal.append(track(0)));
      const wal = `${dir}/journal.sqlite-wal`;
      const before = statSync(wal).size;
      if (grouped) {
        const ps = Array.from({ length: 20 }, (_, n) => store.transactDeferred((tx) => tx.journal.append(track(n)), { rideAfterMs: 0, maxDelayMs: 60_000 }));
        await store.transact((tx) => tx.journal.append(logbook));
        await Promise.all(ps);
      } else {
        for (let n = 0; n < 20; n++) await store.transact((tx) => tx.journal.append(track(n)));
      }
      const grew = statSync(wal).size - before;
      await store.stop();
      return grew;
    };
    const single = await walGrowth(false);
    const grouped = await walGrowth(true);
    expect(grouped * 5).toBeLessThan(single);
  });
});

// The sync part's background jobs on a real store: the disk watch keeps a floor of free
// disk (evicting track points when the disk fills from elsewhere), retention runs in
// chunks, and the clock watch journals clock.synced once when the clock becomes good.
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../firmware-ts/src/store/store.js';
import { ClockWatch } from '../../firmware-ts/src/sync/clock-watch.js';
import { DiskMonitor } from '../../firmware-ts/src/sync/disk.js';
import { RetentionRunner } from '../../firmware-ts/src/sync/retention.js';
import { FakeClock, silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(() => cleanupTempDirs());

async function open(clock = new FakeClock()): Promise<Store> {
  const policy = { classBudgetBytes: { money: 1e9, requests: 1e9, queue: 1e9, events: 1e9, track: 1e9 }, totalBudgetBytes: 1e9, rowOverheadBytes: 100 };
  const s = new Store({ dataDir: tempDir(), file: 'journal.sqlite', vehicle: 'VIM-T1', maxBatch: 512, idempotencyDays: 30, outbox: policy }, clock, silent);
  await s.start();
  return s;
}

describe('disk watch', () => {
  it('never eats the floor: when free disk drops below it, track points go', async () => {
    const s = await open();
    for (let i = 0; i < 50; i++) await s.transact((tx) => tx.journal.append({ type: 't', class: i < 10 ? 'money' : 'track', payload: { pad: 'x'.repeat(1000) } }));
    let free = 10_000_000;
    const floor = 1_000_000;
    const m = new DiskMonitor(s, '/', floor, 60_000, silent, () => Promise.resolve(free));
    await m.check();
    expect(s.outbox.pressure.stats.evicted.track).toBe(0);
    expect(s.outbox.pressure.limit()).toBeGreaterThan(s.outbox.pressure.usedTotal());
    free = floor - 30_000; // something else filled the disk past the floor
    await m.check();
    expect(s.outbox.pressure.stats.evicted.track).toBeGreaterThan(25);
    expect(s.outbox.usage().money.count).toBe(10);
    m.stop();
    await s.stop();
  });
});

describe('retention runner', () => {
  it('compacts and purges in chunks until nothing is left', async () => {
    const s = await open();
    for (let i = 0; i < 5000; i += 500) {
      await s.transact((tx) => {
        for (let k = 0; k < 500; k++) tx.journal.append({ type: 'requests.created', class: 'requests', payload: { citizen: { name: 'Ali', phone: '+905550000000' } } });
      });
    }
    s.outbox.registerConsumer('push');
    await s.transact(() => s.outbox.advance('push', 'requests', 4500, new Date('2026-01-01T00:00:00Z')));
    const r = new RetentionRunner(s, { acknowledgedDays: 90, personalDataDays: 30, everyMinutes: 60, personalData: [{ type: 'requests.created', paths: ['citizen.name', 'citizen.phone'] }] }, silent);
    expect(await r.run(new Date('2026-02-15T00:00:00Z'))).toEqual({ compacted: 0, purged: 4500 });
    expect(s.journal.get(4500)!.payload).toEqual({ citizen: { name: null, phone: null } });
    expect(s.journal.get(4501)!.payload).toEqual({ citizen: { name: 'Ali', phone: '+905550000000' } });
    expect(await r.run(new Date('2026-04-15T00:00:00Z'))).toEqual({ compacted: 4500, purged: 0 });
    expect(s.outbox.usage().requests.count).toBe(500);
    await s.stop();
  });
});

describe('clock watch', () => {
  it('journals clock.synced once, when the clock becomes good', async () => {
    const clock = new FakeClock();
    const s = await open(clock);
    const w = new ClockWatch(clock, s, silent, 10);
    w.start();
    await new Promise((r) => setTimeout(r, 60));
    expect(w.synced).toBeNull();
    clock.q = 'gnss';
    await new Promise((r) => setTimeout(r, 100));
    w.stop();
    expect(w.synced).toEqual({ bootId: 'test-boot', monoMs: clock.monoMs(), wallTime: clock.now().toISOString(), source: 'gnss' });
    const recs = s.journal.list(0, 10);
    expect(recs.map((r) => r.type)).toEqual(['clock.synced']);
    expect(recs[0]).toMatchObject({ class: 'events', clock: 'gnss', bootId: 'test-boot' });
    await s.stop();
  });
});

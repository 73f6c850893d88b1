// Photo files follow the KVKK purge (adapters/attachment-retention.ts): real files in a temp
// directory, a real SQLite store, the real purge (store/outbox-retention.ts) and compaction.
// A photo goes once every request naming it is purged or compacted; one a later request
// still names stays; an orphan (a request that never committed) goes after the grace period.
// And a photo HQ has not confirmed (attachment_deliveries) stays whatever its record's fate.
import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AttachmentFiles } from '../../firmware-ts/src/adapters/attachment-files.js';
import { AttachmentRetention } from '../../firmware-ts/src/adapters/attachment-retention.js';
import { DEFAULT_PII_RULES } from '../../firmware-ts/src/sync/options.js';
import { Store } from '../../firmware-ts/src/store/store.js';
import { FakeClock, silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(() => cleanupTempDirs());

const DAY = 86_400_000;
const HOUR = 3_600_000;

function photo(n: number): { sha256: string; ext: string; data: Buffer } {
  const data = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(256, n)]);
  return { sha256: n.toString(16).padStart(64, '0'), ext: 'jpg', data };
}

async function setup() {
  const dir = tempDir();
  const store = new Store({ dataDir: dir, file: 'journal.sqlite', vehicle: 'VIM-T1', maxBatch: 512, idempotencyDays: 30 }, new FakeClock(), silent);
  await store.start();
  const files = new AttachmentFiles(join(dir, 'attachments'), silent);
  const retention = new AttachmentRetention(files, store, { everyMinutes: 60, graceMs: HOUR }, silent);
  /** A committed request naming these photos, its files written first (as requests/create does). */
  const request = async (n: number, photos: number[]) => {
    for (const p of photos) await files.put(photo(p));
    return store.transact((tx) =>
      tx.journal.append({
        type: 'requests.created',
        class: 'requests',
        payload: { trackingNumber: `T-${n}`, citizen: { name: 'Ayşe Yılmaz', phone: '+905321234567', tckn: null, address: null, email: null }, photos: photos.map((p) => ({ sha256: photo(p).sha256, bytes: 260, mime: 'image/jpeg' })) },
      }),
    );
  };
  const path = (p: number) => files.path(photo(p).sha256, 'jpg');
  /** Every photo file written an hour and a minute before `at` (past the grace period). */
  const age = (at: number, ...ps: number[]) => ps.forEach((p) => utimesSync(path(p), new Date(at - HOUR - 60_000), new Date(at - HOUR - 60_000)));
  store.outbox.registerConsumer('hq');
  /** HQ confirms it has these photos (a PUBACK or a pull consumer's ack). */
  const deliver = (...ps: number[]) =>
    store.transact(() => {
      store.attachments.register('requests.created');
      return ps.map((p) => store.attachments.markDelivered(photo(p).sha256, 'hq', new Date()));
    });
  return { store, files, retention, request, path, age, deliver };
}

describe('photo files follow the personal-data purge', () => {
  it('deletes a photo once every request naming it is purged, keeps one a later request names, and leaves the hash in the record', async () => {
    const { store, retention, request, path, age, deliver } = await setup();
    await request(1, [1, 2]);
    await request(2, [2]); // the same photo in a later request
    await request(3, [3]);
    expect(await deliver(1, 2, 3)).toEqual(['delivered', 'delivered', 'delivered']);
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    // HQ acknowledged requests 1 and 2; 3 is not acknowledged.
    await store.transact(() => store.outbox.advance('hq', 'requests', 2, new Date(t0)));
    const now = t0 + 31 * DAY;
    age(now, 1, 2, 3);

    // Nothing purged yet: every file stays.
    expect(await retention.run(now)).toBe(0);
    expect([1, 2, 3].map((p) => existsSync(path(p)))).toEqual([true, true, true]);

    // The purge clears request 1 and 2 (30 days after the acknowledgement): photos 1 and 2 go; 3 stays.
    const purged = await store.transact(() => store.outbox.retention.purge(new Date(now), 30 * DAY, DEFAULT_PII_RULES, 100));
    expect(purged).toBe(2);
    expect(await retention.run(now)).toBe(2);
    expect([1, 2, 3].map((p) => existsSync(path(p)))).toEqual([false, false, true]);
    // The record keeps the hash (what was attached), without the citizen.
    expect(store.journal.get(1)!.payload).toMatchObject({ citizen: { name: null, phone: null }, photos: [{ sha256: photo(1).sha256 }, { sha256: photo(2).sha256 }] });
    expect(retention.health().counters).toMatchObject({ runs: 2, deleted: 2, failures: 0 });
    await store.stop();
  });

  it('keeps a photo a request not yet purged still names, even when an older, purged one named it too', async () => {
    const { store, retention, request, path, age, deliver } = await setup();
    await request(1, [7]);
    await request(2, [7]);
    await deliver(7);
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    await store.transact(() => store.outbox.advance('hq', 'requests', 1, new Date(t0)));
    const now = t0 + 31 * DAY;
    age(now, 7);
    expect(await store.transact(() => store.outbox.retention.purge(new Date(now), 30 * DAY, DEFAULT_PII_RULES, 100))).toBe(1);
    expect(await retention.run(now)).toBe(0);
    expect(existsSync(path(7))).toBe(true);
    await store.stop();
  });

  it('deletes the photos of compacted records once HQ has them, and orphans only after the grace period', async () => {
    const { store, files, retention, request, path, age, deliver } = await setup();
    await request(1, [4]);
    await files.put(photo(5)); // written for a request whose transaction never committed
    // Files just written are inside the grace period: nothing goes (this pass registers photo 4).
    expect(await retention.run(Date.now())).toBe(0);
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    await store.transact(() => store.outbox.advance('hq', 'requests', 1, new Date(t0)));
    // Compaction before any purge (acknowledgedDays shorter than personalDataDays): the record is gone.
    expect(await store.transact(() => store.outbox.retention.compact(new Date(t0 + 10 * DAY), 7 * DAY, 100))).toBe(1);
    const later = Date.now();
    age(later, 4, 5);
    // The orphan goes; photo 4 stays: its record is gone, but HQ never confirmed the photo.
    expect(await retention.run(later)).toBe(1);
    expect([existsSync(path(4)), existsSync(path(5))]).toEqual([true, false]);
    expect(retention.health().counters).toMatchObject({ heldUndelivered: 1 });
    expect(await deliver(4)).toEqual(['delivered']);
    expect(await retention.run(later)).toBe(1);
    expect(existsSync(path(4))).toBe(false);
    expect(retention.health().counters).toMatchObject({ heldUndelivered: 0 });
    await store.stop();
  });

  it('keeps a purged request\'s photo HQ has not received, and deletes it once a consumer confirms it; the purge itself goes ahead', async () => {
    const { store, retention, request, path, age, deliver } = await setup();
    await request(1, [8]);
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    await store.transact(() => store.outbox.advance('hq', 'requests', 1, new Date(t0)));
    const now = t0 + 31 * DAY;
    age(now, 8);
    expect(await store.transact(() => store.outbox.retention.purge(new Date(now), 30 * DAY, DEFAULT_PII_RULES, 100))).toBe(1);
    expect(store.journal.get(1)!.payload).toMatchObject({ citizen: { name: null, phone: null } });
    expect(await retention.run(now)).toBe(0);
    expect(existsSync(path(8))).toBe(true);
    expect(retention.health().counters).toMatchObject({ heldUndelivered: 1 });
    expect(store.attachments.get(photo(8).sha256)).toMatchObject({ namedSeq: 1, mime: 'image/jpeg', consumer: null, at: null });
    // Survives a restart: the registration and the mark are in the journal's file.
    await store.stop();
    await store.start();
    expect(await retention.run(now)).toBe(0);
    expect(await deliver(8)).toEqual(['delivered']);
    expect(await deliver(8)).toEqual(['already']);
    expect(store.attachments.markDelivered('f'.repeat(64), 'hq', new Date())).toBe('unknown');
    expect(await retention.run(now)).toBe(1);
    expect(existsSync(path(8))).toBe(false);
    expect(store.attachments.counts()).toEqual({ known: 1, delivered: 1 });
    await store.stop();
  });

  it('a photo written again (a retry, or a new request with the same photo) is protected by the grace period anew', async () => {
    const { store, files, retention, request, path, age, deliver } = await setup();
    await request(1, [6]);
    await deliver(6);
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    await store.transact(() => store.outbox.advance('hq', 'requests', 1, new Date(t0)));
    await store.transact(() => store.outbox.retention.purge(new Date(t0 + 31 * DAY), 30 * DAY, DEFAULT_PII_RULES, 100));
    age(Date.now(), 6);
    // A new request brings the same photo: put() finds the file and touches it before its record commits.
    await files.put(photo(6));
    expect(await retention.run(Date.now())).toBe(0);
    expect(existsSync(path(6))).toBe(true);
    await store.stop();
  });
});

// The HQ collector's rules (scripts/hq/collector-db.ts): first receipt wins by record
// id, gaps per class (evicted ones explained), and time correction of records made
// with an unsynced clock once that boot's clock.synced record arrives.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WireRecord } from '../../firmware-ts/src/sync/wire.js';
import { CollectorDb } from '../../scripts/hq/collector-db.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(() => cleanupTempDirs());

const BOOT = 'boot-1';

function rec(seq: number, cseq: number, over: Partial<WireRecord> = {}): WireRecord {
  return {
    seq,
    cseq,
    id: `id-${seq}`,
    vehicle: 'VIM-01',
    type: 'logbook.entry',
    class: 'events',
    createdAt: '1970-01-01T00:10:00.000Z',
    clock: 'unsynced',
    monoMs: 600_000 + seq * 1000,
    bootId: BOOT,
    commandId: null,
    actor: 'ayse',
    payload: { seq },
    ...over,
  };
}

const header = (cls: WireRecord['class'] = 'events') => ({ vehicle: 'VIM-01', class: cls, enc: 'identity' as const });

describe('HQ collector database', () => {
  it('keeps the first receipt of a record id and counts the duplicates', () => {
    const db = new CollectorDb(join(tempDir(), 'hq.sqlite'));
    expect(db.store(header(), [rec(1, 1), rec(2, 2)], 100, 'push')).toEqual({ inserted: 2, duplicates: 0 });
    expect(db.store(header(), [rec(2, 2), rec(3, 3)], 100, 'push')).toEqual({ inserted: 1, duplicates: 1 });
    expect(db.store(header(), [rec(3, 3)], 100, 'pull')).toEqual({ inserted: 0, duplicates: 1 });
    expect(db.arrivalOrder('VIM-01', 'events').map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(db.counts()).toMatchObject({ records: 3, batches: 3, duplicates: 2 });
    db.close();
  });

  it('reports holes in cseq per class, and marks the ones the van evicted', () => {
    const db = new CollectorDb(join(tempDir(), 'hq.sqlite'));
    db.store(header(), [rec(1, 1), rec(5, 2), rec(9, 5)], 0, 'push');
    db.store({ ...header('track'), evicted: [{ class: 'track', fromCseq: 1, toCseq: 3, fromSeq: 2, toSeq: 4, count: 3 }] }, [rec(10, 4, { class: 'track' })], 0, 'push');
    expect(db.gaps()).toEqual([
      { vehicle: 'VIM-01', class: 'events', fromCseq: 3, toCseq: 4, evicted: false },
      { vehicle: 'VIM-01', class: 'track', fromCseq: 1, toCseq: 3, evicted: true },
    ]);
    db.close();
  });

  it('corrects unsynced records from their boot offset, before and after the offset arrives', () => {
    const db = new CollectorDb(join(tempDir(), 'hq.sqlite'));
    // Made before the clock was good: wall time says 1970.
    db.store(header(), [rec(1, 1), rec(2, 2, { clock: 'ntp', createdAt: '2026-11-28T09:00:00.000Z' }), rec(3, 3, { bootId: 'other-boot' })], 0, 'push');
    const synced = rec(4, 4, {
      type: 'clock.synced',
      clock: 'ntp',
      createdAt: '2026-11-28T09:00:00.000Z',
      monoMs: 700_000,
      payload: { bootId: BOOT, monoMs: 700_000, wallTime: '2026-11-28T09:00:00.000Z', source: 'ntp' },
    });
    db.store(header(), [synced], 0, 'push');
    db.store(header(), [rec(5, 5)], 0, 'push'); // an unsynced record arriving after the offset
    const rows = db.db.prepare('SELECT seq, created_at AS createdAt, corrected_at AS correctedAt, time_corrected AS corrected FROM records ORDER BY seq').all();
    expect(rows).toEqual([
      // mono 601000 is 99 s before the sync at mono 700000
      { seq: 1, createdAt: '1970-01-01T00:10:00.000Z', correctedAt: '2026-11-28T08:58:21.000Z', corrected: 1 },
      { seq: 2, createdAt: '2026-11-28T09:00:00.000Z', correctedAt: null, corrected: 0 },
      { seq: 3, createdAt: '1970-01-01T00:10:00.000Z', correctedAt: null, corrected: 0 }, // another boot: no offset known
      { seq: 4, createdAt: '2026-11-28T09:00:00.000Z', correctedAt: null, corrected: 0 },
      { seq: 5, createdAt: '1970-01-01T00:10:00.000Z', correctedAt: '2026-11-28T08:58:25.000Z', corrected: 1 },
    ]);
    db.close();
  });
});

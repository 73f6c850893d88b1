// The outbox (store/outbox*.ts): per-class numbering and cursors, byte budgets under
// pressure (track points, then device events, oldest first; money and requests refused
// with STORE_FULL and an alarm, never evicted), retention and the KVKK purge.
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../firmware-ts/src/store/errors.js';
import type { OutboxPolicy } from '../../firmware-ts/src/store/outbox-pressure.js';
import { clearPaths } from '../../firmware-ts/src/store/outbox-retention.js';
import type { RecordClass } from '../../firmware-ts/src/store/records.js';
import { Store } from '../../firmware-ts/src/store/store.js';
import { FakeClock, silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(() => cleanupTempDirs());

const OVERHEAD = 100;
const KB = 1024;

async function open(policy: OutboxPolicy | null = null, dir = tempDir()): Promise<Store> {
  const s = new Store({ dataDir: dir, file: 'journal.sqlite', vehicle: 'VIM-T1', maxBatch: 512, idempotencyDays: 30, outbox: policy }, new FakeClock(), silent);
  await s.start();
  return s;
}

const policy = (classBudgetBytes: Partial<Record<RecordClass, number>>, totalBudgetBytes = 1e12): OutboxPolicy => ({
  classBudgetBytes: { money: 1e12, requests: 1e12, queue: 1e12, events: 1e12, track: 1e12, ...classBudgetBytes },
  totalBudgetBytes,
  rowOverheadBytes: OVERHEAD,
});

/** A payload of about `bytes` bytes. */
const blob = (bytes: number, i: number) => ({ i, pad: 'x'.repeat(Math.max(0, bytes - 20)) });

function append(s: Store, cls: RecordClass, i: number, bytes = 900) {
  return s.transact((tx) => tx.journal.append({ type: `t.${cls}`, class: cls, payload: blob(bytes, i) }));
}

function seqs(s: Store, cls: RecordClass): number[] {
  const db = new Database(s.path, { readonly: true });
  try {
    return (db.prepare('SELECT seq FROM outbox WHERE class = ? ORDER BY seq').all(cls) as { seq: number }[]).map((r) => r.seq);
  } finally {
    db.close();
  }
}

describe('outbox numbering and cursors', () => {
  it('numbers each class without holes and moves cursors over a prefix only forward', async () => {
    const s = await open();
    for (let i = 0; i < 9; i++) await append(s, (['track', 'money', 'events'] as const)[i % 3]!, i, 50);
    const rows = s.outbox.batch('money', 0, 10);
    expect(rows.map((r) => [r.seq, r.cseq])).toEqual([
      [2, 1],
      [5, 2],
      [8, 3],
    ]);
    expect(JSON.parse(rows[0]!.payload)).toMatchObject({ i: 1 });
    s.outbox.registerConsumer('push');
    await s.transact(() => s.outbox.advance('push', 'money', 5));
    await s.transact(() => s.outbox.advance('push', 'money', 2)); // a late PUBACK changes nothing
    expect(s.outbox.cursor('push', 'money')).toEqual({ acked: 5, served: 5 });
    expect(s.outbox.backlog('push').money.count).toBe(1);
    expect(s.outbox.backlog('push').money.oldest?.seq).toBe(8);
    expect(s.outbox.backlog(null).track.count).toBe(3); // nobody acknowledged a track point
    expect(s.outbox.usage().money).toEqual({ count: 3, bytes: expect.any(Number), lastCseq: 3 });
    await s.stop();
  });

  it('counts an acknowledgement in the backlog before its deferred cursor write, and never writes it', async () => {
    const s = await open();
    for (let i = 0; i < 6; i++) await append(s, 'track', i, 50);
    s.outbox.registerConsumer('push');
    s.outbox.registerConsumer('hq-pull');
    s.outbox.noteDelivered('push', 'track', 4);
    s.outbox.noteDelivered('push', 'track', 2); // a late PUBACK lowers nothing
    expect(s.outbox.backlog('push').track).toMatchObject({ count: 2, oldest: { seq: 5 } });
    expect(s.outbox.backlog(null).track.count).toBe(2); // HQ has them through push
    expect(s.outbox.backlog('hq-pull').track.count).toBe(6); // another consumer's backlog is its own
    expect(s.outbox.cursor('push', 'track').acked).toBe(0); // nothing durable moved
    await s.stop();
    const again = await open(null, dirname(s.path));
    expect(again.outbox.backlog('push').track.count).toBe(6); // a restart resends what was never written
    await again.stop();
  });

  it('a rolled-back record takes no cseq', async () => {
    const s = await open();
    await append(s, 'queue', 0, 50);
    await expect(
      s.transact((tx) => {
        tx.journal.append({ type: 'doomed', class: 'queue', payload: {} });
        throw new Error('handler bug');
      }),
    ).rejects.toThrow('handler bug');
    await append(s, 'queue', 1, 50);
    expect(s.outbox.batch('queue', 0, 10).map((r) => r.cseq)).toEqual([1, 2]);
    await s.stop();
  });
});

describe('outbox budgets under pressure', () => {
  it('evicts the oldest track points when the track budget is used up, and logs the range', async () => {
    const s = await open(policy({ track: 20 * KB }));
    for (let i = 0; i < 60; i++) await append(s, 'track', i);
    const left = seqs(s, 'track');
    expect(left.length).toBeGreaterThan(5);
    expect(left.length).toBeLessThan(25);
    expect(left[left.length - 1]).toBe(60); // the newest stays
    expect(s.outbox.pressure.used('track')).toBeLessThanOrEqual(20 * KB);
    expect(s.outbox.pressure.stats.evicted.track).toBe(60 - left.length);
    const ev = s.outbox.evictionsBetween('track', 0, 60);
    expect(ev[0]).toMatchObject({ class: 'track', fromCseq: 1, fromSeq: 1 });
    expect(ev.reduce((n, e) => n + e.count, 0)).toBe(60 - left.length);
    expect(s.journal.get(1)).toBeUndefined(); // evicted from the journal too: the disk space is what matters
    expect(s.outbox.backlog(null).track).toMatchObject({ count: left.length, oldest: { seq: left[0] } });
    await s.stop();
  });

  it('under total pressure evicts track points first, then device events, never money', async () => {
    const s = await open(policy({}, 40 * KB));
    for (let i = 0; i < 10; i++) await append(s, 'money', i);
    for (let i = 0; i < 10; i++) await append(s, 'events', i);
    for (let i = 0; i < 10; i++) await append(s, 'track', i);
    // 30 records of ~1 KB in a 40 KB outbox: nothing evicted yet.
    expect(seqs(s, 'track')).toHaveLength(10);
    for (let i = 10; i < 25; i++) await append(s, 'money', i);
    expect(seqs(s, 'money')).toHaveLength(25);
    expect(seqs(s, 'track').length).toBeLessThan(10);
    // Track points went first: device events only once no track point was left.
    if (seqs(s, 'events').length < 10) expect(seqs(s, 'track')).toEqual([]);
    expect(s.outbox.pressure.usedTotal()).toBeLessThanOrEqual(40 * KB);
    await s.stop();
  });

  it('refuses money and requests with STORE_FULL and an alarm rather than dropping them', async () => {
    const s = await open(policy({ money: 8 * KB }));
    for (let i = 0; i < 8; i++) await append(s, 'money', i);
    const before = seqs(s, 'money');
    const err = await append(s, 'money', 99).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('STORE_FULL');
    expect(seqs(s, 'money')).toEqual(before); // nothing evicted, the refused record rolled back
    expect(s.outbox.pressure.alarm).toMatchObject({ code: 'STORE_FULL', class: 'money' });
    expect(s.outbox.pressure.stats.refused.money).toBe(1);
    // Other classes still write; the store itself stays healthy.
    await append(s, 'queue', 1);
    expect(s.health().state).toBe('ok');
    await s.stop();
  });

  it('takes the disk into account: a capacity below what it holds evicts on relieve()', async () => {
    const s = await open(policy({}, 1e9));
    for (let i = 0; i < 20; i++) await append(s, i % 2 ? 'events' : 'track', i);
    const p = s.outbox.pressure;
    p.setCapacity(12 * KB);
    const n = await s.transact(() => p.relieve());
    expect(n).toBeGreaterThan(0);
    expect(p.usedTotal()).toBeLessThanOrEqual(12 * KB);
    expect(seqs(s, 'track')).toEqual([]);
    await s.stop();
  });
});

describe('retention and the KVKK purge', () => {
  it('compacts only acknowledged records, counted from the acknowledgement', async () => {
    const s = await open();
    for (let i = 0; i < 10; i++) await append(s, 'queue', i, 50);
    s.outbox.registerConsumer('push');
    const ackAt = new Date('2026-01-01T00:00:00Z');
    await s.transact(() => s.outbox.advance('push', 'queue', 6, ackAt));
    const r = s.outbox.retention;
    expect(await s.transact(() => r.compact(new Date('2026-01-05T00:00:00Z'), 7 * 86_400_000, 100))).toBe(0);
    expect(await s.transact(() => r.compact(new Date('2026-01-09T00:00:00Z'), 7 * 86_400_000, 100))).toBe(6);
    expect(seqs(s, 'queue')).toEqual([7, 8, 9, 10]);
    expect(s.outbox.usage().queue.count).toBe(4);
    expect(s.outbox.backlog('push').queue).toMatchObject({ count: 4, bytes: s.outbox.usage().queue.bytes, oldest: { seq: 7 } });
    // The cursor still says where the acknowledged prefix ends; numbering goes on.
    expect(s.outbox.cursor('push', 'queue').acked).toBe(6);
    const rec = await append(s, 'queue', 11, 50);
    expect(s.outbox.batch('queue', 10, 5)[0]).toMatchObject({ seq: rec.seq, cseq: 11 });
    await s.stop();
  });

  it('clears personal data of acknowledged records after N days and logs it', async () => {
    const s = await open();
    const citizen = { name: 'Ayşe Yılmaz', phone: '+905551112233', tckn: { mask: '1********46' }, address: null, email: 'a@b.c' };
    for (let i = 0; i < 3; i++) await s.transact((tx) => tx.journal.append({ type: 'requests.created', class: 'requests', payload: { trackingNumber: `T-${i}`, citizen } }));
    s.outbox.registerConsumer('hq');
    await s.transact(() => s.outbox.advance('hq', 'requests', 2, new Date('2026-01-01T00:00:00Z')));
    const rules = [{ type: 'requests.created', paths: ['citizen.name', 'citizen.phone', 'citizen.tckn', 'citizen.address', 'citizen.email'] }];
    const n = await s.transact(() => s.outbox.retention.purge(new Date('2026-02-15T00:00:00Z'), 30 * 86_400_000, rules, 100));
    expect(n).toBe(2);
    expect(s.journal.get(1)!.payload).toEqual({ trackingNumber: 'T-0', citizen: { name: null, phone: null, tckn: null, address: null, email: null } });
    expect(s.journal.get(3)!.payload).toMatchObject({ citizen: { name: 'Ayşe Yılmaz' } }); // not acknowledged: kept
    const db = new Database(s.path, { readonly: true });
    const log = db.prepare('SELECT seq, type, paths FROM purge_log ORDER BY seq').all();
    db.close();
    expect(log).toEqual([
      { seq: 1, type: 'requests.created', paths: '["citizen.name","citizen.phone","citizen.tckn","citizen.email"]' },
      { seq: 2, type: 'requests.created', paths: '["citizen.name","citizen.phone","citizen.tckn","citizen.email"]' },
    ]);
    // A second run finds nothing new.
    expect(await s.transact(() => s.outbox.retention.purge(new Date('2026-02-15T00:00:00Z'), 30 * 86_400_000, rules, 100))).toBe(0);
    // SMS sent that long ago lose their number and text; a pending one keeps them.
    const w = new Database(s.path);
    const sms = w.prepare('INSERT INTO sms_outbox (id, to_number, text, ref, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)');
    sms.run('s1', '+905551112233', 'Başvurunuz alındı', 'T-0', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z');
    sms.run('s2', '+905551112244', 'Başvurunuz alındı', 'T-1', '2026-01-01T00:00:00Z', null);
    w.close();
    await s.transact(() => s.outbox.retention.purge(new Date('2026-02-15T00:00:00Z'), 30 * 86_400_000, rules, 100));
    const r = new Database(s.path, { readonly: true });
    expect(r.prepare('SELECT id, to_number AS n, text FROM sms_outbox ORDER BY id').all()).toEqual([
      { id: 's1', n: '', text: '' },
      { id: 's2', n: '+905551112244', text: 'Başvurunuz alındı' },
    ]);
    r.close();
    await s.stop();
  });

  it('clearPaths touches only paths that hold a value', () => {
    const p = { a: { b: 1, c: null }, d: 'x' };
    expect(clearPaths(p, ['a.b', 'a.c', 'a.zz', 'd.e', 'q'])).toEqual(['a.b']);
    expect(p).toEqual({ a: { b: null, c: null }, d: 'x' });
  });
});

// Named sequences and the SMS outbox (migration 4) on a real SQLite file: a number advances
// only with the transaction that uses it, and a queued SMS survives a reopen.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { payloadHash } from '../../firmware-ts/src/store/idempotency.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
  cleanupTempDirs();
});

async function open(dir = tempDir()): Promise<Store> {
  const s = await openTestStore(dir);
  stores.push(s);
  return s;
}

describe('sequences', () => {
  it('counts per name from 1 and survives a reopen', async () => {
    const dir = tempDir();
    const s = await open(dir);
    expect(await s.transact((tx) => [tx.sequences.next('requests:20261129'), tx.sequences.next('requests:20261129'), tx.sequences.next('other')])).toEqual([1, 2, 1]);
    await s.stop();
    stores.pop();
    const s2 = await open(dir);
    expect(await s2.transact((tx) => tx.sequences.next('requests:20261129'))).toBe(3);
    expect(s2.read((tx) => tx.sequences.peek('nothing'))).toBe(0);
  });

  it('a number taken by a unit that fails is rolled back with it, never half-issued', async () => {
    const s = await open();
    await expect(
      s.transact((tx) => {
        tx.sequences.next('r');
        throw new Error('handler failed after numbering');
      }),
    ).rejects.toThrow(/handler failed/);
    expect(await s.transact((tx) => tx.sequences.next('r'))).toBe(1);
  });
});

describe('sms outbox', () => {
  it('queues in order, marks sent once, and gives up after the last attempt', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.transact((tx) => {
      tx.sms.enqueue({ id: 'a', to: '+905321234567', text: 'Takip no: VIM-01-20261129-0001', ref: 'VIM-01-20261129-0001', createdAt: '2026-11-29T09:00:00Z' });
      tx.sms.enqueue({ id: 'b', to: '+905329876543', text: 'ikinci', ref: null, createdAt: '2026-11-29T09:00:01Z' });
    });
    await s.stop();
    stores.pop();
    const s2 = await open(dir);
    expect(s2.read((tx) => tx.sms.pending().map((m) => m.id))).toEqual(['a', 'b']);
    expect(await s2.transact((tx) => tx.sms.markSent('a', '2026-11-29T09:01:00Z'))).toBe(true);
    expect(await s2.transact((tx) => tx.sms.markSent('a', '2026-11-29T09:02:00Z'))).toBe(false);
    await s2.transact((tx) => tx.sms.markAttemptFailed('b', '+CMS ERROR: 38', 2, '2026-11-29T09:03:00Z'));
    expect(s2.read((tx) => tx.sms.get('b'))).toMatchObject({ attempts: 1, lastError: '+CMS ERROR: 38', failedAt: null });
    await s2.transact((tx) => tx.sms.markAttemptFailed('b', '+CMS ERROR: 38', 2, '2026-11-29T09:04:00Z'));
    expect(s2.read((tx) => tx.sms.get('b'))).toMatchObject({ attempts: 2, failedAt: '2026-11-29T09:04:00Z' });
    expect(s2.read((tx) => tx.sms.pendingCount())).toBe(0);
    expect(s2.read((tx) => tx.sms.get('a'))).toMatchObject({ sentAt: '2026-11-29T09:01:00Z', attempts: 1 });
  });
});

describe('command payload hashes (KVKK)', () => {
  it('are stored keyed with a per-installation secret, match on retry, and survive a reopen', async () => {
    const dir = tempDir();
    const s = await open(dir);
    const hash = payloadHash('vim/cmd/requests/create', { id: 'x', tckn: '10000000146' });
    await s.transact((tx) => tx.idempotency.remember('x', 'ayse', 'vim/cmd/requests/create', hash, { ok: true }));
    const key = join(dir, 'journal.sqlite.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key)).toHaveLength(32);
    // The plain SHA-256 of the payload is not what the table holds.
    const raw = readFileSync(join(dir, 'journal.sqlite')).toString('latin1') + readFileSync(join(dir, 'journal.sqlite-wal')).toString('latin1');
    expect(raw).not.toContain(hash);
    expect(s.read((tx) => tx.idempotency.lookup('x', 'ayse', hash)).kind).toBe('replay');
    expect(s.read((tx) => tx.idempotency.lookup('x', 'ayse', payloadHash('vim/cmd/requests/create', { id: 'x', tckn: '10000000078' }))).kind).toBe('conflict');
    await s.stop();
    stores.pop();
    const s2 = await open(dir);
    expect(s2.read((tx) => tx.idempotency.lookup('x', 'ayse', hash)).kind).toBe('replay');
  });
});

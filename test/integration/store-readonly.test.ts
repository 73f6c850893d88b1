// A journal on a disk that went read-only (an SD card's usual way of failing):
// the gateway still starts, commands get STORE_UNAVAILABLE, and the store
// reopens by itself once the disk is writable again. Needs root for mount(8),
// as CI has; it fails loudly rather than skipping without it.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPath } from '../../firmware-ts/src/api/command-path.js';
import { logbookCommands } from '../../firmware-ts/src/api/commands/logbook.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

let mnt: string;
const staff: ClientInfo = { clientId: 'ayse', username: 'ayse', role: 'staff' };
const noPublish = { publish: () => Promise.resolve() };

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and needs root (CI runs as root): run `sudo npm test`');
  mnt = join(tempDir('vimgw-ro-'), 'disk');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
});
afterAll(() => {
  try {
    execFileSync('umount', [mnt]);
  } finally {
    cleanupTempDirs();
  }
});

describe('a read-only journal disk', () => {
  it('starts degraded, answers STORE_UNAVAILABLE, and recovers when the disk is writable', async () => {
    let store = await openTestStore(mnt);
    await store.transact((tx) => tx.journal.append({ type: 'before', class: 'money', payload: {} }));
    await store.stop();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);

    store = await openTestStore(mnt); // must not throw
    expect(store.health().state).toBe('failed');
    expect(store.health().detail).toContain('STORE_UNAVAILABLE');
    expect(store.responsive()).toBe(true); // known-broken is not hung: the watchdog keeps pinging
    const path = new CommandPath(store, silent);
    path.attach(noPublish);
    path.register(logbookCommands(noPublish));
    const id = randomUUID();
    const a = await path.execute(staff, 'vim/cmd/logbook/add', Buffer.from(JSON.stringify({ id, text: 'x' })));
    expect(a).toMatchObject({ id, ok: false, error: { code: 'STORE_UNAVAILABLE' } });

    execFileSync('mount', ['-o', 'remount,rw', mnt]);
    (store as unknown as { retryOpen(): void }).retryOpen(); // what the 10 s timer does
    expect(store.health().state).toBe('ok');
    expect((await path.execute(staff, 'vim/cmd/logbook/add', Buffer.from(JSON.stringify({ id, text: 'x' })))).ok).toBe(true);
    expect(store.journal.list(0, 10).map((r) => r.type)).toEqual(['before', 'logbook.entry']);
    await store.stop();
  });
});

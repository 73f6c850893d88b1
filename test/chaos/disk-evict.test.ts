// Chaos: a real small disk filled from outside (logs, photos) while the outbox keeps its
// free-disk floor (issue 8 "Outbox", issue 10 "Chaos"). The gateway runs in-process on a
// 16 MiB tmpfs with a 6 MiB floor; a file then takes the disk down to just above what
// the track points hold. Expected, in this order: the track points are evicted (oldest
// first, counted, explained to HQ), queue tickets keep being taken while there is room,
// then tickets are refused with STORE_FULL (never evicted), nothing is corrupted or
// half-written, and once the file is gone the refused tickets go through on retry.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { writeGatewayFiles } from '../helpers/gateway-process.js';
import { limits, mount, startGateway, type Cleanups } from './disk-full-fixture.js';

const MiB = 1024 * 1024;
const FLOOR = 6 * MiB;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(25);
  }
}

describe('chaos: the disk fills from outside', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it(`track points are evicted first, then tickets get STORE_FULL; nothing corrupted; tickets go through once space returns${mount.ok ? '' : ' (needs mount -t tmpfs)'}`, async () => {
    if (!mount.ok) throw new Error(`this test needs a real small filesystem; mount -t tmpfs failed: ${mount.reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'vimgw-evict-'));
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    cleanups.push(() => {
      execFileSync('umount', ['-l', mnt]);
      rmSync(dir, { recursive: true, force: true });
    });
    const files = await writeGatewayFiles({ dir, dataDir: join(mnt, 'data'), staffLimits: limits, extra: { sync: { outbox: { freeFloorBytes: FLOOR, diskCheckS: 0.2 } } } });
    const { gw } = await startGateway(files, cleanups);
    const staff: ClientInfo = { clientId: 'personel1@evict', username: 'personel1', role: 'staff' };
    const take = (id: string = randomUUID()) => gw.commands.execute(staff, 'vim/cmd/queue/take', Buffer.from(JSON.stringify({ id, service: 'A' })));
    const p = gw.store.outbox.pressure;

    // A morning of driving: 500 track points of ~2 KB (about 1 MB), and a few tickets.
    for (let i = 0; i < 500; i++) await gw.store.transact((tx) => tx.journal.append({ type: 'gnss.track', class: 'track', payload: { i, pad: 'x'.repeat(2000) } }));
    const tickets: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await take();
      expect(a).toMatchObject({ ok: true });
      tickets.push((a as { result: { ticketId: string } }).result.ticketId);
    }
    const trackBytes = gw.store.outbox.usage().track.bytes;
    expect(trackBytes).toBeGreaterThan(900_000);

    // Photos fill the disk from outside, down to the floor minus what the track points hold, plus 40 KB.
    const free = () => statfsSync(mnt).bavail * statfsSync(mnt).bsize;
    const filler = join(mnt, 'photos.bin');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 0x42);
    const leave = FLOOR - trackBytes + 40 * 1024;
    while (free() - chunk.length > leave) writeSync(fd, chunk);
    closeSync(fd);

    // 1. The disk monitor evicts track points, oldest first; the tickets stay.
    await until('track points evicted', () => p.stats.evicted.track > 0, 10_000);
    expect(p.stats.refused.queue).toBe(0);
    const left = gw.store.journal.list(0, 100_000);
    const track = left.filter((r) => r.class === 'track').map((r) => (r.payload as { i: number }).i);
    if (track.length > 0) expect(Math.min(...track), 'the oldest go first').toBeGreaterThan(0);
    expect(left.filter((r) => r.type === 'queue.ticket.taken').length).toBe(5);

    // 2. Tickets are taken while room is left, then refused with STORE_FULL, never evicting a ticket.
    let refused: { id: string; answer: unknown } | null = null;
    for (let i = 0; i < 2000 && !refused; i++) {
      const id = randomUUID();
      const a = await take(id);
      if (a.ok) tickets.push((a as { result: { ticketId: string } }).result.ticketId);
      else refused = { id, answer: a };
    }
    expect(refused, 'a ticket refused on the full disk').not.toBeNull();
    expect(refused!.answer).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    expect(p.stats.evicted.queue).toBe(0);
    expect(gw.store.outbox.usage().track.count, 'every track point went before a ticket was refused').toBe(0);
    const evictedTrack = p.stats.evicted.track;

    // 3. Nothing corrupted or half-written: every acknowledged ticket is there, the refused one is not.
    const check = () => {
      const db = new Database(gw.store.path, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const taken = (db.prepare("SELECT payload FROM journal WHERE type = 'queue.ticket.taken'").all() as { payload: string }[]).map((r) => (JSON.parse(r.payload) as { ticket: string }).ticket);
        return taken;
      } finally {
        db.close();
      }
    };
    expect(check().sort()).toEqual([...tickets].sort());
    expect(gw.store.journal.forCommand(refused!.id)).toEqual([]);

    // 4. The photos are moved off: the retried ticket goes through, once.
    unlinkSync(filler);
    let retried: { ok: boolean } | null = null;
    for (const t0 = Date.now(); Date.now() - t0 < 10_000; await sleep(250)) {
      retried = await take(refused!.id);
      if (retried.ok) break;
    }
    expect(retried, 'the refused ticket, retried once space is back').toMatchObject({ ok: true });
    tickets.push((retried as unknown as { result: { ticketId: string } }).result.ticketId);
    await sleep(200);
    expect(check().sort()).toEqual([...new Set(tickets)].sort());
    expect(gw.store.journal.forCommand(refused!.id).length).toBe(1);
    console.log(
      `disk evict chaos: 16 MiB tmpfs, floor ${FLOOR / MiB} MiB; ${evictedTrack} of 500 track points evicted before the first STORE_FULL, ` +
        `${tickets.length - 6} tickets taken on the shrinking disk, 0 tickets lost, integrity ok, recovered on retry`,
    );
  });
});

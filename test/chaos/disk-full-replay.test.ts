// Chaos: retries of acknowledged commands on a full disk still get their first answer
// (DESIGN.md non-negotiable 2), and a replay, which writes nothing, does not clear the
// STORE_FULL alarm. Both were bugs this suite found; these tests keep them fixed.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { writeGatewayFiles } from '../helpers/gateway-process.js';
import { fileFiller, limits, mount, mountTmpfs, pageCapFiller, startGateway, text, type Cleanups } from './disk-full-fixture.js';

describe('chaos: disk full, retries and the alarm', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const staff: ClientInfo = { clientId: 'personel1@bugs', username: 'personel1', role: 'staff' };
  const exec = (gw: Gateway, id: string, t: string) => gw.commands.execute(staff, 'vim/cmd/logbook/add', Buffer.from(JSON.stringify({ id, text: t })));

  it(`on a full disk${mount.ok ? '' : ' (needs mount -t tmpfs: not permitted here)'}, a retry of an ACKNOWLEDGED command that shares a group commit with a new command still gets its first answer`, async () => {
    if (!mount.ok) throw new Error(`this reproduction needs a genuinely full filesystem (COMMIT-time ENOSPC); mount -t tmpfs failed: ${mount.reason}`);
    const mnt = mountTmpfs(cleanups);
    // Free-disk floor off (see disk-full.test.ts): this test is about the real ENOSPC.
    const files = await writeGatewayFiles({ dir: join(mnt, '..'), dataDir: join(mnt, 'data'), staffLimits: limits, extra: { sync: { outbox: { freeFloorBytes: 0 } } } });
    const { gw } = await startGateway(files, cleanups);
    const id = randomUUID();
    const first = await exec(gw, id, 'acknowledged before the disk filled');
    expect(first).toMatchObject({ id, ok: true });
    fileFiller(join(mnt, 'filler.bin')).fill(gw);
    // Both are submitted in the same tick: the new record's WAL frames do not fit and its COMMIT
    // fails with SQLITE_FULL, but the replay is answered from a read outside the transaction.
    const [fresh, retry] = await Promise.all([exec(gw, randomUUID(), text('new on a full disk')), exec(gw, id, 'acknowledged before the disk filled')]);
    expect(fresh).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    // DESIGN.md non-negotiable 2: a retry returns the first answer.
    expect(retry).toEqual(first);
    expect(await exec(gw, id, 'acknowledged before the disk filled')).toEqual(first);
  });

  it("an idempotent replay (which writes nothing) leaves the store's STORE_FULL alarm up while new commands are still refused", async () => {
    const files = await writeGatewayFiles({ staffLimits: limits });
    cleanups.push(() => rmSync(files.dir, { recursive: true, force: true }));
    const { gw, logs } = await startGateway(files, cleanups);
    const id = randomUUID();
    expect(await exec(gw, id, 'before')).toMatchObject({ ok: true });
    pageCapFiller.fill(gw);
    // Whatever still fits in the last page goes in; then the cap bites.
    const refuseOne = async (tag: string) => {
      for (let i = 0; i < 50; i++) {
        const a = await exec(gw, randomUUID(), text(`${tag} ${i}`));
        if (!a.ok) return a;
      }
      return null;
    };
    expect(await refuseOne('filling')).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    expect(gw.store.health().state).toBe('degraded');
    expect(await exec(gw, id, 'before')).toMatchObject({ ok: true });
    // The disk is as full as before: the alarm stays up, and is logged once, not again per refusal.
    expect(gw.store.health().state).toBe('degraded');
    expect(await exec(gw, randomUUID(), text('refused again'))).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    expect(gw.store.health().state).toBe('degraded');
    expect(logs.lines.filter((l) => l.includes('journal write failed')).length).toBe(1);
  });
});

// Chaos: the journal's disk fills up (issue 2 "Store": a full disk gives a clear
// STORE_FULL answer to commands while reads keep working; DESIGN.md "Store": the
// command is refused with STORE_FULL and an alarm).
//
// The gateway runs in-process (the whole composition root, with its real MQTT broker
// and an mqtt.js tablet) so the test can also read through the store's own API while
// the disk is full. Its data directory is a 2 MiB tmpfs mounted for the test, which we
// then fill with a file until ENOSPC: a genuinely full disk. If this sandbox does not
// allow `mount`, the test falls back to capping the SQLite file with store.limitPages()
// and says so in its name. A second test always uses limitPages too: there SQLite fails
// the INSERT itself and rolls the whole transaction back, while on a full filesystem
// the failure comes at COMMIT, when the WAL frames are written: two code paths.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGatewayFiles } from '../helpers/gateway-process.js';
import { fileFiller, limits, mount, mountTmpfs, pageCapFiller, runScenario, TMPFS_SIZE, type Cleanups } from './disk-full-fixture.js';

describe('chaos: disk full', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        console.error('disk-full cleanup:', e);
      }
    }
  });

  if (mount.ok) {
    it(`a genuinely full disk (${TMPFS_SIZE} tmpfs filled to ENOSPC): STORE_FULL answers, alarm, reads work, nothing half-written, recovery`, async () => {
      const mnt = mountTmpfs(cleanups);
      // The outbox keeps a floor of free disk (sync.outbox.freeFloorBytes, 256 MiB by default) and
      // refuses before reaching it; on a 2 MiB disk that floor would refuse everything at once, so it
      // is set to 0 here to reach the real ENOSPC this test is about (the floor has its own tests).
      const files = await writeGatewayFiles({ dir: join(mnt, '..'), dataDir: join(mnt, 'data'), staffLimits: limits, extra: { sync: { outbox: { freeFloorBytes: 0 } } } });
      const filler = fileFiller(join(mnt, 'filler.bin'));
      // 2000-character commands on a 2 MiB disk: far fewer than this fit in space SQLite already had.
      await runScenario({ files, filler, maxOkAfterFill: 500 }, cleanups);
      expect(filler.bytes, 'the filler should have taken the free space').toBeGreaterThan(0);
    });
  } else {
    it(`FALLBACK, mount -t tmpfs is not permitted here (${mount.reason}): SQLITE_FULL via store.limitPages: STORE_FULL answers, alarm, reads work, nothing half-written, recovery`, async () => {
      const files = await writeGatewayFiles({ staffLimits: limits });
      cleanups.push(() => rmSync(files.dir, { recursive: true, force: true }));
      await runScenario({ files, filler: pageCapFiller, maxOkAfterFill: 50 }, cleanups);
    });
  }

  it('SQLite page cap (store.limitPages: the INSERT fails and SQLite rolls the transaction back): STORE_FULL answers, alarm, reads work, nothing half-written, recovery', async () => {
    const files = await writeGatewayFiles({ staffLimits: limits });
    cleanups.push(() => rmSync(files.dir, { recursive: true, force: true }));
    await runScenario({ files, filler: pageCapFiller, maxOkAfterFill: 50 }, cleanups);
  });
});


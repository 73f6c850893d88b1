// Time correction end to end (issue 8 "Time"): a gateway whose clock starts unsynced
// (a Pi without RTC boots in 1970) makes records, the clock becomes good, the gateway
// journals clock.synced, and HQ corrects the early records and says it did.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import type { Clock, ClockQuality } from '../../firmware-ts/src/platform/clock.js';
import { HqCollector } from '../../scripts/hq-collector.js';
import { writeUsers } from '../helpers/gateway-inproc.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { silent } from '../helpers/store.js';
import { waitUntil } from '../helpers/sync-fixture.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(() => cleanupTempDirs());

/** True time advances with the monotonic clock; the wall clock is years off until it is set. */
class BootClock implements Clock {
  readonly bootId = 'boot-7f3a';
  private readonly start = performance.now();
  readonly trueStart = Date.parse('2026-11-28T09:00:00.000Z');
  q: ClockQuality = 'unsynced';
  skewMs = Date.parse('1970-01-01T00:00:30Z') - this.trueStart;
  monoMs(): number {
    return 5000 + (performance.now() - this.start);
  }
  now(): Date {
    return new Date(this.trueStart + (this.monoMs() - 5000) + (this.q === 'unsynced' ? this.skewMs : 0));
  }
  quality(): ClockQuality {
    return this.q;
  }
}

describe('time correction', () => {
  it('HQ corrects records made before the clock was set, from the journaled clock.synced offset', async () => {
    const dir = tempDir('vimgw-time-');
    const mq = await TestMosquitto.start(join(dir, 'mosquitto'));
    const hq = new HqCollector({ db: join(dir, 'hq.sqlite'), mqtt: { url: mq.url, topicPrefix: 'time/vim', clientId: 'hq-time' } });
    await hq.start();
    await writeUsers(join(dir, 'users.json'));
    const doc = { vehicle: { id: 'VIM-T' }, dataDir: 'data', broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json' }, sync: { push: { url: mq.url, topicPrefix: 'time/vim', backoffMinMs: 50 } } };
    const r = parseConfig(JSON.stringify(doc), join(dir, 'config.json'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const clock = new BootClock();
    const gw = new Gateway(r.config, silent, { clock });
    await gw.start();
    try {
      const early = await gw.store.transact((tx) => tx.journal.append({ type: 'logbook.entry', class: 'events', payload: { text: 'before the clock was set' } }));
      expect(early.clock).toBe('unsynced');
      expect(early.createdAt.startsWith('1970-')).toBe(true);
      const trueEarly = clock.trueStart + (early.monoMs - 5000);
      await new Promise((res) => setTimeout(res, 300));
      clock.q = 'ntp'; // NTP set the clock
      await waitUntil('clock.synced at HQ and the early record corrected', () => {
        const row = hq.db.db.prepare('SELECT corrected_at AS c, time_corrected AS t FROM records WHERE id = ?').get(early.id) as { c: string | null; t: number } | undefined;
        return row?.t === 1;
      }, 15_000);
      const row = hq.db.db.prepare('SELECT created_at AS createdAt, corrected_at AS correctedAt, clock FROM records WHERE id = ?').get(early.id) as { createdAt: string; correctedAt: string; clock: string };
      expect(row.clock).toBe('unsynced');
      expect(row.createdAt).toBe(early.createdAt); // the van's own reading is kept
      expect(Math.abs(Date.parse(row.correctedAt) - trueEarly)).toBeLessThanOrEqual(2);
      const synced = hq.db.db.prepare("SELECT payload FROM records WHERE type = 'clock.synced'").all() as { payload: string }[];
      expect(synced).toHaveLength(1);
      expect(JSON.parse(synced[0]!.payload)).toMatchObject({ bootId: 'boot-7f3a', source: 'ntp' });
    } finally {
      await gw.stop();
      await hq.stop();
      await mq.stop('SIGKILL');
    }
  });
});

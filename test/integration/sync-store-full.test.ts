// STORE_FULL end to end (issue 8 "Outbox"): when a protected class's budget is used
// up, a tablet command is refused with STORE_FULL (nothing half-written), and the alarm
// goes out on retained vim/state/sync, the red `sync` LED and the sync part's health
// (which `vimgw sync status` shows); track points meanwhile are evicted, not refused.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { command, nextMessage, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { waitUntil } from '../helpers/sync-fixture.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(() => cleanupTempDirs());

describe('outbox full', () => {
  it('refuses queue commands with STORE_FULL and raises the alarm on vim/state/sync and the LED', async () => {
    const { gw } = await startGateway({
      broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json', limits: { kiosk: { publishPerSecond: 1000, burst: 1000 } } },
      devices: { gpio: { backend: 'sim', lines: { leds: { sync: 20 } } } },
      sync: { outbox: { classBudgetBytes: { queue: 8192, track: 8192 } } },
    });
    const url = gw.broker.endpoints[0]!;
    const kiosk = await replyClient(url, USERS.kiosk, 'kiosk1@sync-full');
    const watcher = await replyClient(url, USERS.maintenance, 'bakim@sync-full');
    try {
      let refused: Record<string, unknown> | null = null;
      let taken = 0;
      for (let i = 0; i < 200 && !refused; i++) {
        const a = await command(kiosk, 'vim/cmd/queue/take', { id: randomUUID(), service: 'A' });
        if (a.ok) taken++;
        else refused = a;
      }
      expect(taken).toBeGreaterThan(0);
      expect(refused).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
      // The refused ticket left nothing behind, and the queue still answers from what was stored.
      const queueRecords = gw.store.outbox.usage().queue.count;
      const again = await command(kiosk, 'vim/cmd/queue/take', { id: randomUUID(), service: 'A' });
      expect(again).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
      expect(gw.store.outbox.usage().queue.count).toBe(queueRecords);

      await waitUntil('the sync part raises the alarm', () => gw.sync.health().state === 'failed', 5000);
      expect(gw.sync.health().detail).toMatch(/^STORE_FULL: the queue budget of 8192 bytes is used up/);
      await waitUntil('the red sync LED', () => gw.devices.gpio!.ledPattern('sync') === 'fault', 5000);
      const got = nextMessage(watcher, (t) => t === 'vim/state/sync', 5000);
      await watcher.subscribeAsync('vim/state/sync', { qos: 1 });
      const state = JSON.parse((await got)!.payload) as { alarm: { code: string; class: string } };
      expect(state.alarm).toMatchObject({ code: 'STORE_FULL', class: 'queue' });

      // Track points under their budget are evicted oldest first instead, never refused.
      for (let i = 0; i < 100; i++) await gw.store.transact((tx) => tx.journal.append({ type: 'gnss.track', class: 'track', payload: { i, pad: 'x'.repeat(200) } }));
      expect(gw.store.outbox.pressure.stats.evicted.track).toBeGreaterThan(0);
      expect(gw.store.outbox.pressure.stats.refused.track).toBe(0);
    } finally {
      await kiosk.endAsync();
      await watcher.endAsync();
      await gw.stop();
    }
  });
});

// `vimgw sync now` against a real HQ (issue 8 "Sync now": forces an attempt and shows
// progress): records pile up while HQ's mosquitto is down and the push has backed off
// for a long while; HQ comes back; `sync now` (the built CLI, through the control socket)
// makes the gateway try at once and follows the backlog to zero, and HQ has every record
// exactly once. Without a terminal its progress is plain lines, never escape codes.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HqCollector } from '../../scripts/hq-collector.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { waitUntil, writeMixed } from '../helpers/sync-fixture.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { vimgw } from '../helpers/vimgw-cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanupTempDirs();
});

describe('vimgw sync now', () => {
  it('after HQ comes back, pushes at once instead of waiting out the backoff, and follows the backlog to zero', { timeout: 240_000 }, async () => {
    const dir = tempDir('vimgw-syncnow-');
    const mq = await TestMosquitto.start(join(dir, 'mq'));
    cleanups.push(() => mq.stop('SIGKILL'));
    // HQ's collector holds a persistent session, so the broker queues for it while it is away.
    const hqDb = join(dir, 'hq.sqlite');
    const first = new HqCollector({ db: hqDb, mqtt: { url: mq.url, topicPrefix: 'now/vim', clientId: 'hq-now' } });
    await first.start();
    await first.stop();
    await mq.stop();

    const sock = join(dir, 'run', 'control.sock');
    // Backoff from 5 min: without `sync now` nothing would go for minutes.
    const { gw } = await startGateway({ control: { socket: sock }, sync: { push: { url: mq.url, topicPrefix: 'now/vim', backoffMinMs: 300_000, backoffMaxMs: 600_000, connectTimeoutS: 3 } } });
    cleanups.push(() => gw.stop());
    await writeMixed(gw.store, 600);
    await waitUntil('a failed attempt', () => gw.sync.pusher!.totals.failures >= 1, 15_000);
    const failures = gw.sync.pusher!.totals.failures;

    await mq.start();
    const hq = new HqCollector({ db: hqDb, mqtt: { url: mq.url, topicPrefix: 'now/vim', clientId: 'hq-now' } });
    await hq.start();
    cleanups.push(() => hq.stop());
    expect(gw.sync.pusher!.totals.connects).toBe(0); // still waiting out its backoff

    const r = await vimgw(['sync', 'now', '--json', '--wait', '120', '--socket', sock], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ requested: true, before: 600, after: 0, sent: 600, complete: true });
    expect(r.stderr.includes('\u001b') || r.stderr.includes('\r')).toBe(false);
    expect(r.stderr).toMatch(/^(sending to HQ: \d+ records of 600 records \(\d+ %\)\n)*$/);
    expect(gw.sync.pusher!.totals.connects).toBe(1);
    expect(gw.sync.pusher!.totals.failures).toBe(failures);
    await waitUntil('600 records at HQ', () => hq.db.counts().records === 600, 30_000);
    expect(hq.stats.duplicates).toBe(0);

    // Nothing left: a second `sync now` says so at once, in words.
    const again = await vimgw(['sync', 'now', '--socket', sock]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('done: HQ has everything (0 records sent)\n');
  });
});

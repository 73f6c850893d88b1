// Push to a REAL mosquitto as the HQ broker (issue 8 "Real parts in tests"): records
// reach HQ exactly once after deduplication and in order per class, across a broker
// stop/restart mid-stream and a proxy that drops connections at random.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { compile } from '../../firmware-ts/src/schema/validator.js';
import { SyncStateSchema } from '../../firmware-ts/src/sync/state-schema.js';
import { HqCollector } from '../../scripts/hq-collector.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { expectExactlyOnce, waitUntil, writeMixed } from '../helpers/sync-fixture.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const PREFIX = 'test/vim';
const VEHICLE = 'VIM-IT';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => cleanupTempDirs());

function pushConfig(url: string, extra: Record<string, unknown> = {}) {
  return { sync: { push: { url, topicPrefix: PREFIX, backoffMinMs: 50, backoffMaxMs: 500, keepaliveS: 10, connectTimeoutS: 3, ...extra } } };
}

async function setup(opts: { proxy?: boolean } = {}) {
  const dir = tempDir('vimgw-sync-');
  const mq = await TestMosquitto.start(join(dir, 'mosquitto'));
  cleanups.push(() => mq.stop('SIGKILL'));
  const hq = new HqCollector({ db: join(dir, 'hq.sqlite'), mqtt: { url: mq.url, topicPrefix: PREFIX, clientId: 'hq-test' } });
  await hq.start();
  cleanups.push(() => hq.stop());
  const proxy = opts.proxy ? await TcpProxy.start(mq.port) : null;
  if (proxy) cleanups.push(() => proxy.close());
  const { gw } = await startGateway(pushConfig(proxy ? proxy.url : mq.url));
  cleanups.push(() => gw.stop());
  return { dir, mq, hq, gw, proxy };
}

function journal(gw: Gateway) {
  const db = new Database(gw.store.path, { readonly: true });
  try {
    return db.prepare('SELECT seq, id, class, payload FROM journal ORDER BY seq').all() as { seq: number; id: string; class: string; payload: string }[];
  } finally {
    db.close();
  }
}

const pushBacklog = (gw: Gateway) => Object.values(gw.store.outbox.backlog('push')).reduce((n, b) => n + b.count, 0);

describe('sync push to mosquitto', () => {
  it('delivers mixed records exactly once, in order per class, and reports vim/state/sync', async () => {
    const { hq, gw } = await setup();
    await writeMixed(gw.store, 3000);
    await waitUntil('the outbox drains', () => pushBacklog(gw) === 0, 20_000);
    await waitUntil('HQ has every record', () => hq.db.counts().records >= 3000 + 0, 10_000, () => JSON.stringify(hq.stats));
    expectExactlyOnce(hq, journal(gw), VEHICLE);
    const s = gw.sync.state();
    expect(s.connected).toBe(true);
    expect(s.backlog.track.count).toBe(0);
    expect(s.bytesSentToday).toBeGreaterThan(0);
    expect(s.lastSuccessAt).not.toBeNull();
    expect(gw.sync.health().state).toBe('ok');
    // What is published is what docs/asyncapi.yaml says.
    const check = compile(SyncStateSchema).check(JSON.parse(JSON.stringify(s)));
    expect(check.ok ? [] : check.errors).toEqual([]);
  });

  it('resends what was not acknowledged after mosquitto stops and starts again mid-stream', async () => {
    const { hq, gw, mq } = await setup();
    let n = await writeMixed(gw.store, 2000);
    await waitUntil('some records delivered', () => hq.db.counts().records > 200, 20_000);
    await mq.stop();
    n = await writeMixed(gw.store, 2000, n);
    await waitUntil('the push notices', () => !gw.sync.pusher!.connected, 10_000);
    expect(gw.sync.state().backlog.track.count).toBeGreaterThan(0);
    expect(gw.sync.health().state).toBe('degraded');
    await mq.start();
    n = await writeMixed(gw.store, 1000, n);
    await waitUntil('the outbox drains', () => pushBacklog(gw) === 0, 30_000);
    await waitUntil('HQ has every record', () => hq.db.counts().records >= n, 20_000, () => JSON.stringify(hq.stats));
    expectExactlyOnce(hq, journal(gw), VEHICLE);
    expect(gw.sync.pusher!.totals.connects).toBeGreaterThanOrEqual(2);
  });

  it('survives a proxy that drops connections at random', async () => {
    const { hq, gw, proxy } = await setup({ proxy: true });
    proxy!.dropRandomly(150);
    let n = 0;
    for (let round = 0; round < 10; round++) {
      n = await writeMixed(gw.store, 400, n);
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitUntil('the outbox drains', () => pushBacklog(gw) === 0, 60_000, () => JSON.stringify(gw.sync.pusher!.totals));
    proxy!.stopRandom();
    await waitUntil('HQ has every record', () => hq.db.counts().records >= n, 20_000);
    expect(proxy!.drops).toBeGreaterThan(3);
    expectExactlyOnce(hq, journal(gw), VEHICLE);
    console.log(`random drops: ${proxy!.drops} drops, ${gw.sync.pusher!.totals.connects} connects, ${hq.stats.duplicates} duplicates at HQ, ${proxy!.bytesUp} bytes up for ${n} records`);
  });
});

describe('sync push over a slow, lossy link', () => {
  it('delivers exactly once through 300 ms each way and stalls on 5 % of the segments', async () => {
    const { hq, gw, proxy } = await setup({ proxy: true });
    proxy!.delayMs = 150; // each way: a 300 ms round trip
    proxy!.lossRate = 0.05;
    const n = await writeMixed(gw.store, 3000);
    await waitUntil('the outbox drains', () => pushBacklog(gw) === 0, 60_000, () => JSON.stringify(gw.sync.pusher!.totals));
    await waitUntil('HQ has every record', () => hq.db.counts().records >= n, 20_000);
    expectExactlyOnce(hq, journal(gw), VEHICLE);
  });
});

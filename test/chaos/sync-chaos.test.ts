// Chaos proof of the HQ sync (issue 8 "Proof"): many mixed records while HQ is
// unreachable, then HQ up but flapping (a proxy that refuses, drops connections at
// random, and one mosquitto restart) until the outbox drains, with the gateway (a
// child process) SIGKILLed at random moments in both phases. At HQ afterwards: every
// acknowledged record arrived, none missing and none extra after deduplication, and
// arrival order within each class is seq order.
//
// VIM_CHAOS_SYNC_RECORDS (default 20000; `npm run chaos:sync` uses 100000) scales the
// backlog; VIM_CHAOS_SYNC_KILLS (default 24, at least 20) the SIGKILLs.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../firmware-ts/src/platform/clock.js';
import { readBootId } from '../../firmware-ts/src/platform/clock.js';
import { Store } from '../../firmware-ts/src/store/store.js';
import { HqCollector } from '../../scripts/hq-collector.js';
import { GatewayProcess, killAllGateways, STAFF } from '../helpers/gateway-process.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { silent } from '../helpers/store.js';
import { expectExactlyOnce, waitUntil, writeMixed } from '../helpers/sync-fixture.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { Ledger, LoadClient } from './load-client.js';

const RECORDS = Number(process.env.VIM_CHAOS_SYNC_RECORDS ?? 20_000);
const KILLS = Math.max(20, Number(process.env.VIM_CHAOS_SYNC_KILLS ?? 24));
const PHASE1_KILLS = Math.floor(KILLS / 2);
const CLIENTS = 3;
const PREFIX = 'chaos/vim';
const VEHICLE = 'VIM-TEST';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

/** The gateway's clock as the seeding store sees it (the real boot id: seeded records are this boot's). */
const seedClock: Clock = { bootId: readBootId(), now: () => new Date(), monoMs: () => performance.now(), quality: () => 'ntp' };

function pushBacklog(journalFile: string): number {
  const db = new Database(journalFile, { readonly: true, fileMustExist: true });
  try {
    const r = db
      .prepare("SELECT count(*) AS n FROM outbox o WHERE o.seq > coalesce((SELECT acked FROM cursors c WHERE c.consumer = 'push' AND c.class = o.class), 0)")
      .get() as { n: number };
    return r.n;
  } finally {
    db.close();
  }
}

describe('chaos: HQ sync under SIGKILL and a flapping link', () => {
  let gw: GatewayProcess | null = null;
  let mq: TestMosquitto | null = null;
  let proxy: TcpProxy | null = null;
  let hq: HqCollector | null = null;
  let clients: LoadClient[] = [];
  let failed = true;

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await killAllGateways();
    if (gw && failed) console.error(`sync chaos: files kept in ${gw.files.dir}\n--- gateway output (tail) ---\n${gw.tail(3000)}`);
    await gw?.dispose(failed);
    await hq?.stop().catch(() => undefined);
    await proxy?.close();
    await mq?.stop('SIGKILL');
  });

  it(`delivers ${RECORDS} mixed records exactly once through ${KILLS} SIGKILLs`, { timeout: 15 * 60_000 }, async () => {
    const t0 = Date.now();
    // HQ: mosquitto, the collector on it directly, and the gateway's path to it through the proxy.
    const dir = mkdtempSync(join(tmpdir(), 'vimgw-sync-chaos-'));
    mq = await TestMosquitto.start(join(dir, 'mosquitto'));
    hq = new HqCollector({ db: join(dir, 'hq.sqlite'), mqtt: { url: mq.url, topicPrefix: PREFIX, clientId: 'hq-chaos' } });
    await hq.start();
    proxy = await TcpProxy.start(mq.port);
    proxy.refusing = true; // phase 1: HQ unreachable
    gw = await GatewayProcess.create({
      dir,
      staffLimits: { publishPerSecond: 100_000, burst: 100_000 },
      extra: { sync: { push: { url: proxy.url, topicPrefix: PREFIX, backoffMinMs: 100, backoffMaxMs: 1000, keepaliveS: 10, connectTimeoutS: 3, bandwidthBytesPerS: 150_000 } } },
    });
    const p = gw;
    const ledger = new Ledger();
    const context = () => `kills so far, ledger acks=${ledger.acks}, hq=${JSON.stringify(hq!.stats)}, proxy drops=${proxy!.drops}\n${p.tail(2000)}`;

    // Phase 1: the backlog grows while HQ is unreachable; the gateway is killed mid-load.
    let seeded = 0;
    const perCycle = Math.ceil(RECORDS / PHASE1_KILLS);
    const kills: string[] = [];
    for (let cycle = 0; cycle < PHASE1_KILLS; cycle++) {
      // Seeded through the real store while the gateway is down (money, requests, queue, events, track).
      const store = new Store({ dataDir: p.files.dataDir, file: 'journal.sqlite', vehicle: VEHICLE, maxBatch: 512, idempotencyDays: 30 }, seedClock, silent);
      await store.start();
      seeded = await writeMixed(store, Math.min(perCycle, RECORDS - seeded), seeded, 2000);
      await store.stop();
      await p.start();
      if (clients.length === 0) {
        clients = Array.from({ length: CLIENTS }, (_, i) => new LoadClient(i, ledger, { url: p.files.url, ...STAFF }));
        for (const c of clients) c.start();
      }
      await sleep(between(300, 1500));
      const exit = await p.kill('SIGKILL');
      expect(exit?.signal, context()).toBe('SIGKILL');
      kills.push(`p1:${cycle}`);
    }
    expect(hq.db.counts().records, 'nothing reached HQ while it was unreachable').toBe(0);

    // Phase 2: HQ up, flapping: refused for a while, up for a while, connections cut at random.
    let flapping = true;
    const flapper = (async () => {
      while (flapping) {
        proxy.refusing = false;
        await sleep(between(1000, 3000));
        if (!flapping) break;
        proxy.refusing = true;
        proxy.dropAll();
        await sleep(between(300, 1200));
      }
      proxy.refusing = false;
    })();
    proxy.dropRandomly(1500);
    let restartedBroker = false;
    while (kills.length < KILLS) {
      await p.start();
      await sleep(between(500, 2500));
      if (!restartedBroker && kills.length >= PHASE1_KILLS + 3) {
        restartedBroker = true;
        await mq.stop(); // a clean stop: mosquitto keeps the collector's queued messages
        await sleep(500);
        await mq.start();
      }
      expect(p.running, `gateway died on its own\n${context()}`).toBe(true);
      await p.kill('SIGKILL');
      kills.push(`p2:${pushBacklog(p.files.journalFile)}`);
    }
    for (const c of clients) c.generating = false;
    await p.start();
    await waitUntil('every command acknowledged', () => ledger.unacked.length === 0 && clients.every((c) => c.idle), 60_000, context);
    flapping = false;
    await flapper;
    proxy.stopRandom();
    await waitUntil('the outbox drained', () => pushBacklog(p.files.journalFile) === 0, 240_000, context);
    await p.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close()));
    clients = [];

    // Verify: the journal the gateway left, against HQ.
    const db = new Database(p.files.journalFile, { readonly: true, fileMustExist: true });
    const journal = db.prepare('SELECT seq, id, class, payload FROM journal ORDER BY seq').all() as { seq: number; id: string; class: string; payload: string }[];
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    await waitUntil('HQ stored every batch', () => hq!.db.counts().records >= journal.length, 60_000, context);
    expectExactlyOnce(hq, journal, VEHICLE);
    const atHq = new Set((hq.db.db.prepare('SELECT id FROM records').all() as { id: string }[]).map((r) => r.id));
    const lostAcks = ledger.acked.filter((c) => !atHq.has(c.recordId!));
    expect(lostAcks.map((c) => c.id), 'acknowledged commands whose record is not at HQ').toEqual([]);
    expect(ledger.violations).toEqual([]);
    expect(kills.length).toBeGreaterThanOrEqual(20);

    const c = hq.db.counts();
    const bytesPerRecord = proxy.bytesUp / journal.length;
    console.log(
      `sync chaos: ${journal.length} records (${seeded} seeded, ${ledger.acks} tablet commands) in ${((Date.now() - t0) / 1000).toFixed(0)} s; ` +
        `${kills.length} SIGKILLs [${kills.join(' ')}]; HQ got ${c.batches} batches with ${c.duplicates} duplicate records; ` +
        `proxy: ${proxy.connections} connections, ${proxy.drops} cut; ${proxy.bytesUp} bytes up = ${bytesPerRecord.toFixed(1)} bytes/record on the wire`,
    );
    failed = false;
  });
});

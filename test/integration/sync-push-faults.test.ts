// Push against an HQ broker that refuses (issue 8 "Bad input"): a closed port, wrong
// credentials, a TLS certificate that does not verify. Each gives a clear health
// detail and vim/state/sync entry, the gateway keeps serving, nothing leaves the
// outbox, and with the right CA the same TLS broker gets the records.
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HqCollector } from '../../scripts/hq-collector.js';
import { makePki } from '../helpers/certs.js';
import { connect, nextMessage, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { freePort } from '../helpers/gateway-process.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { waitUntil, writeMixed } from '../helpers/sync-fixture.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => cleanupTempDirs());

async function gatewayPushingTo(push: Record<string, unknown>) {
  const { gw } = await startGateway({ sync: { push: { topicPrefix: 'faults/vim', backoffMinMs: 100, backoffMaxMs: 400, connectTimeoutS: 3, ...push } } });
  cleanups.push(() => gw.stop());
  await writeMixed(gw.store, 50);
  return gw;
}

async function retainedSyncState(brokerUrl: string): Promise<Record<string, unknown>> {
  const c = await connect(brokerUrl, USERS.maintenance, 'bakim@sync-test');
  try {
    const got = nextMessage(c, (t) => t === 'vim/state/sync', 5000);
    await c.subscribeAsync('vim/state/sync', { qos: 1 });
    const m = await got;
    if (!m) throw new Error('no retained vim/state/sync');
    return JSON.parse(m.payload) as Record<string, unknown>;
  } finally {
    await c.endAsync();
  }
}

describe('push against an HQ broker that refuses', () => {
  it('a closed port: "refused", degraded, records stay, the gateway keeps serving', async () => {
    const gw = await gatewayPushingTo({ url: `mqtt://127.0.0.1:${await freePort()}` });
    await waitUntil('a failed attempt', () => (gw.sync.pusher!.totals.failures ?? 0) >= 2, 10_000);
    expect(gw.sync.pusher!.lastFailure?.kind).toBe('refused');
    const h = gw.sync.health();
    expect(h.state).toBe('degraded');
    expect(h.detail).toMatch(/refused the connection \(ECONNREFUSED\); 50 records waiting/);
    expect(gw.health()).not.toBe('failed');
    const s = await retainedSyncState(gw.broker.endpoints[0]!);
    expect(s.connected).toBe(false);
    expect((s.push as { lastFailure: { kind: string } }).lastFailure.kind).toBe('refused');
    const backlog = s.backlog as Record<string, { count: number }>;
    expect(backlog.track!.count + backlog.money!.count).toBeGreaterThan(0);
    // Still taking records.
    await writeMixed(gw.store, 10, 50);
    expect(Object.values(gw.store.outbox.backlog('push')).reduce((n, b) => n + b.count, 0)).toBe(60);
  });

  it('wrong credentials: "not authorized" from the CONNACK, retried with backoff', async () => {
    const dir = tempDir('vimgw-sync-auth-');
    const mq = await TestMosquitto.start(join(dir, 'mq'), { users: { van01: 'dogru-parola' } });
    cleanups.push(() => mq.stop('SIGKILL'));
    const gw = await gatewayPushingTo({ url: mq.url, username: 'van01', password: 'yanlis-parola' });
    await waitUntil('a refused CONNECT', () => gw.sync.pusher!.totals.failures >= 2, 10_000);
    expect(['credentials', 'not-authorized']).toContain(gw.sync.pusher!.lastFailure?.kind);
    expect(gw.sync.health().detail).toMatch(/CONNACK [45]/);
    expect(gw.sync.pusher!.totals.connects).toBe(0);
  });

  it('a certificate that does not verify: "tls"; with the right CA the records arrive', async () => {
    const dir = tempDir('vimgw-sync-tls-');
    const pki = makePki(dir);
    const mq = await TestMosquitto.start(join(dir, 'mq'), { tls: { cert: pki.serverCert, key: pki.serverKey } });
    cleanups.push(() => mq.stop('SIGKILL'));
    const url = `mqtts://127.0.0.1:${mq.port}`;
    const bad = await gatewayPushingTo({ url, caFile: pki.otherCa });
    await waitUntil('a TLS failure', () => bad.sync.pusher!.totals.failures >= 2, 10_000);
    expect(bad.sync.pusher!.lastFailure?.kind).toBe('tls');
    expect(bad.sync.health().detail).toMatch(/TLS: .*does not verify/);
    await bad.stop();

    const hq = new HqCollector({ db: join(dir, 'hq.sqlite'), mqtt: { url, topicPrefix: 'faults/vim', clientId: 'hq-tls', ca: (await import('node:fs')).readFileSync(pki.ca) } });
    await hq.start();
    cleanups.push(() => hq.stop());
    const good = await gatewayPushingTo({ url, caFile: pki.ca });
    await waitUntil('the records at HQ over TLS', () => hq.db.counts().records === 50, 15_000);
    expect(good.sync.health().state).toBe('ok');
  });

  it('an unreadable CA file is a clear config failure, not a crash', async () => {
    const gw = await gatewayPushingTo({ url: 'mqtts://127.0.0.1:8883', caFile: '/nonexistent/ca.pem' });
    await waitUntil('a failed attempt', () => gw.sync.pusher!.totals.failures >= 1, 10_000);
    expect(gw.sync.pusher!.lastFailure).toMatchObject({ kind: 'config' });
    expect(gw.sync.health().detail).toMatch(/cannot read sync.push.caFile \/nonexistent\/ca.pem \(ENOENT\)/);
  });
});

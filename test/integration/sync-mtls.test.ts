// Mutual TLS on both sync paths (issue 8 "Push": TLS with CA and client cert; "Pull": TLS
// when configured; "Bad input": a certificate that does not verify). A throwaway PKI made
// with openssl; HQ is a real mosquitto that requires a client certificate, the pull API a
// real HTTPS server with sync.pull.tls.caFile. A missing client certificate, one from a
// CA the server does not trust, and plaintext to the TLS port are each refused with a
// clear reason, nothing leaves the outbox, and the gateway keeps serving.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { HqCollector } from '../../scripts/hq-collector.js';
import { makeClientCert, makePki, type ClientCert, type TestPki } from '../helpers/certs.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { waitUntil, writeMixed } from '../helpers/sync-fixture.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const PREFIX = 'mtls/vim';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => cleanupTempDirs());

let dir: string;
let pki: TestPki;
let van: ClientCert;
let hqClient: ClientCert;
let stranger: ClientCert;

beforeAll(() => {
  dir = tempDir('vimgw-mtls-');
  pki = makePki(dir);
  van = makeClientCert(dir, 'van01');
  hqClient = makeClientCert(dir, 'hq-collector');
  stranger = makeClientCert(dir, 'stranger', 'other-ca');
});

async function gatewayPushingTo(push: Record<string, unknown>, records = 40) {
  const { gw } = await startGateway({ sync: { push: { topicPrefix: PREFIX, backoffMinMs: 100, backoffMaxMs: 400, connectTimeoutS: 3, ...push } } });
  cleanups.push(() => gw.stop());
  await writeMixed(gw.store, records);
  return gw;
}

const pushBacklog = (gw: Awaited<ReturnType<typeof gatewayPushingTo>>) => Object.values(gw.store.outbox.backlog('push')).reduce((n, b) => n + b.count, 0);

describe('push to an HQ broker that requires a client certificate', () => {
  let mq: TestMosquitto;
  let url: string;

  beforeAll(async () => {
    mq = await TestMosquitto.start(join(dir, 'mq'), { tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true } });
    url = `mqtts://127.0.0.1:${mq.port}`;
  });
  afterAll(() => mq.stop('SIGKILL'));

  it('with the van\'s certificate the records arrive, exactly once', async () => {
    const hq = new HqCollector({
      db: join(dir, 'hq-ok.sqlite'),
      mqtt: { url, topicPrefix: PREFIX, clientId: 'hq-mtls', ca: readFileSync(pki.ca), cert: readFileSync(hqClient.cert), key: readFileSync(hqClient.key) },
    });
    await hq.start();
    cleanups.push(() => hq.stop());
    const gw = await gatewayPushingTo({ url, caFile: pki.ca, certFile: van.cert, keyFile: van.key });
    await waitUntil('40 records at HQ over mutual TLS', () => hq.db.counts().records === 40, 20_000);
    await waitUntil('the push cursor at the end', () => pushBacklog(gw) === 0, 10_000);
    expect(hq.stats.duplicates).toBe(0);
    expect(gw.sync.health().state).toBe('ok');
    expect(gw.sync.pusher!.lastFailure).toBeNull();
  });

  for (const [what, push] of [
    ['no client certificate', () => ({})],
    ['a client certificate from a CA the broker does not trust', () => ({ certFile: stranger.cert, keyFile: stranger.key })],
  ] as const) {
    it(`${what}: refused as a TLS failure, nothing leaves the outbox`, async () => {
      const gw = await gatewayPushingTo({ url, caFile: pki.ca, ...push() });
      await waitUntil('two refused attempts', () => gw.sync.pusher!.totals.failures >= 2, 15_000);
      const f = gw.sync.pusher!.lastFailure!;
      // TLS 1.3 sends the client's certificate after the server's Finished: the refusal
      // reaches us as the broker's alert on the first read.
      expect(f.kind).toBe('tls');
      expect(f.message).toMatch(/^TLS: HQ broker refused our client certificate \(tlsv1\d? alert (certificate required|unknown ca)\)/);
      expect(gw.sync.health().detail).toMatch(/refused our client certificate/);
      expect(gw.sync.pusher!.totals.connects).toBe(0);
      expect(pushBacklog(gw)).toBe(40);
      expect(gw.sync.health().state).toBe('degraded');
      // The gateway still takes records.
      await writeMixed(gw.store, 5, 40);
      expect(pushBacklog(gw)).toBe(45);
    });
  }

  it('plaintext MQTT to the TLS port: refused, never mistaken for a connection', async () => {
    const gw = await gatewayPushingTo({ url: `mqtt://127.0.0.1:${mq.port}` });
    await waitUntil('two failed attempts', () => gw.sync.pusher!.totals.failures >= 2, 20_000);
    expect(gw.sync.pusher!.totals.connects).toBe(0);
    expect(gw.sync.pusher!.lastFailure).toMatchObject({ kind: 'unreachable' });
    expect(gw.sync.pusher!.lastFailure!.message).toMatch(/reset the connection before CONNACK \(ECONNRESET\); if that port speaks TLS, use an mqtts:\/\/ URL/);
    expect(pushBacklog(gw)).toBe(40);
  });
});

interface Reply {
  status: number;
  body: string;
}

function get(url: string, path: string, token: string, tls: { ca?: string; cert?: ClientCert } = {}): Promise<Reply> {
  const u = new URL(path, url);
  const opts = {
    method: 'GET',
    headers: { authorization: `Bearer ${token}` },
    ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls.cert ? { cert: readFileSync(tls.cert.cert), key: readFileSync(tls.cert.key) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('pull API that requires a client certificate', () => {
  it('serves a client with a certificate from the configured CA and refuses every other', async () => {
    const t = newToken();
    const { gw } = await startGateway({
      sync: { pull: { listen: [{ host: '127.0.0.1', port: 0 }], tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.ca }, consumers: [{ name: 'hq', tokenSha256: t.tokenSha256 }] } },
    });
    cleanups.push(() => gw.stop());
    await writeMixed(gw.store, 120);
    const url = gw.sync.pull!.endpoints[0]!;
    expect(url.startsWith('https://')).toBe(true);

    const ok = await get(url, '/sync/v1/status', t.token, { ca: pki.ca, cert: hqClient });
    expect(ok.status).toBe(200);

    // No client certificate, or one from another CA: the handshake fails (TLS 1.3 reports it on the first read).
    await expect(get(url, '/sync/v1/status', t.token, { ca: pki.ca })).rejects.toThrow(/certificate|ECONNRESET|socket hang up/i);
    await expect(get(url, '/sync/v1/status', t.token, { ca: pki.ca, cert: stranger })).rejects.toThrow(/certificate|unknown ca|ECONNRESET|socket hang up/i);
    // Plaintext HTTP to the TLS port gets no records.
    const plain = await get(url.replace('https:', 'http:'), '/sync/v1/records?after=0', t.token).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    if (!(plain instanceof Error)) {
      expect(plain.status).toBeGreaterThanOrEqual(400);
      expect(plain.body).not.toMatch(/"seq"/);
    }

    // None of that hurt the server: the HQ collector, with its certificate, pulls everything.
    const hq = new HqCollector({
      db: join(dir, 'hq-pull.sqlite'),
      pull: { url, consumer: 'hq', token: t.token, limit: 50, intervalMs: 200, ca: readFileSync(pki.ca), cert: readFileSync(hqClient.cert), key: readFileSync(hqClient.key) },
    });
    await hq.start();
    cleanups.push(() => hq.stop());
    await waitUntil('120 records pulled over mutual TLS', () => hq.db.counts().records === 120, 20_000);
    expect(hq.stats.duplicates).toBe(0);
    expect(gw.sync.health().state).not.toBe('failed');
  });
});

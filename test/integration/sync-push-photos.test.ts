// Photos over the push to a REAL mosquitto (docs/sync.md "Photos"): after HQ PUBACKed the
// request records naming them, each photo goes QoS 1 to <prefix>/<vehicle>/attachments/
// <sha256>, byte for byte, and is marked delivered; across a proxy that drops connections
// at random every photo still arrives and is marked; the bandwidth cap holds for photos.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AttachmentFiles } from '../../firmware-ts/src/adapters/attachment-files.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { decodePhoto } from '../../firmware-ts/src/sync/push/photos.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { silent } from '../helpers/store.js';
import { waitUntil } from '../helpers/sync-fixture.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const PREFIX = 'test/vim';
const VEHICLE = 'VIM-IT';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => cleanupTempDirs());

/** What HQ received on the attachments topic: topic hash to decoded message (the last copy). */
async function subscriber(url: string): Promise<{ client: MqttClient; got: Map<string, ReturnType<typeof decodePhoto> & { topic: string }>; order: string[]; arrivals: string[] }> {
  const client = connect(url, { clientId: 'hq-photos', clean: true, reconnectPeriod: 200 });
  const got = new Map<string, ReturnType<typeof decodePhoto> & { topic: string }>();
  const order: string[] = [];
  /** Every message in arrival order: `records/<class>` for a batch, `photo` for a photo. */
  const arrivals: string[] = [];
  client.on('message', (topic, msg) => {
    if (topic.includes('/records/')) {
      arrivals.push(`records/${topic.split('/').pop()!}`);
      return;
    }
    arrivals.push('photo');
    const h = topic.split('/').pop()!;
    got.set(h, { ...decodePhoto(msg), topic });
    order.push(h);
  });
  await new Promise<void>((res, rej) => {
    client.once('connect', () => client.subscribe([`${PREFIX}/+/attachments/+`, `${PREFIX}/+/records/requests`], { qos: 1 }, (e) => (e ? rej(e) : res())));
    client.once('error', rej);
  });
  cleanups.push(() => client.endAsync(true));
  return { client, got, order, arrivals };
}

async function setup(opts: { proxy?: boolean; bandwidthBytesPerS?: number } = {}) {
  const dir = tempDir('vimgw-photos-');
  const mq = await TestMosquitto.start(join(dir, 'mosquitto'));
  cleanups.push(() => mq.stop('SIGKILL'));
  const hq = await subscriber(mq.url);
  const proxy = opts.proxy ? await TcpProxy.start(mq.port) : null;
  if (proxy) cleanups.push(() => proxy.close());
  const push = { url: proxy ? proxy.url : mq.url, topicPrefix: PREFIX, backoffMinMs: 50, backoffMaxMs: 500, keepaliveS: 10, connectTimeoutS: 3, ...(opts.bandwidthBytesPerS ? { bandwidthBytesPerS: opts.bandwidthBytesPerS } : {}) };
  const { gw, dir: gdir } = await startGateway({ sync: { push } }, { dir });
  cleanups.push(() => gw.stop());
  // The gateway's photo files clean up unfinished temporary files once, at their first use
  // (its retention pass at start): let that finish before this second instance writes.
  await gw.requests.photoRetention.run();
  const files = new AttachmentFiles(join(gdir, 'data', 'attachments'), silent);
  return { gw, hq, proxy, files };
}

/** A request naming these photos, written as requests/create does (files first, then the record). */
async function request(gw: Gateway, files: AttachmentFiles, n: number, photos: Buffer[]): Promise<void> {
  for (const p of photos) await files.put({ sha256: sha(p), ext: 'jpg', data: p });
  await gw.store.transact((tx) =>
    tx.journal.append({ type: 'requests.created', class: 'requests', payload: { trackingNumber: `T-${n}`, photos: photos.map((p) => ({ sha256: sha(p), bytes: p.length, mime: 'image/jpeg' })) } }),
  );
}

const jpeg = (n: number, size: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, n]), Buffer.alloc(size, n)]);

describe('photos over the push', () => {
  it('publishes each photo after its request records are PUBACKed, byte for byte, and marks it delivered', async () => {
    const { gw, hq, files } = await setup();
    const a = jpeg(1, 200_000);
    const b = jpeg(2, 1000);
    await request(gw, files, 1, [a, b]);
    await request(gw, files, 2, [b]); // the same photo again: sent once
    await waitUntil('HQ has both photos', () => hq.got.size === 2, 20_000, () => JSON.stringify(gw.sync.pusher!.photos!.totals));
    for (const p of [a, b]) {
      const m = hq.got.get(sha(p))!;
      expect(m.topic).toBe(`${PREFIX}/${VEHICLE}/attachments/${sha(p)}`);
      expect(sha(m.data)).toBe(sha(p));
      expect(m.header).toMatchObject({ v: 1, vehicle: VEHICLE, sha256: sha(p), mime: 'image/jpeg', bytes: p.length, seq: 1 });
    }
    await waitUntil('both marked delivered', () => gw.store.attachments.counts().delivered === 2, 10_000);
    expect(gw.store.attachments.get(sha(a))).toMatchObject({ consumer: 'push' });
    // The records went first: HQ had the request batch before any photo it names.
    expect(hq.arrivals.indexOf('records/requests')).toBeGreaterThanOrEqual(0);
    expect(hq.arrivals.indexOf('records/requests')).toBeLessThan(hq.arrivals.indexOf('photo'));
    expect(gw.sync.pusher!.deliveredUpTo('requests')).toBe(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(hq.order.length).toBe(2); // nothing resent once delivered
  });

  it('every photo arrives and is marked across a proxy that drops connections at random', async () => {
    const { gw, hq, proxy, files } = await setup({ proxy: true });
    proxy!.dropRandomly(300);
    const photos = Array.from({ length: 12 }, (_, i) => jpeg(10 + i, 40_000 + i));
    for (let i = 0; i < photos.length; i += 3) await request(gw, files, i, photos.slice(i, i + 3));
    await waitUntil('every photo marked delivered', () => gw.store.attachments.counts().delivered === photos.length, 90_000, () => JSON.stringify(gw.sync.pusher!.photos!.totals));
    proxy!.stopRandom();
    // Marked only on PUBACK, so HQ has each one (possibly more than once), byte for byte.
    for (const p of photos) expect(sha(hq.got.get(sha(p))?.data ?? Buffer.alloc(0))).toBe(sha(p));
    expect(gw.store.attachments.counts()).toEqual({ known: 12, delivered: 12 });
  });

  it('photos respect the bandwidth cap', async () => {
    const { gw, hq, files } = await setup({ bandwidthBytesPerS: 200_000 });
    const photos = [jpeg(30, 200_000), jpeg(31, 200_000), jpeg(32, 200_000)];
    const t0 = Date.now();
    await request(gw, files, 1, photos);
    await waitUntil('HQ has the photos', () => hq.got.size === 3, 30_000);
    // 600 KB at 200 KB/s with a 200 KB burst: at least 2 s; allow for timer slack.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    await waitUntil('marked delivered', () => gw.store.attachments.counts().delivered === 3, 10_000);
  });
});

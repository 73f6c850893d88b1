// The HQ collector keeps the vans' request photos (docs/sync.md "Photos"): pushed through a
// REAL mosquitto or pulled over HTTP, each is stored under its SHA-256 beside the collector's
// database, checked against its hash, and (pull) acknowledged, so the van may let it go.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AttachmentFiles } from '../../firmware-ts/src/adapters/attachment-files.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { newToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { HqCollector } from '../../scripts/hq-collector.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { TestMosquitto } from '../helpers/mosquitto.js';
import { silent } from '../helpers/store.js';
import { waitUntil } from '../helpers/sync-fixture.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const PREFIX = 'test/vim';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const jpeg = (n: number, size: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, n]), Buffer.alloc(size, n)]);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => cleanupTempDirs());

/** A request naming these photos, written as requests/create does (files first, then the record). */
async function request(gw: Gateway, dir: string, n: number, photos: Buffer[]): Promise<void> {
  await gw.requests.photoRetention.run(); // its first pass clears temp files: let it finish before writing
  const files = new AttachmentFiles(join(dir, 'data', 'attachments'), silent);
  for (const p of photos) await files.put({ sha256: sha(p), ext: 'jpg', data: p });
  await gw.store.transact((tx) =>
    tx.journal.append({ type: 'requests.created', class: 'requests', payload: { trackingNumber: `T-${n}`, photos: photos.map((p) => ({ sha256: sha(p), bytes: p.length, mime: 'image/jpeg' })) } }),
  );
}

describe('HQ collector photos', () => {
  it('stores pushed photos byte for byte under their hash, and refuses a corrupt one without writing it', async () => {
    const dir = tempDir('vimgw-hqphotos-');
    const mq = await TestMosquitto.start(join(dir, 'mosquitto'));
    cleanups.push(() => mq.stop('SIGKILL'));
    const col = new HqCollector({ db: join(dir, 'hq.sqlite'), mqtt: { url: mq.url, topicPrefix: PREFIX, clientId: 'hq-col-photos', clean: true } });
    await col.start();
    cleanups.push(() => col.stop());
    const push = { url: mq.url, topicPrefix: PREFIX, backoffMinMs: 50, backoffMaxMs: 500, keepaliveS: 10, connectTimeoutS: 3 };
    const { gw, dir: gdir } = await startGateway({ sync: { push } }, { dir });
    cleanups.push(() => gw.stop());
    const a = jpeg(1, 150_000);
    const b = jpeg(2, 900);
    await request(gw, gdir, 1, [a, b]);
    await waitUntil('both photos at HQ', () => col.photos.has(sha(a)) && col.photos.has(sha(b)), 30_000);
    expect(readFileSync(join(dir, 'hq.sqlite.photos', sha(a)))).toEqual(a);
    expect(readFileSync(join(dir, 'hq.sqlite.photos', sha(b)))).toEqual(b);
    expect(col.stats.records).toBeGreaterThanOrEqual(1);

    // A message whose bytes do not hash to its topic's name: counted, logged, nothing stored.
    const evil = connect(mq.url, { clientId: 'evil', clean: true });
    await new Promise<void>((r) => evil.once('connect', () => r()));
    const fake = 'f'.repeat(64);
    await evil.publishAsync(`${PREFIX}/VIM-X/attachments/${fake}`, Buffer.concat([Buffer.from(`${JSON.stringify({ v: 1, vehicle: 'VIM-X', sha256: fake, mime: null, bytes: 3, seq: 1, sentAt: '' })}\n`), Buffer.from('abc')]), { qos: 1 });
    await evil.endAsync();
    await waitUntil('the corrupt photo refused', () => col.stats.badPhotos === 1, 10_000);
    expect(existsSync(join(dir, 'hq.sqlite.photos', fake))).toBe(false);
    expect(readdirSync(join(dir, 'hq.sqlite.photos')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('pulls the photos of pulled request records, stores them and acknowledges each, so the van marks them delivered', async () => {
    const dir = tempDir('vimgw-hqpull-');
    const token = newToken();
    const { gw, dir: gdir } = await startGateway(
      { sync: { pull: { listen: [{ host: '127.0.0.1', port: 0 }], consumers: [{ name: 'hq', tokenSha256: token.tokenSha256 }], maxFailures: 3, lockoutS: 60 } } },
      { dir },
    );
    cleanups.push(() => gw.stop());
    const a = jpeg(3, 80_000);
    await request(gw, gdir, 2, [a]);
    const col = new HqCollector({ db: join(dir, 'hq.sqlite'), photosDir: join(dir, 'photos'), pull: { url: gw.sync.pull!.endpoints[0]!, consumer: 'hq', token: token.token, intervalMs: 200 } });
    await col.start();
    cleanups.push(() => col.stop());
    await waitUntil('the photo pulled', () => col.photos.has(sha(a)), 30_000);
    expect(readFileSync(join(dir, 'photos', sha(a)))).toEqual(a);
    await waitUntil('the van marks it delivered', () => gw.store.attachments.get(sha(a))?.consumer === 'hq', 10_000);
    expect(col.stats.missingPhotos).toBe(0);
  });
});

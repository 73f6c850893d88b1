// Photos over the pull API (docs/openapi.yaml, docs/sync.md "Photos"), over real HTTP
// against an in-process gateway: a photo a request names is served byte for byte with
// its recorded type; fetching is not delivery, the explicit ack is; bad hashes, unknown
// photos, other methods and bad tokens get clear errors; the mark is what the photo
// retention then goes by.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentFiles } from '../../firmware-ts/src/adapters/attachment-files.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { newToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { silent } from '../helpers/store.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function call(base: string, method: string, path: string, opts: { token?: string; body?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
const code = (r: Reply) => (JSON.parse(r.body.toString('utf8')) as { error: { code: string } }).error.code;

const HQ = newToken();
const AUDIT = newToken();
let gw: Gateway;
let base: string;
let files: AttachmentFiles;

// A 300 KB JPEG-looking photo (several socket writes) and a PNG.
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300_000, 7)]);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 3)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  let dir: string;
  ({ gw, dir } = await startGateway({
    sync: {
      pull: {
        listen: [{ host: '127.0.0.1', port: 0 }],
        consumers: [
          { name: 'hq', tokenSha256: HQ.tokenSha256 },
          { name: 'audit', tokenSha256: AUDIT.tokenSha256 },
        ],
        maxFailures: 3,
        lockoutS: 60,
      },
    },
  }));
  base = gw.sync.pull!.endpoints[0]!;
  // The gateway's own photo files remove unfinished temporary files at their first use (the
  // retention pass at start): let that finish before this second instance writes.
  await gw.requests.photoRetention.run();
  // As requests/create does: the files first, then the record naming them.
  files = new AttachmentFiles(join(dir, 'data', 'attachments'), silent);
  await files.put({ sha256: sha(jpeg), ext: 'jpg', data: jpeg });
  await files.put({ sha256: sha(png), ext: 'png', data: png });
  await files.put({ sha256: sha(Buffer.from('stray')), ext: 'jpg', data: Buffer.from('stray') }); // a request that never committed
  await gw.store.transact((tx) =>
    tx.journal.append({
      type: 'requests.created',
      class: 'requests',
      payload: { trackingNumber: 'T-1', photos: [{ sha256: sha(jpeg), bytes: jpeg.length, mime: 'image/jpeg' }, { sha256: sha(png), bytes: png.length, mime: 'image/png' }] },
    }),
  );
});

afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('photos over the pull API', () => {
  it('serves a photo a request names, byte for byte, typed by the record; fetching does not mark it delivered', async () => {
    const r = await call(base, 'GET', `/sync/v1/attachments/${sha(jpeg)}`, { token: HQ.token });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    expect(r.headers['content-length']).toBe(String(jpeg.length));
    expect(r.headers['x-attachment-delivered']).toBe('false');
    expect(sha(r.body)).toBe(sha(jpeg));
    const p = await call(base, 'GET', `/sync/v1/attachments/${sha(png)}`, { token: AUDIT.token });
    expect([p.status, p.headers['content-type'], sha(p.body)]).toEqual([200, 'image/png', sha(png)]);
    expect(gw.store.attachments.get(sha(jpeg))).toMatchObject({ consumer: null, at: null });
  });

  it('marks a photo delivered on the explicit ack, keeps the first confirmation, and says so on the next fetch', async () => {
    const a = await call(base, 'POST', '/sync/v1/attachments/ack', { token: HQ.token, body: JSON.stringify({ sha256: sha(jpeg) }) });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body.toString('utf8'))).toMatchObject({ sha256: sha(jpeg), delivered: true, consumer: 'hq' });
    const again = await call(base, 'POST', '/sync/v1/attachments/ack', { token: AUDIT.token, body: JSON.stringify({ sha256: sha(jpeg) }) });
    expect(JSON.parse(again.body.toString('utf8'))).toMatchObject({ consumer: 'hq' });
    expect(gw.store.attachments.get(sha(jpeg))).toMatchObject({ consumer: 'hq' });
    expect(gw.store.attachments.get(sha(png))).toMatchObject({ at: null });
    const r = await call(base, 'GET', `/sync/v1/attachments/${sha(jpeg)}`, { token: HQ.token });
    expect(r.headers['x-attachment-delivered']).toBe('true');
  });

  it('answers bad hashes, unknown or stray photos, other methods and bad bodies clearly, changing nothing', async () => {
    const get = (h: string) => call(base, 'GET', `/sync/v1/attachments/${h}`, { token: HQ.token });
    for (const h of ['abc', sha(jpeg).toUpperCase(), `${sha(jpeg)}0`, '..%2Fjournal.sqlite']) {
      const r = await get(h);
      expect([h, r.status, code(r)]).toEqual([h, 400, 'BAD_REQUEST']);
    }
    for (const h of ['0'.repeat(64), sha(Buffer.from('stray'))]) {
      const r = await get(h);
      expect([r.status, code(r)]).toEqual([404, 'NOT_FOUND']);
    }
    const ack = (body: string) => call(base, 'POST', '/sync/v1/attachments/ack', { token: HQ.token, body });
    for (const b of ['not json', '[]', '{}', JSON.stringify({ sha256: 'x' }), JSON.stringify({ sha256: sha(png), extra: 1 })]) {
      const r = await ack(b);
      expect([b, r.status, code(r)]).toEqual([b, 400, 'BAD_REQUEST']);
    }
    const unknown = await ack(JSON.stringify({ sha256: 'f'.repeat(64) }));
    expect([unknown.status, code(unknown)]).toEqual([404, 'NOT_FOUND']);
    const m1 = await call(base, 'POST', `/sync/v1/attachments/${sha(png)}`, { token: HQ.token });
    expect([m1.status, code(m1), m1.headers.allow]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET']);
    const m2 = await call(base, 'GET', '/sync/v1/attachments/ack', { token: HQ.token });
    expect([m2.status, code(m2), m2.headers.allow]).toEqual([405, 'METHOD_NOT_ALLOWED', 'POST']);
    expect(gw.store.attachments.get(sha(png))).toMatchObject({ at: null });
  });

  it('needs a valid token, like every other route', async () => {
    const none = await call(base, 'GET', `/sync/v1/attachments/${sha(png)}`);
    expect([none.status, code(none)]).toEqual([401, 'UNAUTHORIZED']);
    const bad = await call(base, 'POST', '/sync/v1/attachments/ack', { token: 'x'.repeat(43), body: JSON.stringify({ sha256: sha(png) }) });
    expect(bad.status).toBe(401);
    expect(gw.store.attachments.get(sha(png))).toMatchObject({ at: null });
  });
});

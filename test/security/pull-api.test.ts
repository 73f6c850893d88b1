// The HTTP pull API (firmware-ts/src/sync/pull) under attack: every way of not holding a
// valid token is 401 and counted against the source address; past maxFailures the
// address gets 429 (a valid token included) while other addresses are untouched; one
// consumer's token cannot move another consumer's cursor. Real HTTP over loopback,
// several source addresses (127.0.9.x), a real SQLite journal.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { newToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { writeMixed } from '../helpers/sync-fixture.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { percentile } from './mqtt-clients.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

function call(path: string, opts: { from: string; auth?: string; method?: string; body?: string }): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method: opts.method ?? 'GET', localAddress: opts.from, agent: false, headers: opts.auth === undefined ? {} : { authorization: opts.auth } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const code = (r: Reply) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code;
const HQ = newToken();
const AUDIT = newToken();
const MAX_FAILURES = 5;
let gw: Gateway;
let base: string;

beforeAll(async () => {
  ({ gw } = await startGateway({
    sync: {
      pull: {
        listen: [{ host: '127.0.0.1', port: 0 }],
        consumers: [
          { name: 'hq', tokenSha256: HQ.tokenSha256 },
          { name: 'audit', tokenSha256: AUDIT.tokenSha256 },
        ],
        maxFailures: MAX_FAILURES,
        lockoutS: 60,
      },
    },
  }));
  base = gw.sync.pull!.endpoints[0]!;
  await writeMixed(gw.store, 200);
});
afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('pull API tokens', () => {
  it('answers 401 to every kind of missing or wrong credential, and nothing else leaks', async () => {
    const bad = [
      undefined, // no header
      '',
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from(`hq:${HQ.token}`).toString('base64')}`,
      `bearer ${HQ.token}`, // the scheme is case-sensitive here; HQ's client sends "Bearer"
      `Bearer ${HQ.token.slice(0, -1)}${HQ.token.endsWith('A') ? 'B' : 'A'}`, // one character off
      `Bearer ${HQ.tokenSha256}`, // the hash from the config is not the token
      `Bearer ${'x'.repeat(600)}`,
      `Bearer ${HQ.token} ${HQ.token}`,
    ];
    for (const [i, auth] of bad.entries()) {
      const r = await call('/sync/v1/records?after=0', { from: `127.0.9.${10 + i}`, auth });
      expect([i, r.status, code(r)]).toEqual([i, 401, 'UNAUTHORIZED']);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="vim-sync"');
      expect(r.body).not.toContain('"seq"');
    }
    // Unknown paths are 401 too without a token: the API does not tell an outsider what exists.
    expect((await call('/sync/v1/nothing', { from: '127.0.9.30' })).status).toBe(401);
    expect((await call('/sync/v1/status', { from: '127.0.9.31', auth: `Bearer ${HQ.token}` })).status).toBe(200);
  });

  it('does not let one consumer acknowledge for another', async () => {
    const r = await call('/sync/v1/ack', { from: '127.0.9.40', auth: `Bearer ${AUDIT.token}`, method: 'POST', body: JSON.stringify({ consumer: 'hq', upTo: 10 }) });
    expect([r.status, code(r)]).toEqual([403, 'WRONG_CONSUMER']);
  });
});

describe('pull API rate limit on failures', () => {
  it('locks an address out after maxFailures, even for a valid token, and leaves the others alone', async () => {
    const from = '127.0.9.50';
    for (let i = 0; i < MAX_FAILURES; i++) expect((await call('/sync/v1/status', { from, auth: `Bearer guess-${i}` })).status).toBe(401);
    const locked = await call('/sync/v1/status', { from, auth: `Bearer ${HQ.token}` });
    expect([locked.status, code(locked)]).toEqual([429, 'TOO_MANY_FAILURES']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(50);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await call('/sync/v1/status', { from: '127.0.9.51', auth: `Bearer ${HQ.token}` })).status).toBe(200);
  });

  it('answers a locked-out guesser cheaply: measured over 300 requests', async () => {
    const from = '127.0.9.60';
    for (let i = 0; i < MAX_FAILURES; i++) await call('/sync/v1/status', { from, auth: `Bearer guess-${i}` });
    const t0 = performance.now();
    const replies: Reply[] = [];
    for (let i = 0; i < 300; i++) replies.push(await call('/sync/v1/records?after=0', { from, auth: `Bearer guess-x${i}` }));
    const s = (performance.now() - t0) / 1000;
    expect(replies.every((r) => r.status === 429)).toBe(true);
    const p50 = percentile(replies.map((r) => r.ms), 50);
    console.log(`pull lockout: 300 guesses in ${s.toFixed(2)} s, all 429, p50 ${p50.toFixed(1)} ms; ${MAX_FAILURES} guesses checked per ${60} s lockout`);
    // A guesser gets MAX_FAILURES tries per lockout period, whatever its request rate.
    expect((await call('/sync/v1/status', { from: '127.0.9.61', auth: `Bearer ${HQ.token}` })).status).toBe(200);
  });
});

describe('pull API rate limit on a valid token', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the burst, per consumer, and serves again after a pause', async () => {
    // Defaults: 20 requests/s, burst 40. A leaked token hammering GET /records would cost an
    // fsync of the served range per request; 120 at once must mostly be refused.
    const replies = await Promise.all(Array.from({ length: 120 }, (_, i) => call('/sync/v1/status', { from: `127.0.9.${70 + (i % 5)}`, auth: `Bearer ${AUDIT.token}` })));
    const limited = replies.filter((r) => r.status === 429);
    const served = replies.filter((r) => r.status === 200);
    expect(limited.length + served.length).toBe(120);
    expect(served.length).toBeGreaterThanOrEqual(40);
    expect(served.length).toBeLessThan(120 - 40); // the burst and a little refill, not all
    expect(code(limited[0]!)).toBe('RATE_LIMITED');
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The other consumer has its own bucket.
    expect((await call('/sync/v1/status', { from: '127.0.9.80', auth: `Bearer ${HQ.token}` })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await call('/sync/v1/status', { from: '127.0.9.81', auth: `Bearer ${AUDIT.token}` })).status).toBe(200);
  });
});

// The HQ pull API (issue 10 "Fuzz"; docs/openapi.yaml; DESIGN.md non-negotiable 5):
//   1. FUZZ_RUNS generated and mutated requests (method, target, Authorization, body)
//      through the request checks the server runs before touching the store (token,
//      target, route, query, ack body): each accepted, or refused with an ApiProblem
//      (4xx, a code, a message) and nothing else, each timed;
//   2. a few thousand of them as raw bytes over real HTTP to an in-process gateway: every
//      answer a 2xx or a 4xx (never a 5xx, never silence), every error a JSON
//      {error: {code, message}}, and no record or acknowledged cursor changed by a
//      request that was not an accepted ack.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { RECORD_CLASSES } from '../../firmware-ts/src/store/records.js';
import { authenticate, newToken, type ConsumerToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { ApiProblem, parseAck, parseRecordsQuery, parseTarget } from '../../firmware-ts/src/sync/pull/params.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { writeMixed } from '../helpers/sync-fixture.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { fcParams, HEAP_SLACK, InputClock, report, runs, seed, settledHeap } from './harness.js';

const DIRECT = runs(300_000);
const OVER_HTTP = Math.min(3000, runs(3000));

const HQ = newToken();
const CONSUMERS: ConsumerToken[] = [{ name: 'hq', tokenSha256: HQ.tokenSha256 }];

interface Req {
  method: string;
  target: string;
  auth: string;
  body: string;
}

/** Real requests (as HQ's collector and test/integration/sync-pull.test.ts send them), then mutated. */
const REAL: Req[] = [
  { method: 'GET', target: '/sync/v1/records?after=0&limit=250', auth: `Bearer ${HQ.token}`, body: '' },
  { method: 'GET', target: '/sync/v1/records?after=0&limit=5000&class=money,requests', auth: `Bearer ${HQ.token}`, body: '' },
  { method: 'GET', target: '/sync/v1/records', auth: `Bearer ${HQ.token}`, body: '' },
  { method: 'GET', target: '/sync/v1/status', auth: `Bearer ${HQ.token}`, body: '' },
  { method: 'POST', target: '/sync/v1/ack', auth: `Bearer ${HQ.token}`, body: '{"consumer":"hq","upTo":0}' },
  { method: 'POST', target: '/sync/v1/ack', auth: `Bearer ${HQ.token}`, body: '{"consumer":"hq","upTo":0,"class":["money","track"]}' },
];

function mutateString(s: string, ops: [number, number, string][]): string {
  for (const [op, pos, piece] of ops) {
    const i = pos % (s.length + 1);
    if (op === 0) s = s.slice(0, i) + piece + s.slice(i + 1);
    else if (op === 1) s = s.slice(0, i);
    else if (op === 2) s = s.slice(0, i) + piece + s.slice(i);
    else s = s.slice(0, i) + s.slice(i).replace(/\d+/, piece);
  }
  return s;
}

function requests(): fc.Arbitrary<Req> {
  const piece = fc.oneof(
    fc.constantFrom('&', '=', '?', '/', '//', '%', '%zz', '[', ' ', '#', ',', 'after', 'limit', 'class', 'money', '-1', '1e3', '99999999999999999999', '0x10', '\u0130', '"', '{', '}', 'null', '..'),
    fc.string({ maxLength: 8 }),
  );
  const ops = fc.array(fc.tuple(fc.nat(3), fc.nat(), piece), { maxLength: 4 });
  const mutated = fc.tuple(fc.constantFrom(...REAL), ops, ops, fc.nat(9), fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'get')).map(([r, tOps, bOps, k, m]) => ({
    method: k === 0 ? m : r.method,
    target: mutateString(r.target, tOps),
    auth: k === 1 ? mutateString(r.auth, tOps) : k === 2 ? '' : r.auth,
    body: mutateString(r.body, bOps),
  }));
  const generated = fc.record({
    method: fc.constantFrom('GET', 'POST'),
    // (fc.webPath and fc.webUrl are left out: they hold ~0.8 KB of heap per generated value.)
    target: fc.tuple(fc.array(fc.constantFrom('sync', 'v1', 'records', 'ack', 'status', '', '..', '%2F'), { maxLength: 4 }), fc.string({ maxLength: 40 })).map(([p, q]) => `/${p.join('/')}?${q}`),
    auth: fc.oneof(fc.constant(`Bearer ${HQ.token}`), fc.string({ maxLength: 80 })),
    body: fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 80 })),
  });
  return fc.oneof({ arbitrary: mutated, weight: 3 }, { arbitrary: generated, weight: 1 });
}

/** What PullServer.handle checks before it touches the store, in the same order. */
function check(r: Req): string {
  const consumer = authenticate(r.auth === '' ? undefined : r.auth, CONSUMERS);
  if (consumer === null) throw new ApiProblem(401, 'UNAUTHORIZED', 'a valid bearer token is required');
  const url = parseTarget(r.target);
  const route = `${r.method} ${url.pathname}`;
  if (route === 'GET /sync/v1/records') return (parseRecordsQuery(url.searchParams, 100, 5000), 'records');
  if (route === 'POST /sync/v1/ack') return (parseAck(r.body), 'ack');
  if (route === 'GET /sync/v1/status') return 'status';
  throw new ApiProblem(404, 'NOT_FOUND', 'no such endpoint');
}

describe('pull API fuzz', () => {
  it(`${DIRECT.toLocaleString('en')} generated and mutated requests through the request checks: accepted, or an ApiProblem naming a 4xx code`, async () => {
    const heap0 = settledHeap();
    const clock = new InputClock<Req>();
    const outcomes: Record<string, number> = {};
    fc.assert(
      fc.property(requests(), (r) => {
        let outcome: string;
        const t0 = performance.now();
        try {
          outcome = check(r);
        } catch (e) {
          if (!(e instanceof ApiProblem) || e.status < 400 || e.status > 499 || !/^[A-Z_]+$/.test(e.code) || e.message === '') throw e;
          outcome = e.code;
        }
        clock.note(r, performance.now() - t0);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }),
      fcParams(DIRECT, 0x50554c4c),
    );
    const heapGrowth = settledHeap() - heap0;
    report('pull request checks', clock, { outcomes, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((r) => { try { check(r); } catch { /* timed only */ } })).toEqual([]);
    expect(clock.count).toBe(DIRECT);
    for (const k of ['records', 'ack', 'BAD_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND']) expect(outcomes[k], k).toBeGreaterThan(0);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  describe('over real HTTP', () => {
    let gw: Gateway;
    beforeAll(async () => {
      ({ gw } = await startGateway({ sync: { pull: { listen: [{ host: '127.0.0.1', port: 0 }], consumers: CONSUMERS, defaultLimit: 100, maxLimit: 5000, maxFailures: 1000, lockoutS: 1, requestsPerSecond: 100_000, burst: 100_000 } } }));
      await writeMixed(gw.store, 300);
    });
    afterAll(async () => {
      await gw.stop();
      cleanupTempDirs();
    });

    it(`${OVER_HTTP.toLocaleString('en')} of them as raw HTTP/1.1: a 2xx or a 4xx with a JSON error, never a 5xx; nothing changed but by an accepted ack`, async () => {
      const { port } = new URL(gw.sync.pull!.endpoints[0]!);
      const seq0 = gw.store.journal.stats().lastSeq;
      const acked0 = JSON.stringify(gw.store.outbox.cursors('hq'));
      const statuses: Record<string, number> = {};
      const clock = new InputClock<Req>();
      let acks = 0;
      for (const r of fc.sample(requests(), { numRuns: OVER_HTTP, seed: seed(0x48545450) })) {
        const res = await clock.timeAsync(r, () => rawRequest(Number(port), r));
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const where = `${r.method} ${JSON.stringify(r.target)} -> ${res.status} ${res.body.slice(0, 200)}`;
        if (!(res.status >= 200 && res.status < 500)) throw new Error(`answered ${where}`);
        if (res.status >= 400 && res.json && r.method !== 'HEAD') {
          const b = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
          if (typeof b.error?.code !== 'string' || typeof b.error.message !== 'string') throw new Error(`error without code and message: ${where}`);
        }
        if (res.status === 200 && r.method === 'POST') acks++;
      }
      report('pull over http', clock, { statuses, acceptedAcks: acks });
      expect(gw.store.journal.stats().lastSeq).toBe(seq0);
      if (acks === 0) expect(JSON.stringify(gw.store.outbox.cursors('hq'))).toBe(acked0);
      for (const c of RECORD_CLASSES) expect(gw.store.outbox.cursors('hq')[c].acked).toBeLessThanOrEqual(gw.store.outbox.cursors('hq')[c].served);
      expect(clock.count).toBe(OVER_HTTP);
      expect(Object.keys(statuses).length).toBeGreaterThan(3);
    });

    it('answers a request target the URL parser refuses ("//[") with a 400 naming it, not a 500', async () => {
      const { port } = new URL(gw.sync.pull!.endpoints[0]!);
      for (const target of ['//[', '//a%20b', '//:99999/sync/v1/status']) {
        const res = await rawRequest(Number(port), { method: 'GET', target, auth: `Bearer ${HQ.token}`, body: '' });
        expect([res.status, (JSON.parse(res.body) as { error: { code: string } }).error.code], target).toEqual([400, 'BAD_REQUEST']);
      }
    });
  });
});

/** One request as raw bytes on its own connection (the target exactly as generated, which Node's client would refuse). */
function rawRequest(port: number, r: Req): Promise<{ status: number; body: string; json: boolean }> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(r.body, 'utf8');
    // A target with a space, CR or LF would end the request line early: those bytes are percent-encoded.
    const target = r.target.replace(/[\s\p{Cc}]/gu, (c) => encodeURIComponent(c)) || '/';
    const auth = r.auth.replace(/[\r\n]/g, '');
    const head = `${r.method} ${target} HTTP/1.1\r\nHost: gw\r\n${auth ? `Authorization: ${auth}\r\n` : ''}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    // Written, not ended: a half-closed socket lets the server drop a request still in flight; it closes after answering (Connection: close).
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.setTimeout(10_000, () => s.destroy(new Error('no answer in 10 s')));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      const headers = split < 0 ? text : text.slice(0, split);
      let body = split < 0 ? '' : text.slice(split + 4);
      if (/transfer-encoding: chunked/i.test(headers)) body = dechunk(body);
      resolve({ status: m ? Number(m[1]) : 0, body, json: /content-type: application\/json/i.test(headers) });
    });
  });
}

/** HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), as the server sends with Connection: close. */
function dechunk(s: string): string {
  let out = '';
  for (let at = 0; at < s.length; ) {
    const eol = s.indexOf('\r\n', at);
    const n = parseInt(s.slice(at, eol), 16);
    if (!(n > 0)) break;
    out += s.slice(eol + 2, eol + 2 + n);
    at = eol + 2 + n + 2;
  }
  return out;
}

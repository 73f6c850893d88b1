// Pull (issue 8, docs/openapi.yaml): HQ fetches records over HTTP(S) and acknowledges
// them; each consumer keeps its own cursor in the same outbox the push uses.
//   GET  /sync/v1/records?after=&limit=&class=   NDJSON, streamed, in seq order
//   POST /sync/v1/ack {consumer, upTo, class?}    moves the consumer's cursor
//   GET  /sync/v1/status                          cursors and backlog
//   GET  /sync/v1/attachments/<sha256>, POST /sync/v1/attachments/ack   photos (attachments.ts)
// A response covers exactly (after, X-Sync-Up-To]; that range is recorded as served
// (durably) before the first byte goes, so an ack of it is accepted even after a
// restart, and an ack of anything never served is refused.
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AttachmentFiles } from '../../adapters/attachment-files.js';
import type { OutboxRow } from '../../store/outbox.js';
import { RECORD_CLASSES, type RecordClass } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { PullOptions } from '../options.js';
import { TokenBucket } from '../../broker/limits.js';
import { attachmentRoute } from './attachments.js';
import { authenticate, FailureLimiter } from './auth.js';
import { ApiProblem, parseAck, parseRecordsQuery, parseTarget, type RecordsQuery } from './params.js';

const PAGE = 1000;
const MAX_BODY = 4096;

export interface PullDeps {
  store: Store;
  vehicle: string;
  log: Logger;
  onAck?: () => void;
  /** The request photos (read only here); null: none are served. */
  attachments?: AttachmentFiles | null;
}

/** One NDJSON line: the record with its payload spliced in as stored (no re-serialization). */
export function ndjsonLine(r: OutboxRow): string {
  return ndjsonRaw([r.seq, r.cseq, r.id, r.vehicle, r.type, r.class, r.createdAt, r.clock, r.monoMs, r.bootId, r.commandId, r.actor, r.payload]);
}

const str = (v: unknown) => (v === null ? 'null' : JSON.stringify(v));

/** The same line from a raw row (Outbox.pageRaw's field order), without an object per row. */
export function ndjsonRaw(r: unknown[]): string {
  return `{"seq":${r[0] as number},"cseq":${r[1] as number},"id":${str(r[2])},"vehicle":${str(r[3])},"type":${str(r[4])},"class":${str(r[5])},"createdAt":${str(r[6])},"clock":${str(r[7])},"monoMs":${str(r[8])},"bootId":${str(r[9])},"commandId":${str(r[10])},"actor":${str(r[11])},"payload":${r[12] as string}}\n`;
}

export class PullServer {
  readonly endpoints: string[] = [];
  lastAckAt: string | null = null;
  private servers: Server[] = [];
  private durable = 0;
  private barrier: Promise<void> | null = null;
  private readonly limiter: FailureLimiter;
  /** Per consumer: each GET that serves new records costs an fsync of the served range. */
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly o: PullOptions,
    private readonly d: PullDeps,
  ) {
    this.limiter = new FailureLimiter(o.maxFailures, o.lockoutS * 1000);
  }

  async start(): Promise<void> {
    const outbox = this.d.store.outbox;
    for (const c of this.o.consumers) outbox.registerConsumer(c.name);
    this.durable = outbox.lastSeq();
    const tls = this.o.tls;
    const opts = tls ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ...(tls.caFile ? { ca: readFileSync(tls.caFile), requestCert: true, rejectUnauthorized: true } : {}) } : null;
    for (const l of this.o.listen) {
      const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
      const srv = opts ? createHttps(opts, handler) : createHttp(handler);
      srv.headersTimeout = 20_000;
      srv.requestTimeout = 120_000;
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(l.port, l.host, () => {
          srv.off('error', rej);
          res();
        });
      });
      this.servers.push(srv);
      const a = srv.address() as AddressInfo;
      this.endpoints.push(`${opts ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    }
    this.d.log.info({ endpoints: this.endpoints, consumers: this.o.consumers.map((c) => c.name) }, 'pull API listening');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((res) => {
            s.close(() => res());
            s.closeAllConnections();
          }),
      ),
    );
    this.servers = [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const addr = req.socket.remoteAddress ?? 'unknown';
    try {
      const locked = this.limiter.lockedFor(addr);
      if (locked > 0) throw new ApiProblem(429, 'TOO_MANY_FAILURES', 'too many failed authentications from this address', { 'retry-after': String(Math.ceil(locked / 1000)) });
      const consumer = authenticate(req.headers.authorization, this.o.consumers);
      if (consumer === null) {
        this.limiter.fail(addr);
        throw new ApiProblem(401, 'UNAUTHORIZED', 'a valid bearer token is required', { 'www-authenticate': 'Bearer realm="vim-sync"' });
      }
      this.limiter.succeed(addr);
      let bucket = this.buckets.get(consumer);
      if (!bucket) this.buckets.set(consumer, (bucket = new TokenBucket(this.o.requestsPerSecond, this.o.burst)));
      if (!bucket.take()) {
        throw new ApiProblem(429, 'RATE_LIMITED', `consumer ${consumer} is over ${this.o.requestsPerSecond} requests per second`, { 'retry-after': String(Math.max(1, Math.ceil(1 / this.o.requestsPerSecond))) });
      }
      const url = parseTarget(req.url);
      const route = `${req.method ?? ''} ${url.pathname}`;
      if (route === 'GET /sync/v1/records') return await this.records(consumer, parseRecordsQuery(url.searchParams, this.o.defaultLimit, this.o.maxLimit), res);
      if (route === 'POST /sync/v1/ack') return await this.ack(consumer, await readBody(req), res);
      if (route === 'GET /sync/v1/status') return this.status(consumer, res);
      const photos = { files: this.d.attachments ?? null, store: this.d.store, vehicle: this.d.vehicle };
      if (await attachmentRoute(photos, consumer, req, url.pathname, res, readBody)) return;
      const known = { '/sync/v1/records': 'GET', '/sync/v1/ack': 'POST', '/sync/v1/status': 'GET' }[url.pathname];
      if (known) throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes ${known}`, { allow: known });
      throw new ApiProblem(404, 'NOT_FOUND', `no such endpoint: ${url.pathname.slice(0, 100)}`);
    } catch (e) {
      this.fail(res, e);
    }
  }

  private fail(res: ServerResponse, e: unknown): void {
    const p = e instanceof ApiProblem ? e : null;
    if (!p) this.d.log.error({ err: e }, 'pull API request failed');
    const status = p?.status ?? ((e as { code?: string }).code === 'STORE_FULL' || (e as { code?: string }).code === 'STORE_UNAVAILABLE' ? 503 : 500);
    const body = { error: { code: p?.code ?? (status === 503 ? 'STORE_UNAVAILABLE' : 'INTERNAL'), message: p?.message ?? 'the request could not be served' } };
    if (res.headersSent) {
      res.destroy(); // mid-stream: a cut response, which a client sees as incomplete NDJSON
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...(p?.headers ?? {}) });
    res.end(JSON.stringify(body));
  }

  /** Everything committed up to the returned seq is on disk (a barrier through the group commit). */
  private async durableTop(): Promise<number> {
    const last = this.d.store.outbox.lastSeq();
    if (last > this.durable) {
      this.barrier ??= this.d.store.transact(() => undefined).finally(() => (this.barrier = null));
      await this.barrier;
      this.durable = Math.max(this.durable, last);
    }
    return this.durable;
  }

  private async records(consumer: string, q: RecordsQuery, res: ServerResponse): Promise<void> {
    const outbox = this.d.store.outbox;
    const classes = q.classes;
    const cursors = outbox.cursors(consumer);
    const after = q.after ?? Math.min(...(classes ?? RECORD_CLASSES).map((c) => cursors[c].acked));
    const last = outbox.lastSeq();
    if (after > last) throw new ApiProblem(409, 'CURSOR_BEYOND_END', `after=${after} is beyond the last record (${last})`);
    const top = Math.max(after, await this.durableTop());
    const nth = outbox.nthSeq(after, classes, q.limit);
    const upTo = nth !== null && nth <= top ? nth : top;
    if (upTo > after) await this.d.store.transact(() => (classes ?? RECORD_CLASSES).forEach((c) => outbox.served(consumer, c, upTo)));
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-sync-vehicle': this.d.vehicle,
      'x-sync-after': String(after),
      'x-sync-up-to': String(upTo),
      'x-sync-last-seq': String(top),
    });
    let cursor = after;
    while (cursor < upTo && !res.destroyed) {
      const rows = outbox.pageRaw(cursor, upTo, classes, PAGE);
      if (rows.length === 0) break;
      cursor = rows[rows.length - 1]![0] as number;
      let chunk = '';
      for (const r of rows) chunk += ndjsonRaw(r);
      if (!res.write(chunk)) await drainedOrClosed(res);
    }
    res.end();
  }

  private async ack(consumer: string, text: string, res: ServerResponse): Promise<void> {
    const a = parseAck(text);
    if (a.consumer !== consumer) throw new ApiProblem(403, 'WRONG_CONSUMER', `this token belongs to consumer "${consumer}", not "${a.consumer.slice(0, 40)}"`);
    const outbox = this.d.store.outbox;
    const classes = a.classes ?? [...RECORD_CLASSES];
    const cur = outbox.cursors(consumer);
    for (const c of classes) {
      if (a.upTo > cur[c].served) {
        throw new ApiProblem(409, 'ACK_NOT_SENT', `upTo=${a.upTo} acknowledges ${c} records never sent to "${consumer}" (sent up to ${cur[c].served})`);
      }
    }
    for (const c of classes) {
      if (a.upTo < cur[c].acked) {
        throw new ApiProblem(409, 'ACK_OUT_OF_ORDER', `upTo=${a.upTo} is behind what "${consumer}" already acknowledged for ${c} (${cur[c].acked})`);
      }
    }
    await this.d.store.transact(() => classes.forEach((c: RecordClass) => outbox.advance(consumer, c, a.upTo)));
    this.lastAckAt = new Date().toISOString();
    this.d.onAck?.();
    const after = outbox.cursors(consumer);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ consumer, acked: Object.fromEntries(RECORD_CLASSES.map((c) => [c, after[c].acked])) }));
  }

  private status(consumer: string, res: ServerResponse): void {
    const outbox = this.d.store.outbox;
    const backlog = outbox.backlog(consumer);
    const body = {
      vehicle: this.d.vehicle,
      consumer,
      lastSeq: outbox.lastSeq(),
      classes: RECORD_CLASSES,
      cursors: outbox.cursors(consumer),
      backlog: Object.fromEntries(RECORD_CLASSES.map((c) => [c, { count: backlog[c].count, bytes: backlog[c].bytes, oldestSeq: backlog[c].oldest?.seq ?? null }])),
    };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }
}

/** Waits for the socket to take more, or to go away; leaves no listener behind either way. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) throw new ApiProblem(413, 'BODY_TOO_LARGE', `the body may be at most ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

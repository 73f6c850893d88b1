// Issue 8's bench rows, as measurement functions for run.ts to call (wired in there):
//   drain rate to mosquitto on loopback, records/s        target >= 10,000/s
//   bytes on the wire per track point, batched + gzip     target <= 40 bytes
//   pull API records/s                                    target >= 20,000/s
//   RSS while draining a 1,000,000-record backlog         target < 150 MB
//   start-up time with a 1,000,000-record backlog         target < 3 s
// Each comes with its anchor from the same run: a plain mqtt.js publisher of the same
// batches (no store), the records' plain NDJSON size, a raw read of the same rows.
//
//   node dist/scripts/bench/sync.js [--records 100000] [--big 1000000] [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { request } from 'node:http';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import type { Clock } from '../../firmware-ts/src/platform/clock.js';
import type { RecordClass } from '../../firmware-ts/src/store/records.js';
import { Store } from '../../firmware-ts/src/store/store.js';
import { ndjsonLine, PullServer } from '../../firmware-ts/src/sync/pull/pull-server.js';
import { newToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { PUSH_CONSUMER, Pusher } from '../../firmware-ts/src/sync/push/pusher.js';
import type { PullOptions, PushOptions } from '../../firmware-ts/src/sync/options.js';
import { encodeBatch } from '../../firmware-ts/src/sync/wire.js';
import { startMosquitto } from './mosquitto.js';
import { SERVICE_MALLOC_ENV, SERVICE_NODE_ARGS } from './service-flags.js';
import { Cleanup, freePort, onLines, sleep, tempRoot, track, waitExit } from './procs.js';

const VEHICLE = 'VIM-BENCH';
const silent = pino({ level: 'silent' });
const MAIN = join(import.meta.dirname, '..', '..', 'firmware-ts', 'src', 'main.js');

/** A clock that moves 30 s per reading: track points as the GNSS thinning writes them while driving. */
class DrivingClock implements Clock {
  readonly bootId = 'bench-boot-0000-0000-000000000000';
  private t = Date.parse('2026-11-28T06:00:00.000Z');
  private mono = 3_600_000.123;
  now(): Date {
    return new Date(this.t);
  }
  monoMs(): number {
    return this.mono;
  }
  quality() {
    return 'gnss' as const;
  }
  step(): void {
    const dt = 29_000 + Math.floor(Math.random() * 2000);
    this.t += dt;
    this.mono = Math.round((this.mono + dt + Math.random()) * 1000) / 1000;
  }
}

/** What gateway.ts journals for a GNSS track point (recordTrackPoint), moving along a road. */
function trackPayload(i: number) {
  const lat = Math.round((40.0776 + i * 0.00031 + Math.sin(i / 50) * 0.001) * 1e7) / 1e7;
  const lon = Math.round((29.5133 + i * 0.00027) * 1e7) / 1e7;
  const time = new Date(Date.parse('2026-11-28T06:00:00.000Z') + i * 30_000).toISOString();
  return { time, mode: '3d', lat, lon, altMSL: Math.round((230 + Math.sin(i / 30) * 15) * 10) / 10, speed: Math.round((8 + Math.random() * 6) * 100) / 100, track: Math.round(Math.random() * 3600) / 10, hdop: 0.9, satellitesUsed: 8 + (i % 4) };
}

/** A journal with `n` track points (the backlog a day in dead zones leaves), written through the real store. */
export async function buildBacklog(dataDir: string, n: number, cls: RecordClass = 'track'): Promise<void> {
  const clock = new DrivingClock();
  const store = new Store({ dataDir, file: 'journal.sqlite', vehicle: VEHICLE, maxBatch: 512, idempotencyDays: 30 }, clock, silent);
  await store.start();
  for (let i = 0; i < n; i += 10_000) {
    const m = Math.min(10_000, n - i);
    await store.transact((tx) => {
      for (let k = 0; k < m; k++) {
        clock.step();
        tx.journal.append({ type: 'gnss.track', class: cls, payload: trackPayload(i + k) });
      }
    });
  }
  await store.stop();
}

/**
 * A backlog of `n` track points built quickly: the first `base` written through the real
 * store, the rest copied from them in SQL (new seq, cseq and id, times shifted on), with
 * the outbox's class usage kept as the store keeps it. The gateway then starts on and
 * drains records the store wrote, only many of them alike (so this is not the backlog for
 * bytes per point, which compression would flatter).
 */
export async function buildBigBacklog(dataDir: string, n: number, base = 20_000): Promise<void> {
  const first = Math.min(n, base);
  await buildBacklog(dataDir, first);
  if (n === first) return;
  const db = new Database(join(dataDir, 'journal.sqlite'));
  try {
    const span = db.prepare('SELECT (julianday(max(created_at)) - julianday(min(created_at))) * 86400 + 30 AS s, max(mono_ms) - min(mono_ms) + 30000 AS m FROM journal').get() as { s: number; m: number };
    const journal = db.prepare(
      `INSERT INTO journal (seq, id, vehicle, type, class, created_at, clock, mono_ms, boot_id, command_id, actor, payload)
       SELECT seq + @off, substr(id, 1, 24) || printf('%012x', seq + @off), vehicle, type, class,
              strftime('%Y-%m-%dT%H:%M:%fZ', created_at, printf('+%d seconds', @k * @spanS)), clock, mono_ms + @k * @spanMs, boot_id, command_id, actor, payload
       FROM journal WHERE seq <= @first AND seq + @off <= @n ORDER BY seq`,
    );
    const outbox = db.prepare('INSERT INTO outbox (seq, class, bytes, cseq) SELECT seq + @off, class, bytes, cseq + @off FROM outbox WHERE seq <= @first AND seq + @off <= @n ORDER BY seq');
    db.transaction(() => {
      for (let k = 1; k * first < n; k++) {
        const args = { off: k * first, first, n, k, spanS: Math.ceil(span.s), spanMs: span.m };
        journal.run(args);
        outbox.run(args);
      }
      db.prepare("UPDATE outbox_classes SET count = (SELECT count(*) FROM outbox WHERE class = 'track'), bytes = (SELECT sum(bytes) FROM outbox WHERE class = 'track'), last_cseq = (SELECT max(cseq) FROM outbox WHERE class = 'track') WHERE class = 'track'").run();
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** A backlog of `n` in `dataDir`: a copy of `template` (a data dir buildBacklog made for the same n), or built. */
async function backlogIn(dataDir: string, n: number, template?: string): Promise<void> {
  if (template) await cp(template, dataDir, { recursive: true });
  else await buildBacklog(dataDir, n);
}

function pushOptions(url: string): PushOptions {
  return {
    enabled: true, url, topicPrefix: 'bench/vim', keepaliveS: 60, connectTimeoutS: 10, batchRecords: 500, batchBytes: 65_536, window: 4,
    backoffMinMs: 50, backoffMaxMs: 500, wifiInterfaces: [], requireLink: 'never',
  };
}

/** A TCP relay that counts the bytes the gateway sends: MQTT framing and all, as on the wire. */
async function countingRelay(targetPort: number, cleanup: Cleanup): Promise<{ port: number; bytesUp: () => number }> {
  let up = 0;
  const server: Server = createServer((c) => {
    const u = createConnection({ host: '127.0.0.1', port: targetPort });
    c.on('data', (d: Buffer) => (up += d.length));
    c.pipe(u);
    u.pipe(c);
    const end = () => {
      c.destroy();
      u.destroy();
    };
    c.on('error', end).on('close', end);
    u.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  cleanup.add('relay', () => new Promise<void>((res) => server.close(() => res())));
  return { port, bytesUp: () => up };
}

export interface DrainResult {
  records: number;
  seconds: number;
  rate: number;
  /** Anchor: a plain mqtt.js client publishing the same batches QoS 1 (same window), no store. */
  anchorRate: number;
}

/** Drain rate: an in-process pusher empties a backlog of `n` track points into mosquitto on loopback. */
export async function benchSyncDrain(n = 100_000, template?: string): Promise<DrainResult> {
  const cleanup = new Cleanup();
  try {
    const dir = tempRoot(cleanup);
    await backlogIn(join(dir, 'data'), n, template);
    const mq = await startMosquitto(dir, cleanup);
    const url = `mqtt://127.0.0.1:${mq.port}`;
    const store = new Store({ dataDir: join(dir, 'data'), file: 'journal.sqlite', vehicle: VEHICLE, maxBatch: 512, idempotencyDays: 30 }, new DrivingClock(), silent);
    await store.start();
    cleanup.add('store', () => store.stop());
    const p = new Pusher(pushOptions(url), { store, vehicle: VEHICLE, link: { check: () => ({ up: true, via: 'bench' }) }, log: silent });
    const t0 = performance.now();
    p.start();
    const last = store.outbox.lastSeq();
    // Drained when HQ has PUBACKed the last batch; the pusher commits its cursor moves in a
    // deferred, shared transaction (within 10 s), which is bookkeeping, not delivery.
    while (p.deliveredUpTo('track') < last) await sleep(5);
    const seconds = (performance.now() - t0) / 1000;
    await p.stop();
    // The anchor publishes the very same encoded batches, without reading or recording anything.
    const batches = [];
    for (let after = 0; ; ) {
      const rows = store.outbox.batch('track', after, 200);
      if (rows.length === 0) break;
      batches.push(encodeBatch(VEHICLE, 'track', rows).bytes);
      after = rows[rows.length - 1]!.seq;
    }
    const anchorSeconds = await publishAll(url, batches, 4);
    return { records: n, seconds, rate: n / seconds, anchorRate: n / anchorSeconds };
  } finally {
    await cleanup.run();
  }
}

async function publishAll(url: string, batches: Buffer[], window: number): Promise<number> {
  const c = await mqtt.connectAsync(url, { clientId: 'bench-anchor', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const t0 = performance.now();
  let next = 0;
  let inFlight = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (inFlight < window && next < batches.length) {
        inFlight++;
        c.publish('bench/anchor', batches[next++]!, { qos: 1 }, (e) => {
          if (e) return reject(e);
          inFlight--;
          if (next >= batches.length && inFlight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const s = (performance.now() - t0) / 1000;
  await c.endAsync();
  return s;
}

export interface WireBytesResult {
  trackPoints: number;
  bytesOnWire: number;
  bytesPerTrackPoint: number;
  /** Anchor: the same records as plain NDJSON lines (what a row-by-row JSON push would send). */
  ndjsonBytesPerTrackPoint: number;
}

/** Bytes on the wire per track point: everything the pusher sends, through a counting relay. */
export async function benchBytesPerTrackPoint(n = 20_000): Promise<WireBytesResult> {
  const cleanup = new Cleanup();
  try {
    const dir = tempRoot(cleanup);
    await buildBacklog(join(dir, 'data'), n);
    const mq = await startMosquitto(dir, cleanup);
    const relay = await countingRelay(mq.port, cleanup);
    const store = new Store({ dataDir: join(dir, 'data'), file: 'journal.sqlite', vehicle: VEHICLE, maxBatch: 512, idempotencyDays: 30 }, new DrivingClock(), silent);
    await store.start();
    cleanup.add('store', () => store.stop());
    const p = new Pusher(pushOptions(`mqtt://127.0.0.1:${relay.port}`), { store, vehicle: VEHICLE, link: { check: () => ({ up: true, via: 'bench' }) }, log: silent });
    p.start();
    const last = store.outbox.lastSeq();
    while (store.outbox.cursor(PUSH_CONSUMER, 'track').acked < last) await sleep(5);
    await p.stop();
    let ndjson = 0;
    for (const r of store.outbox.page(0, last, null, n)) ndjson += Buffer.byteLength(ndjsonLine(r));
    return { trackPoints: n, bytesOnWire: relay.bytesUp(), bytesPerTrackPoint: relay.bytesUp() / n, ndjsonBytesPerTrackPoint: ndjson / n };
  } finally {
    await cleanup.run();
  }
}

export interface PullResult {
  records: number;
  seconds: number;
  rate: number;
  /** Anchor: reading the same rows from SQLite and formatting them, without HTTP. */
  anchorRate: number;
}

/** Pull API records/s: one consumer fetches `n` records over HTTP in pages of `page`, acknowledging each. */
export async function benchPullRate(n = 100_000, page = 20_000, template?: string): Promise<PullResult> {
  const cleanup = new Cleanup();
  try {
    const dir = tempRoot(cleanup);
    await backlogIn(join(dir, 'data'), n, template);
    const store = new Store({ dataDir: join(dir, 'data'), file: 'journal.sqlite', vehicle: VEHICLE, maxBatch: 512, idempotencyDays: 30 }, new DrivingClock(), silent);
    await store.start();
    cleanup.add('store', () => store.stop());
    const t = newToken();
    const opts: PullOptions = { enabled: true, listen: [{ host: '127.0.0.1', port: 0 }], consumers: [{ name: 'hq', tokenSha256: t.tokenSha256 }], defaultLimit: 1000, maxLimit: 100_000, maxFailures: 10, lockoutS: 60, requestsPerSecond: 20, burst: 40 };
    const server = new PullServer(opts, { store, vehicle: VEHICLE, log: silent });
    await server.start();
    cleanup.add('pull', () => server.stop());
    const base = server.endpoints[0]!;
    const t0 = performance.now();
    let got = 0;
    for (let after = 0; got < n; ) {
      const r = await get(`${base}/sync/v1/records?after=${after}&limit=${page}`, t.token);
      got += r.lines;
      after = Number(r.upTo);
      await post(`${base}/sync/v1/ack`, t.token, JSON.stringify({ consumer: 'hq', upTo: after }));
      if (r.lines === 0) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const a0 = performance.now();
    let bytes = 0;
    for (let after = 0; ; ) {
      const rows = store.outbox.page(after, Number.MAX_SAFE_INTEGER, null, 1000);
      if (rows.length === 0) break;
      for (const r of rows) bytes += ndjsonLine(r).length;
      after = rows[rows.length - 1]!.seq;
    }
    const anchorSeconds = (performance.now() - a0) / 1000;
    if (bytes === 0) throw new Error('nothing read');
    return { records: got, seconds, rate: got / seconds, anchorRate: n / anchorSeconds };
  } finally {
    await cleanup.run();
  }
}

function get(url: string, token: string): Promise<{ lines: number; upTo: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let lines = 0;
      res.on('data', (c: Buffer) => {
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ lines, upTo: String(res.headers['x-sync-up-to']) }) : reject(new Error(`GET ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}

function post(url: string, token: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST ${res.statusCode}`))));
    })
      .on('error', reject)
      .end(body);
  });
}

export interface BigBacklogResult {
  records: number;
  nodeArgs: readonly string[];
  buildSeconds: number;
  /** The gateway's own "gateway ready" readyMs with the backlog on disk. */
  startupMs: number;
  /** The same on an empty journal (the anchor). */
  emptyStartupMs: number;
  /** Records the gateway had delivered when the drain stopped (all of them, or as far as maxDrainS allowed). */
  drained: number;
  drainSeconds: number;
  drainRate: number;
  /** Largest resident set of the gateway process while it drained (from /proc). */
  maxRssMB: number;
  rssAtReadyMB: number;
}

function rssMB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

export { SERVICE_NODE_ARGS };

/** The gateway (dist/, a child process) on `dataDir`, pushing to `mqPort`; resolves at its "gateway ready" line. */
const BENCH_USER = 'bench';
const BENCH_PASSWORD = 'bench-parola';

async function spawnGateway(dir: string, dataDir: string, mqPort: number, nodeArgs: readonly string[], cleanup: Cleanup): Promise<{ child: ChildProcess; readyMs: number; port: number }> {
  const port = await freePort();
  const config = {
    vehicle: { id: VEHICLE },
    dataDir,
    log: { level: 'info', pretty: 'never' },
    broker: { tcp: { host: '127.0.0.1', port }, credentialsFile: join(dir, 'users.json') },
    sync: { push: pushOptions(`mqtt://127.0.0.1:${mqPort}`) },
  };
  const file = join(dir, `config-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [...nodeArgs, MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...SERVICE_MALLOC_ENV } });
  track(cleanup, 'gateway', child);
  child.stderr.resume();
  const readyMs = await new Promise<number>((resolve, reject) => {
    onLines(child.stdout, (line) => {
      if (line.includes('"gateway ready"')) resolve(Number((JSON.parse(line) as { readyMs: number }).readyMs));
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before ready`)));
  });
  return { child, readyMs, port };
}

/**
 * The track points HQ does not have yet, as the gateway publishes them on retained
 * vim/state/sync (every stateIntervalS, 5 s by default). Not the stored cursor: the push
 * writes its acknowledgements up to a minute late (pusher.ts ACK_WRITE), and with no other
 * writes during a drain the cursor row stays at 0 for that minute.
 */
async function watchTrackBacklog(port: number): Promise<{ count: () => number | null; close: () => Promise<void> }> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: `${BENCH_USER}@backlog`,
    username: BENCH_USER,
    password: BENCH_PASSWORD,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  let count: number | null = null;
  c.on('message', (_topic, payload) => {
    const doc = JSON.parse(payload.toString()) as { backlog?: { track?: { count?: unknown } } };
    const n = doc.backlog?.track?.count;
    if (typeof n === 'number') count = n;
  });
  await c.subscribeAsync('vim/state/sync', { qos: 0 });
  return { count: () => count, close: () => c.endAsync() };
}

async function stopGateway(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await waitExit(child, 10_000);
}

/**
 * The real gateway (dist/, a child process, started with `nodeArgs` and the service's
 * malloc settings) starting on an empty journal (the anchor), then on a backlog of `n`
 * records, which it drains into mosquitto.
 */
export async function benchBigBacklog(
  n = 1_000_000,
  progress: (s: string) => void = () => undefined,
  nodeArgs: readonly string[] = SERVICE_NODE_ARGS,
  maxDrainS = Infinity,
): Promise<BigBacklogResult> {
  const cleanup = new Cleanup();
  try {
    const dir = tempRoot(cleanup);
    const mq = await startMosquitto(dir, cleanup);
    await addUser(join(dir, 'users.json'), BENCH_USER, 'maintenance', BENCH_PASSWORD);
    progress('starting the gateway on an empty journal');
    const empty = await spawnGateway(dir, join(dir, 'empty'), mq.port, nodeArgs, cleanup);
    await stopGateway(empty.child);
    const b0 = performance.now();
    progress(`building a ${n}-record journal`);
    await buildBigBacklog(join(dir, 'data'), n);
    const buildSeconds = (performance.now() - b0) / 1000;
    progress('starting the gateway on it');
    const { child, readyMs: startupMs, port } = await spawnGateway(dir, join(dir, 'data'), mq.port, nodeArgs, cleanup);
    const rssAtReadyMB = rssMB(child.pid!);
    const d0 = performance.now();
    let maxRss = rssAtReadyMB;
    const backlog = await watchTrackBacklog(port);
    const left = () => backlog.count() ?? n;
    for (let i = 0; left() > 0 && performance.now() - d0 < maxDrainS * 1000; i++) {
      maxRss = Math.max(maxRss, rssMB(child.pid!));
      if (i % 50 === 0) progress(`draining: ${n - left()} of ${n} delivered, RSS ${maxRss.toFixed(0)} MB`);
      await sleep(100);
    }
    const drainSeconds = (performance.now() - d0) / 1000;
    const drained = n - left();
    await backlog.close();
    await stopGateway(child);
    return { records: n, nodeArgs, buildSeconds, startupMs, emptyStartupMs: empty.readyMs, drained, drainSeconds, drainRate: drained / drainSeconds, maxRssMB: maxRss, rssAtReadyMB };
  } finally {
    await cleanup.run();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '100000' }, big: { type: 'string', default: '1000000' }, 'node-args': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const n = Number(values.records);
  const log = (s: string) => process.stderr.write(`bench sync: ${s}\n`);
  log('drain rate');
  const drain = await benchSyncDrain(n);
  log('bytes per track point');
  const wire = await benchBytesPerTrackPoint(Math.min(n, 20_000));
  log('pull rate');
  const pull = await benchPullRate(n);
  const nodeArgs = values['node-args'] === undefined ? SERVICE_NODE_ARGS : values['node-args'].split(' ').filter(Boolean);
  const big = Number(values.big) > 0 ? await benchBigBacklog(Number(values.big), log, nodeArgs) : null;
  const out = { drain, wire, pull, big };
  if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(`drain to mosquitto:        ${drain.rate.toFixed(0)} records/s (anchor, plain publisher: ${drain.anchorRate.toFixed(0)}/s)\n`);
    process.stdout.write(`bytes per track point:     ${wire.bytesPerTrackPoint.toFixed(1)} B on the wire (anchor, NDJSON: ${wire.ndjsonBytesPerTrackPoint.toFixed(1)} B)\n`);
    process.stdout.write(`pull API:                  ${pull.rate.toFixed(0)} records/s (anchor, SQLite read + format: ${pull.anchorRate.toFixed(0)}/s)\n`);
    if (big) {
      process.stdout.write(`start-up, ${big.records} backlog: ${big.startupMs} ms (node ${big.nodeArgs.join(' ')})\n`);
      process.stdout.write(`RSS draining ${big.records}:  max ${big.maxRssMB.toFixed(0)} MB (at ready ${big.rssAtReadyMB.toFixed(0)} MB), drained at ${big.drainRate.toFixed(0)} records/s\n`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench sync: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

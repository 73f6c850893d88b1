// `npm run bench`: the gateway's benchmark (issues 2-8). Every row is measured against an
// anchor in the same run (mosquitto and bare aedes on this machine, lowdb and a raw fsync
// loop on this disk, a bare Node start, a plain MQTT publisher) and printed as one table;
// --json writes it, --only runs the rows named.
//   npm run bench -- [--only IDS] [--json [FILE]] [--duration S] [--warmup S] [--clients N] [--records N] [--rounds N] [--dir DIR]
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import { durableRun } from './durable.js';
import { echoRun, plainEcho, staffEcho } from './echo.js';
import { journalBench } from './journal.js';
import { benchNmeaParse } from './nmea-parse.js';
import { anchorNtpRender, anchorTcpRoundTrip } from './anchors-io.js';
import { benchReceiptRender, tahsilatMakbuzu } from './receipt.js';
import { benchZvtSale } from './zvt.js';
import { benchPaymentFlow } from './payments.js';
import { benchQueueConfig, benchTicketFlow, queueCommandsRun } from './queue.js';
import { bigEchoRun, PHOTO_BYTES, rawPhotoWrites, REQUEST_PAYLOAD_ROOM, requestsCreateRun } from './requests.js';
import type { RequestsMeasures } from './rows-requests.js';
import type { SyncMeasures } from './rows-sync.js';
import { benchBigBacklog, benchBytesPerTrackPoint, benchPullRate, benchSyncDrain, buildBacklog, SERVICE_NODE_ARGS } from './sync.js';
import type { LoadOptions, LoadResult } from './load.js';
import { startMosquitto } from './mosquitto.js';
import { Cleanup, settle, tempRoot } from './procs.js';
import { buildRows, type Measured, type MosquittoRound } from './rows.js';
import type { Row } from './table.js';
import { startupBench } from './startup.js';
import { renderTable, rowsJson, verdict } from './table.js';
import { Target } from './target.js';

/** Every row id, in table order. */
const ROW_IDS = ['a', 'a2', 'b', 'c', 'd', 'e', 'f', 'g', 'q1', 'q2', 'p1', 'r1', 'r2', 's1', 's2', 's3', 's4', 's5'] as const;

const USAGE = `usage: npm run bench -- [--only IDS] [--json [FILE]] [--duration S] [--warmup S] [--clients N] [--records N] [--rounds N] [--dir DIR]
                               [--sync-records N] [--backlog N] [--drain-s S]
  --only IDS      run only these rows, comma-separated (${ROW_IDS.join(' ')}), and what they are measured against
  --json [FILE]   write the results as JSON to FILE, or to stdout (the table then goes to stderr)
  --duration S    measured seconds per load round (default 5)
  --warmup S      discarded seconds before each round (default 1)
  --clients N     concurrent MQTT clients (default 20)
  --records N     journal records for row (b) (default 10000)
  --rounds N      interleaved rounds of mosquitto, bare aedes, our Broker and durable commands (rows a, a2, c); the best of each is compared (default 3)
  --dir DIR       where the temp directory goes (default the OS temp dir); put it on the disk you care about
  --sync-records N  track points drained and pulled by rows s1 and s3 (default 100000)
  --backlog N     the backlog rows s4 and s5 start on and drain (default 1000000)
  --drain-s S     the longest row s4 drains that backlog, 0 for until it is empty (default 45)
exit code: 0 all targets met, 1 a target missed, 2 the bench itself failed`;

interface Options {
  json: string | null | undefined; // undefined: no JSON; null: stdout
  durationMs: number;
  warmupMs: number;
  clients: number;
  records: number;
  rounds: number;
  dir: string | undefined;
  /** null: every row. */
  only: ReadonlySet<string> | null;
  syncRecords: number;
  backlog: number;
  drainS: number;
}

function parseOptions(argv: string[]): Options {
  // `--json` takes an optional value, which parseArgs cannot express.
  let json: string | null | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') {
      const next = argv[i + 1];
      json = next !== undefined && !next.startsWith('--') ? (i++, next) : null;
    } else rest.push(argv[i]!);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      clients: { type: 'string', default: '20' },
      records: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '3' },
      dir: { type: 'string' },
      only: { type: 'string' },
      'sync-records': { type: 'string', default: '100000' },
      backlog: { type: 'string', default: '1000000' },
      'drain-s': { type: 'string', default: '45' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: must be a number >= ${min}`);
    return n;
  };
  return {
    json,
    durationMs: num('duration', values.duration, 0.5) * 1000,
    warmupMs: num('warmup', values.warmup, 0) * 1000,
    clients: Math.floor(num('clients', values.clients, 1)),
    records: Math.floor(num('records', values.records, 100)),
    rounds: Math.floor(num('rounds', values.rounds, 1)),
    dir: values.dir,
    only: values.only === undefined ? null : parseOnly(values.only),
    syncRecords: Math.floor(num('sync-records', values['sync-records'], 1000)),
    backlog: Math.floor(num('backlog', values.backlog, 1000)),
    drainS: num('drain-s', values['drain-s'], 0),
  };
}

function parseOnly(v: string): ReadonlySet<string> {
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  const known = new Set<string>(ROW_IDS);
  const bad = ids.filter((id) => !known.has(id));
  if (bad.length || ids.length === 0) throw new Error(`--only: unknown row ${bad.join(', ') || '(none given)'}; rows are ${ROW_IDS.join(' ')}`);
  return new Set(ids);
}

const progress = (s: string) => process.stderr.write(`bench: ${s}\n`);

function gatewayConfig(root: string, credentialsFile: string, clients: number): string {
  const file = join(root, 'gateway.json');
  writeFileSync(
    file,
    JSON.stringify({
      vehicle: { id: 'VIM-BENCH', name: 'bench' },
      dataDir: join(root, 'gateway-data'),
      log: { level: 'info', pretty: 'never' },
      broker: {
        tcp: { host: '127.0.0.1', port: 0 },
        credentialsFile,
        // Capacity is what is measured, so the per-tablet rate limit (50/s) must not cap it;
        // the token bucket is still taken for every publish.
        // Room for row r1's 1 MB photo (the gateway's own default, 12 MiB, fits four).
        limits: { staff: { maxPayloadBytes: REQUEST_PAYLOAD_ROOM, publishPerSecond: 1_000_000, burst: 1_000_000 } },
      },
      // Row (q1): one counter per counter-working tablet.
      queue: benchQueueConfig(Math.max(1, Math.ceil(clients / 2))),
      // Rows r1, r2: a fleet-wide HMAC key, as a van has (without one the gateway keeps its own and warns).
      requests: { kvkk: { hmacKey: randomBytes(32).toString('hex') } },
    }),
  );
  return file;
}

async function measure(opts: Options, cleanup: Cleanup): Promise<Measured> {
  const want = (...ids: string[]) => ids.some((id) => opts.only === null || opts.only.has(id));
  const root = tempRoot(cleanup, opts.dir);
  const load: LoadOptions = { warmupMs: opts.warmupMs, durationMs: opts.durationMs };
  const m: Measured = { clients: opts.clients };
  await measureMqtt(opts, root, load, m, want, cleanup);

  if (want('b')) {
    progress(`(b) journal, ${opts.records} records`);
    m.journal = await journalBench(join(root, 'journal'), opts.records, 20_000, 10_000, progress);
  }
  if (want('d')) {
    progress('(d) start to ready');
    const credentialsFile = join(root, 'startup-users.json');
    await addUser(credentialsFile, 'bench', 'staff', randomBytes(12).toString('hex'));
    m.startup = await startupBench(root, credentialsFile, 3, cleanup);
  }
  if (want('e')) {
    progress('(e) NMEA parsing, 100,000 sentences');
    m.nmea = await benchNmeaParse();
  }
  if (want('f')) {
    progress('(f) receipt render');
    m.receipt = { ...(await benchReceiptRender()), anchor: anchorNtpRender(tahsilatMakbuzu()) };
  }
  if (want('g')) {
    progress('(g) ZVT sale');
    m.zvt = { ...(await benchZvtSale()), anchor: await anchorTcpRoundTrip() };
  }
  if (want('q2')) {
    progress('(q2) take -> printed -> board');
    m.ticketFlow = await benchTicketFlow(200);
  }
  if (want('p1')) {
    progress('(p1) collect -> approved -> makbuz printed');
    m.payment = await benchPaymentFlow(200);
  }
  if (want('s1', 's2', 's3', 's4', 's5')) m.sync = await measureSync(opts, root, want);
  return m;
}

/** The rows on MQTT: mosquitto's echo (the anchor), bare aedes and the gateway child under load. */
async function measureMqtt(opts: Options, root: string, load: LoadOptions, m: Measured, want: (...ids: string[]) => boolean, cleanup: Cleanup): Promise<void> {
  const broker = want('a', 'a2', 'c');
  const gatewayRows = broker || want('q1', 'r1', 'r2');
  if (!gatewayRows && !want('q2', 'p1')) return;
  const mosquitto = await startMosquitto(root, cleanup);
  // mosquitto's echo is measured in rounds interleaved with the gateway's, like aedes and our
  // Broker, and its best round is the anchor: a single round moved from 8,858 to 17,594/s
  // between runs on this VM, and a slow one made row (a)'s ratios look better than they are.
  const mosquittoRounds: MosquittoRound[] = [];
  // Every round starts with every broker idle (procs.ts settle): a round must not pay for the
  // GC and checkpoints its predecessor left behind on the other core.
  const pids: (number | undefined)[] = [mosquitto.pid];
  const settled: number[] = [];
  const settleAll = async () => {
    for (const pid of pids) settled.push(await settle(pid));
  };
  const mosquittoRound = async (n: number) => {
    await settleAll();
    progress(`(a) mosquitto echo, ${opts.clients} clients, round ${n}`);
    let cpu0 = NaN;
    const echo = await echoRun(plainEcho(mosquitto.port), opts.clients, { ...load, atWindowStart: () => (cpu0 = mosquitto.cpuMs()) });
    mosquittoRounds.push({ echo, cpuMs: mosquitto.cpuMs() - cpu0 });
  };
  await mosquittoRound(1);
  const setAnchor = () => {
    const best = mosquittoRounds.reduce((a, r) => (r.echo.rate > a.echo.rate ? r : a));
    m.mosquitto = { version: mosquitto.version, echo: best.echo, cpuMs: best.cpuMs, roundRates: mosquittoRounds.map((r) => r.echo.rate) };
  };
  setAnchor();
  let bigEcho: LoadResult | null = null;
  if (want('r1')) {
    progress(`(r1) mosquitto echo of ${PHOTO_BYTES / 2 ** 20} MB-photo-sized messages`);
    bigEcho = await bigEchoRun(mosquitto.port, opts.clients, Math.ceil((PHOTO_BYTES * 4) / 3) + 600, load);
  }
  if (!gatewayRows) {
    await mosquitto.stop();
    return;
  }

  const user = 'bench';
  const password = randomBytes(12).toString('hex');
  const credentialsFile = join(root, 'users.json');
  await addUser(credentialsFile, user, 'staff', password);
  const aedes = broker ? await Target.spawn(cleanup, 'aedes') : null;
  const gateway = await Target.spawn(cleanup, 'gateway', gatewayConfig(root, credentialsFile, opts.clients));
  // Every round on a child is sampled: event-loop delay, RSS and CPU over its window.
  pids.push(aedes?.pid, gateway.pid);
  const sampled = async (what: string, t: Target, run: (o: LoadOptions) => Promise<LoadResult>) => {
    await settleAll();
    progress(what);
    const result = await run({ ...load, atWindowStart: () => t.sampleStart() });
    return { result, sample: await t.sampleStop() };
  };
  if (aedes) {
    const aedesRound = (n: number) => sampled(`(a) bare aedes echo, round ${n}`, aedes, (o) => echoRun(plainEcho(aedes.port), opts.clients, o));
    const oursRound = (n: number) =>
      sampled(`(a2) echo through our Broker, round ${n}`, gateway, (o) => echoRun(staffEcho(gateway.port, user, password), opts.clients, o));
    const durableRound = (n: number) =>
      sampled(`(a) durable commands through the gateway, round ${n}`, gateway, (o) => durableRun(gateway.port, user, password, opts.clients, o));
    const aedesRounds = [await aedesRound(1)];
    const durableRounds = [await durableRound(1)];
    if (want('q1')) m.queueLoad = await queueRun(opts, gateway, user, password, load);
    // Every subject alternates with the others, so a slow spell on a shared machine hits all of them.
    const oursRounds = [await oursRound(1)];
    for (let n = 2; n <= opts.rounds; n++) {
      aedesRounds.push(await aedesRound(n));
      oursRounds.push(await oursRound(n));
      await mosquittoRound(n);
      durableRounds.push(await durableRound(n));
    }
    setAnchor();
    const best = durableRounds.reduce((a, r) => (r.result.rate > a.result.rate ? r : a));
    m.broker = { aedesRounds, durable: best.result, gatewaySample: best.sample, durableRounds, oursRounds, gatewayWarnings: 0 };
    progress(`waited for idle brokers before rounds: ${settled.join(', ')} ms`);
  } else if (want('q1')) m.queueLoad = await queueRun(opts, gateway, user, password, load);
  // After the rows above: a megabyte per command leaves a bigger heap behind.
  if (want('r1', 'r2')) m.requests = await measureRequests(opts, root, gateway, user, password, load, bigEcho);

  await mosquitto.stop();
  const [aedesExit, gatewayExit] = await Promise.all([aedes?.stop() ?? 0, gateway.stop()]);
  if (gatewayExit !== 0) throw new Error(`the gateway exited ${gatewayExit} on stop: ${gateway.errorOutput}`);
  if (aedesExit !== 0) throw new Error(`bare aedes exited ${aedesExit} on stop: ${aedes?.errorOutput ?? ''}`);
  if (m.broker) m.broker.gatewayWarnings = gateway.warnings.length;
  for (const w of gateway.warnings.slice(0, 3)) progress(`gateway warning: ${w}`);
}

async function queueRun(opts: Options, gateway: Target, user: string, password: string, load: LoadOptions): Promise<LoadResult> {
  progress(`(q1) queue commands, ${opts.clients} tablets`);
  return queueCommandsRun(gateway.port, user, password, opts.clients, load);
}

async function measureRequests(opts: Options, root: string, gateway: Target, user: string, password: string, load: LoadOptions, bigEcho: LoadResult | null): Promise<RequestsMeasures> {
  const target = { port: gateway.port, pid: gateway.pid };
  progress(`(r1) requests/create with a 1 MB photo, ${opts.clients} tablets`);
  const photo = await requestsCreateRun(target, user, password, opts.clients, PHOTO_BYTES, load);
  progress(`(r2) requests/create without attachments, ${opts.clients} tablets`);
  const plain = await requestsCreateRun(target, user, password, opts.clients, 0, load);
  progress('(r1) raw 1 MB file write + fsync');
  const rawWrites = rawPhotoWrites(root, Math.max(1, opts.durationMs / 1000 / 2));
  const none = { clients: 0, ops: 0, seconds: 0, rate: NaN, latencyMs: { count: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN }, errors: 0, firstError: null, samples: [] };
  return { photo, photoBytes: PHOTO_BYTES, plain, bigEcho: bigEcho ?? none, rawWrites };
}

async function measureSync(opts: Options, root: string, want: (...ids: string[]) => boolean): Promise<SyncMeasures> {
  const s: SyncMeasures = {};
  let template: string | undefined;
  if (want('s1', 's3')) {
    progress(`(s1, s3) a backlog of ${opts.syncRecords} track points`);
    template = join(root, 'sync-backlog');
    await buildBacklog(template, opts.syncRecords);
  }
  if (want('s1')) {
    progress('(s1) drain to mosquitto');
    s.drain = await benchSyncDrain(opts.syncRecords, template);
  }
  if (want('s2')) {
    progress('(s2) bytes on the wire per track point');
    s.wire = await benchBytesPerTrackPoint(20_000);
  }
  if (want('s3')) {
    progress('(s3) pull API');
    s.pull = await benchPullRate(opts.syncRecords, 20_000, template);
  }
  if (want('s4', 's5')) {
    progress(`(s4, s5) a ${opts.backlog}-record backlog`);
    s.big = await benchBigBacklog(opts.backlog, (t) => progress(`(s4) ${t}`), SERVICE_NODE_ARGS, opts.drainS > 0 ? opts.drainS : Infinity);
  }
  return s;
}

/** The rows `--only` asked for (all without it). */
function selectedRows(opts: Options, m: Measured): Row[] {
  return buildRows(m).filter((r) => opts.only === null || opts.only.has(r.id));
}

/** The JSON document: rows plus every measurement behind them (raw latency arrays left out). */
function jsonDoc(opts: Options, m: Measured, startedAt: string) {
  const rows = selectedRows(opts, m);
  return JSON.stringify(
    {
      bench: 'vim-gateway',
      startedAt,
      node: process.version,
      host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', kernel: release(), loadavg: loadavg() },
      options: {
        clients: opts.clients,
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        records: opts.records,
        rounds: opts.rounds,
        only: opts.only && [...opts.only],
        syncRecords: opts.syncRecords,
        backlog: opts.backlog,
        drainS: opts.drainS,
      },
      pass: rows.every((r) => verdict(r) !== 'FAIL'),
      rows: rowsJson(rows),
      measurements: m,
    },
    (k, v: unknown) => (k === 'samples' ? undefined : v),
    2,
  );
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const cleanup = new Cleanup();
  const onSignal = (sig: string) => {
    progress(`${sig}: stopping what the bench started`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startedAt = new Date().toISOString();
  try {
    const t0 = performance.now();
    const m = await measure(opts, cleanup);
    const rows = selectedRows(opts, m);
    const c = cpus();
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    const head =
      `VİM gateway bench ${startedAt}: node ${process.version}, ${c.length} x ${c[0]?.model ?? 'cpu'}, load average ${load}, ` +
      `${opts.clients} clients, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s per round` +
      `${opts.only ? `, rows ${[...opts.only].join(' ')}` : ''}; measured in ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    const table = `${head}\n\n${renderTable(rows)}\n`;
    if (opts.json === null) {
      process.stderr.write(table);
      process.stdout.write(`${jsonDoc(opts, m, startedAt)}\n`);
    } else {
      process.stdout.write(table);
      if (opts.json !== undefined) writeFileSync(opts.json, `${jsonDoc(opts, m, startedAt)}\n`);
    }
    return rows.some((r) => verdict(r) === 'FAIL') ? 1 : 0;
  } catch (e) {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  } finally {
    await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${String(e)}\n`);
    process.exit(2);
  },
);

// `npm run bench`: issue 2's benchmark. Every row is measured against an anchor in
// the same run (mosquitto and bare aedes on this machine, lowdb and a raw fsync
// loop on this disk, a bare Node start) and printed as one table; --json writes it.
//   npm run bench -- [--json [FILE]] [--duration S] [--warmup S] [--clients N] [--records N] [--rounds N] [--dir DIR]
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
import type { LoadOptions, LoadResult } from './load.js';
import { startMosquitto } from './mosquitto.js';
import { Cleanup, tempRoot } from './procs.js';
import { buildRows, type Measured } from './rows.js';
import { startupBench } from './startup.js';
import { renderTable, rowsJson, verdict } from './table.js';
import { Target } from './target.js';

const USAGE = `usage: npm run bench -- [--json [FILE]] [--duration S] [--warmup S] [--clients N] [--records N] [--rounds N] [--dir DIR]
  --json [FILE]   write the results as JSON to FILE, or to stdout (the table then goes to stderr)
  --duration S    measured seconds per load round (default 5)
  --warmup S      discarded seconds before each round (default 1)
  --clients N     concurrent MQTT clients (default 20)
  --records N     journal records for row (b) (default 10000)
  --rounds N      interleaved rounds of bare aedes and our Broker for row (a2); the best of each is compared (default 3)
  --dir DIR       where the temp directory goes (default the OS temp dir); put it on the disk you care about
exit code: 0 all targets met, 1 a target missed, 2 the bench itself failed`;

interface Options {
  json: string | null | undefined; // undefined: no JSON; null: stdout
  durationMs: number;
  warmupMs: number;
  clients: number;
  records: number;
  rounds: number;
  dir: string | undefined;
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
  };
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
        limits: { staff: { maxPayloadBytes: 65536, publishPerSecond: 1_000_000, burst: 1_000_000 } },
      },
      // Row (q1): one counter per counter-working tablet.
      queue: benchQueueConfig(Math.max(1, Math.ceil(clients / 2))),
    }),
  );
  return file;
}

async function measure(opts: Options, cleanup: Cleanup): Promise<Measured> {
  const root = tempRoot(cleanup, opts.dir);
  const load: LoadOptions = { warmupMs: opts.warmupMs, durationMs: opts.durationMs };
  const user = 'bench';
  const password = randomBytes(12).toString('hex');
  const credentialsFile = join(root, 'users.json');
  await addUser(credentialsFile, user, 'staff', password);

  progress(`(a) mosquitto echo, ${opts.clients} clients`);
  const mosquitto = await startMosquitto(root, cleanup);
  let mosquittoCpu0 = NaN;
  const mosquittoEcho = await echoRun(plainEcho(mosquitto.port), opts.clients, { ...load, atWindowStart: () => (mosquittoCpu0 = mosquitto.cpuMs()) });
  const mosquittoCpuMs = mosquitto.cpuMs() - mosquittoCpu0;
  await mosquitto.stop();

  const aedes = await Target.spawn(cleanup, 'aedes');
  const gateway = await Target.spawn(cleanup, 'gateway', gatewayConfig(root, credentialsFile, opts.clients));
  // Every round on a child is sampled: event-loop delay, RSS and CPU over its window.
  const sampled = async (what: string, t: Target, run: (o: LoadOptions) => Promise<LoadResult>) => {
    progress(what);
    const result = await run({ ...load, atWindowStart: () => t.sampleStart() });
    return { result, sample: await t.sampleStop() };
  };
  const aedesRound = (n: number) => sampled(`(a) bare aedes echo, round ${n}`, aedes, (o) => echoRun(plainEcho(aedes.port), opts.clients, o));
  const oursRound = (n: number) =>
    sampled(`(a2) echo through our Broker, round ${n}`, gateway, (o) => echoRun(staffEcho(gateway.port, user, password), opts.clients, o));

  const aedesRounds = [await aedesRound(1)];
  const durable = await sampled('(a) durable commands through the gateway', gateway, (o) => durableRun(gateway.port, user, password, opts.clients, o));
  const queueLoad = await sampled(`(q1) queue commands, ${opts.clients} tablets`, gateway, (o) => queueCommandsRun(gateway.port, user, password, opts.clients, o));
  // Our Broker and bare aedes alternate, so a slow spell on a shared machine hits both.
  const oursRounds = [await oursRound(1)];
  for (let n = 2; n <= opts.rounds; n++) {
    aedesRounds.push(await aedesRound(n));
    oursRounds.push(await oursRound(n));
  }

  const [aedesExit, gatewayExit] = await Promise.all([aedes.stop(), gateway.stop()]);
  if (gatewayExit !== 0) throw new Error(`the gateway exited ${gatewayExit} on stop: ${gateway.errorOutput}`);
  if (aedesExit !== 0) throw new Error(`bare aedes exited ${aedesExit} on stop: ${aedes.errorOutput}`);
  for (const w of gateway.warnings.slice(0, 3)) progress(`gateway warning: ${w}`);

  progress(`(b) journal, ${opts.records} records`);
  const journal = await journalBench(join(root, 'journal'), opts.records, 20_000, 10_000, progress);

  progress('(d) start to ready');
  const startup = await startupBench(root, credentialsFile, 3, cleanup);

  progress('(e) NMEA parsing, 100,000 sentences');
  const nmea = await benchNmeaParse();

  progress('(f) receipt render, (g) ZVT sale');
  const receipt = { ...(await benchReceiptRender()), anchor: anchorNtpRender(tahsilatMakbuzu()) };
  const zvt = { ...(await benchZvtSale()), anchor: await anchorTcpRoundTrip() };

  progress('(q2) take -> printed -> board, (p1) collect -> approved -> makbuz printed');
  const ticketFlow = await benchTicketFlow(200);
  const payment = await benchPaymentFlow(200);

  return {
    clients: opts.clients,
    mosquittoVersion: mosquitto.version,
    mosquittoEcho,
    mosquittoCpuMs,
    aedesRounds,
    durable: durable.result,
    gatewaySample: durable.sample,
    oursRounds,
    gatewayWarnings: gateway.warnings.length,
    journal,
    startup,
    nmea,
    receipt,
    zvt,
    queueLoad: queueLoad.result,
    ticketFlow,
    payment,
  };
}

/** The JSON document: rows plus every measurement behind them (raw latency arrays left out). */
function jsonDoc(opts: Options, m: Measured, startedAt: string) {
  const rows = buildRows(m);
  return JSON.stringify(
    {
      bench: 'vim-gateway',
      startedAt,
      node: process.version,
      host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', kernel: release(), loadavg: loadavg() },
      options: { clients: opts.clients, warmupMs: opts.warmupMs, durationMs: opts.durationMs, records: opts.records, rounds: opts.rounds },
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
    const m = await measure(opts, cleanup);
    const rows = buildRows(m);
    const c = cpus();
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    const head =
      `VİM gateway bench ${startedAt}: node ${process.version}, ${c.length} x ${c[0]?.model ?? 'cpu'}, load average ${load}, ` +
      `${opts.clients} clients, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s per round`;
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

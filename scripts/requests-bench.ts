// Issue 6's bench rows for requests, as a standalone run until scripts/bench (another
// session's) takes them into its table:
//   (r1) requests/create with a 1 MB photo at 20 tablets: p50/p99 and MB/s the gateway
//        process wrote to storage (/proc/self/io write_bytes: photo files, WAL, checkpoints);
//   (r2) a request without attachments at 20 tablets: p99 against mosquitto's echo at 20
//        clients in the same run (the spine bench's anchor).
// Each tablet keeps one command in flight (closed loop, scripts/bench/load.ts). An in-process
// gateway on a temp dir, no devices; every photo differs, so each request writes a new file.
//
//   npm run build && node dist/scripts/requests-bench.js [--seconds 10] [--json]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { addUser } from '../firmware-ts/src/broker/credentials.js';
import { parseConfig } from '../firmware-ts/src/config/load.js';
import { Gateway } from '../firmware-ts/src/gateway.js';
import { connectAll, endAll } from './bench/clients.js';
import { echoRun, plainEcho } from './bench/echo.js';
import { closedLoop, Lane, type LoadResult } from './bench/load.js';
import { startMosquitto } from './bench/mosquitto.js';
import { Cleanup, tempRoot } from './bench/procs.js';

const TABLETS = 20;

function writeBytes(): number {
  try {
    return Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

function createPayload(id: string, n: number, photo: Buffer | null): string {
  if (photo) photo.writeUInt32BE(n, 8); // a different photo every time: a new file, not a no-op
  return JSON.stringify({
    id,
    type: 'sikayet',
    category: 'roads',
    authority: 'inegol_department',
    department: 'fen_isleri',
    subject: `Yolda çukur ${n}`,
    description: 'Okul yolunda derin bir çukur var; araçlar zarar görüyor.',
    citizen: { name: 'Ayşe Yılmaz', phone: '0532 000 00 00' },
    kvkk: { consent: true, noticeVersion: '2026-01' },
    receipt: false,
    ...(photo ? { photos: [{ data: photo.toString('base64') }] } : {}),
  });
}

const check = (doc: unknown, id: string): 'mine' | `error:${string}` | 'other' => {
  const a = doc as { id?: string; ok?: boolean; error?: { code?: string } } | null;
  if (a?.id !== id) return 'other';
  return a.ok ? 'mine' : `error:${a.error?.code ?? 'unknown'}`;
};

async function gatewayRow(gw: Gateway, photoBytes: number, seconds: number, tag: string): Promise<LoadResult & { writtenMBps: number }> {
  const specs = Array.from({ length: TABLETS }, (_, i) => ({ port: gw.broker.port(), clientId: `ayse@${tag}${i}`, username: 'ayse', password: 'ayse-bench' }));
  const clients = await connectAll(specs, (cid) => `vim/reply/${cid}`);
  let w0 = 0;
  try {
    const lanes = clients.map((c, i) => {
      const photo = photoBytes > 0 ? Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(photoBytes - 4, i + 1)]) : null;
      return new Lane(c, 'vim/cmd/requests/create', `vim/reply/${specs[i]!.clientId}`, check, 30_000, (id, n) => ({ topic: 'vim/cmd/requests/create', payload: createPayload(id, n, photo) }));
    });
    const r = await closedLoop(lanes, { warmupMs: 2000, durationMs: seconds * 1000, atWindowStart: () => (w0 = writeBytes()) });
    return { ...r, writtenMBps: (writeBytes() - w0) / 1e6 / r.seconds };
  } finally {
    await endAll(clients);
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const si = process.argv.indexOf('--seconds');
  const seconds = si > 0 ? Number(process.argv[si + 1]) : 10;
  const cleanup = new Cleanup();
  try {
    const dir = tempRoot(cleanup);
    await addUser(join(dir, 'users.json'), 'ayse', 'staff', 'ayse-bench');
    const doc = {
      dataDir: 'data',
      broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json', limits: { staff: { publishPerSecond: 10_000, burst: 10_000 } } },
      requests: { kvkk: { hmacKey: 'bench-hmac-key-0123456789abcdef0123456789' } },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(doc));
    const cfg = parseConfig(JSON.stringify(doc), join(dir, 'config.json'));
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    const gw = new Gateway(cfg.config, pino({ level: 'silent' }));
    await gw.start();
    cleanup.add('gateway', () => gw.stop());
    const r1 = await gatewayRow(gw, 1024 * 1024, seconds, 'photo');
    const r2 = await gatewayRow(gw, 0, seconds, 'plain');
    const mos = await startMosquitto(dir, cleanup);
    const echo = await echoRun(plainEcho(mos.port), TABLETS, { warmupMs: 2000, durationMs: seconds * 1000 });
    const rows = [
      { row: 'r1 requests/create, 1 MB photo, 20 tablets', p50Ms: r1.latencyMs.p50, p99Ms: r1.latencyMs.p99, perS: r1.rate, writtenMBps: r1.writtenMBps, errors: r1.errors, firstError: r1.firstError },
      { row: 'r2 requests/create, no attachment, 20 tablets', p50Ms: r2.latencyMs.p50, p99Ms: r2.latencyMs.p99, perS: r2.rate, writtenMBps: r2.writtenMBps, errors: r2.errors, firstError: r2.firstError },
      { row: `anchor: mosquitto ${mos.version} echo, 20 clients`, p50Ms: echo.latencyMs.p50, p99Ms: echo.latencyMs.p99, perS: echo.rate, writtenMBps: NaN, errors: echo.errors, firstError: echo.firstError },
    ];
    if (json) console.log(JSON.stringify({ tablets: TABLETS, seconds, rows, r2VsAnchorP99: r2.latencyMs.p99 / echo.latencyMs.p99 }, null, 2));
    else {
      for (const r of rows) {
        console.log(`${r.row.padEnd(48)} p50 ${r.p50Ms.toFixed(1).padStart(7)} ms  p99 ${r.p99Ms.toFixed(1).padStart(7)} ms  ${r.perS.toFixed(0).padStart(6)}/s  ${Number.isNaN(r.writtenMBps) ? '' : `${r.writtenMBps.toFixed(1)} MB/s written`}${r.errors ? `  ${r.errors} errors (${r.firstError ?? ''})` : ''}`);
      }
      console.log(`r2 p99 / mosquitto echo p99: ${(r2.latencyMs.p99 / echo.latencyMs.p99).toFixed(1)}x`);
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

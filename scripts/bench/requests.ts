// Issue 6's bench rows, measured on the gateway child that rows (a) and (q1) use:
// (r1) vim/cmd/requests/create with a 1 MB photo, 20 tablets: p99, and MB/s the gateway
//      process wrote to storage (/proc/<pid>/io: photo files, WAL, checkpoints). Anchors:
//      mosquitto echoing a message of the same size (the floor under moving that payload
//      through a broker) and a raw write + fsync loop of 1 MB files with the directory
//      fsynced, as the photo store does, in the same temp directory.
// (r2) a request without attachments: p99 next to the same run's mosquitto echo (row a's).
// Every photo differs (its bytes carry the lane and the request number), so each request
// writes a new file rather than finding one already there.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { connectAll, endAll } from './clients.js';
import { closedLoop, Lane, runRig, type LoadOptions, type LoadResult } from './load.js';

/** A photo of this size rides as base64 in the command: 4/3 of it, plus the JSON around it. */
export const PHOTO_BYTES = 1024 * 1024;

/** What a staff user needs to send a request with one PHOTO_BYTES photo (broker.limits.staff.maxPayloadBytes). */
export const REQUEST_PAYLOAD_ROOM = 2 * PHOTO_BYTES;

export interface RequestsLoadResult extends LoadResult {
  /** Bytes the gateway process caused to be written to storage during the window, per second. */
  writtenMBps: number;
  /** Which /proc/<pid>/io counter that is: write_bytes (to the block layer) or wchar (write() calls). */
  writtenCounter: 'write_bytes' | 'wchar' | 'none';
  /** Bytes of one command's MQTT payload. */
  payloadBytes: number;
}

function procIo(pid: number): { writeBytes: number; wchar: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
    return { writeBytes: field('write_bytes'), wchar: field('wchar') };
  } catch {
    return { writeBytes: NaN, wchar: NaN };
  }
}

/**
 * The request's JSON in three parts, so the per-request change (id, number, 12 photo bytes)
 * is spliced in without re-encoding a megabyte of base64 in the load generator each time.
 * The photo is a JPEG by its first bytes (FF D8 FF E0), which is all the gateway checks.
 */
function requestTemplate(lane: number, photoBytes: number): (id: string, n: number) => string {
  const head = (id: string, n: number) =>
    JSON.stringify({
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
    }).slice(0, -1);
  if (photoBytes === 0) return (id, n) => `${head(id, n)}}`;
  const photo = Buffer.alloc(photoBytes, lane + 1);
  photo.set([0xff, 0xd8, 0xff, 0xe0], 0);
  // Bytes 6..17 vary; base64 of 3-byte-aligned pieces concatenates into valid base64.
  const before = photo.subarray(0, 6).toString('base64');
  const after = photo.subarray(18).toString('base64');
  const varying = Buffer.alloc(12);
  return (id, n) => {
    varying.writeUInt32BE(lane, 0);
    varying.writeUInt32BE(n, 4);
    varying.writeUInt32BE(0x5649_4d21, 8);
    return `${head(id, n)},"photos":[{"data":"${before}${varying.toString('base64')}${after}"}]}`;
  };
}

function answerCheck(doc: unknown, id: string): 'mine' | `error:${string}` | 'other' {
  const a = doc as { id?: unknown; ok?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (a?.id !== id) return 'other';
  return a.ok === true ? 'mine' : `error:${String(a.error?.code)}: ${String(a.error?.message)}`;
}

/** `clients` staff tablets each sending requests/create, one in flight; the gateway is process `pid`. */
export async function requestsCreateRun(
  gateway: { port: number; pid: number },
  username: string,
  password: string,
  clients: number,
  photoBytes: number,
  opts: LoadOptions,
): Promise<RequestsLoadResult> {
  const tag = photoBytes > 0 ? 'photo' : 'plain';
  const specs = Array.from({ length: clients }, (_, i) => ({ port: gateway.port, clientId: `${username}@req${tag}${i}`, username, password }));
  const conns = await connectAll(specs, (cid) => `vim/reply/${cid}`);
  let io0 = procIo(gateway.pid);
  try {
    const lanes = conns.map((c, i) => {
      const payload = requestTemplate(i, photoBytes);
      return new Lane(c, 'vim/cmd/requests/create', `vim/reply/${specs[i]!.clientId}`, answerCheck, opts.timeoutMs ?? 30_000, (id, n) => ({
        topic: 'vim/cmd/requests/create',
        payload: payload(id, n),
      }));
    });
    const r = await closedLoop(lanes, {
      ...opts,
      atWindowStart: () => {
        io0 = procIo(gateway.pid);
        opts.atWindowStart?.();
      },
    });
    const io1 = procIo(gateway.pid);
    const blockBytes = io1.writeBytes - io0.writeBytes;
    // write_bytes stays 0 where the kernel does not account block I/O per task (some
    // containers, tmpfs); wchar then gives what the process handed to write().
    const [bytes, counter] = blockBytes > 0 ? [blockBytes, 'write_bytes' as const] : Number.isFinite(io1.wchar) ? [io1.wchar - io0.wchar, 'wchar' as const] : [NaN, 'none' as const];
    return { ...r, writtenMBps: bytes / 1e6 / r.seconds, writtenCounter: counter, payloadBytes: Buffer.byteLength(requestTemplate(0, photoBytes)('00000000-0000-4000-8000-000000000000', 0)) };
  } finally {
    await endAll(conns);
  }
}

/** Anchor of r1's p99: mosquitto echoing `bytes`-sized messages (each client to itself), same clients. */
export function bigEchoRun(port: number, clients: number, bytes: number, opts: LoadOptions): Promise<LoadResult> {
  const filler = 'x'.repeat(Math.max(0, bytes - 60));
  return runRig(
    {
      port,
      clients,
      clientId: (i) => `bench-bigecho-${i}`,
      publishTopic: (cid) => `bench/bigecho/${cid}`,
      replyTopic: (cid) => `bench/bigecho/${cid}`,
      check: (doc, id) => ((doc as { id?: unknown } | null)?.id === id ? 'mine' : 'other'),
      payload: (id) => `{"id":"${id}","data":"${filler}"}`,
    },
    opts,
  );
}

export interface RawFileWrites {
  files: number;
  seconds: number;
  MBps: number;
}

/**
 * Anchor of r1's MB/s: what the photo store does per photo, with nothing around it: write
 * 1 MB to a temporary file, fsync it, rename it into place, fsync the directory; for
 * `seconds` in `dir`, one file at a time.
 */
export function rawPhotoWrites(dir: string, seconds: number, bytes = PHOTO_BYTES): RawFileWrites {
  const d = join(dir, 'raw-photos');
  mkdirSync(d, { recursive: true });
  const data = Buffer.alloc(bytes, 7);
  const t0 = performance.now();
  let files = 0;
  try {
    while (performance.now() - t0 < seconds * 1000) {
      data.writeUInt32BE(files, 8);
      const tmp = join(d, `${files}.tmp`);
      const fd = openSync(tmp, 'wx', 0o640);
      try {
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(d, `${files}.jpg`));
      const dfd = openSync(d, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      files++;
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
  const s = (performance.now() - t0) / 1000;
  return { files, seconds: s, MBps: (files * bytes) / 1e6 / s };
}

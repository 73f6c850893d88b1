// Shared fixture for the disk-full chaos tests: a tmpfs (or SQLite page cap) that
// fills up, the whole gateway in-process with a tablet, and the checks on disk.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../../firmware-ts/src/config/load.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import { createLogger } from '../../firmware-ts/src/log/logger.js';
import { STAFF, type GatewayFiles } from '../helpers/gateway-process.js';
import { expect } from 'vitest';

export const TMPFS_SIZE = '2m';
export const ADD_TOPIC = 'vim/cmd/logbook/add';

export interface Answer {
  id: string | null;
  ok: boolean;
  result?: { seq: number; recordId: string };
  error?: { code: string; message: string };
}

/** Can we mount a tmpfs here? Probed once, at collection time, so the test name can say which way it runs. */
export function probeMount(): { ok: true } | { ok: false; reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vimgw-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return { ok: true };
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return { ok: false, reason: (err.stderr?.toString().trim() || err.message).split('\n')[0]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Captures the gateway's JSON log so the test can look for the alarm. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
}

/** One staff tablet that sends a command and waits for its answer on vim/reply/<clientId>. */
export interface GatewayState {
  parts: Record<string, { state: string; detail: string }>;
}

export class Tablet {
  /** The last retained vim/state/gateway seen (the tablet subscribes to it). */
  gatewayState: GatewayState | null = null;
  private readonly waiters = new Map<string, (a: Answer) => void>();
  private constructor(
    readonly client: MqttClient,
    readonly clientId: string,
  ) {
    client.on('message', (topic, payload) => {
      if (topic === 'vim/state/gateway') {
        this.gatewayState = JSON.parse(payload.toString('utf8')) as GatewayState;
        return;
      }
      const a = JSON.parse(payload.toString('utf8')) as Answer;
      const w = a.id === null ? undefined : this.waiters.get(a.id);
      if (w && a.id !== null) {
        this.waiters.delete(a.id);
        w(a);
      }
    });
  }

  static async connect(url: string, suffix: string): Promise<Tablet> {
    const clientId = `${STAFF.username}@${suffix}`;
    const client = await mqtt.connectAsync(url, { clientId, username: STAFF.username, password: STAFF.password, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
    await client.subscribeAsync([`vim/reply/${clientId}`, 'vim/state/gateway'], { qos: 1 });
    return new Tablet(client, clientId);
  }

  send(id: string, text: string, timeoutMs = 15_000): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no answer to ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.client.publish(ADD_TOPIC, JSON.stringify({ id, text }), { qos: 1 }, (err) => {
        if (err) {
          clearTimeout(timer);
          this.waiters.delete(id);
          reject(err);
        }
      });
    });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** How the test makes the disk full and frees it again. */
export interface Filler {
  fill(gw: Gateway): void;
  free(gw: Gateway): void;
}

/** A file that takes every free byte of the filesystem, written until ENOSPC. */
export function fileFiller(path: string): Filler & { bytes: number } {
  const f = {
    bytes: 0,
    fill(): void {
      const fd = openSync(path, 'w');
      const chunk = Buffer.alloc(16 * 1024, 0x55);
      try {
        for (let full = false; !full; ) {
          try {
            f.bytes += writeSync(fd, chunk);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
            // The last partial block: fill it byte by byte.
            for (const size of [4096, 512, 1]) {
              try {
                for (;;) f.bytes += writeSync(fd, chunk.subarray(0, size));
              } catch (e2) {
                if ((e2 as NodeJS.ErrnoException).code !== 'ENOSPC') throw e2;
              }
            }
            full = true;
          }
        }
      } finally {
        closeSync(fd);
      }
      const fs = statfsSync(dirname(path));
      if (fs.bavail !== 0) throw new Error(`the filesystem of ${path} still has ${fs.bavail} free blocks after filling`);
    },
    free(): void {
      unlinkSync(path);
    },
  };
  return f;
}

/** SQLite's own cap: max_page_count at the current size, so the next page allocation fails. */
export const pageCapFiller: Filler = {
  fill(gw) {
    const db = new Database(gw.store.path, { readonly: true });
    try {
      const pages = db.pragma('page_count', { simple: true }) as number;
      gw.store.limitPages(pages);
    } finally {
      db.close();
    }
  },
  free(gw) {
    gw.store.limitPages(1_073_741_823);
  },
};

/** The journal's bookkeeping, read through a separate read-only connection. */
export function onDisk(file: string, ids: readonly string[]) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const n = (sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      journal: n('SELECT count(*) AS n FROM journal'),
      outbox: n('SELECT count(*) AS n FROM outbox'),
      commands: n('SELECT count(*) AS n FROM commands'),
      orphanOutbox: n('SELECT count(*) AS n FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.seq = o.seq)'),
      journalWithoutOutbox: n('SELECT count(*) AS n FROM journal j WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = j.seq)'),
      /** Journal rows and remembered answers for `ids`. */
      rowsForIds: ids.reduce((sum, id) => sum + n('SELECT count(*) AS n FROM journal WHERE command_id = ?', id), 0),
      answersForIds: ids.reduce((sum, id) => sum + n('SELECT count(*) AS n FROM commands WHERE id = ?', id), 0),
    };
  } finally {
    db.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const text = (tag: string) => `${tag}: ${'generator fault, road closed, stop cut short. '.repeat(40)}`.slice(0, 2000);

export type Cleanups = (() => Promise<void> | void)[];

export interface Running {
  gw: Gateway;
  logs: LogSink;
  tablet: Tablet;
  stop: () => Promise<void>;
}

/** The whole gateway in-process on `files`, plus one connected staff tablet. */
export async function startGateway(files: GatewayFiles, cleanups: Cleanups): Promise<Running> {
  const loaded = loadConfig(files.configFile);
  if (!loaded.ok) throw new Error(`test config invalid: ${JSON.stringify(loaded.errors)}`);
  const logs = new LogSink();
  const gw = new Gateway(loaded.config, createLogger({ level: 'info', pretty: 'never' }, logs));
  await gw.start();
  let stopped = false;
  const tablet = await Tablet.connect(files.url, `disk-${randomUUID().slice(0, 8)}`).catch(async (e: unknown) => {
    await gw.stop();
    throw e;
  });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await tablet.close().catch(() => undefined);
    await gw.stop();
  };
  cleanups.push(stop);
  return { gw, logs, tablet, stop };
}

/** Makes the tmpfs the data lives on, or fails with the reason (never skips). */
export function mountTmpfs(cleanups: Cleanups): string {
  const dir = mkdtempSync(join(tmpdir(), 'vimgw-diskfull-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`cannot mount a ${TMPFS_SIZE} tmpfs on ${mnt} for the full-disk test: ${(e as Error).message}`);
  }
  cleanups.push(() => {
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return mnt;
}

/** Sends commands until one is refused; returns it (those that still fit are added to `acked`). */
export async function sendUntilRefused(tablet: Tablet, acked: Map<string, number>, maxOk: number): Promise<{ id: string; text: string; answer: Answer }> {
  for (let i = 0; i <= maxOk; i++) {
    const id = randomUUID();
    const t = text(`while filling ${i}`);
    const a = await tablet.send(id, t);
    if (!a.ok) return { id, text: t, answer: a };
    acked.set(id, a.result!.seq);
  }
  throw new Error(`no command was refused after ${maxOk + 1} commands on a full disk`);
}

export interface Scenario {
  files: GatewayFiles;
  filler: Filler;
  /** Largest number of commands that may still succeed after fill() (space SQLite had already allocated). */
  maxOkAfterFill: number;
}

/** The whole story: fill, refuse with STORE_FULL, raise the alarm, read, nothing half-written, free, succeed again. */
export async function runScenario(s: Scenario, cleanups: Cleanups): Promise<void> {
  const { gw, logs, tablet, stop } = await startGateway(s.files, cleanups);
  const acked = new Map<string, number>();
  const expectOk = (a: Answer, id: string) => {
    expect(a, `answer to ${id}`).toMatchObject({ id, ok: true });
    acked.set(id, a.result!.seq);
  };

  // 1. Healthy: a few commands are journaled.
  for (let i = 0; i < 10; i++) {
    const id = randomUUID();
    expectOk(await tablet.send(id, text(`before ${i}`)), id);
  }
  expect(gw.store.health().state).toBe('ok');
  const [firstId, firstSeq] = [...acked.entries()][0]!;

  // 2. The disk fills up. Commands may still fit in space SQLite already holds; soon one is refused.
  s.filler.fill(gw);
  const refused = await sendUntilRefused(tablet, acked, s.maxOkAfterFill);
  expect(refused.answer).toMatchObject({ id: refused.id, ok: false, error: { code: 'STORE_FULL' } });
  expect(refused.answer.error!.message).toMatch(/full/i);

  // 3. While full: every new command is refused with STORE_FULL (concurrently, so they share commits) ...
  const more = Array.from({ length: 8 }, (_, i) => ({ id: randomUUID(), text: text(`while full ${i}`) }));
  const answers = await Promise.all(more.map((m) => tablet.send(m.id, m.text)));
  answers.forEach((a, i) => expect(a, `command ${i} on a full disk`).toMatchObject({ id: more[i]!.id, ok: false, error: { code: 'STORE_FULL' } }));
  // ... a retry of a refused command is refused again, not answered from a half-remembered first attempt ...
  expect(await tablet.send(refused.id, refused.text)).toMatchObject({ id: refused.id, ok: false, error: { code: 'STORE_FULL' } });
  // ... and the alarm is raised: the store reports itself degraded, the log says why, and the
  // retained vim/state/gateway that tablets watch shows it (the state publisher checks every second).
  expect(gw.store.health()).toMatchObject({ state: 'degraded' });
  expect(gw.store.health().detail).toMatch(/STORE_FULL/);
  expect(logs.lines.some((l) => l.includes('"level":"error"') && l.includes('journal write failed'))).toBe(true);
  const alarmDeadline = Date.now() + 10_000;
  while (tablet.gatewayState?.parts.store?.state !== 'degraded' && Date.now() < alarmDeadline) await sleep(50);
  expect(tablet.gatewayState?.parts.store, 'vim/state/gateway while the disk is full').toMatchObject({ state: 'degraded' });

  // 4. Reads keep working through the store's own API.
  expect(gw.store.journal.stats()).toMatchObject({ count: acked.size });
  const listed = gw.store.journal.list(0, 10_000);
  expect(new Map(listed.map((r) => [r.commandId, r.seq]))).toEqual(acked);
  expect(gw.store.journal.get(firstSeq)?.commandId).toBe(firstId);
  expect(gw.store.journal.forCommand(refused.id)).toEqual([]);
  for (const m of more) expect(gw.store.journal.forCommand(m.id)).toEqual([]);
  expect(gw.store.probe()).toBe(true);
  // A retry of an acknowledged command, on its own, writes nothing and still gets its first answer.
  expect(await tablet.send(firstId, text('before 0'))).toMatchObject({ id: firstId, ok: true, result: { seq: firstSeq } });

  // 5. Nothing half-written: a separate connection sees exactly the acknowledged records, each with its
  //    outbox row and remembered answer, and none of the refused ones.
  const refusedIds = [refused.id, ...more.map((m) => m.id)];
  const disk = onDisk(gw.store.path, refusedIds);
  expect(disk.integrity).toBe('ok');
  expect(disk.journal).toBe(acked.size);
  expect(disk.outbox).toBe(acked.size);
  expect(disk.commands).toBe(acked.size);
  expect(disk.orphanOutbox).toBe(0);
  expect(disk.journalWithoutOutbox).toBe(0);
  expect(disk.rowsForIds).toBe(0);
  expect(disk.answersForIds).toBe(0);

  // 6. Space comes back: the refused commands, retried with the same ids, now succeed once each ...
  s.filler.free(gw);
  expectOk(await tablet.send(refused.id, refused.text), refused.id);
  const retried = await Promise.all(more.map((m) => tablet.send(m.id, m.text)));
  retried.forEach((a, i) => expectOk(a, more[i]!.id));
  // ... new ones too, a retry of an acknowledged one still returns its first answer, and the alarm clears.
  const fresh = randomUUID();
  expectOk(await tablet.send(fresh, text('after')), fresh);
  expect(await tablet.send(firstId, text('before 0'))).toMatchObject({ id: firstId, ok: true, result: { seq: firstSeq } });
  expect(gw.store.health().state).toBe('ok');

  // 7. Stop cleanly and check the file once more.
  await stop();
  const end = onDisk(gw.store.path, refusedIds);
  expect(end.integrity).toBe('ok');
  expect(end.journal).toBe(acked.size);
  expect(end.outbox).toBe(acked.size);
  expect(end.commands).toBe(acked.size);
  expect(end.rowsForIds).toBe(refusedIds.length);
  expect(end.answersForIds).toBe(refusedIds.length);
  const db = new Database(gw.store.path, { readonly: true });
  try {
    expect(db.prepare('SELECT command_id FROM journal GROUP BY command_id HAVING count(*) > 1').all()).toEqual([]);
    for (const [id, seq] of acked) expect(db.prepare('SELECT seq FROM journal WHERE command_id = ?').get(id)).toEqual({ seq });
  } finally {
    db.close();
  }
}

export const mount = probeMount();
export const limits = { publishPerSecond: 10_000, burst: 10_000 };


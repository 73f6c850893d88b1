// Chaos: the journal's disk fills up (issue 2 "Store": a full disk gives a clear
// STORE_FULL answer to commands while reads keep working; DESIGN.md "Store": the
// command is refused with STORE_FULL and an alarm).
//
// The gateway runs in-process (the whole composition root, with its real MQTT broker
// and an mqtt.js tablet) so the test can also read through the store's own API while
// the disk is full. Its data directory is a 2 MiB tmpfs mounted for the test, which we
// then fill with a file until ENOSPC: a genuinely full disk. If this sandbox does not
// allow `mount`, the test falls back to capping the SQLite file with store.limitPages()
// and says so in its name. A second test always uses limitPages too: there SQLite fails
// the INSERT itself and rolls the whole transaction back, while on a full filesystem
// the failure comes at COMMIT, when the WAL frames are written: two code paths.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../firmware-ts/src/config/load.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import { createLogger } from '../../firmware-ts/src/log/logger.js';
import { STAFF, writeGatewayFiles, type GatewayFiles } from '../helpers/gateway-process.js';

const TMPFS_SIZE = '2m';
const ADD_TOPIC = 'vim/cmd/logbook/add';

interface Answer {
  id: string | null;
  ok: boolean;
  result?: { seq: number; recordId: string };
  error?: { code: string; message: string };
}

/** Can we mount a tmpfs here? Probed once, at collection time, so the test name can say which way it runs. */
function probeMount(): { ok: true } | { ok: false; reason: string } {
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
class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
}

/** One staff tablet that sends a command and waits for its answer on vim/reply/<clientId>. */
interface GatewayState {
  parts: Record<string, { state: string; detail: string }>;
}

class Tablet {
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
interface Filler {
  fill(gw: Gateway): void;
  free(gw: Gateway): void;
}

/** A file that takes every free byte of the filesystem, written until ENOSPC. */
function fileFiller(path: string): Filler & { bytes: number } {
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
const pageCapFiller: Filler = {
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
function onDisk(file: string, ids: readonly string[]) {
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const text = (tag: string) => `${tag}: ${'generator fault, road closed, stop cut short. '.repeat(40)}`.slice(0, 2000);

type Cleanups = (() => Promise<void> | void)[];

interface Running {
  gw: Gateway;
  logs: LogSink;
  tablet: Tablet;
  stop: () => Promise<void>;
}

/** The whole gateway in-process on `files`, plus one connected staff tablet. */
async function startGateway(files: GatewayFiles, cleanups: Cleanups): Promise<Running> {
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
function mountTmpfs(cleanups: Cleanups): string {
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
async function sendUntilRefused(tablet: Tablet, acked: Map<string, number>, maxOk: number): Promise<{ id: string; text: string; answer: Answer }> {
  for (let i = 0; i <= maxOk; i++) {
    const id = randomUUID();
    const t = text(`while filling ${i}`);
    const a = await tablet.send(id, t);
    if (!a.ok) return { id, text: t, answer: a };
    acked.set(id, a.result!.seq);
  }
  throw new Error(`no command was refused after ${maxOk + 1} commands on a full disk`);
}

interface Scenario {
  files: GatewayFiles;
  filler: Filler;
  /** Largest number of commands that may still succeed after fill() (space SQLite had already allocated). */
  maxOkAfterFill: number;
}

/** The whole story: fill, refuse with STORE_FULL, raise the alarm, read, nothing half-written, free, succeed again. */
async function runScenario(s: Scenario, cleanups: Cleanups): Promise<void> {
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

const mount = probeMount();
const limits = { publishPerSecond: 10_000, burst: 10_000 };

describe('chaos: disk full', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        console.error('disk-full cleanup:', e);
      }
    }
  });

  if (mount.ok) {
    it(`a genuinely full disk (${TMPFS_SIZE} tmpfs filled to ENOSPC): STORE_FULL answers, alarm, reads work, nothing half-written, recovery`, async () => {
      const mnt = mountTmpfs(cleanups);
      const files = await writeGatewayFiles({ dir: join(mnt, '..'), dataDir: join(mnt, 'data'), staffLimits: limits });
      const filler = fileFiller(join(mnt, 'filler.bin'));
      // 2000-character commands on a 2 MiB disk: far fewer than this fit in space SQLite already had.
      await runScenario({ files, filler, maxOkAfterFill: 500 }, cleanups);
      expect(filler.bytes, 'the filler should have taken the free space').toBeGreaterThan(0);
    });
  } else {
    it(`FALLBACK, mount -t tmpfs is not permitted here (${mount.reason}): SQLITE_FULL via store.limitPages: STORE_FULL answers, alarm, reads work, nothing half-written, recovery`, async () => {
      const files = await writeGatewayFiles({ staffLimits: limits });
      cleanups.push(() => rmSync(files.dir, { recursive: true, force: true }));
      await runScenario({ files, filler: pageCapFiller, maxOkAfterFill: 50 }, cleanups);
    });
  }

  it('SQLite page cap (store.limitPages: the INSERT fails and SQLite rolls the transaction back): STORE_FULL answers, alarm, reads work, nothing half-written, recovery', async () => {
    const files = await writeGatewayFiles({ staffLimits: limits });
    cleanups.push(() => rmSync(files.dir, { recursive: true, force: true }));
    await runScenario({ files, filler: pageCapFiller, maxOkAfterFill: 50 }, cleanups);
  });
});

// Bugs found by this suite, pinned as executable evidence. Each test asserts the CURRENT,
// WRONG behaviour (so setup problems still fail loudly, which `it.fails` would hide) and
// says what the right one is. When firmware-ts/src is fixed, the test fails: then replace
// the marked assertion with the one in its comment.
describe('chaos: disk full, known bugs (asserting the current wrong behaviour)', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const staff: ClientInfo = { clientId: 'personel1@bugs', username: 'personel1', role: 'staff' };
  const exec = (gw: Gateway, id: string, t: string) => gw.commands.execute(staff, 'vim/cmd/logbook/add', Buffer.from(JSON.stringify({ id, text: t })));

  it(`on a full disk${mount.ok ? '' : ' (needs mount -t tmpfs: not permitted here)'}, a retry of an ACKNOWLEDGED command that shares a group commit with a new command still gets its first answer`, async () => {
    if (!mount.ok) throw new Error(`this reproduction needs a genuinely full filesystem (COMMIT-time ENOSPC); mount -t tmpfs failed: ${mount.reason}`);
    const mnt = mountTmpfs(cleanups);
    const files = await writeGatewayFiles({ dir: join(mnt, '..'), dataDir: join(mnt, 'data'), staffLimits: limits });
    const { gw } = await startGateway(files, cleanups);
    const id = randomUUID();
    const first = await exec(gw, id, 'acknowledged before the disk filled');
    expect(first).toMatchObject({ id, ok: true });
    fileFiller(join(mnt, 'filler.bin')).fill(gw);
    // Both are submitted in the same tick: the new record's WAL frames do not fit and its COMMIT
    // fails with SQLITE_FULL, but the replay is answered from a read outside the transaction.
    const [fresh, retry] = await Promise.all([exec(gw, randomUUID(), text('new on a full disk')), exec(gw, id, 'acknowledged before the disk filled')]);
    expect(fresh).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    // DESIGN.md non-negotiable 2: a retry returns the first answer.
    expect(retry).toEqual(first);
    expect(await exec(gw, id, 'acknowledged before the disk filled')).toEqual(first);
  });

  it("an idempotent replay (which writes nothing) leaves the store's STORE_FULL alarm up while new commands are still refused", async () => {
    const files = await writeGatewayFiles({ staffLimits: limits });
    cleanups.push(() => rmSync(files.dir, { recursive: true, force: true }));
    const { gw, logs } = await startGateway(files, cleanups);
    const id = randomUUID();
    expect(await exec(gw, id, 'before')).toMatchObject({ ok: true });
    pageCapFiller.fill(gw);
    // Whatever still fits in the last page goes in; then the cap bites.
    const refuseOne = async (tag: string) => {
      for (let i = 0; i < 50; i++) {
        const a = await exec(gw, randomUUID(), text(`${tag} ${i}`));
        if (!a.ok) return a;
      }
      return null;
    };
    expect(await refuseOne('filling')).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    expect(gw.store.health().state).toBe('degraded');
    expect(await exec(gw, id, 'before')).toMatchObject({ ok: true });
    // The disk is as full as before: the alarm stays up, and is logged once, not again per refusal.
    expect(gw.store.health().state).toBe('degraded');
    expect(await exec(gw, randomUUID(), text('refused again'))).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    expect(gw.store.health().state).toBe('degraded');
    expect(logs.lines.filter((l) => l.includes('journal write failed')).length).toBe(1);
  });
});

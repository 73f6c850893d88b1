// Row (b): journal appends with fsync through Store.transact (group-committed and
// one at a time), next to lowdb appending the same records (JSONFile, whole file
// rewritten per write, no fsync) and a raw write+fsync loop in the same directory.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { pino } from 'pino';
import { LoopProbe } from './loop-probe.js';
import { SystemClock } from '../../firmware-ts/src/platform/clock.js';
import { uuidv7 } from '../../firmware-ts/src/platform/ids.js';
import type { RecordInput } from '../../firmware-ts/src/store/records.js';
import { Store } from '../../firmware-ts/src/store/store.js';

export interface LoopResult {
  /** Records asked for and records done (fewer when the time budget ran out). */
  wanted: number;
  done: number;
  seconds: number;
  rate: number;
}

export interface JournalResult {
  groupCommit: LoopResult & { commits: number; largestBatch: number; loopBlockedMaxMs: number };
  sequential: LoopResult;
  lowdb: LoopResult & { fileMB: number; projectedRate: number | null };
  rawFsync: LoopResult;
}

const VEHICLE = 'VIM-BENCH';
const clock = new SystemClock();

function recordInput(i: number): RecordInput {
  return {
    type: 'logbook.entry',
    class: 'events',
    commandId: randomUUID(),
    actor: 'bench',
    payload: { text: `bench logbook entry ${String(i).padStart(8, '0')}: generator checked at the stop, all fine`, severity: 'info', device: null },
  };
}

/** What the journal stores for an input, built at append time as Journal.append does. */
function storedShape(seq: number, input: RecordInput) {
  const now = clock.now();
  return {
    seq,
    id: uuidv7(now.getTime()),
    vehicle: VEHICLE,
    type: input.type,
    class: input.class,
    createdAt: now.toISOString(),
    clock: clock.quality(),
    monoMs: clock.monoMs(),
    bootId: clock.bootId,
    commandId: input.commandId ?? null,
    actor: input.actor ?? null,
    payload: input.payload,
  };
}

function result(wanted: number, done: number, ms: number): LoopResult {
  return { wanted, done, seconds: ms / 1000, rate: ms > 0 ? (done * 1000) / ms : 0 };
}

async function openStore(dir: string): Promise<Store> {
  const store = new Store({ dataDir: dir, file: 'journal.sqlite', vehicle: VEHICLE, maxBatch: 512, idempotencyDays: 30 }, clock, pino({ level: 'silent' }));
  await store.start();
  return store;
}

async function groupCommit(dir: string, n: number): Promise<JournalResult['groupCommit']> {
  const store = await openStore(dir);
  const inputs = Array.from({ length: n }, (_, i) => recordInput(i));
  const probe = new LoopProbe();
  await new Promise((r) => setTimeout(r, 5));
  probe.reset();
  const t0 = performance.now();
  await Promise.all(inputs.map((r) => store.transact((tx) => tx.journal.append(r))));
  const ms = performance.now() - t0;
  const stall = probe.read();
  probe.stop();
  const c = store.health().counters ?? {};
  const stored = store.journal.stats().count;
  await store.stop();
  if (stored !== n) throw new Error(`group commit: ${stored} records stored, expected ${n}`);
  return { ...result(n, n, ms), commits: c.commits ?? 0, largestBatch: c.largestBatch ?? 0, loopBlockedMaxMs: stall.maxMs };
}

async function sequential(dir: string, n: number, budgetMs: number): Promise<LoopResult> {
  const store = await openStore(dir);
  const t0 = performance.now();
  let done = 0;
  while (done < n && performance.now() - t0 < budgetMs) {
    const r = recordInput(done);
    await store.transact((tx) => tx.journal.append(r));
    done++;
  }
  const ms = performance.now() - t0;
  await store.stop();
  return result(n, done, ms);
}

/** Least-squares fit of per-write time = a + b*k, summed to n writes: lowdb's cost grows with the file. */
function projectRate(perWriteMs: readonly number[], n: number): number {
  const m = perWriteMs.length;
  const mean = (f: (k: number) => number) => perWriteMs.reduce((s, _, k) => s + f(k), 0) / m;
  const kx = mean((k) => k);
  const ky = mean((k) => perWriteMs[k]!);
  const cov = mean((k) => (k - kx) * (perWriteMs[k]! - ky));
  const varK = mean((k) => (k - kx) ** 2);
  const b = varK > 0 ? Math.max(0, cov / varK) : 0;
  const a = ky - b * kx;
  const totalMs = n * a + (b * n * (n - 1)) / 2;
  return totalMs > 0 ? (n * 1000) / totalMs : 0;
}

async function lowdb(dir: string, n: number, budgetMs: number): Promise<JournalResult['lowdb']> {
  const file = join(dir, 'records.json');
  const db = new Low<{ records: unknown[] }>(new JSONFile(file), { records: [] });
  await db.read();
  const perWrite: number[] = [];
  const t0 = performance.now();
  while (perWrite.length < n && performance.now() - t0 < budgetMs) {
    const w0 = performance.now();
    db.data.records.push(storedShape(perWrite.length + 1, recordInput(perWrite.length)));
    await db.write();
    perWrite.push(performance.now() - w0);
  }
  const ms = performance.now() - t0;
  const done = perWrite.length;
  return { ...result(n, done, ms), fileMB: statSync(file).size / 2 ** 20, projectedRate: done < n ? projectRate(perWrite, n) : null };
}

function rawFsync(dir: string, n: number, budgetMs: number): LoopResult {
  const fd = openSync(join(dir, 'raw.ndjson'), 'a');
  const t0 = performance.now();
  let done = 0;
  try {
    while (done < n && performance.now() - t0 < budgetMs) {
      writeSync(fd, Buffer.from(JSON.stringify(storedShape(done + 1, recordInput(done))) + '\n'));
      fsyncSync(fd);
      done++;
    }
  } finally {
    closeSync(fd);
  }
  return result(n, done, performance.now() - t0);
}

export async function journalBench(dir: string, n: number, budgetMs: number, lowdbBudgetMs: number, progress: (s: string) => void): Promise<JournalResult> {
  const sub = (name: string) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  progress(`journal: ${n} concurrent transact() (group commit)`);
  const gc = await groupCommit(sub('group'), n);
  progress(`journal: ${n} sequential transact()`);
  const seq = await sequential(sub('sequential'), n, budgetMs);
  progress(`journal: lowdb, up to ${n} writes or ${lowdbBudgetMs / 1000} s`);
  const low = await lowdb(sub('lowdb'), n, lowdbBudgetMs);
  progress(`journal: raw write+fsync x ${n}`);
  const raw = rawFsync(sub('raw'), n, budgetMs);
  return { groupCommit: gc, sequential: seq, lowdb: low, rawFsync: raw };
}

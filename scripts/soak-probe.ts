// What the soak measures on the gateway process, from /proc/<pid> (Linux) and the
// control socket's `runtime` facts: RSS, open file descriptors, CPU time, bytes written
// to the block layer, event listeners, live resources and the event-loop delay. The
// summary fits a least-squares line through RSS after the warm-up (MB per hour).
import { readdirSync, readFileSync } from 'node:fs';
import type { RuntimeFacts } from '../firmware-ts/src/control/runtime.js';

export interface Sample {
  /** Seconds since the soak started. */
  t: number;
  rssBytes: number;
  /**
   * Resident bytes of the `[heap]` mapping, glibc's main malloc arena: most native allocations
   * of the main thread (SQLite's among them). V8's heap lives in anonymous mmaps instead, so
   * this splits a native creep from V8's (null where smaps is unreadable).
   */
  mallocArenaBytes: number | null;
  /**
   * RssFile of /proc/<pid>/status: file pages mapped and touched (node's and the addons' code,
   * the WAL index). It grows only as new code runs for the first time; the rest of RSS is
   * anonymous memory (V8's heap, thread arenas, buffers).
   */
  rssFileBytes: number | null;
  fds: number;
  /** utime + stime in seconds. */
  cpuS: number;
  /** /proc/<pid>/io write_bytes: what the process caused to be written to storage. */
  writeBytes: number;
  listeners: number;
  resources: number;
  heapBytes: number;
  /** V8's heap after the latest full collection, and the count of them (null before the first). */
  heapAfterGcBytes: number | null;
  fullGcCount: number | null;
  /** Event-loop delay p99 / max over the window since the previous sample. */
  loopP99Ms: number | null;
  loopMaxMs: number | null;
}

const TICKS = 100; // USER_HZ: 100 on every Linux the gateway runs on (getconf CLK_TCK)

/** The Rss of the `[heap]` mapping in /proc/<pid>/smaps, in bytes. */
export function mallocArenaRss(smaps: string): number | null {
  const at = smaps.search(/^[0-9a-f]+-[0-9a-f]+ .*\[heap\]$/m);
  if (at < 0) return null;
  const kb = /^Rss:\s+(\d+) kB$/m.exec(smaps.slice(at));
  return kb ? Number(kb[1]) * 1024 : null;
}

function readMallocArena(pid: number): number | null {
  try {
    return mallocArenaRss(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return null;
  }
}

export function readProc(pid: number): Pick<Sample, 'rssBytes' | 'mallocArenaBytes' | 'rssFileBytes' | 'fds' | 'cpuS' | 'writeBytes'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const fileKb = /RssFile:\s+(\d+)/.exec(status)?.[1];
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(f[11]) + Number(f[12])) / TICKS;
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const writeBytes = Number(/write_bytes:\s+(\d+)/.exec(io)?.[1] ?? NaN);
  return { rssBytes: rssKb * 1024, mallocArenaBytes: readMallocArena(pid), rssFileBytes: fileKb === undefined ? null : Number(fileKb) * 1024, fds: readdirSync(`/proc/${pid}/fd`).length, cpuS, writeBytes };
}

export function sampleOf(pid: number, t: number, rt: RuntimeFacts): Sample {
  return {
    t,
    ...readProc(pid),
    listeners: rt.listeners.total,
    resources: Object.values(rt.resources).reduce((s, n) => s + n, 0),
    heapBytes: rt.heapUsedBytes,
    heapAfterGcBytes: rt.heapAfterFullGc?.bytes ?? null,
    fullGcCount: rt.heapAfterFullGc?.count ?? null,
    loopP99Ms: rt.eventLoopDelayMs?.p99 ?? null,
    loopMaxMs: rt.eventLoopDelayMs?.max ?? null,
  };
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

export interface SoakSummary {
  minutes: number;
  warmupMinutes: number;
  samples: number;
  rssStartMB: number;
  rssEndMB: number;
  rssSlopeMBPerHour: number;
  /**
   * The same fit over the later half of the post-warm-up samples only: lower than the whole
   * when the growth is slowing down (caches and the JIT filling up), the same for a steady leak.
   */
  rssSlopeLaterHalfMBPerHour: number;
  /** The anonymous part of RSS (RSS minus RssFile); null without RssFile. */
  rssAnonSlopeMBPerHour: number | null;
  heapSlopeMBPerHour: number;
  /** Slope of glibc's main arena (`[heap]` Rss); null when smaps was unreadable. */
  mallocArenaSlopeMBPerHour: number | null;
  /**
   * The slope through V8's heap just after each full collection (one point per collection
   * after the warm-up; null with fewer than two). heapUsed is a sawtooth of garbage, so a fit
   * through every sample swings with where the run ends on a tooth; what survives a
   * collection is where a leak shows.
   */
  heapAfterGcSlopeMBPerHour: number | null;
  /** Full collections after the warm-up. */
  fullGcs: number;
  fdsAfterWarmup: { min: number; max: number; first: number; last: number };
  listenersAfterWarmup: { min: number; max: number; first: number; last: number };
  resourcesAfterWarmup: { min: number; max: number; first: number; last: number };
  loopDelayP99Ms: { median: number; worst: number };
  loopDelayMaxMs: number;
  cpuSharePct: number;
  writeMBPerHour: number;
}

const range = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs), first: xs[0]!, last: xs[xs.length - 1]! });
const r2 = (n: number) => Math.round(n * 100) / 100;
/** The least-squares slope of `mb(point)` (MB) over the points' times, in MB per hour. */
const mbPerHour = <P extends { t: number }>(pts: readonly P[], mb: (p: P) => number) => r2(slope(pts.map((p) => p.t / 3600), pts.map(mb)));

/** One point per full collection seen in the samples (a sample carries the latest). */
function afterGcSlope(after: readonly Sample[]): Pick<SoakSummary, 'heapAfterGcSlopeMBPerHour' | 'fullGcs'> {
  const points = new Map<number, { t: number; bytes: number }>();
  for (const s of after) if (s.fullGcCount !== null && s.heapAfterGcBytes !== null && !points.has(s.fullGcCount)) points.set(s.fullGcCount, { t: s.t, bytes: s.heapAfterGcBytes });
  const counts = after.map((s) => s.fullGcCount ?? 0);
  const pts = [...points.values()];
  return {
    heapAfterGcSlopeMBPerHour: pts.length < 2 ? null : mbPerHour(pts, (p) => p.bytes / 2 ** 20),
    fullGcs: Math.max(...counts) - Math.min(...counts),
  };
}

export function summarize(samples: readonly Sample[], warmupS: number): SoakSummary {
  const after = samples.filter((s) => s.t >= warmupS);
  if (after.length < 2) throw new Error(`only ${after.length} samples after the ${warmupS} s warm-up: run longer`);
  const first = after[0]!;
  const last = after[after.length - 1]!;
  const hours = (last.t - first.t) / 3600;
  const loops = after.map((s) => s.loopP99Ms).filter((x): x is number => x !== null);
  return {
    minutes: r2(samples[samples.length - 1]!.t / 60),
    warmupMinutes: r2(warmupS / 60),
    samples: after.length,
    rssStartMB: r2(first.rssBytes / 2 ** 20),
    rssEndMB: r2(last.rssBytes / 2 ** 20),
    rssSlopeMBPerHour: mbPerHour(after, (s) => s.rssBytes / 2 ** 20),
    rssSlopeLaterHalfMBPerHour: mbPerHour(after.slice(Math.floor(after.length / 2)), (s) => s.rssBytes / 2 ** 20),
    rssAnonSlopeMBPerHour: after.every((s) => s.rssFileBytes != null) ? mbPerHour(after, (s) => (s.rssBytes - s.rssFileBytes!) / 2 ** 20) : null,
    heapSlopeMBPerHour: mbPerHour(after, (s) => s.heapBytes / 2 ** 20),
    mallocArenaSlopeMBPerHour: after.every((s) => s.mallocArenaBytes !== null) ? mbPerHour(after, (s) => s.mallocArenaBytes! / 2 ** 20) : null,
    ...afterGcSlope(after),
    fdsAfterWarmup: range(after.map((s) => s.fds)),
    listenersAfterWarmup: range(after.map((s) => s.listeners)),
    resourcesAfterWarmup: range(after.map((s) => s.resources)),
    loopDelayP99Ms: { median: r2(pct(loops, 50)), worst: r2(Math.max(...loops)) },
    loopDelayMaxMs: r2(Math.max(...after.map((s) => s.loopMaxMs ?? 0))),
    cpuSharePct: r2(((last.cpuS - first.cpuS) / (last.t - first.t)) * 100),
    writeMBPerHour: r2((last.writeBytes - first.writeBytes) / 2 ** 20 / hours),
  };
}

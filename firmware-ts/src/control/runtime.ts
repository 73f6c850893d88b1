// The process's own vital signs for `GET /v1/status` (`runtime`): what a leak or a
// stall would show first. The soak (scripts/soak.ts, test/chaos/soak-quick.test.ts)
// reads them over hours and checks they stay flat: live resources by type (timers,
// sockets, file requests), event listeners on the process and on every live handle,
// and the event-loop delay since the previous read.
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import type { EventEmitter } from 'node:events';

export interface RuntimeFacts {
  /** process.getActiveResourcesInfo() counted by type, e.g. {"Timeout": 12, "TCPSocketWrap": 11}. */
  resources: Record<string, number>;
  /** Listeners on `process` plus on every live handle (sockets, servers, serial ports, timers). */
  listeners: { process: number; handles: number; total: number };
  /** Event-loop delay since the previous status read (null before the first window has samples). */
  eventLoopDelayMs: { p50: number; p99: number; max: number; windowS: number } | null;
  heapUsedBytes: number;
  /**
   * V8's heap in use just after the latest full (mark-compact) collection, and how many
   * there have been since the first read; null before the first. heapUsedBytes is a sawtooth
   * of garbage between collections; this is what survived one, so it is where a leak shows.
   */
  heapAfterFullGc: { bytes: number; count: number } | null;
}

/** The histogram is started on the first read: importing this module costs nothing. */
let histogram: IntervalHistogram | null = null;
let windowStart = 0;
let afterFullGc: RuntimeFacts['heapAfterFullGc'] = null;
let gcObserver: PerformanceObserver | null = null;

/** Read in the observer's callback, a moment after the collection: close to its floor. */
function watchFullGcs(): void {
  gcObserver = new PerformanceObserver((list) => {
    const full = list.getEntries().filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
    if (full > 0) afterFullGc = { bytes: process.memoryUsage().heapUsed, count: (afterFullGc?.count ?? 0) + full };
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

function listenersOf(e: unknown): number {
  const em = e as Partial<EventEmitter> | null;
  if (!em || typeof em.eventNames !== 'function' || typeof em.listenerCount !== 'function') return 0;
  let n = 0;
  for (const name of em.eventNames()) n += em.listenerCount(name);
  return n;
}

/** Live handles: an undocumented but long-stable Node API; an empty list where it is missing. */
function activeHandles(): unknown[] {
  const fn = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  return typeof fn === 'function' ? fn.call(process) : [];
}

const RESOLUTION_MS = 20;
/**
 * The histogram records the time between its timer's turns, so its values include the
 * sampling interval itself (an idle loop reads 20 ms at resolution 20); the lag is what is
 * beyond it.
 */
const lagMs = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);

export function runtimeFacts(): RuntimeFacts {
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  const onProcess = listenersOf(process);
  const onHandles = activeHandles().reduce<number>((s, h) => s + listenersOf(h), 0);

  let delay: RuntimeFacts['eventLoopDelayMs'] = null;
  const now = performance.now();
  if (!gcObserver) watchFullGcs();
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
  } else if (histogram.count > 0) {
    delay = { p50: lagMs(histogram.percentile(50)), p99: lagMs(histogram.percentile(99)), max: lagMs(histogram.max), windowS: Math.round((now - windowStart) / 100) / 10 };
  }
  histogram.reset();
  windowStart = now;
  return {
    resources,
    listeners: { process: onProcess, handles: onHandles, total: onProcess + onHandles },
    eventLoopDelayMs: delay,
    heapUsedBytes: process.memoryUsage().heapUsed,
    heapAfterFullGc: afterFullGc,
  };
}

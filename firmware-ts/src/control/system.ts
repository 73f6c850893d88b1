// Cheap system facts for `vimgw status`: disk under the data directory, CPU
// temperature, the Pi firmware's throttling flags, load and memory. Each is one
// small read (no child processes), so the status answers fast on a busy Pi; the
// heavy inventory (OS, model, network) is `vimgw diag`, gathered by the CLI.
import { readFileSync, statfsSync } from 'node:fs';
import { freemem, loadavg, totalmem, uptime } from 'node:os';

export interface DiskFacts {
  path: string;
  totalBytes: number;
  freeBytes: number;
  usedPct: number;
}

export interface Throttling {
  raw: string;
  /** Conditions now: under-voltage, frequency capped, throttled, soft temperature limit. */
  now: string[];
  /** The same conditions since boot. */
  sinceBoot: string[];
}

export interface SystemFacts {
  disk: DiskFacts | null;
  cpuTempC: number | null;
  throttling: Throttling | null;
  load: number[];
  memory: { totalBytes: number; freeBytes: number; gatewayRssBytes: number; gatewayHeapBytes: number };
  uptimeS: number;
}

const THROTTLE_BITS = ['under-voltage', 'frequency capped', 'throttled', 'soft temperature limit'];

export const THERMAL_FILE = '/sys/class/thermal/thermal_zone0/temp';
/** The Pi firmware's get_throttled, as the raspberrypi-hwmon/firmware driver exposes it (no vcgencmd needed). */
export const THROTTLED_FILES = ['/sys/devices/platform/soc/soc:firmware/get_throttled', '/sys/devices/platform/soc/soc:firmware/raspberrypi-hwmon/get_throttled'];

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

export function diskFacts(path: string): DiskFacts | null {
  try {
    const s = statfsSync(path);
    const total = s.blocks * s.bsize;
    // bavail: what an unprivileged writer (the gateway's user) can still use.
    const free = s.bavail * s.bsize;
    return { path, totalBytes: total, freeBytes: free, usedPct: total === 0 ? 0 : Math.round(((total - free) / total) * 1000) / 10 };
  } catch {
    return null;
  }
}

export function parseThrottled(raw: string): Throttling | null {
  const m = /(?:throttled=)?(0x[0-9a-f]+|\d+)/i.exec(raw);
  if (!m) return null;
  const v = Number(m[1]);
  if (!Number.isFinite(v)) return null;
  return {
    raw: `0x${v.toString(16)}`,
    now: THROTTLE_BITS.filter((_, i) => (v >> i) & 1),
    sinceBoot: THROTTLE_BITS.filter((_, i) => (v >> (16 + i)) & 1),
  };
}

export function systemFacts(dataDir: string): SystemFacts {
  const milli = readText(THERMAL_FILE);
  const temp = milli !== null && /^-?\d+$/.test(milli) ? Math.round(Number(milli) / 100) / 10 : null;
  let throttling: Throttling | null = null;
  for (const f of THROTTLED_FILES) {
    const raw = readText(f);
    if (raw !== null) {
      throttling = parseThrottled(raw);
      break;
    }
  }
  const mem = process.memoryUsage();
  return {
    disk: diskFacts(dataDir),
    cpuTempC: temp,
    throttling,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    memory: { totalBytes: totalmem(), freeBytes: freemem(), gatewayRssBytes: mem.rss, gatewayHeapBytes: mem.heapUsed },
    uptimeS: Math.round(uptime()),
  };
}

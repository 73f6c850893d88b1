// scripts/soak-probe.ts: what the soak reads from /proc and how it fits the slopes.
import { describe, expect, it } from 'vitest';
import { mallocArenaRss, readProc, summarize, type Sample } from '../../scripts/soak-probe.js';

const SMAPS = `55d0a000-55d0b000 r--p 00000000 08:01 123   /usr/bin/node
Size:                  4 kB
Rss:                   4 kB
55d2c000-55d6e000 rw-p 00000000 00:00 0                          [heap]
Size:              10504 kB
Rss:                9832 kB
Pss:                9832 kB
7f00c000-7f00d000 rw-p 00000000 00:00 0
Size:                  4 kB
Rss:                   4 kB
`;

const sample = (min: number, over: Partial<Sample>): Sample => ({
  t: min * 60, rssBytes: 90 * 2 ** 20, mallocArenaBytes: 10 * 2 ** 20, rssFileBytes: 46 * 2 ** 20, fds: 43, cpuS: min, writeBytes: 0, listeners: 143, resources: 38,
  heapBytes: 25 * 2 ** 20, heapAfterGcBytes: null, fullGcCount: null, loopP99Ms: 1, loopMaxMs: 2, ...over,
});

describe('soak probe', () => {
  it("reads the [heap] mapping's Rss (glibc's main arena), not another mapping's", () => {
    expect(mallocArenaRss(SMAPS)).toBe(9832 * 1024);
    expect(mallocArenaRss(SMAPS.replace('[heap]', ''))).toBeNull();
  });

  it('reads this process from /proc', () => {
    const p = readProc(process.pid);
    expect(p.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(p.mallocArenaBytes).toBeGreaterThan(0);
    expect(p.rssFileBytes).toBeGreaterThan(0);
    expect(p.rssFileBytes).toBeLessThan(p.rssBytes);
    expect(p.fds).toBeGreaterThan(2);
  });

  it('fits the heap after full GCs through one point per collection, not through the sawtooth', () => {
    const samples: Sample[] = [];
    for (let m = 0; m <= 60; m++) {
      const gcs = Math.floor(m / 10); // a full GC every 10 minutes, the heap after it flat at 24 MB
      samples.push(sample(m, {
        heapBytes: (24 + (m % 10) * 0.8) * 2 ** 20, // garbage piling up between collections
        heapAfterGcBytes: gcs > 0 ? 24 * 2 ** 20 : null,
        fullGcCount: gcs > 0 ? gcs : null,
        mallocArenaBytes: (10 + m / 60) * 2 ** 20, // 1 MB/h
      }));
    }
    samples[58]!.heapBytes = 32 * 2 ** 20; // the run ends high on a tooth
    const s = summarize(samples, 6 * 60);
    expect(s.heapAfterGcSlopeMBPerHour).toBe(0);
    expect(s.fullGcs).toBe(6); // at minutes 10, 20, ..., 60
    expect(s.mallocArenaSlopeMBPerHour).toBeCloseTo(1, 5);
  });

  it('fits the later half on its own, and the anonymous part of RSS apart from file pages', () => {
    // 6 MB/h over the first hour after warm-up, flat in the second: a cache or the JIT filling up.
    const samples = Array.from({ length: 121 }, (_, m) => {
      const grown = Math.min(m, 60) / 10;
      return sample(m, { rssBytes: (90 + grown) * 2 ** 20, rssFileBytes: (46 + grown / 2) * 2 ** 20 });
    });
    const s = summarize(samples, 0);
    expect(s.rssSlopeMBPerHour).toBeGreaterThan(2);
    expect(s.rssSlopeLaterHalfMBPerHour).toBeCloseTo(0, 5);
    expect(s.rssAnonSlopeMBPerHour).toBeCloseTo(s.rssSlopeMBPerHour / 2, 1);
  });

  it('gives no after-GC slope with fewer than two collections', () => {
    const samples = [0, 10, 20].map((m) => sample(m, {}));
    expect(summarize(samples, 0).heapAfterGcSlopeMBPerHour).toBeNull();
  });
});

// scripts/perf-report.ts: bench.json to docs/performance.md and its two SVG plots.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { barChart, latencies, parseBenchDoc, renderReport } from '../../scripts/perf-report.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const doc = {
  startedAt: '2026-11-29T06:00:00.000Z',
  node: 'v20.20.2',
  host: { cpus: 2, cpuModel: 'Test CPU', kernel: '6.18', loadavg: [0.5, 0.4, 0.3] },
  options: { clients: 20 },
  pass: false,
  rows: [
    { id: 'a', measure: 'durable commands/s', unit: '/s', ours: 2000, anchor: { name: 'mosquitto echo', value: 9000 }, ratio: 2000 / 9000, target: { min: 0.5 }, result: 'FAIL' },
    { id: 'b', measure: 'journal appends/s', unit: '/s', ours: 20000, anchor: { name: 'lowdb', value: 200 }, ratio: 100, target: { min: 10 }, result: 'PASS' },
    { id: 'c', measure: 'event-loop p99', unit: 'ms', ours: 11, anchor: { name: 'aedes', value: 2 }, ratio: 5.5, target: { max: 20 }, result: 'PASS' },
  ],
  measurements: {
    durable: { rate: 2000, latencyMs: { count: 10, p50: 10.7, p99: 27.6, max: 40, mean: 12 } },
    mosquittoEcho: { latencyMs: { count: 10, p50: 1.95, p99: 4.62, max: 9, mean: 2 } },
    broken: { latencyMs: { p50: 'x' } },
  },
};

describe('bench report', () => {
  it('finds every latency summary in the measurements, by path', () => {
    expect(latencies(doc.measurements)).toEqual([
      { name: 'durable', p50: 10.7, p99: 27.6, max: 40 },
      { name: 'mosquittoEcho', p50: 1.95, p99: 4.62, max: 9 },
    ]);
  });

  it('names the field of a malformed document', () => {
    expect(() => parseBenchDoc('{')).toThrow(/not JSON/);
    expect(() => parseBenchDoc(JSON.stringify({ ...doc, rows: [] }))).toThrow(/^rows: /);
    expect(() => parseBenchDoc(JSON.stringify({ ...doc, host: null }))).toThrow(/^host: /);
    expect(() => parseBenchDoc(JSON.stringify({ ...doc, rows: [{ id: 'a', measure: 'm' }] }))).toThrow(/^rows\[0\]\.result/);
  });

  it('draws one bar per value, longer for larger values on the log axis', () => {
    const svg = barChart('t', 'ms', [{ name: 'x', values: [1, 10, 100] }], ['p50', 'p99', 'max']);
    const widths = [...svg.matchAll(/<rect x="300" y="[\d.]+" width="([\d.]+)" height="8"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[0]! < widths[1]! && widths[1]! < widths[2]!).toBe(true);
    expect(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('reports the machine, every row and the targets missed', () => {
    const md = renderReport(parseBenchDoc(JSON.stringify(doc)), { latencySvg: 'l.svg', ratesSvg: 'r.svg' });
    expect(md).toContain('2 x Test CPU');
    expect(md).toContain('1 missed (a)');
    expect(md).toMatch(/\| a \| durable commands\/s \| 2000 \/s \| mosquitto echo: 9000 \| 0\.22x \| FAIL \|/);
    expect(md).toContain('![latency percentiles](l.svg)');
  });

  it('writes performance.md and both plots from the built script', () => {
    const dir = tempDir();
    const file = join(dir, 'bench.json');
    writeFileSync(file, JSON.stringify(doc));
    const script = join(process.cwd(), 'dist/scripts/perf-report.js');
    if (!existsSync(script)) throw new Error('dist/scripts/perf-report.js missing: run npm run build first');
    execFileSync(process.execPath, [script, file, '--out', dir]);
    expect(readFileSync(join(dir, 'performance.md'), 'utf8')).toContain('| b | journal appends/s |');
    expect(readFileSync(join(dir, 'performance-latency.svg'), 'utf8')).toContain('durable');
    expect(readFileSync(join(dir, 'performance-rates.svg'), 'utf8')).toContain('>a durable commands/s<');
    writeFileSync(file, JSON.stringify({ ...doc, startedAt: 5 }));
    const bad = (() => {
      try {
        execFileSync(process.execPath, [script, file, '--out', dir], { stdio: 'pipe' });
        return null;
      } catch (e) {
        return e as { status: number; stderr: Buffer };
      }
    })();
    expect(bad?.status).toBe(2);
    expect(bad?.stderr.toString()).toContain('startedAt: must be a string');
  });
});

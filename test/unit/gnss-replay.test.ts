// `vimgw gnss replay FILE [--json]` on a recorded log: one fix per line, the JSON form
// comparable with gpsd's TPV reports for the same log.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gnssReplay } from '../../firmware-ts/src/cli/gnss-replay.js';

const LOG = fileURLToPath(new URL('../fixtures/nmea-gpsd/bu353s4.log', import.meta.url));

async function capture(file: string, json: boolean): Promise<{ code: number; out: string[]; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const code = await gnssReplay(file, json);
  vi.restoreAllMocks();
  return { code, out: out.split('\n').filter((l) => l !== ''), err };
}

describe('gnss replay', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--json: one object per epoch with gpsd TPV field names, matching gpsd on this log', async () => {
    const { code, out, err } = await capture(LOG, true);
    expect(code).toBe(0);
    const fixes = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(fixes.length).toBeGreaterThan(20);
    for (const f of fixes) expect(Object.keys(f)).toEqual(['time', 'mode', 'lat', 'lon', 'altMSL', 'speed', 'track']);
    const tpvs = readFileSync(`${LOG}.chk`, 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('{"class":"TPV"') && l.includes('"lat"') && l.includes('"time"'))
      .map((l) => JSON.parse(l) as { time: string; mode: number; lat: number; lon: number; speed: number });
    expect(tpvs.length).toBe(25);
    for (const t of tpvs) {
      const f = fixes.find((x) => x.time === t.time);
      expect(f, t.time).toBeDefined();
      expect(f!.mode).toBe(t.mode);
      expect(Math.abs((f!.lat as number) - t.lat)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((f!.lon as number) - t.lon)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((f!.speed as number) - t.speed)).toBeLessThanOrEqual(0.01);
    }
    expect(err).toMatch(/^\d+ fixes; sentences: 90 framed, 0 dropped; 90 parsed, 0 ignored\n$/);
  });

  it('human output: one aligned line per fix', async () => {
    const { code, out } = await capture(LOG, false);
    expect(code).toBe(0);
    expect(out.length).toBeGreaterThan(20);
    expect(new Set(out.map((l) => l.length)).size).toBe(1);
    expect(out.find((l) => l.includes(' 3D '))).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z +3D +-?\d+\.\d{7} +-?\d+\.\d{7} +-?[\d.]+ m +[\d.]+ m\/s +[\d.]+°$/);
  });

  it('a missing file is an error with exit code 1', async () => {
    const { code, out, err } = await capture('/nonexistent/gnss.log', true);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toMatch(/cannot read \/nonexistent\/gnss.log/);
  });
});

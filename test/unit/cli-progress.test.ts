// Progress on long CLI work (cli/progress.ts, issue 9 "Progress bars on long work"): a bar
// redrawn in place on a terminal, plain periodic lines otherwise; and the streamed NMEA
// replay behind `vimgw gnss replay` giving exactly what a whole-file replay gives, however
// the file is cut into chunks.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NmeaReplay, replayNmea } from '../../firmware-ts/src/cli/gnss-replay.js';
import { Progress } from '../../firmware-ts/src/cli/progress.js';
import type { GnssFix } from '../../firmware-ts/src/drivers/gnss/gnss-state.js';

function sink(isTTY: boolean) {
  const out = { text: '', isTTY, write: (s: string) => (out.text += s) };
  return out;
}

describe('Progress', () => {
  it('on a terminal: a bar redrawn in place, at most every 100 ms, the last step always, cleared at the end', () => {
    const out = sink(true);
    let t = 1000;
    const p = new Progress('exporting', { out, unit: ' records', now: () => t });
    p.update(0, 200);
    expect(out.text).toBe(`\rexporting [${'.'.repeat(30)}] 0 records of 200 records (0 %)\x1b[K`);
    t += 50;
    p.update(50, 200); // too soon: skipped
    expect(out.text.split('\r').length).toBe(2);
    t += 60;
    p.update(100, 200);
    expect(out.text.endsWith(`\rexporting [${'#'.repeat(15)}${'.'.repeat(15)}] 100 records of 200 records (50 %)\x1b[K`)).toBe(true);
    t += 1;
    p.update(200, 200); // the end is drawn even when soon
    expect(out.text.endsWith(`[${'#'.repeat(30)}] 200 records of 200 records (100 %)\x1b[K`)).toBe(true);
    p.clear();
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
    const before = out.text.length;
    p.done();
    expect(out.text.length).toBe(before); // nothing left to clear
    p.update(5, null);
    p.done('finished');
    expect(out.text.endsWith('\r\x1b[K\rexporting 5 records\x1b[K\r\x1b[Kfinished\n')).toBe(true);
  });

  it('elsewhere: no escape codes, one plain line per interval, none for a job that ends sooner', () => {
    const out = sink(false);
    let t = 0;
    const p = new Progress('replaying log.nmea', { out, format: (n) => `${n} B`, lineEveryMs: 5000, now: () => t });
    for (; t < 4900; t += 100) p.update(t, 20_000);
    expect(out.text).toBe('');
    for (; t <= 16_000; t += 100) p.update(t, 20_000);
    expect(out.text).toBe('replaying log.nmea: 5000 B of 20000 B (25 %)\nreplaying log.nmea: 10000 B of 20000 B (50 %)\nreplaying log.nmea: 15000 B of 20000 B (75 %)\n');
    expect(p.linesWritten).toBe(3);
    p.clear();
    p.done();
    expect(out.text.includes('\u001b') || out.text.includes('\r')).toBe(false);
  });
});

describe('NmeaReplay', () => {
  const LOG = readFileSync(fileURLToPath(new URL('../fixtures/nmea-gpsd/bu353s4.log', import.meta.url)));

  function chunked(bytes: Buffer, cuts: number[]): { fixes: GnssFix[]; counters: ReturnType<NmeaReplay['end']> } {
    const fixes: GnssFix[] = [];
    const r = new NmeaReplay((f) => fixes.push(f));
    let at = 0;
    for (const c of [...cuts, bytes.length]) {
      r.push(bytes.subarray(at, c));
      at = c;
    }
    return { fixes, counters: r.end() };
  }

  it('gives the same fixes and counters however the file is cut, comment lines included', () => {
    // A note that quotes a sentence must stay a note even when a chunk ends inside it.
    const withNotes = Buffer.concat([Buffer.from('# $GPRMC,000000.00,A,0000.000,N,00000.000,E,0,0,010100,,,A*00 quoted\n'), LOG]);
    const whole = replayNmea(withNotes);
    expect(whole.fixes.length).toBeGreaterThan(20);
    for (const size of [1, 7, 64, 1000]) {
      const cuts: number[] = [];
      for (let c = size; c < withNotes.length; c += size) cuts.push(c);
      const r = chunked(withNotes, cuts);
      expect(r.fixes, `chunks of ${size}`).toEqual(whole.fixes);
      expect(r.counters.framer).toEqual(whole.framer);
      expect(r.counters.parser).toEqual(whole.parser);
    }
  });
});

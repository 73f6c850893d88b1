// The GNSS driver's pure layers: the byte framer (NMEA 0183 §5.3 framing and
// checksum), the sentence decoder (RMC, GGA, GSA, GSV, VTG, GLL, ZDA, every talker,
// NMEA 4.10 fields) and the state (epochs, time, mode, satellites, stale flag).
import { describe, expect, it } from 'vitest';
import { framerDropped, NmeaFramer, NMEA_MAX_SENTENCE } from '../../firmware-ts/src/drivers/gnss/nmea-framer.js';
import { NmeaParser, parseNmeaSentence, type NmeaSentence } from '../../firmware-ts/src/drivers/gnss/nmea-sentences.js';
import { GnssState, KNOT_MS } from '../../firmware-ts/src/drivers/gnss/gnss-state.js';

/** "$" + body + "*hh" with the right checksum (NMEA 0183 §5.3.1: XOR of the bytes between "$" and "*"). */
function nmea(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, '0')}`;
}
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const feedAll = (f: NmeaFramer, s: string | Buffer): string[] => f.feed(typeof s === 'string' ? bytes(s) : s);

const RMC = nmea('GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W');
const GGA = nmea('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,');
const GSA = nmea('GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1');

describe('NMEA framer', () => {
  it('hands out checksum-verified sentences without the line end; CR LF, LF and CR alone all end a line', () => {
    const f = new NmeaFramer();
    expect(feedAll(f, `${RMC}\r\n${GGA}\n${GSA}\r`)).toEqual([RMC, GGA, GSA]);
    expect(f.counters.accepted).toBe(3);
    expect(framerDropped(f.counters)).toBe(0);
  });

  it('drops a wrong checksum, a missing one and a malformed one, each counted', () => {
    const f = new NmeaFramer();
    const bad = RMC.slice(0, -2) + (RMC.endsWith('00') ? '01' : '00');
    expect(feedAll(f, `${bad}\r\n${RMC.slice(0, -3)}\r\n${RMC.slice(0, -2)}G1\r\n${RMC}x\r\n`)).toEqual([]);
    expect(f.counters).toMatchObject({ accepted: 0, checksum: 3, no_checksum: 1 });
  });

  it('accepts lower-case checksum digits', () => {
    const f = new NmeaFramer();
    const s = nmea('GPGSA,A,1,,,,,,,,,,,,,,,'); // *1E
    expect(feedAll(f, `${s.slice(0, -2)}${s.slice(-2).toLowerCase()}\r\n`)).toHaveLength(1);
  });

  it('splits glued sentences at the second "$", and "!" starts one too', () => {
    const f = new NmeaFramer();
    const ais = '!AIVDM,1,1,,B,13aGhtw0R<OJf=6LgQ?Ad1FF05`L,0*24';
    expect(feedAll(f, `${RMC}${GGA}${ais}\r\n`)).toEqual([RMC, GGA, ais]);
  });

  it('drops a sentence cut short by the next "$" and resyncs on it', () => {
    const f = new NmeaFramer();
    expect(feedAll(f, `$GPRMC,123519,A,48${GGA}\r\n$GPGSA,A,3*${RMC}\r\n`)).toEqual([GGA, RMC]);
    expect(f.counters).toMatchObject({ truncated: 2, accepted: 2 });
  });

  it('skips garbage, binary noise and NUL bytes between sentences, one count per run', () => {
    const f = new NmeaFramer();
    const noise = Buffer.from([0xb5, 0x62, 0x01, 0x07, 0x00, 0x00, 0xff, 0x0a, 0x00, 0x00]);
    const out = feedAll(f, Buffer.concat([bytes('hello'), noise, bytes(`${RMC}\r\n`), bytes(`junk${GGA}\r\n`)]));
    expect(out).toEqual([RMC, GGA]);
    // "hello\xb5b\x01\x07\0\0\xff" ends at LF, "\0\0" runs into "$", "junk" into "$".
    expect(f.counters.garbage).toBe(3);
    expect(f.counters.droppedBytes).toBe(5 + 7 + 2 + 4);
  });

  it('drops a sentence with a NUL or other non-printable byte inside', () => {
    const f = new NmeaFramer();
    const withNul = `${RMC.slice(0, 20)}\0\0\0${RMC.slice(20)}`;
    expect(feedAll(f, `${withNul}\r\n$GPRMC,000346.03,A,4808\0\0\0      \r\n${GGA}\r\n`)).toEqual([GGA]);
    expect(f.counters.garbage).toBe(2);
  });

  it('takes 80 characters before CR LF (82 in all) and drops 81 as too long', () => {
    const body80 = 'GPTXT,' + 'A'.repeat(80 - 1 - 6 - 3);
    const ok = nmea(body80);
    expect(ok).toHaveLength(NMEA_MAX_SENTENCE - 2);
    const long = nmea(body80 + 'A');
    const f = new NmeaFramer();
    expect(feedAll(f, `${ok}\r\n${long}\r\n${'$GPGSV' + ',1'.repeat(500)}\r\n${RMC}\r\n`)).toEqual([ok, RMC]);
    expect(f.counters.too_long).toBe(2);
  });

  it('gives the same sentences and counts however the stream is cut, down to single bytes', () => {
    const stream = Buffer.concat([
      bytes(`\0\0garbage${RMC}\r\n${GGA}${GSA}\r\n$GPRMC,1235`),
      Buffer.from([0xff, 0xfe, 0x0d, 0x0a]),
      bytes(`${nmea('GPTXT,' + 'B'.repeat(90))}\r\n${RMC.slice(0, -1)}0\r\n${GGA}\n$GPGSA,A,3\r\n${GSA}`),
    ]);
    const whole = new NmeaFramer();
    const expected = [...feedAll(whole, stream), ...whole.end()];
    expect(expected).toEqual([RMC, GGA, GSA, GGA, GSA]);
    for (let cut = 1; cut < stream.length; cut++) {
      const f = new NmeaFramer();
      const got = [...f.feed(stream.subarray(0, cut)), ...f.feed(stream.subarray(cut)), ...f.end()];
      expect(got, `cut at ${cut}`).toEqual(expected);
      expect(f.counters, `cut at ${cut}`).toEqual(whole.counters);
    }
    const f = new NmeaFramer();
    const got: string[] = [];
    for (let i = 0; i < stream.length; i++) f.feedTo(stream.subarray(i, i + 1), (s) => got.push(s));
    got.push(...f.end());
    expect(got).toEqual(expected);
    expect(f.counters).toEqual(whole.counters);
  });

  it('at the end of the stream drops a partial sentence and keeps a whole one that lacks only CR LF', () => {
    const f = new NmeaFramer();
    feedAll(f, '$GPGGA,1235');
    f.end();
    expect(f.counters.truncated).toBe(1);
    const g = new NmeaFramer();
    expect(g.feed(bytes(RMC))).toEqual([]);
    expect(g.end()).toEqual([RMC]);
    expect(g.counters).toMatchObject({ accepted: 1, truncated: 0 });
  });
});

describe('NMEA sentences', () => {
  it('RMC: time, status, position with signs, speed, track, date, magnetic variation', () => {
    const s = parseNmeaSentence(nmea('GPRMC,225446.33,A,4916.45,S,12311.12,W,000.5,054.7,191194,020.3,E,A'));
    expect(s).toMatchObject({ type: 'RMC', talker: 'GP', timeMs: ((22 * 60 + 54) * 60 + 46) * 1000 + 330, status: 'A', speedKn: 0.5, trackTrue: 54.7, day: 19, month: 11, year2: 94, magVar: 20.3, faaMode: 'A', navStatus: null });
    expect(s?.type === 'RMC' && s.lat).toBeCloseTo(-(49 + 16.45 / 60), 12);
    expect(s?.type === 'RMC' && s.lon).toBeCloseTo(-(123 + 11.12 / 60), 12);
  });

  it('RMC: NMEA 4.10 nav status, and an all-empty RMC gives nulls', () => {
    expect(parseNmeaSentence('$GNRMC,120213.000,A,5957.0062,N,01100.6429,E,0.00,0.00,310722,,,D,V*0A')).toMatchObject({ talker: 'GN', faaMode: 'D', navStatus: 'V', magVar: null });
    expect(parseNmeaSentence('$GPRMC,,V,,,,,,,,,,N*53')).toMatchObject({ type: 'RMC', timeMs: null, status: 'V', lat: null, lon: null, speedKn: null, day: null, faaMode: 'N' });
  });

  it('GGA: quality, satellites, HDOP, altitude; empty altitude is null', () => {
    expect(parseNmeaSentence(GGA)).toMatchObject({ type: 'GGA', quality: 1, satellites: 8, hdop: 0.9, altMSL: 545.4, geoidSep: 46.9 });
    expect(parseNmeaSentence('$GPGGA,,,,,,0,,,,M,,M,,*66')).toMatchObject({ type: 'GGA', timeMs: null, quality: 0, satellites: null, altMSL: null, lat: null });
  });

  it('GSA: fix type, used ids, DOPs; NMEA 4.10 system id; short and 24-id variants', () => {
    expect(parseNmeaSentence(GSA)).toMatchObject({ type: 'GSA', selection: 'A', fixType: 3, prns: [4, 5, 9, 12, 24], pdop: 2.5, hdop: 1.3, vdop: 2.1, systemId: null });
    expect(parseNmeaSentence('$GNGSA,A,3,68,69,70,78,84,85,,,,,,,1.5,1.3,1.0,2*3D')).toMatchObject({ talker: 'GN', prns: [68, 69, 70, 78, 84, 85], vdop: 1, systemId: 2 });
    expect(parseNmeaSentence('$GPGSA,A,1,,,,*32')).toMatchObject({ fixType: 1, prns: [], pdop: null, hdop: null, vdop: null });
    const navior = nmea('GPGSA,A,3,27,23,13,07,25,,,,,,,,,,,,,,,,,,,,07.9,06.0,05.2');
    expect(parseNmeaSentence(navior)).toMatchObject({ prns: [27, 23, 13, 7, 25], pdop: 7.9, hdop: 6, vdop: 5.2 });
  });

  it('GSV: satellites with empty SNR; NMEA 4.10 signal id', () => {
    expect(parseNmeaSentence('$GPGSV,2,2,08,15,33,070,40,16,05,184,,18,20,046,,19,73,304,*7B')).toMatchObject({
      type: 'GSV', total: 2, index: 2, inView: 8, signalId: null,
      satellites: [
        { prn: 15, elevation: 33, azimuth: 70, snr: 40 },
        { prn: 16, elevation: 5, azimuth: 184, snr: null },
        { prn: 18, elevation: 20, azimuth: 46, snr: null },
        { prn: 19, elevation: 73, azimuth: 304, snr: null },
      ],
    });
    const s = parseNmeaSentence('$GPGSV,3,3,11,16,01,023,14,20,65,284,39,30,70,193,20,1*5E');
    expect(s).toMatchObject({ signalId: 1 });
    expect(s?.type === 'GSV' && s.satellites.map((x) => x.prn)).toEqual([16, 20, 30]);
    expect(parseNmeaSentence('$GPGSV,1,1,00,,,,,,,,,,,,,,,,*79')).toMatchObject({ inView: 0, satellites: [] });
  });

  it('VTG, GLL and ZDA', () => {
    expect(parseNmeaSentence(nmea('GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A'))).toMatchObject({ type: 'VTG', trackTrue: 54.7, trackMag: 34.4, speedKn: 5.5, speedKmh: 10.2, faaMode: 'A' });
    expect(parseNmeaSentence('$GPVTG,,T,,M,,N,,K,N*2C')).toMatchObject({ trackTrue: null, speedKn: null, faaMode: 'N' });
    expect(parseNmeaSentence('$GPGLL,4808.9993,N,01135.0798,E,000343.03,A,A*60')).toMatchObject({ type: 'GLL', timeMs: 223_030, status: 'A' });
    expect(parseNmeaSentence('$GPZDA,000427.00,22,08,1999,,*67')).toMatchObject({ type: 'ZDA', day: 22, month: 8, year: 1999 });
  });

  it('reads every GNSS talker, and IN; ignores GI, proprietary, AIS and unused sentences, counted', () => {
    const p = new NmeaParser();
    for (const t of ['GP', 'GL', 'GA', 'GB', 'BD', 'GQ', 'QZ', 'GN', 'IN']) {
      expect(p.parse(nmea(`${t}GSA,A,3,01,,,,,,,,,,,,1.0,1.0,1.0`))?.talker).toBe(t);
    }
    expect(p.parse(nmea('GIGSA,A,3,01,,,,,,,,,,,,1.0,1.0,1.0'))).toBeNull();
    expect(p.parse(nmea('PQGSA,A,3,01,,,,,,,,,,,,1.0,1.0,1.0'))).toBeNull();
    expect(p.parse(nmea('PUBX,00,000000.00'))).toBeNull();
    expect(p.parse('!AIVDM,1,1,,B,13aGhtw0R<OJf=6LgQ?Ad1FF05`L,0*24')).toBeNull();
    expect(p.parse(nmea('GPTXT,01,01,02,ANTSTATUS=OK'))).toBeNull();
    expect(p.parse(nmea('gpRMC,1'))).toBeNull();
    expect(p.counters).toEqual({ parsed: 9, proprietary: 2, talker: 2, unsupported: 1, malformed: 1 });
  });

  it('turns invalid numbers into null, never NaN, and never throws', () => {
    const s = parseNmeaSentence(nmea('GPRMC,12x519,A,48x7.038,N,01131.000,Q,1.2.3,-5,320394,1e5,W,A'));
    expect(s).toMatchObject({ timeMs: null, lat: null, lon: null, speedKn: null, trackTrue: null, day: null, magVar: null });
    expect(parseNmeaSentence(nmea('GPRMC,256199,A,4875.038,N,18131.000,E,,,,,,'))).toMatchObject({ timeMs: null, lat: null, lon: null });
    const huge = parseNmeaSentence(nmea('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,99999999999999999999999999999.9,M,,M,,'));
    expect(huge?.type === 'GGA' && Number.isFinite(huge.altMSL)).toBe(true);
    const deep = parseNmeaSentence(nmea('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,-1234567890.12345678,M,,M,,'));
    expect(deep?.type === 'GGA' && deep.altMSL).toBe(Number('-1234567890.12345678')); // 18 digits: the parseFloat path
    for (const line of ['$', '$GP', '$GPRMC', '$GPRMC,', '$GPGSV,9,9,9,,,,,,,,,,,,,,,,,,,,,,,*00', '$GNGSA,,,,,,,,,,,,,,,,,,,,,']) {
      expect(() => parseNmeaSentence(line)).not.toThrow();
    }
  });

  it('reuses one result object per type in a parser; parseNmeaSentence gives a fresh one', () => {
    const p = new NmeaParser();
    const a = p.parse(RMC);
    const b = p.parse(nmea('GPRMC,000000,V,,,,,,,,,,N'));
    expect(a).toBe(b);
    expect(parseNmeaSentence(RMC)).not.toBe(parseNmeaSentence(RMC));
  });
});

describe('GNSS state', () => {
  const run = (state: GnssState, lines: string[], now = 0) => {
    const p = new NmeaParser();
    return lines.map((l) => state.apply(p.parse(l) as NmeaSentence, now)).filter((f) => f !== null);
  };

  it('closes an epoch when the time moves on, one fix per epoch, with date, time, position, speed in m/s', () => {
    const st = new GnssState({ staleAfterMs: 5000 });
    const fixes = run(st, [RMC, GGA, GSA, nmea('GPRMC,123520,A,4807.040,N,01131.002,E,022.4,084.4,230394,003.1,W')]);
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ time: '1994-03-23T12:35:19.000Z', mode: '3d', altMSL: 545.4, track: 84.4, hdop: 1.3, pdop: 2.5, vdop: 2.1, satellitesUsed: 5 });
    expect(fixes[0]!.speed).toBe(22.4 * (1852 / 3600));
    expect(KNOT_MS).toBe(1852 / 3600);
    expect(fixes[0]!.lat).toBeCloseTo(48 + 7.038 / 60, 12);
    expect(st.flush()).toMatchObject({ time: '1994-03-23T12:35:20.000Z' });
  });

  it('dates GGA from the last valid RMC and rolls over at midnight', () => {
    const st = new GnssState({ staleAfterMs: 5000 });
    const fixes = run(st, [
      nmea('GPRMC,235959.50,A,4807.038,N,01131.000,E,0,0,311299,,'),
      nmea('GPGGA,000000.50,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
      nmea('GPGGA,000001.50,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
    ]);
    expect(fixes.map((f) => f.time)).toEqual(['1999-12-31T23:59:59.500Z', '2000-01-01T00:00:00.500Z']);
  });

  it('takes no date from a void RMC (receivers send junk dates while searching)', () => {
    const st = new GnssState({ staleAfterMs: 5000 });
    const fixes = run(st, [nmea('GPRMC,235948.00,V,0000.0000,N,00000.0000,E,,,161206,,,N'), nmea('GPRMC,235949.00,V,,,,,,,161206,,,N')]);
    expect(fixes[0]).toMatchObject({ time: null, mode: 'none', lat: null, speed: null });
  });

  it('mode: GSA states 2D even with an altitude; GGA with 4+ satellites and altitude is 3D, under 3 none', () => {
    const gga = (t: string, sats: string, alt: string) => nmea(`GPGGA,${t},4807.038,N,01131.000,E,1,${sats},0.9,${alt},M,46.9,M,,`);
    const st = new GnssState({ staleAfterMs: 5000 });
    const fixes = run(st, [
      RMC, gga('123519', '06', '545.4'), nmea('GPGSA,A,2,04,05,09,,,,,,,,,,2.5,1.3,2.1'),
      gga('123520', '06', '545.4'),
      gga('123521', '03', '545.4'),
      gga('123522', '02', '545.4'),
      gga('123523', '03', ''),
      nmea('GPRMC,123524,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W'),
      nmea('GPRMC,123525,V,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W'),
      RMC,
    ]);
    expect(fixes.map((f) => f.mode)).toEqual(['2d', '3d', '2d', 'none', '2d', '2d', 'none']);
    expect(fixes[5]).toMatchObject({ altMSL: null }); // RMC alone: the last stated dimension (2D from GGA without altitude)
    expect(fixes[6]).toMatchObject({ lat: null, lon: null, speed: null });
  });

  it('counts satellites used and in view per constellation (talker, NMEA 4.10 system id, id ranges)', () => {
    const st = new GnssState({ staleAfterMs: 5000 });
    run(st, [
      nmea('GNRMC,120000,A,4807.038,N,01131.000,E,0,0,010125,,,A,V'),
      nmea('GNGSA,A,3,01,02,03,,,,,,,,,,1.0,1.0,1.0,1'),
      nmea('GNGSA,A,3,05,06,,,,,,,,,,,1.0,1.0,1.0,3'),
      nmea('GNGSA,A,3,70,71,,,,,,,,,,,1.0,1.0,1.0'), // no system id: 65-96 is GLONASS
      nmea('GPGSV,1,1,04,01,10,100,30,02,10,100,30,03,10,100,30,40,10,100,30'), // 40: SBAS
      nmea('GLGSV,1,1,02,70,10,100,30,71,10,100,30'),
      nmea('GAGSV,1,1,03,05,10,100,30,06,10,100,30,07,10,100,30,7'),
      nmea('GAGSV,1,1,03,05,10,100,30,06,10,100,30,07,10,100,30,1'), // same satellites, other signal
      nmea('GBGSV,1,1,01,11,10,100,30'),
      nmea('GQGSV,1,1,01,02,10,100,30'),
      nmea('GNRMC,120001,A,4807.038,N,01131.000,E,0,0,010125,,,A,V'),
    ]);
    expect(st.snapshot(0).satellites).toEqual({
      gps: { used: 3, inView: 3 }, glonass: { used: 2, inView: 2 }, galileo: { used: 2, inView: 3 },
      beidou: { used: 0, inView: 1 }, qzss: { used: 0, inView: 1 }, sbas: { used: 0, inView: 1 }, other: { used: 0, inView: 0 },
    });
  });

  it('stale: no valid fix for staleAfterMs means no current fix; the last one is kept only as `last`', () => {
    const st = new GnssState({ staleAfterMs: 3000 });
    expect(st.snapshot(0)).toMatchObject({ stale: true, mode: 'none', fix: null, last: null, lastFixAgeMs: null });
    run(st, [RMC, GGA, GSA, nmea('GPRMC,123520,A,4807.040,N,01131.002,E,0,0,230394,,')], 10_000);
    expect(st.snapshot(12_000)).toMatchObject({ stale: false, mode: '3d', lastFixAgeMs: 2000 });
    expect(st.snapshot(12_000).fix?.time).toBe('1994-03-23T12:35:19.000Z');
    const later = st.snapshot(13_001);
    expect(later).toMatchObject({ stale: true, mode: 'none', fix: null });
    expect(later.last).toMatchObject({ mode: '3d', time: '1994-03-23T12:35:19.000Z' });
  });

  it('stale even while sentences keep coming, when the receiver says it has no fix (a tunnel)', () => {
    const st = new GnssState({ staleAfterMs: 3000 });
    run(st, [RMC, GSA, nmea('GPRMC,123520,A,4807.040,N,01131.002,E,0,0,230394,,')], 0);
    for (let t = 1; t <= 5; t++) run(st, [nmea(`GPRMC,12352${t},V,,,,,,,230394,,,N`)], t * 1000);
    const snap = st.snapshot(5000);
    expect(snap).toMatchObject({ stale: true, mode: 'none', fix: null });
    expect(snap.last?.mode).toBe('3d');
    // a fix again: current at once
    run(st, [nmea('GPRMC,123526,A,4807.040,N,01131.002,E,0,0,230394,,'), GSA, nmea('GPRMC,123527,A,4807.040,N,01131.002,E,0,0,230394,,')], 6000);
    expect(st.snapshot(6000)).toMatchObject({ stale: false, mode: '3d' });
  });

  it('untimed no-fix cycles still make epochs (a repeated sentence starts the next)', () => {
    const st = new GnssState({ staleAfterMs: 3000 });
    const cycle = ['$GPGGA,,,,,,0,,,,M,,M,,*66', '$GPGSA,A,1,,,,,,,,,,,,,,,*1E', '$GPRMC,,V,,,,,,,,,,N*53'];
    expect(run(st, [...cycle, ...cycle, ...cycle])).toHaveLength(2);
    expect(st.peek()).toMatchObject({ mode: 'none', time: null });
  });
});

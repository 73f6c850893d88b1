// Formats NMEA 0183 sentences the way a multi-GNSS receiver writes them: the
// checksum (XOR of every byte between '$' and '*', two upper-case hex digits),
// CRLF line ends, ddmm.mmmm / dddmm.mmmm coordinates with a hemisphere letter,
// UTC as hhmmss.ss and ddmmyy, speeds in knots and km/h. NMEA 4.10 adds the GNSS
// system id to GSA, the signal id to GSV and the navigational status to RMC; with
// `nmea: '2.3'` those fields are left out, as older receivers (SiRF III) do.

/** Talker ids: GPS, GLONASS, Galileo, BeiDou, and GN for a fix combined from several systems. */
export type Talker = 'GP' | 'GL' | 'GA' | 'GB' | 'GN';
export type Constellation = Exclude<Talker, 'GN'>;
export type NmeaVersion = '2.3' | '4.10';

/** NMEA 4.10 GNSS system ids (GSA field 18, GSV is per talker). */
export const SYSTEM_ID: Record<Constellation, number> = { GP: 1, GL: 2, GA: 3, GB: 4 };
/** NMEA 4.10 signal ids for the civil L1-band signal of each system (GSV last field): GPS L1 C/A, GLONASS L1 OF, Galileo E1 B/C, BeiDou B1I. */
export const SIGNAL_ID: Record<Constellation, number> = { GP: 1, GL: 1, GA: 7, GB: 1 };

/** NMEA 0183 sentences are at most 82 characters including '$' and CRLF. */
export const MAX_SENTENCE = 82;

const KNOTS_PER_MPS = 3600 / 1852;

export function nmeaChecksum(body: string): number {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return x;
}

export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** `$` + body + `*hh` + CRLF; `body` is everything between '$' and '*' (talker, type and fields). */
export function sentence(body: string): string {
  return `$${body}*${hex2(nmeaChecksum(body))}\r\n`;
}

/** ddmm.mmmm (latitude) or dddmm.mmmm (longitude) and the hemisphere; minutes never round up to 60. */
export function formatCoord(deg: number, axis: 'lat' | 'lon', decimals = 4): [string, string] {
  const hemi = axis === 'lat' ? (deg < 0 ? 'S' : 'N') : deg < 0 ? 'W' : 'E';
  const scale = 10 ** decimals;
  const units = Math.round(Math.abs(deg) * 60 * scale); // whole 1/scale minutes
  const d = Math.floor(units / (60 * scale));
  const m = (units - d * 60 * scale) / scale;
  const dd = String(d).padStart(axis === 'lat' ? 2 : 3, '0');
  return [`${dd}${m.toFixed(decimals).padStart(decimals + 3, '0')}`, hemi];
}

/** UTC time hhmmss.ss (to the hundredth) and date ddmmyy, as RMC/GGA carry them. */
export function formatUtc(ms: number): { time: string; date: string } {
  const t = new Date(Math.round(ms / 10) * 10);
  const p = (n: number) => String(n).padStart(2, '0');
  const cs = Math.floor(t.getUTCMilliseconds() / 10);
  return {
    time: `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}.${p(cs)}`,
    date: `${p(t.getUTCDate())}${p(t.getUTCMonth() + 1)}${p(t.getUTCFullYear() % 100)}`,
  };
}

export function mpsToKnots(mps: number): number {
  return mps * KNOTS_PER_MPS;
}

/** What one epoch knows about the fix; lat/lon/speed/track are ignored without a fix. */
export interface FixData {
  utcMs: number;
  fix: boolean;
  lat: number;
  lon: number;
  altM: number;
  geoidSepM: number;
  speedMps: number;
  /** Course over ground, degrees true; null when standing still (receivers leave it empty). */
  trackDeg: number | null;
  satsUsed: number;
  hdop: number;
  pdop: number;
  vdop: number;
}

export interface WriterOptions {
  nmea: NmeaVersion;
  /** Decimals of the minutes in coordinates (4 gives ddmm.mmmm). */
  decimals: number;
}

const DEFAULT_WRITER: WriterOptions = { nmea: '4.10', decimals: 4 };

/** NMEA 0183 RMC, recommended minimum: time, status A/V, position, SOG knots, COG, date, magnetic variation (empty), mode; NMEA 4.10 adds the navigational status (V: not provided). */
export function rmc(talker: Talker, f: FixData, o: WriterOptions = DEFAULT_WRITER): string {
  const { time, date } = formatUtc(f.utcMs);
  const nav = o.nmea === '4.10' ? ',V' : '';
  if (!f.fix) return sentence(`${talker}RMC,${time},V,,,,,,,${date},,,N${nav}`);
  const [lat, ns] = formatCoord(f.lat, 'lat', o.decimals);
  const [lon, ew] = formatCoord(f.lon, 'lon', o.decimals);
  const sog = mpsToKnots(f.speedMps).toFixed(3);
  const cog = f.trackDeg === null ? '' : f.trackDeg.toFixed(2);
  return sentence(`${talker}RMC,${time},A,${lat},${ns},${lon},${ew},${sog},${cog},${date},,,A${nav}`);
}

/** NMEA 0183 GGA, fix data: time, position, quality (0 none, 1 GPS fix), satellites used (00-12), HDOP, altitude MSL, geoid separation, DGPS age and station (empty). */
export function gga(talker: Talker, f: FixData, o: WriterOptions = DEFAULT_WRITER): string {
  const { time } = formatUtc(f.utcMs);
  if (!f.fix) return sentence(`${talker}GGA,${time},,,,,0,00,99.99,,,,,,`);
  const [lat, ns] = formatCoord(f.lat, 'lat', o.decimals);
  const [lon, ew] = formatCoord(f.lon, 'lon', o.decimals);
  const used = String(Math.min(12, f.satsUsed)).padStart(2, '0');
  return sentence(`${talker}GGA,${time},${lat},${ns},${lon},${ew},1,${used},${f.hdop.toFixed(2)},${f.altM.toFixed(1)},M,${f.geoidSepM.toFixed(1)},M,,`);
}

/** NMEA 0183 VTG, course and speed: COG true, COG magnetic (empty), SOG in knots and km/h, mode (NMEA 2.3+). */
export function vtg(talker: Talker, f: FixData): string {
  if (!f.fix) return sentence(`${talker}VTG,,T,,M,,N,,K,N`);
  const cog = f.trackDeg === null ? '' : f.trackDeg.toFixed(2);
  return sentence(`${talker}VTG,${cog},T,,M,${mpsToKnots(f.speedMps).toFixed(3)},N,${(f.speedMps * 3.6).toFixed(3)},K,A`);
}

/**
 * NMEA 0183 GSA, DOP and active satellites: selection mode A, fix type (1 none, 2 2D, 3 3D), twelve PRN fields,
 * PDOP, HDOP, VDOP; NMEA 4.10 appends the GNSS system id (one GSA per system under the GN talker).
 */
export function gsa(talker: Talker, system: Constellation, fixType: 1 | 2 | 3, prns: number[], f: FixData, o: WriterOptions = DEFAULT_WRITER): string {
  const ids = Array.from({ length: 12 }, (_, i) => (fixType > 1 && prns[i] !== undefined ? String(prns[i]).padStart(2, '0') : ''));
  const dops = fixType > 1 ? [f.pdop, f.hdop, f.vdop].map((d) => d.toFixed(2)) : ['99.99', '99.99', '99.99'];
  const sys = o.nmea === '4.10' ? `,${SYSTEM_ID[system]}` : '';
  return sentence(`${talker}GSA,A,${fixType},${ids.join(',')},${dops.join(',')}${sys}`);
}

export interface SatView {
  prn: number;
  elevDeg: number;
  azDeg: number;
  /** C/N0 in dB-Hz, null when the satellite is predicted but not tracked. */
  snr: number | null;
}

/**
 * NMEA 0183 GSV, satellites in view: number of messages, message number, satellites in view, then up to four
 * (PRN, elevation, azimuth, SNR) blocks; NMEA 4.10 appends the signal id. One group per constellation talker.
 */
export function gsv(talker: Constellation, sats: SatView[], o: WriterOptions = DEFAULT_WRITER): string[] {
  const sig = o.nmea === '4.10' ? `,${SIGNAL_ID[talker]}` : '';
  const total = Math.max(1, Math.ceil(sats.length / 4));
  const out: string[] = [];
  for (let i = 0; i < total; i++) {
    const blocks = sats.slice(i * 4, i * 4 + 4).map((s) => {
      const snr = s.snr === null ? '' : String(Math.round(s.snr)).padStart(2, '0');
      return `,${String(s.prn).padStart(2, '0')},${String(Math.round(s.elevDeg)).padStart(2, '0')},${String(Math.round(s.azDeg) % 360).padStart(3, '0')},${snr}`;
    });
    out.push(sentence(`${talker}GSV,${total},${i + 1},${String(sats.length).padStart(2, '0')}${blocks.join('')}${sig}`));
  }
  return out;
}

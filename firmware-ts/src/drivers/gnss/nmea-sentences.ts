// NMEA 0183 sentence decoding: RMC, GGA, GSA, GSV, VTG (and GLL, ZDA, which carry
// position and date) from every GNSS talker, into typed objects.
//
// Input is a framer sentence ("$GPRMC,...*hh", checksum already verified). Fields
// may be empty or garbage: a field that does not parse gives null, never NaN and
// never an exception. NMEA 4.10 adds fields (RMC nav status, GSA system id, GSV
// signal id); older receivers omit them, so each is read only when present.
//
// The parser reuses one result object per sentence type (nmea-decoders.ts) and reads
// fields by index straight from the string (nmea-fields.ts: no split, no substrings):
// a result is valid until the next parse() on the same parser, and parsing allocates
// nothing. parseNmeaSentence() gives an independent result.

import { Gga, Gll, Gsa, Gsv, Rmc, Vtg, Zda } from './nmea-decoders.js';
import { NmeaFields } from './nmea-fields.js';

export type { Constellation, GgaSentence, GllSentence, GsaSentence, GsvSatellite, GsvSentence, NmeaSentence, RmcSentence, Talker, VtgSentence, ZdaSentence } from './nmea-types.js';
export { CONSTELLATIONS } from './nmea-types.js';
import type { Constellation, NmeaSentence, Talker } from './nmea-types.js';

export interface NmeaParserCounters {
  parsed: number;
  proprietary: number; // $P... (u-blox PUBX, Garmin PGRM, Quectel PQ...), ignored
  talker: number; // a talker we do not use (GI NavIC, II instruments, SD depth, AI AIS...), ignored
  unsupported: number; // a GNSS talker, a sentence we do not use (GST, TXT...)
  malformed: number; // no usable address field
}


/** Which constellation a satellite id belongs to: NMEA 4.10 system id, else talker, else id range. */
export function constellationOf(talker: Talker, prn: number, systemId: number | null): Constellation {
  switch (systemId) {
    case 1:
      return prn >= 33 && prn <= 64 ? 'sbas' : prn >= 193 && prn <= 199 ? 'qzss' : 'gps';
    case 2:
      return 'glonass';
    case 3:
      return 'galileo';
    case 4:
      return 'beidou';
    case 5:
      return 'qzss';
  }
  switch (talker) {
    case 'GL':
      return 'glonass';
    case 'GA':
      return 'galileo';
    case 'GB':
    case 'BD':
      return 'beidou';
    case 'GQ':
    case 'QZ':
      return 'qzss';
  }
  // GP and GN: the NMEA 2.x-4.0 id ranges (gpsd's nmeaid_to_prn).
  if (prn >= 1 && prn <= 32) return 'gps';
  if ((prn >= 33 && prn <= 64) || (prn >= 120 && prn <= 158)) return 'sbas';
  if (prn >= 65 && prn <= 96) return 'glonass';
  if (prn >= 193 && prn <= 199) return 'qzss';
  if ((prn >= 201 && prn <= 237) || (prn >= 401 && prn <= 437)) return 'beidou';
  if (prn >= 301 && prn <= 336) return 'galileo';
  return 'other';
}

function talkerOf(a: number, b: number): Talker | null {
  if (a === 0x47 /* G */) {
    switch (b) {
      case 0x50: return 'GP';
      case 0x4c: return 'GL';
      case 0x41: return 'GA';
      case 0x42: return 'GB';
      case 0x51: return 'GQ';
      case 0x4e: return 'GN';
    }
  } else if (a === 0x42 && b === 0x44) return 'BD';
  else if (a === 0x49 && b === 0x4e) return 'IN';
  else if (a === 0x51 && b === 0x5a) return 'QZ';
  return null;
}

const isUpperAlnum = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);

export class NmeaParser {
  readonly counters: NmeaParserCounters = { parsed: 0, proprietary: 0, talker: 0, unsupported: 0, malformed: 0 };
  private readonly f = new NmeaFields();
  private readonly rmc = new Rmc();
  private readonly gga = new Gga();
  private readonly gsa = new Gsa();
  private readonly gsv = new Gsv();
  private readonly vtg = new Vtg();
  private readonly gll = new Gll();
  private readonly zda = new Zda();

  /** Decodes one sentence; null for one we ignore (counted). The result is reused by the next call. */
  parse(sentence: string): NmeaSentence | null {
    const s = sentence;
    let end = s.length;
    while (end > 0 && (s.charCodeAt(end - 1) === 0x0d || s.charCodeAt(end - 1) === 0x0a)) end--;
    if (end >= 3 && s.charCodeAt(end - 3) === 0x2a) end -= 3; // "*hh", verified by the framer
    // Address field: "$" + talker (2) + sentence id (3), or "$P" + maker + id.
    if (end < 6 || (s.charCodeAt(0) !== 0x24 && s.charCodeAt(0) !== 0x21)) return this.ignore('malformed');
    if (s.charCodeAt(1) === 0x50 /* P */) return this.ignore('proprietary');
    if (end > 6 && s.charCodeAt(6) !== 0x2c) return this.ignore('malformed');
    for (let i = 1; i < 6; i++) if (!isUpperAlnum(s.charCodeAt(i))) return this.ignore('malformed');
    const talker = talkerOf(s.charCodeAt(1), s.charCodeAt(2));
    if (talker === null) return this.ignore('talker');
    const f = this.f;
    let r: Rmc | Gga | Gsa | Gsv | Vtg | Gll | Zda;
    switch ((s.charCodeAt(3) << 16) | (s.charCodeAt(4) << 8) | s.charCodeAt(5)) {
      case 0x524d43: r = this.rmc; break; // RMC
      case 0x474741: r = this.gga; break; // GGA
      case 0x475341: r = this.gsa; break; // GSA
      case 0x475356: r = this.gsv; break; // GSV
      case 0x565447: r = this.vtg; break; // VTG
      case 0x474c4c: r = this.gll; break; // GLL
      case 0x5a4441: r = this.zda; break; // ZDA
      default: return this.ignore('unsupported');
    }
    f.split(s, end);
    r.read(f);
    r.talker = talker;
    this.counters.parsed++;
    return r;
  }

  private ignore(reason: Exclude<keyof NmeaParserCounters, 'parsed'>): null {
    this.counters[reason]++;
    return null;
  }
}

/** One-off decoding into an object of its own (tests, the CLI); the hot path keeps one NmeaParser. */
export function parseNmeaSentence(sentence: string): NmeaSentence | null {
  return new NmeaParser().parse(sentence);
}

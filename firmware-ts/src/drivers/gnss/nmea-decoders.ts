// One decoder per NMEA 0183 sentence we use, each filling a reusable result object
// from the field reader. Field layouts are cited per sentence; NMEA 4.10 additions
// are read only when present.
//
// Measurements (lat, speed, DOP...) are kept as NaN-for-absent doubles behind getters
// that answer null: a property that holds either null or a double boxes every double
// written to it (one heap allocation per field per sentence), one that only ever
// holds doubles is updated in place. Counts, ids and times of day are small integers,
// which never box, and stay plain properties.
import type { NmeaFields } from './nmea-fields.js';
import type {
  GgaSentence, GllSentence, GsaSentence, GsvSatellite, GsvSentence, RmcSentence, Talker, VtgSentence, ZdaSentence,
} from './nmea-types.js';

const orNull = (v: number): number | null => (v === v ? v : null); // v !== v only for NaN

const N = 0x4e;
const S = 0x53;
const E = 0x45;
const W = 0x57;

// NMEA 0183 RMC: time, status, lat, N/S, lon, E/W, speed kn, track, ddmmyy, magvar, E/W, FAA mode (2.3), nav status (4.10)
export class Rmc implements RmcSentence {
  readonly type = 'RMC';
  talker: Talker = 'GP';
  timeMs: number | null = null;
  status: string | null = null;
  day: number | null = null;
  month: number | null = null;
  year2: number | null = null;
  faaMode: string | null = null;
  navStatus: string | null = null;
  #lat = NaN;
  #lon = NaN;
  #speedKn = NaN;
  #trackTrue = NaN;
  #magVar = NaN;
  get lat(): number | null { return orNull(this.#lat); }
  get lon(): number | null { return orNull(this.#lon); }
  get speedKn(): number | null { return orNull(this.#speedKn); }
  get trackTrue(): number | null { return orNull(this.#trackTrue); }
  get magVar(): number | null { return orNull(this.#magVar); }

  read(f: NmeaFields): this {
    this.timeMs = f.time(1);
    this.status = f.char(2);
    this.#lat = f.latLon(3, N, S, 90);
    this.#lon = f.latLon(5, E, W, 180);
    this.#speedKn = f.nonNegative(7);
    this.#trackTrue = f.angle(8);
    const date = f.digits(9, 6) ?? 0;
    const day = Math.floor(date / 10000);
    const month = Math.floor(date / 100) % 100;
    const ok = day >= 1 && day <= 31 && month >= 1 && month <= 12;
    this.day = ok ? day : null;
    this.month = ok ? month : null;
    this.year2 = ok ? date % 100 : null;
    const v = f.nonNegative(10);
    const hemi = f.char(11);
    this.#magVar = v > 180 || (hemi !== 'E' && hemi !== 'W') ? NaN : hemi === 'W' ? -v : v;
    this.faaMode = f.char(12);
    this.navStatus = f.char(13);
    return this;
  }
}

// NMEA 0183 GGA: time, lat, N/S, lon, E/W, quality, satellites, HDOP, altitude, M, geoid separation, M, age, station
export class Gga implements GgaSentence {
  readonly type = 'GGA';
  talker: Talker = 'GP';
  timeMs: number | null = null;
  quality: number | null = null;
  satellites: number | null = null;
  #lat = NaN;
  #lon = NaN;
  #hdop = NaN;
  #altMSL = NaN;
  #geoidSep = NaN;
  get lat(): number | null { return orNull(this.#lat); }
  get lon(): number | null { return orNull(this.#lon); }
  get hdop(): number | null { return orNull(this.#hdop); }
  get altMSL(): number | null { return orNull(this.#altMSL); }
  get geoidSep(): number | null { return orNull(this.#geoidSep); }

  read(f: NmeaFields): this {
    this.timeMs = f.time(1);
    this.#lat = f.latLon(2, N, S, 90);
    this.#lon = f.latLon(4, E, W, 180);
    this.quality = f.int(6, 9);
    this.satellites = f.int(7, 99);
    this.#hdop = f.nonNegative(8);
    this.#altMSL = f.num(9);
    this.#geoidSep = f.num(11);
    return this;
  }
}

// NMEA 0183 GSA: selection, fix type, up to 12 ids (some receivers more), PDOP, HDOP, VDOP, system id (4.10)
export class Gsa implements GsaSentence {
  readonly type = 'GSA';
  talker: Talker = 'GP';
  selection: string | null = null;
  fixType: number | null = null;
  readonly prns: number[] = [];
  systemId: number | null = null;
  #pdop = NaN;
  #hdop = NaN;
  #vdop = NaN;
  get pdop(): number | null { return orNull(this.#pdop); }
  get hdop(): number | null { return orNull(this.#hdop); }
  get vdop(): number | null { return orNull(this.#vdop); }

  read(f: NmeaFields): this {
    const n = f.n;
    this.selection = f.char(1);
    const fix = f.int(2, 3);
    this.fixType = fix !== null && fix >= 1 ? fix : null;
    // 18 fields: NMEA 4.10's trailing system id; otherwise the last three are the DOPs. Fewer than
    // 17 (the i.Trek's "$GPGSA,A,1,,,,"): the layout is unknown, so no DOPs.
    const hasSystem = n === 19;
    const dops = n < 18 ? n : n - (hasSystem ? 4 : 3);
    this.systemId = hasSystem ? f.int(18, 15) : null;
    let used = 0;
    for (let i = 3; i < dops; i++) {
      const prn = f.int(i, 999);
      if (prn !== null && prn > 0) this.prns[used++] = prn;
    }
    this.prns.length = used; // written in place and cut: "length = 0" would drop the backing store
    // Index n is past the last field, which reads as empty (NaN): no "cond ? value : NaN" here, since
    // joining a double with a constant makes V8 box the double.
    const at = n >= 18 ? dops : n;
    this.#pdop = f.nonNegative(at);
    this.#hdop = f.nonNegative(at === n ? n : at + 1);
    this.#vdop = f.nonNegative(at === n ? n : at + 2);
    return this;
  }
}

// NMEA 0183 GSV: sentences, index, in view, then (id, elevation, azimuth, SNR) x up to 4, signal id (4.10)
export class Gsv implements GsvSentence {
  readonly type = 'GSV';
  talker: Talker = 'GP';
  total: number | null = null;
  index: number | null = null;
  inView: number | null = null;
  readonly satellites: GsvSatellite[] = [];
  signalId: number | null = null;
  private readonly pool: GsvSatellite[] = [0, 1, 2, 3].map(() => ({ prn: 0, elevation: null, azimuth: null, snr: null }));

  read(f: NmeaFields): this {
    this.total = f.int(1, 99);
    this.index = f.int(2, 99);
    this.inView = f.int(3, 999);
    const hasSignal = (f.n - 4) % 4 === 1; // one field past whole satellite quadruples
    this.signalId = hasSignal ? f.hexDigit(f.n - 1) : null;
    const last = hasSignal ? f.n - 1 : f.n;
    let count = 0;
    for (let k = 0; k < 4 && 4 + k * 4 < last; k++) {
      const at = 4 + k * 4;
      const prn = f.int(at, 999);
      if (prn === null || prn === 0) continue;
      const sat = this.pool[k]!;
      sat.prn = prn;
      const el = f.num(at + 1);
      sat.elevation = el >= -90 && el <= 90 ? el : null;
      sat.azimuth = orNull(f.angle(at + 2));
      const snr = f.num(at + 3);
      sat.snr = snr >= 0 && snr <= 99 ? snr : null;
      this.satellites[count++] = sat;
    }
    this.satellites.length = count;
    return this;
  }
}

// NMEA 0183 VTG: track, T, track, M, speed, N, speed, K, FAA mode (2.3). NMEA 2.x without the unit letters
// ("$GPVTG,t,m,kn,kmh") is not worth guessing at: such fields come out null.
export class Vtg implements VtgSentence {
  readonly type = 'VTG';
  talker: Talker = 'GP';
  faaMode: string | null = null;
  #trackTrue = NaN;
  #trackMag = NaN;
  #speedKn = NaN;
  #speedKmh = NaN;
  get trackTrue(): number | null { return orNull(this.#trackTrue); }
  get trackMag(): number | null { return orNull(this.#trackMag); }
  get speedKn(): number | null { return orNull(this.#speedKn); }
  get speedKmh(): number | null { return orNull(this.#speedKmh); }

  read(f: NmeaFields): this {
    const units = f.char(2) === 'T' || f.char(6) === 'K';
    const none = f.n; // past the last field: reads as empty (see Gsa)
    this.#trackTrue = f.angle(units ? 1 : none);
    this.#trackMag = f.angle(units ? 3 : none);
    this.#speedKn = f.nonNegative(units ? 5 : none);
    this.#speedKmh = f.nonNegative(units ? 7 : none);
    this.faaMode = f.char(9);
    return this;
  }
}

// NMEA 0183 GLL: lat, N/S, lon, E/W, time, status, FAA mode (2.3)
export class Gll implements GllSentence {
  readonly type = 'GLL';
  talker: Talker = 'GP';
  timeMs: number | null = null;
  status: string | null = null;
  faaMode: string | null = null;
  #lat = NaN;
  #lon = NaN;
  get lat(): number | null { return orNull(this.#lat); }
  get lon(): number | null { return orNull(this.#lon); }

  read(f: NmeaFields): this {
    this.#lat = f.latLon(1, N, S, 90);
    this.#lon = f.latLon(3, E, W, 180);
    this.timeMs = f.time(5);
    this.status = f.char(6);
    this.faaMode = f.char(7);
    return this;
  }
}

// NMEA 0183 ZDA: time, day, month, four-digit year, zone hours, zone minutes
export class Zda implements ZdaSentence {
  readonly type = 'ZDA';
  talker: Talker = 'GP';
  timeMs: number | null = null;
  day: number | null = null;
  month: number | null = null;
  year: number | null = null;

  read(f: NmeaFields): this {
    this.timeMs = f.time(1);
    const day = f.int(2, 31);
    const month = f.int(3, 12);
    const year = f.digits(4, 4);
    const ok = day !== null && day >= 1 && month !== null && month >= 1 && year !== null;
    this.day = ok ? day : null;
    this.month = ok ? month : null;
    this.year = ok ? year : null;
    return this;
  }
}

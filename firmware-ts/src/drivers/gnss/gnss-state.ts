// The GNSS state: folds decoded sentences into epochs (one receiver cycle, all the
// sentences that share one UTC time) and keeps the latest fix, the satellites per
// constellation and a stale flag.
//
// An epoch ends when a sentence brings a different time (or on flush()), and apply()
// then returns its fix: a replay yields one fix per epoch, like gpsd's TPV reports.
// Within an epoch the last sentence that states a value wins, as in gpsd.
//
// Stale: snapshot(now) reports no fix at all once no valid fix has come for
// staleAfterMs; the last good fix is then only offered as `last`, never as current.

import { CONSTELLATIONS, constellationOf } from './nmea-sentences.js';
import type { Constellation, GsaSentence, GsvSentence, NmeaSentence, Talker } from './nmea-sentences.js';

export type FixMode = 'none' | '2d' | '3d';

export interface GnssFix {
  time: string | null; // ISO 8601 UTC with milliseconds; null until a date is known (RMC or ZDA)
  timeMs: number | null;
  mode: FixMode;
  lat: number | null; // decimal degrees, south negative; null unless mode is 2d or 3d
  lon: number | null; // decimal degrees, west negative
  altMSL: number | null; // metres above mean sea level (GGA); null unless 3d
  speed: number | null; // m/s over ground
  track: number | null; // degrees true
  hdop: number | null;
  pdop: number | null;
  vdop: number | null;
  satellitesUsed: number | null;
}

export interface SatelliteCount {
  used: number;
  inView: number;
}

export interface GnssSnapshot {
  stale: boolean;
  mode: FixMode; // 'none' when stale
  fix: GnssFix | null; // the latest epoch; null when stale or before the first epoch
  last: GnssFix | null; // the latest epoch that had a 2D/3D fix, for "last known position"
  lastFixAgeMs: number | null; // since that valid fix arrived
  satellites: Record<Constellation, SatelliteCount>;
}

export interface GnssStateOptions {
  /** A fix older than this is stale (the receiver went quiet or lost the sky). */
  staleAfterMs: number;
}

/** NMEA speeds are in knots: 1 kn = 1852 m / 3600 s exactly. */
export const KNOT_MS = 1852 / 3600;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const SLOT = 256; // satellite id slots per constellation in the seen-maps
const TALKERS: readonly Talker[] = ['GP', 'GL', 'GA', 'GB', 'BD', 'GQ', 'QZ', 'GN', 'IN'];

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** RMC's two-digit year: 80-99 are 1980-1999, the rest 2000-2079 (GPS began in 1980; gpsd wraps at 2080 too). */
function fullYear(yy: number): number {
  return yy >= 80 ? 1900 + yy : 2000 + yy;
}

/**
 * What one epoch has gathered; reset when the next begins. Measurements are NaN while absent, not
 * null: a field that only ever holds doubles is updated in place, while a null-or-double field boxes
 * every value it is given (one allocation per sentence). null comes back in build().
 */
class Epoch {
  tod: number | null = null; // UTC ms of the day
  dayMs: number | null = null; // UTC midnight of that day
  lat = NaN;
  lon = NaN;
  valid: boolean | null = null; // the last position sentence's verdict (RMC/GLL status, GGA quality)
  ggaQuality: number | null = null;
  ggaSats: number | null = null;
  gsaFix = 0; // best GSA fix type, 0 = no GSA
  alt = NaN;
  speed = NaN;
  track = NaN;
  hdop = NaN;
  pdop = NaN;
  vdop = NaN;
  usedCount = 0;
  // Satellites seen this epoch, per (constellation, id) slot: a slot counts when it holds this epoch's
  // number, so a new epoch clears them all by counting up. Per-constellation tallies go alongside.
  id = 1;
  readonly used = new Uint32Array(CONSTELLATIONS.length * SLOT);
  readonly seen = new Uint32Array(CONSTELLATIONS.length * SLOT);
  readonly usedBy = new Uint16Array(CONSTELLATIONS.length);
  readonly seenBy = new Uint16Array(CONSTELLATIONS.length);
  sawGsv = false;
  sawGsa = false;
  sentences = 0;
  positionKinds = 0; // bit per (talker, RMC/GGA/GLL) seen: a repeat means the next cycle began

  reset(): void {
    this.tod = this.dayMs = this.valid = this.ggaQuality = this.ggaSats = null;
    this.lat = this.lon = this.alt = this.speed = this.track = this.hdop = this.pdop = this.vdop = NaN;
    this.gsaFix = 0;
    this.usedCount = 0;
    this.id++;
    if (this.sawGsa) this.usedBy.fill(0);
    if (this.sawGsv) this.seenBy.fill(0);
    this.sawGsa = this.sawGsv = false;
    this.sentences = 0;
    this.positionKinds = 0;
  }
}

export class GnssState {
  private readonly ep = new Epoch();
  private dayMs: number | null = null; // UTC midnight of the receiver's current date
  private lastTod: number | null = null;
  private latest: GnssFix | null = null;
  private lastValid: GnssFix | null = null;
  private lastValidAt: number | null = null; // caller clock (nowMs) when a valid fix last arrived
  private dimension: '2d' | '3d' = '2d'; // the last 2D/3D a GSA or GGA stated
  private readonly sats = {} as Record<Constellation, SatelliteCount>;

  constructor(private readonly opts: GnssStateOptions) {
    for (const c of CONSTELLATIONS) this.sats[c] = { used: 0, inView: 0 };
  }

  /** Folds one sentence in; returns the fix of the epoch it closed, if any. */
  apply(s: NmeaSentence, nowMs: number): GnssFix | null {
    let closed: GnssFix | null = null;
    const ep = this.ep;
    const tod = s.type === 'GSA' || s.type === 'GSV' || s.type === 'VTG' ? null : s.timeMs;
    const kind = s.type === 'RMC' ? 1 : s.type === 'GGA' ? 2 : s.type === 'GLL' ? 4 : 0;
    const kindBit = kind << (3 * TALKERS.indexOf(s.talker));
    // A new time starts a new epoch; so does the same position sentence again (a receiver that sends
    // no time while it searches, or repeats a time), else those cycles would pile into one epoch.
    if (ep.sentences > 0 && ((tod !== null && tod !== ep.tod && ep.tod !== null) || (ep.positionKinds & kindBit) !== 0)) {
      closed = this.close();
    }
    ep.positionKinds |= kindBit;
    if (tod !== null) {
      this.advanceClock(tod);
      ep.tod = tod;
    }
    ep.sentences++;
    switch (s.type) {
      case 'RMC':
        // NMEA 0183 RMC: status A (or D) vouches for position and date; with V the date may be junk
        // (MTK and SiRF send a bogus one while they search), so only a valid RMC sets the date.
        if (s.status === 'A' || s.status === 'D') {
          if (s.day !== null && s.month !== null && s.year2 !== null && tod !== null) {
            this.dayMs = Date.UTC(fullYear(s.year2), s.month - 1, s.day);
          }
          this.position(s.lat, s.lon, s.faaMode !== 'N');
        } else {
          ep.valid = false;
        }
        if (s.speedKn !== null) ep.speed = s.speedKn * KNOT_MS;
        if (s.trackTrue !== null) ep.track = s.trackTrue;
        break;
      case 'GGA':
        ep.ggaQuality = s.quality;
        ep.ggaSats = s.satellites;
        if (s.hdop !== null && s.hdop < 99) ep.hdop = s.hdop; // 99.99 means "unknown" on many receivers
        ep.alt = s.altMSL ?? NaN;
        this.position(s.lat, s.lon, s.quality !== null && s.quality > 0);
        break;
      case 'GLL':
        if (s.status === 'A') this.position(s.lat, s.lon, s.faaMode !== 'N');
        else ep.valid = false;
        break;
      case 'VTG':
        // NMEA 2.3 FAA mode N: "data not valid".
        if (s.faaMode !== 'N') {
          if (s.speedKn !== null) ep.speed = s.speedKn * KNOT_MS;
          else if (s.speedKmh !== null) ep.speed = s.speedKmh / 3.6;
          if (s.trackTrue !== null) ep.track = s.trackTrue;
        }
        break;
      case 'GSA':
        this.gsa(s);
        break;
      case 'GSV':
        this.gsv(s);
        break;
      case 'ZDA':
        if (s.day !== null && s.month !== null && s.year !== null && tod !== null) {
          this.dayMs = Date.UTC(s.year, s.month - 1, s.day);
        }
        break;
    }
    if (tod !== null) ep.dayMs = this.dayMs;
    if (ep.valid === true && !Number.isNaN(ep.lat)) this.lastValidAt = nowMs;
    return closed;
  }

  /** Closes the open epoch (end of a replay, or the line went quiet after a burst). */
  flush(): GnssFix | null {
    return this.ep.sentences > 0 ? this.close() : null;
  }

  snapshot(nowMs: number): GnssSnapshot {
    const age = this.lastValidAt === null ? null : nowMs - this.lastValidAt;
    const stale = age === null || age > this.opts.staleAfterMs;
    const satellites = {} as Record<Constellation, SatelliteCount>;
    for (const c of CONSTELLATIONS) satellites[c] = { ...this.sats[c] };
    return {
      stale,
      mode: stale || this.latest === null ? 'none' : this.latest.mode,
      fix: stale ? null : this.latest,
      last: this.lastValid,
      lastFixAgeMs: age,
      satellites,
    };
  }

  /** NMEA times carry no date: past midnight the hour goes back, and so the day moves on. */
  private advanceClock(tod: number): void {
    if (this.dayMs !== null && this.lastTod !== null && Math.floor(tod / HOUR_MS) < Math.floor(this.lastTod / HOUR_MS)) {
      this.dayMs += DAY_MS;
    }
    this.lastTod = tod;
  }

  /** A position sentence's verdict: the last one of the epoch wins, as in gpsd. */
  private position(lat: number | null, lon: number | null, valid: boolean): void {
    const ep = this.ep;
    if (valid && lat !== null && lon !== null) {
      ep.lat = lat;
      ep.lon = lon;
      ep.valid = true;
    } else {
      ep.valid = false;
    }
  }

  private gsa(s: GsaSentence): void {
    const ep = this.ep;
    if (s.fixType !== null && s.fixType > ep.gsaFix) ep.gsaFix = s.fixType;
    if (s.pdop !== null && s.pdop < 99) ep.pdop = s.pdop;
    if (s.hdop !== null && s.hdop < 99) ep.hdop = s.hdop;
    if (s.vdop !== null && s.vdop < 99) ep.vdop = s.vdop;
    ep.sawGsa = true;
    for (const prn of s.prns) {
      const k = CONSTELLATIONS.indexOf(constellationOf(s.talker, prn, s.systemId));
      const slot = k * SLOT + (prn % SLOT);
      if (ep.used[slot] !== ep.id) {
        ep.used[slot] = ep.id;
        ep.usedBy[k]!++;
        ep.usedCount++;
      }
    }
  }

  private gsv(s: GsvSentence): void {
    const ep = this.ep;
    ep.sawGsv = true;
    for (const sat of s.satellites) {
      const k = CONSTELLATIONS.indexOf(constellationOf(s.talker, sat.prn, null));
      const slot = k * SLOT + (sat.prn % SLOT);
      if (ep.seen[slot] !== ep.id) {
        ep.seen[slot] = ep.id;
        ep.seenBy[k]!++;
      }
    }
  }

  /** The 2D/3D this epoch states: GSA says it outright; GGA implies it (an altitude from 4+ satellites is 3D). */
  private stated(): '2d' | '3d' | null {
    const ep = this.ep;
    if (ep.gsaFix >= 2) return ep.gsaFix === 3 ? '3d' : '2d';
    if (ep.gsaFix === 0 && ep.ggaQuality !== null && ep.ggaQuality > 0 && (ep.ggaSats === null || ep.ggaSats >= 3)) {
      return !Number.isNaN(ep.alt) && (ep.ggaSats === null || ep.ggaSats >= 4) ? '3d' : '2d';
    }
    return null;
  }

  private mode(): FixMode {
    const ep = this.ep;
    if (ep.valid !== true || Number.isNaN(ep.lat)) return 'none';
    if (ep.gsaFix === 1) return 'none'; // NMEA 0183 GSA: "1 = fix not available"
    // GGA with fewer than 3 satellites is no fix, whatever its quality flag says.
    if (ep.gsaFix === 0 && ep.ggaQuality !== null && ep.ggaSats !== null && ep.ggaSats < 3) return 'none';
    // RMC or GLL alone say "valid" but not 2D or 3D: the receiver's last stated dimension holds.
    return this.stated() ?? this.dimension;
  }

  /** The open epoch as a fix, as far as it has come (the state is not changed). */
  peek(): GnssFix | null {
    return this.ep.sentences > 0 ? this.build() : null;
  }

  private build(): GnssFix {
    const ep = this.ep;
    const mode = this.mode();
    const fixed = mode !== 'none';
    const timeMs = ep.dayMs !== null && ep.tod !== null ? ep.dayMs + ep.tod : null;
    return {
      time: timeMs === null ? null : new Date(Math.round(timeMs)).toISOString(),
      timeMs,
      mode,
      lat: fixed ? ep.lat : null,
      lon: fixed ? ep.lon : null,
      altMSL: mode === '3d' ? orNull(ep.alt) : null,
      speed: fixed ? orNull(ep.speed) : null,
      track: fixed ? orNull(ep.track) : null,
      hdop: orNull(ep.hdop),
      pdop: orNull(ep.pdop),
      vdop: orNull(ep.vdop),
      satellitesUsed: ep.sawGsa ? ep.usedCount : ep.ggaSats,
    };
  }

  private close(): GnssFix {
    const fix = this.build();
    this.dimension = this.stated() ?? this.dimension;
    this.latest = fix;
    if (fix.mode !== 'none') this.lastValid = fix;
    this.countSatellites();
    this.ep.reset();
    return fix;
  }

  /** Per constellation, from the last epoch that had GSA (used) or GSV (in view) sentences. */
  private countSatellites(): void {
    const ep = this.ep;
    for (let k = 0; k < CONSTELLATIONS.length; k++) {
      const c = this.sats[CONSTELLATIONS[k]!];
      if (ep.sawGsa) c.used = ep.usedBy[k]!;
      if (ep.sawGsv) c.inView = ep.seenBy[k]!;
    }
  }
}

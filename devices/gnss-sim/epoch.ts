// One receiver epoch: the burst of sentences a multi-GNSS receiver (u-blox M8/M9
// style) writes for one navigation solution, in its order: RMC, VTG, GGA, one GSA
// per system, then a GSV group per constellation. At 10 Hz the GSA/GSV part goes
// out only on the whole second, as receivers do to fit the line's bandwidth.
import { gga, gsa, gsv, rmc, vtg, type FixData, type Talker } from './nmea-writer.js';
import type { OutputOptions } from './options.js';
import { skyAt } from './sky.js';

/** The state of the world at one epoch, as the simulator knows it. */
export interface EpochTruth {
  utcMs: number;
  lat: number;
  lon: number;
  altM: number;
  speedMps: number;
  trackDeg: number;
  /** The receiver has a position (not in a tunnel, not forced lost). */
  fix: boolean;
  /** False underground: no satellite is received at all. */
  tracking: boolean;
}

/** Geoid separation (EGM96) around İnegöl, metres: GGA reports it next to the altitude. */
export const GEOID_SEPARATION_M = 36.9;

export function epochSentences(truth: EpochTruth, o: OutputOptions, withSatellites: boolean): string[] {
  const systems = o.constellations;
  const talker: Talker = systems.length === 1 ? systems[0]! : 'GN';
  const sky = skyAt(truth.utcMs, systems, truth.tracking);
  const fix = truth.fix && sky.satsUsed >= 4;
  const f: FixData = {
    utcMs: truth.utcMs,
    fix,
    lat: truth.lat,
    lon: truth.lon,
    altM: truth.altM,
    geoidSepM: GEOID_SEPARATION_M,
    speedMps: truth.speedMps,
    trackDeg: truth.speedMps > 0 ? truth.trackDeg : null,
    satsUsed: sky.satsUsed,
    hdop: sky.hdop,
    pdop: sky.pdop,
    vdop: sky.vdop,
  };
  const w = { nmea: o.nmea, decimals: o.decimals };
  const out = [rmc(talker, f, w), vtg(talker, f), gga(talker, f, w)];
  if (!withSatellites) return out;
  for (const sys of systems) out.push(gsa(talker, sys, fix ? 3 : 1, sky.used[sys], f, w));
  for (const sys of systems) out.push(...gsv(sys, sky.inView[sys], w));
  return out;
}

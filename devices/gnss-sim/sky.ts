// The simulated sky: a fixed set of satellites per constellation drifting slowly
// across it, with C/N0 that follows elevation. Numbering is NMEA 4.10's per-talker
// numbering: GPS 1-32, GLONASS 65-96, Galileo 1-36 and BeiDou 1-63 (NMEA 4.11).
// Underground nothing is tracked: the satellites stay "in view" (predicted from the
// almanac, as receivers list them) but with empty SNR, and none is used.
import type { Constellation, SatView } from './nmea-writer.js';

interface Orbit {
  prn: number;
  elev0: number;
  az0: number;
  phase: number;
}

const SKY: Record<Constellation, Orbit[]> = {
  GP: [
    [2, 62, 40],
    [5, 14, 305],
    [7, 35, 112],
    [9, 71, 250],
    [13, 22, 61],
    [16, 48, 190],
    [20, 8, 145],
    [26, 28, 277],
    [29, 55, 330],
    [31, 17, 215],
  ].map(orbit),
  GL: [
    [66, 41, 80],
    [67, 66, 160],
    [68, 19, 236],
    [76, 33, 12],
    [77, 58, 300],
    [82, 12, 120],
    [83, 27, 350],
  ].map(orbit),
  GA: [
    [3, 44, 149],
    [5, 52, 71],
    [8, 9, 190],
    [13, 24, 292],
    [15, 63, 322],
    [21, 30, 18],
    [27, 36, 268],
    [30, 15, 215],
  ].map(orbit),
  GB: [
    [6, 38, 95],
    [9, 47, 220],
    [16, 29, 260],
    [23, 64, 40],
    [25, 11, 176],
    [32, 45, 196],
    [37, 21, 325],
    [42, 53, 130],
  ].map(orbit),
};

function orbit([prn, elev0, az0]: number[]): Orbit {
  return { prn: prn!, elev0: elev0!, az0: az0!, phase: (prn! * 0.37) % (2 * Math.PI) };
}

/** A small deterministic wobble in [-1, 1] for a satellite at a whole second (so every port sees the same sky). */
function wobble(prn: number, sec: number): number {
  let h = (prn * 374761393 + sec * 668265263) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0;
  return ((h ^ (h >>> 16)) / 0xffffffff) * 2 - 1;
}

export interface SkyView {
  inView: Record<Constellation, SatView[]>;
  used: Record<Constellation, number[]>;
  satsUsed: number;
  hdop: number;
  pdop: number;
  vdop: number;
}

/** The sky at UTC `utcMs` over the given constellations; `tracking` false means underground (nothing received). */
export function skyAt(utcMs: number, systems: readonly Constellation[], tracking: boolean): SkyView {
  const t = utcMs / 1000;
  const sec = Math.floor(t);
  const inView = { GP: [], GL: [], GA: [], GB: [] } as Record<Constellation, SatView[]>;
  const used = { GP: [], GL: [], GA: [], GB: [] } as Record<Constellation, number[]>;
  let satsUsed = 0;
  for (const sys of systems) {
    for (const o of SKY[sys]) {
      const elevDeg = Math.max(1, Math.min(89, o.elev0 + 6 * Math.sin(t / 2400 + o.phase)));
      const azDeg = (o.az0 + t * 0.004) % 360;
      const snr = tracking ? Math.max(12, Math.min(50, 24 + elevDeg * 0.3 + 2 * wobble(o.prn, sec))) : null;
      inView[sys].push({ prn: o.prn, elevDeg, azDeg, snr });
      if (snr !== null && elevDeg >= 10 && snr >= 25 && used[sys].length < 12) used[sys].push(o.prn);
    }
    satsUsed += used[sys].length;
  }
  const hdop = satsUsed >= 4 ? 0.5 + 6 / satsUsed : 99.99;
  const pdop = satsUsed >= 4 ? hdop * 1.7 : 99.99;
  const vdop = satsUsed >= 4 ? Math.sqrt(pdop * pdop - hdop * hdop) : 99.99;
  return { inView, used, satsUsed, hdop, pdop, vdop };
}

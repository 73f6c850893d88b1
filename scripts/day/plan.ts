// The shape of a day in the van: how many of each thing, and when each fault strikes,
// as fractions of the day's wall time so that DAY_SCALE shrinks the whole day (the CI
// variant) without changing its story. Everything random is seeded, so two runs of
// the same scale play the same day.
import { seededRandom } from '../../devices/shared/random.js';
import { INEGOL_WAYPOINTS, Route, type Waypoint } from '../../devices/gnss-sim/route.js';

export interface DayCounts {
  tickets: number;
  requests: number;
  payments: number;
}

export interface Window {
  /** Start and end, seconds after the day began (wall time). */
  fromS: number;
  toS: number;
}

export interface DayPlan {
  scale: number;
  /** Wall seconds from the first ticket to the last one taken. */
  daySeconds: number;
  counts: DayCounts;
  /** GNSS simulator speedup: the route's lap (about 33 min) fits in the day. */
  speedup: number;
  route: Route;
  /** The stops planned with vim/cmd/visits/set-plan (the route's fifth stop is left out: the unplanned one). */
  plannedStops: PlanStop[];
  unplannedStop: string;
  coverageGaps: Window[];
  /** The GNSS is unplugged when the van passes this point of the route (on its longest drive), for `wallS`. */
  gnssUnplug: { atRouteS: number; wallS: number };
  /** Where the van waits until the day starts (the plan set): shortly before the municipality. */
  gnssStartS: number;
  paperOut: Window;
  /** When the modem loses registration (it needs a CFUN cycle to come back). */
  modemFaultAtS: number;
  /** The payment in flight at this time is the one the gateway is SIGKILLed under. */
  killAtS: number;
  seed: number;
}

export interface PlanStop {
  id: string;
  neighbourhood: string;
  name: string;
  lat: number;
  lon: number;
  radiusM: number;
}

/** Planted personal data: none of it may appear in clear in any output of the day. */
export interface Planted {
  tcknList: string[];
  phones: string[];
  /** The full card number a misconfigured terminal sends (terminal sim `clearPan`). */
  pan: string;
}

/** The İnegöl loop with one more stop on the rural road: a roadside fountain the plan does not know. */
export function dayRoute(): Route {
  const wps: Waypoint[] = INEGOL_WAYPOINTS.map((w) => ({ ...w }));
  wps[8] = { ...wps[8]!, dwellS: 150, name: 'Yol kenarı çeşme (unplanned)' };
  return new Route(wps, { loop: true });
}

export const PLANNED_STOPS: PlanStop[] = [
  { id: 'belediye', neighbourhood: 'Cuma Mahallesi', name: 'İnegöl Belediyesi', lat: 40.078, lon: 29.513, radiusM: 80 },
  { id: 'pazar', neighbourhood: 'Cuma Mahallesi', name: 'Mahalle pazarı', lat: 40.0745, lon: 29.5231, radiusM: 60 },
  { id: 'koy-meydani', neighbourhood: 'Köy', name: 'Köy meydanı', lat: 40.0378, lon: 29.5556, radiusM: 100 },
  { id: 'muhtarlik', neighbourhood: 'İkinci köy', name: 'Muhtarlık önü', lat: 40.0545, lon: 29.569, radiusM: 100 },
];

export function makePlan(scale: number, seed = 20261128): DayPlan {
  if (!(scale > 0 && scale <= 4)) throw new Error(`DAY_SCALE must be in (0, 4], got ${scale}`);
  const daySeconds = Math.round(270 * scale);
  const route = dayRoute();
  // The lap ends a little before the day does, so the van is back at the municipality.
  const speedup = route.durationS / (daySeconds * 0.92);
  const at = (f: number) => Math.round(f * daySeconds * 10) / 10;
  const gap = Math.max(8, 0.08 * daySeconds);
  // The GNSS goes away on the longest drive between stops (the drive back into town):
  // a stop passed without fixes could not be detected as a visit.
  const stops = route.stops();
  let best = { fromS: stops.at(-1)!.toS, toS: route.durationS + stops[0]!.fromS };
  for (let i = 0; i + 1 < stops.length; i++) {
    const g = { fromS: stops[i]!.toS, toS: stops[i + 1]!.fromS };
    if (g.toS - g.fromS > best.toS - best.fromS) best = g;
  }
  const unplugWall = Math.min(60, Math.max(10, 0.15 * daySeconds), (best.toS - best.fromS) / speedup - 6);
  return {
    scale,
    daySeconds,
    counts: { tickets: Math.max(40, Math.round(300 * scale)), requests: Math.max(12, Math.round(60 * scale)), payments: Math.max(12, Math.round(40 * scale)) },
    speedup,
    route,
    plannedStops: PLANNED_STOPS,
    unplannedStop: 'Yol kenarı çeşme (unplanned)',
    coverageGaps: [0.14, 0.44, 0.74].map((f) => ({ fromS: at(f), toS: at(f) + gap })),
    gnssUnplug: { atRouteS: best.fromS + 2 * speedup, wallS: unplugWall },
    gnssStartS: route.durationS - 15 * speedup,
    paperOut: { fromS: at(0.3), toS: at(0.38) },
    modemFaultAtS: at(0.24),
    killAtS: at(0.58),
    seed,
  };
}

/** A TC Kimlik No with valid check digits (first digit not 0). */
export function tckn(rng: () => number): string {
  const d = [1 + Math.floor(rng() * 9)];
  for (let i = 1; i < 9; i++) d.push(Math.floor(rng() * 10));
  const odd = d[0]! + d[2]! + d[4]! + d[6]! + d[8]!;
  const even = d[1]! + d[3]! + d[5]! + d[7]!;
  d.push((((odd * 7 - even) % 10) + 10) % 10);
  d.push(d.reduce((a, b) => a + b, 0) % 10);
  return d.join('');
}

/** A valid card number (Luhn) for the planted PAN. */
export function luhnPan(prefix: string, length: number, rng: () => number): string {
  let s = prefix;
  while (s.length < length - 1) s += String(Math.floor(rng() * 10));
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    let n = Number(s[s.length - 1 - i]);
    if (i % 2 === 0) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
    sum += n;
  }
  return s + String((10 - (sum % 10)) % 10);
}

export function makePlanted(plan: DayPlan): Planted {
  const rng = seededRandom(plan.seed);
  const tcknList = Array.from({ length: Math.ceil(plan.counts.requests / 3) + 4 }, () => tckn(rng));
  const phones = Array.from({ length: Math.ceil(plan.counts.requests / 2) }, () => `53${String(Math.floor(rng() * 1e8)).padStart(8, '0')}`);
  return { tcknList, phones, pan: luhnPan('541333', 16, rng) };
}

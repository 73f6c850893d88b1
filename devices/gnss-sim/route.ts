// The van's day in miniature: a route through İnegöl (Bursa) from the municipality
// building in Cuma Mahallesi, through town streets, under the ring road (the fix is
// lost in the underpass), out on a rural road to a village square and a second
// village, and back. Waypoints are hand-drawn around the real town (about 40.08 N,
// 29.51 E), not surveyed: good for plausible speeds, headings and stops, not for
// navigation. Positions are interpolated by time along straight legs; at this scale
// an equirectangular projection is within centimetres of a great circle.

export interface Waypoint {
  lat: number;
  lon: number;
  /** Ellipsoid-free height above mean sea level, metres. */
  altM: number;
  /** Speed on the leg from this waypoint to the next, km/h. */
  kmh: number;
  /** A stop: the van stands here this long before leaving, seconds. */
  dwellS?: number;
  /** Label of the stop or place. */
  name?: string;
  /** The leg from this waypoint to the next runs underground: no sky, no fix. */
  tunnel?: boolean;
}

export interface RoutePoint {
  /** Seconds along the route, folded into [0, durationS) when the route loops. */
  t: number;
  lat: number;
  lon: number;
  altM: number;
  speedMps: number;
  /** Heading of the current (or, while standing, the last) leg, degrees true. */
  trackDeg: number;
  moving: boolean;
  /** Name of the stop the van stands at, or null while driving. */
  stop: string | null;
  inTunnel: boolean;
  /** Whether a receiver would have a fix: not in the tunnel and not within `reacquireS` after it. */
  fix: boolean;
  /** Index of the waypoint the current leg or stop starts from. */
  waypoint: number;
}

interface Segment {
  t0: number;
  t1: number;
  from: number;
  to: number;
  moving: boolean;
  tunnel: boolean;
  trackDeg: number;
}

const EARTH_R = 6_371_008.8;
const RAD = Math.PI / 180;

/** Equirectangular distance in metres (mean latitude of the two points). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const x = (lon2 - lon1) * RAD * Math.cos(((lat1 + lat2) / 2) * RAD);
  const y = (lat2 - lat1) * RAD;
  return Math.hypot(x, y) * EARTH_R;
}

/** Heading from the first point to the second, degrees true in [0, 360). */
export function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const x = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * RAD);
  const y = lat2 - lat1;
  return ((Math.atan2(x, y) / RAD) % 360 + 360) % 360;
}

export interface RouteOptions {
  /** After the last waypoint, drive back to the first and start over (default true); otherwise park at the end. */
  loop?: boolean;
  /** Seconds after leaving a tunnel before the receiver has a fix again (default 2). */
  reacquireS?: number;
}

export class Route {
  readonly durationS: number;
  private readonly segments: Segment[] = [];
  private readonly loop: boolean;
  private readonly reacquireS: number;

  constructor(
    readonly waypoints: readonly Waypoint[],
    opts: RouteOptions = {},
  ) {
    if (waypoints.length < 2) throw new Error('route: needs at least two waypoints');
    this.loop = opts.loop ?? true;
    this.reacquireS = opts.reacquireS ?? 2;
    let t = 0;
    let lastTrack = 0;
    const n = waypoints.length;
    const legs = this.loop ? n : n - 1;
    for (let i = 0; i < legs; i++) {
      const a = waypoints[i]!;
      const j = (i + 1) % n;
      const b = waypoints[j]!;
      if (!(a.kmh > 0)) throw new Error(`route: waypoint ${i}: kmh must be > 0`);
      const track = bearingDeg(a.lat, a.lon, b.lat, b.lon);
      if (i === 0) {
        const prev = waypoints[n - 1]!;
        lastTrack = this.loop ? bearingDeg(prev.lat, prev.lon, a.lat, a.lon) : track;
      }
      if (a.dwellS) {
        this.segments.push({ t0: t, t1: t + a.dwellS, from: i, to: i, moving: false, tunnel: false, trackDeg: lastTrack });
        t += a.dwellS;
      }
      const dur = distanceM(a.lat, a.lon, b.lat, b.lon) / (a.kmh / 3.6);
      this.segments.push({ t0: t, t1: t + dur, from: i, to: j, moving: true, tunnel: a.tunnel === true, trackDeg: track });
      t += dur;
      lastTrack = track;
    }
    this.durationS = t;
  }

  /** The named stops with their time windows along the route. */
  stops(): { name: string; waypoint: number; fromS: number; toS: number }[] {
    return this.segments
      .filter((s) => !s.moving)
      .map((s) => ({ name: this.waypoints[s.from]!.name ?? `waypoint ${s.from}`, waypoint: s.from, fromS: s.t0, toS: s.t1 }));
  }

  /** The underground legs with their time windows along the route. */
  tunnels(): { waypoint: number; fromS: number; toS: number }[] {
    return this.segments.filter((s) => s.tunnel).map((s) => ({ waypoint: s.from, fromS: s.t0, toS: s.t1 }));
  }

  /** Where the van is `t` seconds after leaving the first waypoint. */
  sample(t: number): RoutePoint {
    const tt = this.fold(t);
    const seg = this.segments.find((s) => tt < s.t1) ?? this.segments[this.segments.length - 1]!;
    const a = this.waypoints[seg.from]!;
    const b = this.waypoints[seg.to]!;
    const f = seg.moving ? Math.min(1, Math.max(0, (tt - seg.t0) / (seg.t1 - seg.t0))) : 0;
    const parked = !this.loop && t >= this.durationS;
    const moving = seg.moving && !parked;
    const lat = parked ? b.lat : a.lat + (b.lat - a.lat) * f;
    const lon = parked ? b.lon : a.lon + (b.lon - a.lon) * f;
    const altM = parked ? b.altM : a.altM + (b.altM - a.altM) * f;
    const inTunnel = seg.tunnel && moving;
    return {
      t: tt,
      lat,
      lon,
      altM,
      speedMps: moving ? a.kmh / 3.6 : 0,
      trackDeg: seg.trackDeg,
      moving,
      stop: moving ? null : parked ? (b.name ?? `waypoint ${seg.to}`) : (a.name ?? `waypoint ${seg.from}`),
      inTunnel,
      fix: !inTunnel && !this.reacquiring(tt),
      waypoint: parked ? seg.to : seg.from,
    };
  }

  private fold(t: number): number {
    if (!this.loop) return Math.min(Math.max(0, t), this.durationS);
    const d = this.durationS;
    if (t >= 0 && t < d) return t;
    return ((t % d) + d) % d;
  }

  private reacquiring(tt: number): boolean {
    return this.segments.some((s) => s.tunnel && tt >= s.t1 && tt < s.t1 + this.reacquireS);
  }
}

/**
 * İnegöl, about 14 km and 29 minutes a lap: town streets at 30 km/h, the ring-road approach at 50, rural roads at
 * 70 and village lanes at 40; four stops (the municipality, a neighbourhood market, a village square, a second
 * village) and one underpass under the ring road.
 */
export const INEGOL_WAYPOINTS: readonly Waypoint[] = [
  { lat: 40.078, lon: 29.513, altM: 305, kmh: 30, dwellS: 60, name: 'İnegöl Belediyesi (Cuma Mahallesi)' },
  { lat: 40.0792, lon: 29.5158, altM: 304, kmh: 30 },
  { lat: 40.0771, lon: 29.5196, altM: 306, kmh: 30 },
  { lat: 40.0745, lon: 29.5231, altM: 308, kmh: 50, dwellS: 120, name: 'Mahalle pazarı (neighbourhood market)' },
  { lat: 40.0712, lon: 29.5262, altM: 310, kmh: 40 },
  { lat: 40.069, lon: 29.5281, altM: 309, kmh: 40, tunnel: true, name: 'Çevre yolu alt geçidi (ring-road underpass)' },
  { lat: 40.068, lon: 29.5291, altM: 308, kmh: 70 },
  { lat: 40.062, lon: 29.5345, altM: 315, kmh: 70 },
  { lat: 40.053, lon: 29.542, altM: 324, kmh: 70 },
  { lat: 40.044, lon: 29.548, altM: 333, kmh: 40 },
  { lat: 40.0395, lon: 29.553, altM: 338, kmh: 40 },
  { lat: 40.0378, lon: 29.5556, altM: 341, kmh: 40, dwellS: 300, name: 'Köy meydanı (village square, before Friday prayers)' },
  { lat: 40.041, lon: 29.561, altM: 345, kmh: 70 },
  { lat: 40.048, lon: 29.566, altM: 338, kmh: 40 },
  { lat: 40.0545, lon: 29.569, altM: 331, kmh: 70, dwellS: 180, name: 'Muhtarlık önü (second village, headman’s office)' },
  { lat: 40.062, lon: 29.562, altM: 322, kmh: 70 },
  { lat: 40.07, lon: 29.55, altM: 314, kmh: 50 },
  { lat: 40.075, lon: 29.538, altM: 309, kmh: 30 },
  { lat: 40.0785, lon: 29.525, altM: 306, kmh: 30 },
  { lat: 40.079, lon: 29.517, altM: 305, kmh: 30 },
];

export function inegolRoute(opts: RouteOptions = {}): Route {
  return new Route(INEGOL_WAYPOINTS, opts);
}

// Track points for the journal (issue 3 "Publishing"): by distance or by time while
// moving, nothing while parked. A parked van at a village square for an hour writes
// no points; a van driving writes one every 50 m, or every 30 s when slow.
import type { GnssFix } from './gnss-state.js';

export interface ThinningOptions {
  minDistanceM: number;
  maxIntervalS: number;
  /** Below this speed (and within minDistanceM of the last point) the van counts as parked. */
  movingSpeedMs: number;
}

/**
 * When a thinned point is journaled (Store.transactDeferred): with the next transaction
 * that writes anyway, or in one of its own after 30 s. Points journaled one transaction
 * each were ~8 WAL pages of 4 KiB apiece; riding a command's transaction they share its
 * pages, and a van driving without commands writes one transaction per 30 s for all its
 * points. The cost: a power cut or a kill may lose up to the last 30 s of trail
 * (docs/store-durability.md, "Deferred writes").
 */
export const TRACK_POINT_WRITE = { rideAfterMs: 0, maxDelayMs: 30_000 };

export const DEFAULT_THINNING: ThinningOptions = { minDistanceM: 50, maxIntervalS: 30, movingSpeedMs: 0.5 };

const EARTH_RADIUS_M = 6_371_008.8; // IUGG mean radius

/** Great-circle distance (haversine); metres-accurate at town scale. */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export class TrackThinner {
  private last: { lat: number; lon: number; timeMs: number } | null = null;

  constructor(private readonly opts: ThinningOptions = DEFAULT_THINNING) {}

  /** True if this fix should become a track point. Fixes without a position never do. */
  offer(fix: GnssFix): boolean {
    if (fix.mode === 'none' || fix.lat === null || fix.lon === null || fix.timeMs === null) return false;
    const last = this.last;
    if (last === null) {
      this.last = { lat: fix.lat, lon: fix.lon, timeMs: fix.timeMs };
      return true;
    }
    const d = distanceM(last.lat, last.lon, fix.lat, fix.lon);
    const dt = (fix.timeMs - last.timeMs) / 1000;
    const moving = (fix.speed ?? 0) >= this.opts.movingSpeedMs;
    const take = d >= this.opts.minDistanceM || (moving && dt >= this.opts.maxIntervalS) || dt < 0; // dt<0: clock went back, restart
    if (take) this.last = { lat: fix.lat, lon: fix.lon, timeMs: fix.timeMs };
    return take;
  }
}

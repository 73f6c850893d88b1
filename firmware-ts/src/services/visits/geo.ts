// Distances for visit detection. Haversine on a sphere of the IUGG mean radius: at the
// tens-to-thousands of metres of a stop's radius its error against the WGS84 ellipsoid
// (< 0.5 %) is far below GNSS noise, and it needs no projection (the brief asks for it).
const EARTH_R = 6_371_008.8;
const RAD = Math.PI / 180;

export interface LatLon {
  lat: number;
  lon: number;
}

/** Great-circle distance in metres. */
export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A running mean of positions: where the van stood during an unplanned stop. A plain mean of
 * degrees is exact enough within ~50 m (nowhere near the antimeridian or the poles in İnegöl).
 */
export class Centroid implements LatLon {
  private n = 0;
  private sumLat = 0;
  private sumLon = 0;

  constructor(first: LatLon) {
    this.add(first);
  }

  add(p: LatLon): void {
    this.n++;
    this.sumLat += p.lat;
    this.sumLon += p.lon;
  }

  get lat(): number {
    return this.sumLat / this.n;
  }

  get lon(): number {
    return this.sumLon / this.n;
  }

  get count(): number {
    return this.n;
  }
}

/** 1e-7 degrees is about 1 cm: more digits are float noise (gateway.ts rounds track points the same way). */
export function round7(deg: number): number {
  return Math.round(deg * 1e7) / 1e7;
}

// Options of the GNSS simulator and their validation, shared by the constructor,
// the per-open sim:// parameters (sim://gnss?rate=10&noise=checksum) and the CLI.
// Every error names the argument it is about.
import type { Constellation, NmeaVersion } from './nmea-writer.js';
import { DEFAULT_NOISE_PROBABILITY, parseNoise, parseProbability, type NoiseSpec } from './noise.js';

export const CONSTELLATIONS: readonly Constellation[] = ['GP', 'GL', 'GA', 'GB'];

/** How one attached port is fed: these can differ per open. */
export interface OutputOptions {
  /** Epochs per second: 1 or 10 (GSA and GSV go out once a second at 10 Hz, as receivers do). */
  rate: 1 | 10;
  /** Systems in the fix. With one, every sentence uses its talker; with several, RMC/GGA/VTG/GSA use GN. */
  constellations: Constellation[];
  /** '4.10' adds GSA system id, GSV signal id and RMC navigational status; '2.3' leaves them out. */
  nmea: NmeaVersion;
  /** Per-sentence probability of each corruption; empty means a clean line. */
  noise: NoiseSpec;
  /** Seed of the noise PRNG, so a noisy run repeats exactly. */
  seed: number;
  /** Decimals of the minutes in coordinates: 4 (ddmm.mmmm) to 6. */
  decimals: number;
}

/** What the whole simulated world shares: one van, one clock. */
export interface WorldOptions {
  /** Simulated seconds per real second (compresses the route for tests). */
  speedup: number;
  /** Seconds along the route where the van starts. */
  startS: number;
}

export const DEFAULT_OUTPUT: OutputOptions = { rate: 1, constellations: [...CONSTELLATIONS], nmea: '4.10', noise: {}, seed: 1, decimals: 4 };
export const DEFAULT_WORLD: WorldOptions = { speedup: 1, startS: 0 };

function number(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`${name}: must be a number (got "${raw}")`);
  return n;
}

export function parseRate(raw: string, name = 'rate'): 1 | 10 {
  if (raw === '1' || raw === '10') return Number(raw) as 1 | 10;
  throw new Error(`${name}: must be 1 or 10 (Hz) (got "${raw}")`);
}

export function parseSpeedup(raw: string, name = 'speedup'): number {
  const n = number(name, raw);
  if (n <= 0 || n > 10_000) throw new Error(`${name}: must be > 0 and at most 10000 (got "${raw}")`);
  return n;
}

export function parseSeconds(raw: string, name: string): number {
  const n = number(name, raw);
  if (n < 0) throw new Error(`${name}: must be >= 0 seconds (got "${raw}")`);
  return n;
}

export function parseConstellations(raw: string, name = 'constellations'): Constellation[] {
  const list = raw.split(',').map((s) => s.trim().toUpperCase());
  const out: Constellation[] = [];
  for (const c of list) {
    if (!(CONSTELLATIONS as readonly string[]).includes(c)) throw new Error(`${name}: "${c}" is not one of ${CONSTELLATIONS.join(', ')}`);
    if (!out.includes(c as Constellation)) out.push(c as Constellation);
  }
  return out;
}

export function parseNmeaVersion(raw: string, name = 'nmea'): NmeaVersion {
  if (raw === '2.3' || raw === '4.10') return raw;
  throw new Error(`${name}: must be 2.3 or 4.10 (got "${raw}")`);
}

export function parseSeed(raw: string, name = 'seed'): number {
  const n = number(name, raw);
  if (!Number.isInteger(n)) throw new Error(`${name}: must be an integer (got "${raw}")`);
  return n;
}

export function parseDecimals(raw: string, name = 'decimals'): number {
  const n = number(name, raw);
  if (!Number.isInteger(n) || n < 4 || n > 6) throw new Error(`${name}: must be 4, 5 or 6 (got "${raw}")`);
  return n;
}

export const PARAM_NAMES = ['rate', 'speedup', 'start', 'noise', 'noiseProb', 'constellations', 'nmea', 'seed', 'decimals'] as const;

/**
 * Reads sim:// parameters over the given defaults. `speedup` and `start` are world settings: the caller applies
 * them only when the simulator's clock has not started yet.
 */
export function parseParams(params: Record<string, string>, out: OutputOptions): { output: OutputOptions; world: Partial<WorldOptions> } {
  for (const key of Object.keys(params)) {
    if (!(PARAM_NAMES as readonly string[]).includes(key)) throw new Error(`${key}: unknown parameter (have: ${PARAM_NAMES.join(', ')})`);
  }
  const o: OutputOptions = { ...out, constellations: [...out.constellations], noise: { ...out.noise } };
  const w: Partial<WorldOptions> = {};
  if (params.rate !== undefined) o.rate = parseRate(params.rate);
  if (params.constellations !== undefined) o.constellations = parseConstellations(params.constellations);
  if (params.nmea !== undefined) o.nmea = parseNmeaVersion(params.nmea);
  if (params.seed !== undefined) o.seed = parseSeed(params.seed);
  if (params.decimals !== undefined) o.decimals = parseDecimals(params.decimals);
  const p = params.noiseProb !== undefined ? parseProbability(params.noiseProb, 'noiseProb') : DEFAULT_NOISE_PROBABILITY;
  if (params.noise !== undefined) o.noise = parseNoise(params.noise, p);
  else if (params.noiseProb !== undefined) throw new Error('noiseProb: given without noise=KINDS');
  if (params.speedup !== undefined) w.speedup = parseSpeedup(params.speedup);
  if (params.start !== undefined) w.startS = parseSeconds(params.start, 'start');
  return { output: o, world: w };
}

// The GNSS receiver simulator (issue 3, "Simulators"): a multi-GNSS receiver in
// the van driving the İnegöl route, speaking NMEA 0183 (4.10 by default) at 1 or
// 10 Hz on every port that opens it: in-process as sim://gnss, or on a pty through
// devices/shared/pty-host.ts. A test can lose the fix, move the van, unplug and
// replug the receiver, replay a recorded log, and ask where the van truly is.
import { EventEmitter } from 'node:events';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';
import type { EpochTruth } from './epoch.js';
import { parseNoise, type NoiseKind, type NoiseSpec } from './noise.js';
import { DEFAULT_OUTPUT, DEFAULT_WORLD, parseParams, type OutputOptions, type WorldOptions } from './options.js';
import { readLogLines, replayLines, ReplayToken, type ReplayOptions, type ReplayResult } from './replay.js';
import { inegolRoute, type Route } from './route.js';
import { PortSession, type EpochSource, type Totals } from './session.js';

export interface GnssSimulatorOptions extends Partial<Omit<OutputOptions, 'noise'>>, Partial<WorldOptions> {
  /** Corruptions per sentence: a spec, or the sim:// form `checksum,glued:0.1` (default probability 0.05). */
  noise?: NoiseSpec | string;
  /** The route to drive (default: the İnegöl loop from route.ts). */
  route?: Route;
  /** UTC of the clock's start, ms (default: the wall clock, so time stamps are real time at speedup 1). */
  utcStartMs?: number;
  /** The clock in ms (default Date.now); tests may drive it by hand and call tick(). */
  now?: () => number;
}

/** Where the van really is, and what a receiver there would report. */
export interface GnssTruth {
  /** UTC of this instant (ms), as the receiver's time stamps give it. */
  utcMs: number;
  /** Seconds along the route, folded into one lap. */
  routeS: number;
  lat: number;
  lon: number;
  altM: number;
  speedMps: number;
  speedKnots: number;
  trackDeg: number;
  moving: boolean;
  /** The stop the van stands at, or null. */
  stop: string | null;
  inTunnel: boolean;
  /** A receiver here has a fix: not in or just out of the tunnel, and not lost by setFix(true). */
  fix: boolean;
}

export interface GnssSimulatorEvents {
  attach: [SimPort];
  detach: [SimPort];
}

export interface GnssStats extends Totals {
  attached: number;
}

interface Clock {
  realMs0: number;
  utcMs0: number;
  speedup: number;
  /** routeS = offset + simS (or `held` while held), from simS on; the last entry whose simS <= t applies. */
  jumps: { simS: number; offset: number; held?: number }[];
}

export class GnssSimulator extends EventEmitter<GnssSimulatorEvents> implements Simulator, EpochSource {
  readonly route: Route;
  private readonly output: OutputOptions;
  private world: WorldOptions;
  private clock: Clock | null = null;
  private readonly sessions = new Set<PortSession>();
  private readonly totals: Totals = { epochs: 0, sentences: 0, noise: { checksum: 0, glued: 0, junk: 0, truncated: 0 } };
  private lost = false;
  private isUnplugged = false;
  private replay: ReplayToken | null = null;
  private last: GnssTruth | null = null;
  private readonly clockFn: () => number;

  constructor(private readonly opts: GnssSimulatorOptions = {}) {
    super();
    this.route = opts.route ?? inegolRoute();
    this.clockFn = opts.now ?? Date.now;
    const { route: _r, utcStartMs: _u, now: _n, speedup, startS, noise, ...out } = opts;
    this.output = { ...DEFAULT_OUTPUT, ...out, noise: typeof noise === 'string' ? parseNoise(noise) : (noise ?? {}) };
    this.world = { speedup: speedup ?? DEFAULT_WORLD.speedup, startS: startS ?? DEFAULT_WORLD.startS };
    if (!(this.world.speedup > 0)) throw new Error(`speedup: must be > 0 (got ${this.world.speedup})`);
  }

  // ---- Simulator ----

  /** Starts feeding `port`; throws while unplugged or on a bad sim:// parameter, so the open fails like a missing device. */
  attach(port: SimPort, params: Record<string, string> = {}): void {
    if (this.isUnplugged) throw Object.assign(new Error('gnss-sim: receiver unplugged'), { code: 'ENODEV' });
    let parsed: ReturnType<typeof parseParams>;
    try {
      parsed = parseParams(params, this.output);
    } catch (e) {
      throw new Error(`gnss-sim: ${(e as Error).message}`);
    }
    // speedup and start belong to the one shared clock: they count only before it starts.
    if (!this.clock) this.world = { ...this.world, ...parsed.world };
    this.ensureClock();
    const session = new PortSession(port, parsed.output, this, this.totals, (s) => this.ended(s));
    this.sessions.add(session);
    session.start();
    this.emit('attach', port);
  }

  // ---- EpochSource (used by the sessions) ----

  now(): number {
    return this.clockFn();
  }

  get gridStartMs(): number {
    return this.ensureClock().realMs0;
  }

  get speedup(): number {
    return this.ensureClock().speedup;
  }

  get paused(): boolean {
    return this.replay !== null;
  }

  truthAt(simS: number): EpochTruth {
    const t = this.truthAtSim(simS);
    return { utcMs: t.utcMs, lat: t.lat, lon: t.lon, altM: t.altM, speedMps: t.speedMps, trackDeg: t.trackDeg, fix: t.fix, tracking: !t.inTunnel };
  }

  emitted(truth: EpochTruth): void {
    this.last = this.truthAtUtc(truth.utcMs);
  }

  // ---- what a test can do ----

  /** setFix(true) loses the fix everywhere (as if the antenna were covered); setFix(false) gives it back. */
  setFix(lost: boolean): void {
    this.lost = lost;
  }

  get fixLost(): boolean {
    return this.lost;
  }

  /** Moves the van to `routeS` seconds along the route; time stamps keep running on. */
  jumpTo(routeS: number): void {
    if (!Number.isFinite(routeS)) throw new Error(`jumpTo: seconds must be a number (got ${routeS})`);
    const c = this.ensureClock();
    const simS = this.simNow();
    c.jumps = c.jumps.filter((j) => j.simS < simS);
    c.jumps.push({ simS, offset: routeS - simS });
  }

  /**
   * Holds the van where it is (it waits at a stop, say, while a payment is finished);
   * time stamps keep running on. release() drives on from the same place. Meant for a
   * van standing at a stop: held on a leg, the receiver would report the leg's speed.
   */
  hold(): void {
    if (this.held) return;
    const c = this.ensureClock();
    const simS = this.simNow();
    const routeS = this.routeSAt(simS);
    c.jumps = c.jumps.filter((j) => j.simS < simS);
    c.jumps.push({ simS, offset: 0, held: routeS });
  }

  release(): void {
    const c = this.clock;
    const last = c?.jumps.at(-1);
    if (last?.held === undefined) return;
    this.jumpTo(last.held);
  }

  get held(): boolean {
    return this.clock?.jumps.at(-1)?.held !== undefined;
  }

  /** Drops every attached port (as pulling the USB plug does) and refuses opens until replug(). */
  unplug(): void {
    this.isUnplugged = true;
    this.stop();
  }

  replug(): void {
    this.isUnplugged = false;
  }

  get unplugged(): boolean {
    return this.isUnplugged;
  }

  /** Stops everything (timers, replay) and drops the attached ports; later opens are still accepted. */
  stop(): void {
    this.stopReplay();
    for (const s of [...this.sessions]) {
      s.end();
      s.port.unplug();
    }
  }

  /** Emits the epoch due now on every attached port at once, without waiting for the timer (skipped if already sent). */
  tick(): void {
    for (const s of [...this.sessions]) s.tick();
  }

  get attached(): number {
    return this.sessions.size;
  }

  /**
   * Replays a recorded NMEA log to the attached ports instead of the route, paced by the log's time stamps (or
   * `rate` lines per second); the route resumes afterwards. Resolves when the log has been played or the replay
   * was cancelled (stopReplay, unplug, stop, or another replay).
   */
  async replayFile(path: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
    this.stopReplay();
    const token = new ReplayToken();
    this.replay = token;
    try {
      const lines = await readLogLines(path);
      const write = (line: Buffer) => {
        for (const s of this.sessions) s.writeRaw(line);
      };
      return await replayLines(lines, { speedup: this.world.speedup, ...opts }, write, token);
    } finally {
      if (this.replay === token) this.replay = null;
    }
  }

  stopReplay(): void {
    this.replay?.cancel();
    this.replay = null;
  }

  // ---- the truth ----

  /** Where the van is now. */
  truth(): GnssTruth {
    return this.truthAtSim(this.simNow());
  }

  /** Where the van was (or will be) at UTC `utcMs`: compare a driver's fix with the truth at the fix's time stamp. */
  truthAtUtc(utcMs: number): GnssTruth {
    return this.truthAtSim((utcMs - this.ensureClock().utcMs0) / 1000);
  }

  /** The truth of the latest epoch written to any port, or null before the first. */
  lastEpoch(): GnssTruth | null {
    return this.last;
  }

  stats(): GnssStats {
    return { epochs: this.totals.epochs, sentences: this.totals.sentences, noise: { ...this.totals.noise }, attached: this.sessions.size };
  }

  // ---- internals ----

  private ensureClock(): Clock {
    if (!this.clock) {
      const realMs0 = Math.floor(this.clockFn() / 1000) * 1000;
      this.clock = {
        realMs0,
        utcMs0: this.opts.utcStartMs ?? realMs0,
        speedup: this.world.speedup,
        jumps: [{ simS: -Infinity, offset: this.world.startS }],
      };
    }
    return this.clock;
  }

  private simNow(): number {
    const c = this.ensureClock();
    return ((this.clockFn() - c.realMs0) / 1000) * c.speedup;
  }

  /** The route position (not folded into one lap) at sim time `simS`. */
  private routeSAt(simS: number): number {
    const c = this.ensureClock();
    let j = c.jumps[0]!;
    for (const x of c.jumps) if (x.simS <= simS) j = x;
    return j.held ?? j.offset + simS;
  }

  private truthAtSim(simS: number): GnssTruth {
    const c = this.ensureClock();
    const p = this.route.sample(this.routeSAt(simS));
    return {
      utcMs: Math.round(c.utcMs0 + simS * 1000),
      routeS: p.t,
      lat: p.lat,
      lon: p.lon,
      altM: p.altM,
      speedMps: p.speedMps,
      speedKnots: (p.speedMps * 3600) / 1852,
      trackDeg: p.trackDeg,
      moving: p.moving,
      stop: p.stop,
      inTunnel: p.inTunnel,
      fix: p.fix && !this.lost,
    };
  }

  private ended(s: PortSession): void {
    if (!this.sessions.delete(s)) return;
    this.emit('detach', s.port);
  }
}

export type { NoiseKind, ReplayOptions, ReplayResult };

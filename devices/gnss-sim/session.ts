// One attached port: its own epoch timer, output options and noise. Epochs fall on
// the simulator's epoch grid (whole seconds, or tenths at 10 Hz, of the shared
// clock), so every port sees the same time stamps for the same epoch. The timer is
// unref'd and re-armed for the next boundary after each epoch; it stops for good
// when the port closes or the simulator lets the port go.
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { epochSentences, type EpochTruth } from './epoch.js';
import { seededRandom } from '../shared/random.js';
import { NoiseInjector, type NoiseKind } from './noise.js';
import type { OutputOptions } from './options.js';

/** What a session needs from the simulator. */
export interface EpochSource {
  /** Milliseconds on the simulator's clock. */
  now(): number;
  /** Real time (on that clock) of epoch 0 of the grid. */
  readonly gridStartMs: number;
  /** Simulated seconds per real second. */
  readonly speedup: number;
  /** True while a log replay owns the line. */
  readonly paused: boolean;
  /** The world `simS` simulated seconds after the grid start. */
  truthAt(simS: number): EpochTruth;
  /** Called after each epoch went out. */
  emitted(truth: EpochTruth, sentences: number): void;
}

export interface Totals {
  epochs: number;
  sentences: number;
  noise: Record<NoiseKind, number>;
}

export class PortSession {
  private timer: NodeJS.Timeout | null = null;
  private lastEpoch = -1;
  private stopped = false;
  private readonly noise: NoiseInjector;

  constructor(
    readonly port: SimPort,
    readonly out: OutputOptions,
    private readonly src: EpochSource,
    private readonly totals: Totals,
    private readonly onEnd: (s: PortSession) => void,
  ) {
    this.noise = new NoiseInjector(out.noise, seededRandom(out.seed));
    port.on('close', () => this.end());
  }

  get active(): boolean {
    return !this.stopped;
  }

  start(): void {
    this.arm();
  }

  /** Stops emitting to this port (the port itself stays as it is). */
  end(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.onEnd(this);
  }

  /** Writes the epoch due now, unless it already went out or a replay owns the line. */
  tick(): void {
    if (this.stopped) return;
    if (!this.port.open) {
      this.end();
      return;
    }
    if (this.src.paused) return;
    const periodMs = 1000 / this.out.rate;
    const k = Math.round((this.src.now() - this.src.gridStartMs) / periodMs);
    if (k <= this.lastEpoch) return;
    // GSA/GSV go with the first epoch of each second (and the port's first), even when a late timer skipped the
    // whole-second one.
    const withSatellites = this.out.rate === 1 || Math.floor(k / this.out.rate) !== Math.floor(this.lastEpoch / this.out.rate);
    this.lastEpoch = k;
    const simS = (k / this.out.rate) * this.src.speedup;
    const truth = this.src.truthAt(simS);
    const sentences = epochSentences(truth, this.out, withSatellites);
    this.port.write(this.noise.enabled ? this.noise.apply(sentences) : Buffer.from(sentences.join(''), 'latin1'));
    this.totals.epochs++;
    this.totals.sentences += sentences.length;
    for (const [kind, n] of Object.entries(this.noise.counts) as [NoiseKind, number][]) {
      this.totals.noise[kind] += n;
      this.noise.counts[kind] = 0;
    }
    this.src.emitted(truth, sentences.length);
  }

  /** Raw bytes from a replay. */
  writeRaw(data: Buffer): void {
    if (!this.stopped && this.port.open) this.port.write(data);
  }

  private arm(): void {
    if (this.stopped) return;
    const periodMs = 1000 / this.out.rate;
    const since = this.src.now() - this.src.gridStartMs;
    const next = Math.max(this.lastEpoch + 1, Math.floor(since / periodMs) + 1) * periodMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
      this.arm();
    }, Math.max(1, next - since));
    this.timer.unref();
  }
}

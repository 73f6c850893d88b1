// Event-loop delay, windowed exactly. monitorEventLoopDelay() forgets its previous
// tick on enable() and reset(), so a stall that starts right at a window's start is
// never recorded; this probe runs the same 1 ms timer from the start and only clears
// the histogram, so every gap between ticks counts. Values: the gap minus the 1 ms.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 1;

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export class LoopProbe {
  private hist: RecordableHistogram = createHistogram();
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      const lateNs = Math.round((now - this.last - RESOLUTION_MS) * 1e6);
      this.last = now;
      this.hist.record(Math.max(1, lateNs));
    }, RESOLUTION_MS);
    this.timer.unref();
  }

  /** Starts a new window (the running gap is kept, so a stall in progress still counts). */
  reset(): void {
    this.hist = createHistogram();
  }

  read(): LoopDelay {
    // A stall still in progress when the window closes counts too.
    const pending = performance.now() - this.last - RESOLUTION_MS;
    if (pending > 0) this.hist.record(Math.max(1, Math.round(pending * 1e6)));
    const ms = (ns: number) => ns / 1e6;
    return { p50Ms: ms(this.hist.percentile(50)), p99Ms: ms(this.hist.percentile(99)), maxMs: ms(this.hist.max), samples: this.hist.count };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// Retained `vim/state/gateway`: the gateway's own health and its parts', so any
// client (and `mosquitto_sub -t 'vim/state/#'`) sees at once whether the van is well.
// Published at start, on every change of state, and every `periodMs` as a heartbeat.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import type { Publisher } from './command-path.js';

export interface GatewaySnapshot {
  vehicle: string;
  name: string;
  version: string;
  state: Health['state'];
  startedAt: string;
  parts: Record<string, Health>;
}

export class StatePublisher implements Part {
  readonly name = 'state';
  private timer: NodeJS.Timeout | null = null;
  private lastKey: string | null = null;
  private lastAt = 0;
  private readonly tracker = new HealthTracker();

  constructor(
    private readonly publisher: Publisher,
    private readonly snapshot: () => GatewaySnapshot,
    private readonly log: Logger,
    private readonly periodMs = 10_000,
  ) {}

  start(): Promise<void> {
    // Checked every second, published on change or as a heartbeat every periodMs.
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.tracker.set('ok', `every ${this.periodMs} ms`);
    return this.publishNow();
  }

  private tick(): void {
    const key = changeKey(this.snapshot());
    if (key !== this.lastKey || Date.now() - this.lastAt >= this.periodMs) void this.publishNow();
  }

  publishNow(): Promise<void> {
    const s = this.snapshot();
    this.lastKey = changeKey(s);
    this.lastAt = Date.now();
    return this.publisher.publish('vim/state/gateway', JSON.stringify({ ...s, at: new Date().toISOString() }), { retain: true, qos: 1 }).catch((e: unknown) => {
      this.log.warn({ err: e }, 'state not published');
    });
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tracker.set('absent', 'stopped');
    return Promise.resolve();
  }

  health(): Health {
    return this.tracker.get();
  }
}

/** What counts as a change: a part's state or detail, not its counters. */
function changeKey(s: GatewaySnapshot): string {
  return JSON.stringify(Object.entries(s.parts).map(([k, h]) => [k, h.state, h.detail]));
}

// Retained `vim/state/device/<name>` (DESIGN.md "Contracts": every driver publishes
// its state): the device's health, published on every change of state or detail,
// checked once a second, so a tablet or crew sees "GNSS unplugged since 10:42".
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import type { Publisher } from './command-path.js';

export class DeviceStatePublisher implements Part {
  readonly name = 'device-state';
  private timer: NodeJS.Timeout | null = null;
  private readonly last = new Map<string, string>();
  private readonly tracker = new HealthTracker();

  constructor(
    private readonly publisher: Publisher,
    private readonly devices: readonly Part[],
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.tick();
    this.tracker.set('ok', `${this.devices.length} devices`);
    return Promise.resolve();
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

  private tick(): void {
    for (const d of this.devices) {
      const h = d.health();
      const key = `${h.state}\u0000${h.detail}`;
      if (this.last.get(d.name) === key) continue;
      this.last.set(d.name, key);
      this.log.info({ device: d.name, state: h.state, detail: h.detail }, 'device state');
      this.publisher
        .publish(`vim/state/device/${d.name}`, JSON.stringify({ name: d.name, ...h, at: new Date().toISOString() }), { retain: true, qos: 1 })
        .catch((e: unknown) => this.log.warn({ err: e, device: d.name }, 'device state not published'));
    }
  }
}

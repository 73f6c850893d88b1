// The composition root (DESIGN.md "Layout"): builds every part from the config,
// starts them in order and stops them in reverse. Nothing else constructs parts.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { logbookCommands } from './api/commands/logbook.js';
import { CommandPath } from './api/command-path.js';
import { StatePublisher, type GatewaySnapshot } from './api/state-publisher.js';
import { Broker } from './broker/broker.js';
import type { Config } from './config/schema.js';
import { worstOf, type Health, type Part } from './lifecycle.js';
import { partLogger } from './log/logger.js';
import { SystemClock, type Clock } from './platform/clock.js';
import { RuntimeSettings } from './store/settings.js';
import { Store } from './store/store.js';
import { VERSION } from './version.js';

export class Gateway {
  readonly clock: Clock;
  readonly store: Store;
  readonly settings: RuntimeSettings;
  readonly commands: CommandPath;
  readonly broker: Broker;
  readonly state: StatePublisher;
  private readonly order: Part[];
  private started: Part[] = [];
  private startedAt = new Date().toISOString();

  constructor(
    readonly config: Config,
    private readonly log: Logger,
    opts: { clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? new SystemClock();
    this.store = new Store(
      { dataDir: config.dataDir, file: config.store.file, vehicle: config.vehicle.id, maxBatch: config.store.maxBatch, idempotencyDays: config.store.idempotencyDays },
      this.clock,
      partLogger(log, 'store'),
    );
    this.settings = new RuntimeSettings(join(config.dataDir, config.settings.file), partLogger(log, 'settings'));
    this.commands = new CommandPath(this.store, partLogger(log, 'api'));
    this.broker = new Broker(config.broker, this.commands, partLogger(log, 'broker'));
    this.commands.attach(this.broker);
    this.commands.register(logbookCommands(this.broker));
    this.state = new StatePublisher(this.broker, () => this.snapshot(), partLogger(log, 'state'));
    this.order = [this.store, this.settings, this.broker, this.state];
  }

  async start(): Promise<void> {
    this.startedAt = new Date().toISOString();
    for (const part of this.order) {
      try {
        await part.start();
        this.started.push(part);
      } catch (e) {
        this.log.error({ err: e, part: part.name }, 'part failed to start; stopping the others');
        await this.stop();
        throw e;
      }
    }
  }

  async stop(): Promise<void> {
    // Reverse order: the broker stops taking commands before the store closes.
    for (const part of [...this.started].reverse()) {
      try {
        await part.stop();
      } catch (e) {
        this.log.error({ err: e, part: part.name }, 'part failed to stop cleanly');
      }
    }
    this.started = [];
  }

  parts(): Record<string, Health> {
    return Object.fromEntries(this.order.map((p) => [p.name, p.health()]));
  }

  health(): Health['state'] {
    return worstOf(Object.values(this.parts()).map((h) => h.state));
  }

  snapshot(): GatewaySnapshot {
    return { vehicle: this.config.vehicle.id, name: this.config.vehicle.name, version: VERSION, state: this.health(), startedAt: this.startedAt, parts: this.parts() };
  }
}

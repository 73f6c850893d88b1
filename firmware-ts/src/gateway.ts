// The composition root (DESIGN.md "Layout"): builds every part from the config,
// starts them in order and stops them in reverse. Nothing else constructs parts.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { allCommands } from './api/commands/index.js';
import { CommandPath } from './api/command-path.js';
import { QueueService } from './services/queue/queue-service.js';
import { QueueDevices } from './services/queue/queue-devices.js';
import { toQueueConfig } from './services/queue/options.js';
import { callBoardPort, journalQueuePort, queueSignalsPort, ticketPrinterPort } from './adapters/queue-ports.js';
import { VisitsService } from './services/visits/visits-service.js';
import { journalVisitsPort, storeVisitsRecorder } from './adapters/visits-ports.js';
import { randomUUID } from 'node:crypto';
import { DeviceStatePublisher } from './api/device-state.js';
import { StatePublisher, type GatewaySnapshot } from './api/state-publisher.js';
import { JournalPrintJobStore } from './adapters/print-job-store.js';
import { buildDevices, type Devices } from './device-parts.js';
import type { GnssFix } from './drivers/gnss/gnss-state.js';
import { TRACK_POINT_WRITE } from './drivers/gnss/track-thinning.js';
import { Broker } from './broker/broker.js';
import type { Config } from './config/schema.js';
import { worstOf, type Health, type Part } from './lifecycle.js';
import { partLogger } from './log/logger.js';
import { SystemClock, type Clock } from './platform/clock.js';
import { RuntimeSettings } from './store/settings.js';
import { Store } from './store/store.js';
import { buildRequests, requestParts, type RequestParts } from './request-parts.js';
import { buildPayments } from './payment-parts.js';
import type { PaymentsService } from './services/payments/payments-service.js';
import { VERSION } from './version.js';
import { buildSync } from './sync/build.js';
import { toOutboxPolicy } from './sync/options.js';
import type { SyncPart } from './sync/sync-part.js';
import { WebServer } from './web/web-server.js';
import { ControlServer } from './control/server.js';
import { controlRoutes } from './control/routes.js';

export class Gateway {
  readonly clock: Clock;
  readonly store: Store;
  readonly settings: RuntimeSettings;
  readonly commands: CommandPath;
  readonly broker: Broker;
  readonly state: StatePublisher;
  readonly devices: Devices;
  readonly queue: QueueService;
  readonly queueDevices: QueueDevices;
  /** Stop visits; its current() is the port other services stamp their records with. */
  readonly visits: VisitsService;
  /** Card payments (Mobil Tahsilat) on the terminal, with receipts on the receipt printer. */
  readonly payments: PaymentsService;
  /** Store-and-forward to HQ: push, pull, outbox budgets, retention, vim/state/sync. */
  readonly sync: SyncPart;
  /** The now-serving and ticket status pages; null when `web` is absent or disabled. */
  readonly web: WebServer | null;
  /** The control API for `vimgw` on a Unix socket; null when `control` is absent or disabled. */
  readonly control: ControlServer | null;
  /** Requests and complaints (their service, and the SMS sender when there is a modem). */
  readonly requests: RequestParts;
  private readonly order: Part[];
  private started: Part[] = [];
  private startedAt = new Date().toISOString();

  constructor(
    readonly config: Config,
    private readonly log: Logger,
    opts: { clock?: Clock; onShutdownRequest?: (why: string) => void } = {},
  ) {
    this.clock = opts.clock ?? new SystemClock();
    this.store = new Store(
      { dataDir: config.dataDir, file: config.store.file, vehicle: config.vehicle.id, maxBatch: config.store.maxBatch, idempotencyDays: config.store.idempotencyDays, outbox: toOutboxPolicy(config.sync) },
      this.clock,
      partLogger(log, 'store'),
    );
    this.settings = new RuntimeSettings(join(config.dataDir, config.settings.file), partLogger(log, 'settings'));
    this.commands = new CommandPath(this.store, partLogger(log, 'api'));
    this.broker = new Broker(config.broker, this.commands, partLogger(log, 'broker'));
    this.commands.attach(this.broker);
    this.queue = new QueueService(toQueueConfig(config.queue), { journal: journalQueuePort(this.store), log: partLogger(log, 'queue') });
    this.visits = new VisitsService(config.visits, { journal: journalVisitsPort(this.store), recorder: storeVisitsRecorder(this.store), mono: () => this.clock.monoMs(), log: partLogger(log, 'visits') });
    this.web = config.web?.enabled ? new WebServer(config.web, this.queue, { log: partLogger(log, 'web'), vehicleName: config.vehicle.name }) : null;
    this.devices = buildDevices(config.devices, log, {
      gnss: {
        publish: (state) => {
          this.publishRetained('vim/state/gnss', state);
          this.visits.observeGnss(state);
        },
        trackPoint: (fix) => this.recordTrackPoint(fix),
        clockAgrees: () => this.clock.markGnssSynced?.(),
      },
      modemState: (state) => this.publishRetained('vim/state/modem', state),
      printJobs: new JournalPrintJobStore(this.store),
      shutdown: () => (opts.onShutdownRequest ?? (() => log.warn('ignition off: shutdown requested, but nothing handles it')))('ignition off'),
    });
    this.queueDevices = this.buildQueueDevices(log);
    this.requests = buildRequests(config, this.store, this.devices, this.clock, log, this.visits);
    this.payments = buildPayments(config, this.store, this.devices, this.broker, log);
    this.commands.register(allCommands(this.broker, { queue: this.queue, queueDevices: this.queueDevices, visits: this.visits, payments: this.payments, requests: this.requests.service }));
    this.state = new StatePublisher(this.broker, () => this.snapshot(), partLogger(log, 'state'));
    const deviceState = new DeviceStatePublisher(this.broker, this.devices.parts, partLogger(log, 'devices'));
    this.sync = buildSync(config, this.store, this.clock, this.broker, this.devices, log);
    // Devices start after the broker (they publish) and stop before it.
    // The queue (and the visits) restore their day after the broker is up, so the restored state is published
    // (retained) at once; a command arriving in between sees the model a replay would give.
    // The pages start after the queue restored its day, so the first picture is the real one.
    // Payments start after the terminal and the printers (interrupted payments are settled with the terminal) and stop before them.
    // Requests load their HMAC key before the broker takes commands; the SMS sender starts after the modem.
    // The control socket starts last (its status shows every part) and stops first.
    this.control = config.control?.enabled ? new ControlServer(config.control, controlRoutes(this), partLogger(log, 'control')) : null;
    this.order = [this.store, this.settings, this.requests.service, this.broker, this.queue, this.visits, ...(this.web ? [this.web] : []), ...this.devices.parts, this.queueDevices, this.payments, ...requestParts(this.requests), deviceState, this.sync, this.state, ...(this.control ? [this.control] : [])];
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

  /** The part whose stop() is running, and since when: main.ts names it if the stop deadline passes. */
  stopping: { part: string; sinceMs: number } | null = null;

  async stop(): Promise<void> {
    // Reverse order: the broker stops taking commands before the store closes.
    for (const part of [...this.started].reverse()) {
      this.stopping = { part: part.name, sinceMs: performance.now() };
      try {
        await part.stop();
      } catch (e) {
        this.log.error({ err: e, part: part.name }, 'part failed to stop cleanly');
      }
      const ms = Math.round(performance.now() - this.stopping.sinceMs);
      // A slow stop is what eats the 10 s deadline; say which part it was.
      if (ms > 1000) this.log.warn({ part: part.name, ms }, 'part took long to stop');
    }
    this.stopping = null;
    this.started = [];
  }

  /** The queue's devices through its ports; a kiosk button takes a ticket like a kiosk tablet would. */
  private buildQueueDevices(log: Logger): QueueDevices {
    const q = this.config.queue;
    const d = this.devices;
    const printer = (q.ticketPrinter === undefined ? d.printers[0] : d.printers.find((p) => p.name === q.ticketPrinter)) ?? null;
    const qlog = partLogger(log, 'queue-devices');
    const kiosk = { clientId: 'gpio-kiosk', username: 'gpio-kiosk', role: 'kiosk' as const };
    return new QueueDevices({
      queue: this.queue,
      printer: printer && ticketPrinterPort(printer),
      board: d.display && callBoardPort(d.display),
      signals: d.gpio && queueSignalsPort(d.gpio, q.paperLed, qlog),
      take: async (letter) => {
        const payload = Buffer.from(JSON.stringify({ id: randomUUID(), service: letter }));
        const a = await this.commands.execute(kiosk, 'vim/cmd/queue/take', payload);
        if (!a.ok) throw new Error(`${a.error.code}: ${a.error.message}`);
      },
      vehicleName: this.config.vehicle.name,
      ...(q.statusUrl === undefined ? {} : { statusUrl: q.statusUrl }),
      kioskButtons: q.kioskButtons,
      log: qlog,
    });
  }

  private publishRetained(topic: string, value: unknown): void {
    this.broker.publish(topic, JSON.stringify(value), { retain: true, qos: 0 }).catch((e: unknown) => this.log.warn({ err: e, topic }, 'state not published'));
  }

  /** A GNSS track point: class `track`, first to go under disk pressure (DESIGN.md "Store"). */
  private recordTrackPoint(fix: GnssFix): void {
    const { time, mode, altMSL, speed, track, hdop, satellitesUsed } = fix;
    // 1e-7 degrees is about 1 cm: more digits are float noise, not precision.
    const lat = fix.lat === null ? null : Math.round(fix.lat * 1e7) / 1e7;
    const lon = fix.lon === null ? null : Math.round(fix.lon * 1e7) / 1e7;
    // Deferred to share a later transaction's pages (TRACK_POINT_WRITE says why and what it risks).
    this.store
      .transactDeferred((tx) => tx.journal.append({ type: 'gnss.track', class: 'track', payload: { time, mode, lat, lon, altMSL, speed, track, hdop, satellitesUsed } }), TRACK_POINT_WRITE)
      .catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'track point not stored'));
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

// The sync part (DESIGN.md "Sync to headquarters"): the push to the HQ broker, the
// HTTP pull API, the disk watch behind the outbox budgets, retention, the clock.synced
// record for time correction, and retained `vim/state/sync` with the `sync` LED.
// Its health never makes the gateway restart: HQ being away is the van's normal day
// (DESIGN.md non-negotiable 3); only STORE_FULL, a local fault, is "failed".
import type { Logger } from 'pino';
import { AttachmentFiles } from '../adapters/attachment-files.js';
import type { Publisher } from '../api/command-path.js';
import type { LedPattern } from '../drivers/gpio/signals.js';
import type { RegState } from '../drivers/modem/status.js';
import { HealthTracker, type Health, type HealthState, type Part } from '../lifecycle.js';
import type { Clock } from '../platform/clock.js';
import { RECORD_CLASSES } from '../store/records.js';
import type { Store } from '../store/store.js';
import { ClockWatch } from './clock-watch.js';
import { DiskMonitor, type FreeBytes } from './disk.js';
import { DeviceLink, type LinkPort } from './link.js';
import type { SyncOptions } from './options.js';
import { PullServer } from './pull/pull-server.js';
import { Pusher } from './push/pusher.js';
import { RetentionRunner } from './retention.js';
import { backlogState, changeKey, oldestAge, pushState, type SyncState } from './state.js';

export interface SyncDeps {
  store: Store;
  clock: Clock;
  vehicle: string;
  dataDir: string;
  /** The local broker, for retained vim/state/sync. */
  publisher: Publisher;
  log: Logger;
  modemRegistration?: () => RegState | null;
  /** Sets the sync LED; absent when GPIO has no such LED. */
  led?: ((pattern: LedPattern) => void) | null;
  /** Tests: the link verdict and the free disk. */
  link?: LinkPort;
  freeBytes?: FreeBytes;
  /** The request photos' directory (requests.attachmentsDir), sent to HQ beside the records. */
  attachmentsDir?: string;
}

export class SyncPart implements Part {
  readonly name = 'sync';
  readonly pusher: Pusher | null = null;
  readonly pull: PullServer | null = null;
  private readonly tracker = new HealthTracker();
  private readonly disk: DiskMonitor;
  private readonly retention: RetentionRunner;
  private readonly clockWatch: ClockWatch;
  private timer: NodeJS.Timeout | null = null;
  private lastKey = '';
  private lastAt = 0;
  private lastLed: LedPattern | null = null;
  private publishing = false;
  last: SyncState | null = null;

  constructor(
    private readonly o: SyncOptions,
    private readonly d: SyncDeps,
  ) {
    // Only read here (list/find): the requests service's own instance writes and cleans up.
    const photos = d.attachmentsDir ? new AttachmentFiles(d.attachmentsDir, d.log) : null;
    const push = o.push?.enabled ? o.push : null;
    if (push) {
      const host = new URL(push.url).hostname;
      const link = d.link ?? new DeviceLink(host, push.wifiInterfaces, { modemRegistration: d.modemRegistration ?? (() => null) }, push.requireLink);
      this.pusher = new Pusher(push, { store: d.store, vehicle: d.vehicle, link, log: d.log, onChange: () => this.tick(), photos });
    }
    if (o.pull?.enabled) this.pull = new PullServer(o.pull, { store: d.store, vehicle: d.vehicle, log: d.log, onAck: () => this.tick(), attachments: photos });
    this.disk = new DiskMonitor(d.store, d.dataDir, o.outbox.freeFloorBytes, o.outbox.diskCheckS * 1000, d.log, d.freeBytes);
    this.retention = new RetentionRunner(d.store, o.retention, d.log);
    this.clockWatch = new ClockWatch(d.clock, d.store, d.log);
  }

  async start(): Promise<void> {
    this.tracker.set('ok', 'starting');
    // Without an open journal there is nothing to send; the store retries on its own and so do we.
    if (!this.d.store.probe()) {
      this.tracker.set('degraded', 'the journal is not open; sync waits for it');
      this.timer = setInterval(() => void this.startWhenOpen(), 10_000);
      this.timer.unref();
      return;
    }
    await this.startParts();
  }

  private async startWhenOpen(): Promise<void> {
    if (!this.d.store.probe()) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.startParts().catch((e: unknown) => this.d.log.error({ err: e }, 'sync failed to start'));
  }

  private async startParts(): Promise<void> {
    await this.disk.start();
    this.retention.start();
    this.clockWatch.start();
    this.pusher?.start();
    await this.pull?.start();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.tick(true);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clockWatch.stop();
    this.retention.stop();
    this.disk.stop();
    await this.pusher?.stop();
    await this.pull?.stop();
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    if (this.pusher) {
      const t = this.pusher.totals;
      h.counters = { connects: t.connects, failures: t.failures, batches: t.batches, records: t.records, bytes: t.bytes, resent: t.resent };
    }
    return h;
  }

  /** `vimgw sync now`: an attempt at once (past the link check and the backoff). */
  syncNow(): SyncState | null {
    this.pusher?.syncNow();
    this.tick(true);
    return this.last;
  }

  /** The current vim/state/sync document. */
  state(): SyncState {
    const store = this.d.store;
    const clock = this.d.clock;
    const now = clock.now();
    const raw = store.outbox.backlog(null);
    const backlog = Object.fromEntries(RECORD_CLASSES.map((c) => [c, backlogState(raw[c], clock, now)])) as SyncState['backlog'];
    const p = store.outbox.pressure;
    const limit = p.limit();
    return {
      vehicle: this.d.vehicle,
      at: now.toISOString(),
      connected: this.pusher?.connected ?? false,
      alarm: p.alarm,
      backlog,
      oldestUndeliveredAgeS: oldestAge(backlog),
      lastSuccessAt: latest(this.pusher?.lastSuccessAt ?? null, this.pull?.lastAckAt ?? null),
      bytesSentToday: this.pusher?.today.bytes ?? 0,
      push: pushState(this.pusher, this.o.push?.enabled ? this.o.push.url : null),
      pull: this.pull ? { endpoints: this.pull.endpoints, lastAckAt: this.pull.lastAckAt } : null,
      outbox: {
        usedBytes: p.usedTotal(),
        limitBytes: limit === Infinity ? null : limit,
        freeDiskBytes: this.disk.freeBytes,
        evicted: { ...p.stats.evicted },
        refused: { ...p.stats.refused },
      },
    };
  }

  /** Publishes on a change at once, otherwise every stateIntervalS; sets health and the LED. */
  private tick(force = false): void {
    if (!this.d.store.probe()) return;
    let s: SyncState;
    try {
      s = this.state();
    } catch (e) {
      this.d.log.debug({ err: (e as Error).message }, 'sync state unavailable');
      return;
    }
    this.last = s;
    this.judge(s);
    const key = changeKey(s);
    if (!force && key === this.lastKey && Date.now() - this.lastAt < this.o.stateIntervalS * 1000) return;
    if (this.publishing) return;
    this.lastKey = key;
    this.lastAt = Date.now();
    this.publishing = true;
    this.d.publisher
      .publish('vim/state/sync', JSON.stringify(s), { retain: true, qos: 1 })
      .catch((e: unknown) => this.d.log.debug({ err: e }, 'vim/state/sync not published'))
      .finally(() => (this.publishing = false));
  }

  private judge(s: SyncState): void {
    const behind = RECORD_CLASSES.reduce((n, c) => n + s.backlog[c].count, 0);
    let state: HealthState = 'ok';
    let detail: string;
    let led: LedPattern;
    if (s.alarm) {
      state = 'failed';
      detail = `${s.alarm.code}: ${s.alarm.detail}`;
      led = 'fault';
    } else if (s.push && !s.connected) {
      state = 'degraded';
      const why = s.push.phase === 'waiting-link' ? `waiting for a link (${s.push.link.via})` : (s.push.lastFailure?.message ?? s.push.phase);
      detail = `not connected to HQ: ${why}; ${behind} records waiting`;
      led = 'degraded';
    } else if (!s.push && !s.pull) {
      detail = `neither push nor pull is configured; ${behind} records kept for HQ`;
      led = 'off';
    } else {
      detail = s.push ? `connected to ${s.push.broker}; ${behind} records waiting` : `push off; ${behind} records not yet pulled`;
      led = behind > 0 ? 'syncing' : 'ok';
    }
    this.tracker.set(state, detail);
    if (this.d.led && led !== this.lastLed) {
      this.lastLed = led;
      try {
        this.d.led(led);
      } catch (e) {
        this.d.log.debug({ err: (e as Error).message }, 'sync LED not set');
      }
    }
  }
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

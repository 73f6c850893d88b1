// The byte-stream seam every driver sits on (DESIGN.md "Contracts"; the model is
// node-zwave-js's serial/socket seam). openTransport(uri) gives a stream with
// open, close and data events that reconnects by itself: exponential backoff with
// jitter, a retry on "Cannot lock port", and for device paths an immediate retry
// when the path reappears (udev recreating /dev/vim-* after a replug).
import { EventEmitter } from 'node:events';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import { monoMs } from '../platform/mono.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { FileLink } from './file-link.js';
import type { Link } from './link.js';
import { SerialLink } from './serial-link.js';
import { SimLink, type SimRegistry } from './sim-link.js';
import { TcpLink } from './tcp-link.js';
import { describeTarget, parseTransportUri, type SerialLine, type TransportTarget } from './uri.js';

export interface TransportOptions {
  log: Logger;
  sims?: SimRegistry;
  backoff?: BackoffOptions;
  /** Baud for serial URIs without ?baud= (from the device's config). */
  baud?: number;
  /** Character framing the device needs on serial, unless the URI says otherwise (default 8N1). */
  line?: Partial<SerialLine>;
  /** A link that stays up this long resets the backoff; shorter ones count as flapping. */
  stableMs?: number;
}

export interface TransportEvents {
  open: [];
  close: [{ unplugged: boolean; error?: Error }];
  data: [Buffer];
}

export class NotConnectedError extends Error {
  constructor(name: string) {
    super(`${name}: not connected`);
    this.name = 'NotConnectedError';
  }
}

export class Transport extends EventEmitter<TransportEvents> implements Part {
  readonly target: TransportTarget;
  private link: Link | null = null;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private openedAt = 0;
  private readonly backoff: Backoff;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly counters = { opens: 0, closes: 0, unplugs: 0, openFailures: 0, lockFailures: 0, bytesIn: 0, bytesOut: 0 };
  private lastError: string | null = null;

  constructor(
    readonly name: string,
    readonly uri: string,
    private readonly opts: TransportOptions,
  ) {
    super();
    this.target = parseTransportUri(uri, { ...(opts.baud !== undefined ? { baud: opts.baud } : {}), ...(opts.line ? { line: opts.line } : {}) });
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
  }

  get connected(): boolean {
    return this.link !== null;
  }

  /** Starts connecting; never waits for the device, which may be absent for hours. */
  start(): Promise<void> {
    this.running = true;
    this.tracker.set('degraded', `connecting to ${describeTarget(this.target)}`);
    this.watchPath();
    void this.attempt();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    const link = this.link;
    this.link = null;
    if (link) await link.close().catch(() => undefined);
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters, backoffAttempts: this.backoff.attempts };
    if (this.lastError && h.state !== 'ok') h.detail = `${h.detail}; last error: ${this.lastError}`;
    return h;
  }

  write(data: Buffer | string): Promise<void> {
    const link = this.link;
    if (!link) return Promise.reject(new NotConnectedError(this.name));
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.counters.bytesOut += buf.length;
    return link.write(buf);
  }

  /** Closes the current link on purpose (e.g. after CFUN=1,1 re-enumerates the modem) and reconnects. */
  async reopen(): Promise<void> {
    const link = this.link;
    if (link) await link.close();
  }

  private async openLink(): Promise<Link> {
    const t = this.target;
    switch (t.kind) {
      case 'serial':
        return SerialLink.open(t.path, t.baud, t.line);
      case 'tcp':
        return TcpLink.open(t.host, t.port);
      case 'file':
        return FileLink.open(t.path, t.read);
      case 'sim':
        if (!this.opts.sims) throw new Error('no simulators registered');
        return SimLink.open(this.opts.sims, t.name, t.params);
    }
  }

  private async attempt(): Promise<void> {
    this.timer = null;
    if (!this.running || this.link) return;
    const path = this.devicePath();
    if (path && !existsSync(path)) {
      this.fail(new Error(`${path} does not exist (device unplugged?)`));
      return;
    }
    let link: Link;
    try {
      link = await this.openLink();
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (!this.running) {
      await link.close();
      return;
    }
    this.link = link;
    this.openedAt = monoMs();
    this.counters.opens++;
    this.lastError = null;
    link.on('data', (d) => {
      this.counters.bytesIn += d.length;
      this.emit('data', d);
    });
    link.on('close', (info) => this.onClose(link, info));
    this.tracker.set('ok', `open: ${describeTarget(this.target)}`);
    this.opts.log.info({ transport: this.name, target: describeTarget(this.target) }, 'transport open');
    this.emit('open');
  }

  private onClose(link: Link, info: { unplugged: boolean; error?: Error }): void {
    if (this.link !== link) return;
    this.link = null;
    this.counters.closes++;
    if (info.unplugged) this.counters.unplugs++;
    if (monoMs() - this.openedAt >= (this.opts.stableMs ?? 10_000)) this.backoff.reset();
    const why = info.error?.message ?? (info.unplugged ? 'device went away' : 'closed');
    this.opts.log.warn({ transport: this.name, unplugged: info.unplugged, why }, 'transport closed');
    this.emit('close', info);
    if (!this.running) return;
    this.lastError = why;
    this.tracker.set('failed', `${info.unplugged ? 'unplugged' : 'closed'}: ${why}; reconnecting`);
    this.schedule();
  }

  private unplugLink(link: Link): void {
    this.onClose(link, { unplugged: true, error: new Error(`${this.devicePath() ?? 'device'} vanished`) });
    void link.close().catch(() => undefined);
  }

  private fail(e: Error): void {
    this.counters.openFailures++;
    if (/Cannot lock port/i.test(e.message)) this.counters.lockFailures++;
    const first = this.lastError !== e.message;
    this.lastError = e.message;
    this.tracker.set('failed', `cannot open ${describeTarget(this.target)}`);
    // Log a new reason once, then quietly keep trying: a device may be absent all day.
    if (first) this.opts.log.warn({ transport: this.name, err: e.message }, 'transport open failed; retrying with backoff');
    this.schedule();
  }

  private schedule(): void {
    if (!this.running || this.timer) return;
    this.timer = setTimeout(() => void this.attempt(), this.backoff.next());
    this.timer.unref();
  }

  private devicePath(): string | null {
    return this.target.kind === 'serial' || this.target.kind === 'file' ? this.target.path : null;
  }

  /** Retries at once when a device path is (re)created, instead of waiting out the backoff. */
  private watchPath(): void {
    const path = this.devicePath();
    if (!path) return;
    try {
      this.watcher = watch(dirname(path), (_ev, file) => {
        if (file !== basename(path) || !this.running) return;
        const present = existsSync(path);
        if (this.link && !present) {
          // udev removed the node: an unplug, even if the driver has not seen a read error yet.
          this.unplugLink(this.link);
          return;
        }
        if (this.link || !present) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.attempt(), 200); // let udev finish permissions
        this.timer.unref();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      /* the directory itself is missing; backoff polling still works */
    }
  }
}

export function openTransport(name: string, uri: string, opts: TransportOptions): Transport {
  return new Transport(name, uri, opts);
}

// The soak bench: the whole gateway as a child process (so /proc/<pid> measures it
// alone) with the GNSS receiver at 10 Hz, the modem, the ticket printer and the LED
// board as simulators on socat ptys (the real serialport binding), a real mosquitto as
// HQ for the push sync, the control socket for the gateway's own vital signs, and the
// van's load: tablets that each send a command every `tabletEveryS`, a kiosk that takes
// a ticket every `ticketEveryS`, and a counter that calls and serves them.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { DisplaySim } from '../devices/display-sim/display-sim.js';
import { GnssSimulator } from '../devices/gnss-sim/gnss-sim.js';
import { hostModemOnPty, type ModemPtyHost } from '../devices/modem-sim/pty.js';
import { ModemSim } from '../devices/modem-sim/modem-sim.js';
import { PrinterSim } from '../devices/printer-sim/printer-sim.js';
import { hostOnPty, type PtyHost } from '../devices/shared/pty-host.js';
import type { StatusModel } from '../firmware-ts/src/control/model.js';
import { GatewayProcess } from '../test/helpers/gateway-process.js';
import { SERVICE_MALLOC_ENV, SERVICE_NODE_ARGS } from './bench/service-flags.js';
import { TestMosquitto } from '../test/helpers/mosquitto.js';

export interface SoakLoad {
  tablets: number;
  tabletEveryS: number;
  ticketEveryS: number;
  gnssHz: 1 | 10;
}

/**
 * The "realistic load": 10 tablets online, GNSS at 10 Hz, modem polling, a ticket a minute (taken,
 * printed, called, started, completed) and push sync. Besides the queue, the tablets do the rest of the day's
 * work: the day test's script (300 tickets, 60 requests, 40 payments) has a third of a request or payment per
 * ticket, 20 an hour at a ticket a minute; each tablet sending one every 5 minutes is 120 an hour, six times that.
 */
export const VAN_LOAD: SoakLoad = { tablets: 10, tabletEveryS: 300, ticketEveryS: 60, gnssHz: 10 };

/**
 * Ten times the van's tablet traffic (a command from each tablet every 30 s, 1,200 an hour): what the soak ran
 * before session 5. The quick CI variant uses it, so two minutes see enough work to show a leak.
 */
export const BUSY_LOAD: SoakLoad = { ...VAN_LOAD, tabletEveryS: 30 };

export const SOAK_LOADS = { van: VAN_LOAD, busy: BUSY_LOAD } as const;
export type SoakLoadName = keyof typeof SOAK_LOADS;

const STAFF = { username: 'personel1', password: 'personel-demo' };
const KIOSK = { username: 'kiosk1', password: 'kiosk-demo' };

interface Answer {
  id: string;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string };
}

/** One MQTT client that sends commands and waits for their answers (QoS 0 replies; a lost one is retried). */
class Tablet {
  private readonly waiters = new Map<string, (a: Answer) => void>();
  messages = 0;
  constructor(
    readonly client: MqttClient,
    readonly clientId: string,
  ) {
    client.on('message', (topic, payload) => {
      this.messages++;
      if (topic !== `vim/reply/${clientId}`) return;
      const a = JSON.parse(payload.toString('utf8')) as Answer;
      this.waiters.get(a.id)?.(a);
      this.waiters.delete(a.id);
    });
  }

  static async connect(url: string, user: { username: string; password: string }, clientId: string, watch: string[]): Promise<Tablet> {
    const client = await mqtt.connectAsync(url, { clientId, ...user, clean: true, protocolVersion: 4, reconnectPeriod: 1000, keepalive: 30 });
    await client.subscribeAsync([`vim/reply/${clientId}`, ...watch], { qos: 1 });
    return new Tablet(client, clientId);
  }

  /** Sends a command, retrying the same id until it is answered (as a tablet does). */
  async send(topic: string, args: Record<string, unknown>, stats: SoakStats): Promise<Answer> {
    const id = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      const answer = await new Promise<Answer | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 10_000);
        this.waiters.set(id, (a) => {
          clearTimeout(timer);
          resolve(a);
        });
        this.client.publish(topic, JSON.stringify({ id, ...args }), { qos: 1 });
      });
      if (answer) {
        stats.latenciesMs.push(performance.now() - t0);
        if (answer.ok) stats.ok++;
        else stats.refused[answer.error?.code ?? '?'] = (stats.refused[answer.error?.code ?? '?'] ?? 0) + 1;
        return answer;
      }
      this.waiters.delete(id);
      stats.retries++;
      if (attempt >= 5) throw new Error(`${this.clientId}: no answer to ${topic} ${id} after 6 attempts`);
    }
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export interface SoakStats {
  ok: number;
  refused: Record<string, number>;
  retries: number;
  latenciesMs: number[];
  errors: string[];
  /** Times the counter was opened again after the service day's rollover closed it (each after one COUNTER_CLOSED). */
  counterReopened: number;
}

export class SoakRig {
  readonly dir: string;
  gw!: GatewayProcess;
  mosquitto!: TestMosquitto;
  readonly stats: SoakStats = { ok: 0, refused: {}, retries: 0, latenciesMs: [], errors: [], counterReopened: 0 };
  private hosts: PtyHost[] = [];
  private modemHost: ModemPtyHost | null = null;
  private tablets: Tablet[] = [];
  private timers: NodeJS.Timeout[] = [];
  private tabletTimers: NodeJS.Timeout[] = [];
  private tabletEveryS: number;
  private running = new Set<Promise<unknown>>();
  readonly gnss: GnssSimulator;

  constructor(
    readonly load: SoakLoad,
    private readonly opts: { parent?: string; usersFile?: string } = {},
  ) {
    const root = opts.parent ?? join(process.cwd(), 'var');
    mkdirSync(root, { recursive: true });
    this.dir = mkdtempSync(join(root, 'soak-'));
    this.gnss = new GnssSimulator({ rate: load.gnssHz });
    this.tabletEveryS = load.tabletEveryS;
  }

  /** Seconds between one tablet's commands now (the load's, unless changed with `setTabletEvery`). */
  get tabletPeriodS(): number {
    return this.tabletEveryS;
  }

  /**
   * Changes how often each tablet sends a command, from now on: the soak's `--warmup-load` runs
   * the warm-up at another load and then comes back to the measured one.
   */
  setTabletEvery(seconds: number): void {
    if (!(seconds > 0)) throw new Error(`tablet period must be a positive number of seconds, not ${seconds}`);
    if (seconds === this.tabletEveryS) return;
    this.scheduleTablets(seconds);
  }

  private scheduleTablets(everyS: number): void {
    for (const t of this.tabletTimers) clearInterval(t);
    this.tabletTimers = [];
    this.tabletEveryS = everyS;
    const staff = this.tablets.slice(0, this.load.tablets);
    // Each tablet on its own phase, so the load is spread over the period.
    staff.forEach((t, i) => {
      const first = setTimeout(() => {
        this.tabletTimers.push(this.every(everyS * 1000, () => this.tabletWork(t, i)));
      }, Math.round((i / staff.length) * everyS * 1000));
      this.tabletTimers.push(first);
    });
  }

  get controlSocket(): string {
    return join(this.dir, 'control.sock');
  }

  async start(): Promise<void> {
    this.mosquitto = await TestMosquitto.start(join(this.dir, 'hq'));
    const dev = (n: string) => join(this.dir, n);
    this.hosts.push(await hostOnPty(dev('gnss'), this.gnss));
    this.modemHost = await hostModemOnPty(dev('modem'), new ModemSim(), (e) => this.stats.errors.push(`modem pty: ${e.message}`));
    this.hosts.push(await hostOnPty(dev('printer'), new PrinterSim()));
    this.hosts.push(await hostOnPty(dev('display'), new DisplaySim()));
    const gwDir = join(this.dir, 'gateway');
    mkdirSync(gwDir, { recursive: true });
    this.gw = await GatewayProcess.create({
      dir: gwDir,
      ...(this.opts.usersFile ? { usersFile: this.opts.usersFile } : {}),
      staffLimits: { publishPerSecond: 50, burst: 100 },
      extra: {
        devices: {
          // 10 Hz NMEA needs more than 9600 baud: u-blox receivers run it at 115200.
          gnss: { port: `serial://${dev('gnss')}?baud=115200`, baud: 115200 },
          modem: { port: `serial://${dev('modem')}?baud=115200`, baud: 115200 },
          printers: [{ name: 'desk', port: `serial://${dev('printer')}?baud=115200`, codePage: 'CP857', widthChars: 48 }],
          display: { port: `serial://${dev('display')}?baud=9600` },
          gpio: { backend: 'sim', chipLabel: 'pinctrl-bcm2711', lines: { buttons: { A: 5, B: 6 }, leds: { status: 16, sync: 20, paper: 22 }, chime: 21, modemPower: 12 } },
        },
        sync: { push: { url: this.mosquitto.url, topicPrefix: 'inegol/vim' } },
        control: { socket: this.controlSocket },
      },
    });
    // As systemd starts it (heap cap, young generation, malloc arenas): the RSS slope is the service's.
    this.gw.launch = { nodeArgs: SERVICE_NODE_ARGS, env: SERVICE_MALLOC_ENV };
    await this.gw.start(60_000);
    const url = this.gw.files.url;
    for (let i = 0; i < this.load.tablets; i++) this.tablets.push(await Tablet.connect(url, STAFF, `personel1@soak${i}`, ['vim/state/#', 'vim/event/#']));
    const kiosk = await Tablet.connect(url, KIOSK, 'kiosk1@soak', []);
    const counter = this.tablets[0]!;
    await counter.send('vim/cmd/queue/open-counter', { counter: 1 }, this.stats);

    this.scheduleTablets(this.load.tabletEveryS);
    this.timers.push(this.every(this.load.ticketEveryS * 1000, async () => {
      await kiosk.send('vim/cmd/queue/take', { service: 'A' }, this.stats);
      // The counter calls, serves and finishes the ticket a little later.
      await new Promise((r) => setTimeout(r, 2000));
      let called = await counter.send('vim/cmd/queue/call-next', { counter: 1 }, this.stats);
      // At midnight (Europe/Istanbul) the queue's service day ends and closes every counter, as in
      // the van; a soak that runs across it opens the counter again, as staff would next morning.
      if (called.error?.code === 'COUNTER_CLOSED') {
        this.stats.counterReopened++;
        await counter.send('vim/cmd/queue/open-counter', { counter: 1 }, this.stats);
        called = await counter.send('vim/cmd/queue/call-next', { counter: 1 }, this.stats);
      }
      const ticket = called.result?.ticketId as string | undefined;
      if (ticket) {
        await counter.send('vim/cmd/queue/start', { ticket }, this.stats);
        await counter.send('vim/cmd/queue/complete', { ticket }, this.stats);
      }
    }));
    this.tablets.push(kiosk);
  }

  private tabletWork(t: Tablet, i: number): Promise<unknown> {
    const n = this.stats.ok + i;
    if (n % 3 === 0) {
      return t.send(
        'vim/cmd/requests/create',
        { type: 'istek', category: 'water', authority: 'buski', subject: 'Su kesintisi', description: `soak ${n}: mahallede su yok`, citizen: { name: 'Ayşe Yılmaz' }, kvkk: { consent: true, noticeVersion: '2026-01' } },
        this.stats,
      );
    }
    return t.send('vim/cmd/logbook/add', { text: `soak tablet ${i}: ${n}` }, this.stats);
  }

  private every(ms: number, fn: () => Promise<unknown>): NodeJS.Timeout {
    const run = () => {
      const p = fn().catch((e: unknown) => void this.stats.errors.push((e as Error).message));
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    };
    run();
    return setInterval(run, ms);
  }

  /** GET /v1/status on the control socket. */
  status(): Promise<StatusModel> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.controlSocket, path: '/v1/status', method: 'GET', timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as StatusModel);
          } catch (e) {
            reject(new Error(`control status: ${(e as Error).message}: ${body.slice(0, 200)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('control status timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Drops what the gateway logged so far: the soak keeps only the recent tail in memory. */
  trimOutput(): void {
    const o = this.gw.output;
    if (o.length > 200) o.splice(0, o.length - 200);
  }

  async stop(keepFiles = false): Promise<void> {
    for (const t of [...this.timers, ...this.tabletTimers]) clearInterval(t);
    this.timers = [];
    this.tabletTimers = [];
    await Promise.allSettled([...this.running]);
    await Promise.allSettled(this.tablets.map((t) => t.close()));
    await this.gw?.kill('SIGTERM').catch(() => this.gw.kill('SIGKILL'));
    await this.modemHost?.stop();
    await Promise.allSettled(this.hosts.map((h) => h.stop()));
    await this.mosquitto?.stop();
    if (!keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}

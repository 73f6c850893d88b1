// The bench of the day: the van's five devices as simulators on socat ptys (the gateway
// opens them with the real serialport binding), a real mosquitto as HQ behind a TCP
// proxy that can cut the cellular link, HQ's collector writing its SQLite file, and the
// whole gateway as a child process that can be SIGKILLed and started again on the same
// files. Every simulator lives in this process, so its ledger and its printed paper
// outlive any gateway.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { hostModemOnPty, type ModemPtyHost } from '../../devices/modem-sim/pty.js';
import { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import { hostOnPty, type PtyHost } from '../../devices/shared/pty-host.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import { GatewayProcess } from '../../test/helpers/gateway-process.js';
import { TestMosquitto } from '../../test/helpers/mosquitto.js';
import { TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { HqCollector } from '../hq-collector.js';
import type { DayPlan, Planted } from './plan.js';

/** The repository, from the source (tests) or from dist/ (`npm run day`). */
const here = resolve(import.meta.dirname, '..', '..');
export const REPO = basename(here) === 'dist' ? dirname(here) : here;
export const PREFIX = 'inegol/vim';
export const VEHICLE = 'VIM-DAY';
export const SUPERVISOR = { username: 'sef1', password: 'sef-parola-1' } as const;
/** The fleet-wide KVKK key (HQ matches a person by the TC Kimlik No's HMAC under it). */
const HMAC_KEY = 'gun-testi-kvkk-anahtari-0123456789abcdef';

export interface Sims {
  gnss: GnssSimulator;
  modem: ModemSim;
  printer: PrinterSim;
  display: DisplaySim;
  terminal: TerminalSim;
}

export class DayRig {
  readonly dir: string;
  readonly sims: Sims;
  /** Every display frame's payload as the board decoded it, for the personal-data grep. */
  readonly displayFrames: string[] = [];
  mosquitto!: TestMosquitto;
  proxy!: TcpProxy;
  hq!: HqCollector;
  gw!: GatewayProcess;
  gnssHost: PtyHost | null = null;
  private modemHost: ModemPtyHost | null = null;
  private hosts: PtyHost[] = [];
  private readonly paths: Record<keyof Sims, string>;

  constructor(
    private readonly plan: DayPlan,
    planted: Planted,
    private readonly log: (msg: string) => void,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'vim-day-'));
    this.paths = { gnss: join(this.dir, 'gnss'), modem: join(this.dir, 'modem'), printer: join(this.dir, 'printer'), display: join(this.dir, 'display'), terminal: join(this.dir, 'terminal') };
    this.sims = {
      gnss: new GnssSimulator({ route: plan.route, speedup: plan.speedup, startS: plan.gnssStartS, rate: 1 }),
      modem: new ModemSim(),
      printer: new PrinterSim(),
      display: new DisplaySim(),
      terminal: new TerminalSim({ behaviour: { clearPan: planted.pan, delayMs: 0 } }),
    };
    this.sims.display.on('frame', (f) => void this.displayFrames.push(f.payload));
  }

  async start(): Promise<void> {
    this.mosquitto = await TestMosquitto.start(join(this.dir, 'hq-broker'));
    this.hq = new HqCollector({ db: join(this.dir, 'hq.sqlite'), mqtt: { url: this.mosquitto.url, topicPrefix: PREFIX, clientId: 'hq-day' }, log: (m) => this.log(`hq: ${m}`) });
    await this.hq.start();
    this.proxy = await TcpProxy.start(this.mosquitto.port);
    // The van waits on the road into town until the day starts (runDay releases it once the
    // plan is set), so the route keeps to the day's clock however long the start-up took.
    this.sims.gnss.hold();
    await this.plugGnss();
    this.modemHost = await hostModemOnPty(this.paths.modem, this.sims.modem, (e) => this.log(`modem pty: ${e.message}`));
    this.hosts.push(await hostOnPty(this.paths.printer, this.sims.printer));
    this.hosts.push(await hostOnPty(this.paths.display, this.sims.display));
    this.hosts.push(await hostOnPty(this.paths.terminal, this.sims.terminal, { framing: 'serial' }));
    const gwDir = join(this.dir, 'gateway');
    mkdirSync(gwDir, { recursive: true });
    this.gw = await GatewayProcess.create({ dir: gwDir, logLevel: 'info', usersFile: join(REPO, 'config', 'demo-users.json'), extra: this.gatewayConfig() });
    await addUser(this.gw.files.usersFile, SUPERVISOR.username, 'staff', SUPERVISOR.password, { supervisor: true });
    await this.gw.start(60_000);
  }

  private gatewayConfig(): Record<string, unknown> {
    const serial = (p: string, baud: number) => `serial://${p}?baud=${baud}`;
    return {
      vehicle: { id: VEHICLE, name: 'VİM aracı (gün testi)' },
      devices: {
        gnss: { port: serial(this.paths.gnss, 9600), baud: 9600, staleAfterS: 3 },
        // Polls often and climbs the recovery ladder after 6 s unregistered: the day is compressed.
        modem: { port: serial(this.paths.modem, 115200), baud: 115200, pollIntervalS: 1, notRegisteredMinutes: 0.1 },
        printers: [{ name: 'desk', port: serial(this.paths.printer, 115200), codePage: 'CP857', widthChars: 48, statusPollS: 0.5, statusTimeoutMs: 500 }],
        display: { port: serial(this.paths.display, 9600) },
        terminal: { port: serial(this.paths.terminal, 9600), statusPollS: 0, ackTimeoutMs: 3000, intermediateTimeoutMs: 8000, completionTimeoutMs: 20_000 },
        gpio: { backend: 'sim', chipLabel: 'pinctrl-bcm2711', lines: { buttons: { A: 5, B: 6, C: 13, D: 19 }, leds: { status: 16, sync: 20, paper: 22 }, chime: 21, modemPower: 12 } },
      },
      // A visit counts after 30 s of GNSS time (4-8 s of the compressed day).
      visits: { dwellMinutes: 0.5, leaveSeconds: 20, fixGapSeconds: 60 },
      payments: { settleTimeoutS: 60, settleRetryMs: 300 },
      requests: { kvkk: { hmacKey: HMAC_KEY }, sms: { pollS: 0.5, retryBaseS: 0.5 } },
      sync: { push: { url: this.proxy.url, topicPrefix: PREFIX, backoffMinMs: 200, backoffMaxMs: 2000, keepaliveS: 10, connectTimeoutS: 5 } },
    };
  }

  async plugGnss(): Promise<void> {
    this.gnssHost = await hostOnPty(this.paths.gnss, this.sims.gnss);
  }

  /** The receiver's USB cable pulled: socat exits, the gateway's serial port closes and the path vanishes. */
  async unplugGnss(): Promise<void> {
    const h = this.gnssHost;
    this.gnssHost = null;
    await h?.stop();
  }

  /** SIGKILL, then the same gateway again on the same files; returns the restart time in ms. */
  async killAndRestart(): Promise<number> {
    await this.gw.kill('SIGKILL');
    const t0 = Date.now();
    await this.gw.start(60_000);
    return Date.now() - t0;
  }

  async stop(keepFiles: boolean): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['gateway', () => this.gw?.kill('SIGTERM', 20_000) ?? Promise.resolve()],
      ['hq', () => this.hq?.stop() ?? Promise.resolve()],
      ['proxy', () => this.proxy?.close() ?? Promise.resolve()],
      ['mosquitto', () => this.mosquitto?.stop() ?? Promise.resolve()],
      ['gnss pty', () => this.unplugGnss()],
      ['modem pty', () => this.modemHost?.stop() ?? Promise.resolve()],
      ...this.hosts.map((h): [string, () => Promise<unknown>] => ['pty', () => h.stop()]),
    ];
    for (const [what, fn] of steps) {
      try {
        await fn();
      } catch (e) {
        this.log(`cleanup of ${what} failed: ${(e as Error).message}`);
      }
    }
    this.sims.gnss.stop();
    if (keepFiles && this.gw) writeFileSync(join(this.dir, 'gateway.log'), this.gw.output.join(''));
    if (!keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}

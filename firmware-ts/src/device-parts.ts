// Builds the device drivers the config names, each on its transport, with the
// in-process simulators from devices/ registered for sim:// URIs (the simulated
// bench that `npm start` runs against). Part of the composition root.
import type { Logger } from 'pino';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import type { Config } from './config/schema.js';
import { DisplayDriver } from './drivers/display/display-driver.js';
import { GnssDriver, type GnssPorts } from './drivers/gnss/gnss-driver.js';
import { GpioDriver } from './drivers/gpio/gpio-driver.js';
import { ModemDriver } from './drivers/modem/modem-driver.js';
import type { ModemState } from './drivers/modem/state.js';
import type { PrintJobStore } from './drivers/printer/jobs.js';
import { PrinterDriver } from './drivers/printer/printer-driver.js';
import { ZvtTerminal } from './drivers/terminal/zvt-terminal.js';
import type { Part } from './lifecycle.js';
import { partLogger } from './log/logger.js';
import { SimRegistry, type Simulator } from './transport/sim-link.js';
import { Transport } from './transport/transport.js';
import { parseTransportUri } from './transport/uri.js';

export interface Devices {
  sims: SimRegistry;
  gnss: GnssDriver | null;
  modem: ModemDriver | null;
  printers: PrinterDriver[];
  display: DisplayDriver | null;
  terminal: ZvtTerminal | null;
  gpio: GpioDriver | null;
  /** In start order: GPIO first, since the modem's recovery ladder may press its power key. */
  parts: Part[];
}

export interface DevicePorts {
  gnss: GnssPorts;
  modemState(state: ModemState): void;
  printJobs: PrintJobStore;
  /** Ignition stayed off: stop the gateway in order. */
  shutdown(): void;
}

/** Registers `make()` under the URI's simulator name when the port is sim:// (once per name). */
function simFor(sims: SimRegistry, uri: string, make: () => Simulator): void {
  const t = parseTransportUri(uri);
  if (t.kind === 'sim' && !sims.get(t.name)) sims.register(t.name, make());
}

export function buildDevices(cfg: Config['devices'], log: Logger, ports: DevicePorts): Devices {
  const sims = new SimRegistry();
  const d: Devices = { sims, gnss: null, modem: null, printers: [], display: null, terminal: null, gpio: null, parts: [] };

  if (cfg.gpio?.enabled) {
    d.gpio = new GpioDriver(cfg.gpio, { log, onShutdown: () => ports.shutdown() });
    d.gpio.on('button', (service: string) => log.info({ part: 'gpio', service }, 'kiosk button pressed'));
    d.parts.push(d.gpio);
  }

  const g = cfg.gnss;
  if (g?.enabled) {
    simFor(sims, g.port, () => new GnssSimulator());
    const transport = new Transport('gnss', g.port, { log: partLogger(log, 'transport'), sims, baud: g.baud });
    d.gnss = new GnssDriver(
      transport,
      {
        staleAfterMs: g.staleAfterS * 1000,
        publishIntervalMs: g.publishIntervalMs,
        thinning: { minDistanceM: g.trackMinDistanceM, maxIntervalS: g.trackMaxIntervalS, movingSpeedMs: 0.5 },
      },
      ports.gnss,
      partLogger(log, 'gnss'),
    );
    d.parts.push(d.gnss);
  }

  const m = cfg.modem;
  if (m?.enabled) {
    simFor(sims, m.port, () => new ModemSim());
    const gpio = d.gpio;
    // The ladder's last step is the power key, when GPIO has one; otherwise it ends at AT+CFUN=1,1.
    const powerCycle = gpio && cfg.gpio?.lines.modemPower !== undefined ? () => gpio.powerCycle() : undefined;
    d.modem = new ModemDriver(m, { log: partLogger(log, 'modem'), sims, onState: (s) => ports.modemState(s), ...(powerCycle ? { powerCycle } : {}) });
    d.parts.push(d.modem);
  }

  for (const p of cfg.printers) {
    if (!p.enabled) continue;
    simFor(sims, p.port, () => new PrinterSim());
    const printer = new PrinterDriver(p, { log, jobs: ports.printJobs, sims });
    d.printers.push(printer);
    d.parts.push(printer);
  }

  if (cfg.display?.enabled) {
    simFor(sims, cfg.display.port, () => new DisplaySim({ address: cfg.display?.address, rows: cfg.display?.rows }));
    d.display = new DisplayDriver(cfg.display, { log, sims });
    d.parts.push(d.display);
  }

  if (cfg.terminal?.enabled) {
    simFor(sims, cfg.terminal.port, () => new TerminalSim({ password: cfg.terminal?.password }));
    d.terminal = new ZvtTerminal(cfg.terminal, { log, sims });
    d.parts.push(d.terminal);
  }
  return d;
}

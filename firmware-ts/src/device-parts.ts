// Builds the device drivers the config names, each on its transport, with the
// in-process simulators from devices/ registered for sim:// URIs (the simulated
// bench that `npm start` runs against). Part of the composition root.
import type { Logger } from 'pino';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import type { Config } from './config/schema.js';
import { GnssDriver, type GnssPorts } from './drivers/gnss/gnss-driver.js';
import { ModemDriver } from './drivers/modem/modem-driver.js';
import type { ModemState } from './drivers/modem/state.js';
import type { Part } from './lifecycle.js';
import { partLogger } from './log/logger.js';
import { SimRegistry } from './transport/sim-link.js';
import { Transport } from './transport/transport.js';
import { parseTransportUri } from './transport/uri.js';

export interface Devices {
  sims: SimRegistry;
  gnss: GnssDriver | null;
  modem: ModemDriver | null;
  parts: Part[];
}

export interface DevicePorts {
  gnss: GnssPorts;
  modemState(state: ModemState): void;
}

function isSim(uri: string, name: string): boolean {
  const t = parseTransportUri(uri);
  return t.kind === 'sim' && t.name === name;
}

export function buildDevices(cfg: Config['devices'], log: Logger, ports: DevicePorts): Devices {
  const sims = new SimRegistry();
  const parts: Part[] = [];
  let gnss: GnssDriver | null = null;
  let modem: ModemDriver | null = null;

  const g = cfg.gnss;
  if (g?.enabled) {
    if (isSim(g.port, 'gnss')) sims.register('gnss', new GnssSimulator());
    const transport = new Transport('gnss', g.port, { log: partLogger(log, 'transport'), sims, baud: g.baud });
    gnss = new GnssDriver(
      transport,
      {
        staleAfterMs: g.staleAfterS * 1000,
        publishIntervalMs: g.publishIntervalMs,
        thinning: { minDistanceM: g.trackMinDistanceM, maxIntervalS: g.trackMaxIntervalS, movingSpeedMs: 0.5 },
      },
      ports.gnss,
      partLogger(log, 'gnss'),
    );
    parts.push(gnss);
  }

  const m = cfg.modem;
  if (m?.enabled) {
    if (isSim(m.port, 'modem')) sims.register('modem', new ModemSim());
    // powerGpio: the ladder's last step arrives with the GPIO driver; until then it ends at CFUN=1,1.
    modem = new ModemDriver(m, { log: partLogger(log, 'modem'), sims, onState: (s) => ports.modemState(s) });
    parts.push(modem);
  }
  return { sims, gnss, modem, parts };
}

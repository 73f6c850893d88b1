// The day's troubles, on the plan's timeline: three coverage gaps (the proxy in front of
// HQ refuses and cuts every connection), a modem that loses the network until the
// driver's recovery ladder cycles CFUN, the ticket printer out of paper, and the GNSS
// receiver unplugged on the longest drive. Each records what was survived.
import type { DayClock } from './actors.js';
import { sleep } from './actors.js';
import type { DayPlan } from './plan.js';
import type { DayRig } from './rig.js';

export interface Outage {
  what: string;
  atS: number;
  seconds: number;
  /** How it ended, e.g. "CFUN cycle after 6.2 s". */
  note: string;
}

export async function coverageGaps(plan: DayPlan, clock: DayClock, rig: DayRig, out: Outage[]): Promise<void> {
  for (const g of plan.coverageGaps) {
    await clock.until(g.fromS);
    rig.proxy.refusing = true;
    rig.proxy.dropAll();
    await clock.until(g.toS);
    rig.proxy.refusing = false;
    out.push({ what: 'coverage gap (HQ unreachable)', atS: g.fromS, seconds: g.toS - g.fromS, note: `${rig.proxy.drops} connections cut so far` });
  }
}

export async function modemFault(plan: DayPlan, clock: DayClock, rig: DayRig, out: Outage[]): Promise<void> {
  await clock.until(plan.modemFaultAtS);
  const modem = rig.sims.modem;
  const before = modem.counters.cfunCycles;
  const t0 = Date.now();
  // Registration lost ("searching") until the module's radio is cycled with AT+CFUN.
  modem.setRegistration(2, { until: 'cfun-cycle' });
  while (modem.counters.cfunCycles === before && Date.now() - t0 < 60_000) await sleep(100);
  const s = (Date.now() - t0) / 1000;
  out.push({ what: 'modem lost the network', atS: plan.modemFaultAtS, seconds: s, note: modem.counters.cfunCycles > before ? `CFUN cycle by the gateway after ${s.toFixed(1)} s` : 'NO CFUN cycle within 60 s' });
}

export async function paperOut(plan: DayPlan, clock: DayClock, rig: DayRig, out: Outage[]): Promise<void> {
  await clock.until(plan.paperOut.fromS);
  rig.sims.printer.setPaper('out');
  await clock.until(plan.paperOut.toS);
  rig.sims.printer.setPaper('ok');
  out.push({ what: 'ticket printer out of paper', atS: plan.paperOut.fromS, seconds: plan.paperOut.toS - plan.paperOut.fromS, note: 'paper loaded again' });
}

export async function gnssUnplug(plan: DayPlan, clock: DayClock, rig: DayRig, out: Outage[]): Promise<void> {
  const gnss = rig.sims.gnss;
  const half = plan.route.durationS / 2;
  // The simulator starts just before the end of a lap: wait for the wrap, then for the point.
  while (gnss.truth().routeS > half) await sleep(200);
  while (gnss.truth().routeS < plan.gnssUnplug.atRouteS) await sleep(200);
  const at = clock.elapsedS();
  await rig.unplugGnss();
  await sleep(plan.gnssUnplug.wallS * 1000);
  await rig.plugGnss();
  out.push({ what: 'GNSS receiver unplugged', atS: at, seconds: plan.gnssUnplug.wallS, note: 'plugged in again' });
}

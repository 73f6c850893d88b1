// Chaos: every device unplugged and plugged back in, again and again (DESIGN.md
// non-negotiable 4). The whole gateway runs in-process with its five serial devices
// (GNSS, modem, ticket printer, LED board, card terminal) as simulators on socat ptys,
// opened through the real serialport binding. Each round kills every pty (the far end
// vanishes, as when a USB cable is pulled), keeps them away for a while, and brings
// them back at the same paths. Measured per device: how long until its health shows
// the fault, and how long after the replug until it is `ok` again (bound: RECOVER_MS).
// Meanwhile the tablets' commands keep being journaled.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { hostModemOnPty } from '../../devices/modem-sim/pty.js';
import { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import { hostOnPty } from '../../devices/shared/pty-host.js';
import { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import type { Health } from '../../firmware-ts/src/lifecycle.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const ROUNDS = Number(process.env.VIM_CHAOS_REPLUGS ?? 6);
/** Detection and recovery bounds, generous for a loaded CI machine (the drivers' own timeouts are 1-5 s). */
const DETECT_MS = 15_000;
const RECOVER_MS = 15_000;

type Name = 'gnss' | 'modem' | 'printer' | 'display' | 'terminal';
const NAMES: Name[] = ['gnss', 'modem', 'printer', 'display', 'terminal'];

interface Plug {
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function until(what: string, cond: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(25);
  }
  return Date.now() - t0;
}

describe('chaos: every device unplugged and replugged', () => {
  const dir = tempDir('vimgw-replug-');
  const path = (n: Name) => join(dir, n);
  const sims = { gnss: new GnssSimulator({ rate: 10, startS: 300 }), modem: new ModemSim(), printer: new PrinterSim(), display: new DisplaySim(), terminal: new TerminalSim() };
  const plugs = new Map<Name, Plug>();
  let gw: Gateway | null = null;

  const plug = async (n: Name): Promise<void> => {
    if (n === 'modem') plugs.set(n, await hostModemOnPty(path(n), sims.modem));
    else if (n === 'terminal') plugs.set(n, await hostOnPty(path(n), sims.terminal, { framing: 'serial' }));
    else plugs.set(n, await hostOnPty(path(n), sims[n]));
  };
  const unplug = async (n: Name): Promise<void> => {
    await plugs.get(n)?.stop();
    plugs.delete(n);
  };

  afterAll(async () => {
    await gw?.stop();
    for (const n of NAMES) await unplug(n);
    cleanupTempDirs();
  });

  it(`${ROUNDS} rounds of unplugging all five serial devices: each shows the fault, recovers within ${RECOVER_MS / 1000} s of the replug, and commands keep working`, { timeout: 60_000 + ROUNDS * 50_000 }, async () => {
    for (const n of NAMES) await plug(n);
    const serial = (n: Name, baud: number) => `serial://${path(n)}?baud=${baud}`;
    ({ gw } = await startGateway({
      devices: {
        gnss: { port: serial('gnss', 115200), baud: 115200, staleAfterS: 2 },
        modem: { port: serial('modem', 115200), baud: 115200, pollIntervalS: 1 },
        printers: [{ name: 'desk', port: serial('printer', 115200), codePage: 'CP857', widthChars: 48, statusPollS: 0.5, statusTimeoutMs: 500 }],
        display: { port: serial('display', 9600) },
        terminal: { port: serial('terminal', 9600), statusPollS: 1 },
      },
    }));
    const g = gw;
    const health = (n: Name): Health => {
      const d = g.devices;
      const part = n === 'printer' ? d.printers[0] : d[n];
      if (!part) throw new Error(`the gateway built no ${n} driver`);
      return part.health();
    };
    const states = () => NAMES.map((n) => `${n}=${health(n).state} (${health(n).detail})`).join('; ');
    await until(`every device ok at start: ${states()}`, () => NAMES.every((n) => health(n).state === 'ok'), 30_000);

    const staff: ClientInfo = { clientId: 'personel1@replug', username: 'personel1', role: 'staff' };
    const detect: Record<Name, number[]> = { gnss: [], modem: [], printer: [], display: [], terminal: [] };
    const recover: Record<Name, number[]> = { gnss: [], modem: [], printer: [], display: [], terminal: [] };
    let commands = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      // Pulled in a random order, a few milliseconds apart, as hands do.
      const order = [...NAMES].sort(() => Math.random() - 0.5);
      const pulledAt = new Map<Name, number>();
      for (const n of order) {
        await unplug(n);
        pulledAt.set(n, Date.now());
      }
      await Promise.all(
        NAMES.map(async (n) => {
          await until(`round ${round}: ${n} shows the unplug (${states()})`, () => health(n).state !== 'ok', DETECT_MS);
          detect[n].push(Date.now() - pulledAt.get(n)!);
        }),
      );
      // Nothing to do with the devices: the journal keeps taking commands while they are away.
      for (let i = 0; i < 3; i++) {
        const a = await g.commands.execute(staff, 'vim/cmd/logbook/add', Buffer.from(JSON.stringify({ id: randomUUID(), text: `round ${round}: devices away` })));
        expect(a, `a command while every device is unplugged (round ${round})`).toMatchObject({ ok: true });
        commands++;
      }
      await sleep(500 + Math.floor(Math.random() * 2000));

      const pluggedAt = new Map<Name, number>();
      for (const n of [...NAMES].sort(() => Math.random() - 0.5)) {
        await plug(n);
        pluggedAt.set(n, Date.now());
      }
      await Promise.all(
        NAMES.map(async (n) => {
          await until(`round ${round}: ${n} ok again after the replug (${states()})`, () => health(n).state === 'ok', RECOVER_MS);
          recover[n].push(Date.now() - pluggedAt.get(n)!);
        }),
      );
    }

    const figure = NAMES.map((n) => `${n} detect p50 ${pct(detect[n], 50)} / max ${Math.max(...detect[n])} ms, recover p50 ${pct(recover[n], 50)} / max ${Math.max(...recover[n])} ms`);
    console.log(`replug chaos: ${ROUNDS} rounds x ${NAMES.length} devices, ${commands} commands journaled while unplugged; ${figure.join('; ')}`);

    // After all that: the GNSS gives fixes, the board and printer answer, and the counters saw every unplug.
    expect(g.devices.gnss!.position()).not.toBeNull();
    for (const n of NAMES) {
      const c = health(n).counters ?? {};
      // The drivers name their link counters differently (transport.unplugs, portOpens, linkOpens, the terminal's registrations): each open or registration after the first is a replug seen.
      const seen = Object.entries(c)
        .filter(([k]) => /unplugs$|closes$|[pP]ortOpens$|linkOpens$|^registrations$/.test(k))
        .reduce((s, [, v]) => s + v, 0);
      expect(seen, `${n} link counters ${JSON.stringify(c)}`).toBeGreaterThanOrEqual(ROUNDS);
    }
    expect(g.store.journal.stats().count).toBeGreaterThanOrEqual(commands);
  });
});

// Chaos: the wall clock jumps (issue 10). A Pi has no RTC: at boot NTP or GNSS steps its
// clock by months, and it can step back. Simulated by faking only `Date` (vitest fake
// timers, advancing with real time) and setting it an hour back or a year forward, while
// timers and the monotonic clock run on: ordering (journal seq) and deadlines (AT settle
// time, the modem's "not registered for N minutes", GNSS staleness) must follow real
// elapsed time, not the wall clock (firmware-ts/src/platform/mono.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import { GnssDriver } from '../../firmware-ts/src/drivers/gnss/gnss-driver.js';
import { AtEngine } from '../../firmware-ts/src/drivers/modem/at-engine.js';
import { AtTimeoutError } from '../../firmware-ts/src/drivers/modem/at-types.js';
import { ModemDriver } from '../../firmware-ts/src/drivers/modem/modem-driver.js';
import { SystemClock } from '../../firmware-ts/src/platform/clock.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { PtyPair } from '../helpers/pty.js';

/** One NMEA epoch (RMC + GGA, a 3D-capable fix in İnegöl) stamped with `t`, checksums included. */
function epoch(t: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const hms = `${p2(t.getUTCHours())}${p2(t.getUTCMinutes())}${p2(t.getUTCSeconds())}.00`;
  const dmy = `${p2(t.getUTCDate())}${p2(t.getUTCMonth() + 1)}${p2(t.getUTCFullYear() % 100)}`;
  const line = (body: string) => {
    let cs = 0;
    for (const ch of body) cs ^= ch.charCodeAt(0);
    return `$${body}*${cs.toString(16).toUpperCase().padStart(2, '0')}\r\n`;
  };
  return (
    line(`GPRMC,${hms},A,4004.6800,N,02930.7800,E,0.0,,${dmy},,,A`) +
    line(`GPGGA,${hms},4004.6800,N,02930.7800,E,1,09,0.9,320.0,M,36.0,M,,`) +
    line('GPGSA,A,3,01,02,03,04,05,06,07,08,09,,,,1.5,0.9,1.2')
  );
}

const HOUR = 3600_000;
const YEAR = 365 * 24 * HOUR;
const stops: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const s of stops.splice(0).reverse()) await s();
  cleanupTempDirs();
});

/** From here on Date runs `by` ms off real time (and keeps running); timers are untouched. */
function jumpWallClock(by: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + by);
}

/** Waits on the monotonic clock: Date is what this file bends. */
async function until(what: string, cond: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

describe('chaos: wall clock jumps', () => {
  it('journal order is seq, whatever the wall clock does: a step back keeps seq and monotonic time rising', async () => {
    // The gateway's own clock: wall time from Date, monotonic time from hrtime.
    const store = await openTestStore(tempDir(), new SystemClock());
    stops.push(() => store.stop());
    const write = (n: number) => store.transact((tx) => tx.journal.append({ type: 'logbook.entry', class: 'events', payload: { n } }));
    const before = [await write(1), await write(2)];
    jumpWallClock(-HOUR);
    const after = [await write(3), await write(4)];
    jumpWallClock(2 * YEAR);
    after.push(await write(5));
    const rows = store.journal.list(0, 100);
    expect(rows.map((r) => (r.payload as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
    const seqs = rows.map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(rows.map((r) => r.id)).size).toBe(5);
    // createdAt honestly records the stepped wall clock; monotonic time and seq do not step.
    expect(Date.parse(rows[2]!.createdAt)).toBeLessThan(Date.parse(rows[1]!.createdAt));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.monoMs).toBeGreaterThanOrEqual(rows[i - 1]!.monoMs);
    expect(before.concat(after).map((r) => r.seq)).toEqual(seqs);
  });

  it('AT engine: a wall clock stepped back an hour during the settle time does not stall the modem for an hour', async () => {
    class Stream extends EventEmitter {
      written: string[] = [];
      write(d: Buffer | string): Promise<void> {
        this.written.push(typeof d === 'string' ? d : d.toString('latin1'));
        return Promise.resolve();
      }
    }
    const s = new Stream();
    const e = new AtEngine(s, { timeoutMs: 1000, settleMs: 200 });
    e.attach();
    stops.push(() => e.abortAll('test over'));
    const a = e.run('AT+COPS?', { timeoutMs: 50 });
    const b = e.run('AT+CSQ');
    await expect(a).rejects.toBeInstanceOf(AtTimeoutError);
    jumpWallClock(-HOUR); // NTP steps the clock back while the engine keeps quiet
    const waited = await until('the next command goes out after the settle time', () => s.written.includes('AT+CSQ\r'), 5000);
    expect(waited).toBeLessThan(2000);
    s.emit('data', Buffer.from('\r\n+CSQ: 9,99\r\n\r\nOK\r\n', 'latin1'));
    expect((await b).lines).toEqual(['+CSQ: 9,99']);
  });

  it('modem: a wall clock stepped a year forward while unregistered does not climb the recovery ladder', async () => {
    const sim = new ModemSim({ reenumerateMs: 300, bootMs: 10, registerMs: 30 });
    const sims = new SimRegistry();
    sims.register('modem', sim);
    const driver = new ModemDriver(
      { enabled: true, port: 'sim://modem', baud: 115200, vendor: 'auto', pollIntervalS: 0.05, notRegisteredMinutes: 5 },
      { log: silent, sims, onState: () => undefined, backoff: { minMs: 50, maxMs: 150 } },
    );
    stops.push(() => sim.dispose());
    stops.push(() => driver.stop());
    await driver.start();
    await until('registered', () => driver.state().registration === 'home', 10_000);
    sim.setRegistration(2, { until: 'reboot' });
    await until('searching', () => driver.state().registration === 'searching', 10_000);
    jumpWallClock(YEAR); // NTP sets the clock of a Pi that booted with last year's time
    await new Promise((r) => setTimeout(r, 1500)); // ~30 polls
    const c = driver.health().counters!;
    expect({ probe: c.recoveryProbe, cfun: c.recoveryCfunCycle, reboot: c.recoveryReboot, power: c.recoveryPowerCycle }).toEqual({ probe: 0, cfun: 0, reboot: 0, power: 0 });
    expect(driver.health().detail).toMatch(/not registered/);
    expect(driver.state().connected).toBe(true);
  });

  it('GNSS: a wall clock stepped back an hour does not keep a silent receiver\'s last fix current; one stepped forward a day does not make a live fix stale', async () => {
    // A receiver on a pty that the test feeds by hand, so it can fall silent while the port stays open.
    const pty = new PtyPair(tempDir('vimgw-clock-'), 'gnss');
    await pty.start();
    stops.push(() => pty.stop());
    const far = createWriteStream(pty.far);
    stops.push(() => void far.destroy());
    const transport = new Transport('gnss', `serial://${pty.dev}?baud=9600`, { log: silent, backoff: { minMs: 50, maxMs: 200 } });
    const staleAfterMs = 1000;
    const d = new GnssDriver(transport, { staleAfterMs, publishIntervalMs: 200 }, { publish: () => undefined, trackPoint: () => undefined, clockAgrees: () => undefined }, silent);
    stops.push(() => d.stop());
    await d.start();
    let feeding = true;
    const feed = setInterval(() => {
      if (feeding) far.write(epoch(new Date()));
    }, 100);
    stops.push(() => clearInterval(feed));
    await until('a fix', () => d.position() !== null, 10_000);

    jumpWallClock(24 * HOUR);
    await new Promise((r) => setTimeout(r, 500));
    expect(d.position(), 'a live fix after the wall clock jumped a day forward').not.toBeNull();

    jumpWallClock(-25 * HOUR);
    feeding = false; // the receiver falls silent right after the clock stepped back
    const staleIn = await until('the last fix goes stale', () => d.position() === null, staleAfterMs + 5000);
    expect(staleIn).toBeLessThan(staleAfterMs + 2000);
    expect(transport.connected).toBe(true);
    expect(d.health().state).toBe('degraded');
  });
});

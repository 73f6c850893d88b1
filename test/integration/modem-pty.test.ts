// The modem driver on the real serialport binding, with the simulated EC25 on the
// far end of a socat pty pair: initialisation, status, a Turkish SMS, an unplug
// (the host stops: the path vanishes) that shows in health without a crash, a
// replug after which the status is fresh again within 5 s, and the re-enumeration
// after AT+CFUN=1,1 that the recovery ladder causes; and the same on a simulated
// SIMCom SIM7600, whose vendor commands differ.
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ModemDriver, type ModemConfig } from '../../firmware-ts/src/drivers/modem/modem-driver.js';
import { ModemSim, SIM7600_STATE } from '../../devices/modem-sim/modem-sim.js';
import { hostModemOnPty } from '../../devices/modem-sim/pty.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const dir = tempDir('vimgw-modem-');
const live: { stop(): Promise<void> }[] = [];
const sims: ModemSim[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
  for (const s of sims.splice(0)) s.dispose();
});
afterAll(cleanupTempDirs);

async function until(what: string, cond: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

function driverOn(path: string, config: Partial<ModemConfig> = {}): ModemDriver {
  const d = new ModemDriver(
    { enabled: true, port: `serial://${path}`, baud: 115200, vendor: 'auto', pollIntervalS: 0.25, notRegisteredMinutes: 5, ...config },
    { log: silent, timings: { commandTimeoutMs: 1000, cfunTimeoutMs: 2000, settleMs: 50 }, backoff: { minMs: 200, maxMs: 1000 } },
  );
  live.push(d);
  return d;
}

/** Healthy, with a full poll that finished after `since`. */
const freshSince = (d: ModemDriver, since: number): boolean => {
  const s = d.state();
  return d.health().state === 'ok' && s.fresh && s.lastPollAt !== null && Date.parse(s.lastPollAt) > since && s.operator?.value.name != null;
};

describe('modem on a pty (real serialport binding)', () => {
  it('initialises, reads status, sends a Turkish SMS, survives an unplug and is fresh within 5 s of the replug', async () => {
    const path = join(dir, 'modem-a');
    const sim = new ModemSim({ reenumerateMs: 1000 });
    sims.push(sim);
    let host = await hostModemOnPty(path, sim);
    const driver = driverOn(path);
    await driver.start();
    await until('healthy', () => freshSince(driver, 0), 10_000);
    expect(driver.state()).toMatchObject({
      vendor: 'quectel', imei: { value: '867698041234561' }, iccid: { value: '89900112345678901234' }, registration: 'home',
      signal: { value: { rssiDbm: -73 } }, operator: { value: { name: 'TR TURKCELL' } }, lte: { value: { rsrpDbm: -92 } },
    });

    const text = 'İnegöl Belediyesi: başvurunuz alındı, takip no 2026-0042. Teşekkürler!';
    await expect(driver.sendSms('05321234567', text)).resolves.toMatchObject({ encoding: 'ucs2' });
    expect(sim.received.map((m) => [m.number, m.text])).toEqual([['+905321234567', text]]);

    // Unplug: socat exits and the path vanishes.
    await host.stop();
    await until('outage in health', () => driver.health().state === 'failed' && !driver.state().connected, 5000);
    expect(driver.health().detail).toMatch(/^port not open/);
    const stale = driver.state();
    expect(stale.fresh).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    expect(driver.state().signal!.at).toBe(stale.signal!.at); // the old value stays, with its old time

    const replug = Date.now();
    host = await hostModemOnPty(path, sim);
    live.splice(0, 0, host); // stopped after the driver
    const took = await until('fresh after replug', () => freshSince(driver, replug), 5000);
    expect(took).toBeLessThan(5000);
    expect(driver.health().counters!.portOpens).toBe(2);
  }, 30_000);

  it('a SIMCom SIM7600: detected from +CGMI, ICCID from +CICCID, LTE values from +CPSI?, an SMS, and the CFUN=1,1 reboot', async () => {
    const path = join(dir, 'modem-simcom');
    const sim = new ModemSim({ state: SIM7600_STATE, reenumerateMs: 500 });
    sims.push(sim);
    const host = await hostModemOnPty(path, sim);
    live.push(host);
    const driver = driverOn(path, { notRegisteredMinutes: 0.01 });
    await driver.start();
    await until('healthy with LTE values', () => freshSince(driver, 0) && driver.state().lte?.value != null, 10_000);
    const l = sim.state.lte;
    expect(driver.state()).toMatchObject({
      vendor: 'simcom', imei: { value: '862499041234569' }, iccid: { value: '89900112345678901234' }, registration: 'home',
      operator: { value: { name: 'TR TURKCELL' } },
      // +CPSI? gives tenths, and SINR as 2 * RSSNR - 20 (parseCpsiLte).
      lte: { value: { rsrpDbm: l.rsrp, rsrqDb: l.rsrq, sinrDb: 2 * Math.round((l.sinr + 20) / 2) - 20, source: 'cpsi' } },
    });
    // Quectel's commands are never needed: nothing the driver asked of this module was refused.
    expect(driver.health().counters!.unreadable).toBe(0);

    const text = 'Randevunuz yarın 10:00, İnegöl VİM aracı Cerrah Mah.';
    await expect(driver.sendSms('05321234567', text)).resolves.toMatchObject({ encoding: 'ucs2' });
    expect(sim.received.map((m) => m.text)).toEqual([text]);

    sim.setRegistration(2, { until: 'reboot' });
    await until('reboot step', () => driver.health().counters!.recoveryReboot === 1, 10_000);
    const rebootAt = Date.now();
    await until('fresh after re-enumeration', () => freshSince(driver, rebootAt) && host.generation === 2, 10_000);
    expect(driver.state().vendor).toBe('simcom');
    expect(driver.health().counters!.boots).toBeGreaterThanOrEqual(1); // RDY, +CPIN, SMS DONE, PB DONE
  }, 30_000);

  it('reopens the modem that re-enumerates after the ladder sends AT+CFUN=1,1', async () => {
    const path = join(dir, 'modem-b');
    const sim = new ModemSim({ reenumerateMs: 1000 });
    sims.push(sim);
    const host = await hostModemOnPty(path, sim);
    live.push(host);
    const driver = driverOn(path, { notRegisteredMinutes: 0.01 }); // 600 ms
    await driver.start();
    await until('healthy', () => freshSince(driver, 0), 10_000);
    sim.setRegistration(2, { until: 'reboot' }); // stuck searching until the module resets
    await until('reboot step', () => driver.health().counters!.recoveryReboot === 1, 10_000);
    const rebootAt = Date.now();
    await until('fresh after re-enumeration', () => freshSince(driver, rebootAt) && host.generation === 2, 10_000);
    expect(sim.counters.reboots).toBe(1);
    expect(driver.health().counters).toMatchObject({ recoveryCfunCycle: 1, recoveryReboot: 1, recoveryPowerCycle: 0 });
    expect(driver.health().counters!.portOpens).toBeGreaterThanOrEqual(2);
    expect(driver.health().counters!.boots).toBeGreaterThanOrEqual(1); // RDY after the reset
    expect(driver.state().registration).toBe('home');
  }, 30_000);
});

// The modem driver against the in-process simulator (sim://modem): status values
// with their read times, SMS in text mode and UCS2 (the simulator decodes what it
// got), and the recovery ladder with short timings: a hung modem, a lost SIM, a
// network that will not register, an unplug.
import { afterEach, describe, expect, it } from 'vitest';
import { AtError } from '../../firmware-ts/src/drivers/modem/at-engine.js';
import { ModemDriver, ModemUnavailableError, type ModemConfig, type ModemTimings } from '../../firmware-ts/src/drivers/modem/modem-driver.js';
import { chooseEncoding, normalizeNumber, planSms, SmsInputError, ucs2Hex } from '../../firmware-ts/src/drivers/modem/sms.js';
import type { ModemState } from '../../firmware-ts/src/drivers/modem/state.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { ModemSim, type ModemSimOptions } from '../../devices/modem-sim/modem-sim.js';
import { silent } from '../helpers/store.js';

const TURKISH = 'Başvurunuz alındı. Takip no: İNG-2026-0042. Güle güle, çok teşekkürler! ğüşıöçİĞÜŞÖÇ';

const FAST: Partial<ModemTimings> = {
  commandTimeoutMs: 150, cfunTimeoutMs: 300, simGraceMs: 250, settleMs: 20, exhaustedRestMs: 60_000, portGoneMs: 400,
};

const live: { stop(): Promise<void> }[] = [];
const sims: ModemSim[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
  for (const s of sims.splice(0)) s.dispose();
});

interface Rig {
  sim: ModemSim;
  driver: ModemDriver;
  states: ModemState[];
}

async function rig(opts: { config?: Partial<ModemConfig>; sim?: ModemSimOptions; powerCycle?: boolean; timings?: Partial<ModemTimings> } = {}): Promise<Rig> {
  const sim = new ModemSim({ reenumerateMs: 300, bootMs: 10, registerMs: 30, ...opts.sim });
  sims.push(sim);
  const reg = new SimRegistry();
  reg.register('modem', sim);
  const states: ModemState[] = [];
  const config: ModemConfig = { enabled: true, port: 'sim://modem', baud: 115200, vendor: 'auto', pollIntervalS: 0.05, notRegisteredMinutes: 5, ...opts.config };
  const driver = new ModemDriver(config, {
    log: silent,
    sims: reg,
    onState: (s) => states.push(s),
    timings: { ...FAST, ...opts.timings },
    backoff: { minMs: 50, maxMs: 150 },
    powerCycle: opts.powerCycle ? () => sim.powerCycle() : undefined,
  });
  await driver.start();
  live.push(driver);
  return { sim, driver, states };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Healthy, with a full poll after registration (operator and LTE values come with the poll, not the URC). */
const healthy = (d: ModemDriver): boolean => {
  const s = d.state();
  return d.health().state === 'ok' && s.fresh && s.operator?.value.name != null && s.iccid !== null && s.lte?.value != null;
};

describe('modem driver: status', () => {
  it('initialises a Quectel EC25 and reads identity, SIM, signal, LTE values, registration and operator, each with its time', async () => {
    const { driver, sim, states } = await rig();
    await until('healthy', () => healthy(driver));
    const s = driver.state();
    expect(s).toMatchObject({
      connected: true, responsive: true, fresh: true, vendor: 'quectel', registration: 'home',
      identity: { value: { manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A06M4G' } },
      imei: { value: '867698041234561' },
      iccid: { value: '89900112345678901234' },
      sim: { value: 'ready' },
      signal: { value: { csq: 20, rssiDbm: -73, ber: null } },
      lte: { value: { rsrpDbm: -92, rsrqDb: -10, sinrDb: 13, source: 'qcsq' } },
      cs: { value: { state: 'home', stat: 1, area: '2F1A', cell: '01A2B3C4', act: { name: 'E-UTRAN', generation: '4G' } } },
      eps: { value: { state: 'home' } },
      operator: { value: { name: 'TR TURKCELL', act: { code: 7 } } },
    });
    for (const k of ['identity', 'imei', 'iccid', 'sim', 'signal', 'lte', 'cs', 'eps', 'operator'] as const) {
      expect(Date.now() - Date.parse(s[k]!.at), k).toBeLessThan(2000);
    }
    expect(driver.health()).toMatchObject({ state: 'ok', detail: expect.stringMatching(/registered \(home\) on TR TURKCELL, E-UTRAN, -73 dBm/) });
    expect(sim.commands.slice(0, 5)).toEqual(['AT', 'ATE0', 'AT+CMEE=2', 'AT+CREG=2', 'AT+CEREG=2']);
    expect(states.length).toBeGreaterThan(0);

    sim.setSignal(5, { rsrp: -118, rsrq: -17, sinr: -3 });
    const t = Date.now();
    // AT+CSQ and AT+QCSQ are separate commands of one poll, so the LTE values may land a read after the signal.
    await until('new signal and LTE values', () => driver.state().signal?.value.rssiDbm === -103 && driver.state().lte?.value?.rsrpDbm === -118);
    expect(Date.parse(driver.state().signal!.at)).toBeGreaterThanOrEqual(t - 5);
    expect(Date.parse(driver.state().lte!.at)).toBeGreaterThanOrEqual(t - 5);
    expect(driver.state().lte?.value).toMatchObject({ rsrpDbm: -118, rsrqDb: -17, sinrDb: -3 });
  });

  it('takes registration changes from URCs, also from one in the middle of a response', async () => {
    const { driver, sim } = await rig({ config: { pollIntervalS: 30 } }); // polls too slow to matter
    await until('healthy', () => healthy(driver));
    sim.setRegistration(5); // URCs "+CREG: 5,..." and "+CEREG: 5,..."
    await until('roaming', () => driver.state().registration === 'roaming');
    sim.injectUrc('+CEREG: 3', { mid: true });
    sim.injectUrc('+CREG: 3', { mid: true });
    await driver.command('AT+CSQ');
    expect(driver.state()).toMatchObject({ registration: 'denied', cs: { value: { state: 'denied' } } });
  });

  it('works on the generic 27.007 path: ICCID through AT+CCID/+CRSM, LTE values through +CESQ', async () => {
    const { driver, sim } = await rig({ config: { vendor: 'generic' } });
    await until('healthy', () => healthy(driver));
    expect(driver.state()).toMatchObject({
      vendor: 'generic', iccid: { value: '89900112345678901234' }, lte: { value: { rsrpDbm: -92, rsrqDb: -10, sinrDb: null, source: 'cesq' } },
    });
    expect(sim.commands).toContain('AT+CRSM=176,12258,0,0,10');
    expect(sim.commands).not.toContain('AT+QCSQ');
  });

  it('reports a SIM that needs a PIN as failed and climbs no ladder for it', async () => {
    const { driver } = await rig({ sim: { state: { sim: 'pin' } }, config: { notRegisteredMinutes: 0.002 } });
    await until('SIM PIN seen', () => driver.state().sim?.value === 'pin-required');
    await new Promise((r) => setTimeout(r, 500));
    expect(driver.health()).toMatchObject({ state: 'failed', detail: 'SIM pin-required', counters: { recoveryCfunCycle: 0, recoveryReboot: 0 } });
  });
});

describe('modem driver: SMS', () => {
  it('sends Turkish text as UCS2 that the modem decodes back to the same text, then returns to IRA', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    const text = TURKISH.slice(0, 70);
    const res = await driver.sendSms('0532 123 45 67', text);
    expect(res).toEqual({ ref: 1, encoding: 'ucs2' });
    expect(sim.received).toHaveLength(1);
    expect(sim.received[0]).toMatchObject({ number: '+905321234567', text, encoding: 'ucs2', ref: 1 });
    expect(sim.settings.cscs).toBe('IRA');
    expect(sim.commands).toContain(`AT+CMGS="${ucs2Hex('+905321234567')}",145`);
    const t = Date.now();
    await until('a poll after the SMS', () => Date.parse(driver.state().operator!.at) > t);
    expect(driver.state().operator!.value.name).toBe('TR TURKCELL'); // not UCS2 hex
  });

  it('sends ASCII as GSM 7-bit text', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    await expect(driver.sendSms('+905321234567', 'Takip no: ING-2026-0042 (VIM araci)')).resolves.toEqual({ ref: 1, encoding: 'gsm7' });
    expect(sim.received[0]).toMatchObject({ text: 'Takip no: ING-2026-0042 (VIM araci)', encoding: 'gsm7' });
  });

  it('refuses bad numbers and texts before a byte is sent, and reports +CMS ERROR from the network', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    const before = sim.commands.length;
    await expect(driver.sendSms('12345', 'x')).rejects.toThrow(SmsInputError);
    await expect(driver.sendSms('+90532123456789012', 'x')).rejects.toThrow(/number/);
    await expect(driver.sendSms('05321234567', '')).rejects.toThrow(/text: is empty/);
    await expect(driver.sendSms('05321234567', 'a\x1ab')).rejects.toThrow(/control character/);
    await expect(driver.sendSms('05321234567', 'ş'.repeat(71))).rejects.toThrow(/holds 70/);
    await expect(driver.sendSms('05321234567', 'a'.repeat(161))).rejects.toThrow(/holds 160/);
    expect(sim.commands.slice(before).some((c) => c.startsWith('AT+CMGS'))).toBe(false);
    sim.failNextSms(330);
    const err = (await driver.sendSms('05321234567', 'merhaba').catch((e: unknown) => e)) as AtError;
    expect(err).toBeInstanceOf(AtError);
    expect({ kind: err.kind, code: err.code }).toEqual({ kind: 'cms', code: 330 });
    expect(driver.health().counters).toMatchObject({ smsSent: 0, smsFailed: 1 });
    expect(sim.received).toHaveLength(0);
  });

  it('plans encodings and numbers', () => {
    expect(normalizeNumber('+905321234567')).toBe('+905321234567');
    expect(normalizeNumber('05321234567')).toBe('+905321234567');
    expect(() => normalizeNumber('5321234567')).toThrow(SmsInputError);
    expect(() => normalizeNumber('+90 532 abc')).toThrow(SmsInputError);
    expect(chooseEncoding('Hello @ 5$ _!')).toBe('gsm7');
    expect(chooseEncoding('a[b]')).toBe('ucs2'); // GSM extension table: not trusted
    expect(chooseEncoding('satır\nsatır')).toBe('ucs2');
    expect(ucs2Hex('Işık')).toBe('0049015F0131006B');
    expect(planSms('05321234567', 'ğ')).toEqual({ number: '+905321234567', encoding: 'ucs2', body: '011F' });
  });

  it('says the modem is unavailable while the port is away', async () => {
    const { driver, sim } = await rig({ sim: { reenumerateMs: 60_000 } });
    await until('healthy', () => healthy(driver));
    await sim.powerCycle(); // gone for a minute
    await until('port closed', () => !driver.state().connected);
    await expect(driver.sendSms('05321234567', 'x')).rejects.toThrow(ModemUnavailableError);
  });
});

describe('modem driver: recovery ladder', () => {
  it('climbs probe, CFUN cycle, CFUN=1,1 and power cycle for a hung modem, counting each step', async () => {
    const { driver, sim } = await rig({ powerCycle: true });
    await until('healthy', () => healthy(driver));
    sim.hang();
    await until('power cycle', () => driver.health().counters!.recoveryPowerCycle === 1, 9000);
    expect(driver.health().counters).toMatchObject({ recoveryProbe: 1, recoveryCfunCycle: 1, recoveryReboot: 1, recoveryPowerCycle: 1 });
    expect(sim.counters.powerCycles).toBe(1);
    await until('healthy again', () => healthy(driver), 5000);
    expect(driver.health().detail).toMatch(/last recovery: power-cycle at .*no answer in 2 poll cycles/);
    expect(driver.health().counters!.boots).toBeGreaterThanOrEqual(1);
  }, 15_000);

  it('recovers at the probe step when the modem answers again, and resets the ladder once healthy', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    sim.hang();
    await until('not answering', () => driver.state().responsive === false);
    await until('probe', () => driver.state().recovery.running === 'probe');
    sim.unhang();
    await until('healthy again', () => healthy(driver));
    expect(driver.health().counters).toMatchObject({ recoveryProbe: 1, recoveryCfunCycle: 0 });
  });

  it('ends the ladder at CFUN=1,1 without a power switch, shows it, and comes back when the modem does', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    sim.hang();
    await until('exhausted', () => driver.state().recovery.exhausted, 9000);
    expect(driver.health()).toMatchObject({ state: 'failed', counters: { recoveryProbe: 1, recoveryCfunCycle: 1, recoveryReboot: 1, recoveryPowerCycle: 0 } });
    expect(driver.health().detail).toMatch(/recovery ladder exhausted/);
    sim.unhang();
    await until('healthy again', () => healthy(driver), 5000);
    expect(driver.state().recovery.exhausted).toBe(false);
  }, 15_000);

  it('takes a CFUN 0/1 cycle for a lost SIM and is healthy when the SIM is back', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    const iccidReadAt = driver.state().iccid!.at;
    sim.setSim('absent', { until: 'cfun-cycle' });
    await until('SIM lost seen', () => driver.health().detail.startsWith('SIM absent'));
    expect(driver.health().state).toBe('failed');
    await until('healthy again', () => healthy(driver));
    expect(driver.health().counters).toMatchObject({ recoveryCfunCycle: 1, recoveryReboot: 0 });
    expect(driver.state().recovery.last).toMatchObject({ step: 'cfun-cycle', fault: 'sim', reason: expect.stringMatching(/^SIM absent for/) });
    expect(driver.state().iccid!.at > iccidReadAt).toBe(true); // read again: it may be another SIM
    expect(sim.counters.cfunCycles).toBe(1);
  });

  it('escalates "not registered for N minutes" from a CFUN cycle to CFUN=1,1, and the re-enumerated modem is reopened', async () => {
    const { driver, sim } = await rig({ config: { notRegisteredMinutes: 0.005 } }); // 300 ms
    await until('healthy', () => healthy(driver));
    sim.setRegistration(2, { until: 'reboot' });
    await until('searching', () => driver.state().registration === 'searching');
    expect(driver.health()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/^not registered \(searching\)/) });
    await until('reboot', () => driver.health().counters!.recoveryReboot === 1, 5000);
    await until('healthy again', () => healthy(driver), 5000);
    expect(driver.health().counters).toMatchObject({ recoveryCfunCycle: 1, recoveryReboot: 1, recoveryProbe: 0 });
    expect(sim.counters.reboots).toBe(1);
    expect(sim.counters.refused).toBeGreaterThanOrEqual(1); // off the bus for a moment
    expect(driver.health().counters!.portOpens).toBeGreaterThanOrEqual(2);
    expect(driver.state().recovery.last).toMatchObject({ step: 'reboot', fault: 'not-registered' });
  });

  it('shows an unplug as a failed port with old readings, and is fresh again after the replug', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    sim.unplug();
    await until('port closed', () => !driver.state().connected);
    const s = driver.state();
    expect(s.fresh).toBe(false);
    expect(s.signal).not.toBeNull(); // the last value stays, with its old time
    expect(driver.health().state).toBe('failed');
    await until('healthy again', () => healthy(driver));
    expect(driver.health().counters!.recoveryReboot).toBe(0);
  });

  it('power-cycles a modem whose port stays gone, when a power switch exists', async () => {
    const { driver, sim } = await rig({ powerCycle: true, sim: { reenumerateMs: 100 } });
    await until('healthy', () => healthy(driver));
    const refuse = (): void => {
      throw new Error('no such device');
    };
    const attach = sim.attach.bind(sim);
    sim.attach = refuse; // the module fell off the USB bus and stays off
    sim.unplug();
    await until('power cycle', () => driver.health().counters!.recoveryPowerCycle === 1, 5000);
    sim.attach = attach;
    await until('healthy again', () => healthy(driver), 5000);
    expect(driver.state().recovery.last).toMatchObject({ step: 'power-cycle', fault: 'port-gone' });
  });

  it('stops cleanly: health absent, port released', async () => {
    const { driver, sim } = await rig();
    await until('healthy', () => healthy(driver));
    await driver.stop();
    live.pop();
    expect(driver.health().state).toBe('absent');
    await until('sim sees the port closed', () => !sim.attached);
  });
});

// The two command sequences the driver runs: initialisation after every (re)open
// of the port, and the status poll. Optional commands that a module refuses with
// ERROR are skipped; a timeout is not an answer and aborts the sequence.
import { AtError } from './at-engine.js';
import type { RunAt } from './sms.js';
import type { ModemIdentity, ModemReadings, Reading } from './state.js';
import {
  isRegAnswer, parseCops, parseCpin, parseCsq, parseImei, parseRegAnswer, simStateFromCme,
} from './status.js';
import { detectVendor, VENDORS, type Vendor, type VendorId } from './vendors/index.js';

export type VendorSetting = VendorId | 'auto';

export interface InitResult {
  vendor: Vendor;
  identity: ModemIdentity;
  imei: string | null;
  /** Optional commands the module refused. */
  refused: string[];
}

const stamp = <T>(value: T): Reading<T> => ({ value, at: new Date().toISOString() });

/** Runs a command whose refusal (ERROR) is acceptable; timeouts still throw. */
async function optional(run: RunAt, command: string, refused: string[]): Promise<string[] | null> {
  try {
    return (await run(command)).lines;
  } catch (e) {
    if (!(e instanceof AtError)) throw e;
    refused.push(command);
    return null;
  }
}

/** The value of a bare answer (27.007 §5.1-5.3) that some modules prefix with "+NAME: ". */
async function bare(run: RunAt, command: string, name: string, refused: string[]): Promise<string | null> {
  try {
    const r = await run(command, { prefix: ['', `${name}:`] });
    const line = r.lines[0];
    if (line === undefined) return null;
    const v = line.startsWith(`${name}:`) ? line.slice(name.length + 1).trim() : line;
    return v.replace(/^"|"$/g, '').slice(0, 80);
  } catch (e) {
    if (!(e instanceof AtError)) throw e;
    refused.push(command);
    return null;
  }
}

export async function initModem(run: RunAt, setting: VendorSetting, probeTimeoutMs: number): Promise<InitResult> {
  const refused: string[] = [];
  await run('AT', { timeoutMs: probeTimeoutMs });
  await run('ATE0'); // V.250 §6.2.4: no echo; the engine tolerates it anyway
  await optional(run, 'AT+CMEE=2', refused); // 27.007 §9.1: verbose +CME ERROR texts
  await optional(run, 'AT+CREG=2', refused); // 27.007 §7.2: URCs with location and AcT
  await optional(run, 'AT+CEREG=2', refused); // 27.007 §10.1.22: the same for EPS (LTE)
  await optional(run, 'AT+COPS=3,0', refused); // 27.007 §7.3: operator as long alphanumeric name
  await optional(run, 'AT+CMGF=1', refused); // 27.005 §3.2.3: SMS text mode
  await optional(run, 'AT+CSCS="IRA"', refused); // 27.007 §5.5: plain ASCII strings
  await optional(run, 'AT+CNMI=2,1,0,0,0', refused); // 27.005 §3.4.1: store incoming SMS, announce with +CMTI
  const identity: ModemIdentity = {
    manufacturer: await bare(run, 'AT+CGMI', '+CGMI', refused), // 27.007 §5.1
    model: await bare(run, 'AT+CGMM', '+CGMM', refused), // 27.007 §5.2
    revision: await bare(run, 'AT+CGMR', '+CGMR', refused), // 27.007 §5.3
  };
  let imei: string | null = null;
  try {
    imei = parseImei((await run('AT+CGSN', { prefix: ['', '+CGSN:'] })).lines); // 27.007 §5.4
  } catch (e) {
    if (!(e instanceof AtError)) throw e;
    refused.push('AT+CGSN');
  }
  const id = setting === 'auto' ? detectVendor(identity.manufacturer ?? '', identity.model ?? '') : setting;
  return { vendor: VENDORS[id], identity, imei, refused };
}

export interface PollFlags {
  /** The module refused the LTE signal command once: do not ask again until the next init. */
  noLte: boolean;
  /** The module refused AT+CEREG? (no LTE). */
  noEps: boolean;
}

/** Reads SIM, signal, registration and operator into `r`; returns how many answers were unreadable. */
export async function pollStatus(run: RunAt, vendor: Vendor, r: ModemReadings, flags: PollFlags): Promise<number> {
  let unreadable = 0;
  const first = <T>(lines: string[], parse: (l: string) => T | null): T | null => {
    for (const l of lines) {
      const v = parse(l);
      if (v !== null) return v;
    }
    unreadable++;
    return null;
  };

  // 27.007 §8.3 +CPIN?: READY, or a +CME ERROR that says why not (10 = SIM not inserted).
  const wasReady = r.sim?.value === 'ready';
  try {
    const sim = first((await run('AT+CPIN?')).lines, parseCpin);
    if (sim) r.sim = stamp(sim);
  } catch (e) {
    if (!(e instanceof AtError)) throw e;
    r.sim = stamp(e.kind === 'cme' ? simStateFromCme(e.code) : 'error');
  }
  if (r.sim?.value === 'ready' && !wasReady) r.iccid = null; // back after a loss: perhaps another card
  if (r.sim?.value === 'ready' && !r.iccid) {
    try {
      const iccid = await vendor.readIccid(run);
      if (iccid) r.iccid = stamp(iccid);
      else unreadable++;
    } catch (e) {
      if (!(e instanceof AtError)) throw e;
    }
  }

  const csq = first((await run('AT+CSQ')).lines, parseCsq); // 27.007 §8.5
  if (csq) r.signal = stamp(csq);

  if (!flags.noLte) {
    try {
      r.lte = stamp(await vendor.readLteSignal(run));
    } catch (e) {
      if (!(e instanceof AtError)) throw e;
      flags.noLte = true;
    }
  }

  const creg = first((await run('AT+CREG?', { accept: isRegAnswer })).lines, (l) => parseRegAnswer(l, '+CREG'));
  if (creg) r.cs = stamp(creg);
  if (!flags.noEps) {
    try {
      const cereg = first((await run('AT+CEREG?', { accept: isRegAnswer })).lines, (l) => parseRegAnswer(l, '+CEREG'));
      if (cereg) r.eps = stamp(cereg);
    } catch (e) {
      if (!(e instanceof AtError)) throw e;
      flags.noEps = true;
    }
  }

  const cops = first((await run('AT+COPS?')).lines, parseCops); // 27.007 §7.3
  if (cops) r.operator = stamp(cops);
  return unreadable;
}

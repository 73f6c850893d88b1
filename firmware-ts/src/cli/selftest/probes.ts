// One probe per device kind, each through the same driver the gateway runs (built
// by device-parts.ts from the same config), started alone, asked one question,
// stopped. What a probe reports is what the gateway would see.
import type { Devices } from '../../device-parts.js';
import type { GnssDriver } from '../../drivers/gnss/gnss-driver.js';
import type { GpioDriver } from '../../drivers/gpio/gpio-driver.js';
import type { ModemDriver } from '../../drivers/modem/modem-driver.js';
import type { PrinterDriver } from '../../drivers/printer/printer-driver.js';
import type { DisplayDriver } from '../../drivers/display/display-driver.js';
import type { ZvtTerminal } from '../../drivers/terminal/zvt-terminal.js';

export type Verdict = 'pass' | 'warn' | 'fail';

export interface ProbeResult {
  device: string;
  kind: string;
  port: string;
  verdict: Verdict;
  detail: string;
  ms: number;
}

export const NMEA_WAIT_MS = 5000;
const MODEM_WAIT_MS = 20_000;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(50);
  }
  return pred();
}

type Outcome = { verdict: Verdict; detail: string };

export async function probeGnss(d: GnssDriver): Promise<Outcome> {
  const counters = () => d.health().counters ?? {};
  // A fix, or at least valid sentences, within the NMEA window; a cold receiver may need minutes for a fix.
  await until(() => d.snapshot().fix !== null && d.snapshot().mode !== 'none', NMEA_WAIT_MS);
  const c = counters();
  const s = d.snapshot();
  const sentences = c['framer.accepted'] ?? 0;
  const garbage = (c['framer.garbage'] ?? 0) + (c['framer.checksum'] ?? 0);
  const sats = Object.values(s.satellites).reduce((n, v) => n + v.used, 0);
  if (s.fix && s.mode !== 'none') return { verdict: 'pass', detail: `${s.mode.toUpperCase()} fix at ${s.fix.lat?.toFixed(5)},${s.fix.lon?.toFixed(5)}, ${sats} satellites used, ${sentences} sentences` };
  if (sentences > 0) return { verdict: 'warn', detail: `NMEA arrives (${sentences} sentences) but no fix yet: antenna outside? a cold start can take minutes` };
  if (garbage > 0) return { verdict: 'fail', detail: `bytes arrive but no valid NMEA in ${NMEA_WAIT_MS / 1000} s (wrong baud rate?)` };
  return { verdict: 'fail', detail: `no NMEA in ${NMEA_WAIT_MS / 1000} s: ${d.health().detail}` };
}

export async function probeModem(m: ModemDriver): Promise<Outcome> {
  await until(() => m.state().lastPollAt !== null || m.health().counters?.noAnswerCycles !== 0, MODEM_WAIT_MS);
  const s = m.state();
  if (!s.connected) return { verdict: 'fail', detail: `port not open: ${m.health().detail}` };
  if (s.lastPollAt === null) return { verdict: 'fail', detail: `no answer to AT within ${MODEM_WAIT_MS / 1000} s (module off, or wrong port: the AT port of an EC25 is interface 02)` };
  const csq = s.signal?.value;
  const signal = csq ? `CSQ ${csq.csq}${csq.rssiDbm === null ? '' : ` (${csq.rssiDbm} dBm)`}` : 'no CSQ';
  const op = s.operator?.value.name;
  const parts = [`sim ${s.sim?.value ?? '?'}`, signal, `registration ${s.registration ?? '?'}`, op ? `operator ${op}` : ''].filter(Boolean).join(', ');
  if (s.sim?.value !== 'ready') return { verdict: 'fail', detail: `answers AT, but the SIM is not ready: ${parts}` };
  if (s.registration !== 'home' && s.registration !== 'roaming') return { verdict: 'warn', detail: `answers AT, not registered: ${parts}` };
  return { verdict: 'pass', detail: parts };
}

export async function probePrinter(p: PrinterDriver): Promise<Outcome> {
  await until(() => p.transport.connected, 3000);
  if (!p.transport.connected) return { verdict: 'fail', detail: p.health().detail };
  if (!p.hasBackChannel) return { verdict: 'warn', detail: 'opens, but cannot answer status on this link (file:// without ?read=1): paper state unknown' };
  const st = await p.checkStatus();
  const req = p.statusRequest; // DLE EOT, or ESC ACK SOH on a Star
  if (st.state === 'ready') return { verdict: 'pass', detail: `${req}: ready (${st.detail})` };
  if (st.state === 'paper-near-end' || st.state === 'unknown') return { verdict: 'warn', detail: `${req}: ${st.state}: ${st.detail}` };
  return { verdict: 'fail', detail: `${req}: ${st.state}: ${st.detail}` };
}

export async function probeTerminal(t: ZvtTerminal): Promise<Outcome> {
  await until(() => t.state().connected, 5000);
  if (!t.state().connected) return { verdict: 'fail', detail: t.health().detail };
  // The driver registers (06 00) on every open; the enquiry waits its turn.
  await until(() => t.state().busy === null, 10_000);
  try {
    const s = await t.status();
    return { verdict: 'pass', detail: `ZVT status: ${s.code} ${s.text}${s.terminalId ? `, terminal ${s.terminalId}` : ''}` };
  } catch (e) {
    return { verdict: 'fail', detail: `ZVT status enquiry failed: ${(e as Error).message}` };
  }
}

export async function probeDisplay(d: DisplayDriver): Promise<Outcome> {
  await until(() => d.transport.connected, 3000);
  d.show({ serving: [], scroll: '' });
  const synced = await until(() => d.state().synced, 3000);
  const h = d.health();
  return synced && h.state === 'ok' ? { verdict: 'pass', detail: 'the board acknowledged a clear screen' } : { verdict: 'fail', detail: h.detail };
}

export function probeGpio(g: GpioDriver): Outcome {
  const h = g.health();
  const ignition = g.ignitionOn();
  const ign = ignition === null ? 'no ignition line' : `ignition ${ignition ? 'on' : 'OFF'}`;
  return h.state === 'ok' ? { verdict: 'pass', detail: `${h.detail}; ${ign}` } : { verdict: 'fail', detail: h.detail };
}

/** Every device of `d` with its probe; the caller times and starts each one. */
export function probesFor(d: Devices): { name: string; kind: string; part: { start(): Promise<void>; stop(): Promise<void> }; run: () => Promise<Outcome> }[] {
  const out: ReturnType<typeof probesFor> = [];
  if (d.gpio) {
    const g = d.gpio;
    out.push({ name: 'gpio', kind: 'gpio', part: g, run: () => Promise.resolve(probeGpio(g)) });
  }
  if (d.gnss) out.push({ name: 'gnss', kind: 'gnss', part: d.gnss, run: () => probeGnss(d.gnss!) });
  if (d.modem) out.push({ name: 'modem', kind: 'modem', part: d.modem, run: () => probeModem(d.modem!) });
  for (const p of d.printers) out.push({ name: p.name, kind: 'printer', part: p, run: () => probePrinter(p) });
  if (d.display) out.push({ name: 'display', kind: 'display', part: d.display, run: () => probeDisplay(d.display!) });
  if (d.terminal) out.push({ name: 'terminal', kind: 'terminal', part: d.terminal, run: () => probeTerminal(d.terminal!) });
  return out;
}

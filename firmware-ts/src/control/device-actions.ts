// The crews' device actions over the control API: AT passthrough, a test SMS,
// a test page, a board test, the chime and a live terminal status. Each goes
// through the running driver (its own queue and lock), never around it, so a test
// cannot collide with a ticket being printed or a poll on the modem line.
import { AtError, AtTimeoutError } from '../drivers/modem/at-engine.js';
import { ModemUnavailableError } from '../drivers/modem/options.js';
import { SmsInputError } from '../drivers/modem/sms.js';
import { DisplayInputError } from '../drivers/display/protocol.js';
import { PrinterUnavailableError } from '../drivers/printer/options.js';
import { TerminalError } from '../drivers/terminal/payment-terminal.js';
import { checkAtCommand } from './at-guard.js';
import { ControlError, notConfigured, optBool, optInt, optString, type ControlRequest } from './http.js';
import type { ControlSources } from './sources.js';

/** Turkish letters on purpose: a test SMS proves the UCS2 path the request receipts use. */
export const TEST_SMS_TEXT = 'VİM aracı test mesajı: ğüşıöç ĞÜŞİÖÇ';
const BOARD_HOLD_MS = 5000;

function modemOf(src: ControlSources) {
  const m = src.devices.modem;
  if (!m) throw notConfigured('the modem', 'devices.modem');
  return m;
}

export function modemStatus(src: ControlSources): unknown {
  const m = modemOf(src);
  return { health: m.health(), state: m.state() };
}

export async function modemAt(src: ControlSources, req: ControlRequest): Promise<unknown> {
  const m = modemOf(src);
  const check = checkAtCommand(req.body.command, optBool(req.body, 'force'));
  if (!check.ok) throw new ControlError(400, check.code, check.message);
  const timeoutMs = optInt(req.body, 'timeoutMs', 100, 180_000);
  try {
    const r = await m.command(check.command, timeoutMs === undefined ? {} : { timeoutMs });
    return { command: r.command, ok: true, lines: r.lines, final: 'OK' };
  } catch (e) {
    // The modem answered ERROR / +CME ERROR: a result to show, not a failure of the API.
    if (e instanceof AtError) return { command: check.command, ok: false, lines: [], final: e.text ?? e.kind, code: e.code, message: e.message };
    if (e instanceof AtTimeoutError) throw new ControlError(504, 'AT_TIMEOUT', e.message);
    throw new ControlError(503, 'MODEM_UNAVAILABLE', (e as Error).message);
  }
}

export async function smsTest(src: ControlSources, req: ControlRequest): Promise<unknown> {
  const m = modemOf(src);
  const number = optString(req.body, 'number');
  if (!number) throw new ControlError(400, 'BAD_REQUEST', 'number: required, e.g. +905321234567');
  const text = optString(req.body, 'text') ?? TEST_SMS_TEXT;
  try {
    const r = await m.sendSms(number, text);
    return { number, ref: r.ref, encoding: r.encoding, text };
  } catch (e) {
    if (e instanceof SmsInputError) throw new ControlError(400, 'BAD_SMS', e.message);
    if (e instanceof ModemUnavailableError) throw new ControlError(503, 'MODEM_UNAVAILABLE', e.message);
    if (e instanceof AtError || e instanceof AtTimeoutError) throw new ControlError(502, 'SMS_FAILED', e.message);
    throw e;
  }
}

export async function printTest(src: ControlSources, req: ControlRequest): Promise<unknown> {
  const printers = src.devices.printers;
  if (printers.length === 0) throw notConfigured('no printer', 'devices.printers');
  const name = optString(req.body, 'printer');
  const p = name === undefined ? printers[0]! : printers.find((x) => x.name === name);
  if (!p) throw new ControlError(404, 'NO_SUCH_PRINTER', `no printer "${name}"; configured: ${printers.map((x) => x.name).join(', ')}`);
  try {
    const job = await p.printTestPage();
    // A fresh status request (DLE EOT, or a Star's ESC ACK SOH), so the crew sees "paper out" now rather than after the next poll.
    const status = await p.checkStatus();
    return { printer: p.name, job: job.id, status };
  } catch (e) {
    if (e instanceof PrinterUnavailableError) throw new ControlError(503, 'PRINTER_UNAVAILABLE', e.message);
    throw e;
  }
}

export async function displayTest(src: ControlSources, req: ControlRequest): Promise<unknown> {
  const d = src.devices.display;
  if (!d) throw notConfigured('the LED board', 'devices.display');
  const rows = src.config.devices.display?.rows ?? 4;
  const holdMs = optInt(req.body, 'holdMs', 0, 60_000) ?? BOARD_HOLD_MS;
  const before = d.state();
  const pattern = { serving: Array.from({ length: rows }, (_, i) => ({ counter: String(i + 1), ticket: `T${String(i + 1).padStart(3, '0')}` })), scroll: 'VİM TEST ĞÜŞİÖÇ 0123456789' };
  try {
    d.show(pattern);
  } catch (e) {
    if (e instanceof DisplayInputError) throw new ControlError(500, 'BOARD_TEST', e.message);
    throw e;
  }
  const synced = await waitFor(() => d.state().synced, Math.min(holdMs, 10_000) || 3000, req.signal);
  const health = d.health();
  // Put the queue's picture back, unless the queue has already drawn a newer one.
  const restore = setTimeout(() => {
    const now = d.state();
    if (JSON.stringify(now.serving) === JSON.stringify(pattern.serving) && now.scroll === pattern.scroll) d.show({ serving: before.serving, scroll: before.scroll ?? '' });
  }, holdMs);
  restore.unref();
  return { shown: pattern, synced, holdMs, health };
}

export async function chime(src: ControlSources): Promise<unknown> {
  const g = src.devices.gpio;
  if (!g) throw notConfigured('GPIO', 'devices.gpio');
  if (src.config.devices.gpio?.lines.chime === undefined) throw notConfigured('the chime line', 'devices.gpio.lines.chime');
  const t0 = Date.now();
  await g.chime();
  return { chimed: true, ms: Date.now() - t0, health: g.health() };
}

export async function terminalStatus(src: ControlSources, req: ControlRequest): Promise<unknown> {
  const t = src.devices.terminal;
  if (!t) throw notConfigured('the card terminal', 'devices.terminal');
  let enquiry: unknown = null;
  // A live ZVT status enquiry (05 01) unless asked not to, or a payment is running.
  if (req.query.get('live') !== '0' && t.state().busy === null) {
    try {
      enquiry = await t.status();
    } catch (e) {
      enquiry = { error: e instanceof TerminalError ? e.code : 'ERROR', message: (e as Error).message };
    }
  }
  return { health: t.health(), state: t.state(), enquiry };
}

function waitFor(pred: () => boolean, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const until = Date.now() + ms;
    const tick = () => {
      if (pred()) return resolve(true);
      if (Date.now() >= until || signal.aborted) return resolve(false);
      setTimeout(tick, 50);
    };
    tick();
  });
}

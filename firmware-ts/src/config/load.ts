// Config precedence (issue 2): schema defaults, then the file (--config or
// VIM_CONFIG), then environment overrides (VIM_CFG__a__b=value) for secrets.
// A bad config never half-applies: it yields the full list of field errors.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { compile, type FieldError } from '../schema/validator.js';
import { parseTransportUri, TransportUriError } from '../transport/uri.js';
import { ConfigSchema, type Config } from './schema.js';
import { queueConfigErrors } from '../services/queue/options.js';
import { visitsConfigErrors } from '../services/visits/options.js';
import { requestsConfigErrors } from '../services/requests/options.js';
import { paymentsConfigErrors } from '../services/payments/options.js';
import { resolveSyncPaths, syncConfigErrors } from '../sync/options.js';
import { brokerConfigErrors } from '../broker/tls-options.js';

export const EX_CONFIG = 78; // sysexits.h EX_CONFIG: systemd does not restart-loop on it

const validator = compile(ConfigSchema, { defaults: true });

export type ConfigResult = { ok: true; config: Config; file: string | null } | { ok: false; errors: FieldError[]; file: string | null };

export const ENV_PREFIX = 'VIM_CFG__';

/** Applies VIM_CFG__broker__tls__keyFile=... style overrides; values parse as JSON when they can. */
export function applyEnvOverrides(doc: Record<string, unknown>, env: NodeJS.ProcessEnv): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).split('__');
    if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) {
      errors.push({ path: name, message: 'is not a valid override name' });
      continue;
    }
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string, e.g. a password */
    }
    let node: Record<string, unknown> = doc;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
  return errors;
}

/** Paths in the config that name files are taken relative to the config file. */
function resolvePaths(cfg: Config, baseDir: string): Config {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  cfg.dataDir = abs(cfg.dataDir);
  cfg.broker.credentialsFile = abs(cfg.broker.credentialsFile);
  if (cfg.control) cfg.control.socket = abs(cfg.control.socket);
  resolveSyncPaths(cfg.sync, abs);
  if (cfg.broker.tls) {
    cfg.broker.tls.certFile = abs(cfg.broker.tls.certFile);
    cfg.broker.tls.keyFile = abs(cfg.broker.tls.keyFile);
    if (cfg.broker.tls.caFile) cfg.broker.tls.caFile = abs(cfg.broker.tls.caFile);
  }
  return cfg;
}

/**
 * Device ports are transport URIs: the schema checks their scheme, this checks the
 * rest exactly as the transport will parse them, so a bad port is a config error
 * (exit 78) and not a crash at start. A `?baud=` that contradicts the device's
 * `baud` field is refused rather than silently winning.
 */
function checkDevicePorts(cfg: Config): FieldError[] {
  const d = cfg.devices;
  const ports: [string, string, number | undefined][] = [];
  if (d.gnss) ports.push(['devices.gnss.port', d.gnss.port, d.gnss.baud]);
  if (d.modem) ports.push(['devices.modem.port', d.modem.port, d.modem.baud]);
  if (d.display) ports.push(['devices.display.port', d.display.port, d.display.baud]);
  if (d.terminal) ports.push(['devices.terminal.port', d.terminal.port, d.terminal.baud]);
  d.printers.forEach((p, i) => ports.push([`devices.printers[${i}].port`, p.port, undefined]));
  const errors: FieldError[] = [];
  for (const [path, uri, baud] of ports) {
    try {
      const t = parseTransportUri(uri, baud === undefined ? {} : { baud });
      if (t.kind === 'serial' && baud !== undefined && t.baud !== baud) {
        errors.push({ path, message: `?baud=${t.baud} contradicts ${path.replace(/\.port$/, '.baud')} (${baud}); set the speed in one place` });
      }
    } catch (e) {
      if (!(e instanceof TransportUriError)) throw e;
      errors.push({ path, message: `${uri}: ${e.field} ${e.message.slice(e.message.lastIndexOf(": ") + 2)}` });
    }
  }
  return errors;
}

/** The queue's own cross-field rules, plus the devices it names. */
function checkQueue(cfg: Config): FieldError[] {
  const errors = queueConfigErrors(cfg.queue);
  const printer = cfg.queue.ticketPrinter;
  if (printer !== undefined && !cfg.devices.printers.some((p) => p.name === printer)) {
    errors.push({ path: 'queue.ticketPrinter', message: `"${printer}" is not one of devices.printers[].name` });
  }
  return errors;
}

/** Payments: unique revenue codes, a receipt printer that exists, a limit the terminal accepts. */
function checkPayments(cfg: Config): FieldError[] {
  const p = cfg.payments;
  const errors = paymentsConfigErrors(p);
  if (p.receiptPrinter !== undefined && !cfg.devices.printers.some((x) => x.name === p.receiptPrinter)) {
    errors.push({ path: 'payments.receiptPrinter', message: `"${p.receiptPrinter}" is not one of devices.printers[].name` });
  }
  const t = cfg.devices.terminal;
  if (t && p.maxAmountKurus > t.maxAmountKurus) {
    errors.push({ path: 'payments.maxAmountKurus', message: `${p.maxAmountKurus} is more than the terminal accepts (devices.terminal.maxAmountKurus ${t.maxAmountKurus})` });
  }
  return errors;
}

/** Requests: catalog ids, holiday dates, keys, SMS texts, and a receipt printer that exists. */
function checkRequests(cfg: Config): FieldError[] {
  const errors = requestsConfigErrors(cfg.requests);
  const printer = cfg.requests.receiptPrinter;
  if (printer !== undefined && !cfg.devices.printers.some((p) => p.name === printer)) {
    errors.push({ path: 'requests.receiptPrinter', message: `"${printer}" is not one of devices.printers[].name` });
  }
  return errors;
}

/** The default day plan's cross-field rules (unique stop ids, windows from before to). */
function checkVisits(cfg: Config): FieldError[] {
  return visitsConfigErrors(cfg.visits);
}

export function parseConfig(text: string, file: string | null, env: NodeJS.ProcessEnv = {}): ConfigResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, file, errors: [{ path: '', message: `is not valid JSON (${(e as Error).message})` }] };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, file, errors: [{ path: '', message: 'must be a JSON object' }] };
  }
  const envErrors = applyEnvOverrides(doc as Record<string, unknown>, env);
  const r = validator.check(doc);
  if (!r.ok || envErrors.length) return { ok: false, file, errors: [...envErrors, ...(r.ok ? [] : r.errors)] };
  const crossErrors = [...checkDevicePorts(r.value), ...checkQueue(r.value), ...checkVisits(r.value), ...checkRequests(r.value), ...syncConfigErrors(r.value.sync), ...checkPayments(r.value), ...brokerConfigErrors(r.value.broker)];
  if (crossErrors.length) return { ok: false, file, errors: crossErrors };
  return { ok: true, file, config: resolvePaths(r.value, file ? dirname(resolve(file)) : process.cwd()) };
}

export function loadConfig(file: string | null, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const path = file ?? env.VIM_CONFIG ?? null;
  if (path === null) return parseConfig('{}', null, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, file: path, errors: [{ path: '', message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` }] };
  }
  return parseConfig(text, path, env);
}

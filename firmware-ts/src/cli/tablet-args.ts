// `vimgw tablet ...` argument handling, all before any connection: split the raw argv
// into client options and command arguments, read each argument's string as the type
// its payload schema says, and check the assembled payload with the gateway's own
// validator. Every mistake is a UsageError naming the field, so a wrong command never
// reaches the gateway (or asks for a password). vimgw's parseArgs is strict and knows
// nothing about command fields, which is why the tablet parses its own argv.
import { randomUUID } from 'node:crypto';
import type { CommandDefinition } from '../api/command.js';
import { compile } from '../schema/validator.js';
import { argSpecs, branches, enumValues, findCommand, schemaTypes, type ArgSpec, type JsonSchema } from './tablet-catalog.js';
import { UsageError } from './output.js';

export const DEFAULT_URL = 'mqtt://127.0.0.1:1883';
export const DEFAULT_USER = 'bakim';
export const DEFAULT_WATCH_TOPICS = ['vim/state/queue', 'vim/event/#'] as const;

/** Client options; a boolean one never takes the next word as its value. */
const CLIENT_OPTIONS: Record<string, 'boolean' | 'string'> = {
  json: 'boolean',
  help: 'boolean',
  url: 'string',
  user: 'string',
  timeout: 'string',
};
const SEND_OPTIONS: Record<string, 'boolean' | 'string'> = { ...CLIENT_OPTIONS, id: 'string', payload: 'string' };
const WATCH_OPTIONS: Record<string, 'boolean' | 'string'> = { ...CLIENT_OPTIONS, count: 'string' };

/** Payload fields that share a name with a client option can only be set through --payload. */
export function shadowedByOption(field: string): boolean {
  return field in SEND_OPTIONS;
}

export interface ClientOptions {
  json: boolean;
  url: string;
  user: string;
  timeoutS: number;
}

export type TabletInvocation =
  | { kind: 'help'; usage: boolean }
  | { kind: 'list'; opts: ClientOptions }
  | { kind: 'command-help'; def: CommandDefinition }
  | { kind: 'send'; opts: ClientOptions; def: CommandDefinition; payload: Record<string, unknown> & { id: string } }
  | { kind: 'watch'; opts: ClientOptions; topics: string[]; count: number | null };

/** `--name value`, `--name=value`, or a bare `--name` (value `true`). */
export interface RawOption {
  name: string;
  value: string | true;
}

export interface SplitArgv {
  positionals: string[];
  options: RawOption[];
}

/**
 * Splits argv without knowing the command yet. `--name` takes the next word as its
 * value unless it is a known boolean option or the next word is another `--option`;
 * `--` ends the options. Values starting with `--` need the `--name=value` form.
 */
export function splitArgv(argv: readonly string[], booleans: ReadonlySet<string> = new Set(['json', 'help'])): SplitArgv {
  const positionals: string[] = [];
  const options: RawOption[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') {
      options.push({ name: 'help', value: true });
    } else if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      if (eq > 2) {
        options.push({ name: a.slice(2, eq), value: a.slice(eq + 1) });
        continue;
      }
      const name = a.slice(2);
      const next = argv[i + 1];
      if (booleans.has(name) || next === undefined || next.startsWith('--')) {
        options.push({ name, value: true });
      } else {
        options.push({ name, value: next });
        i++;
      }
    } else {
      positionals.push(a);
    }
  }
  return { positionals, options };
}

/** Takes the client options out of `options`, leaving the command's arguments. */
function takeClientOptions(options: RawOption[], known: Record<string, 'boolean' | 'string'>): { client: Map<string, string | true>; rest: RawOption[] } {
  const client = new Map<string, string | true>();
  const rest: RawOption[] = [];
  for (const o of options) {
    const kind = known[o.name];
    if (kind === undefined) {
      rest.push(o);
      continue;
    }
    if (client.has(o.name)) throw new UsageError(`--${o.name}: given twice`);
    if (kind === 'boolean' && o.value !== true && !['true', 'false'].includes(o.value)) throw new UsageError(`--${o.name}: takes no value`);
    if (kind === 'string' && o.value === true) throw new UsageError(`--${o.name}: needs a value`);
    client.set(o.name, kind === 'boolean' && o.value === 'false' ? 'false' : o.value);
  }
  return { client, rest };
}

function clientOptions(m: Map<string, string | true>): ClientOptions {
  const timeout = m.get('timeout');
  const timeoutS = timeout === undefined ? 10 : Number(timeout);
  if (!(timeoutS > 0) || !Number.isFinite(timeoutS)) throw new UsageError('--timeout: must be a positive number of seconds');
  const str = (k: string, d: string) => {
    const v = m.get(k);
    return typeof v === 'string' ? v : d;
  };
  return { json: m.get('json') === true, url: str('url', DEFAULT_URL), user: str('user', DEFAULT_USER), timeoutS };
}

/** `call-next` and `callNext` name the same field when the schema only has one of them. */
function fieldFor(name: string, specs: readonly ArgSpec[]): ArgSpec | undefined {
  const exact = specs.find((s) => s.name === name);
  if (exact) return exact;
  const camel = name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return specs.find((s) => s.name === camel);
}

/** Reads one command-line string as the JSON value `schema` wants; throws a message, not a UsageError. */
export function coerceValue(raw: string | true, schema: JsonSchema): unknown {
  const types = schemaTypes(schema);
  const allowed = enumValues(schema);
  if (raw === true) {
    // A bare `--flag` is only meaningful for a boolean field.
    if (types.includes('boolean')) return true;
    throw new Error('needs a value');
  }
  if (types.length === 0) return readJson(raw) ?? raw;
  // Most specific first, so "5" is a number where a field takes integer|string.
  const order = ['null', 'integer', 'number', 'boolean', 'array', 'object', 'string'];
  const candidates = [...types].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  for (const t of candidates) {
    const v = readAs(raw, t, schema);
    if (v === NO) continue;
    if (allowed !== null && !allowed.includes(v)) continue;
    return v;
  }
  if (allowed !== null) throw new Error(`must be one of ${allowed.map((v) => String(v)).join(', ')} (got "${raw}")`);
  throw new Error(`must be ${candidates.map((t) => (t === 'integer' ? 'an integer' : t === 'object' || t === 'array' ? `a JSON ${t}` : t === 'null' ? 'null' : `a ${t}`)).join(' or ')} (got "${raw}")`);
}

const NO = Symbol('no');

function readAs(raw: string, type: string, schema: JsonSchema): unknown {
  switch (type) {
    case 'null':
      return raw === 'null' ? null : NO;
    case 'integer':
      return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NO;
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      return Number.isFinite(n) ? n : NO;
    }
    case 'boolean':
      return ['true', 'yes', '1'].includes(raw) ? true : ['false', 'no', '0'].includes(raw) ? false : NO;
    case 'string':
      return raw;
    case 'array': {
      const v = readJson(raw);
      if (Array.isArray(v)) return v;
      // A single item given as a plain word, e.g. `--tags urgent` for an array of strings.
      const item = schema.type === 'array' ? (schema.items as JsonSchema | undefined) : branches(schema).find((b) => b.type === 'array')?.items;
      if (item === undefined || typeof item !== 'object') return NO;
      try {
        return [coerceValue(raw, item as JsonSchema)];
      } catch {
        return NO;
      }
    }
    case 'object': {
      const v = readJson(raw);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : NO;
    }
    default:
      return NO;
  }
}

function readJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function parsePayloadOption(raw: string | undefined | true): Record<string, unknown> {
  if (raw === undefined || raw === true) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new UsageError(`--payload: is not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--payload: must be a JSON object');
  return v as Record<string, unknown>;
}

/**
 * The payload of one command: --payload JSON first, the `--field value` arguments over
 * it, then the id (--id, else the payload's, else a fresh UUID v4). Checked with the
 * command's own schema, so the messages are the gateway's (`counter: must be <= 99`).
 */
export function buildPayload(
  def: CommandDefinition,
  args: readonly RawOption[],
  payloadJson?: string,
  id?: string,
): Record<string, unknown> & { id: string } {
  const cmd = `${def.service} ${def.action}`;
  const specs = argSpecs(def);
  const fromArgs: Record<string, unknown> = {};
  for (const a of args) {
    const spec = fieldFor(a.name, specs);
    if (!spec) {
      const names = specs.map((s) => `--${s.name}`).join(', ') || 'none';
      throw new UsageError(`${cmd}: --${a.name}: is not an argument of this command (arguments: ${names}; --help for more)`);
    }
    let v: unknown;
    try {
      v = coerceValue(a.value, spec.schema);
    } catch (e) {
      throw new UsageError(`${cmd}: --${a.name}: ${(e as Error).message}`);
    }
    const prev = fromArgs[spec.name];
    if (prev !== undefined) {
      // A repeated argument adds items to an array field; anything else given twice is a mistake.
      if (!schemaTypes(spec.schema).includes('array')) throw new UsageError(`${cmd}: --${a.name}: given twice`);
      v = [...(prev as unknown[]), ...(Array.isArray(v) ? (v as unknown[]) : [v])];
    }
    fromArgs[spec.name] = v;
  }
  const base = parsePayloadOption(payloadJson);
  const payload = { ...base, ...fromArgs, id: id ?? (typeof base.id === 'string' ? base.id : randomUUID()) };
  const r = compile(def.payload).check(payload);
  if (!r.ok) {
    const lines = r.errors.map((e) => `${cmd}: ${e.path || 'payload'}: ${e.message}`);
    throw new UsageError([...lines, `("vimgw tablet ${cmd} --help" lists its arguments)`].join('\n'));
  }
  return payload;
}

/** An MQTT 3.1.1 topic filter: `+` and `#` only as whole levels, `#` only last. */
function checkFilter(f: string): void {
  const levels = f.split('/');
  const bad =
    f === '' ||
    levels.some((l, i) => (l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+'));
  if (bad) throw new UsageError(`watch: "${f}" is not a valid MQTT topic filter`);
}

/** Parses everything after `vimgw tablet`. */
export function parseTabletArgv(argv: readonly string[], catalog: readonly CommandDefinition[]): TabletInvocation {
  const { positionals, options } = splitArgv(argv);
  const [first, second] = positionals;
  if (first === undefined || first === 'help') {
    const { client } = takeClientOptions(options, CLIENT_OPTIONS);
    return { kind: 'help', usage: first === undefined && !client.has('help') };
  }
  if (first === 'list') {
    const { client, rest } = takeClientOptions(options, CLIENT_OPTIONS);
    if (rest[0]) throw new UsageError(`list: unknown option --${rest[0].name}`);
    if (positionals.length > 1) throw new UsageError(`list: unexpected "${positionals[1]}"`);
    if (client.has('help')) return { kind: 'help', usage: false };
    return { kind: 'list', opts: clientOptions(client) };
  }
  if (first === 'watch') {
    const { client, rest } = takeClientOptions(options, WATCH_OPTIONS);
    if (rest[0]) throw new UsageError(`watch: unknown option --${rest[0].name}`);
    if (client.has('help')) return { kind: 'help', usage: false };
    const countRaw = client.get('count');
    const count = countRaw === undefined ? null : Number(countRaw);
    if (count !== null && (!Number.isInteger(count) || count < 1)) throw new UsageError('--count: must be a positive integer');
    const topics = positionals.length > 1 ? positionals.slice(1) : [...DEFAULT_WATCH_TOPICS];
    topics.forEach(checkFilter);
    return { kind: 'watch', opts: clientOptions(client), topics, count };
  }
  const services = [...new Set(catalog.map((d) => d.service))];
  if (!services.includes(first)) throw new UsageError(`tablet: no service "${first}" (services: ${services.join(', ')}; "vimgw tablet list" shows every command)`);
  const actions = catalog.filter((d) => d.service === first).map((d) => d.action);
  if (second === undefined) throw new UsageError(`tablet ${first}: an action is required (${actions.join(', ')})`);
  const def = findCommand(catalog, first, second);
  if (!def) throw new UsageError(`tablet ${first}: no action "${second}" (${actions.join(', ')})`);
  if (positionals.length > 2) throw new UsageError(`${first} ${second}: unexpected "${positionals[2]}" (arguments are given as --name value)`);
  const { client, rest } = takeClientOptions(options, SEND_OPTIONS);
  if (client.has('help')) return { kind: 'command-help', def };
  const opts = clientOptions(client);
  const payloadRaw = client.get('payload');
  const idRaw = client.get('id');
  const payload = buildPayload(def, rest, typeof payloadRaw === 'string' ? payloadRaw : undefined, typeof idRaw === 'string' ? idRaw : undefined);
  return { kind: 'send', opts, def, payload };
}

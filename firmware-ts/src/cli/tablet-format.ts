// What `vimgw tablet` prints: the command listing and per-command help (both read
// from the schemas, so new commands document themselves), a reply in human form,
// and one line per watched message. Pure functions returning strings, so unit tests
// can check them without a terminal.
import { topicOf, type CommandDefinition } from '../api/command.js';
import { argSpecs, describeCommand, type ArgSpec } from './tablet-catalog.js';
import { shadowedByOption } from './tablet-args.js';
import { color } from './output.js';

export const TABLET_HELP = `usage: vimgw tablet <command> [options]

A reference tablet client: it logs in to the gateway's broker like a tablet and
sends any registered command, built from the command's payload schema.

commands:
  list [--json]                         every command: topic, roles, arguments
  <service> <action> [--ARG VALUE ...] [--payload JSON] [--id UUID] [--json]
                                        send vim/cmd/<service>/<action>, print the reply
  <service> <action> --help             that command's arguments
  watch [TOPIC ...] [--count N] [--json]
                                        print messages with a timestamp until Ctrl-C
                                        (default: vim/state/queue and vim/event/#)

options:
  --url U        broker (default mqtt://127.0.0.1:1883)
  --user U       username (default bakim); the password comes from $VIMGW_PASSWORD or a prompt
  --timeout S    seconds to connect and get the reply (default 10)
  --json         print the raw reply (or one JSON object per message)
  --payload JSON fields as one JSON object; --ARG VALUE given too wins over it
  --id UUID      the command id (default: a fresh UUID v4). Sending again with the same
                 --id is a safe retry: the gateway answers with the stored reply and does
                 not run the command twice.

Argument values are read as the schema says (integer, number, boolean, enum, string;
JSON for objects and arrays) and the payload is checked before anything is sent.

examples:
  VIMGW_PASSWORD=... vimgw tablet queue take --service A --user kiosk1
  vimgw tablet queue call-next --counter 2 --user ayse
  vimgw tablet watch vim/state/queue --count 1 --json

exit codes: 0 ok reply, 1 error reply (or login refused), 3 broker unreachable or no reply
in time, 64 usage error`;

function shellWord(v: string): string {
  return /^[A-Za-z0-9_./:@+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The arguments after `vimgw tablet` that send a schema example, e.g. `queue take --service A`. */
export function exampleArgv(def: CommandDefinition, example: unknown): string[] {
  const words = [def.service, def.action];
  const loose: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((example ?? {}) as Record<string, unknown>)) {
    if (k === 'id') continue;
    if (shadowedByOption(k)) {
      loose[k] = v;
      continue;
    }
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    // A value that looks like an option must be attached to its name.
    if (text.startsWith('--')) words.push(`--${k}=${text}`);
    else words.push(`--${k}`, text);
  }
  if (Object.keys(loose).length > 0) words.push('--payload', JSON.stringify(loose));
  return words;
}

/** An example command line from a schema example, quoted for a POSIX shell. */
export function exampleLine(def: CommandDefinition, example: unknown): string {
  return ['vimgw', 'tablet', ...exampleArgv(def, example).map(shellWord)].join(' ');
}

function argLine(a: ArgSpec, width: number): string {
  const flag = shadowedByOption(a.name) ? `(${a.name})` : `--${a.name}`;
  const type = a.enum ? a.enum.map((v) => String(v)).join('|') : a.type;
  const bits = [a.required ? 'required' : 'optional', type, ...a.limits];
  if (a.default !== undefined) bits.push(`default ${JSON.stringify(a.default)}`);
  if (shadowedByOption(a.name)) bits.push('set it with --payload');
  const desc = a.description ? `  ${a.description}` : '';
  return `    ${flag.padEnd(width)}  ${bits.join(', ')}${desc}`;
}

function commandBlock(def: CommandDefinition): string {
  const specs = argSpecs(def);
  const width = Math.max(8, ...specs.map((a) => a.name.length + 2));
  const lines = [`${color.bold(`${def.service} ${def.action}`)}  ${def.summary}`, `    topic ${topicOf(def)}, roles ${def.roles.join(', ')}`];
  if (specs.length === 0) lines.push('    (no arguments)');
  for (const a of specs) lines.push(argLine(a, width));
  return lines.join('\n');
}

/** `vimgw tablet list`: every command, grouped by service in registration order. */
export function formatCatalog(catalog: readonly CommandDefinition[]): string {
  return catalog.map(commandBlock).join('\n\n');
}

export function catalogJson(catalog: readonly CommandDefinition[]) {
  return catalog.map(describeCommand);
}

/** `vimgw tablet <service> <action> --help`. */
export function formatCommandHelp(def: CommandDefinition): string {
  const usage = `usage: vimgw tablet ${def.service} ${def.action}${argSpecs(def)
    .filter((a) => !shadowedByOption(a.name))
    .map((a) => (a.required ? ` --${a.name} VALUE` : ` [--${a.name} VALUE]`))
    .join('')} [--payload JSON] [--id UUID] [--json] [--url U] [--user U] [--timeout S]`;
  const examples = (def.examples ?? []).map((e) => `  ${exampleLine(def, e)}`);
  return [usage, '', commandBlock(def), ...(examples.length ? ['', 'examples:', ...examples] : []), '', '--id UUID makes a safe retry: the same id gets the stored reply back.'].join('\n');
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function fields(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `  ${k.padEnd(width)}  ${show(obj[k])}`);
}

export interface Reply {
  id: string | null;
  ok: boolean;
  result?: unknown;
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/** A reply in human form: `ok` and the result's fields aligned, or `error CODE: message` and the details. */
export function formatReply(r: Reply): string {
  if (r.ok) {
    const res = r.result;
    const body = typeof res === 'object' && res !== null && !Array.isArray(res) ? fields(res as Record<string, unknown>) : res === undefined ? [] : [`  ${show(res)}`];
    return [color.green('ok'), ...body].join('\n');
  }
  const e = r.error ?? {};
  const details = e.details && Object.keys(e.details).length > 0 ? fields(e.details) : [];
  return [`${color.red('error')} ${e.code ?? '?'}: ${e.message ?? ''}`, ...details].join('\n');
}

/** One watched message: ISO time, topic, the payload (compact JSON when it is JSON). */
export function formatMessage(at: Date, topic: string, payload: Buffer, retained: boolean, json: boolean): string {
  const text = payload.toString('utf8');
  let parsed: unknown = text;
  let isJson = false;
  try {
    parsed = JSON.parse(text);
    isJson = true;
  } catch {
    // Not JSON: shown as text.
  }
  if (json) return JSON.stringify({ at: at.toISOString(), topic, retained, payload: parsed });
  return `${at.toISOString()}  ${topic}${retained ? ' (retained)' : ''}  ${isJson ? JSON.stringify(parsed) : text}`;
}

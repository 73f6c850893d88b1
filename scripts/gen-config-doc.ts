// Generates docs/configuration.md, the config reference, from ConfigSchema
// (firmware-ts/src/config/schema.ts), the one schema behind the TS types, the
// validation and config/schema.json. test/unit/config-doc.test.ts renders it again
// in memory and fails when the committed file is stale.
//
//   npm run docs:config                          build, then write docs/configuration.md
//   node dist/scripts/gen-config-doc.js --check  exit 1 if the file is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT } from '../firmware-ts/src/cli/output.js';
import { ENV_PREFIX, EX_CONFIG, parseConfig } from '../firmware-ts/src/config/load.js';
import { ConfigSchema, ROLES } from '../firmware-ts/src/config/schema.js';
import { formatFieldErrors } from '../firmware-ts/src/schema/validator.js';

/** The JSON Schema keywords the config schema uses (TypeBox emits plain JSON Schema). */
interface SchemaNode {
  type?: string;
  enum?: readonly (string | number)[];
  const?: unknown;
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: readonly string[];
  items?: SchemaNode;
  additionalProperties?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
}

export interface FieldRow {
  /** Dotted JSON path as errors print it; `[]` stands for every array element. */
  path: string;
  type: string;
  required: 'yes' | 'no' | 'optional';
  default: string;
  allowed: string;
  description: string;
}

const ROLE_LIMIT_NOTES = Object.fromEntries(
  ROLES.flatMap((role) => [
    [`broker.limits.${role}`, `Limits for each client of role \`${role}\`.`],
    [
      `broker.limits.${role}.maxPayloadBytes`,
      'Largest publish accepted. A bigger command gets `PAYLOAD_TOO_LARGE`; any other bigger publish is dropped and logged.',
    ],
    [
      `broker.limits.${role}.publishPerSecond`,
      'Sustained publish rate (token bucket). Over it a command gets `RATE_LIMITED`; any other publish is dropped and logged.',
    ],
    [`broker.limits.${role}.burst`, 'Token-bucket size: how many publishes may arrive at once.'],
  ]),
) as Record<string, string>;

/**
 * Facts about a field that its schema description does not carry (where paths are
 * resolved, what reads it, what is planned). Appended after the schema's own
 * description, or put before it when the note ends in ': '. A field without
 * either renders as "(no description)", which the doc test rejects. Keys must be
 * real paths (the doc test checks that too).
 */
export const NOTES: Record<string, string> = {
  $schema: 'Ignored by the gateway.',
  vehicle: 'The vehicle this gateway runs in.',
  'vehicle.id': 'Stamped on every journal record and shown in the start-up banner.',
  'vehicle.name': 'Human-readable name, shown in the start-up banner and in `vim/state/gateway`.',
  dataDir: "Relative to the config file's directory. Created when missing.",
  log: 'pino JSON lines on stdout (for journald), one child logger per part, personal data redacted.',
  'log.level': 'Lowest level written.',
  'log.pretty': '`always` or `never` forces the choice.',
  store: 'The SQLite journal, outbox and command-id table (WAL, `synchronous=FULL`, group commit).',
  'store.file': 'Journal database file, relative to `dataDir`.',
  'store.maxBatch': '(one transaction and one fsync). More waiting commands are committed in further batches.',
  'store.idempotencyDays': '(a retry within it gets the first answer). Older ids are pruned at start and then daily.',
  settings: 'Runtime settings that staff change while the gateway runs (counter names, services open today, stop plan).',
  'settings.file': 'file name, relative to `dataDir`. Written atomically (temp file and rename).',
  broker: 'The local MQTT broker (aedes, MQTT 3.1.1) that the tablets use.',
  'broker.tcp': 'Plain MQTT listener.',
  'broker.tcp.port': 'TCP port; `0` picks a free one.',
  'broker.tls': 'MQTT over TLS listener; absent means none.',
  'broker.tls.host': 'Bind address.',
  'broker.tls.port': 'TCP port; `0` picks a free one.',
  'broker.tls.certFile': "PEM certificate (chain), relative to the config file's directory.",
  'broker.tls.keyFile': "PEM private key, relative to the config file's directory; the gateway's user must be able to read it.",
  'broker.tls.caFile': "PEM CA certificates, relative to the config file's directory: sent with the server's chain, and, with `requireClientCert`, the CA the tablets' certificates must chain to.",
  'broker.ws': 'MQTT over WebSocket listener (plain `ws://`, any URL path); absent means none.',
  'broker.ws.port': 'TCP port; `0` picks a free one.',
  'broker.credentialsFile':
    "Relative to the config file's directory. Re-read within about 2 s of a change, without a restart; a missing file means no users, so every login is refused.",
  'broker.drainTimeoutMs':
    "How long aedes waits for a slow client's socket to drain before it disconnects that client, so that one stalled tablet cannot freeze delivery to the others.",
  'broker.limits': 'Per-role limits, applied to each client connection.',
  ...ROLE_LIMIT_NOTES,
  devices: 'The van\'s hardware. The GNSS and modem drivers run today; printers, the display, the card terminal and GPIO are validated but their drivers are planned. A `sim://NAME` port runs the in-process simulator from `devices/`.',
  'devices.gnss': '; absent means no GNSS receiver.',
  'devices.gnss.enabled': 'Whether the device is used.',
  'devices.gnss.port': 'Transport URI: ',
  'devices.gnss.baud': 'Serial line speed (serial:// ports).',
  'devices.modem': '; absent means no modem.',
  'devices.modem.enabled': 'Whether the device is used.',
  'devices.modem.port': 'Transport URI: ',
  'devices.modem.baud': 'Serial line speed (serial:// ports).',
  'devices.printers': 'Thermal printers (ESC/POS); empty means none.',
  'devices.printers[].name': 'Printer name (lower case, digits, `-`).',
  'devices.printers[].port': 'Transport URI: ',
  'devices.printers[].type': 'ESC/POS dialect.',
  'devices.printers[].codePage': 'Code page for Turkish text (CP857 is `ESC t 13`).',
  'devices.printers[].widthChars': 'Characters per line.',
  'devices.display': 'Queue-number LED board; absent means none.',
  'devices.display.enabled': 'Whether the device is used.',
  'devices.display.port': 'Transport URI: ',
  'devices.display.baud': 'Serial line speed (serial:// ports).',
  'devices.terminal': 'Card payment terminal; absent means none.',
  'devices.terminal.enabled': 'Whether the device is used.',
  'devices.terminal.port': 'Transport URI (a ZVT terminal on the network usually listens on TCP port 20007): ',
  'devices.terminal.protocol': 'Terminal protocol.',
  'devices.gpio': 'GPIO lines: kiosk buttons, status LEDs, chime, ignition sense; absent means none.',
  'devices.gpio.enabled': 'Whether GPIO is used.',
  systemd: 'systemd watchdog behaviour; only used when the unit sets `WatchdogSec=`.',
  'systemd.maxEventLoopLagMs': '(the worst event-loop delay since the previous ping).',
  demo: 'Simulated bench only: logins printed in the start-up banner. Login itself is checked against `broker.credentialsFile` only.',
  'demo.logins[].username': 'Broker username.',
  'demo.logins[].password': 'Printed in clear: never put a real password here.',
  'demo.logins[].role': 'Role, as in the credentials file.',
};

function code(v: unknown): string {
  return `\`${JSON.stringify(v)}\``;
}

function typeOf(n: SchemaNode): string {
  if (n.type === 'array') return `array of ${n.items ? typeOf(n.items) : 'any'}`;
  return n.type ?? 'any';
}

function allowedOf(n: SchemaNode): string {
  const parts: string[] = [];
  if (n.enum) parts.push(`one of ${n.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (n.const !== undefined) parts.push(`exactly ${code(n.const)}`);
  if (n.type === 'boolean') parts.push('`true` or `false`');
  if (n.pattern !== undefined) parts.push(`matches \`${n.pattern}\``);
  if (n.minLength === 1 && n.maxLength === undefined) parts.push('not empty');
  else if (n.minLength !== undefined || n.maxLength !== undefined) {
    parts.push(`${n.minLength ?? 0} to ${n.maxLength ?? '∞'} characters`);
  }
  if (n.minimum !== undefined && n.maximum !== undefined) parts.push(`${n.minimum} to ${n.maximum}`);
  else if (n.minimum !== undefined) parts.push(`at least ${n.minimum}`);
  else if (n.maximum !== undefined) parts.push(`at most ${n.maximum}`);
  if (n.exclusiveMinimum !== undefined) parts.push(`greater than ${n.exclusiveMinimum}`);
  if (n.exclusiveMaximum !== undefined) parts.push(`less than ${n.exclusiveMaximum}`);
  if (n.type === 'object' && n.additionalProperties === false) parts.push('object; unknown fields are errors');
  if (n.type === 'array') parts.push(n.items?.type === 'object' ? 'a list of objects (fields below)' : 'a list');
  if (parts.length === 0 && n.type === 'string') parts.push('any string');
  return parts.length ? parts.join('; ') : 'any';
}

function describeField(path: string, n: SchemaNode): string {
  const own = n.description?.trim() ?? '';
  const note = NOTES[path] ?? '';
  if (!own) return note.replace(/:\s*$/, '.') || '(no description)';
  const sentence = /[.!?]$/.test(own) ? own : `${own}.`;
  if (!note) return sentence;
  if (note.endsWith(': ')) return `${note}${sentence}`;
  // A note starting with punctuation or lower case continues the schema's sentence.
  if (/^[.;,(]/.test(note)) return `${own}${note.startsWith('(') ? ' ' : ''}${note}`;
  if (/^[a-z]/.test(note)) return `${own} ${note}`;
  return `${own}. ${note}`;
}

/** Every field of the schema, depth first, in the schema's key order. */
export function fields(schema: unknown = ConfigSchema): FieldRow[] {
  const rows: FieldRow[] = [];
  const walk = (node: SchemaNode, base: string) => {
    const required = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = base === '' ? key : `${base}.${key}`;
      rows.push({
        path,
        type: typeOf(child),
        required: !required.has(key) ? 'optional' : child.default === undefined ? 'yes' : 'no',
        default: child.default === undefined ? '' : code(child.default),
        allowed: allowedOf(child),
        description: describeField(path, child),
      });
      if (child.type === 'object') walk(child, path);
      if (child.type === 'array' && child.items?.type === 'object') walk(child.items, `${path}[]`);
    }
  };
  walk(schema as SchemaNode, '');
  return rows;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(rows: FieldRow[]): string[] {
  return [
    '| Path | Type | Required | Default | Allowed values | Description |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) => `| \`${cell(r.path)}\` | ${cell(r.type)} | ${r.required} | ${cell(r.default) || '—'} | ${cell(r.allowed)} | ${cell(r.description)} |`,
    ),
  ];
}

/** Runs the real loader on a document and prints its errors exactly as the gateway does. */
function errorsFor(doc: unknown, env: NodeJS.ProcessEnv = {}): string {
  const r = parseConfig(JSON.stringify(doc), null, env);
  return r.ok ? '(valid)' : formatFieldErrors(r.errors);
}

function defaultsAloneNote(): string[] {
  const r = parseConfig('{}', null, {});
  if (r.ok) return ['Without `--config` and without `VIM_CONFIG`, the gateway runs on the schema defaults alone.'];
  return [
    'Without `--config` and without `VIM_CONFIG`, the loader validates an empty document, i.e. the schema',
    `defaults alone. Today that is not a complete configuration, so the gateway exits with code ${EX_CONFIG} and says why:`,
    '',
    '```text',
    formatFieldErrors(r.errors),
    '```',
  ];
}

/** The whole of docs/configuration.md. Deterministic: no dates, no machine paths. */
export function renderConfigDoc(): string {
  const rows = fields();
  const sections = new Map<string, FieldRow[]>();
  for (const r of rows) {
    const top = r.path.split(/[.[]/)[0]!;
    sections.set(top, [...(sections.get(top) ?? []), r]);
  }
  const schema = ConfigSchema as unknown as SchemaNode & { $id?: string; title?: string };
  const minimal = parseConfig('{}', null, {}).ok ? {} : { broker: { tcp: {} } };
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated by scripts/gen-config-doc.ts from ConfigSchema in firmware-ts/src/config/schema.ts.',
    '     Do not edit by hand: run `npm run docs:config`. test/unit/config-doc.test.ts fails when this file is stale. -->',
    '',
    `The gateway reads one JSON document, "${schema.title ?? 'configuration'}". One TypeBox schema`,
    '(`ConfigSchema` in `firmware-ts/src/config/schema.ts`) is the source of its TypeScript types, of the validation',
    `and of the JSON Schema \`config/schema.json\` (\`$id\` \`${schema.$id ?? ''}\`), which \`npm run build\` exports`,
    'and which editors can use through the `$schema` field.',
    '',
    'Two complete examples:',
    '',
    '- `config/default.json`: the simulated bench; runs on any machine (`npm start`).',
    '- `config/pi.example.json`: the real van (devices under `/dev/vim-*`, broker on the Wi-Fi address, TLS).',
    '',
    '## Where the configuration comes from',
    '',
    'Later sources win:',
    '',
    '1. **Schema defaults.** Every field with a default below may be left out; every object is closed, so a',
    '   misspelt key is an error, never a silent default.',
    '2. **The file** named by `--config FILE` (or `-c FILE`), or else by the environment variable `VIM_CONFIG`.',
    `3. **Environment overrides**, meant for secrets: \`${ENV_PREFIX}<key>__<key>...=value\` sets the field at that`,
    '   path, with the keys spelt exactly as in the file (case matters), for example',
    `   \`${ENV_PREFIX}broker__tls__keyFile=/run/credentials/vim-gateway/tls.key\`.`,
    '   - The value is parsed as JSON when it parses (`1884`, `true`, `{"host":"10.42.0.1"}`), and is a plain',
    `     string otherwise. A secret that looks like a number must be quoted: \`${ENV_PREFIX}x='"12345678"'\`.`,
    '   - Arrays are replaced whole; a key cannot index into an array.',
    '   - Overrides apply even without a file, and the result is validated like the file itself. A name with an',
    '     empty key (`__` twice in a row) or `__proto__`, `constructor` or `prototype` is an error that names the',
    '     variable.',
    '',
    ...defaultsAloneNote(),
    '',
    '### Paths in the configuration',
    '',
    "- `dataDir`, `broker.credentialsFile` and `broker.tls.certFile` / `keyFile` / `caFile`: relative to the config",
    "  file's directory (to the working directory when there is no file).",
    '- `store.file` and `settings.file`: relative to `dataDir`.',
    '',
    '## A bad configuration',
    '',
    `A bad configuration stops start-up before anything starts: the gateway prints every error, one per line as`,
    `\`path: reason\` (\`(document)\` for the document as a whole), and exits with code ${EX_CONFIG} (\`EX_CONFIG\` from`,
    `sysexits.h; \`systemd/vim-gateway.service\` does not restart on it). \`vimgw config check [FILE] [--json]\` runs`,
    `the same validation without starting anything and exits ${EXIT.config} for a bad file, ${EXIT.ok} for a good one.`,
    '',
    'Examples, produced by the real loader when this file was generated:',
    '',
    '```text',
    `# "devices": {"gnss": {"port": "serial:///dev/vim-gnss", "baud": 4000}}`,
    errorsFor({ ...minimal, devices: { gnss: { port: 'serial:///dev/vim-gnss', baud: 4000 } } }),
    `# "devices": {"gnss": {"prot": "sim://gnss"}}, "brokr": {}`,
    errorsFor({ ...minimal, devices: { gnss: { prot: 'sim://gnss' } }, brokr: {} }),
    `# "broker": {"tcp": {"port": "1883"}}, "devices": {"printers": [{"name": "Desk", "port": "lp0"}]}`,
    errorsFor({ broker: { tcp: { port: '1883' } }, devices: { printers: [{ name: 'Desk', port: 'lp0' }] } }),
    `# ${ENV_PREFIX}broker__tcp__port=70000`,
    errorsFor(minimal, { [`${ENV_PREFIX}broker__tcp__port`]: '70000' }),
    '# a file that is not JSON',
    '(document): is not valid JSON (<the JSON parser\'s message>)',
    '# a file that cannot be read',
    '(document): cannot be read (ENOENT)',
    '```',
    '',
    '## Fields',
    '',
    'Paths are written as the errors print them; `[]` stands for every element of an array (errors name the',
    'index, as in `devices.printers[0].name`). **Required**: `yes` must be given; `no` has a default (an object',
    'whose default is `{}` is filled from its fields\' defaults); `optional` may be left out, and then the feature',
    'is off. A required field inside an optional object is required only when that object is present.',
    '',
  ];
  for (const [top, group] of sections) {
    out.push(`### \`${top}\``, '', ...table(group), '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

/** The repository root: the nearest directory above this file holding our package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vim-gateway') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the vim-gateway package.json above this script');
    dir = up;
  }
}

function main(argv: string[]): number {
  const target = join(repoRoot(), 'docs', 'configuration.md');
  const text = renderConfigDoc();
  if (argv.includes('--check')) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current === text) return 0;
    process.stderr.write(`${target} is stale: run npm run docs:config\n`);
    return 1;
  }
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) process.exit(main(process.argv.slice(2)));

// The HQ sync configuration (`sync` once config/schema.ts composes it): push to the
// HQ broker, the HTTP pull API, the outbox budgets and the retention. The schema checks
// shapes; `syncConfigErrors` checks the cross-field rules and `resolveSyncPaths` makes
// file names absolute, both called by config/load.ts (exit 78 on a bad config).
import { Type, type Static } from '@sinclair/typebox';
import { OneOf, Strict } from '../schema/types.js';
import type { FieldError } from '../schema/validator.js';
import type { OutboxPolicy } from '../store/outbox-pressure.js';
import { RECORD_CLASSES, type RecordClass } from '../store/records.js';

const MiB = 1024 * 1024;
const File = (description: string) => Type.String({ minLength: 1, description });

const Push = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Push to the HQ broker at all' }),
    url: Type.String({
      pattern: '^(mqtt|mqtts|tcp|ssl|tls)://[^\\s/]+(:\\d+)?/?$',
      description: 'HQ broker, MQTT 3.1.1: mqtt://host:1883 or mqtts://host:8883 (TLS)',
    }),
    username: Type.Optional(Type.String({ minLength: 1, description: 'User name at the HQ broker' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'Better set through VIM_CFG__sync__push__password' })),
    caFile: Type.Optional(File("PEM CA bundle that signs HQ's broker certificate; default: the system CAs")),
    certFile: Type.Optional(File('PEM client certificate (mutual TLS); needs keyFile')),
    keyFile: Type.Optional(File('PEM private key of certFile')),
    serverName: Type.Optional(Type.String({ minLength: 1, description: "Name to check the broker's certificate against, when it differs from the URL's host" })),
    topicPrefix: Type.String({ default: 'inegol/vim', pattern: '^[^#+\\s]+[^/#+\\s]$', description: 'Batches go to <topicPrefix>/<vehicle>/records/<class>' }),
    keepaliveS: Type.Integer({
      default: 60,
      minimum: 10,
      maximum: 1200,
      description: 'MQTT keepalive: short enough that a dead cellular path is noticed, long enough that idle pings cost little (the broker drops us after 1.5x)',
    }),
    connectTimeoutS: Type.Integer({ default: 30, minimum: 1, maximum: 300, description: 'Give up on a CONNECT without CONNACK after this long' }),
    batchRecords: Type.Integer({ default: 500, minimum: 1, maximum: 10_000, description: 'Most records in one batch' }),
    batchBytes: Type.Integer({ default: 65_536, minimum: 1024, maximum: 16 * MiB, description: 'Most record bytes in one batch (before compression); one larger record goes alone' }),
    window: Type.Integer({ default: 2, minimum: 1, maximum: 32, description: 'Batches per class published and not yet acknowledged (PUBACK)' }),
    bandwidthBytesPerS: Type.Optional(Type.Integer({ minimum: 256, description: 'Cap on bytes sent per second, for a metered SIM; none: no cap' })),
    backoffMinMs: Type.Integer({ default: 1000, minimum: 10, maximum: 600_000, description: 'First reconnect delay (doubles, with jitter)' }),
    backoffMaxMs: Type.Integer({ default: 60_000, minimum: 10, maximum: 3_600_000, description: 'Longest reconnect delay' }),
    wifiInterfaces: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,15}$' }), {
      default: ['wlan0'],
      description: 'Network interfaces whose link counts as "Wi-Fi up" (besides a registered modem)',
    }),
    requireLink: OneOf(['auto', 'never'] as const, {
      default: 'auto',
      description: 'auto: push only while the modem is registered or a Wi-Fi interface is up (a loopback broker counts as reachable); never: always try',
    }),
  },
  { description: 'Push: publish the outbox to the HQ broker (QoS 1, marked delivered on PUBACK)' },
);

const Listen = Strict({
  host: Type.String({ minLength: 1, description: 'Address to bind; only the configured interfaces are served' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port (0: any free port, for tests)' }),
});

const Pull = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve the pull API at all' }),
    listen: Type.Array(Listen, { minItems: 1, default: [{ host: '127.0.0.1', port: 8443 }], description: 'Where the pull API listens' }),
    tls: Type.Optional(
      Strict({
        certFile: File('PEM server certificate'),
        keyFile: File('PEM private key'),
        caFile: Type.Optional(File('PEM CA for client certificates; when set, clients must present one')),
      }, { description: 'Serve HTTPS with this certificate (plain HTTP without it)' }),
    ),
    consumers: Type.Array(
      Strict({
        name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'Consumer name; each keeps its own cursor' }),
        tokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 (hex) of the bearer token; `node dist/scripts/sync-token.js NAME` makes one' }),
      }),
      { default: [], description: 'Who may pull: per-consumer bearer tokens, stored hashed' },
    ),
    defaultLimit: Type.Integer({ default: 1000, minimum: 1, maximum: 100_000, description: 'Records per response when the request names no limit' }),
    maxLimit: Type.Integer({ default: 50_000, minimum: 1, maximum: 1_000_000, description: 'Most records one response may ask for' }),
    maxFailures: Type.Integer({ default: 10, minimum: 1, maximum: 1000, description: 'Failed authentications per address before it is locked out' }),
    lockoutS: Type.Integer({ default: 300, minimum: 1, maximum: 86_400, description: 'How long a locked-out address gets 429' }),
    requestsPerSecond: Type.Number({
      default: 20,
      minimum: 0.1,
      maximum: 100_000,
      description: "Requests per second one consumer's token may make (token bucket; 429 RATE_LIMITED beyond): a leaked token cannot wear the SD card with served-range fsyncs",
    }),
    burst: Type.Integer({ default: 40, minimum: 1, maximum: 100_000, description: 'Requests a consumer may make at once before requestsPerSecond applies' }),
  },
  { description: 'Pull: HTTP API from which HQ fetches records (NDJSON) and acknowledges them' },
);

const ClassBytes = (defaults: Record<RecordClass, number>) =>
  Strict(
    Object.fromEntries(RECORD_CLASSES.map((c) => [c, Type.Integer({ minimum: 4096, default: defaults[c], description: `Byte budget of class ${c}` })])) as Record<RecordClass, ReturnType<typeof Type.Integer>>,
    { default: {}, description: 'Byte budget per class (payload + an estimated 320 bytes per record)' },
  );

const Outbox = Strict(
  {
    classBudgetBytes: ClassBytes({ money: 512 * MiB, requests: 1024 * MiB, queue: 512 * MiB, events: 512 * MiB, track: 1024 * MiB }),
    totalBudgetBytes: Type.Integer({ minimum: 65_536, default: 2048 * MiB, description: 'Byte budget of the whole outbox' }),
    freeFloorBytes: Type.Integer({ minimum: 0, default: 256 * MiB, description: 'Free disk the outbox never eats into' }),
    diskCheckS: Type.Number({ minimum: 0.1, maximum: 3600, default: 5, description: 'How often the free disk is measured' }),
  },
  { default: {}, description: 'Outbox budgets: under pressure track points go first, then device events; money, requests and queue records are refused (STORE_FULL) rather than dropped' },
);

const PiiRule = Strict({
  type: Type.String({ minLength: 1, description: 'Record type, e.g. requests.created' }),
  paths: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$' }), { minItems: 1, description: 'Payload fields (dotted) that hold personal data' }),
});

export const DEFAULT_PII_RULES = [
  { type: 'requests.created', paths: ['citizen.name', 'citizen.phone', 'citizen.tckn', 'citizen.address', 'citizen.email'] },
  { type: 'payment.started', paths: ['payer.name', 'payer.id'] },
];

const Retention = Strict(
  {
    acknowledgedDays: Type.Number({ minimum: 0.0001, maximum: 3650, default: 90, description: 'Records HQ has acknowledged are deleted this long after the acknowledgement' }),
    personalDataDays: Type.Number({ minimum: 0.0001, maximum: 3650, default: 30, description: 'KVKK: personal data in acknowledged records is cleared this long after the acknowledgement (logged in purge_log)' }),
    personalData: Type.Array(PiiRule, { default: DEFAULT_PII_RULES, description: 'Where personal data sits, per record type' }),
    everyMinutes: Type.Number({ minimum: 0.01, maximum: 1440, default: 60, description: 'How often retention runs' }),
  },
  { default: {}, description: 'Retention of acknowledged records (KVKK)' },
);

export const SyncOptionsSchema = Strict(
  {
    push: Type.Optional(Push),
    pull: Type.Optional(Pull),
    outbox: Outbox,
    retention: Retention,
    stateIntervalS: Type.Number({ minimum: 0.1, maximum: 600, default: 5, description: 'Most time between two vim/state/sync publishes' }),
    led: Type.String({ default: 'sync', description: 'GPIO LED (devices.gpio.lines.leds) for the sync state: red (fault) on STORE_FULL' }),
  },
  { default: {}, description: 'Store-and-forward to headquarters' },
);

export type SyncOptions = Static<typeof SyncOptionsSchema>;
export type PushOptions = Static<typeof Push>;
export type PullOptions = Static<typeof Pull>;
export type RetentionOptions = Static<typeof Retention>;

/** What a record costs on disk beyond its payload: id, times, boot id, index entries. */
export const ROW_OVERHEAD_BYTES = 320;

export function toOutboxPolicy(o: SyncOptions): OutboxPolicy {
  return { classBudgetBytes: o.outbox.classBudgetBytes, totalBudgetBytes: o.outbox.totalBudgetBytes, rowOverheadBytes: ROW_OVERHEAD_BYTES };
}

export function syncConfigErrors(o: SyncOptions): FieldError[] {
  const errors: FieldError[] = [];
  const p = o.push;
  if (p) {
    if ((p.certFile === undefined) !== (p.keyFile === undefined)) errors.push({ path: 'sync.push.certFile', message: 'certFile and keyFile go together' });
    if (p.password !== undefined && p.username === undefined) errors.push({ path: 'sync.push.password', message: 'a password needs a username' });
    if (p.backoffMaxMs < p.backoffMinMs) errors.push({ path: 'sync.push.backoffMaxMs', message: `must be at least backoffMinMs (${p.backoffMinMs})` });
  }
  const names = new Set<string>();
  o.pull?.consumers.forEach((c, i) => {
    if (names.has(c.name)) errors.push({ path: `sync.pull.consumers[${i}].name`, message: `"${c.name}" is used twice` });
    if (c.name === 'push') errors.push({ path: `sync.pull.consumers[${i}].name`, message: '"push" is the push consumer\'s name' });
    names.add(c.name);
  });
  if (o.pull && o.pull.defaultLimit > o.pull.maxLimit) errors.push({ path: 'sync.pull.defaultLimit', message: `must not exceed maxLimit (${o.pull.maxLimit})` });
  return errors;
}

/** Makes the certificate and key paths absolute, relative to the config file. */
export function resolveSyncPaths(o: SyncOptions, abs: (p: string) => string): void {
  const p = o.push;
  if (p?.caFile) p.caFile = abs(p.caFile);
  if (p?.certFile) p.certFile = abs(p.certFile);
  if (p?.keyFile) p.keyFile = abs(p.keyFile);
  const t = o.pull?.tls;
  if (t) {
    t.certFile = abs(t.certFile);
    t.keyFile = abs(t.keyFile);
    if (t.caFile) t.caFile = abs(t.caFile);
  }
}

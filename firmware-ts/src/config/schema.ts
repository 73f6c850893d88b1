// The gateway's configuration: the single source of the TS types, the validation
// and the exported config/schema.json (zigbee2mqtt's schema-validated config is the
// model). Every object is closed, so a typo in a key is an error, not a default.
import { Type, type Static } from '@sinclair/typebox';
import { OneOf, Strict } from '../schema/types.js';
import { DisplayOptionsSchema } from '../drivers/display/options.js';
import { GpioOptionsSchema } from '../drivers/gpio/options.js';
import { PrinterConfigSchema } from '../drivers/printer/options.js';
import { TerminalConfigSchema } from '../drivers/terminal/options.js';
import { QueueOptionsSchema } from '../services/queue/options.js';
import { VisitsOptionsSchema } from '../services/visits/options.js';
import { RequestsOptionsSchema } from '../services/requests/options.js';
import { PaymentsOptionsSchema } from '../services/payments/options.js';
import { SyncOptionsSchema } from '../sync/options.js';
import { ControlOptionsSchema } from '../control/options.js';
import { WebOptionsSchema } from '../web/options.js';

export const BAUD_RATES = [4800, 9600, 38400, 115200] as const;
export const ROLES = ['staff', 'kiosk', 'display', 'maintenance'] as const;
export type Role = (typeof ROLES)[number];

/** A transport URI as DESIGN.md lists them: serial://, tcp://, file://, sim://. */
const PortUri = Type.String({
  pattern: '^(serial|tcp|file|sim)://.+',
  description: 'serial:///dev/vim-gnss, tcp://host:port, file:///dev/usb/lp0 or sim://NAME',
});

/** A listener; `always` gives it a default so it exists even when the file omits it. */
const Listen = (port: number, always: boolean) =>
  Strict(
    {
      host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Bind address; the van binds the Wi-Fi address' }),
      port: Type.Integer({ default: port, minimum: 0, maximum: 65535 }),
    },
    always ? { default: {} } : {},
  );

const RoleLimit = (payload: number, rate: number) =>
  Strict(
    {
      maxPayloadBytes: Type.Integer({ default: payload, minimum: 64, maximum: 16 * 1024 * 1024 }),
      publishPerSecond: Type.Number({ default: rate, exclusiveMinimum: 0 }),
      burst: Type.Integer({ default: Math.max(1, rate * 2), minimum: 1 }),
    },
    { default: {} },
  );

const Gnss = Strict(
  {
    enabled: Type.Boolean({ default: true }),
    port: PortUri,
    baud: OneOf(BAUD_RATES, { default: 9600 }),
    staleAfterS: Type.Number({ default: 5, exclusiveMinimum: 0, description: 'A fix older than this is stale' }),
    publishIntervalMs: Type.Integer({ default: 1000, minimum: 100, description: 'Most frequent vim/state/gnss publish' }),
    trackMinDistanceM: Type.Number({ default: 50, exclusiveMinimum: 0, description: 'A track point every this many metres while moving' }),
    trackMaxIntervalS: Type.Number({ default: 30, exclusiveMinimum: 0, description: 'A track point at least this often while moving; none while parked' }),
  },
  { description: 'GNSS receiver, NMEA 0183' },
);

const Modem = Strict(
  {
    enabled: Type.Boolean({ default: true }),
    port: PortUri,
    baud: OneOf(BAUD_RATES, { default: 115200 }),
    vendor: OneOf(['auto', 'quectel', 'simcom', 'generic'] as const, {
      default: 'auto',
      description: 'Module family for vendor extras (Quectel EC25/EG25, SIMCom SIM7600); auto reads AT+CGMI/AT+CGMM; generic uses 27.007 only',
    }),
    pollIntervalS: Type.Number({
      default: 10,
      minimum: 0.01,
      maximum: 3600,
      description: 'Seconds between status polls (SIM, signal, registration, operator)',
    }),
    notRegisteredMinutes: Type.Number({
      default: 5,
      minimum: 0.001,
      maximum: 1440,
      description: 'Minutes without network registration (SIM ready) before the recovery ladder takes its next step',
    }),
  },
  { description: 'Cellular modem, 3GPP TS 27.007 AT commands' },
);

// Printers, the LED board, the card terminal and GPIO keep their schemas next to their
// drivers (one source each); the config composes them.
const Tls = Strict({
  host: Type.String({ default: '0.0.0.0', minLength: 1 }),
  port: Type.Integer({ default: 8883, minimum: 0, maximum: 65535 }),
  certFile: Type.String({ minLength: 1 }),
  keyFile: Type.String({ minLength: 1 }),
  caFile: Type.Optional(Type.String({ minLength: 1 })),
  requireClientCert: Type.Optional(Type.Boolean({ description: 'true: refuse TLS clients without a certificate signed by caFile (the password is still checked); absent or false: none asked for' })),
  certIsUsername: Type.Optional(
    Type.Boolean({ description: "true (needs requireClientCert): a TLS client's certificate subject CN must be its MQTT username, so one tablet's certificate cannot log in as another user; a mismatch is refused like a wrong password" }),
  ),
});

export const ConfigSchema = Strict(
  {
    $schema: Type.Optional(Type.String({ description: 'Editor hint: path to config/schema.json' })),
    vehicle: Strict(
      {
        id: Type.String({ pattern: '^[A-Z0-9-]{2,16}$', default: 'VIM-01', description: 'Fleet-unique vehicle id' }),
        name: Type.String({ default: 'VİM aracı' }),
      },
      { default: {} },
    ),
    dataDir: Type.String({ default: 'var/data', minLength: 1, description: 'Journal and settings live here' }),
    log: Strict(
      {
        level: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, { default: 'info' }),
        pretty: OneOf(['auto', 'always', 'never'] as const, { default: 'auto', description: 'auto: pretty on a TTY' }),
      },
      { default: {} },
    ),
    store: Strict(
      {
        file: Type.String({ default: 'journal.sqlite', minLength: 1 }),
        maxBatch: Type.Integer({ default: 512, minimum: 1, description: 'Most commands sharing one commit' }),
        idempotencyDays: Type.Integer({ default: 30, minimum: 1, description: 'How long a command id is remembered' }),
      },
      { default: {} },
    ),
    settings: Strict(
      { file: Type.String({ default: 'settings.json', minLength: 1, description: 'lowdb runtime settings' }) },
      { default: {} },
    ),
    broker: Strict(
      {
        tcp: Listen(1883, true),
        tls: Type.Optional(Tls),
        ws: Type.Optional(Listen(8080, false)),
        credentialsFile: Type.String({ default: 'users.json', minLength: 1, description: 'scrypt hashes, written by `vimgw user add`' }),
        drainTimeoutMs: Type.Integer({ default: 10000, minimum: 100 }),
        limits: Strict(
          {
            // 12 MiB: a requests/create with 4 photos of 2 MB as base64 (11.2 MB) and its texts (services/requests/options.ts staffPayloadNeeded).
            staff: RoleLimit(12 * 1024 * 1024, 50),
            kiosk: RoleLimit(1024, 2),
            display: RoleLimit(256, 1),
            maintenance: RoleLimit(65536, 50),
          },
          { default: {} },
        ),
      },
      { default: {} },
    ),
    devices: Strict(
      {
        gnss: Type.Optional(Gnss),
        modem: Type.Optional(Modem),
        printers: Type.Array(PrinterConfigSchema, { default: [], description: 'Thermal printers (ESC/POS); names must be unique' }),
        display: Type.Optional(DisplayOptionsSchema),
        terminal: Type.Optional(TerminalConfigSchema),
        gpio: Type.Optional(GpioOptionsSchema),
      },
      { default: {} },
    ),
    queue: QueueOptionsSchema,
    visits: VisitsOptionsSchema,
    requests: RequestsOptionsSchema,
    payments: PaymentsOptionsSchema,
    sync: SyncOptionsSchema,
    control: Type.Optional(ControlOptionsSchema),
    web: Type.Optional(WebOptionsSchema),
    systemd: Strict(
      {
        maxEventLoopLagMs: Type.Integer({ default: 2000, minimum: 10, description: 'Lag that withholds WATCHDOG=1' }),
      },
      { default: {} },
    ),
    demo: Type.Optional(
      Strict({
        logins: Type.Array(
          Strict({ username: Type.String(), password: Type.String(), role: OneOf(ROLES) }),
          { description: 'Printed at start-up on the simulated bench only' },
        ),
      }),
    ),
  },
  { $id: 'https://inegol.bel.tr/vim-gateway/config.schema.json', title: 'VİM gateway configuration' },
);

export type Config = Static<typeof ConfigSchema>;
export type RoleLimits = Config['broker']['limits'];

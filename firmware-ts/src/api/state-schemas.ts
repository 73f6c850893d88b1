// Schemas of the retained `vim/state/...` payloads, for docs/asyncapi.yaml only:
// the producers (state-publisher.ts, device-state.ts, gnss-driver.ts, modem/state.ts)
// build these objects from TypeScript interfaces, and nothing validates them at run
// time. They are written by hand from those interfaces and should move next to their
// producers, with the interfaces derived from them (Static<>), so the two cannot drift.
import { Type, type TSchema } from '@sinclair/typebox';
import { OneOf } from '../schema/types.js';

const Nullable = <T extends TSchema>(t: T, description?: string) =>
  Type.Union([t, Type.Null()], description === undefined ? {} : { description });
const Iso = (description: string) => Type.String({ description: `${description} (ISO 8601)` });
const NumOrNull = (description: string) => Nullable(Type.Number(), description);

const HealthStateSchema = OneOf(['ok', 'degraded', 'failed', 'absent'] as const);

/** lifecycle.ts Health. */
const HealthProps = {
  state: HealthStateSchema,
  since: Iso('Time of the last change of state'),
  detail: Type.String({ description: 'Why, in words: "no fix yet", "port not open (...)"' }),
  counters: Type.Optional(Type.Record(Type.String(), Type.Number(), { description: 'Counters of the part, for diagnosis' })),
};

/** state-publisher.ts GatewaySnapshot plus `at`. */
export const GatewayState = Type.Object(
  {
    vehicle: Type.String({ description: 'Vehicle id' }),
    name: Type.String({ description: 'Vehicle name' }),
    version: Type.String({ description: 'Gateway version' }),
    state: HealthStateSchema,
    startedAt: Iso('Start of this gateway process'),
    parts: Type.Record(Type.String(), Type.Object(HealthProps), { description: 'Health of each part, by name' }),
    at: Iso('Time of publishing'),
  },
  { description: "The gateway's own health and its parts'; on change and every 10 s as a heartbeat" },
);

/** device-state.ts: `{ name, ...Health, at }`. */
export const DeviceState = Type.Object(
  { name: Type.String({ description: 'Device name, as in the topic' }), ...HealthProps, at: Iso('Time of publishing') },
  { description: "A device's health; published on every change of state or detail" },
);

/** gnss-state.ts GnssFix. */
const GnssFix = Type.Object({
  time: Nullable(Type.String(), 'UTC time of the epoch (ISO 8601); null until a date is known'),
  timeMs: NumOrNull('The same as epoch milliseconds'),
  mode: OneOf(['none', '2d', '3d'] as const),
  lat: NumOrNull('Decimal degrees, south negative; null without a 2D/3D fix'),
  lon: NumOrNull('Decimal degrees, west negative'),
  altMSL: NumOrNull('Metres above mean sea level; null unless 3D'),
  speed: NumOrNull('m/s over ground'),
  track: NumOrNull('Degrees true'),
  hdop: NumOrNull('Horizontal dilution of precision'),
  pdop: NumOrNull('Position dilution of precision'),
  vdop: NumOrNull('Vertical dilution of precision'),
  satellitesUsed: NumOrNull('Satellites used in the fix'),
});

const SatelliteCount = Type.Object({ used: Type.Integer({ minimum: 0 }), inView: Type.Integer({ minimum: 0 }) });
const CONSTELLATIONS = ['gps', 'glonass', 'galileo', 'beidou', 'qzss', 'sbas', 'other'] as const;

/** gnss-driver.ts GnssPublished. */
export const GnssStateSchema = Type.Object(
  {
    stale: Type.Boolean({ description: 'No fresh epoch (receiver quiet, unplugged or without sky)' }),
    mode: OneOf(['none', '2d', '3d'] as const, { description: "'none' when stale" }),
    fix: Nullable(GnssFix, 'The latest epoch; null when stale or before the first'),
    last: Nullable(GnssFix, 'The latest epoch with a 2D/3D fix: the last known position'),
    lastFixAgeMs: NumOrNull('Age of `last`'),
    satellites: Type.Object(Object.fromEntries(CONSTELLATIONS.map((c) => [c, SatelliteCount]))),
    clockOffsetMs: NumOrNull('System clock minus GNSS time'),
    at: Iso('Time of publishing'),
  },
  { description: 'Position and fix quality; at most every devices.gnss.publishIntervalMs' },
);

/** modem/status.ts AccessTech, Registration, Signal, LteSignal, Operator. */
const AccessTech = Nullable(Type.Object({ code: Type.Integer(), name: Type.String(), generation: OneOf(['2G', '3G', '4G', '5G'] as const) }));
const REG_STATES = ['not-registered', 'home', 'searching', 'denied', 'unknown', 'roaming', 'emergency-only'] as const;
const Registration = Type.Object({
  state: OneOf(REG_STATES),
  stat: Type.Integer({ description: 'The raw 27.007 <stat>' }),
  area: Nullable(Type.String(), 'LAC/TAC (hex)'),
  cell: Nullable(Type.String(), 'Cell id (hex)'),
  act: AccessTech,
});
/** modem/state.ts Reading<T>: a value and when it was read; null until first read. */
const Reading = (value: TSchema, description: string) =>
  Nullable(Type.Object({ value, at: Iso('Time it was read') }), description);
const RECOVERY_STEPS = ['probe', 'cfun-cycle', 'reboot', 'power-cycle'] as const;

/** modem/state.ts ModemState. */
export const ModemStateSchema = Type.Object(
  {
    identity: Reading(
      Type.Object({ manufacturer: Nullable(Type.String()), model: Nullable(Type.String()), revision: Nullable(Type.String()) }),
      'Manufacturer, model and firmware revision',
    ),
    imei: Reading(Type.String(), 'IMEI'),
    iccid: Reading(Type.String(), 'SIM ICCID'),
    sim: Reading(OneOf(['ready', 'pin-required', 'puk-required', 'absent', 'error', 'busy', 'other'] as const), 'SIM state'),
    signal: Reading(Type.Object({ csq: Type.Integer(), rssiDbm: NumOrNull('RSSI'), ber: NumOrNull('Bit error rate class') }), '+CSQ'),
    lte: Reading(
      Nullable(Type.Object({ rsrpDbm: NumOrNull('RSRP'), rsrqDb: NumOrNull('RSRQ'), sinrDb: NumOrNull('SINR'), source: OneOf(['cesq', 'qcsq', 'cpsi'] as const) })),
      'LTE signal; a null value: not on LTE',
    ),
    cs: Reading(Registration, 'Circuit-switched registration (+CREG)'),
    eps: Reading(Registration, 'EPS (LTE) registration (+CEREG)'),
    operator: Reading(Type.Object({ mode: Type.Integer(), name: Nullable(Type.String()), act: AccessTech }), '+COPS'),
    port: Type.String({ description: 'Transport URI' }),
    connected: Type.Boolean({ description: 'The port is open' }),
    responsive: Type.Boolean({ description: 'The module answered its last command' }),
    fresh: Type.Boolean({ description: 'Connected, responsive, and a full poll finished within two poll intervals' }),
    vendor: Nullable(OneOf(['quectel', 'simcom', 'generic'] as const)),
    registration: Nullable(OneOf(REG_STATES), 'The better of cs and eps'),
    lastPollAt: Nullable(Type.String(), 'Time of the last complete poll (ISO 8601)'),
    recovery: Type.Object({
      running: Nullable(OneOf(RECOVERY_STEPS)),
      exhausted: Type.Boolean(),
      last: Nullable(
        Type.Object({
          step: OneOf(RECOVERY_STEPS),
          fault: OneOf(['no-response', 'sim', 'not-registered', 'port-gone'] as const),
          reason: Type.String(),
          at: Iso('Start of the step'),
          answered: Nullable(Type.Boolean()),
        }),
      ),
      counts: Type.Object(Object.fromEntries(RECOVERY_STEPS.map((s) => [s, Type.Integer({ minimum: 0 })]))),
    }),
  },
  { description: 'Modem readings, each with the time it was read, and the recovery ladder' },
);

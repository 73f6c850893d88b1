// The queue display's configuration (devices.display once schema.ts merges it) and
// the driver's dependencies. Timing defaults fit a 9600-baud RS-485/RS-232 board: a
// full 210-byte frame takes ~220 ms on the wire, so the ACK wait starts only after
// the bytes drained (Transport.write resolves then) and still allows the board's
// own turn-around.
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { OneOf, Strict } from '../../schema/types.js';
import { compile, formatFieldErrors } from '../../schema/validator.js';
import type { BackoffOptions } from '../../transport/backoff.js';
import type { SimRegistry } from '../../transport/sim-link.js';

export const DisplayOptionsSchema = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Drive the LED board; false leaves the port alone' }),
    port: Type.String({
      pattern: '^(serial|tcp|file|sim)://.+',
      default: 'sim://display',
      description: 'The board\'s port: serial:///dev/vim-display, tcp://host:port or sim://display',
    }),
    baud: OneOf([4800, 9600, 38400, 115200] as const, { default: 9600, description: 'Serial speed, 8N1, for serial:// without ?baud=' }),
    address: Type.Integer({ default: 1, minimum: 1, maximum: 99, description: 'Board address on the bus (two ASCII digits on the wire, 01-99)' }),
    rows: Type.Integer({ default: 4, minimum: 1, maximum: 8, description: 'Now-serving rows the board has; extra serving entries are not shown' }),
    upperCase: Type.Boolean({
      default: true,
      description: "The board's font has capitals only: text is upper-cased the Turkish way (i -> İ, ı -> I) before sending",
    }),
    retries: Type.Integer({ default: 3, minimum: 0, maximum: 20, description: 'Retransmits of one frame after a NAK or an ACK timeout before giving up' }),
    ackTimeoutMs: Type.Integer({ default: 500, minimum: 10, maximum: 10_000, description: 'Wait for ACK/NAK after a frame has been written out' }),
    resyncIntervalMs: Type.Integer({
      default: 5000,
      minimum: 50,
      maximum: 600_000,
      description: 'After a frame failed all retries, wait this long, then repaint the whole board',
    }),
  },
  { description: 'Queue-number LED board on serial (protocol: devices/display-sim/README.md)' },
);

export type DisplayOptions = Static<typeof DisplayOptionsSchema>;

const validator = compile(DisplayOptionsSchema, { defaults: true });

/** Validates a config fragment and fills its defaults; throws naming every bad field. */
export function parseDisplayOptions(input: unknown): DisplayOptions {
  const doc: unknown = structuredClone(input ?? {});
  const r = validator.check(doc);
  if (!r.ok) throw new Error(`devices.display: ${formatFieldErrors(r.errors)}`);
  return r.value;
}

export interface DisplayDriverDeps {
  log: Logger;
  sims?: SimRegistry;
  backoff?: BackoffOptions;
}

// The queue's configuration (`queue` once config/schema.ts composes it): services with
// their letters, counters with the services they call, the priority classes, the daily
// reset point, and which devices the queue drives. The schema checks shapes; the
// cross-field rules (unique letters, counters naming known services) are checked by
// `queueConfigErrors`, which config/load.ts reports as path-prefixed config errors (exit 78).
import { Type, type Static } from '@sinclair/typebox';
import { Strict } from '../../schema/types.js';
import { DEFAULT_MAX_CONSECUTIVE, DEFAULT_PRIORITY_CLASSES } from './priority.js';
import type { QueueConfig } from './queue-model.js';

const Letter = Type.String({ minLength: 1, maxLength: 1, description: 'One upper-case letter; tickets are numbered A001, A002, ...' });

export const QueueOptionsSchema = Strict(
  {
    services: Type.Array(
      Strict({
        letter: Letter,
        name: Type.String({ minLength: 1, maxLength: 40, description: 'Turkish name printed on the ticket and shown on the page' }),
        open: Type.Boolean({ default: true, description: 'Takes tickets from the start of the day' }),
      }),
      {
        minItems: 1,
        default: [
          { letter: 'A', name: 'Bilgi Edinme', open: true },
          { letter: 'B', name: 'Çözüm Merkezi / 153', open: true },
          { letter: 'C', name: 'İstihdam', open: true },
          { letter: 'D', name: 'Tahsilat', open: true },
        ],
        description: 'Services, each with a letter prefix',
      },
    ),
    counters: Type.Array(
      Strict({
        number: Type.Integer({ minimum: 1, maximum: 99, description: 'Counter number, as called on the board' }),
        name: Type.String({ minLength: 1, maxLength: 20, description: 'Shown on the page, e.g. "Gişe 1"' }),
        services: Type.Array(Type.String({ pattern: '^(\\*|\\p{L})$', description: 'A service letter, or * for every service' }), {
          minItems: 1,
          description: 'Letters this counter calls; ["*"]: all services',
        }),
      }),
      {
        minItems: 1,
        default: [1, 2, 3, 4].map((n) => ({ number: n, name: `Gişe ${n}`, services: ['*'] })),
        description: 'Counters (desks); staff open them each day',
      },
    ),
    priority: Strict(
      {
        classes: Type.Record(
          Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }),
          Strict({
            weight: Type.Number({ exclusiveMinimum: 0, description: 'Higher is called first among priority tickets' }),
            label: Type.String({ minLength: 1, maxLength: 40, description: 'Turkish label for tablets and the ticket' }),
          }),
          { default: DEFAULT_PRIORITY_CLASSES, description: 'Priority classes (only the class is stored, never the reason)' },
        ),
        maxConsecutive: Type.Integer({
          minimum: 1,
          default: DEFAULT_MAX_CONSECUTIVE,
          description: 'After this many priority calls in a row at a counter, the oldest normal ticket is called',
        }),
      },
      { default: {}, description: 'Priority under the Turkish public-service rule (elderly, disabled, pregnant, veterans, martyrs\' relatives)' },
    ),
    resetAt: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '00:00', description: 'Daily numbering reset, HH:MM Istanbul time' }),
    serviceTimeWindow: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Completions in the rolling average service time' }),
    defaultServiceMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 240, default: 5, description: 'Service time assumed before the first completion of the day' }),
    recentCalledCount: Type.Integer({ minimum: 1, maximum: 20, default: 5, description: '"Last called" entries on the page' }),
    ticketPrinter: Type.Optional(Type.String({ minLength: 1, description: 'Printer name for tickets; default: the first printer' })),
    statusUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s/]+(/\\S*)?$',
        description: 'Base URL of the gateway\'s web page as citizens reach it; the ticket QR opens <statusUrl>/t/<ticket id>. No QR when unset',
      }),
    ),
    kioskButtons: Type.Boolean({ default: true, description: 'GPIO kiosk buttons (devices.gpio.lines.buttons) take tickets for their letter' }),
    paperLed: Type.String({ default: 'paper', description: 'GPIO LED (devices.gpio.lines.leds) that shows the ticket printer cannot print' }),
  },
  { default: {}, description: 'The citizen queue: services, counters, priority and its devices' },
);

export type QueueOptions = Static<typeof QueueOptionsSchema>;

/** Cross-field checks the schema cannot express, as config errors (`queue.counters[1].services[0]: ...`). */
export function queueConfigErrors(o: QueueOptions): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const letters = new Set<string>();
  o.services.forEach((s, i) => {
    const l = s.letter.toLocaleUpperCase('tr-TR');
    if (!/^\p{Lu}$/u.test(l)) errors.push({ path: `queue.services[${i}].letter`, message: `"${s.letter}" must be a letter` });
    else if (letters.has(l)) errors.push({ path: `queue.services[${i}].letter`, message: `"${s.letter}" is used twice` });
    letters.add(l);
  });
  const numbers = new Set<number>();
  o.counters.forEach((c, i) => {
    if (numbers.has(c.number)) errors.push({ path: `queue.counters[${i}].number`, message: `${c.number} is used twice` });
    numbers.add(c.number);
    c.services.forEach((l, j) => {
      if (l === '*') return;
      if (!letters.has(l.toLocaleUpperCase('tr-TR'))) errors.push({ path: `queue.counters[${i}].services[${j}]`, message: `"${l}" is not a configured service letter` });
    });
  });
  return errors;
}

/** The queue core's config from the validated options. */
export function toQueueConfig(o: QueueOptions): QueueConfig {
  return {
    services: o.services.map((s) => ({ letter: s.letter, name: s.name, open: s.open })),
    counters: o.counters.map((c) => ({ number: c.number, name: c.name, services: c.services.includes('*') ? o.services.map((s) => s.letter) : c.services })),
    priority: { classes: o.priority.classes, maxConsecutive: o.priority.maxConsecutive },
    resetAt: o.resetAt,
    serviceTimeWindow: o.serviceTimeWindow,
    defaultServiceMs: Math.round(o.defaultServiceMinutes * 60_000),
    recentCalledCount: o.recentCalledCount,
  };
}

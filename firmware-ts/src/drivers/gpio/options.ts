// GPIO configuration (devices.gpio once schema.ts merges it). Lines are named by
// their chip's label and an offset on that chip, never by a global number: on
// Raspberry Pi OS Bookworm kernels the sysfs numbers start at 512 (Pi 4,
// pinctrl-bcm2711) or 571 (Pi 5, pinctrl-rp1), so `new Gpio(17)` fails there.
// Pull-ups cannot be set through sysfs: set them in config.txt (`gpio=5=ip,pu`).
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { OneOf, Strict } from '../../schema/types.js';
import { compile, formatFieldErrors } from '../../schema/validator.js';
import type { GpioBackend } from './backend.js';

const Offset = (description: string) => Type.Integer({ minimum: 0, maximum: 1023, description });

export const GpioOptionsSchema = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Use GPIO at all' }),
    backend: OneOf(['onoff', 'sysfs', 'sim'] as const, {
      default: 'sim',
      description:
        'onoff: the onoff library on the kernel\'s /sys/class/gpio with edge interrupts (a Pi); sysfs: our own sysfs writer under sysfsRoot (polls inputs; tests use a fake tree); sim: simulated lines that tests and the bench drive (any machine)',
    }),
    sysfsRoot: Type.String({ default: '/sys/class/gpio', minLength: 1, description: 'Root of the sysfs GPIO tree; tests point it at a fake tree' }),
    chipLabel: Type.String({
      default: 'pinctrl-bcm2711',
      minLength: 1,
      description: 'Label of the gpiochip the offsets refer to: pinctrl-bcm2711 (Pi 4), pinctrl-rp1 (Pi 5), pinctrl-bcm2835 (Pi 3)',
    }),
    pollMs: Type.Integer({ default: 10, minimum: 1, maximum: 1000, description: 'How often the sysfs backend samples input lines' }),
    exportTimeoutMs: Type.Integer({ default: 2000, minimum: 10, maximum: 30_000, description: 'Wait for udev to hand over a freshly exported line' }),
    debounceMs: Type.Integer({ default: 30, minimum: 0, maximum: 5000, description: 'An input must hold a level this long to count (buttons, ignition)' }),
    lines: Strict(
      {
        buttons: Type.Record(Type.String({ pattern: '^[A-Z]$' }), Offset('offset of the button'), {
          default: {},
          additionalProperties: false,
          description: 'Kiosk "take a ticket" buttons: service letter -> offset, e.g. {"A": 5, "B": 6}',
        }),
        buttonsActiveLow: Type.Boolean({ default: true, description: 'Buttons pull the line low when pressed (pull-up, switch to ground)' }),
        ignition: Type.Optional(Offset('Ignition sense input; absent: no automatic shutdown')),
        ignitionActiveLow: Type.Boolean({ default: false, description: 'Ignition on reads low (e.g. through an inverting optocoupler)' }),
        leds: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]{0,15}$' }), Offset('offset of the LED'), {
          default: {},
          additionalProperties: false,
          description: 'Status LEDs: name -> offset, e.g. {"status": 23, "sync": 24}',
        }),
        chime: Type.Optional(Offset('Chime output, pulsed when a number is called')),
        modemPower: Type.Optional(Offset("Modem power key (PWRKEY through a transistor), the modem recovery ladder's last step")),
      },
      { default: {}, description: 'Offsets on the chip named by chipLabel' },
    ),
    chimePulseMs: Type.Integer({ default: 300, minimum: 10, maximum: 10_000, description: 'How long the chime line is held high' }),
    modemPowerPressMs: Type.Integer({
      default: 800,
      minimum: 50,
      maximum: 10_000,
      description: 'One press of the power key (Quectel EC25: >= 650 ms turns it off, >= 500 ms on)',
    }),
    modemPowerOffMs: Type.Integer({
      default: 3000,
      minimum: 0,
      maximum: 120_000,
      description: 'Between the power-off press and the power-on press of a power cycle',
    }),
    shutdownDelayS: Type.Number({
      default: 600,
      minimum: 0,
      maximum: 86_400,
      description: 'After ignition off, flush and stop this many seconds later unless ignition comes back on',
    }),
  },
  { description: 'GPIO: kiosk buttons, ignition sense, status LEDs, chime, modem power key' },
);

export type GpioOptions = Static<typeof GpioOptionsSchema>;

const validator = compile(GpioOptionsSchema, { defaults: true });

/** Validates a config fragment and fills its defaults; throws naming every bad field and any offset used twice. */
export function parseGpioOptions(input: unknown): GpioOptions {
  const doc: unknown = structuredClone(input ?? {});
  const r = validator.check(doc);
  if (!r.ok) throw new Error(`devices.gpio: ${formatFieldErrors(r.errors)}`);
  const seen = new Map<number, string>();
  for (const [use, offset] of lineUses(r.value)) {
    const prev = seen.get(offset);
    if (prev) throw new Error(`devices.gpio: lines.${use}: offset ${offset} is already used by lines.${prev}`);
    seen.set(offset, use);
  }
  return r.value;
}

/** Every configured line as [use, offset], e.g. ['buttons.A', 5]. */
export function lineUses(o: GpioOptions): [string, number][] {
  const l = o.lines;
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(l.buttons)) out.push([`buttons.${k}`, v]);
  if (l.ignition !== undefined) out.push(['ignition', l.ignition]);
  for (const [k, v] of Object.entries(l.leds)) out.push([`leds.${k}`, v]);
  if (l.chime !== undefined) out.push(['chime', l.chime]);
  if (l.modemPower !== undefined) out.push(['modemPower', l.modemPower]);
  return out;
}

export interface GpioDriverDeps {
  log: Logger;
  /** Ignition stayed off for shutdownDelayS: flush the store and stop the gateway. */
  onShutdown?: () => Promise<void> | void;
  /** Overrides the backend chosen by config (tests pass a SimGpioBackend they drive). */
  backend?: GpioBackend;
}

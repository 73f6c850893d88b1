// Runtime settings that staff or crews change while the gateway runs (counter
// names, the services open today, the day's stop plan). A small lowdb JSON file a
// crew can read over SSH; lowdb (through steno) writes a temp file and renames it,
// so a reader never sees half a file. Records never go here: lowdb rewrites the
// whole file and does not fsync (DESIGN.md "Store").
import { Type, type Static } from '@sinclair/typebox';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { renameSync } from 'node:fs';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import { Strict } from '../schema/types.js';
import { compile, formatFieldErrors, type FieldError } from '../schema/validator.js';

export const SettingsSchema = Strict({
  version: Type.Literal(1, { default: 1 }),
  counters: Type.Record(Type.String({ pattern: '^[0-9]{1,2}$' }), Type.String({ minLength: 1, maxLength: 40 }), {
    default: {},
    description: 'Counter number -> name shown on the display, e.g. {"1": "Masa 1"}',
  }),
  servicesOpenToday: Type.Array(Type.String({ pattern: '^[A-Z]$' }), { default: [], description: 'Service letters open today' }),
  stopPlan: Type.Array(
    Strict({
      name: Type.String({ minLength: 1, maxLength: 80 }),
      neighbourhood: Type.Optional(Type.String({ maxLength: 80 })),
      from: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
      to: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    }),
    { default: [] },
  ),
});
export type Settings = Static<typeof SettingsSchema>;

const validator = compile(SettingsSchema, { defaults: true });

export class SettingsError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(formatFieldErrors(errors));
  }
}

export function defaultSettings(): Settings {
  const r = validator.check({});
  if (!r.ok) throw new Error('settings defaults are invalid');
  return r.value;
}

export class RuntimeSettings implements Part {
  readonly name = 'settings';
  private db: Low<Settings> | null = null;
  private readonly tracker = new HealthTracker();

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const db = new Low<Settings>(new JSONFile<Settings>(this.file), defaultSettings());
    try {
      await db.read();
    } catch (e) {
      this.setAside(`unreadable (${(e as Error).message})`);
      db.data = defaultSettings();
    }
    const r = validator.check(db.data ?? {});
    if (r.ok) {
      db.data = r.value;
      this.tracker.set('ok', this.file);
    } else {
      this.setAside(formatFieldErrors(r.errors));
      db.data = defaultSettings();
    }
    await db.write();
    this.db = db;
  }

  /** A broken settings file must not stop the van: keep it for the crew, start from defaults. */
  private setAside(why: string): void {
    const aside = `${this.file}.bad-${new Date().toISOString().replace(/[:.]/g, '')}`;
    try {
      renameSync(this.file, aside);
    } catch {
      /* nothing to move */
    }
    this.tracker.set('degraded', `settings file rejected, kept as ${aside}: ${why}`);
    this.log.error({ file: this.file, aside, why }, 'settings file rejected; using defaults');
  }

  stop(): Promise<void> {
    this.db = null;
    this.tracker.set('absent', 'stopped');
    return Promise.resolve();
  }

  health(): Health {
    return this.tracker.get();
  }

  get(): Settings {
    if (!this.db) throw new Error('settings not loaded');
    return structuredClone(this.db.data);
  }

  /** Applies a change only if the result is valid; a bad change leaves the file untouched. */
  async update(change: (draft: Settings) => void): Promise<Settings> {
    if (!this.db) throw new Error('settings not loaded');
    const draft = structuredClone(this.db.data);
    change(draft);
    const r = validator.check(draft);
    if (!r.ok) throw new SettingsError(r.errors);
    this.db.data = r.value;
    await this.db.write();
    return this.get();
  }
}

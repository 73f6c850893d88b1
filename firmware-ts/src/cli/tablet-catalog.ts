// The command catalog the reference tablet client (`vimgw tablet`) works from: the
// very definitions the gateway registers (allCommands), so a command added to the
// gateway shows up here with its arguments and needs no change to the client. This
// file also reads a command's payload schema as a list of arguments (name, type,
// required, description, limits) for the listing, the help and the coercion.
import type { Publisher } from '../api/command-path.js';
import { topicOf, type CommandDefinition } from '../api/command.js';
import { allCommands } from '../api/commands/index.js';

/** Handlers never run in the client; the factories only need something to hold. */
const NO_PUBLISHER: Publisher = { publish: () => Promise.resolve() };

/** Every command the gateway serves, in registration order. */
export function commandCatalog(): CommandDefinition[] {
  return allCommands(NO_PUBLISHER);
}

export function findCommand(catalog: readonly CommandDefinition[], service: string, action: string): CommandDefinition | undefined {
  return catalog.find((d) => d.service === service && d.action === action);
}

/** A plain JSON Schema view: TypeBox schemas are JSON Schema objects (plus symbol keys we ignore). */
export type JsonSchema = Record<string, unknown>;

/** One payload field as a command-line argument. */
export interface ArgSpec {
  name: string;
  /** Human type, e.g. `integer`, `string`, `integer|null`, `array of string`. */
  type: string;
  required: boolean;
  description: string | null;
  /** Allowed values when the field is an enum (or a union of constants). */
  enum: readonly unknown[] | null;
  default: unknown;
  /** Limits worth showing, e.g. `1..99`, `length 1..2`, `pattern ^[a-z]+$`. */
  limits: string[];
  schema: JsonSchema;
}

function asSchema(v: unknown): JsonSchema {
  return typeof v === 'object' && v !== null ? (v as JsonSchema) : {};
}

/** The branches of an anyOf/oneOf, or the schema itself. */
export function branches(s: JsonSchema): JsonSchema[] {
  const alts = s.anyOf ?? s.oneOf;
  return Array.isArray(alts) ? alts.map(asSchema) : [s];
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Enum values, whether written as `enum`, `const`, or a union of constants. */
export function enumValues(s: JsonSchema): unknown[] | null {
  if (Array.isArray(s.enum)) return s.enum as unknown[];
  if ('const' in s) return [s.const];
  const alts = s.anyOf ?? s.oneOf;
  if (!Array.isArray(alts)) return null;
  const out: unknown[] = [];
  for (const b of alts.map(asSchema)) {
    const vs = enumValues(b);
    if (vs === null) return null;
    out.push(...vs);
  }
  return out;
}

/**
 * The primitive JSON types a schema accepts, most specific first; [] means any.
 * Used both for display and to decide how to read a command-line string.
 */
export function schemaTypes(s: JsonSchema): string[] {
  const out: string[] = [];
  const add = (t: string) => {
    if (!out.includes(t)) out.push(t);
  };
  const ev = Array.isArray(s.enum) ? (s.enum as unknown[]) : 'const' in s ? [s.const] : null;
  if (ev) {
    for (const v of ev) add(jsonType(v));
    return out;
  }
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return (s.type as unknown[]).map(String);
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) {
    for (const b of alts.map(asSchema)) {
      const ts = schemaTypes(b);
      if (ts.length === 0) return [];
      ts.forEach(add);
    }
  }
  return out;
}

function typeLabel(s: JsonSchema): string {
  const ts = schemaTypes(s);
  if (ts.length === 0) return 'any';
  return ts.map((t) => (t === 'array' ? `array of ${typeLabel(asSchema(s.items))}` : t)).join('|');
}

function range(lo: unknown, hi: unknown): string | null {
  // Only numbers are limits; anything else in a hand-written schema is not shown.
  const min = typeof lo === 'number' ? lo : undefined;
  const max = typeof hi === 'number' ? hi : undefined;
  if (min === undefined && max === undefined) return null;
  if (max === undefined) return `>= ${min}`;
  if (min === undefined) return `<= ${max}`;
  return `${min}..${max}`;
}

function limitsOf(s: JsonSchema): string[] {
  const out: string[] = [];
  for (const b of branches(s)) {
    const r = range(b.minimum, b.maximum);
    if (r) out.push(r);
    const len = range(b.minLength, b.maxLength);
    if (len) out.push(`length ${len}`);
    const items = range(b.minItems, b.maxItems);
    if (items) out.push(`items ${items}`);
    if (typeof b.pattern === 'string') out.push(`pattern ${b.pattern}`);
    if (typeof b.format === 'string') out.push(`format ${b.format}`);
  }
  return out;
}

/** The payload's fields except `id` (the client sets it, or --id), in schema order. */
export function argSpecs(def: CommandDefinition): ArgSpec[] {
  const payload = def.payload as unknown as JsonSchema;
  const props = asSchema(payload.properties);
  const required = new Set(Array.isArray(payload.required) ? (payload.required as unknown[]).map(String) : []);
  return Object.entries(props)
    .filter(([name]) => name !== 'id')
    .map(([name, raw]) => {
      const s = asSchema(raw);
      return {
        name,
        type: typeLabel(s),
        required: required.has(name),
        description: typeof s.description === 'string' ? s.description : null,
        enum: enumValues(s),
        default: s.default,
        limits: limitsOf(s),
        schema: s,
      };
    });
}

/** What `vimgw tablet list --json` prints for one command. */
export function describeCommand(def: CommandDefinition) {
  return {
    topic: topicOf(def),
    service: def.service,
    action: def.action,
    summary: def.summary,
    roles: [...def.roles],
    args: argSpecs(def).map(({ schema: _schema, ...a }) => a),
    examples: def.examples ?? [],
  };
}

// The one validation seam (DESIGN.md: "validation once (schemas)"). Config files,
// MQTT payloads and HTTP bodies are all TypeBox schemas compiled by Ajv; every
// error comes out as a dotted JSON path plus a reason, e.g.
// `devices.gnss.baud: must be one of 4800, 9600, 38400, 115200`.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';

export interface FieldError {
  /** Dotted path of the offending field; '' for the document itself. */
  path: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface Validator<S extends TSchema> {
  readonly schema: S;
  /** Validates (and, with defaults on, fills defaults into) `input`. */
  check(input: unknown): Validation<Static<S>>;
}

const strictAjv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
const defaultingAjv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

export function compile<S extends TSchema>(schema: S, opts: { defaults?: boolean } = {}): Validator<S> {
  const ajv = opts.defaults ? defaultingAjv : strictAjv;
  const fn: ValidateFunction = ajv.compile(schema);
  return {
    schema,
    check(input: unknown): Validation<Static<S>> {
      if (fn(input)) return { ok: true, value: input as Static<S> };
      return { ok: false, errors: formatErrors(fn.errors ?? []) };
    },
  };
}

export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}

/**
 * A property name from the input, appended to a path. A name that is not a plain
 * identifier (empty, a space, a dot, a quote...) is quoted and cut short, so the
 * message still names the field unambiguously and cannot grow with the input (the
 * fuzz suite found `{" ": 1}` answered as " : is not a known field" and `{"": 1}` as
 * "payload: ...").
 */
function join(base: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]{0,63}$/.test(key)) return base === '' ? key : `${base}.${key}`;
  const quoted = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  return `${base}[${quoted}]`;
}

function describe(e: ErrorObject): { path: string; message: string } {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: join(path, String(p.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: join(path, String(p.additionalProperty)), message: 'is not a known field' };
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => String(v)).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { path, message: `must be ${String(p.type)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `must be ${String(p.comparison)} ${String(p.limit)}` };
    case 'pattern':
      return { path, message: `must match ${String(p.pattern)}` };
    case 'format':
      return { path, message: `must be a valid ${String(p.format)}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

export function formatErrors(errors: ErrorObject[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    // anyOf/oneOf wrap their branches' errors; the branch errors say more.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const d = describe(e);
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.path === '' ? '(document)' : e.path}: ${e.message}`).join('\n');
}

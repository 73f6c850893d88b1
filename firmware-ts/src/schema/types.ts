// Small TypeBox helpers shared by config and payload schemas. Enums are emitted
// as JSON Schema `enum` (not anyOf-of-const) so errors read "must be one of ...".
import { Type, type TSchema, type TUnsafe, type ObjectOptions, type TProperties, type TObject } from '@sinclair/typebox';

export function OneOf<const T extends readonly (string | number)[]>(
  values: T,
  opts: { default?: T[number]; description?: string } = {},
): TUnsafe<T[number]> {
  const type = typeof values[0] === 'number' ? 'number' : 'string';
  return Type.Unsafe<T[number]>({ type, enum: [...values], ...opts });
}

/** A closed object: unknown fields are errors, never silently ignored. */
export function Strict<P extends TProperties>(props: P, opts: ObjectOptions = {}): TObject<P> {
  return Type.Object(props, { additionalProperties: false, ...opts });
}

export type { TSchema };

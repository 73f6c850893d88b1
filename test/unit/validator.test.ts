import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { OneOf, Strict } from '../../firmware-ts/src/schema/types.js';
import { compile, formatFieldErrors, pointerToPath } from '../../firmware-ts/src/schema/validator.js';

describe('validator', () => {
  it('turns JSON pointers into dotted paths with array indices', () => {
    expect(pointerToPath('')).toBe('');
    expect(pointerToPath('/devices/gnss/baud')).toBe('devices.gnss.baud');
    expect(pointerToPath('/devices/printers/1/name')).toBe('devices.printers[1].name');
    expect(pointerToPath('/a~1b/c~0d')).toBe('a/b.c~d');
  });

  const v = compile(
    Strict({
      baud: OneOf([4800, 9600] as const),
      name: Type.String({ minLength: 1 }),
      list: Type.Array(Strict({ n: Type.Integer({ minimum: 1 }) })),
    }),
  );

  it('lists every error with its path and reason', () => {
    const r = v.check({ baud: 1, extra: true, list: [{ n: 0 }, { n: 'x' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatFieldErrors(r.errors);
    expect(text).toContain('baud: must be one of 4800, 9600');
    expect(text).toContain('extra: is not a known field');
    expect(text).toContain('name: is required');
    expect(text).toContain('list[0].n: must be >= 1');
    expect(text).toContain('list[1].n: must be integer');
  });

  it('accepts a valid document unchanged', () => {
    const doc = { baud: 9600, name: 'x', list: [{ n: 2 }] };
    expect(v.check(doc)).toEqual({ ok: true, value: doc });
  });
});

// The config loader (issue 10 "Fuzz"; DESIGN.md non-negotiable 5: a bad config file
// gets a clear error). Generated and mutated configs (from config/default.json and
// config/pi.example.json: fields replaced, removed, added; bytes flipped and cut; env
// overrides) through parseConfig: it never throws, and every refusal is a list of
// "path: reason" errors. Also the validator's quoting of odd property names, which the
// command fuzz found.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { compile } from '../../firmware-ts/src/schema/validator.js';
import { Type } from '@sinclair/typebox';
import { fcParams, HEAP_SLACK, InputClock, report, runs, settledHeap } from './harness.js';

// parseConfig validates the whole schema (0.2-0.7 ms a config): CI runs 20,000, `npm run fuzz` 1,000,000.
const N = runs(20_000);
const REAL = ['../../config/default.json', '../../config/pi.example.json'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'));

/** Every (path, value) of a document, so a mutation can reach any depth. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) paths(c, [...at, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

function configs(): fc.Arbitrary<{ text: string; env: Record<string, string> }> {
  const docs = REAL.map((t) => JSON.parse(t) as Record<string, unknown>);
  const all = docs.map((d) => paths(d).filter((p) => p.length > 0));
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e308, 65536, '', 'serial:///dev/x?baud=7', 'tcp://:0', 'sim://gnss', '../../etc/passwd', '__proto__'));
  const structural = fc.tuple(fc.nat(docs.length - 1), fc.array(fc.tuple(fc.nat(2), fc.nat(), value, fc.string({ maxLength: 10 })), { minLength: 1, maxLength: 4 })).map(([k, ops]) => {
    const doc = structuredClone(docs[k]!);
    for (const [op, at, v, name] of ops) {
      const path = all[k]![at % all[k]!.length]!;
      let node = doc as Record<string | number, unknown>;
      for (const p of path.slice(0, -1)) {
        const next = node[p];
        if (next === null || typeof next !== 'object') break;
        node = next as Record<string | number, unknown>;
      }
      const last = path[path.length - 1]!;
      if (op === 0) node[last] = v;
      else if (op === 1) delete node[last];
      // An array's "length" only takes a valid length (RangeError otherwise), and JSON drops
      // named fields of arrays anyway: that mutation says nothing about the loader.
      else if (!(Array.isArray(node) && name === 'length')) node[name] = v;
    }
    return JSON.stringify(doc);
  });
  const bytes = fc.tuple(fc.constantFrom(...REAL), fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 3 })).map(([t, ops]) => {
    for (const [op, pos, s] of ops) {
      const i = pos % (t.length + 1);
      t = op === 0 ? t.slice(0, i) + s + t.slice(i + 1) : op === 1 ? t.slice(0, i) : t.slice(0, i) + s + t.slice(i);
    }
    return t;
  });
  const env = fc.dictionary(fc.constantFrom('VIM_CFG__broker__tcp__port', 'VIM_CFG__web__port', 'VIM_CFG__a____b', 'VIM_CFG__devices__gnss__baud', 'VIM_CFG__constructor__x', 'VIM_CFG__vehicle'), fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1884', '{"id":"V"}', '[]', 'null')), { maxKeys: 2 });
  return fc.tuple(fc.oneof({ arbitrary: structural, weight: 3 }, { arbitrary: bytes, weight: 2 }, { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 }), env).map(([text, e]) => ({ text, env: e }));
}

describe('config loader fuzz', () => {
  it(`${N.toLocaleString('en')} generated and mutated configs: parseConfig never throws, every refusal is "path: reason"`, async () => {
    const heap0 = settledHeap();
    const clock = new InputClock<{ text: string; env: Record<string, string> }>();
    let ok = 0;
    let refused = 0;
    fc.assert(
      fc.property(configs(), (c) => {
        const r = clock.time(c, () => parseConfig(c.text, '/etc/vim-gateway/config.json', c.env));
        if (r.ok) {
          ok++;
          return;
        }
        refused++;
        if (r.errors.length === 0) throw new Error('refused without an error');
        for (const e of r.errors) if (typeof e.path !== 'string' || typeof e.message !== 'string' || e.message === '') throw new Error(`bad error ${JSON.stringify(e)}`);
      }),
      fcParams(N, 0x43464700),
    );
    const heapGrowth = settledHeap() - heap0;
    report('config loader', clock, { ok, refused, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((c) => parseConfig(c.text, null, c.env))).toEqual([]);
    expect(clock.count).toBe(N);
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(N / 4);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  it('names an odd property name quoted and cut short, never as an empty or bare path', () => {
    const v = compile(Type.Object({ id: Type.String() }, { additionalProperties: false }));
    const errs = (doc: unknown) => (v.check(doc) as { ok: false; errors: { path: string; message: string }[] }).errors.map((e) => `${e.path}: ${e.message}`);
    expect(errs({ id: 'x', ' ': 1 })).toEqual(['[" "]: is not a known field']);
    expect(errs({ id: 'x', '': 1 })).toEqual(['[""]: is not a known field']);
    expect(errs({ id: 'x', ['k'.repeat(100)]: 1 })).toEqual([`["${'k'.repeat(40)}…"]: is not a known field`]);
    expect(errs({ id: 'x', tckn: 1 })).toEqual(['tckn: is not a known field']);
  });
});

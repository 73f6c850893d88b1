// DESIGN.md "Layout": dependencies point one way and there are no import cycles. The
// import graph of firmware-ts/src is read with TypeScript's own pre-processor (static,
// type-only, re-export and dynamic imports alike) and checked here, so a cycle or a
// driver reaching into a service fails CI instead of waiting for a reviewer.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../firmware-ts/src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** file (relative to SRC) -> the relative imports it makes (relative to SRC; '../..' paths leave src). */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    const deps = info.importedFiles.map((i) => i.fileName).filter((n) => n.startsWith('.')).map((n) => relative(SRC, resolve(dirname(f), n.replace(/\.js$/, '.ts'))));
    g.set(relative(SRC, f), deps);
  }
  return g;
}

function cycles(g: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (!g.has(d)) continue;
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d].join(' -> '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  return found;
}

const graph = importGraph();
const area = (p: string) => p.split('/')[0]!;

/** Every import from a file under `from` into one of `forbidden` (areas, or files relative to src). */
function violations(from: string, forbidden: readonly string[], allowed: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) {
    if (area(f) !== from) continue;
    for (const d of deps) if (!allowed.includes(d) && forbidden.some((x) => d === x || area(d) === x)) out.push(`${f} -> ${d}`);
  }
  return out;
}

describe('firmware-ts/src import graph', () => {
  it('is read: every source file, with the edges main -> gateway -> the rest', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('main.ts')).toContain('gateway.ts');
    expect(graph.get('gateway.ts')).toContain('broker/broker.ts');
  });

  it('has no import cycles, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
    // The check itself finds one.
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });

  it('depends one way: only main builds the gateway, and nothing under a directory imports the composition root', () => {
    const intoRoot = [...graph].flatMap(([f, deps]) => (f.includes('/') ? deps.filter((d) => d === 'main.ts' || d === 'gateway.ts').map((d) => `${f} -> ${d}`) : []));
    expect(intoRoot).toEqual([]);
  });

  it('drivers depend on transport, never on what uses them', () => {
    expect(violations('drivers', ['services', 'api', 'broker', 'sync', 'store', 'control', 'web', 'cli', 'adapters'])).toEqual([]);
  });

  it('transport and store depend on nothing above them', () => {
    const above = ['drivers', 'services', 'api', 'broker', 'sync', 'control', 'web', 'cli', 'adapters', 'gateway.ts'];
    expect(violations('transport', [...above, 'store'])).toEqual([]);
    expect(violations('store', above)).toEqual([]);
  });

  it('services reach devices only through ports: the terminal port, the print document model and the SMS length rules', () => {
    const ports = ['drivers/terminal/payment-terminal.ts', 'drivers/printer/render.ts', 'drivers/modem/sms.ts'];
    expect(violations('services', ['drivers', 'transport', 'broker', 'api', 'sync', 'control', 'web', 'cli', 'adapters'], ports)).toEqual([]);
  });
});

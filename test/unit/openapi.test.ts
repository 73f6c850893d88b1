// docs/openapi.yaml is written by hand: this keeps it from drifting from the pull API
// (every route and every error code the server can answer is documented).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const doc = parse(readFileSync('docs/openapi.yaml', 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
const text = readFileSync('docs/openapi.yaml', 'utf8');
const sources = ['firmware-ts/src/sync/pull/pull-server.ts', 'firmware-ts/src/sync/pull/params.ts', 'firmware-ts/src/sync/pull/attachments.ts'].map((f) => readFileSync(f, 'utf8')).join('\n');

describe('docs/openapi.yaml', () => {
  it('documents every route of the pull API', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths['/sync/v1/records']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/sync/v1/ack']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/sync/v1/status']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/sync/v1/attachments/{sha256}']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/sync/v1/attachments/ack']!)).toEqual(['post']);
  });

  it('names every error code the server answers with', () => {
    const codes = new Set([...sources.matchAll(/ApiProblem\(\d{3}, '([A-Z_]+)'/g)].map((m) => m[1]!));
    codes.add('BAD_REQUEST');
    expect(codes.size).toBeGreaterThan(6);
    for (const c of codes) expect(text, c).toContain(c);
  });
});

// docs/configuration.md is generated from ConfigSchema by scripts/gen-config-doc.ts.
// These tests regenerate it in memory and fail when the committed file is stale, or
// when a field would be documented without a description.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fields, NOTES, renderConfigDoc } from '../../scripts/gen-config-doc.js';

const DOC = new URL('../../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  it('is what scripts/gen-config-doc.ts generates (run `npm run docs:config` after changing the schema)', () => {
    expect(readFileSync(DOC, 'utf8'), 'docs/configuration.md is stale: run `npm run docs:config`').toBe(renderConfigDoc());
  });

  it('documents every field with a type and a description', () => {
    const doc = renderConfigDoc();
    const rows = fields();
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) {
      expect(doc, r.path).toContain(`| \`${r.path}\` |`);
      expect(r.description, r.path).not.toBe('(no description)');
      expect(r.type, r.path).not.toBe('any');
    }
    expect(rows.find((r) => r.path === 'devices.gnss.baud')).toMatchObject({
      type: 'number',
      required: 'no',
      default: '`9600`',
      allowed: 'one of `4800`, `9600`, `38400`, `115200`',
    });
  });

  it('has no notes for fields that no longer exist', () => {
    const paths = new Set(fields().map((r) => r.path));
    expect(Object.keys(NOTES).filter((k) => !paths.has(k))).toEqual([]);
  });

  it('states the precedence and the exit code', () => {
    const doc = renderConfigDoc();
    expect(doc).toContain('`--config FILE`');
    expect(doc).toContain('`VIM_CONFIG`');
    expect(doc).toContain('VIM_CFG__broker__tls__keyFile=');
    expect(doc).toContain('exits with code 78');
    expect(doc).toContain('devices.gnss.baud: must be one of 4800, 9600, 38400, 115200');
  });
});

// The push batch format (sync/wire.ts): a record comes back exactly as the journal
// holds it, gzip only when it pays, and a malformed batch is a clear WireError.
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../firmware-ts/src/platform/ids.js';
import type { OutboxRow } from '../../firmware-ts/src/store/outbox.js';
import { decodeBatch, encodeBatch, WireError } from '../../firmware-ts/src/sync/wire.js';

function track(i: number): OutboxRow {
  const at = Date.UTC(2026, 10, 28, 9, 0, 0) + i * 30_013;
  return {
    seq: 100 + i * 3,
    cseq: 40 + i,
    // As journal.ts makes them (time prefix = createdAt), except every 50th, which must survive too.
    id: i % 50 === 7 ? `0190f3a2-${String(1000 + i).padStart(4, '0')}-7abc-8def-${String(i).padStart(12, '0')}` : uuidv7(at),
    vehicle: 'VIM-01',
    type: 'gnss.track',
    class: 'track',
    createdAt: new Date(at).toISOString(),
    clock: i % 7 === 0 ? 'unsynced' : 'gnss',
    monoMs: 123_456.789 + i * 30_013.125,
    bootId: 'b0a7e6c4-1111-2222-3333-444455556666',
    commandId: null,
    actor: null,
    payload: JSON.stringify({ time: '2026-11-28T09:00:00.000Z', mode: '3d', lat: Math.round((40.0776123 + i * 1e-4) * 1e7) / 1e7, lon: 29.5133456 - i * 1e-4, altMSL: 231.4, speed: 8.25, track: 91.3, hdop: 0.9, satellitesUsed: i % 9 === 0 ? null : 9 }),
  };
}

const asWire = (r: OutboxRow) => ({ ...r, payload: JSON.parse(r.payload) as unknown });

describe('push batch wire format', () => {
  it('round-trips track points through columns and gzip, well under 40 bytes each', () => {
    const rows = Array.from({ length: 300 }, (_, i) => track(i));
    const b = encodeBatch('VIM-01', 'track', rows);
    expect(b.header.enc).toBe('gzip');
    expect(b.header).toMatchObject({ v: 1, vehicle: 'VIM-01', class: 'track', n: 300, first: { seq: 100, cseq: 40 }, last: { seq: 997, cseq: 339 } });
    const d = decodeBatch(b.bytes);
    expect(d.records).toEqual(rows.map(asWire));
    expect(b.bytes.length / rows.length).toBeLessThan(40);
  });

  it('keeps mixed payloads, actors, command ids and odd times exactly', () => {
    const rows: OutboxRow[] = [
      { ...track(0), type: 'logbook.entry', class: 'events', actor: 'ayse', commandId: '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', payload: '{"text":"Jeneratör arızası","severity":"fault","device":null}' },
      { ...track(1), type: 'x', class: 'events', payload: '[1,2,{"a":null}]' },
      { ...track(2), type: 'x', class: 'events', createdAt: '2026-11-28T09:00:00Z', monoMs: 0.1 + 0.2, payload: '"just a string"' },
      { ...track(3), type: 'x', class: 'events', actor: 'mehmet', payload: '{"__proto__":{"x":1},"k":"ü"}' },
    ];
    const b = encodeBatch('VIM-01', 'events', rows);
    const d = decodeBatch(b.bytes);
    expect(d.records).toEqual(rows.map(asWire));
    expect(Object.keys(d.records[3]!.payload as object)).toEqual(['__proto__', 'k']);
    // The same body uncompressed (what goes when gzip would not pay) decodes the same.
    const nl = b.bytes.indexOf(0x0a);
    const body = b.header.enc === 'gzip' ? gunzipSync(b.bytes.subarray(nl + 1)) : b.bytes.subarray(nl + 1);
    const plain = Buffer.concat([Buffer.from(`${JSON.stringify({ ...b.header, enc: 'identity' })}\n`), body]);
    expect(decodeBatch(plain).records).toEqual(rows.map(asWire));
  });

  it('carries the eviction ranges in the header', () => {
    const evicted = [{ class: 'track' as const, fromCseq: 1, toCseq: 39, fromSeq: 2, toSeq: 98, count: 39 }];
    const d = decodeBatch(encodeBatch('VIM-01', 'track', [track(0)], evicted).bytes);
    expect(d.header.evicted).toEqual(evicted);
  });

  it('refuses malformed batches with a WireError', () => {
    const good = encodeBatch('VIM-01', 'track', [track(0), track(1)]).bytes;
    const nl = good.indexOf(0x0a);
    const header = JSON.parse(good.subarray(0, nl).toString()) as Record<string, unknown>;
    const withHeader = (h: Record<string, unknown>, body: Buffer) => Buffer.concat([Buffer.from(`${JSON.stringify(h)}\n`), body]);
    const body = good.subarray(nl + 1);
    const cases: [string, Buffer][] = [
      ['no newline', Buffer.from('{"v":1}')],
      ['header not JSON', Buffer.from('{v:1}\n{}')],
      ['wrong version', withHeader({ ...header, v: 2 }, body)],
      ['unknown class', withHeader({ ...header, class: 'junk' }, body)],
      ['unknown encoding', withHeader({ ...header, enc: 'br' }, body)],
      ['gzip that is not', withHeader({ ...header, enc: 'gzip' }, Buffer.from('plain'))],
      ['count mismatch', withHeader({ ...header, n: 3 }, body)],
      ['columns of different length', withHeader({ ...header, enc: 'gzip' }, gzipSync('{"seq":[1,1],"cseq":[1],"id":["a","b"],"types":["t"],"type":[0,0],"createdAt":[0,1],"clocks":["ntp"],"clock":[0,0],"boots":["b"],"boot":[0,0],"monoUs":[0,1],"commandId":[null,null],"actors":[],"actor":[-1,-1],"payload":{"rows":[1,2]}}'))],
      ['dictionary index out of range', withHeader({ ...header, n: 1, enc: 'identity' }, Buffer.from('{"seq":[1],"cseq":[1],"id":["a"],"types":["t"],"type":[5],"createdAt":[0],"clocks":["ntp"],"clock":[0],"boots":["b"],"boot":[0],"monoUs":[0],"commandId":[null],"actors":[],"actor":[-1],"payload":{"rows":[1]}}'))],
    ];
    for (const [what, buf] of cases) expect(() => decodeBatch(buf), what).toThrow(WireError);
  });
});

import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { logbookCommands } from '../../firmware-ts/src/api/commands/logbook.js';
import { CommandPath, type Publisher } from '../../firmware-ts/src/api/command-path.js';
import type { Answer } from '../../firmware-ts/src/api/errors.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

class RecordingPublisher implements Publisher {
  sent: { topic: string; payload: string }[] = [];
  publish(topic: string, payload: string): Promise<void> {
    this.sent.push({ topic, payload });
    return Promise.resolve();
  }
}

const staff: ClientInfo = { clientId: 'ayse@tab1', username: 'ayse', role: 'staff' };
const kiosk: ClientInfo = { clientId: 'kiosk1', username: 'kiosk1', role: 'kiosk' };
const ID = '0190a0b1-0000-7000-8000-000000000001';
const TOPIC = 'vim/cmd/logbook/add';
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

let store: Store;
let path: CommandPath;
let pub: RecordingPublisher;

beforeEach(async () => {
  store = await openTestStore();
  pub = new RecordingPublisher();
  path = new CommandPath(store, silent);
  path.attach(pub);
  path.register(logbookCommands(pub));
  return () => store.stop();
});

function errorOf(a: Answer): { code: string; message: string; details: Record<string, unknown> } {
  if (a.ok) throw new Error(`expected an error answer, got ${JSON.stringify(a)}`);
  return a.error;
}

describe('command path', () => {
  it('journals a valid command and answers with the record', async () => {
    const a = await path.execute(staff, TOPIC, buf({ id: ID, text: 'Jeneratör arızası', severity: 'fault', device: 'generator' }));
    expect(a).toMatchObject({ id: ID, ok: true, result: { seq: 1, clock: 'unsynced' } });
    const [rec] = store.journal.list(0, 10);
    expect(rec).toMatchObject({ type: 'logbook.entry', class: 'events', commandId: ID, actor: 'ayse', payload: { text: 'Jeneratör arızası', severity: 'fault', device: 'generator' } });
  });

  it('returns the first answer for a retried id and writes nothing more', async () => {
    const first = await path.execute(staff, TOPIC, buf({ id: ID, text: 'x' }));
    const again = await path.execute(staff, TOPIC, buf({ text: 'x', id: ID })); // key order does not matter
    expect(again).toEqual(first);
    expect(store.journal.stats().count).toBe(1);
    expect(path.stats).toMatchObject({ ok: 1, replayed: 1 });
  });

  it('answers CONFLICT for a reused id with a different payload, or from another user', async () => {
    await path.execute(staff, TOPIC, buf({ id: ID, text: 'x' }));
    expect(errorOf(await path.execute(staff, TOPIC, buf({ id: ID, text: 'y' })))).toMatchObject({ code: 'CONFLICT', details: { field: 'id' } });
    const other: ClientInfo = { clientId: 'mehmet', username: 'mehmet', role: 'staff' };
    expect(errorOf(await path.execute(other, TOPIC, buf({ id: ID, text: 'x' }))).code).toBe('CONFLICT');
    expect(store.journal.stats().count).toBe(1);
  });

  it('runs duplicates that arrive together only once', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => path.execute(staff, TOPIC, buf({ id: ID, text: 'x' }))));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(store.journal.stats().count).toBe(1);
  });

  const bad: [string, unknown, string, string][] = [
    ['malformed JSON', '{"id": ', 'BAD_JSON', 'payload: is not valid JSON'],
    ['a JSON array', '[1,2]', 'BAD_JSON', 'payload: must be a JSON object'],
    ['a missing id', { text: 'x' }, 'INVALID_PAYLOAD', 'id: is required'],
    ['an id that is not a UUID', { id: 'abc', text: 'x' }, 'INVALID_PAYLOAD', 'id: must match'],
    ['a missing field', { id: ID }, 'INVALID_PAYLOAD', 'text: is required'],
    ['a wrong type', { id: ID, text: 42 }, 'INVALID_PAYLOAD', 'text: must be string'],
    ['an unknown field', { id: ID, text: 'x', tckn: '10000000146' }, 'INVALID_PAYLOAD', 'tckn: is not a known field'],
    ['an enum outside its values', { id: ID, text: 'x', severity: 'panic' }, 'INVALID_PAYLOAD', 'severity: must be one of info, warning, fault'],
    ['an empty text', { id: ID, text: '' }, 'INVALID_PAYLOAD', 'text: must NOT have fewer than 1 characters'],
  ];
  for (const [what, payload, code, message] of bad) {
    it(`answers ${code} for ${what}, naming the field, and writes nothing`, async () => {
      const e = errorOf(await path.execute(staff, TOPIC, buf(payload)));
      expect(e.code).toBe(code);
      expect(e.message).toContain(message);
      expect(store.journal.stats().count).toBe(0);
    });
  }

  it('answers UNKNOWN_COMMAND for an unknown topic, echoing the id', async () => {
    const a = await path.execute(staff, 'vim/cmd/logbook/delete', buf({ id: ID }));
    expect(a).toMatchObject({ id: ID, ok: false, error: { code: 'UNKNOWN_COMMAND', details: { field: 'topic' } } });
  });

  it('answers FORBIDDEN for a role the command does not allow', async () => {
    expect(errorOf(await path.execute(kiosk, TOPIC, buf({ id: ID, text: 'x' }))).code).toBe('FORBIDDEN');
  });

  it('answers STORE_FULL when the disk is full, and the retry succeeds once it is not', async () => {
    store.limitPages(1); // clamped by SQLite to the current size: the next new page fails
    const idOf = (i: number) => `0190a0b1-0000-7000-8000-${String(i).padStart(12, '0')}`;
    let ok = 0;
    let full: string | null = null;
    for (let i = 0; i < 500 && full === null; i++) {
      const a = await path.execute(staff, TOPIC, buf({ id: idOf(i), text: 'x'.repeat(2000) }));
      if (a.ok) ok++;
      else if (a.error.code === 'STORE_FULL') full = idOf(i);
      else throw new Error(JSON.stringify(a));
    }
    expect(full).not.toBeNull();
    expect(store.journal.stats().count).toBe(ok); // reads work; the refused command left nothing
    store.limitPages(1_000_000);
    expect((await path.execute(staff, TOPIC, buf({ id: full, text: 'x'.repeat(2000) }))).ok).toBe(true);
    expect(store.journal.stats().count).toBe(ok + 1);
  });

  it('replies on vim/reply/<clientId> and publishes the event after the commit', async () => {
    path.accept(staff, TOPIC, buf({ id: ID, text: 'x' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(pub.sent.map((s) => s.topic).sort()).toEqual(['vim/event/logbook/added', 'vim/reply/ayse@tab1']);
    const reply = JSON.parse(pub.sent.find((s) => s.topic.startsWith('vim/reply'))!.payload) as Answer;
    expect(reply).toMatchObject({ id: ID, ok: true });
  });

  it('turns broker refusals into error answers naming the limit', () => {
    path.refuse(staff, TOPIC, ID, 'PAYLOAD_TOO_LARGE', { field: 'payload', bytes: 70000, max: 65536 });
    const reply = JSON.parse(pub.sent[0]!.payload) as Answer;
    expect(reply).toMatchObject({ id: ID, ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'payload: must be at most 65536 bytes' } });
  });

  it('never throws and never writes on random payloads (fuzz)', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pieces = ['{', '}', '"id"', ':', `"${ID}"`, ',', '"text"', '"x"', '[', ']', 'null', '1e999', '"\\u0000"', '"severity"', '"fault"', ' ', '\u00ff', '"__proto__"'];
    for (let i = 0; i < 1500; i++) {
      let s = '';
      const n = Math.floor(rnd() * 14);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      const a = await path.execute(staff, TOPIC, Buffer.from(s));
      if (!a.ok) expect(['BAD_JSON', 'INVALID_PAYLOAD', 'CONFLICT']).toContain(a.error.code);
    }
    // Only well-formed commands may have written, each at most once.
    expect(store.journal.stats().count).toBeLessThanOrEqual(1);
  });
});

// MQTT command payloads (issue 10 "Fuzz"; DESIGN.md non-negotiable 5: bad input gets
// a clear error and changes nothing). One in-process gateway; generated and mutated
// payloads (from every command's documented examples) on every command topic and some
// unknown ones, from each role:
//   1. directly through the command path (CommandPath.execute: JSON, topic, role,
//      schema, idempotency, handler): FUZZ_RUNS of them, each timed;
//   2. more of them, those the command path refuses before any handler runs, through
//      the real broker over MQTT: the same answer comes back, every answer names its
//      code and the field, and the journal does not grow.
// Ids come from a small pool, so a payload that passes every check is journaled once
// and its repeats are replays or CONFLICTs, not an ever-growing journal.
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { API_ERROR_CODES, type Answer } from '../../firmware-ts/src/api/errors.js';
import { topicOf } from '../../firmware-ts/src/api/command.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { fcParams, HEAP_SLACK, InputClock, report, runs, seed, settledHeap } from './harness.js';

// ~100-200 µs an input (JSON, Ajv, an ApiError with its stack): 1,000,000 takes minutes, so CI runs 100,000.
const DIRECT = runs(100_000);
const BROKER = Math.min(20_000, runs(20_000)); // 20,000 in CI and in `npm run fuzz`; less only when FUZZ_RUNS is smaller
/** Codes of refusals decided before any handler runs: the same input always gets the same one. */
const VALIDATION = new Set(['BAD_JSON', 'INVALID_PAYLOAD', 'UNKNOWN_COMMAND', 'FORBIDDEN', 'CONFLICT']);
/** "<field path>: reason" (api/errors.ts: messages name the field). */
const NAMES_FIELD = /^([A-Za-z_$][\w$-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])([.]?([A-Za-z_$][\w$-]*)|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*: \S/u;

const ROLES: ClientInfo[] = [
  { clientId: `${USERS.staff.username}@fuzz`, username: USERS.staff.username, role: 'staff' },
  { clientId: `${USERS.maintenance.username}@fuzz`, username: USERS.maintenance.username, role: 'maintenance' },
  { clientId: `${USERS.kiosk.username}@fuzz`, username: USERS.kiosk.username, role: 'kiosk' },
  { clientId: `${USERS.display.username}@fuzz`, username: USERS.display.username, role: 'display' },
];
const IDS = Array.from({ length: 16 }, (_, i) => `0190a0b1-0000-4000-8000-${String(i).padStart(12, '0')}`);

let gw: Gateway;
const unlimited = { maxPayloadBytes: 65_536, publishPerSecond: 1_000_000, burst: 1_000_000 };

beforeAll(async () => {
  ({ gw } = await startGateway({ broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json', limits: { staff: unlimited, maintenance: unlimited, kiosk: unlimited, display: unlimited } } }));
});

afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

type Input = { role: number; topic: string; payload: Buffer };

function inputs(): fc.Arbitrary<Input> {
  const defs = gw.commands.commands;
  const topics = [...defs.map((d) => topicOf(d)), 'vim/cmd/logbook/ad', 'vim/cmd/queue', 'vim/cmd/x/y/z', 'vim/cmd/payments/sale '];
  const examples = defs.flatMap((d) => (d.examples ?? []).map((e) => ({ topic: topicOf(d), doc: e as Record<string, unknown> })));
  const json = fc.jsonValue({ maxDepth: 2 });
  // A documented example with fields replaced, removed or added; the id from the pool or mangled.
  const structural = fc
    .tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(3), fc.nat(), json, fc.string({ maxLength: 12 })), { maxLength: 3 }), fc.oneof(fc.constantFrom(...IDS), fc.string({ maxLength: 40 })), fc.boolean())
    .map(([ex, ops, id, onOwnTopic]) => {
      const doc: Record<string, unknown> = { ...ex.doc, id };
      for (const [op, k, v, name] of ops) {
        const keys = Object.keys(doc);
        const key = keys[k % keys.length]!;
        if (op === 0) doc[key] = v;
        else if (op === 1) delete doc[key];
        else if (op === 2) doc[name] = v;
        else doc[key] = typeof doc[key] === 'string' ? `${doc[key]}${name}` : typeof doc[key] === 'number' ? -(doc[key]) * 1e6 : null;
      }
      return { topic: onOwnTopic ? ex.topic : null, payload: Buffer.from(JSON.stringify(doc)) };
    });
  // The same examples as bytes, flipped, cut and spliced (broken JSON mostly).
  const bytes = fc
    .tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([ex, ops]) => {
      let b = Buffer.from(JSON.stringify({ ...ex.doc, id: IDS[0] }));
      for (const [op, at, v] of ops) {
        const i = at % (b.length + 1);
        if (op === 0 && i < b.length) b[i] = v;
        else if (op === 1) b = b.subarray(0, i);
        else b = Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)]);
      }
      return { topic: ex.topic, payload: b };
    });
  const generated = fc.oneof(
    json.map((v) => ({ topic: null, payload: Buffer.from(JSON.stringify(v) ?? 'null') })),
    fc.uint8Array({ maxLength: 200 }).map((a) => ({ topic: null, payload: Buffer.from(a) })),
  );
  return fc
    .tuple(fc.oneof({ arbitrary: structural, weight: 4 }, { arbitrary: bytes, weight: 2 }, { arbitrary: generated, weight: 1 }), fc.constantFrom(...topics), fc.nat(ROLES.length - 1), fc.nat(9))
    .map(([p, topic, role, r]) => ({ role: r < 7 ? r % 2 : role, topic: p.topic !== null && r < 8 ? p.topic : topic, payload: p.payload }));
}

/** What every answer must be: ok, or a known code with a message; refusals name the field. */
function checkAnswer(a: Answer, input: Input): void {
  if (a.ok) return;
  const { code, message } = a.error;
  const where = `${input.topic} ${input.payload.toString('utf8').slice(0, 200)}`;
  if (!(API_ERROR_CODES as readonly string[]).includes(code) || code === 'INTERNAL') throw new Error(`${code}: ${message} for ${where}`);
  if (typeof message !== 'string' || message === '') throw new Error(`no message for ${code} for ${where}`);
  // FORBIDDEN names the role in its details; every other refusal names the field first.
  if (code === 'FORBIDDEN' ? typeof a.error.details.role !== 'string' : VALIDATION.has(code) && !NAMES_FIELD.test(message)) throw new Error(`"${message}" names no field (${code}) for ${where}`);
}

describe('command payload fuzz', () => {
  const codes: Record<string, number> = {};

  it(`${DIRECT.toLocaleString('en')} generated and mutated payloads through the command path: a known code, the field named, never INTERNAL`, async () => {
    const heap0 = settledHeap();
    const seq0 = gw.store.journal.stats().lastSeq;
    const clock = new InputClock<Input>();
    await fc.assert(
      fc.asyncProperty(inputs(), async (input) => {
        const a = await clock.timeAsync(input, () => gw.commands.execute(ROLES[input.role]!, input.topic, input.payload));
        checkAnswer(a, input);
        const code = a.ok ? 'ok' : a.error.code;
        codes[code] = (codes[code] ?? 0) + 1;
      }),
      fcParams(DIRECT, 0x434d4400),
    );
    const journaled = gw.store.journal.stats().lastSeq - seq0;
    const heapGrowth = settledHeap() - heap0;
    report('mqtt command path', clock, { journaled, codes, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((i) => gw.commands.execute(ROLES[i.role]!, i.topic, i.payload))).toEqual([]);
    expect(clock.count).toBe(DIRECT);
    // The pool of ids bounds what can be journaled: 16 ids, once each per user.
    expect(journaled).toBeLessThanOrEqual(IDS.length * ROLES.length * 4);
    for (const c of ['BAD_JSON', 'INVALID_PAYLOAD', 'UNKNOWN_COMMAND', 'FORBIDDEN']) expect(codes[c], c).toBeGreaterThan(DIRECT / 1000);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  it(`${BROKER.toLocaleString('en')} of the refused payloads through the real broker: the same refusal, and nothing journaled`, async () => {
    const url = gw.broker.endpoints.find((e) => e.startsWith('mqtt:'))!;
    const clients: MqttClient[] = [
      await replyClient(url, USERS.staff, ROLES[0]!.clientId),
      await replyClient(url, USERS.maintenance, ROLES[1]!.clientId),
    ];
    let journaled = 0;
    const got: string[][] = [[], []];
    clients.forEach((c, k) => c.on('message', (_t, buf) => got[k]!.push(buf.toString('utf8'))));
    const clock = { count: 0, maxMs: 0, totalMs: 0 };
    const BATCH = 250;
    const arb = inputs();
    let sent = 0;
    try {
      for (let round = 0; sent < BROKER; round++) {
        // Fresh inputs; kept: those refused before any handler (the same input always gets the
        // same refusal), from the two roles that may publish commands over MQTT (kiosk and
        // display publishes outside their ACL are dropped by the broker, without an answer).
        const batch: { input: Input; answer: Answer }[] = [];
        for (const input of fc.sample(arb, { numRuns: 2 * BATCH, seed: seed(0x4d515454) + round })) {
          if (input.role > 1 || batch.length + sent >= BROKER || batch.length >= BATCH) continue;
          const answer = await gw.commands.execute(ROLES[input.role]!, input.topic, input.payload);
          if (!answer.ok && VALIDATION.has(answer.error.code)) batch.push({ input, answer });
        }
        sent += batch.length;
        got[0] = [];
        got[1] = [];
        const want = [0, 1].map((k) => batch.filter((b) => b.input.role === k));
        const seq0 = gw.store.journal.stats().lastSeq;
        const t0 = performance.now();
        for (const b of batch) clients[b.input.role]!.publish(b.input.topic, b.input.payload, { qos: 0 });
        const deadline = Date.now() + 30_000;
        while ((got[0].length < want[0]!.length || got[1].length < want[1]!.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        const ms = performance.now() - t0;
        clock.count += batch.length;
        clock.totalMs += ms;
        clock.maxMs = Math.max(clock.maxMs, ms / batch.length);
        for (const k of [0, 1]) {
          const answers = got[k]!.map((s) => JSON.parse(s) as Answer);
          answers.forEach((a, i) => checkAnswer(a, want[k]![i]?.input ?? batch[0]!.input));
          // Replies go out as each is decided; compared as multisets (id and code), order aside.
          const key = (a: Answer) => `${String(a.id)}|${a.ok ? 'ok' : a.error.code}`;
          expect(answers.map(key).sort()).toEqual(want[k]!.map((w) => key(w.answer)).sort());
        }
        journaled += gw.store.journal.stats().lastSeq - seq0;
      }
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
    }
    report('mqtt broker', clock, { journaled });
    expect(clock.count).toBe(BROKER);
    expect(journaled).toBe(0);
  });
});

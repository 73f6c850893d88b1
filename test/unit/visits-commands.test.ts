// vim/cmd/visits/* through the real command path and a real test store: the plan is
// validated with errors naming the field (and a refused plan changes nothing), journaled
// as class 'queue', applied after the commit, published on vim/state/visit, restored by a
// new service from the journal; the config's default plan obeys the same rules.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CommandPath, type Publisher } from '../../firmware-ts/src/api/command-path.js';
import { visitsCommands } from '../../firmware-ts/src/api/commands/visits.js';
import type { Answer } from '../../firmware-ts/src/api/errors.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { journalVisitsPort, storeVisitsRecorder } from '../../firmware-ts/src/adapters/visits-ports.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { VisitsService } from '../../firmware-ts/src/services/visits/visits-service.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

class RecordingPublisher implements Publisher {
  sent: { topic: string; payload: string; retain: boolean }[] = [];
  publish(topic: string, payload: string, opts?: { retain?: boolean }): Promise<void> {
    this.sent.push({ topic, payload, retain: opts?.retain ?? false });
    return Promise.resolve();
  }
}

const staff: ClientInfo = { clientId: 'ayse@tab1', username: 'ayse', role: 'staff' };
const crew: ClientInfo = { clientId: 'bakim', username: 'bakim', role: 'maintenance' };
const kiosk: ClientInfo = { clientId: 'kiosk1', username: 'kiosk1', role: 'kiosk' };
let n = 0;
const newId = () => `0190a0b1-0000-7000-8000-${String(++n).padStart(12, '0')}`;

const stop = (id: string, extra: Record<string, unknown> = {}) => ({ id, neighbourhood: 'Cuma Mahallesi', name: `Durak ${id}`, lat: 40.078, lon: 29.513, radiusM: 80, ...extra });

let store: Store;
let path: CommandPath;
let pub: RecordingPublisher;
let visits: VisitsService;

beforeEach(async () => {
  store = await openTestStore();
  pub = new RecordingPublisher();
  visits = new VisitsService(undefined, { journal: journalVisitsPort(store), recorder: storeVisitsRecorder(store) });
  await visits.start();
  path = new CommandPath(store, silent);
  path.attach(pub);
  path.register(visitsCommands(pub, visits));
  return async () => {
    await visits.stop();
    await store.stop();
  };
});

const send = (client: ClientInfo, action: string, args: Record<string, unknown>, id = newId()) =>
  path.execute(client, `vim/cmd/visits/${action}`, Buffer.from(JSON.stringify({ id, ...args })));

function resultOf(a: Answer): Record<string, unknown> {
  if (!a.ok) throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.result as Record<string, unknown>;
}
function errorOf(a: Answer): { code: string; message: string } {
  if (a.ok) throw new Error(`expected an error answer, got ${JSON.stringify(a)}`);
  return a.error;
}

describe('vim/cmd/visits/set-plan', () => {
  it('journals the plan, applies it after the commit and publishes vim/state/visit', async () => {
    const stops = [stop('a', { window: { from: '09:00', to: '10:00' } }), stop('b', { lat: 40.0378, lon: 29.5556, radiusM: 120 })];
    const r = resultOf(await send(staff, 'set-plan', { stops }));
    expect(r).toMatchObject({ day: visits.today, stops: 2, recordId: expect.any(String) });
    const recs = store.journal.list(0, 10);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ id: r.recordId, type: 'visit.plan.set', class: 'queue', actor: 'ayse', payload: { day: visits.today, by: 'ayse', stops } });
    expect(visits.plan()).toEqual(stops);
    const state = pub.sent.filter((m) => m.topic === 'vim/state/visit').at(-1)!;
    expect(state.retain).toBe(true);
    expect(JSON.parse(state.payload)).toMatchObject({ plan: { source: 'command', setBy: 'ayse', stops: [{ id: 'a' }, { id: 'b', status: 'planned' }] } });

    const got = resultOf(await send(crew, 'get-plan', {}));
    expect(got).toMatchObject({ day: visits.today, current: null, plan: { stops: [{ id: 'a', window: { from: '09:00', to: '10:00' } }, { id: 'b', window: null }] } });
  });

  it.each([
    ['a radius under 20 m', [stop('a'), stop('b'), stop('c', { radiusM: 10 })], 'stops[2].radiusM: must be >= 20'],
    ['a radius over 2000 m', [stop('a', { radiusM: 2500 })], 'stops[0].radiusM: must be <= 2000'],
    ['a latitude out of range', [stop('a', { lat: 91 })], 'stops[0].lat: must be <= 90'],
    ['a longitude out of range', [stop('a'), stop('b', { lon: -181 })], 'stops[1].lon: must be >= -180'],
    ['a missing neighbourhood', [{ id: 'a', name: 'x', lat: 40, lon: 29, radiusM: 50 }], 'stops[0].neighbourhood: is required'],
    ['an unknown field', [stop('a', { radius: 50 })], 'stops[0].radius: is not a known field'],
    ['a duplicate id', [stop('a'), stop('b'), stop('a')], 'stops[2].id: "a" is used twice (also stops[0].id)'],
    ['a window ending before it starts', [stop('a', { window: { from: '12:00', to: '11:30' } })], 'stops[0].window.to: must be later than window.from (12:00)'],
    ['an empty window', [stop('a', { window: { from: '12:00', to: '12:00' } })], 'stops[0].window.to: must be later than window.from (12:00)'],
    ['a time that is not HH:MM or ISO', [stop('a', { window: { from: '9:00', to: '10:00' } })], 'stops[0].window.from: must match'],
    ['an ISO date that does not exist', [stop('a', { window: { from: '2026-02-30T09:00:00+03:00', to: '2026-03-05T10:00:00+03:00' } })], 'stops[0].window.from: "2026-02-30T09:00:00+03:00" is not a real time'],
  ])('refuses %s with an error naming the field, and changes nothing', async (_what, stops, message) => {
    resultOf(await send(staff, 'set-plan', { stops: [stop('keep')] }));
    const before = store.journal.stats().count;
    const e = errorOf(await send(staff, 'set-plan', { stops }));
    expect(e.code).toBe('INVALID_PAYLOAD');
    expect(e.message.startsWith(message)).toBe(true);
    expect(store.journal.stats().count).toBe(before);
    expect(visits.plan().map((s) => s.id)).toEqual(['keep']);
  });

  it('accepts ISO windows and lets kiosks neither set nor read the plan', async () => {
    const w = { from: '2026-05-08T09:00:00+03:00', to: '2026-05-08T10:00:00Z' };
    resultOf(await send(crew, 'set-plan', { stops: [stop('a', { window: w })] }));
    expect(errorOf(await send(kiosk, 'set-plan', { stops: [] })).code).toBe('FORBIDDEN');
    expect(errorOf(await send(kiosk, 'get-plan', {})).code).toBe('FORBIDDEN');
  });

  it('answers a retried command from its first answer without applying it twice', async () => {
    const id = newId();
    const first = resultOf(await send(staff, 'set-plan', { stops: [stop('a')] }, id));
    resultOf(await send(staff, 'set-plan', { stops: [stop('z')] }));
    expect(resultOf(await send(staff, 'set-plan', { stops: [stop('a')] }, id))).toEqual(first);
    expect(visits.plan().map((s) => s.id)).toEqual(['z']);
  });

  it('is restored from the journal by the next service after a restart', async () => {
    resultOf(await send(staff, 'set-plan', { stops: [stop('a'), stop('b')] }));
    resultOf(await send(staff, 'set-plan', { stops: [stop('c')] }));
    const next = new VisitsService(undefined, { journal: journalVisitsPort(store) });
    await next.start();
    expect(next.plan().map((s) => s.id)).toEqual(['c']);
    expect(next.snapshot().plan).toMatchObject({ source: 'command', setBy: 'ayse' });
    await next.stop();
  });
});

describe('visits config', () => {
  it('takes a default plan, and refuses one that breaks the plan rules with path-prefixed errors', () => {
    const ok = parseConfig(JSON.stringify({ visits: { dwellMinutes: 0.5, plan: [stop('a', { window: { from: '09:00', to: '10:00' } })] } }), null);
    expect(ok.ok && ok.config.visits).toMatchObject({ enabled: true, dwellMinutes: 0.5, leaveSeconds: 60, outageMinutes: 10, plan: [{ id: 'a' }] });
    const bad = parseConfig(JSON.stringify({ visits: { plan: [stop('a'), stop('a', { window: { from: '10:00', to: '09:00' } })] } }), null);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual([
      { path: 'visits.plan[1].id', message: '"a" is used twice (also visits.plan[0].id)' },
      { path: 'visits.plan[1].window.to', message: 'must be later than window.from (10:00)' },
    ]);
    const shape = parseConfig(JSON.stringify({ visits: { dwellMinutes: 0, plan: [stop('a', { radiusM: 5 })] } }), null);
    expect(!shape.ok && shape.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['visits.dwellMinutes: must be > 0', 'visits.plan[0].radiusM: must be >= 20']);
  });
});

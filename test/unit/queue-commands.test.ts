// The queue commands through the real command path and a real test store.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { queueCommands } from '../../firmware-ts/src/api/commands/queue.js';
import { CommandPath, type Publisher } from '../../firmware-ts/src/api/command-path.js';
import type { Answer } from '../../firmware-ts/src/api/errors.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { QueueService } from '../../firmware-ts/src/services/queue/queue-service.js';
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
const kiosk: ClientInfo = { clientId: 'kiosk1', username: 'kiosk1', role: 'kiosk' };
let n = 0;
const newId = () => `0190a0b1-0000-7000-8000-${String(++n).padStart(12, '0')}`;
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));

let store: Store;
let path: CommandPath;
let pub: RecordingPublisher;
let queue: QueueService;

beforeEach(async () => {
  store = await openTestStore();
  pub = new RecordingPublisher();
  queue = new QueueService();
  path = new CommandPath(store, silent);
  path.attach(pub);
  path.register(queueCommands(pub, queue));
  return () => store.stop();
});

const send = (client: ClientInfo, action: string, args: Record<string, unknown>, id = newId()) => path.execute(client, `vim/cmd/queue/${action}`, buf({ id, ...args }));

function resultOf(a: Answer): Record<string, unknown> {
  if (!a.ok) throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.result as Record<string, unknown>;
}
function errorOf(a: Answer): { code: string; message: string } {
  if (a.ok) throw new Error(`expected an error answer, got ${JSON.stringify(a)}`);
  return a.error;
}

describe('queue commands', () => {
  it('takes a ticket, journals it and publishes the retained state', async () => {
    const r = resultOf(await send(kiosk, 'take', { service: 'A' }));
    expect(r).toMatchObject({ ticket: 'A001', service: 'A', ahead: 0 });
    expect(resultOf(await send(kiosk, 'take', { service: 'a' }))).toMatchObject({ ticket: 'A002', ahead: 1 });
    const recs = store.journal.list(0, 10);
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({ type: 'queue.ticket.taken', class: 'queue', actor: 'kiosk1', payload: { number: 'A001', service: 'A' } });
    const state = pub.sent.filter((m) => m.topic === 'vim/state/queue');
    expect(state.at(-1)?.retain).toBe(true);
    expect(JSON.parse(state.at(-1)!.payload)).toMatchObject({ services: expect.arrayContaining([expect.objectContaining({ letter: 'A', waiting: 2 })]) as unknown });
  });

  it('gives distinct numbers to takes committed in the same batch', async () => {
    const answers = await Promise.all([send(kiosk, 'take', { service: 'B' }), send(kiosk, 'take', { service: 'B' }), send(kiosk, 'take', { service: 'B' })]);
    expect(answers.map((a) => resultOf(a).ticket)).toEqual(['B001', 'B002', 'B003']);
    expect(queue.snapshot().services.find((s) => s.letter === 'B')?.waiting).toBe(3);
  });

  it('runs a ticket through a counter and refuses what the state does not allow', async () => {
    resultOf(await send(kiosk, 'take', { service: 'C' }));
    expect(errorOf(await send(staff, 'call-next', { counter: 1 }))).toMatchObject({ code: 'COUNTER_CLOSED' });
    expect(resultOf(await send(staff, 'open-counter', { counter: 1 }))).toEqual({ counter: 1, open: true });
    expect(resultOf(await send(staff, 'call-next', { counter: 1 }))).toMatchObject({ ticket: 'C001', counter: 1 });
    expect(pub.sent.find((m) => m.topic === 'vim/event/queue/called')?.payload).toContain('"ticket":"C001"');
    const early = errorOf(await send(staff, 'complete', { ticket: 'C001' }));
    expect(early.code).toBe('INVALID_STATE');
    expect(early.message).toContain('called');
    resultOf(await send(staff, 'start', { ticket: 'C001' }));
    expect(resultOf(await send(staff, 'complete', { ticket: 'C001' }))).toMatchObject({ ticket: 'C001', state: 'done' });
    const again = errorOf(await send(staff, 'complete', { ticket: 'C001' }));
    expect(again.code).toBe('INVALID_STATE');
    expect(again.message).toContain('done');
    expect(errorOf(await send(staff, 'call-next', { counter: 1 })).code).toBe('NOTHING_WAITING');
    expect(resultOf(await send(staff, 'close-counter', { counter: 1 }))).toEqual({ counter: 1, open: false });
  });

  it('refuses an unknown service and journals nothing', async () => {
    const e = errorOf(await send(kiosk, 'take', { service: 'Z' }));
    expect(e.code).toBe('UNKNOWN_SERVICE');
    expect(e.message).toContain('"Z"');
    expect(store.journal.stats().count).toBe(0);
    expect(pub.sent).toHaveLength(0);
    expect(resultOf(await send(kiosk, 'take', { service: 'A' })).ticket).toBe('A001');
  });

  it('answers a retried take with the same ticket and takes no new one', async () => {
    const id = newId();
    const first = await send(kiosk, 'take', { service: 'D' }, id);
    const again = await send(kiosk, 'take', { service: 'D' }, id);
    expect(again).toEqual(first);
    expect(resultOf(again).ticket).toBe('D001');
    expect(store.journal.stats().count).toBe(1);
    expect(resultOf(await send(kiosk, 'take', { service: 'D' })).ticket).toBe('D002');
  });

  it('lets only staff run the counters', async () => {
    expect(errorOf(await send(kiosk, 'open-counter', { counter: 1 })).code).toBe('FORBIDDEN');
  });
});

// Queue commands while earlier ones are still in flight: the next group-commit batch runs
// while the previous batch's WAL sync is pending (store/group-commit.ts), and a unit's
// writes can be rolled back after its dry run. Dry runs must chain on every operation
// journaled before them and forget the ones undone, or two counters call the same ticket
// and the journal holds events that no longer replay (a restart would then fail).
import { pbkdf2, pbkdf2Sync } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { journalQueuePort } from '../../firmware-ts/src/adapters/queue-ports.js';
import { queueCommands } from '../../firmware-ts/src/api/commands/queue.js';
import { CommandPath, type Publisher } from '../../firmware-ts/src/api/command-path.js';
import type { Answer } from '../../firmware-ts/src/api/errors.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import { QueueService } from '../../firmware-ts/src/services/queue/queue-service.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { CONFIG } from '../helpers/queue-fixture.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const nopublish: Publisher = { publish: () => Promise.resolve() };
const staff: ClientInfo = { clientId: 'ayse@tab1', username: 'ayse', role: 'staff' };
const kiosk: ClientInfo = { clientId: 'kiosk1', username: 'kiosk1', role: 'kiosk' };
let n = 0;
const newId = () => `0190a0b1-0000-7000-8001-${String(++n).padStart(12, '0')}`;

let store: Store;
let path: CommandPath;
let queue: QueueService;

beforeEach(async () => {
  store = await openTestStore();
  queue = new QueueService(CONFIG, { journal: journalQueuePort(store), log: silent });
  await queue.start();
  path = new CommandPath(store, silent);
  path.attach(nopublish);
  path.register(queueCommands(nopublish, queue));
  return async () => {
    await queue.stop();
    await store.stop();
  };
});

const send = (client: ClientInfo, action: string, args: Record<string, unknown>) =>
  path.execute(client, `vim/cmd/queue/${action}`, Buffer.from(JSON.stringify({ id: newId(), ...args })));

function resultOf(a: Answer): Record<string, unknown> {
  if (!a.ok) throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.result as Record<string, unknown>;
}

/**
 * Occupies libuv's four pool threads with one long task each, so the WAL fdatasync of the
 * next commit (queued behind them, FIFO) waits about `ms`.
 */
function busyThreadPool(ms: number): Promise<void> {
  const t0 = performance.now();
  pbkdf2Sync('x', 'y', 20_000, 32, 'sha256');
  const iterations = Math.ceil((20_000 * ms) / Math.max(1, performance.now() - t0));
  const one = () => new Promise<void>((resolve) => pbkdf2('x', 'y', iterations, 32, 'sha256', () => resolve()));
  return Promise.all([one(), one(), one(), one()]).then(() => undefined);
}

describe('queue commands in flight', () => {
  it('gives two counters two different tickets when the second call runs before the first is durable', async () => {
    for (const c of [1, 3]) resultOf(await send(staff, 'open-counter', { counter: c }));
    resultOf(await send(kiosk, 'take', { service: 'A' }));
    resultOf(await send(kiosk, 'take', { service: 'A' }));

    const pool = busyThreadPool(300);
    const first = send(staff, 'call-next', { counter: 1 });
    // A later turn of the event loop: its own batch, committed while the first batch's sync waits.
    await new Promise((r) => setTimeout(r, 20));
    const second = send(staff, 'call-next', { counter: 3 });
    const [a, b] = await Promise.all([first, second]);
    await pool;
    const tickets = [resultOf(a).ticket, resultOf(b).ticket];
    expect(tickets.sort()).toEqual(['A001', 'A002']);

    // The live model took both, and the journal replays to the same state after a restart.
    const called = queue.snapshot().counters.flatMap((c) => (c.serving === null ? [] : [c.serving]));
    expect(called.sort()).toEqual(['A001', 'A002']);
    const restarted = new QueueService(CONFIG, { journal: journalQueuePort(store), log: silent });
    await restarted.start();
    expect(restarted.snapshot()).toEqual(queue.snapshot());
    await restarted.stop();
  });

  it('forgets a dry run whose unit was rolled back, so the next command in the batch does not build on it', async () => {
    // Three units in one batch: a take, a unit that takes and then fails (rolled back to its
    // savepoint), and a take. The journal holds two tickets, numbered without a gap.
    const take = (fail: boolean) =>
      store.transact((tx) => {
        const r = queue.dryRun(
          (m) => m.take('B', Date.now()),
          (evs) => {
            for (const e of evs) tx.journal.append({ type: e.type, class: 'queue', payload: e, commandId: newId(), actor: 'kiosk1' });
          },
          (fn) => tx.onAbort(fn),
        );
        if (fail) throw new Error('the unit fails after its dry run');
        return r;
      });
    const results = await Promise.allSettled([take(false), take(true), take(false)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const numbers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.ticket.number] : []));
    expect(numbers).toEqual(['B001', 'B002']);
    for (const r of results) if (r.status === 'fulfilled') queue.commit(r.value.events);
    expect(queue.snapshot().services.find((s) => s.letter === 'B')?.waiting).toBe(2);
    expect(store.journal.list(0, 100).filter((r) => r.type === 'queue.ticket.taken')).toHaveLength(2);
  });

  it('falls back to the live model once nothing is in flight', async () => {
    resultOf(await send(kiosk, 'take', { service: 'C' }));
    const failing = store.transact((tx) => {
      queue.dryRun(
        (m) => m.take('C', Date.now()),
        () => undefined,
        (fn) => tx.onAbort(fn),
      );
      throw new Error('rolled back');
    });
    await expect(failing).rejects.toThrow('rolled back');
    expect(resultOf(await send(kiosk, 'take', { service: 'C' })).ticket).toBe('C002');
  });
});

// The queue tests' shared fixture: the van's four services on three desks, and a
// seeded day of random operations (many refused) for replay and statistics tests.
import { seededRandom } from '../../devices/shared/random.js';
import { QueueError } from '../../firmware-ts/src/services/queue/errors.js';
import type { QueueEvent } from '../../firmware-ts/src/services/queue/events.js';
import { QueueModel, type QueueConfig } from '../../firmware-ts/src/services/queue/queue-model.js';

export const T0 = Date.UTC(2026, 10, 28, 6, 0, 0); // 09:00 Istanbul
export const MIN = 60_000;

export const CONFIG: QueueConfig = {
  services: [
    { letter: 'A', name: 'Bilgi Edinme' },
    { letter: 'B', name: 'Çözüm Merkezi / 153' },
    { letter: 'C', name: 'İstihdam' },
    { letter: 'D', name: 'Tahsilat' },
  ],
  counters: [
    { number: 1, name: 'Masa 1', services: ['A', 'B'] },
    { number: 2, name: 'Masa 2', services: ['C', 'D'] },
    { number: 3, name: 'Masa 3', services: ['A', 'B', 'C', 'D'] },
  ],
};

const rng = seededRandom;

export /** Runs `n` random operations (many of them refused) and returns the model and its journal. */
function randomDay(seed: number, n: number): { model: QueueModel; events: QueueEvent[]; refused: number } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const model = new QueueModel({ ...CONFIG, resetAt: '00:00', serviceTimeWindow: 5 });
  const events: QueueEvent[] = [];
  let now = Date.UTC(2026, 10, 28, 18, 0); // 21:00 Istanbul: the run crosses midnight
  let refused = 0;
  const letters = ['A', 'B', 'C', 'D', 'Z', 'c'];
  const prios = [null, null, null, 'elderly', 'pregnant', 'veteran', 'bogus'];
  for (let i = 0; i < n; i++) {
    now += Math.floor(r() * 3 * MIN);
    const all = Object.values(model.state().tickets);
    const active = all.filter((t) => ['waiting', 'called', 'serving'].includes(t.state));
    // mostly live tickets (so operations succeed), sometimes finished or unknown ones (so they are refused)
    const pool = active.length > 0 && r() < 0.8 ? active : all;
    const ref = pool.length > 0 && r() < 0.95 ? pick(pool).id : 'X999';
    const counter = pick([1, 2, 3, 3, 7]);
    const ops: (() => { events: QueueEvent[] })[] = [
      () => model.take(pick(letters), now, pick(prios)),
      () => model.take(pick(letters), now, pick(prios)),
      () => model.openCounter(counter, now),
      () => model.closeCounter(counter, now),
      () => model.callNext(counter, now),
      () => model.callNext(counter, now),
      () => model.recall(ref, now),
      () => model.start(ref, now),
      () => model.complete(ref, now),
      () => model.noShow(ref, now),
      () => model.cancel(ref, now),
      () => model.transfer(ref, pick(letters), now),
      () => (r() < 0.5 ? model.closeService(pick(letters), now) : model.openService(pick(letters), now)),
    ];
    try {
      events.push(...pick(ops)().events);
    } catch (e) {
      if (!(e instanceof QueueError)) throw e;
      refused++;
    }
  }
  return { model, events, refused };
}

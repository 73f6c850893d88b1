// The `queue` config section through parseConfig (the path whose errors make the gateway
// exit 78): the schema's defaults, the cross-field rules with the exact path of each error,
// and that whatever passes builds a working queue (the model throws on what it cannot run).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import type { Config } from '../../firmware-ts/src/config/schema.js';
import { queueConfigErrors, toQueueConfig } from '../../firmware-ts/src/services/queue/options.js';
import { QueueModel } from '../../firmware-ts/src/services/queue/queue-model.js';
import { DEFAULT_QUEUE_CONFIG } from '../../firmware-ts/src/services/queue/queue-service.js';

const T = Date.UTC(2026, 10, 28, 6, 0);

function parse(doc: Record<string, unknown>) {
  return parseConfig(JSON.stringify(doc), null);
}
function errorsOf(doc: Record<string, unknown>) {
  const r = parse(doc);
  if (r.ok) throw new Error('expected config errors');
  return r.errors;
}
function configOf(doc: Record<string, unknown>): Config {
  const r = parse(doc);
  if (!r.ok) throw new Error(`expected a valid config, got ${JSON.stringify(r.errors)}`);
  return r.config;
}

const svc = (letter: string, name = `Hizmet ${letter}`) => ({ letter, name });
const ctr = (number: number, services: string[]) => ({ number, name: `Gişe ${number}`, services });

describe('queue config: defaults', () => {
  it('an empty config gives the van its four services A-D and counters 1-4 calling all of them', () => {
    const q = configOf({}).queue;
    expect(q.services.map((s) => [s.letter, s.name, s.open])).toEqual([
      ['A', 'Bilgi Edinme', true],
      ['B', 'Çözüm Merkezi / 153', true],
      ['C', 'İstihdam', true],
      ['D', 'Tahsilat', true],
    ]);
    expect(q.counters).toEqual([1, 2, 3, 4].map((n) => ({ number: n, name: `Gişe ${n}`, services: ['*'] })));
    expect(toQueueConfig(q).counters.map((c) => c.services)).toEqual([1, 2, 3, 4].map(() => ['A', 'B', 'C', 'D']));
    expect(q).toMatchObject({ resetAt: '00:00', kioskButtons: true, paperLed: 'paper', serviceTimeWindow: 10, defaultServiceMinutes: 5, recentCalledCount: 5 });
    expect(q.ticketPrinter).toBeUndefined();
    expect(q.statusUrl).toBeUndefined();
    expect(Object.keys(q.priority.classes).sort()).toEqual(['disabled', 'elderly', 'martyr_relative', 'pregnant', 'veteran']);
    expect(q.priority.maxConsecutive).toBe(3);
  });

  it('the defaults are what the service runs without a queue section', () => {
    expect(toQueueConfig(configOf({}).queue)).toEqual(DEFAULT_QUEUE_CONFIG);
    expect(DEFAULT_QUEUE_CONFIG.defaultServiceMs).toBe(5 * 60_000);
    const m = new QueueModel(DEFAULT_QUEUE_CONFIG);
    const s = m.snapshot();
    expect(s.services.map((x) => x.letter)).toEqual(['A', 'B', 'C', 'D']);
    expect(s.counters.map((c) => [c.number, c.open])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect(m.take('C', T, 'martyr_relative').ticket.number).toBe('C001');
  });

  it('the shipped configs are valid for the queue too', () => {
    // config/default.json names a printer "desk" and no queue section: the first printer prints tickets.
    expect(parse({ devices: { printers: [{ name: 'desk' }] } }).ok).toBe(true);
  });
});

describe('queue config: cross-field errors name the field', () => {
  it('a letter used twice, also in lower case and the Turkish way (i is İ)', () => {
    expect(errorsOf({ queue: { services: [svc('A'), svc('B'), svc('a')], counters: [ctr(1, ['A', 'B'])] } })).toEqual([{ path: 'queue.services[2].letter', message: '"a" is used twice' }]);
    expect(errorsOf({ queue: { services: [svc('İ'), svc('i')], counters: [ctr(1, ['İ'])] } })).toEqual([{ path: 'queue.services[1].letter', message: '"i" is used twice' }]);
  });

  it('a letter that is not a letter', () => {
    expect(errorsOf({ queue: { services: [svc('A'), svc('7')], counters: [ctr(1, ['A'])] } })).toEqual([{ path: 'queue.services[1].letter', message: '"7" must be a letter' }]);
  });

  it('a counter naming a letter no service has', () => {
    // Services without counters keep the default counters, which call every configured service ("*").
    expect(parse({ queue: { services: [svc('A'), svc('B'), svc('C')] } }).ok).toBe(true);
    expect(toQueueConfig(configOf({ queue: { services: [svc('A'), svc('B'), svc('C')] } }).queue).counters[0]!.services).toEqual(['A', 'B', 'C']);
    expect(errorsOf({ queue: { services: [svc('A'), svc('B')], counters: [ctr(1, ['A', 'X'])] } })).toEqual([
      { path: 'queue.counters[0].services[1]', message: '"X" is not a configured service letter' },
    ]);
    // "i" is İ, not I: a counter naming I does not call service i.
    expect(errorsOf({ queue: { services: [svc('i')], counters: [ctr(1, ['I'])] } })).toEqual([
      { path: 'queue.counters[0].services[0]', message: '"I" is not a configured service letter' },
    ]);
  });

  it('a counter number used twice', () => {
    expect(errorsOf({ queue: { services: [svc('A')], counters: [ctr(2, ['A']), ctr(3, ['A']), ctr(2, ['A'])] } })).toEqual([
      { path: 'queue.counters[2].number', message: '2 is used twice' },
    ]);
  });

  it('a ticket printer that is not configured', () => {
    expect(errorsOf({ devices: { printers: [{ name: 'desk' }] }, queue: { ticketPrinter: 'kiosk' } })).toEqual([
      { path: 'queue.ticketPrinter', message: '"kiosk" is not one of devices.printers[].name' },
    ]);
    expect(errorsOf({ queue: { ticketPrinter: 'desk' } })).toEqual([{ path: 'queue.ticketPrinter', message: '"desk" is not one of devices.printers[].name' }]);
    expect(configOf({ devices: { printers: [{ name: 'desk' }, { name: 'kiosk' }] }, queue: { ticketPrinter: 'kiosk' } }).queue.ticketPrinter).toBe('kiosk');
  });

  it('reports every error at once, with the device port errors', () => {
    const errors = errorsOf({
      devices: { gnss: { port: 'tcp://host' } },
      queue: { services: [svc('A'), svc('A')], counters: [ctr(1, ['Z']), ctr(1, ['A'])], ticketPrinter: 'nope' },
    });
    expect(errors.map((e) => e.path)).toEqual([
      'devices.gnss.port',
      'queue.services[1].letter',
      'queue.counters[0].services[0]',
      'queue.counters[1].number',
      'queue.ticketPrinter',
    ]);
  });

  it('queueConfigErrors alone: none for a sound section', () => {
    const q = configOf({ queue: { services: [svc('a'), svc('Ç')], counters: [ctr(1, ['A', 'ç'])] } }).queue;
    expect(queueConfigErrors(q)).toEqual([]);
  });
});

describe('queue config: shapes the schema refuses', () => {
  it.each(['24:00', '7:30', '06:60', '0600', '', 'noon'])('resetAt %j', (resetAt) => {
    const errors = errorsOf({ queue: { resetAt } });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('queue.resetAt');
  });

  it('accepts the ends of the day for resetAt', () => {
    expect(configOf({ queue: { resetAt: '23:59' } }).queue.resetAt).toBe('23:59');
    expect(configOf({ queue: { resetAt: '06:00' } }).queue.resetAt).toBe('06:00');
  });

  it.each([
    [{ services: [] }, 'queue.services'],
    [{ services: [svc('AB')] }, 'queue.services[0].letter'],
    [{ counters: [ctr(0, ['A'])] }, 'queue.counters[0].number'],
    [{ counters: [ctr(100, ['A'])] }, 'queue.counters[0].number'],
    [{ counters: [ctr(1, [])] }, 'queue.counters[0].services'],
    [{ statusUrl: 'vim.local/status' }, 'queue.statusUrl'],
    [{ priority: { classes: { elderly: { weight: 0, label: 'Yaşlı' } } } }, 'queue.priority.classes.elderly.weight'],
    [{ priority: { maxConsecutive: 0 } }, 'queue.priority.maxConsecutive'],
    [{ colour: 'red' }, 'queue.colour'],
  ])('%j -> %s', (queue, path) => {
    const errors = errorsOf({ queue });
    expect(errors.map((e) => e.path)).toContain(path);
  });
});

describe('queue config: what passes builds a queue', () => {
  it.each([
    { services: [svc('i', 'İmar'), svc('Ş', 'Şikâyet')], counters: [ctr(7, ['İ', 'ş'])], resetAt: '05:30' },
    { services: [svc('a')], counters: [ctr(99, ['A'])], priority: { classes: { gazi: { weight: 2, label: 'Gazi' } }, maxConsecutive: 1 }, defaultServiceMinutes: 0.5 },
  ])('%j', (queue) => {
    const cfg = toQueueConfig(configOf({ queue }).queue);
    const m = new QueueModel(cfg);
    const first = cfg.services[0]!.letter;
    expect(() => m.take(first, T)).not.toThrow();
    const counterNo = cfg.counters[0]!.number;
    m.openCounter(counterNo, T);
    expect(m.callNext(counterNo, T).ticket.service).toBe(first.toLocaleUpperCase('tr-TR'));
  });

  it('carries the section into the queue core', () => {
    const cfg = toQueueConfig(
      configOf({ queue: { services: [svc('A'), { letter: 'B', name: 'Kapalı', open: false }], counters: [ctr(1, ['A', 'B'])], defaultServiceMinutes: 2.5, resetAt: '06:00' } }).queue,
    );
    expect(cfg).toMatchObject({ resetAt: '06:00', defaultServiceMs: 150_000, serviceTimeWindow: 10, recentCalledCount: 5 });
    const m = new QueueModel(cfg);
    expect(() => m.take('B', T)).toThrow(expect.objectContaining({ code: 'SERVICE_CLOSED' }) as Error);
    expect(m.take('A', T).estimatedWaitMs).toBeNull(); // no open counter yet
    m.openCounter(1, T);
    expect(m.take('A', T).estimatedWaitMs).toBe(150_000); // one ahead, one counter, the default time
  });
});

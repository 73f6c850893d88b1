// The ACL matrix, every role x topic family, through the real broker over TCP. The
// expected tables are written out here from the policy (DESIGN.md roles, README
// "Roles"), not derived from broker/acl.ts, so a change to the rules must change them.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../firmware-ts/src/config/schema.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { connectFrom, sleep } from './mqtt-clients.js';

const ROLES: Role[] = ['staff', 'kiosk', 'display', 'maintenance'];
const LOGIN: Record<Role, { username: string; password: string }> = { staff: USERS.staff, kiosk: USERS.kiosk, display: USERS.display, maintenance: USERS.maintenance };
const ID: Record<Role, string> = { staff: 'ayse@acl', kiosk: 'kiosk1@acl', display: 'ekran1@acl', maintenance: 'bakim@acl' };
const OTHER_REPLY = 'vim/reply/mehmet@tab2';

// S = staff, K = kiosk, D = display, M = maintenance: who gets the subscription granted.
const SUBSCRIBE: [filter: string | ((r: Role) => string), who: string][] = [
  [(r) => `vim/reply/${ID[r]}`, 'SKM'], // one's own replies (the display sends no commands)
  [OTHER_REPLY, 'M'],
  ['vim/reply/+', 'M'],
  ['vim/reply/#', 'M'],
  ['vim/state/gateway', 'SM'],
  ['vim/state/queue', 'SKDM'],
  ['vim/state/#', 'SM'],
  ['vim/event/queue/#', 'SKDM'],
  ['vim/event/queue/called', 'SKDM'],
  ['vim/event/payments/progress', 'SM'],
  ['vim/event/#', 'SM'],
  ['vim/staff/#', 'SM'],
  ['vim/cmd/#', 'M'], // granted, but commands are never routed (checked below)
  ['vim/hq/#', 'M'],
  ['vim/#', 'M'],
  ['#', 'M'],
  ['+/+/+', 'M'],
  ['$SYS/#', ''],
  ['$SYS/+/new/clients', ''],
  ['$VIM/consumed', ''],
  ['+/#', 'M'],
];

// Which publishes get through the broker: to the command path (a reply comes back) or to subscribers.
const PUBLISH: [topic: string, who: string][] = [
  ['vim/cmd/queue/take', 'SKM'],
  ['vim/cmd/queue/call', 'SM'], // the kiosk cannot call tickets
  ['vim/cmd/payments/collect', 'SM'],
  ['vim/cmd/logbook/add', 'SM'],
  ['vim/staff/chat', 'S'],
  ['vim/state/forged', ''], // topics the gateway itself never publishes, so anything there is forged
  ['vim/event/forged/x', ''],
  [OTHER_REPLY, ''],
  ['vim/hq/plan', ''],
  ['$SYS/broker/forged', ''],
  ['$VIM/consumed', ''],
];

const LETTER: Record<Role, string> = { staff: 'S', kiosk: 'K', display: 'D', maintenance: 'M' };

let gw: Gateway;
let port: number;
const clients = new Map<Role, MqttClient>();
const received = new Map<Role, string[]>();
let spy: MqttClient;
/** Everything maintenance's "#" heard: topic, and the payload's id when it has one. */
const spied: { topic: string; id: string | null }[] = [];
const idOf = (buf: Buffer): string | null => /"id":"([0-9a-f-]{36})"/.exec(buf.toString())?.[1] ?? null;

beforeAll(async () => {
  ({ gw } = await startGateway());
  port = gw.broker.port();
  spy = await connectFrom(port, '127.0.6.1', USERS.maintenance, 'bakim@spy');
  await spy.subscribeAsync('#', { qos: 0 });
  spy.on('message', (topic, buf) => spied.push({ topic, id: idOf(buf) }));
  for (const r of ROLES) {
    const c = await connectFrom(port, '127.0.6.2', LOGIN[r], ID[r]);
    received.set(r, []);
    c.on('message', (t) => received.get(r)!.push(t));
    clients.set(r, c);
  }
});
afterAll(async () => {
  await Promise.all([spy, ...clients.values()].map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

describe('subscriptions, role x topic family', () => {
  it('grants exactly the table', async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [f, who] of SUBSCRIBE) {
      for (const r of ROLES) {
        const filter = typeof f === 'string' ? f : f(r);
        const granted = await clients
          .get(r)!
          .subscribeAsync(filter, { qos: 0 })
          .then(() => true, () => false);
        got.push(`${r} ${filter} ${granted ? 'granted' : 'refused'}`);
        want.push(`${r} ${filter} ${who.includes(LETTER[r]) ? 'granted' : 'refused'}`);
      }
    }
    expect(got).toEqual(want);
    for (const c of clients.values()) expect(c.connected).toBe(true);
  });
});

describe('publishes, role x topic family', () => {
  it('lets through exactly the table; everything else is dropped and counted, and no client is cut', async () => {
    // Subscriptions from the test above stay: each client listens wherever it may.
    const replies = new Map<string, Record<string, unknown>>();
    for (const r of ROLES) {
      clients.get(r)!.on('message', (t, buf) => {
        if (!t.startsWith('vim/reply/')) return;
        const a = JSON.parse(buf.toString()) as Record<string, unknown>;
        if (typeof a.id === 'string') replies.set(a.id, a);
      });
    }
    const spiedBefore = spied.length;
    const rows: { role: Role; topic: string; id: string; denied: number }[] = [];
    for (const [topic] of PUBLISH) {
      for (const r of ROLES) {
        const id = randomUUID();
        const before = gw.broker.health().counters!.aclDenied!;
        await clients.get(r)!.publishAsync(topic, JSON.stringify({ id, service: 'A', text: 'acl', counter: '1' }), { qos: 1, retain: !topic.startsWith('vim/cmd/') });
        rows.push({ role: r, topic, id, denied: gw.broker.health().counters!.aclDenied! - before });
      }
    }
    await sleep(1500);
    const seenBySpy = spied.slice(spiedBefore);
    const got = rows.map(({ role, topic, id, denied }) => {
      const through = topic.startsWith('vim/cmd/') ? replies.has(id) : seenBySpy.some((m) => m.id === id);
      return `${role} ${topic} ${denied === 0 && through ? 'through' : denied === 1 && !through ? 'dropped' : `odd (denied ${denied}, through ${through})`}`;
    });
    // The display cannot hear a reply (it may not subscribe to one), so its commands would look dropped
    // either way; the ACL counter, one up for each, shows the broker dropped them.
    const want = rows.map(({ role, topic }) => `${role} ${topic} ${PUBLISH.find(([t]) => t === topic)![1].includes(LETTER[role]) ? 'through' : 'dropped'}`);
    expect(got).toEqual(want);
    for (const c of clients.values()) expect(c.connected).toBe(true);
    // A command that got through the broker met the command path's own role check: the kiosk's
    // queue/take was not FORBIDDEN there, the maintenance crew's payment was.
    const answer = (role: Role, topic: string) => replies.get(rows.find((x) => x.role === role && x.topic === topic)!.id);
    expect((answer('kiosk', 'vim/cmd/queue/take')?.error as { code?: string } | undefined)?.code).not.toBe('FORBIDDEN');
    expect(answer('maintenance', 'vim/cmd/payments/collect')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('never routes commands, $ topics or other clients\' replies to those who may not read them', () => {
    // Maintenance's "#" heard staff chat but no command, no $SYS client notice and no consumed-command sink.
    const topics = spied.map((m) => m.topic);
    expect(topics.filter((t) => t.startsWith('vim/cmd/') || t.startsWith('$'))).toEqual([]);
    expect(topics).toContain('vim/staff/chat');
    // Nobody but maintenance heard a reply that was not their own.
    for (const r of ['staff', 'kiosk', 'display'] as const) {
      expect(received.get(r)!.filter((t) => t.startsWith('vim/reply/') && t !== `vim/reply/${ID[r]}`)).toEqual([]);
      expect(received.get(r)!.filter((t) => t.startsWith('$'))).toEqual([]);
    }
    // The forged state and events (sent retained) were dropped, so nobody ever heard them.
    expect(topics.filter((t) => t.includes('forged'))).toEqual([]);
  });
});

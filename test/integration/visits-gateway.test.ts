// Stop visits through the whole in-process gateway: the GNSS simulator (sim://gnss) drives
// the İnegöl route 20 times faster than real time, the GNSS driver publishes its fixes, and
// the visits service turns them into journal records and the retained vim/state/visit a
// staff tablet reads over MQTT. The test steers the simulated van with jumpTo: into the
// village square (a planned stop), away from it, and to the second village (not in the
// plan, so an unplanned stop). Detection runs on GNSS time, so one simulated minute of
// dwell is three real seconds here. Then the plan is set over MQTT and a restarted
// gateway restores it, and the day's visits, from the journal.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { inegolRoute } from '../../devices/gnss-sim/route.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { haversineM } from '../../firmware-ts/src/services/visits/geo.js';
import type { VisitState } from '../../firmware-ts/src/services/visits/state.js';
import { command, connect, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

const stops = inegolRoute().stops();
const SQUARE_T = stops.find((s) => s.name.startsWith('Köy meydanı'))!;
const VILLAGE_T = stops.find((s) => s.name.startsWith('Muhtarlık'))!;
const SQUARE = { id: 'koy', neighbourhood: 'Hamzabey', name: 'Köy meydanı', lat: 40.0378, lon: 29.5556, radiusM: 100 };
const MARKET = { id: 'pazar', neighbourhood: 'Cuma Mahallesi', name: 'Mahalle pazarı', lat: 40.0745, lon: 29.5231, radiusM: 60, window: { from: '00:00', to: '00:01' } };
const VILLAGE = { lat: 40.0545, lon: 29.569 };
const VISITS = { dwellMinutes: 1, leaveSeconds: 20, plan: [MARKET, SQUARE] };

let gw: Gateway;
let dir: string;
let url: string;
let sim: GnssSimulator;
const clients: MqttClient[] = [];
const states: VisitState[] = [];

beforeAll(async () => {
  // 40 simulated seconds before the van reaches the square; 10 Hz so a fix covers 2 simulated seconds.
  const start = Math.round(SQUARE_T.fromS - 40);
  ({ gw, dir } = await startGateway({ devices: { gnss: { port: `sim://gnss?rate=10&speedup=20&start=${start}`, publishIntervalMs: 100 } }, visits: VISITS }));
  url = `mqtt://127.0.0.1:${gw.broker.port()}`;
  sim = gw.devices.sims.get('gnss') as GnssSimulator;
  const tablet = await connect(url, USERS.staff, 'ayse@visits');
  clients.push(tablet);
  tablet.on('message', (topic, buf) => {
    if (topic === 'vim/state/visit') states.push(JSON.parse(buf.toString()) as VisitState);
  });
  await tablet.subscribeAsync('vim/state/visit', { qos: 1 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

async function until<T>(get: () => T | undefined | null | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const visitRecords = (g: Gateway) => g.store.journal.list(0, 100_000).filter((r) => r.type.startsWith('visit.'));

describe('visits through the gateway', () => {
  it('detects the planned stop and an unplanned one from the simulated GNSS, journals them and publishes vim/state/visit', async () => {
    const first = await until(() => states[0], 5000, 'the retained vim/state/visit');
    expect(first).toMatchObject({ current: null, plan: { source: 'config', stops: [{ id: 'pazar', status: 'skipped' }, { id: 'koy', status: 'planned' }] } });

    const atSquare = await until(() => states.find((s) => s.current?.stopId === 'koy'), 15_000, 'a visit at the square');
    expect(atSquare.current).toMatchObject({ name: 'Köy meydanı', neighbourhood: 'Hamzabey', lat: SQUARE.lat, lon: SQUARE.lon });
    expect(atSquare.plan.stops.find((s) => s.id === 'koy')?.status).toBe('in-progress');
    const visitId = atSquare.current!.visitId;
    // The port the requests service stamps its records with.
    expect(gw.visits.current()).toEqual({ visitId, stopId: 'koy', name: 'Köy meydanı' });
    // Arrival is the first fix inside the radius, a simulated minute before the visit counted.
    const dwellMs = Date.parse(atSquare.current!.detectedAt) - Date.parse(atSquare.current!.startedAt);
    expect(dwellMs).toBeGreaterThanOrEqual(60_000);
    expect(dwellMs).toBeLessThan(64_000);
    const truth = sim.truthAtUtc(Date.parse(atSquare.current!.startedAt));
    expect(haversineM(truth, SQUARE)).toBeLessThanOrEqual(100);

    sim.jumpTo(SQUARE_T.toS - 2); // the stop is about to end: the van drives on
    const left = await until(() => states.find((s) => s.last?.visitId === visitId), 10_000, 'the square visit ended');
    expect(left).toMatchObject({ current: null, last: { stopId: 'koy', reason: 'left' } });
    expect(left.plan.stops.find((s) => s.id === 'koy')).toMatchObject({ status: 'visited', visits: 1, lastVisitId: visitId });
    expect(gw.visits.current()).toBeNull();

    sim.jumpTo(VILLAGE_T.fromS - 10); // on to the second village, which is not in the plan
    const unplanned = await until(() => states.find((s) => s.current && s.current.stopId === null), 10_000, 'an unplanned visit');
    expect(haversineM(unplanned.current!, VILLAGE)).toBeLessThan(50);
    expect(gw.visits.current()).toMatchObject({ stopId: null, name: 'Plansız durak' });
    sim.jumpTo(VILLAGE_T.toS - 2);
    await until(() => states.find((s) => s.last?.visitId === unplanned.current!.visitId), 10_000, 'the unplanned visit ended');

    await gw.visits.flush();
    const recs = visitRecords(gw);
    expect(recs.map((r) => [r.type, (r.payload as { stopId: string | null }).stopId])).toEqual([
      ['visit.started', 'koy'],
      ['visit.ended', 'koy'],
      ['visit.started', null],
      ['visit.ended', null],
    ]);
    expect(recs.every((r) => r.class === 'queue' && r.actor === null)).toBe(true);
    expect(recs[1]!.payload).toMatchObject({ visitId, name: 'Köy meydanı', startedAt: atSquare.current!.startedAt, reason: 'left', durationS: expect.any(Number) });
    const ended = recs[1]!.payload as { startedAt: string; endedAt: string; durationS: number };
    expect(ended.durationS).toBe(Math.round((Date.parse(ended.endedAt) - Date.parse(ended.startedAt)) / 1000));
    // The square visit lasted from arrival to departure: about the stop's 300 s, less what the jump cut.
    expect(ended.durationS).toBeGreaterThan(60);
    expect(recs.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test((r.payload as { visitId: string }).visitId))).toBe(true);
  });

  it('takes a plan over MQTT, and a restarted gateway restores it and the day from the journal', async () => {
    const tablet = await replyClient(url, USERS.staff, 'ayse@plan');
    clients.push(tablet);
    const plan = [SQUARE, { id: 'belediye', neighbourhood: 'Cuma Mahallesi', name: 'İnegöl Belediyesi', lat: 40.078, lon: 29.513, radiusM: 80, window: { from: '08:00', to: '23:59' } }];
    const bad = await command(tablet, 'vim/cmd/visits/set-plan', { id: randomUUID(), stops: [{ ...SQUARE, radiusM: 5 }] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: 'stops[0].radiusM: must be >= 20' } });
    const a = await command(tablet, 'vim/cmd/visits/set-plan', { id: randomUUID(), stops: plan });
    expect(a).toMatchObject({ ok: true, result: { stops: 2 } });
    await until(() => states.at(-1)?.plan.source === 'command', 5000, 'the new plan on vim/state/visit');
    expect(states.at(-1)!.plan.stops.map((s) => [s.id, s.status])).toEqual([
      ['koy', 'visited'],
      ['belediye', 'planned'],
    ]);

    // Clients go first: the broker waits (broker.drainTimeoutMs) for connected ones at stop.
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw.stop();
    ({ gw } = await startGateway({ visits: VISITS }, { dir }));
    url = `mqtt://127.0.0.1:${gw.broker.port()}`;
    expect(gw.visits.snapshot()).toMatchObject({
      plan: { source: 'command', setBy: USERS.staff.username, stops: [{ id: 'koy', status: 'visited', visits: 1 }, { id: 'belediye', status: 'planned' }] },
      current: null,
      counts: { planned: 1, unplanned: 1 },
      last: { stopId: null },
    });
    const reader = await replyClient(url, USERS.maintenance, 'bakim@plan');
    clients.push(reader);
    const got = await command(reader, 'vim/cmd/visits/get-plan', { id: randomUUID() });
    expect(got).toMatchObject({ ok: true, result: { plan: { source: 'command', stops: [{ id: 'koy' }, { id: 'belediye' }] } } });
  });
});

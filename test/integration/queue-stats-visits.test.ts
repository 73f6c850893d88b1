// Regression (found by the day test, issue 10): the visits service journals its records
// (visit.plan.set, visit.started, visit.ended) in class 'queue', and vim/cmd/queue/stats
// read every record of that class as a queue event: the first visit record made the
// command fail with INTERNAL ("Invalid time value"). Stats must skip what is not a queue event.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

let gw: Gateway | null = null;
let tablet: MqttClient | null = null;
afterAll(async () => {
  await tablet?.endAsync(true);
  await gw?.stop();
  cleanupTempDirs();
});

describe('queue/stats with visit records in the queue class', () => {
  it('counts the tickets and ignores the plan record', async () => {
    ({ gw } = await startGateway({ devices: { printers: [{ name: 'desk', port: 'sim://printer' }] } }));
    tablet = await replyClient(`mqtt://127.0.0.1:${gw.broker.port()}`, USERS.staff, 'ayse@stats');
    const stop = { id: 'belediye', neighbourhood: 'Cuma Mahallesi', name: 'İnegöl Belediyesi', lat: 40.078, lon: 29.513, radiusM: 80 };
    expect(await command(tablet, 'vim/cmd/visits/set-plan', { id: randomUUID(), stops: [stop] })).toMatchObject({ ok: true });
    expect(await command(tablet, 'vim/cmd/queue/take', { id: randomUUID(), service: 'A' })).toMatchObject({ ok: true });
    const s = await command(tablet, 'vim/cmd/queue/stats', { id: randomUUID() });
    expect(s).toMatchObject({ ok: true, result: { taken: 1, open: 1, byService: { A: { taken: 1 } } } });
  });
});

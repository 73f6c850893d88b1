// The whole gateway with its simulated GNSS and modem: what a tablet or crew sees
// on MQTT (vim/state/gnss, vim/state/modem, vim/state/device/<name>), track points
// in the journal, and records stamped with clock quality `gnss` once GNSS time
// agrees with the system clock.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACK_POINT_WRITE } from '../../firmware-ts/src/drivers/gnss/track-thinning.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, connect, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

let gw: Gateway;
let url: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  ({ gw } = await startGateway({
    devices: { gnss: { port: 'sim://gnss?rate=10&start=400', publishIntervalMs: 1000 }, modem: { port: 'sim://modem', pollIntervalS: 1 } },
  }));
  url = `mqtt://127.0.0.1:${gw.broker.port()}`;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

function collect(c: MqttClient): Map<string, { at: number; payload: Record<string, unknown> }[]> {
  const seen = new Map<string, { at: number; payload: Record<string, unknown> }[]>();
  c.on('message', (topic, buf) => {
    const list = seen.get(topic) ?? [];
    list.push({ at: Date.now(), payload: JSON.parse(buf.toString()) as Record<string, unknown> });
    seen.set(topic, list);
  });
  return seen;
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the gateway with its devices', () => {
  it('publishes gnss, modem and per-device state to a maintenance client', async () => {
    const c = await connect(url, USERS.maintenance, 'bakim@devices');
    clients.push(c);
    const seen = collect(c);
    await c.subscribeAsync('vim/state/#', { qos: 0 });
    await until(() => ['vim/state/gnss', 'vim/state/modem', 'vim/state/device/gnss', 'vim/state/device/modem'].every((t) => seen.has(t)), 15_000, 'all device topics');
    await until(() => seen.get('vim/state/device/modem')!.some((m) => m.payload.state === 'ok'), 15_000, 'modem ok');
    const modem = seen.get('vim/state/modem')!.at(-1)!.payload;
    expect(modem).toMatchObject({ imei: { value: expect.stringMatching(/^\d{15}$/) }, registration: expect.any(String) });
    await until(() => seen.get('vim/state/gnss')!.some((m) => m.payload.mode === '3d'), 10_000, 'a 3D fix');
    expect(seen.get('vim/state/device/gnss')!.at(-1)!.payload).toMatchObject({ name: 'gnss', state: 'ok', detail: '3d fix' });
  });

  it('publishes vim/state/gnss at most about once a second, though the receiver runs at 10 Hz', async () => {
    const c = await connect(url, USERS.maintenance, 'bakim@rate');
    clients.push(c);
    const seen = collect(c);
    await c.subscribeAsync('vim/state/gnss', { qos: 0 });
    await new Promise((r) => setTimeout(r, 4200));
    const n = seen.get('vim/state/gnss')?.length ?? 0;
    expect(n).toBeGreaterThanOrEqual(2); // the retained one plus live updates
    expect(n).toBeLessThanOrEqual(6); // 10 Hz unthrottled would be ~40
  });

  it('journals thinned track points and stamps records with clock quality gnss', async () => {
    // Track points are written deferred, with other work or on their own after maxDelayMs.
    await until(() => gw.store.journal.list(0, 1000).some((r) => r.type === 'gnss.track'), TRACK_POINT_WRITE.maxDelayMs + 15_000, 'a track point');
    const track = gw.store.journal.list(0, 1000).filter((r) => r.type === 'gnss.track');
    expect(track[0]).toMatchObject({ class: 'track', payload: { mode: '3d', lat: expect.any(Number), lon: expect.any(Number) } });
    // The simulator's time is the wall clock, so GNSS agrees with the system clock. On a machine whose
    // clock is NTP-synced (systemd-timesyncd's flag) NTP is the better source and wins.
    const want = existsSync('/run/systemd/timesync/synchronized') ? 'ntp' : 'gnss';
    await until(() => gw.clock.quality() === want, 10_000, `clock quality ${want}`);
    const t = await replyClient(url, USERS.staff, 'ayse@clock');
    clients.push(t);
    const id = randomUUID();
    const a = await command(t, 'vim/cmd/logbook/add', { id, text: 'saat kontrolü' });
    expect((a.result as { clock: string }).clock).toBe(want);
  }, TRACK_POINT_WRITE.maxDelayMs + 40_000);
});

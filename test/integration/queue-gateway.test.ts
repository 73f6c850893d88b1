// The queue through the real gateway: a kiosk takes a ticket, a display sees the state change.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, connect, nextMessage, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

let gw: Gateway;
let url: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  ({ gw } = await startGateway());
  url = `mqtt://127.0.0.1:${gw.broker.port()}`;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

describe('queue over MQTT', () => {
  it('a kiosk takes a ticket and a display sees vim/state/queue change', async () => {
    const display = await connect(url, USERS.display, 'ekran1');
    clients.push(display);
    await display.subscribeAsync('vim/state/queue', { qos: 1 });
    const kiosk = await replyClient(url, USERS.kiosk, 'kiosk1');
    clients.push(kiosk);
    const seen = nextMessage(display, (t) => t === 'vim/state/queue', 5000);
    const answer = await command(kiosk, 'vim/cmd/queue/take', { id: randomUUID(), service: 'A' });
    expect(answer).toMatchObject({ ok: true, result: { ticket: 'A001', ahead: 0 } });
    const msg = await seen;
    expect(msg).not.toBeNull();
    const state = JSON.parse(msg!.payload) as { services: { letter: string; waiting: number }[] };
    expect(state.services.find((s) => s.letter === 'A')?.waiting).toBe(1);
  });
});

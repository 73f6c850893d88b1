// Oversized payloads and floods are cut off per client without hurting the others:
// the real broker over TCP, a real mosquitto_pub as the flooding foreign client (its
// own process, bound to its own source address), and a tablet whose command round
// trips are timed before and while the flood runs.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { connectFrom, percentile, sleep } from './mqtt-clients.js';

let gw: Gateway;
let port: number;
let ayse: MqttClient;
const open: MqttClient[] = [];

// Staff at 64 KiB here, so the oversize cases stay quick (the default is 12 MiB, for photos).
beforeAll(async () => {
  ({ gw } = await startGateway({ broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json', limits: { staff: { maxPayloadBytes: 65536 } } } }));
  port = gw.broker.port();
  ayse = await connectFrom(port, '127.0.7.10', USERS.staff, 'ayse@victim');
  await ayse.subscribeAsync('vim/reply/ayse@victim', { qos: 1 });
  open.push(ayse);
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

/**
 * One durable command round trip of the victim tablet, in ms. Paced to one per 50 ms at
 * most (20/s, a busy tablet), so the victim stays under its own rate limit (staff: 50/s).
 */
async function roundTrip(): Promise<number> {
  const t0 = performance.now();
  const r = await command(ayse, 'vim/cmd/logbook/add', { id: randomUUID(), text: 'ölçüm' }, 15_000);
  if (r.ok !== true) throw new Error(`victim's command failed: ${JSON.stringify(r)}`);
  const ms = performance.now() - t0;
  if (ms < 50) await sleep(50 - ms);
  return ms;
}

/** mosquitto_pub publishing as fast as it can; resolves with its exit code, stderr and run time. */
function flood(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-A', '127.0.7.1', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.once('error', reject);
    p.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stderr, ms: performance.now() - t0 });
    });
  });
}

describe('oversized payloads', () => {
  it('refuses a payload over the role\'s limit to its sender only, by role', async () => {
    const kiosk = await connectFrom(port, '127.0.7.20', USERS.kiosk, 'kiosk1@big');
    open.push(kiosk);
    await kiosk.subscribeAsync('vim/reply/kiosk1@big', { qos: 1 });
    const big = { id: randomUUID(), service: 'A', note: 'x'.repeat(2048) }; // the kiosk may send 1 KiB
    expect(await command(kiosk, 'vim/cmd/queue/take', big)).toMatchObject({ id: big.id, ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    // The same size is nothing for staff.
    expect(await command(ayse, 'vim/cmd/logbook/add', { id: randomUUID(), text: 'ğ'.repeat(1500) })).toMatchObject({ ok: true }); // 3 KB of UTF-8
    expect(kiosk.connected).toBe(true);
  });

  it('cuts a connection whose frame announces more than any role may send, and only that one', async () => {
    const sock = tcpConnect({ port, host: '127.0.0.1', localAddress: '127.0.7.21' });
    await new Promise((r) => sock.once('connect', r));
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'mehmet@big', username: USERS.staff2.username, password: Buffer.from(USERS.staff2.password) }));
    for (let i = 0; i < 200 && Buffer.concat(got).length < 4; i++) await sleep(50);
    expect(Buffer.concat(got).toString('hex')).toBe('20020000');
    const closed = new Promise<number>((r) => {
      const t0 = performance.now();
      sock.once('close', () => r(performance.now() - t0));
    });
    // A PUBLISH claiming 200 MB, then a steady trickle of it.
    sock.write(Buffer.from([0x32, 0x80, 0x80, 0x80, 0x60]));
    const trickle = setInterval(() => sock.writable && sock.write(Buffer.alloc(16 * 1024)), 10);
    const ms = await closed;
    clearInterval(trickle);
    expect(ms).toBeLessThan(5000);
    expect(await roundTrip()).toBeLessThan(5000);
    expect(ayse.connected).toBe(true);
  });
});

describe('a flooding client', () => {
  it('is cut off within a second and locked out, while another tablet\'s round trips stay fast', async () => {
    const base: number[] = [];
    for (let i = 0; i < 30; i++) base.push(await roundTrip());
    const before = gw.broker.health().counters!;
    // 200,000 commands at QoS 0, as fast as mosquitto_pub can send (staff may send 50/s).
    const payload = JSON.stringify({ id: randomUUID(), text: 'sel' });
    const flooding = flood(['-i', 'mehmet@flood', '-u', USERS.staff2.username, '-P', USERS.staff2.password, '-t', 'vim/cmd/logbook/add', '-m', payload, '--repeat', '200000', '-q', '0']);
    const during: number[] = [];
    let done = false;
    const firstRun = flooding.then((r) => ((done = true), r));
    const t0 = performance.now();
    // The victim keeps working through the flood and for a while after it.
    while (!done || performance.now() - t0 < 3000) during.push(await roundTrip());
    const f = await firstRun;
    const after = gw.broker.health().counters!;
    const cutoffs = after.floodCutoffs! - before.floodCutoffs!;
    const refused = after.rateLimited! - before.rateLimited!;
    expect(cutoffs).toBe(1);
    expect(f.code).not.toBe(0); // mosquitto_pub lost its connection before it sent them all
    expect(f.ms).toBeLessThan(10_000);
    // Reconnecting at once does not buy a fresh rate bucket: the address is locked.
    const again = await flood(['-i', 'mehmet@flood', '-u', USERS.staff2.username, '-P', USERS.staff2.password, '-t', 'vim/cmd/logbook/add', '-m', payload, '--repeat', '1000', '-q', '0']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/not authori[sz]ed|Connection Refused|bad user name or password/i);
    const figures = {
      floodRunMs: Math.round(f.ms),
      overRateRefused: refused,
      baseP50: percentile(base, 50),
      baseP99: percentile(base, 99),
      duringP50: percentile(during, 50),
      duringP99: percentile(during, 99),
      victimCommands: during.length,
    };
    console.log(`flood: ${JSON.stringify(figures, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}`);
    // Every victim command succeeded (roundTrip throws otherwise) and none waited long. Generous bound:
    // each is a real fsync on a shared, loaded machine.
    expect(figures.duringP99).toBeLessThan(Math.max(1500, 10 * figures.baseP99));
    expect(ayse.connected).toBe(true);
  });
});

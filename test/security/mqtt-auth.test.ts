// Who may connect to the van's broker: anonymous, wrong-password, expired and
// brute-force logins, and client-id takeover, against the real broker over TCP.
// Each test plays its machines from its own loopback source addresses, so the
// per-address brute-force brake of one test cannot leak into another.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { vimgw } from '../helpers/vimgw-cli.js';
import { attempt, connectFrom, percentile, sleep } from './mqtt-clients.js';

const run = promisify(execFile);
let gw: Gateway;
let dir: string;
let port: number;
const open: MqttClient[] = [];

/** Waits until the broker has re-read the users file (it polls it every 2 s). */
async function untilLogin(from: string, user: { username: string; password: string }, clientId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await attempt(port, from, user, clientId)).ok) {
    if (Date.now() > deadline) throw new Error(`${user.username} never got in`);
    await sleep(300);
  }
}

beforeAll(async () => {
  ({ gw, dir } = await startGateway());
  port = gw.broker.port();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

describe('refused logins', () => {
  it('refuses anonymous clients, from mqtt.js and from mosquitto_sub', async () => {
    expect(await attempt(port, '127.0.1.1', {}, 'anon')).toMatchObject({ ok: false, reason: expect.stringMatching(/Bad username or password/) });
    expect(await attempt(port, '127.0.1.1', { username: USERS.staff.username }, USERS.staff.username)).toMatchObject({ ok: false });
    const r = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', '#', '-C', '1', '-W', '5'], { timeout: 15_000 }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).not.toBe(0);
    expect((r as { stderr: string }).stderr).toMatch(/not authori[sz]ed|Connection Refused/i);
  });

  it('refuses a wrong password, and an unknown user the same way', async () => {
    const wrong = await attempt(port, '127.0.1.2', { ...USERS.staff, password: 'yanlış-parola' }, USERS.staff.username);
    const unknown = await attempt(port, '127.0.1.2', { username: 'kimse', password: 'yanlış-parola' }, 'kimse');
    expect(wrong).toMatchObject({ ok: false, reason: expect.stringMatching(/Bad username or password/) });
    expect(unknown.reason).toBe(wrong.reason);
  });

  it('refuses an expired user, even one whose login is still cached from before it expired', async () => {
    const file = join(dir, 'users.json');
    await addUser(file, 'gecici', 'staff', 'gecici-parola', { expires: new Date(Date.now() + 6000) });
    await addUser(file, 'eski', 'staff', 'eski-parola', { expires: new Date(Date.now() - 1000) });
    await untilLogin('127.0.1.3', { username: 'gecici', password: 'gecici-parola' }, 'gecici@t');
    // The right password of an already expired account is refused like a wrong one.
    expect(await attempt(port, '127.0.1.3', { username: 'eski', password: 'eski-parola' }, 'eski@t')).toMatchObject({ ok: false, reason: expect.stringMatching(/Bad username or password/) });
    const left = Date.parse((await import('../../firmware-ts/src/broker/credentials.js')).readCredentials(file).users.find((u) => u.username === 'gecici')!.expires!) - Date.now();
    await sleep(left + 200);
    expect(await attempt(port, '127.0.1.3', { username: 'gecici', password: 'gecici-parola' }, 'gecici@t')).toMatchObject({ ok: false });
  });

  it('closes the live session of a user removed from the file or given another role, and keeps the others', async () => {
    const file = join(dir, 'users.json');
    await addUser(file, 'gidecek', 'staff', 'gidecek-parola');
    await addUser(file, 'degisecek', 'staff', 'degisecek-parola');
    await untilLogin('127.0.1.4', { username: 'gidecek', password: 'gidecek-parola' }, 'gidecek@t');
    await untilLogin('127.0.1.4', { username: 'degisecek', password: 'degisecek-parola' }, 'degisecek@t');
    const leaving = await connectFrom(port, '127.0.1.4', { username: 'gidecek', password: 'gidecek-parola' }, 'gidecek@t');
    const demoted = await connectFrom(port, '127.0.1.4', { username: 'degisecek', password: 'degisecek-parola' }, 'degisecek@t');
    const staying = await connectFrom(port, '127.0.1.4', USERS.staff, `${USERS.staff.username}@kalan`);
    open.push(staying);
    const closed = (c: MqttClient) => new Promise<number>((resolve) => {
      const t0 = Date.now();
      c.once('close', () => resolve(Date.now() - t0));
    });
    const [leftIn, demotedIn] = [closed(leaving), closed(demoted)];
    const { removeUser } = await import('../../firmware-ts/src/broker/credentials.js');
    expect(removeUser(file, 'gidecek')).toBe(true);
    await addUser(file, 'degisecek', 'kiosk', 'degisecek-parola');
    // The broker polls the file every 2 s; generous for a loaded machine.
    const ms = await Promise.race([Promise.all([leftIn, demotedIn]), sleep(20_000).then(() => null)]);
    expect(ms).not.toBeNull();
    expect(staying.connected).toBe(true);
    expect((gw.broker.health().counters as Record<string, number>).revoked).toBeGreaterThanOrEqual(2);
    leaving.end(true);
    demoted.end(true);
  });

  it('vimgw user add --expires writes the instant, refuses a past or impossible date, and old files stay valid', async () => {
    const file = join(dir, 'cli-users.json');
    const add = (name: string, expires: string) => vimgw(['user', 'add', name, '--role', 'staff', '--password-stdin', '--expires', expires, '--file', file], { env: {} });
    // The password comes on stdin; execFile gives the child an empty stdin, so --password-stdin reads "" and
    // addUser refuses it: check the argument errors first, which come before the password is read.
    const past = await add('dun', '2001-01-01');
    expect(past.code).toBe(64);
    expect(past.stderr).toMatch(/--expires: .* is already past/);
    const impossible = await add('subat', '2031-02-30');
    expect(impossible.code).toBe(64);
    expect(impossible.stderr).toMatch(/--expires: expected YYYY-MM-DD/);
    const { parseExpires } = await import('../../firmware-ts/src/cli/user.js');
    const d = parseExpires('2031-06-30');
    // Valid through the 30th, local time: it ends at the local midnight that starts July 1st.
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2031, 6, 1, 0, 0]);
    expect(parseExpires('2031-06-30T12:00:00+03:00').toISOString()).toBe('2031-06-30T09:00:00.000Z');
    await addUser(file, 'yazlik', 'staff', 'yazlik-parola', { expires: d });
    const list = await vimgw(['user', 'list', '--json', '--file', file]);
    expect(JSON.parse(list.stdout)).toEqual([{ username: 'yazlik', role: 'staff', supervisor: false, createdAt: expect.any(String), expires: d.toISOString() }]);
    // The gateway's own users file was written without any expiry, and everyone in it logs in.
    expect((await attempt(port, '127.0.1.4', USERS.kiosk, 'kiosk1@exp')).ok).toBe(true);
  });
});

describe('brute force', () => {
  it('locks a guessing address out with a growing backoff, measured over 8 s', async () => {
    const before = gw.broker.health().counters!;
    const t0 = performance.now();
    const outcomes: { at: number; ms: number }[] = [];
    // Guess as fast as the broker answers, one connection at a time, for 8 seconds. The name is one no
    // other test uses (its lock would hold them too); an unknown user costs the same scrypt as a real one.
    while (performance.now() - t0 < 8000) {
      const a = await attempt(port, '127.0.2.1', { username: 'hedef', password: `tahmin-${outcomes.length}` }, 'hedef');
      expect(a.ok).toBe(false);
      outcomes.push({ at: performance.now() - t0, ms: a.ms });
    }
    const after = gw.broker.health().counters!;
    const checked = after.authFailures! - before.authFailures!;
    const throttled = after.loginsThrottled! - before.loginsThrottled!;
    // 5 free failures, then locks of 1, 2 and 4 s: at most 8 guesses are ever checked in 8 s
    // (one more of slack for the lock that starts just before the end).
    expect(checked).toBeGreaterThanOrEqual(6);
    expect(checked).toBeLessThanOrEqual(9);
    // Every attempt was answered by the brake or the password check (a rare connection reset under load aside).
    expect(checked + throttled).toBeLessThanOrEqual(outcomes.length);
    expect(checked + throttled).toBeGreaterThanOrEqual(0.99 * outcomes.length);
    expect(outcomes.length).toBeGreaterThan(3 * checked);
    const throttledMs = percentile(outcomes.slice(10).map((o) => o.ms), 50);
    console.log(`brute force: ${outcomes.length} attempts in 8 s, ${checked} checked, ${throttled} refused unchecked (p50 ${throttledMs.toFixed(1)} ms each)`);
    // The right password from the locked address is refused too while the lock lasts.
    expect((await attempt(port, '127.0.2.1', USERS.staff2, USERS.staff2.username)).ok).toBe(false);
  });

  it('locks a guessed username for other addresses, but not for the tablet that logged in before', async () => {
    // The crew's login here: a username lock would also hold the other tests' users from new addresses.
    const bakim = USERS.maintenance;
    expect((await attempt(port, '127.0.3.1', bakim, 'bakim@tab1')).ok).toBe(true); // the crew's laptop, earlier today
    // An attacker spreads guesses at the name over many addresses, one each (under the per-address brake).
    for (let i = 0; i < 8; i++) {
      const a = await attempt(port, `127.0.3.${10 + i}`, { username: bakim.username, password: `tahmin-${i}` }, `bakim@x${i}`);
      expect(a.ok).toBe(false);
    }
    // The username is now locked: even the right password from a new address is refused ...
    expect((await attempt(port, '127.0.3.50', bakim, 'bakim@yeni')).ok).toBe(false);
    // ... but the laptop that logged in from its address before still gets in.
    expect((await attempt(port, '127.0.3.1', bakim, 'bakim@tab1')).ok).toBe(true);
    // Other users are not affected.
    expect((await attempt(port, '127.0.3.51', USERS.display, 'ekran1@t')).ok).toBe(true);
  });

  it('locks an address that sprays many usernames, without touching other addresses', async () => {
    for (let i = 0; i < 7; i++) await attempt(port, '127.0.4.1', { username: `kullanici${i}`, password: 'parola-123' }, `kullanici${i}`);
    expect((await attempt(port, '127.0.4.1', USERS.display, 'ekran1')).ok).toBe(false);
    expect((await attempt(port, '127.0.4.2', USERS.display, 'ekran1')).ok).toBe(true);
  });
});

describe('client-id takeover', () => {
  it('keeps a session when another user, or a wrong password, claims its client id', async () => {
    const ayse = await connectFrom(port, '127.0.5.1', USERS.staff, 'ayse@tab5');
    open.push(ayse);
    const closed = new Promise<boolean>((r) => {
      ayse.once('close', () => r(true));
      setTimeout(() => r(false), 3000);
    });
    expect(await attempt(port, '127.0.5.2', USERS.staff2, 'ayse@tab5')).toMatchObject({ ok: false, reason: expect.stringMatching(/Identifier rejected/) });
    expect(await attempt(port, '127.0.5.2', { ...USERS.staff, password: 'yanlış-parola' }, 'ayse@tab5')).toMatchObject({ ok: false });
    // A username with an "@" would make "mehmet@x" look like user "mehmet"'s device: usernames cannot have one.
    expect(await attempt(port, '127.0.5.2', { username: 'ayse@tab5', password: 'herhangi-bir' }, 'ayse@tab5')).toMatchObject({ ok: false });
    expect(await closed).toBe(false);
    expect(ayse.connected).toBe(true);
  });

  it('lets the same user take its own client id back (a tablet reconnecting after Wi-Fi loss), per MQTT-3.1.4-2', async () => {
    const first = await connectFrom(port, '127.0.5.3', USERS.staff2, 'mehmet@tab5');
    const kicked = new Promise<void>((r) => first.once('close', () => r()));
    const second = await connectFrom(port, '127.0.5.3', USERS.staff2, 'mehmet@tab5');
    open.push(first, second);
    await kicked;
    expect(second.connected).toBe(true);
  });
});

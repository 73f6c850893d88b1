// `vimgw tablet` as a crew member runs it: the built CLI as a child process against an
// in-process gateway (real broker, store and command path). Build first: it runs dist.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

const execFileP = promisify(execFile);
const CLI = 'dist/firmware-ts/src/cli/vimgw.js';
let gw: Gateway;
let url: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `vimgw tablet ...` as `user`; resolves with the exit code whatever it is. */
async function tablet(args: string[], user: { username: string; password: string } | null = USERS.staff, brokerUrl = url): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VIMGW_PASSWORD;
  if (user) env.VIMGW_PASSWORD = user.password;
  const argv = [CLI, 'tablet', ...args, '--url', brokerUrl, ...(user ? ['--user', user.username] : [])];
  try {
    const r = await execFileP(process.execPath, argv, { env, timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  ({ gw } = await startGateway());
  url = `mqtt://127.0.0.1:${gw.broker.port()}`;
});
afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('vimgw tablet', () => {
  it('takes a ticket as a kiosk and prints it', async () => {
    const r = await tablet(['queue', 'take', '--service', 'A'], USERS.kiosk);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok\n/);
    expect(r.stdout).toMatch(/^ {2}ticket +A001$/m);
  });

  it('prints an error reply with its code and exits 1', async () => {
    const r = await tablet(['queue', 'call-next', '--counter', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^error COUNTER_CLOSED: counter 1 .*closed/m);
  });

  it('gets the stored answer back on a retry with the same --id', async () => {
    const id = randomUUID();
    const first = await tablet(['queue', 'take', '--service', 'B', '--id', id, '--json'], USERS.kiosk);
    const again = await tablet(['queue', 'take', '--service', 'B', '--id', id, '--json'], USERS.kiosk);
    const fresh = await tablet(['queue', 'take', '--service', 'B', '--json'], USERS.kiosk);
    expect([first.code, again.code, fresh.code]).toEqual([0, 0, 0]);
    const a = JSON.parse(first.stdout) as { id: string; ok: boolean; result: { ticket: string } };
    expect(a).toMatchObject({ id, ok: true, result: { ticket: 'B001' } });
    expect(JSON.parse(again.stdout)).toEqual(a);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ ok: true, result: { ticket: 'B002' } });
  });

  it('drives a counter through open, call-next and complete', async () => {
    expect((await tablet(['queue', 'open-counter', '--counter', '2'])).code).toBe(0);
    const called = await tablet(['queue', 'call-next', '--counter', '2', '--json']);
    expect(called.code).toBe(0);
    const ticket = (JSON.parse(called.stdout) as { result: { ticket: string } }).result.ticket;
    expect(ticket).toMatch(/^[AB]00\d$/);
    expect((await tablet(['queue', 'start', '--ticket', ticket])).code).toBe(0);
    const done = await tablet(['queue', 'complete', '--payload', JSON.stringify({ ticket })]);
    expect(done.stdout + done.stderr).toMatch(/^ok$/m);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^ {2}ticket +${ticket}$`, 'm'));
  });

  it('watches the retained queue state, naming a default topic outside the user ACL', async () => {
    // A display may read vim/state/queue and vim/event/queue/#, not all of vim/event/#.
    const r = await tablet(['watch', '--count', '1', '--json'], USERS.display);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the broker refused vim/event/# for user ekran1');
    const m = JSON.parse(r.stdout.trim()) as { at: string; topic: string; retained: boolean; payload: { services: { letter: string }[] } };
    expect(m).toMatchObject({ topic: 'vim/state/queue', retained: true });
    expect(m.payload.services.map((s) => s.letter)).toContain('A');
    expect(Date.parse(m.at)).not.toBeNaN();
  });

  it('watches state and events until Ctrl-C', async () => {
    const child = spawn(process.execPath, [CLI, 'tablet', 'watch', '--url', url, '--user', USERS.staff.username], {
      env: { ...process.env, VIMGW_PASSWORD: USERS.staff.password },
    });
    let out = '';
    const lineWith = (needle: string) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "${needle}" in: ${out}`)), 10_000);
        const check = () => {
          if (out.includes(needle)) {
            clearTimeout(t);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await lineWith('vim/state/queue (retained)');
    expect((await tablet(['queue', 'take', '--service', 'C'], USERS.kiosk)).code).toBe(0);
    expect((await tablet(['queue', 'open-counter', '--counter', '3'])).code).toBe(0);
    expect((await tablet(['queue', 'call-next', '--counter', '3'])).code).toBe(0);
    await lineWith('vim/event/queue/called');
    expect(out).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}vim\/event\/queue\/called {2}\{"ticket":"[A-D]\d{3}","counter":3,/m);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('lists every command without a gateway', async () => {
    const r = await tablet(['list', '--json'], null, 'mqtt://127.0.0.1:1');
    expect(r.code).toBe(0);
    const topics = (JSON.parse(r.stdout) as { topic: string }[]).map((c) => c.topic);
    expect(topics).toEqual(expect.arrayContaining(['vim/cmd/queue/take', 'vim/cmd/queue/call-next', 'vim/cmd/logbook/add']));
  });

  it('says so when the login is refused (exit 1)', async () => {
    const r = await tablet(['queue', 'take', '--service', 'A'], { username: USERS.kiosk.username, password: 'wrong-password' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the login/);
  });

  it('explains a command outside the user ACL (the broker drops it) and a role without replies', async () => {
    const dropped = await tablet(['queue', 'call-next', '--counter', '1', '--timeout', '1'], USERS.kiosk);
    expect(dropped.code).toBe(3);
    expect(dropped.stderr).toMatch(/no reply to vim\/cmd\/queue\/call-next within 1 s .*may user kiosk1 send it\? roles: staff.*--id [0-9a-f-]{36}/);
    const display = await tablet(['queue', 'take', '--service', 'A'], USERS.display);
    expect(display.code).toBe(1);
    expect(display.stderr).toMatch(/refused vim\/reply\/ekran1@tablet-[0-9a-f]{8}/);
  });

  it('exits 3 when the broker is unreachable', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const r = await tablet(['queue', 'take', '--service', 'A'], USERS.kiosk, `mqtt://127.0.0.1:${port}`);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach the gateway's broker at mqtt://127.0.0.1:${port}`);
  });

  describe('against a silent peer', () => {
    let silentPeer: Server;
    let connections = 0;
    const sockets: Socket[] = [];
    let peerUrl: string;
    beforeAll(async () => {
      silentPeer = createServer((s) => {
        connections++;
        sockets.push(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silentPeer.listen(0, '127.0.0.1', resolve));
      peerUrl = `mqtt://127.0.0.1:${(silentPeer.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silentPeer.close(() => resolve()));
    });

    it('exits 3 when the broker does not answer within --timeout', async () => {
      const r = await tablet(['queue', 'take', '--service', 'A', '--timeout', '1'], USERS.kiosk, peerUrl);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/cannot reach the gateway's broker .*(within 1 s|timeout)/);
    });

    it('exits 64 on a usage error, naming the field, without connecting or asking for a password', async () => {
      const before = connections;
      // No password in the environment and stdin left open: a prompt would hang until the timeout.
      const bad = await tablet(['queue', 'call-next', '--counter', 'two'], null, peerUrl);
      expect(bad.code).toBe(64);
      expect(bad.stderr).toContain('--counter: must be an integer');
      const missing = await tablet(['queue', 'take'], null, peerUrl);
      expect(missing.code).toBe(64);
      expect(missing.stderr).toContain('service: is required');
      const unknown = await tablet(['queue', 'take', '--service', 'A', '--colour', 'red'], null, peerUrl);
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toContain('--colour: is not an argument');
      expect(connections).toBe(before);
    });
  });
});

// The gateway as systemd runs it: a child process with NOTIFY_SOCKET and
// WATCHDOG_USEC, stopped by SIGTERM; and the exit code 78 for a bad config.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { command, replyClient, USERS, writeUsers } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const MAIN = 'dist/firmware-ts/src/main.js';
const CLI = 'dist/firmware-ts/src/cli/vimgw.js';
const run = promisify(execFile);
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  cleanupTempDirs();
});

interface UnixDgram {
  createSocket(type: 'unix_dgram', onMessage: (msg: Buffer) => void): { bind(path: string): void; close(): void };
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as UnixDgram;

function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (pred()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > until) {
        clearInterval(t);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

function exitOf(c: ChildProcess): Promise<number | null> {
  return c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code)));
}

describe('the gateway process', () => {
  it('tells systemd READY, pings the watchdog, stops in order on SIGTERM with the store flushed', async () => {
    const dir = tempDir();
    await writeUsers(join(dir, 'users.json'));
    const cfg = { vehicle: { id: 'VIM-P1' }, dataDir: 'data', log: { level: 'info', pretty: 'never' }, broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json' } };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const notes: string[] = [];
    const sockPath = join(dir, 'notify.sock');
    const sock = unixDgram.createSocket('unix_dgram', (m) => notes.push(m.toString()));
    sock.bind(sockPath);
    const t0 = Date.now();
    const child = spawn(process.execPath, [MAIN, '--config', join(dir, 'config.json')], {
      env: { ...process.env, NOTIFY_SOCKET: sockPath, WATCHDOG_USEC: '400000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', () => {});
    await waitFor(() => notes.includes('READY=1'), 10_000, 'READY=1');
    expect(Date.now() - t0).toBeLessThan(10_000); // generous; the bench measures start-to-ready
    // READY=1 goes out just before the "gateway ready" line is logged: wait for the line too.
    const parse = (l: string): Record<string, unknown>[] => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return []; // a line still being written
      }
    };
    const readyLine = () => out.split('\n').flatMap(parse).find((l) => l.msg === 'gateway ready');
    await waitFor(() => readyLine() !== undefined, 10_000, 'the "gateway ready" log line');
    const ready = readyLine()!;
    const port = Number(String((ready.endpoints as string[])[0]).split(':').pop());
    // Work through the running process so the stop has something to flush.
    const c = await replyClient(`mqtt://127.0.0.1:${port}`, USERS.staff, 'ayse@p');
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const answers = await Promise.all(ids.map((id) => command(c, 'vim/cmd/logbook/add', { id, text: 'kayıt' })));
    expect(answers.every((a) => a.ok === true)).toBe(true);
    await c.endAsync();
    await waitFor(() => notes.filter((n) => n === 'WATCHDOG=1').length >= 3, 5000, 'three WATCHDOG=1');
    child.kill('SIGTERM');
    const code = await exitOf(child);
    expect(code).toBe(0);
    expect(notes).toContain('STOPPING=1');
    expect(notes.indexOf('STOPPING=1')).toBeGreaterThan(notes.indexOf('READY=1'));
    sock.close();
    // The stop checkpointed the WAL into the database file.
    const wal = join(dir, 'data', 'journal.sqlite-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const db = new Database(join(dir, 'data', 'journal.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT command_id FROM journal').all() as { command_id: string }[];
    db.close();
    expect(rows.map((r) => r.command_id).sort()).toEqual([...ids].sort());
    const logs = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; part?: string });
    expect(logs.map((l) => l.msg)).toContain('stopped');
  });

  it('exits 78 with every config error listed by path, starting nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ devices: { gnss: { port: 'serial:///dev/vim-gnss', baud: 1234 } }, broker: { tcp: { port: 'x' } }, surprise: 1 }));
    const r = await run(process.execPath, [MAIN, '--config', file]).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(78);
    const err = (r as { stderr: string }).stderr;
    expect(err).toContain('devices.gnss.baud: must be one of 4800, 9600, 38400, 115200');
    expect(err).toContain('broker.tcp.port: must be integer');
    expect(err).toContain('surprise: is not a known field');
    expect(existsSync(join(dir, 'var'))).toBe(false);

    writeFileSync(file, '{ not json');
    const r2 = await run(process.execPath, [MAIN], { env: { ...process.env, VIM_CONFIG: file } }).catch((e: { code: number; stderr: string }) => e);
    expect((r2 as { code: number }).code).toBe(78);
    expect((r2 as { stderr: string }).stderr).toContain('is not valid JSON');
  });

  it('stops in order on SIGINT (Ctrl-C) too, exit 0', async () => {
    const dir = tempDir();
    await writeUsers(join(dir, 'users.json'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ dataDir: 'data', log: { pretty: 'never' }, broker: { tcp: { port: 0 }, credentialsFile: 'users.json' } }));
    const child = spawn(process.execPath, [MAIN, '--config', join(dir, 'config.json')], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('gateway ready'), 10_000, 'ready');
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
    expect(out).toContain('"signal":"SIGINT"');
    expect(out).toContain('"msg":"stopped"');
  });

  it('does not limp on when a part cannot start: it logs why and exits non-zero for systemd to restart it', async () => {
    const dir = tempDir();
    await writeUsers(join(dir, 'users.json'));
    writeFileSync(join(dir, 'cert.pem'), 'not a certificate');
    writeFileSync(join(dir, 'key.pem'), 'not a key');
    const cfg = { dataDir: 'data', log: { pretty: 'never' }, broker: { tcp: { port: 0 }, tls: { port: 0, certFile: 'cert.pem', keyFile: 'key.pem' }, credentialsFile: 'users.json' } };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const r = await run(process.execPath, [MAIN, '--config', join(dir, 'config.json')], { timeout: 15_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(70);
    expect((r as { stderr: string }).stderr).toMatch(/start failed: .*(PEM|certificate|key)/i);
  });

  it('exits 64 on an unknown argument', async () => {
    const r = await run(process.execPath, [MAIN, '--frobnicate']).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(64);
    expect((r as { stderr: string }).stderr).toContain('--frobnicate');
  });
});

describe('vimgw config check', () => {
  it('prints the same errors and exit code without starting anything', async () => {
    const file = join(tempDir(), 'c.json');
    writeFileSync(file, JSON.stringify({ devices: { gnss: { port: 'sim://gnss', baud: 1234 } } }));
    const r = await run(process.execPath, [CLI, 'config', 'check', file]).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(78);
    expect((r as { stderr: string }).stderr).toContain('devices.gnss.baud: must be one of 4800, 9600, 38400, 115200');
    const json = await run(process.execPath, [CLI, 'config', 'check', file, '--json']).catch((e: { stdout: string }) => e);
    expect(JSON.parse((json).stdout)).toMatchObject({ ok: false, errors: [{ path: 'devices.gnss.baud' }] });
    const ok = await run(process.execPath, [CLI, 'config', 'check', 'config/default.json']);
    expect(ok.stdout).toContain('valid configuration');
  });

  it('answers usage errors with exit 64', async () => {
    const r = await run(process.execPath, [CLI, 'user', 'add', 'ali', '--role', 'admin', '--file', join(tempDir(), 'u.json')]).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(64);
    expect((r as { stderr: string }).stderr).toContain('--role: must be one of staff, kiosk, display, maintenance');
  });
});

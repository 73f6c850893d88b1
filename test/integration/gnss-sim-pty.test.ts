// The GNSS simulator behind a real serial port: hosted on a socat pty, opened by a
// Transport through the real serialport binding. Stopping the host is an unplug the
// Transport reports; hosting it again on the same path brings the data back. The
// standalone CLI (`node devices/gnss-sim --pty PATH`) runs as a child process and
// goes away, pty and all, on SIGTERM.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { hostOnPty } from '../../devices/shared/pty-host.js';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI_JS = join(ROOT, 'dist', 'devices', 'gnss-sim', 'cli.js');
const dir = tempDir('vimgw-gnss-pty-');
const live: { stop(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});
afterAll(cleanupTempDirs);

function checksumOk(line: string): boolean {
  const m = /^\$([^*$]+)\*([0-9A-F]{2})$/.exec(line);
  if (!m) return false;
  let x = 0;
  for (const ch of m[1]!) x ^= ch.charCodeAt(0);
  return x === parseInt(m[2]!, 16);
}

/** Collects the valid CRLF-terminated sentences from a byte source until `enough` says so (a number: that many). */
function collect(on: (fn: (d: Buffer) => void) => () => void, enough: number | ((good: string[]) => boolean), ms: number): Promise<string[]> {
  const done = typeof enough === 'number' ? (g: string[]) => g.length >= enough : enough;
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    const good: string[] = [];
    const off = on((d) => {
      buf += d.toString('latin1');
      const parts = buf.split('\r\n');
      buf = parts.pop()!;
      for (const l of parts) if (checksumOk(l)) good.push(l);
      if (done(good)) {
        clearTimeout(timer);
        off();
        resolvePromise(good);
      }
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`only ${good.length} valid sentences within ${ms} ms`));
    }, ms);
  });
}

function fromTransport(t: Transport) {
  return (fn: (d: Buffer) => void) => {
    t.on('data', fn);
    return () => void t.off('data', fn);
  };
}

function waitEvent(t: Transport, ev: 'open' | 'close', ms: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ev} within ${ms} ms`)), ms);
    t.once(ev, () => {
      clearTimeout(timer);
      resolvePromise();
    });
  });
}

async function gone(path: string, ms: number): Promise<boolean> {
  for (let i = 0; i < ms / 20 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 20));
  return !existsSync(path);
}

describe('GNSS simulator on a pty', () => {
  it('feeds a serial Transport, is seen going away when unplugged, and feeds it again when back', async () => {
    const path = join(dir, 'gnss');
    const sim = new GnssSimulator({ rate: 10, speedup: 5 });
    live.push(sim);
    let host = await hostOnPty(path, sim);
    live.push(host);
    const t = new Transport('gnss', `serial://${path}?baud=115200`, { log: silent, backoff: { minMs: 50, maxMs: 200 } });
    const opened = waitEvent(t, 'open', 5000);
    await t.start();
    live.push(t);
    await opened;
    const first = await collect(fromTransport(t), 40, 5000);
    expect(first.some((l) => /^\$GNRMC,[\d.]+,A,4004\.\d{4},N,02930\.\d{4},E,/.test(l))).toBe(true);
    expect(new Set(first.map((l) => l.slice(3, 6)))).toEqual(new Set(['RMC', 'VTG', 'GGA', 'GSA', 'GSV']));
    expect(sim.attached).toBe(1);

    const closed = waitEvent(t, 'close', 5000);
    await host.stop(); // unplug: socat exits, the path vanishes
    await closed;
    expect(t.connected).toBe(false);
    expect(t.health().state).toBe('failed');
    expect(sim.attached).toBe(0);
    expect(await gone(path, 2000)).toBe(true);

    const reopened = waitEvent(t, 'open', 5000);
    const t0 = Date.now();
    host = await hostOnPty(path, sim); // replug on the same path
    live.push(host);
    await reopened;
    const again = await collect(fromTransport(t), 20, 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(again.some((l) => l.startsWith('$GNRMC,'))).toBe(true);
    expect(t.health()).toMatchObject({ state: 'ok', counters: { opens: 2, closes: 1 } });
  });
});

/** Builds dist/ when the compiled CLI is missing or older than its sources (npm test builds first anyway). */
async function ensureBuilt(): Promise<void> {
  const sources = [join(ROOT, 'devices', 'shared', 'pty-host.ts'), ...readdirSync(join(ROOT, 'devices', 'gnss-sim')).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'devices', 'gnss-sim', f))];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(CLI_JS) && statSync(CLI_JS).mtimeMs >= newest) return;
  const out = await new Promise<string>((res) => {
    execFile('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, timeout: 240_000 }, (_e, stdout, stderr) => res(`${stdout}${stderr}`));
  });
  // tsc emits even when other files have type errors; what counts is a fresh cli.js.
  if (!existsSync(CLI_JS) || statSync(CLI_JS).mtimeMs < newest) throw new Error(`build did not produce ${CLI_JS}:\n${out}`);
}

describe('GNSS simulator CLI', () => {
  beforeAll(ensureBuilt, 300_000);

  function run(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
    const child = spawn(process.execPath, [join(ROOT, 'devices', 'gnss-sim'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; stderr: string }>((r) => child.once('exit', (code) => r({ code, stderr })));
    // Cleanup after a failed test: SIGTERM first, so the CLI takes its socat down with it; SIGKILL only if it hangs.
    live.push({
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(timer);
      },
    });
    return { child, exited };
  }

  it('runs standalone on a pty until SIGTERM, then removes it', async () => {
    const path = join(dir, 'cli-gnss');
    const { child, exited } = run(['--pty', path, '--rate', '10', '--speedup', '20']);
    for (let i = 0; i < 500 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(path)).toBe(true);
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    const got = await collect(
      (fn) => {
        port.on('data', fn);
        return () => void port.off('data', fn);
      },
      (g) => g.filter((l) => l.startsWith('$GNRMC')).length >= 4,
      8000,
    );
    await new Promise<void>((r) => port.close(() => r()));
    const times = got.filter((l) => l.startsWith('$GNRMC')).map((l) => Number(l.split(',')[1]!.slice(4)));
    // 10 Hz at speedup 20: two simulated seconds per epoch (a late timer under load may skip an epoch, never split one).
    const steps = times.slice(1).map((x, i) => Math.round(((x - times[i]! + 60) % 60) * 100) / 100);
    for (const st of steps) expect(st > 0 && st % 2 === 0, `step ${st}`).toBe(true);
    expect(steps).toContain(2);
    child.kill('SIGTERM');
    const { code, stderr } = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/SIGTERM; stopping/);
    expect(await gone(path, 2000)).toBe(true);
  });

  it('rejects a bad argument with its name and exit code 64', async () => {
    const { exited } = run(['--pty', join(dir, 'never'), '--rate', '5']);
    const { code, stderr } = await exited;
    expect(code).toBe(64);
    expect(stderr).toMatch(/--rate: must be 1 or 10/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

// `vimgw selftest` as a crew runs it with the gateway stopped: the built CLI probes
// the simulators behind real ptys (socat) through the real serialport binding, one
// device per simulator process; a missing device and a permission-denied port get
// their reasons; a running daemon is not probed behind its back.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { vimgw } from '../helpers/vimgw-cli.js';

let dir: string;
const sims: ChildProcess[] = [];

function sim(name: string, args: string[]): Promise<void> {
  const path = join(dir, name);
  const child = spawn(process.execPath, [`devices/${name}-sim`, '--pty', path, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  sims.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (existsSync(path)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - t0 > 20_000 || child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`${name}-sim did not come up on ${path}: ${err}`));
      }
    }, 50);
  });
}

function writeConfig(file: string, extraPrinters: object[] = []): string {
  const cfg = {
    vehicle: { id: 'VIM-ST' },
    dataDir: join(dir, 'data'),
    broker: { credentialsFile: join(dir, 'users.json') },
    devices: {
      gnss: { port: `serial://${join(dir, 'gnss')}`, baud: 9600 },
      modem: { port: `serial://${join(dir, 'modem')}`, baud: 115200 },
      printers: [{ name: 'desk', port: `serial://${join(dir, 'printer')}` }, ...extraPrinters],
      display: { port: `serial://${join(dir, 'display')}` },
      terminal: { port: `serial://${join(dir, 'terminal')}` },
      gpio: { backend: 'sim', lines: { buttons: { A: 5 }, ignition: 26, chime: 21 } },
    },
  };
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(cfg));
  chmodSync(path, 0o644);
  return path;
}

beforeAll(async () => {
  dir = tempDir('vimgw-st-');
  chmodSync(dir, 0o755);
  await Promise.all([sim('gnss', ['--rate', '1']), sim('modem', []), sim('printer', []), sim('display', ['--quiet']), sim('terminal', ['--delay-ms', '10'])]);
}, 60_000);
afterAll(() => {
  for (const c of sims) c.kill('SIGTERM');
  cleanupTempDirs();
});

interface Result {
  device: string;
  verdict: 'pass' | 'warn' | 'fail';
  detail: string;
}

const selftest = (config: string, extra: string[] = [], opts: { uid?: number; gid?: number } = {}) =>
  vimgw(['selftest', '--config', config, '--socket', join(dir, 'no-daemon.sock'), ...extra], { ...opts, timeoutMs: 90_000 });

describe('vimgw selftest', () => {
  it('probes every device on its pty and passes them all', async () => {
    const r = await selftest(writeConfig('all.json'), ['--json']);
    const results = (JSON.parse(r.stdout) as { results: Result[] }).results;
    const by = Object.fromEntries(results.map((x) => [x.device, x]));
    expect(Object.keys(by).sort()).toEqual(['desk', 'display', 'gnss', 'gpio', 'modem', 'terminal']);
    expect(by.gnss).toMatchObject({ verdict: 'pass', detail: expect.stringMatching(/^3D fix at 40\.\d+,29\.\d+/) });
    expect(by.modem).toMatchObject({ verdict: 'pass', detail: expect.stringMatching(/sim ready, CSQ \d+ .*registration home/) });
    expect(by.desk).toMatchObject({ verdict: 'pass', detail: expect.stringMatching(/^DLE EOT: ready/) });
    expect(by.terminal).toMatchObject({ verdict: 'pass', detail: expect.stringMatching(/^ZVT status: /) });
    expect(by.display?.verdict).toBe('pass');
    expect(by.gpio).toMatchObject({ verdict: 'pass', detail: expect.stringMatching(/ignition on/) });
    expect(r.code).toBe(0);
  }, 120_000);

  it('names a device that is not there, and exits 2; the human table says why', async () => {
    const r = await selftest(writeConfig('missing.json', [{ name: 'kiosk', port: `serial://${join(dir, 'nothing')}` }]));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^DEVICE +KIND +RESULT +PORT +DETAIL$/m);
    expect(r.stdout).toMatch(new RegExp(`^kiosk +printer +FAIL +serial://\\S+/nothing +\\S+/nothing: no such device \\(not plugged in, or no udev rule`, 'm'));
    expect(r.stdout).toMatch(/^gnss +gnss +PASS/m);
  }, 120_000);

  it('says "permission denied, user ... not in group dialout" for a port the user may not open', async () => {
    const dialout = Number(/^dialout:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1]);
    expect(Number.isInteger(dialout), 'the dialout group exists').toBe(true);
    // The pty behind the link, as udev would leave a serial port: root:dialout 0660.
    const pty = realpathSync(join(dir, 'gnss'));
    chownSync(pty, 0, dialout);
    chmodSync(pty, 0o660);
    const config = writeConfig('perm.json');
    let r;
    if (process.getuid?.() === 0) {
      // root opens anything: probe as nobody, who is not in dialout.
      r = await selftest(config, ['--json'], { uid: 65534, gid: 65534 });
    } else {
      chmodSync(pty, 0o000);
      r = await selftest(config, ['--json']);
    }
    const gnss = (JSON.parse(r.stdout) as { results: Result[] }).results.find((x) => x.device === 'gnss');
    expect(gnss?.verdict).toBe('fail');
    expect(gnss?.detail).toMatch(/gnss: permission denied(, user \S+ not in group dialout| \(mode 0000)/);
    expect(r.code).toBe(2);
  }, 120_000);

  it('does not probe behind a running gateway unless --offline', async () => {
    const sock = join(dir, 'fake-daemon.sock');
    const server: Server = createServer((_req, res) => res.end('[]'));
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const r = await vimgw(['selftest', '--config', writeConfig('live.json'), '--socket', sock]);
      expect(r.code).toBe(64);
      expect(r.stderr).toMatch(/the gateway is running .*holds the device ports/s);
      expect(r.stderr).toMatch(/--offline/);
    } finally {
      server.close();
    }
  });
});

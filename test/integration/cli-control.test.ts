// The vimgw commands that talk to a running gateway through its control socket:
// every command, human and --json, and its exit code; bad input as usage errors;
// the socket's mode; an unreachable socket. The built CLI runs as a child process
// against an in-process gateway on the simulated bench (every device a simulator).
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { startGateway } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { vimgw } from '../helpers/vimgw-cli.js';

let gw: Gateway;
let sock: string;
let dir: string;
let gwDir: string;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => vimgw([...args, '--socket', sock], { env });

beforeAll(async () => {
  dir = tempDir('vimgw-cc-');
  sock = join(dir, 'run', 'control.sock');
  ({ gw, dir: gwDir } = await startGateway({
    control: { socket: sock },
    devices: {
      gnss: { port: 'sim://gnss' },
      modem: { port: 'sim://modem', pollIntervalS: 1 },
      printers: [{ name: 'desk', port: 'sim://printer' }],
      display: { port: 'sim://display' },
      terminal: { port: 'sim://terminal' },
      gpio: { backend: 'sim', lines: { buttons: { A: 5 }, leds: { status: 16 }, chime: 21 }, chimePulseMs: 20 },
    },
  }));
  // Wait for the simulators to be up, so health is settled.
  for (let i = 0; i < 200 && gw.devices.parts.some((p) => p.health().state !== 'ok'); i++) await new Promise((r) => setTimeout(r, 100));
}, 60_000);
afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('the control socket', () => {
  it('is a Unix socket with mode 0660', () => {
    const st = statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(gw.parts().control?.state).toBe('ok');
  });
});

describe('vimgw against a running gateway', () => {
  it('status: one screen, exit 0 when healthy; --json has every part', async () => {
    const r = await cli(['status']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PART +STATE +SINCE +DETAIL$/m);
    expect(r.stdout).toMatch(/^modem +modem +ok +\d+ s ago +sim:\/\/modem +registered/m);
    expect(r.stdout).toMatch(/^backlog /m);
    const j = await cli(['status', '--json']);
    const s = JSON.parse(j.stdout);
    expect(s.state).toBe('ok');
    expect(Object.keys(s.parts)).toEqual(expect.arrayContaining(['store', 'broker', 'gnss', 'modem', 'desk', 'control']));
    expect(s.parts.modem).toMatchObject({ state: 'ok', since: expect.any(String), detail: expect.any(String), counters: expect.any(Object) });
    expect(s.devices.map((d: { name: string }) => d.name)).toEqual(['gpio', 'gnss', 'modem', 'desk', 'display', 'terminal']);
  });

  it('devices and diag', async () => {
    const d = await cli(['devices']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^desk +printer +ok/m);
    expect(JSON.parse((await cli(['devices', '--json'])).stdout)).toHaveLength(6);
    const g = await cli(['diag', '--json']);
    expect(g.code).toBe(0);
    const j = JSON.parse(g.stdout);
    expect(j.status.state).toBe('ok');
    expect(j.system.os.kernel).toEqual(expect.any(String));
    expect(j.system.network.length).toBeGreaterThan(0);
  });

  it('modem status and an AT passthrough', async () => {
    const s = await cli(['modem', 'status']);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^imei +\d{15}/m);
    const at = await cli(['modem', 'at', 'AT+CSQ']);
    expect(at.code).toBe(0);
    expect(at.stdout).toMatch(/^\+CSQ: \d+,\d+\nOK\n$/);
    const j = JSON.parse((await cli(['modem', 'at', 'AT+CREG?', '--json'])).stdout);
    expect(j).toMatchObject({ ok: true, final: 'OK', lines: [expect.stringMatching(/^\+CREG: /)] });
  });

  it('refuses dangerous, multi-line and oversized AT commands as usage errors', async () => {
    const cfun = await cli(['modem', 'at', 'AT+CFUN=0']);
    expect(cfun.code).toBe(64);
    expect(cfun.stderr).toMatch(/turn the radio off.*--force/);
    expect((await cli(['modem', 'at', 'AT&W'])).stderr).toMatch(/NVRAM/);
    expect((await cli(['modem', 'at', 'AT+QCFG="nwscanmode",3'])).code).toBe(64);
    const nl = await cli(['modem', 'at', 'AT+CSQ\nAT+CFUN=0']);
    expect(nl.code).toBe(64);
    expect(nl.stderr).toMatch(/one line/);
    const long = await cli(['modem', 'at', `AT+CSQ${'X'.repeat(520)}`]);
    expect(long.code).toBe(64);
    expect(long.stderr).toMatch(/at most 512/);
    expect(long.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    // With --force it reaches the modem (the simulator answers ERROR to AT&W: exit 1, not 64).
    expect([0, 1]).toContain((await cli(['modem', 'at', 'AT&W', '--force'])).code);
  });

  it('sends a test SMS; a bad number is a usage error', async () => {
    const r = await cli(['modem', 'sms-test', '+905321234567', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ encoding: 'ucs2', ref: expect.any(Number) });
    const bad = await cli(['modem', 'sms-test', 'not-a-number']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/BAD_SMS/);
  });

  it('print test, display test, chime, terminal status', async () => {
    const p = await cli(['print', 'test']);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/test page queued on desk/);
    const nosuch = await cli(['print', 'test', 'kiosk']);
    expect(nosuch.code).toBe(64);
    expect(nosuch.stderr).toMatch(/no printer "kiosk"; configured: desk/);
    const d = await cli(['display', 'test', '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).synced).toBe(true);
    const chimes = gw.devices.gpio!.health().counters!.chimes!;
    expect((await cli(['chime'])).code).toBe(0);
    expect(gw.devices.gpio!.health().counters!.chimes).toBe(chimes + 1);
    const t = await cli(['terminal', 'status']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^status +0: /m);
  });

  it('queue, outbox, sync status; sync now says push is not configured', async () => {
    const q = await cli(['queue']);
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/^SERVICE +NAME +STATE +WAITING/m);
    const o = JSON.parse((await cli(['outbox', '--json'])).stdout);
    expect(o.consumers[0].consumer).toBe('push');
    expect(o.hq.records).toBeGreaterThanOrEqual(0);
    const s = await cli(['sync', 'status']);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^backlog: /m);
    const now = await cli(['sync', 'now']);
    expect(now.code).toBe(1);
    expect(now.stderr).toMatch(/NOT_CONFIGURED: push to HQ is not configured/);
  });

  it('exports the records since a date as NDJSON with a header and an end line', async () => {
    const r = await cli(['export', '--since', '1d']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: 'vim-gateway-export', version: 1, vehicle: 'VIM-IT' });
    const end = lines[lines.length - 1];
    expect(end).toMatchObject({ format: 'vim-gateway-export', end: true, records: lines.length - 2 });
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[1]).toMatchObject({ seq: expect.any(Number), id: expect.any(String), type: expect.any(String) });
    const future = await cli(['export', '--since', '2999-01-01']);
    expect(future.stdout.trim().split('\n')).toHaveLength(2);
    expect((await cli(['export'])).code).toBe(64);
    expect((await cli(['export', '--since', 'yesterday'])).code).toBe(64);
  });

  it('exports from the journal file when the gateway cannot be reached (or with --offline)', async () => {
    const config = join(gwDir, 'config.json');
    for (const args of [['--offline'], ['--socket', join(dir, 'nothing.sock')]]) {
      const r = await vimgw(['export', '--since', '1d', '--config', config, ...args]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ format: 'vim-gateway-export', vehicle: 'VIM-IT' });
      expect(lines[lines.length - 1]).toMatchObject({ end: true, records: lines.length - 2 });
      expect(lines.length).toBeGreaterThan(2);
      expect(r.stderr).toMatch(/records since .* exported from .*journal\.sqlite/);
    }
  });

  it('logs: journalctl lines made readable, filtered by part', async () => {
    const fake = join(dir, 'journalctl');
    const entries = [
      { MESSAGE: JSON.stringify({ level: 'info', time: '2026-11-29T10:00:00.000Z', part: 'modem', msg: 'modem initialised', vendor: 'quectel' }) },
      { MESSAGE: JSON.stringify({ level: 'warn', time: '2026-11-29T10:00:01.000Z', part: 'gnss', msg: 'no fix' }) },
    ];
    writeFileSync(fake, `#!/bin/sh\necho "$@" > ${join(dir, 'journalctl.args')}\ncat <<'X'\n${entries.map((e) => JSON.stringify(e)).join('\n')}\nX\n`);
    chmodSync(fake, 0o755);
    const r = await cli(['logs', '--part', 'modem', '-n', '50'], { VIMGW_JOURNALCTL: fake });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2026-11-29T10:00:00.000Z INFO  [modem] modem initialised  vendor=quectel\n');
  });

  it('answers --help for every command with an example, and refuses unknown ones', async () => {
    for (const c of ['status', 'diag', 'devices', 'modem', 'print', 'display', 'chime', 'terminal', 'queue', 'outbox', 'sync', 'export', 'logs', 'selftest', 'config', 'journal', 'user', 'gnss', 'tablet']) {
      const r = await vimgw([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(/^usage: vimgw /);
      expect(r.stdout, c).toMatch(/^examples?:$/m);
    }
    const u = await vimgw(['frobnicate']);
    expect(u.code).toBe(64);
    expect(u.stderr).toMatch(/unknown command "frobnicate"/);
    expect((await vimgw(['status', 'extra', '--socket', sock])).code).toBe(64);
    expect((await vimgw(['modem', 'reboot', '--socket', sock])).code).toBe(64);
    expect((await vimgw(['status', '--bogus'])).code).toBe(64);
  });

  it('says so, exit 3, when the socket is unreachable', async () => {
    const r = await vimgw(['status', '--socket', join(dir, 'nothing.sock')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the gateway at .*nothing\.sock: no control socket there; is the gateway running\?/);
    const j = await vimgw(['diag', '--json', '--socket', join(dir, 'nothing.sock')]);
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout).system.os).not.toBeNull();
  });
});

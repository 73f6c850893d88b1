// `vimgw gnss replay` and `vimgw gnss watch` as a crew runs them: the built CLI as
// a child process, against a fixture log and against a running gateway.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

const run = promisify(execFile);
const CLI = 'dist/firmware-ts/src/cli/vimgw.js';
let gw: Gateway;

beforeAll(async () => {
  ({ gw } = await startGateway({ devices: { gnss: { port: 'sim://gnss?rate=10' } } }));
});
afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('vimgw gnss', () => {
  it('replays a real receiver log, one fix per line, comparable with gpsd', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'gnss', 'replay', 'test/fixtures/nmea-gpsd/ublox-neo-m9n-nmea.log', '--json']);
    const fixes = stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: string; mode: number; lat: number; lon: number });
    expect(fixes.length).toBeGreaterThan(50);
    const fix = fixes.find((f) => f.mode === 3)!;
    expect(Object.keys(fix).sort()).toEqual(['altMSL', 'lat', 'lon', 'mode', 'speed', 'time', 'track']);
    expect(fix.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('names a missing replay file and exits non-zero', async () => {
    const r = await run(process.execPath, [CLI, 'gnss', 'replay', '/nonexistent.log']).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).not.toBe(0);
    expect((r as { stderr: string }).stderr).toContain('/nonexistent.log');
  });

  it('watches the live fix of a running gateway', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'gnss', 'watch', '--count', '2', '--url', `mqtt://127.0.0.1:${gw.broker.port()}`, '--user', USERS.maintenance.username], {
      env: { ...process.env, VIMGW_PASSWORD: USERS.maintenance.password },
      timeout: 20_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/3D\s+40\.\d{7},29\.\d{7}/);
  });

  it('says so when it cannot log in', async () => {
    const r = await run(process.execPath, [CLI, 'gnss', 'watch', '--count', '1', '--url', `mqtt://127.0.0.1:${gw.broker.port()}`, '--user', 'bakim'], {
      env: { ...process.env, VIMGW_PASSWORD: 'wrong' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toMatch(/cannot reach the gateway's broker.*(Not authorized|Bad username)/i);
  });

  it('rejects a bad --count as a usage error', async () => {
    const r = await run(process.execPath, [CLI, 'gnss', 'watch', '--count', 'many'], { env: { ...process.env, VIMGW_PASSWORD: 'x' } }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(64);
    expect((r as { stderr: string }).stderr).toContain('--count: must be a positive integer');
  });
});

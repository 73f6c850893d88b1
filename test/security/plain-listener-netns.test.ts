// With broker.tls.requireClientCert, the plain TCP listener must not be a way round the
// certificate for staff and maintenance accounts. That rule looks at where a connection
// comes from, so it is tried from a second host: a network namespace this test makes,
// joined to the test's own namespace by a veth pair (no traffic leaves the machine).
// mosquitto_sub runs inside it as a tablet on the van's Wi-Fi would. Creating a namespace
// needs root (CI runs as root); without it the suite says so and is skipped, not hidden.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { makePki } from '../helpers/certs.js';
import { startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const ns = `vimgw-${randomBytes(3).toString('hex')}`;
const vethHost = `vh${ns.slice(-6)}`;
const vethNs = `vn${ns.slice(-6)}`;
// A /30 of 10.231.x.0: this test's own link, picked per run so parallel runs do not collide.
const net = `10.231.${randomBytes(1)[0]! % 250}`;
const HOST_IP = `${net}.1`;
const NS_IP = `${net}.2`;

function canMakeNamespaces(): string | null {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_SYS_ADMIN';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'no iproute2 `ip netns`';
  }
}
const why = canMakeNamespaces();
if (why) console.warn(`plain-listener-netns: skipped (${why})`);

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
let gw: Gateway;

describe.skipIf(why !== null)('requireClientCert: plain TCP logins from another host', () => {
  beforeAll(async () => {
    ip('netns', 'add', ns);
    ip('link', 'add', vethHost, 'type', 'veth', 'peer', 'name', vethNs);
    ip('link', 'set', vethNs, 'netns', ns);
    ip('addr', 'add', `${HOST_IP}/30`, 'dev', vethHost);
    ip('link', 'set', vethHost, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', vethNs);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', vethNs, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    const pki = makePki(tempDir('vimgw-netns-pki-'));
    ({ gw } = await startGateway({
      broker: {
        tcp: { host: HOST_IP, port: 0 },
        tls: { host: '127.0.0.1', port: 0, certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.ca, requireClientCert: true },
        credentialsFile: 'users.json',
      },
    }));
  });

  afterAll(async () => {
    await gw?.stop();
    // Deleting the namespace deletes its end of the veth pair, and with it the host's end.
    try {
      ip('netns', 'del', ns);
    } catch {
      /* already gone */
    }
    cleanupTempDirs();
  });

  /** mosquitto_sub from inside the namespace: resolves with its exit code and stderr. */
  async function subFromNamespace(user: { username: string; password: string }, clientId: string): Promise<{ code: number; stderr: string }> {
    const args = ['netns', 'exec', ns, 'mosquitto_sub', '-h', HOST_IP, '-p', String(gw.broker.port('mqtt')), '-i', clientId, '-u', user.username, '-P', user.password, '-t', 'vim/state/gateway', '-C', '1', '-W', '10'];
    try {
      await run('ip', args, { timeout: 20_000 });
      return { code: 0, stderr: '' };
    } catch (e) {
      const x = e as { code: number; stderr: string };
      return { code: x.code, stderr: x.stderr };
    }
  }

  it('refuses staff and maintenance over plain TCP from the other host, with the right password', async () => {
    const before = gw.broker.health().counters!;
    const staff = await subFromNamespace(USERS.staff, 'ayse@wifi');
    expect(staff.code).not.toBe(0);
    expect(staff.stderr).toMatch(/not authori[sz]ed/i);
    const bakim = await subFromNamespace(USERS.maintenance, 'bakim@wifi');
    expect(bakim.code).not.toBe(0);
    const after = gw.broker.health().counters!;
    expect(after.plainRefused! - before.plainRefused!).toBe(2);
    // Not counted as guesses: the throttle would otherwise lock the tablet's address.
    expect(after.authFailures).toBe(before.authFailures);
  });

  it('lets the display board in over the same plain listener', async () => {
    expect(await subFromNamespace(USERS.display, 'ekran1@wifi')).toEqual({ code: 0, stderr: '' });
  });
});

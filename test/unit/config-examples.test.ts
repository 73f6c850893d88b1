// The shipped configs validate, and bad configs give the exact path-prefixed errors
// the gateway prints before it exits 78 (issue 2 "Config" and "Bad input").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCredentials, verifyPassword } from '../../firmware-ts/src/broker/credentials.js';
import { EX_CONFIG, loadConfig, parseConfig } from '../../firmware-ts/src/config/load.js';
import { formatFieldErrors } from '../../firmware-ts/src/schema/validator.js';

const configFile = (name: string) => fileURLToPath(new URL(`../../config/${name}`, import.meta.url));

/** What the gateway prints for a document: one `path: reason` line per error. */
function errorLines(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = parseConfig(text, null, env);
  return r.ok ? [] : formatFieldErrors(r.errors).split('\n');
}

/** A small valid document: the broker listener given explicitly, everything else defaulted. */
const MINIMAL = { broker: { tcp: {} } };
const withMinimal = (doc: Record<string, unknown>) => JSON.stringify({ ...MINIMAL, ...doc });

describe('config/default.json (the simulated bench)', () => {
  const r = loadConfig(configFile('default.json'), {});

  it('validates', () => {
    expect(r.ok ? [] : formatFieldErrors(r.errors)).toEqual([]);
  });

  it('runs on any machine: loopback broker, simulated devices, paths beside the file', () => {
    if (!r.ok) throw new Error('invalid');
    const c = r.config;
    expect(c.broker.tcp).toEqual({ host: '127.0.0.1', port: 1883 });
    expect(c.broker.tls).toBeUndefined();
    const ports = [c.devices.gnss?.port, c.devices.modem?.port, c.devices.display?.port, c.devices.terminal?.port, ...c.devices.printers.map((p) => p.port)];
    for (const p of ports) expect(p).toMatch(/^sim:\/\//);
    expect(c.broker.credentialsFile).toBe(configFile('demo-users.json'));
    expect(c.dataDir).toBe(fileURLToPath(new URL('../../var/data', import.meta.url)));
    expect(c.web).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8081 });
  });

  it('prints demo logins that really log in', async () => {
    if (!r.ok) throw new Error('invalid');
    const logins = r.config.demo?.logins ?? [];
    expect(logins.map((l) => l.role).sort()).toEqual(['display', 'kiosk', 'maintenance', 'staff']);
    const users = readCredentials(r.config.broker.credentialsFile).users;
    for (const l of logins) {
      const u = users.find((x) => x.username === l.username);
      expect(u?.role, l.username).toBe(l.role);
      expect(await verifyPassword(l.password, u!.hash), l.username).toBe(true);
    }
  });
});

describe('config/pi.example.json (the real van)', () => {
  const r = loadConfig(configFile('pi.example.json'), {});

  it('validates', () => {
    expect(r.ok ? [] : formatFieldErrors(r.errors)).toEqual([]);
  });

  it('uses the van devices, the Wi-Fi address, TLS and the system paths, and no demo logins', () => {
    if (!r.ok) throw new Error('invalid');
    const c = r.config;
    expect(c.dataDir).toBe('/var/lib/vim-gateway');
    expect(c.broker.credentialsFile).toBe('/etc/vim-gateway/users.json');
    expect(c.broker.tcp.host).not.toBe('127.0.0.1');
    expect(c.broker.tcp.port).toBe(1883);
    expect(c.broker.tls?.port).toBe(8883);
    expect(c.broker.tls?.certFile).toMatch(/^\/etc\/vim-gateway\/tls\//);
    expect(c.broker.tls?.keyFile).toMatch(/^\/etc\/vim-gateway\/tls\//);
    expect(c.devices.gnss?.port).toBe('serial:///dev/vim-gnss');
    expect(c.devices.modem?.port).toBe('serial:///dev/vim-modem');
    expect(c.devices.display?.port).toBe('serial:///dev/vim-display');
    expect(c.devices.terminal?.port).toMatch(/^tcp:\/\/.+:20007$/);
    expect(c.devices.printers.length).toBeGreaterThan(0);
    for (const p of c.devices.printers) expect(p.port).toMatch(/^(tcp:\/\/|file:\/\/\/dev\/vim-)/);
    expect(c.demo).toBeUndefined();
    expect(JSON.stringify(c)).not.toContain('sim://');
  });

  it('serves the pages on the Wi-Fi address, where the ticket QR code points', () => {
    if (!r.ok) throw new Error('invalid');
    const c = r.config;
    expect(c.web).toMatchObject({ enabled: true, host: c.broker.tcp.host, port: 8081 });
    expect(c.queue.statusUrl).toBe(`http://${c.web?.host}:${c.web?.port}`);
  });
});

describe('bad configs', () => {
  it('exits with EX_CONFIG, 78', () => {
    expect(EX_CONFIG).toBe(78);
  });

  it('names the field and the allowed values', () => {
    expect(errorLines(withMinimal({ devices: { gnss: { port: 'serial:///dev/vim-gnss', baud: 4000 } } }))).toEqual([
      'devices.gnss.baud: must be one of 4800, 9600, 38400, 115200',
    ]);
  });

  it('refuses unknown fields at any depth', () => {
    expect(errorLines(withMinimal({ logg: { level: 'info' } }))).toEqual(['logg: is not a known field']);
    expect(errorLines(withMinimal({ broker: { tcp: { host: '127.0.0.1', prot: 1883 } } }))).toEqual(['broker.tcp.prot: is not a known field']);
  });

  it('lists every error at once, with array indexes in the path', () => {
    const lines = errorLines(
      JSON.stringify({
        broker: { tcp: { port: '1883' } },
        log: { level: 'verbose' },
        devices: { gnss: { baud: 9600 }, printers: [{ name: 'desk', port: 'tcp://192.168.50.20:9100' }, { name: 'Kiosk', port: 'lp0' }] },
      }),
    );
    expect(lines.sort()).toEqual(
      [
        'broker.tcp.port: must be integer',
        'log.level: must be one of fatal, error, warn, info, debug, trace',
        'devices.gnss.port: is required',
        'devices.printers[1].name: must match ^[a-z0-9-]{1,32}$',
        'devices.printers[1].port: must match ^(serial|tcp|file|sim)://.+',
      ].sort(),
    );
  });

  it('gives ranges and required fields', () => {
    expect(errorLines(withMinimal({ broker: { tcp: { port: 70000 } } }))).toEqual(['broker.tcp.port: must be <= 65535']);
    expect(errorLines(withMinimal({ broker: { tcp: {}, tls: { port: 8883 } } })).sort()).toEqual([
      'broker.tls.certFile: is required',
      'broker.tls.keyFile: is required',
    ]);
  });

  it('says when the file is not JSON, not an object, or not there', () => {
    const notJson = errorLines('{ "broker": ');
    expect(notJson).toHaveLength(1);
    expect(notJson[0]).toMatch(/^\(document\): is not valid JSON \(.+\)$/);
    expect(errorLines('[]')).toEqual(['(document): must be a JSON object']);
    const missing = loadConfig(configFile('no-such-config.json'), {});
    expect(missing.ok ? [] : formatFieldErrors(missing.errors)).toBe('(document): cannot be read (ENOENT)');
  });

  it('does not half-apply: a bad config yields no config at all', () => {
    const r = parseConfig(withMinimal({ devices: { gnss: { port: 'sim://gnss', baud: 1 } } }), null, {});
    expect(r.ok).toBe(false);
    expect('config' in r).toBe(false);
  });
});

describe('precedence: defaults, then the file, then VIM_CFG__ overrides', () => {
  it('fills defaults under the file and lets the environment win over both', () => {
    const text = readFileSync(configFile('default.json'), 'utf8');
    const r = parseConfig(text, configFile('default.json'), {
      VIM_CFG__broker__tcp__port: '1884',
      VIM_CFG__broker__tls: '{"certFile": "tls/server.crt", "keyFile": "tls/server.key"}',
      VIM_CFG__vehicle__name: 'VİM aracı 2',
      UNRELATED: 'x',
    });
    if (!r.ok) throw new Error(formatFieldErrors(r.errors));
    expect(r.config.broker.tcp).toEqual({ host: '127.0.0.1', port: 1884 });
    expect(r.config.broker.tls).toEqual({ host: '0.0.0.0', port: 8883, certFile: configFile('tls/server.crt'), keyFile: configFile('tls/server.key') });
    expect(r.config.vehicle).toEqual({ id: 'VIM-01', name: 'VİM aracı 2' });
    expect(r.config.store.maxBatch).toBe(512);
  });

  it('validates overrides like the file and names bad override variables', () => {
    expect(errorLines(JSON.stringify(MINIMAL), { VIM_CFG__broker__tcp__port: 'abc' })).toEqual(['broker.tcp.port: must be integer']);
    expect(errorLines(JSON.stringify(MINIMAL), { VIM_CFG__broker____port: '1' })).toEqual(['VIM_CFG__broker____port: is not a valid override name']);
    expect(errorLines(JSON.stringify(MINIMAL), { VIM_CFG__brokr__x: '1' })).toEqual(['brokr: is not a known field']);
  });

  it('takes VIM_CONFIG when no --config is given', () => {
    const r = loadConfig(null, { VIM_CONFIG: configFile('pi.example.json') });
    expect(r.ok && r.file).toBe(configFile('pi.example.json'));
  });
});

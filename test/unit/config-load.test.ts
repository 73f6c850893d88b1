import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../firmware-ts/src/config/load.js';

describe('config precedence', () => {
  it('fills schema defaults under what the file says', () => {
    const r = parseConfig('{"broker":{"tcp":{"port":1999}}}', '/etc/vim-gateway/config.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.broker.tcp).toEqual({ host: '127.0.0.1', port: 1999 });
    expect(r.config.vehicle.id).toBe('VIM-01');
    expect(r.config.store.maxBatch).toBe(512);
    expect(r.config.broker.limits.kiosk.maxPayloadBytes).toBe(1024);
    // Relative paths are taken relative to the config file.
    expect(r.config.dataDir).toBe('/etc/vim-gateway/var/data');
    expect(r.config.broker.credentialsFile).toBe('/etc/vim-gateway/users.json');
  });

  it('needs nothing but an empty object: every section has defaults', () => {
    const r = parseConfig('{}', '/etc/vim-gateway/config.json');
    expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
    if (!r.ok) return;
    expect(r.config.broker.tcp).toEqual({ host: '127.0.0.1', port: 1883 });
    expect(r.config.broker.ws).toBeUndefined();
    expect(r.config.broker.tls).toBeUndefined();
  });

  it('lets environment overrides win over the file, parsed as JSON when possible', () => {
    const r = parseConfig('{"vehicle":{"id":"VIM-02"},"broker":{"tcp":{"port":1999}}}', null, {
      VIM_CFG__vehicle__id: 'VIM-07',
      VIM_CFG__broker__tcp__port: '2883',
      VIM_CFG__broker__credentialsFile: '/run/secrets/users.json',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.vehicle.id).toBe('VIM-07');
    expect(r.config.broker.tcp.port).toBe(2883);
    expect(r.config.broker.credentialsFile).toBe('/run/secrets/users.json');
  });

  it('validates overrides like the file, naming the path', () => {
    const r = parseConfig('{}', null, { VIM_CFG__devices__gnss: '{"port":"sim://gnss","baud":5}' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual({ path: 'devices.gnss.baud', message: 'must be one of 4800, 9600, 38400, 115200' });
  });

  it('checks device ports as the transport will parse them, naming the field', () => {
    const r = parseConfig(
      JSON.stringify({ devices: { gnss: { port: 'tcp://host' }, modem: { port: 'serial:///dev/vim-modem?baud=9600', baud: 115200 }, printers: [{ name: 'desk', port: 'sim://Bad_Name' }] } }),
      null,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { path: 'devices.gnss.port', message: 'tcp://host: port must be 1-65535' },
      { path: 'devices.modem.port', message: '?baud=9600 contradicts devices.modem.baud (115200); set the speed in one place' },
      { path: 'devices.printers[0].port', message: 'sim://Bad_Name: name must name a simulator, e.g. sim://gnss' },
    ]);
    expect(parseConfig(JSON.stringify({ devices: { gnss: { port: 'serial:///dev/vim-gnss?baud=4800', baud: 4800 } } }), null).ok).toBe(true);
  });

  it('refuses prototype-polluting override names', () => {
    const r = parseConfig('{}', null, { VIM_CFG____proto____x: '1' });
    expect(r.ok).toBe(false);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('rejects a document that is not an object', () => {
    for (const text of ['[]', '42', 'null', '"x"']) {
      const r = parseConfig(text, 'f.json');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]!.message).toBe('must be a JSON object');
    }
  });

  it('never throws on random input (fuzz)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = '{}[]":,0123456789abcdefnulltrue \\u';
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 60);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const r = parseConfig(s, 'fuzz.json');
      if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
    }
  });
});

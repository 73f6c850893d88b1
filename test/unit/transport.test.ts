import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from '../../firmware-ts/src/transport/backoff.js';
import { SimRegistry, type SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { parseTransportUri, TransportUriError } from '../../firmware-ts/src/transport/uri.js';
import { silent } from '../helpers/store.js';

describe('transport URIs', () => {
  it('parses the four kinds', () => {
    const n81 = { dataBits: 8, parity: 'none', stopBits: 1 };
    expect(parseTransportUri('serial:///dev/vim-gnss?baud=4800')).toEqual({ kind: 'serial', path: '/dev/vim-gnss', baud: 4800, line: n81 });
    expect(parseTransportUri('serial:///dev/vim-modem', { baud: 115200 })).toEqual({ kind: 'serial', path: '/dev/vim-modem', baud: 115200, line: n81 });
    // ZVT's 8N2 (PA00P016 §2.1) as a driver default, and the URI winning over it.
    expect(parseTransportUri('serial:///dev/vim-terminal', { line: { stopBits: 2 } })).toMatchObject({ line: { dataBits: 8, parity: 'none', stopBits: 2 } });
    expect(parseTransportUri('serial:///dev/x?stopBits=1&parity=even&dataBits=7', { line: { stopBits: 2 } })).toMatchObject({ line: { dataBits: 7, parity: 'even', stopBits: 1 } });
    expect(parseTransportUri('tcp://10.0.0.5:20007')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 20007 });
    expect(parseTransportUri('file:///dev/usb/lp0')).toEqual({ kind: 'file', path: '/dev/usb/lp0', read: false });
    expect(parseTransportUri('sim://gnss?rate=10')).toEqual({ kind: 'sim', name: 'gnss', params: { rate: '10' } });
  });

  it('names the wrong part of a bad URI', () => {
    expect(() => parseTransportUri('serial:///dev/x?baud=123')).toThrow(/baud: must be one of/);
    expect(() => parseTransportUri('tcp://host')).toThrow(/port: must be 1-65535/);
    expect(() => parseTransportUri('ftp://x/y')).toThrow(/scheme: ftp is not one of/);
    expect(() => parseTransportUri('sim://Bad_Name')).toThrow(/name: must name a simulator/);
    expect(() => parseTransportUri('not a uri')).toThrow(/uri: is not a URI/);
    expect(() => parseTransportUri('serial:///dev/x?stopBits=3')).toThrow(/stopBits: must be 1 or 2/);
    expect(() => parseTransportUri('serial:///dev/x?parity=mark')).toThrow(/parity: must be none, even or odd/);
    // A stray "%" (found by the 1,000,000-input config fuzz): a URIError used to escape parseConfig.
    expect(() => parseTransportUri('serial:///%ev/vim-gnss')).toThrow(TransportUriError);
    expect(() => parseTransportUri('file:///dev/%zz')).toThrow(/path: has a "%" that is not a %XX escape/);
    expect(parseTransportUri('serial:///dev/vim%2Dgnss')).toMatchObject({ kind: 'serial', path: '/dev/vim-gnss' });
  });
});

describe('backoff', () => {
  it('grows exponentially from 1 s to 30 s with jitter', () => {
    const lo = new Backoff(undefined, () => 0);
    const hi = new Backoff(undefined, () => 1);
    const los = Array.from({ length: 8 }, () => lo.next());
    const his = Array.from({ length: 8 }, () => hi.next());
    expect(los).toEqual([1000, 1500, 3000, 6000, 12000, 22500, 22500, 22500]);
    expect(his).toEqual([1250, 2500, 5000, 10000, 20000, 30000, 30000, 30000]);
    lo.reset();
    expect(lo.next()).toBe(1000);
  });
});

class EchoSim {
  ports: SimPort[] = [];
  refuse = false;
  attach(port: SimPort): void {
    if (this.refuse) throw new Error('unplugged');
    this.ports.push(port);
    port.on('data', (d) => port.write(Buffer.concat([Buffer.from('echo:'), d])));
  }
}

const fast = { minMs: 20, maxMs: 100 };
let t: Transport | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

function once<T>(fn: (resolve: (v: T) => void) => void, ms = 2000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    fn((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('transport over an in-process simulator', () => {
  it('carries bytes both ways and reports health', async () => {
    const sims = new SimRegistry();
    sims.register('echo', new EchoSim());
    t = new Transport('echo', 'sim://echo', { log: silent, sims, backoff: fast });
    const opened = once<void>((r) => t!.once('open', () => r()));
    await t.start();
    await opened;
    expect(t.health().state).toBe('ok');
    const got = once<Buffer>((r) => t!.once('data', r));
    await t.write('AT\r');
    expect((await got).toString()).toBe('echo:AT\r');
  });

  it('reconnects after an unplug, and refuses writes while away', async () => {
    const sims = new SimRegistry();
    const sim = new EchoSim();
    sims.register('echo', sim);
    t = new Transport('echo', 'sim://echo', { log: silent, sims, backoff: fast });
    const opened = once<void>((r) => t!.once('open', () => r()));
    await t.start();
    await opened;
    sim.refuse = true;
    const closed = once<{ unplugged: boolean }>((r) => t!.once('close', r));
    sim.ports[0]!.unplug();
    expect((await closed).unplugged).toBe(true);
    await expect(t.write('x')).rejects.toThrow(/not connected/);
    await new Promise((r) => setTimeout(r, 150));
    expect(t.health()).toMatchObject({ state: 'failed', counters: { unplugs: 1 } });
    expect(t.health().counters!.openFailures).toBeGreaterThanOrEqual(1);
    sim.refuse = false;
    await once<void>((r) => t!.once('open', () => r()), 3000);
    expect(t.health().counters).toMatchObject({ opens: 2 });
  });

  it('keeps retrying a simulator that does not exist, without crashing', async () => {
    t = new Transport('ghost', 'sim://ghost', { log: silent, sims: new SimRegistry(), backoff: fast });
    await t.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(t.health().state).toBe('failed');
    expect(t.health().detail).toContain('no simulator named ghost');
    expect(t.health().counters!.openFailures).toBeGreaterThanOrEqual(3);
  });
});

// Small parts of the sync: link awareness, the bandwidth bucket, token checks and the
// failed-attempt limiter, connection failure wording, and the sync config rules.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { authenticate, FailureLimiter, hashToken, newToken } from '../../firmware-ts/src/sync/pull/auth.js';
import { DeviceLink, isLoopbackHost } from '../../firmware-ts/src/sync/link.js';
import { ByteBucket } from '../../firmware-ts/src/sync/push/bandwidth.js';
import { classifyFailure } from '../../firmware-ts/src/sync/push/connection.js';
import type { RegState } from '../../firmware-ts/src/drivers/modem/status.js';

describe('link awareness', () => {
  it('is up with a registered modem, a Wi-Fi interface up, or a loopback broker', () => {
    let reg: RegState | null = 'searching';
    const ifs: Record<string, string> = { wlan0: 'down' };
    const link = new DeviceLink('hq.inegol.bel.tr', ['wlan0'], { modemRegistration: () => reg, interfaceState: (n) => ifs[n] ?? null });
    expect(link.check()).toEqual({ up: false, via: 'modem searching, wlan0 not up' });
    reg = 'roaming';
    expect(link.check()).toEqual({ up: true, via: 'modem registered (roaming)' });
    reg = null;
    ifs.wlan0 = 'up';
    expect(link.check()).toEqual({ up: true, via: 'wlan0 up' });
    expect(new DeviceLink('127.0.0.1', [], { modemRegistration: () => null }).check().up).toBe(true);
    expect(new DeviceLink('hq', [], { modemRegistration: () => null }, 'never').check().up).toBe(true);
    expect(['localhost', '::1', '[::1]', '127.8.9.1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'hq.example', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
  });
});

describe('bandwidth cap', () => {
  it('lets a burst go, then holds the average rate, a big batch included', () => {
    let t = 0;
    const b = new ByteBucket(10_000, () => t);
    expect(b.delayFor(65_536)).toBe(0);
    b.take(65_536);
    expect(b.delayFor(10_000)).toBe(1000);
    t = 1000;
    expect(b.delayFor(10_000)).toBe(0);
    b.take(100_000); // larger than the bucket: goes when full, leaves a debt
    t = 2000;
    expect(b.delayFor(1)).toBeGreaterThan(8000);
  });
});

describe('pull tokens', () => {
  it('matches the consumer whose token hash matches, and nothing else', () => {
    const a = newToken();
    const b = newToken();
    const consumers = [
      { name: 'hq', tokenSha256: a.tokenSha256 },
      { name: 'audit', tokenSha256: b.tokenSha256 },
    ];
    expect(a.tokenSha256).toBe(hashToken(a.token));
    expect(authenticate(`Bearer ${a.token}`, consumers)).toBe('hq');
    expect(authenticate(`Bearer ${b.token}`, consumers)).toBe('audit');
    for (const h of [undefined, '', 'Bearer', `bearer ${a.token}`, `Basic ${a.token}`, `Bearer ${a.token} x`, `Bearer ${a.token}x`, `Bearer ${'ü'.repeat(5)}`]) {
      expect(authenticate(h, consumers), String(h)).toBeNull();
    }
  });

  it('locks an address out after repeated failures, for a while', () => {
    let t = 0;
    const l = new FailureLimiter(3, 60_000, 60_000, () => t);
    l.fail('a');
    l.fail('a');
    expect(l.lockedFor('a')).toBe(0);
    l.fail('a');
    expect(l.lockedFor('a')).toBe(60_000);
    expect(l.lockedFor('b')).toBe(0);
    t = 60_001;
    expect(l.lockedFor('a')).toBe(0);
    l.fail('a'); // a new window
    expect(l.lockedFor('a')).toBe(0);
  });
});

describe('push failures in words', () => {
  it('names CONNACK codes, refusals, timeouts and TLS errors', () => {
    expect(classifyFailure(Object.assign(new Error('Connection refused: Not authorized'), { code: 5 })).kind).toBe('not-authorized');
    expect(classifyFailure(Object.assign(new Error('x'), { code: 4 })).message).toMatch(/user name or password \(CONNACK 4\)/);
    expect(classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind).toBe('refused');
    expect(classifyFailure(Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).kind).toBe('tls');
    expect(classifyFailure(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).kind).toBe('tls');
    expect(classifyFailure(new Error('connack timeout')).kind).toBe('timeout');
  });

  it('tells a refused client certificate from a broker certificate that does not verify', () => {
    const alert = (code: string, reason: string) =>
      Object.assign(new Error(`80AC64F7257F0000:error:0A00045C:SSL routines:ssl3_read_bytes:${reason}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n`), { code });
    const required = classifyFailure(alert('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'));
    expect(required).toMatchObject({ kind: 'tls' });
    expect(required.message).toBe('TLS: HQ broker refused our client certificate (tlsv13 alert certificate required); check sync.push.certFile and keyFile, and that HQ trusts their CA');
    expect(classifyFailure(alert('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca')).message).toMatch(/refused our client certificate \(tlsv1 alert unknown ca\)/);
    expect(classifyFailure(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' })).message).toBe(
      "TLS: HQ broker's certificate does not verify (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain)",
    );
  });

  it('hints at TLS when a plaintext URL is reset before CONNACK, and only then', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyFailure(reset, new Date(), { url: 'mqtt://hq:8883', connected: false }).message).toMatch(/before CONNACK .*use an mqtts:\/\/ URL/);
    expect(classifyFailure(reset, new Date(), { url: 'mqtt://hq:1883', connected: true }).message).toBe('HQ broker unreachable (ECONNRESET)');
    expect(classifyFailure(reset, new Date(), { url: 'mqtts://hq:8883', connected: false }).message).toBe('HQ broker unreachable (ECONNRESET)');
  });
});

describe('sync config', () => {
  const base = { sync: { push: { url: 'mqtts://hq.inegol.bel.tr:8883' } } };
  it('takes a push section with defaults and rejects cross-field mistakes', () => {
    const ok = parseConfig(JSON.stringify(base), null);
    expect(ok.ok && ok.config.sync.push).toMatchObject({ topicPrefix: 'inegol/vim', keepaliveS: 60, batchRecords: 500, batchBytes: 65_536, window: 2 });
    const bad = parseConfig(JSON.stringify({ sync: { push: { url: 'http://x', certFile: 'c.pem' }, pull: { consumers: [{ name: 'hq', tokenSha256: 'a'.repeat(64) }, { name: 'hq', tokenSha256: 'b'.repeat(64) }] } } }), null);
    expect(bad.ok).toBe(false);
    const paths = bad.ok ? [] : bad.errors.map((e) => e.path);
    expect(paths).toContain('sync.push.url');
    const cross = parseConfig(JSON.stringify({ sync: { push: { url: 'mqtt://x:1883', certFile: 'c.pem', password: 'p' }, pull: { consumers: [{ name: 'hq', tokenSha256: 'a'.repeat(64) }, { name: 'hq', tokenSha256: 'b'.repeat(64) }] } } }), null);
    expect(cross.ok ? [] : cross.errors.map((e) => e.path)).toEqual(['sync.push.certFile', 'sync.push.password', 'sync.pull.consumers[1].name']);
  });
});

// The pure pieces of the control API and the vimgw CLI: the AT passthrough guard,
// ages and tables, --since parsing, the Pi's throttling flags, Wi-Fi clients from
// the ARP table, journal lines made readable.
import { describe, expect, it } from 'vitest';
import { checkAtCommand } from '../../firmware-ts/src/control/at-guard.js';
import { parseThrottled } from '../../firmware-ts/src/control/system.js';
import { parseSince } from '../../firmware-ts/src/cli/export.js';
import { arpClients } from '../../firmware-ts/src/cli/diag.js';
import { prettyLine } from '../../firmware-ts/src/cli/logs.js';
import { age, bytes, table } from '../../firmware-ts/src/cli/table.js';
import { groupId } from '../../firmware-ts/src/control/unix-socket.js';

describe('the AT passthrough guard', () => {
  const ok = (c: string) => checkAtCommand(c, false).ok;
  it('lets reads, tests and harmless commands through', () => {
    for (const c of ['AT', 'AT+CSQ', 'at+creg?', 'AT+CFUN?', 'AT+CFUN=?', 'AT+QCFG=?', 'ATI', 'ATE0', 'AT+COPS?', 'AT+QENG="servingcell"', 'AT+CMGL="ALL"']) expect(ok(c), c).toBe(true);
  });
  it('refuses what turns the radio off, writes NVRAM or breaks the driver, unless forced', () => {
    for (const c of ['AT+CFUN=0', 'AT+CFUN=1,1', 'at + cfun = 4', 'AT&W', 'ATE1&W', 'AT&F', 'ATZ', 'ATV0', 'ATQ1', 'AT+QCFG="nwscanmode",3', 'AT+CPOF', 'AT+QPOWD=1', 'AT+IPR=9600', 'AT+CMGF=0', 'AT+CGDCONT=1,"IP","internet"', 'AT+CSQ;+CFUN=0']) {
      const r = checkAtCommand(c, false);
      expect(r.ok, c).toBe(false);
      expect(r.ok ? '' : r.code, c).toBe('DANGEROUS_AT');
      expect(checkAtCommand(c, true).ok, c).toBe(true);
    }
  });
  it('keeps ; inside quotes apart from a command separator', () => {
    expect(ok('AT+CMGS="+90;532"')).toBe(true);
  });
  it('refuses newlines, control characters, non-AT text and over 512 bytes even when forced', () => {
    for (const c of ['AT+CSQ\r\nAT+CFUN=0', 'AT+CSQ\n', 'AT+CMGS="1"\x1a', 'ls -l', '', `AT${'X'.repeat(511)}`, 'AT+COPS="unbalanced']) {
      const r = checkAtCommand(c, true);
      expect(r.ok, JSON.stringify(c)).toBe(false);
      expect(r.ok ? '' : r.code).toBe('BAD_AT');
    }
    expect(checkAtCommand(`AT${'X'.repeat(510)}`, true).ok).toBe(true);
    expect(checkAtCommand(42, false).ok).toBe(false);
  });
});

describe('CLI formatting', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it('shows ages as a crew reads them', () => {
    expect(age('2026-11-29T11:59:48Z', now)).toBe('12 s ago');
    expect(age('2026-11-29T11:55:00Z', now)).toBe('5 min ago');
    expect(age('2026-11-29T09:00:00Z', now)).toBe('3 h ago');
    expect(age('2026-11-26T12:00:00Z', now)).toBe('3 d ago');
    expect(age('2026-11-29T12:00:04Z', now)).toBe('in 4 s');
    expect(age(null, now)).toBe('-');
  });
  it('aligns columns by visible width, colour codes and Turkish letters included', () => {
    // eslint-disable-next-line no-control-regex
    expect(table([['\x1b[32mok\x1b[0m', 'x'], ['İstihdam', 'y']], ['A', 'B']).replace(/\x1b\[[0-9;]*m/g, '')).toBe('A         B\nok        x\nİstihdam  y\n');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(12)).toBe('12 B');
  });
});

describe('export --since', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it('takes a day in Istanbul time, an ISO time, or a span back from now', () => {
    expect(parseSince('2026-11-29', now).toISOString()).toBe('2026-11-28T21:00:00.000Z');
    expect(parseSince('2026-11-29T10:00:00Z', now).toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(parseSince('12h', now).toISOString()).toBe('2026-11-29T00:00:00.000Z');
    for (const bad of [undefined, 'yesterday', '2026-13-45', '29.11.2026']) expect(() => parseSince(bad, now), String(bad)).toThrow();
  });
});

describe('system facts', () => {
  it("reads the Pi firmware's throttling flags", () => {
    expect(parseThrottled('throttled=0x50005')).toEqual({ raw: '0x50005', now: ['under-voltage', 'throttled'], sinceBoot: ['under-voltage', 'throttled'] });
    expect(parseThrottled('0')).toEqual({ raw: '0x0', now: [], sinceBoot: [] });
    expect(parseThrottled('garbage')).toBeNull();
  });
  it('counts hotspot clients from complete ARP entries on Wi-Fi interfaces', () => {
    const arp = `IP address       HW type     Flags       HW address            Mask     Device
10.42.0.23       0x1         0x2         aa:bb:cc:dd:ee:01     *        wlan0
10.42.0.24       0x1         0x0         00:00:00:00:00:00     *        wlan0
192.168.50.20    0x1         0x2         aa:bb:cc:dd:ee:02     *        eth0`;
    expect(arpClients(new Set(['wlan0']), arp)).toEqual([{ iface: 'wlan0', ip: '10.42.0.23', mac: 'aa:bb:cc:dd:ee:01' }]);
  });
  it('finds a group id in /etc/group', () => {
    expect(groupId('root')).toBe(0);
    expect(groupId('no-such-group-here')).toBeNull();
  });
});

describe('vimgw logs', () => {
  const line = (o: object) => ({ MESSAGE: JSON.stringify(o) });
  it('makes pino lines readable and filters by part', () => {
    const e = line({ level: 'warn', time: '2026-11-29T10:00:00.000Z', pid: 1, part: 'modem', msg: 'recovery step', step: 'probe' });
    expect(prettyLine(e, undefined, false)).toBe('2026-11-29T10:00:00.000Z WARN  [modem] recovery step  step=probe');
    expect(prettyLine(e, 'gnss', false)).toBeNull();
    expect(prettyLine(e, 'modem', true)).toBe(e.MESSAGE);
    expect(prettyLine({ MESSAGE: 'plain text', __REALTIME_TIMESTAMP: '1795910400000000' }, undefined, false)).toMatch(/Z plain text$/);
  });
});

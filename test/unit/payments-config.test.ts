// The payments config section (defaults, cross-field errors as path-prefixed config
// errors) and the supervisor flag in the broker's users file: staff only, re-adding a
// user keeps it, and the Authenticator answers from the current file.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addUser, Authenticator, parseCredentials, readCredentials } from '../../firmware-ts/src/broker/credentials.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

function errorsOf(doc: unknown): string[] {
  const r = parseConfig(JSON.stringify(doc), null);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('payments config', () => {
  it('has working defaults', () => {
    const r = parseConfig('{}', null);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.payments).toMatchObject({ enabled: true, municipality: 'İnegöl Belediyesi', receiptSeries: 'MT', maxAmountKurus: 5_000_000, settleTimeoutS: 60 });
    expect(r.config.payments.revenueTypes.map((t) => t.code)).toContain('EMLAK');
  });

  it('refuses a float limit, a bad series and an unknown field', () => {
    expect(errorsOf({ payments: { maxAmountKurus: 100.5 } })).toEqual(['payments.maxAmountKurus: must be integer']);
    expect(errorsOf({ payments: { receiptSeries: 'mt-1' } })[0]).toMatch(/^payments\.receiptSeries: must match/);
    expect(errorsOf({ payments: { maxAmount: 1 } })).toEqual(['payments.maxAmount: is not a known field']);
  });

  it('checks the cross-field rules', () => {
    expect(errorsOf({ payments: { revenueTypes: [{ code: 'SU', name: 'Su' }, { code: 'SU', name: 'Su 2' }] } })).toEqual(['payments.revenueTypes[1].code: "SU" is used twice']);
    expect(errorsOf({ payments: { receiptPrinter: 'kasa' } })).toEqual(['payments.receiptPrinter: "kasa" is not one of devices.printers[].name']);
    expect(errorsOf({ devices: { terminal: { port: 'sim://terminal', maxAmountKurus: 1000 } }, payments: { maxAmountKurus: 1001 } })).toEqual([
      'payments.maxAmountKurus: 1001 is more than the terminal accepts (devices.terminal.maxAmountKurus 1000)',
    ]);
  });
});

describe('supervisor flag (users file)', () => {
  it('is set by addUser, kept when the user is re-added, and only counts for staff', async () => {
    const file = join(tempDir(), 'users.json');
    await addUser(file, 'sef', 'staff', 'sef-parola-1', { supervisor: true });
    await addUser(file, 'ayse', 'staff', 'ayse-parola-1');
    await addUser(file, 'bakim', 'maintenance', 'bakim-parola-1', { supervisor: true });
    await addUser(file, 'sef', 'staff', 'yeni-parola-1'); // a password change keeps the flag
    const creds = readCredentials(file);
    expect(creds.users.find((u) => u.username === 'sef')?.supervisor).toBe(true);
    expect(creds.users.find((u) => u.username === 'ayse')?.supervisor).toBeUndefined();
    const auth = new Authenticator();
    auth.load(creds);
    expect(['sef', 'ayse', 'bakim', 'nobody'].map((u) => auth.isSupervisor(u))).toEqual([true, false, false, false]);
    await addUser(file, 'sef', 'staff', 'yeni-parola-1', { supervisor: false });
    auth.load(readCredentials(file));
    expect(auth.isSupervisor('sef')).toBe(false);
  });

  it('refuses a supervisor value that is not a boolean', () => {
    const file = join(tempDir(), 'users.json');
    const bad = { version: 1, users: [{ username: 'sef', role: 'staff', hash: 'scrypt$16384$8$1$AAAA$BBBB', supervisor: 'yes' }] };
    expect(() => parseCredentials(JSON.stringify(bad), file)).toThrow(/supervisor: must be boolean/);
  });
});

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeSettings, SettingsError } from '../../firmware-ts/src/store/settings.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

describe('runtime settings (lowdb)', () => {
  it('starts from defaults and persists valid changes as readable JSON', async () => {
    const file = join(tempDir(), 'settings.json');
    const s = new RuntimeSettings(file, silent);
    await s.start();
    expect(s.get()).toEqual({ version: 1, counters: {}, servicesOpenToday: [], stopPlan: [] });
    await s.update((d) => {
      d.counters['1'] = 'Masa 1 — İstihdam';
      d.servicesOpenToday = ['A', 'C'];
      d.stopPlan.push({ name: 'Cuma namazı sonrası', neighbourhood: 'Hamidiye', from: '13:30', to: '15:00' });
    });
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(onDisk).toMatchObject({ counters: { '1': 'Masa 1 — İstihdam' }, servicesOpenToday: ['A', 'C'] });
    const again = new RuntimeSettings(file, silent);
    await again.start();
    expect(again.get().stopPlan[0]!.neighbourhood).toBe('Hamidiye');
  });

  it('refuses an invalid change with the field named and leaves the file as it was', async () => {
    const file = join(tempDir(), 'settings.json');
    const s = new RuntimeSettings(file, silent);
    await s.start();
    const before = readFileSync(file, 'utf8');
    const err = await s.update((d) => d.stopPlan.push({ name: 'x', from: '25:00', to: '10:00' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as Error).message).toContain('stopPlan[0].from: must match');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(s.get().stopPlan).toEqual([]);
  });

  it('sets a broken file aside for the crew and starts from defaults, degraded', async () => {
    const dir = tempDir();
    const file = join(dir, 'settings.json');
    writeFileSync(file, '{"version":1,"counters":{"1":""}}');
    const s = new RuntimeSettings(file, silent);
    await s.start();
    expect(s.health().state).toBe('degraded');
    expect(s.health().detail).toContain('counters[1]: must NOT have fewer than 1 characters');
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.bad-'))).toBe(true);
    expect(existsSync(file)).toBe(true);
    expect(s.get().counters).toEqual({});
  });
});

// devices/udev/99-vim-gateway.rules: every serial rule keeps ModemManager away and
// gives group-only access, every stable name the Pi config uses has a rule, and the
// expected models are covered (issue 9).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const rules = readFileSync('devices/udev/99-vim-gateway.rules', 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'));

describe('udev rules', () => {
  it('name every device the Pi config opens', () => {
    const pi = readFileSync('config/pi.example.json', 'utf8');
    for (const name of [...pi.matchAll(/\/dev\/(vim-[a-z]+)/g)].map((m) => m[1])) expect(rules.some((r) => r.includes(`SYMLINK+="${name}"`)), name).toBe(true);
    for (const name of ['vim-gnss', 'vim-modem', 'vim-display', 'vim-terminal', 'vim-printer']) expect(rules.some((r) => r.includes(`SYMLINK+="${name}"`)), name).toBe(true);
  });

  it('keep ModemManager off every serial rule that grants access, with mode 0660', () => {
    for (const r of rules.filter((l) => l.includes('SUBSYSTEM=="tty"') && l.includes('GROUP='))) {
      expect(r, r).toContain('ENV{ID_MM_DEVICE_IGNORE}="1"');
      expect(r, r).toContain('MODE="0660"');
      expect(r, r).toContain('GROUP="dialout"');
    }
    for (const r of rules.filter((l) => l.includes('usbmisc'))) expect(r).toContain('GROUP="lp"');
  });

  it('cover u-blox, Quectel EC25, SIMCom SIM7600, FTDI, CH340, CP210x and ESC/POS printers', () => {
    const text = rules.join('\n');
    for (const id of ['"1546"', '"2c7c"', '"1e0e"', '"0403"', '"1a86"', '"10c4"', '04b8']) expect(text, id).toContain(id);
  });
});

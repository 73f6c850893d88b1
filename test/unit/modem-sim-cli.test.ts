// The modem simulator's command line: --model picks the module it plays, and a bad
// argument is a usage error naming it (exit 64 in devices/shared/cli.ts).
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../devices/modem-sim/cli.js';
import { execute, defaultSettings, DEFAULT_STATE, SIM7600_STATE } from '../../devices/modem-sim/commands.js';

describe('modem-sim CLI', () => {
  it('plays an EC25 by default and a SIM7600 with --model sim7600', () => {
    expect(parseCli(['--pty', '/tmp/m'])!.state).not.toHaveProperty('family');
    expect(parseCli(['--pty', '/tmp/m', '--model', 'sim7600', '--csq', '9'])!.state).toMatchObject({ family: 'simcom', model: 'SIMCOM_SIM7600E-H', csq: 9 });
    expect(() => parseCli(['--pty', '/tmp/m', '--model', 'sim800'])).toThrow(/^--model: /);
  });
});

describe('SIM7600 commands', () => {
  const run = (line: string) => execute(line, { ...SIM7600_STATE }, { ...defaultSettings(), searching: false });
  it('answers +CICCID and +CPSI? and refuses Quectel commands', () => {
    expect(run('AT+CICCID')).toEqual({ kind: 'reply', lines: ['+ICCID: 89900112345678901234'], final: 'OK' });
    const cpsi = run('AT+CPSI?');
    expect(cpsi.kind === 'reply' && cpsi.lines[0]).toBe('+CPSI: LTE,Online,286-01,0x2F1A,27440068,123,EUTRAN-BAND3,1300,5,5,-100,-920,-650,17');
    expect(run('AT+QCCID')).toMatchObject({ final: 'ERROR' });
    expect(run('AT+QCSQ')).toMatchObject({ final: 'ERROR' });
    // The EC25 is unchanged: no +CICCID there.
    expect(execute('AT+CICCID', { ...DEFAULT_STATE }, defaultSettings())).toMatchObject({ final: 'ERROR' });
  });
});

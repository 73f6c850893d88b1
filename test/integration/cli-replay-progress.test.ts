// `vimgw gnss replay FILE` as a crew runs it (the built CLI): on a terminal (a socat pty) a
// progress bar redrawn in place on stderr that steps aside for the fix lines; into a pipe
// no escape codes at all, and stdout exactly one line per fix.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayNmea } from '../../firmware-ts/src/cli/gnss-replay.js';
import { CLI } from '../helpers/vimgw-cli.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const ESC = '\u001b';
const FIXTURE = fileURLToPath(new URL('../fixtures/nmea-gpsd/bu353s4.log', import.meta.url));
let big: string;
let expectedFixes: number;

beforeAll(() => {
  // About 12 MB: enough chunks (256 KiB each) for several redraws.
  const one = readFileSync(FIXTURE);
  const bytes = Buffer.concat(Array.from({ length: 2000 }, () => one));
  big = join(tempDir('vimgw-replay-'), 'day.nmea');
  writeFileSync(big, bytes);
  expectedFixes = replayNmea(bytes).fixes.length;
});
afterAll(cleanupTempDirs);

/** Runs the CLI on a pty (stdout and stderr both the terminal), raw so nothing is translated. */
function onPty(args: string[]): Promise<{ code: number; text: string }> {
  const cmd = [process.execPath, CLI, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-u', `EXEC:${cmd},pty,stderr,raw,echo=0`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, text }));
  });
}

describe('vimgw gnss replay progress', { timeout: 300_000 }, () => {
  it('draws a bar on a terminal, clears it for the fixes, and ends with the summary', async () => {
    const r = await onPty(['gnss', 'replay', big]);
    expect(r.code).toBe(0);
    const bars = [...r.text.matchAll(new RegExp(`\\rreplaying \\S+day\\.nmea \\[([#.]{30})\\] ([\\d.]+ [KM]iB) of ([\\d.]+) MiB \\((\\d+) %\\)${ESC}\\[K`, 'g'))];
    expect(bars.length).toBeGreaterThanOrEqual(2);
    const pcts = bars.map((b) => Number(b[4]));
    expect(pcts[0]).toBeLessThan(100);
    expect(pcts[pcts.length - 1]).toBe(100);
    expect([...pcts].sort((a, b) => a - b)).toEqual(pcts);
    // Every fix line starts on a clean line: the bar was taken off (\r ESC[K) before it.
    const plain = r.text.replace(new RegExp(`\\rreplaying [^\\r]*${ESC}\\[K`, 'g'), '').replaceAll(`\r${ESC}[K`, '');
    const lines = plain.split('\n').filter((l) => l !== '');
    expect(lines.at(-1)).toMatch(new RegExp(`^${expectedFixes} fixes; sentences: \\d+ framed, 0 dropped`));
    expect(lines.slice(0, -1)).toHaveLength(expectedFixes);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z +(3D|2D|no fix) /);
  });

  it('into a pipe: stdout one fix per line, stderr only the summary (no bar, no escape codes)', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'gnss', 'replay', big, '--json'], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(expectedFixes);
    for (const l of lines) expect(Object.keys(JSON.parse(l) as object)).toContain('lat');
    expect(r.stderr.includes(ESC) || r.stderr.includes('\r')).toBe(false);
    // Periodic plain lines only when the replay took longer than their interval (5 s).
    expect(r.stderr).toMatch(new RegExp(`^(replaying \\S+day\\.nmea: [\\d.]+ [KM]iB of [\\d.]+ MiB \\(\\d+ %\\)\\n)*${expectedFixes} fixes; `));
  });
});

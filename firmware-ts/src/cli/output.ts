// CLI output conventions (DESIGN.md "Diagnostics"): English, colour only on a TTY,
// --json for scripts, and exit codes that tell healthy, degraded or failed.
//
// Health verdicts (status, diag, devices, selftest, modem status ...) exit
// 0 healthy, 1 degraded, 2 failed (HEALTH_EXIT). An action that did not do its
// job (a refused tablet command, a file that cannot be read) exits 1, `failed`
// below: worth a look, like a degraded check. 3: the daemon or its broker did not
// answer (worth retrying). 64: usage error. 78: invalid config.
import type { HealthState } from '../lifecycle.js';

export const EXIT = { ok: 0, failed: 1, degraded: 1, unreachable: 3, usage: 64, config: 78 } as const;

export const HEALTH_EXIT: Record<HealthState, number> = { ok: 0, absent: 0, degraded: 1, failed: 2 };

export class UsageError extends Error {}

const tty = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const color = {
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  bold: paint('1'),
  dim: paint('2'),
};

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

// CLI output conventions (DESIGN.md "Diagnostics"): English, colour only on a TTY,
// --json for scripts, and exit codes that tell healthy, degraded or failed.
// unreachable: the broker (or the gateway behind it) did not answer in time; worth retrying, unlike failed.
export const EXIT = { ok: 0, failed: 1, degraded: 2, unreachable: 3, usage: 64, config: 78 } as const;

export class UsageError extends Error {}

const tty = process.stdout.isTTY === true && !process.env.NO_COLOR;
export const color = {
  red: (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s),
  green: (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s),
  yellow: (s: string) => (tty ? `\x1b[33m${s}\x1b[0m` : s),
  bold: (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s),
};

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

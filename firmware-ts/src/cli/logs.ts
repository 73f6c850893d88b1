// `vimgw logs [--part gnss] [-f] [-n N] [--since T]`: journalctl for the gateway's
// unit, with pino's JSON lines made readable (or passed through with --json).
// --part filters on pino's `part` field (each part logs through a child logger).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CliContext } from './context.js';
import { color, EXIT, UsageError } from './output.js';

export const UNIT = 'vim-gateway.service';
const LEVEL: Record<string, (s: string) => string> = { fatal: color.red, error: color.red, warn: color.yellow, info: (s) => s, debug: color.dim, trace: color.dim };
/** Fields every line has, or that the pretty line shows already. */
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'part', 'msg']);

/** One journal entry (journalctl -o json) as a readable line, or null when another part's. */
export function prettyLine(entry: { MESSAGE?: unknown; __REALTIME_TIMESTAMP?: string }, part: string | undefined, json: boolean): string | null {
  const msg = typeof entry.MESSAGE === 'string' ? entry.MESSAGE : Array.isArray(entry.MESSAGE) ? Buffer.from(entry.MESSAGE as number[]).toString('utf8') : '';
  let rec: Record<string, unknown> | null = null;
  try {
    const v: unknown = JSON.parse(msg);
    if (typeof v === 'object' && v !== null) rec = v as Record<string, unknown>;
  } catch {
    /* not pino: a start-up line from node or systemd */
  }
  if (part !== undefined && rec?.part !== part) return null;
  if (json) return msg;
  if (!rec) {
    const t = entry.__REALTIME_TIMESTAMP ? new Date(Number(entry.__REALTIME_TIMESTAMP) / 1000).toISOString() : '';
    return `${t} ${msg}`;
  }
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const level = str(rec.level) || 'info';
  const extra = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const paint = LEVEL[level] ?? ((s: string) => s);
  return `${str(rec.time)} ${paint(level.toUpperCase().padEnd(5))} ${rec.part ? `[${str(rec.part)}] ` : ''}${str(rec.msg)}${extra ? `  ${color.dim(extra)}` : ''}`;
}

export function logsArgs(ctx: CliContext): string[] {
  const n = ctx.values.lines ?? '200';
  if (!/^\d{1,7}$/.test(n)) throw new UsageError('--lines: must be a whole number');
  if (ctx.values.part !== undefined && !/^[a-z][a-z0-9-]{0,31}$/.test(ctx.values.part)) throw new UsageError('--part: a part name such as gnss, modem, broker, store');
  return ['-u', UNIT, '-o', 'json', '--no-pager', '-n', n, ...(ctx.values.follow ? ['-f'] : []), ...(ctx.values.since ? ['--since', ctx.values.since] : [])];
}

export function logsCommand(ctx: CliContext): Promise<number> {
  const args = logsArgs(ctx);
  return new Promise((resolve) => {
    const child = spawn(process.env.VIMGW_JOURNALCTL ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', (e: NodeJS.ErrnoException) => {
      process.stderr.write(e.code === 'ENOENT' ? 'journalctl not found: this machine has no systemd journal; the gateway logs to its stdout\n' : `journalctl: ${e.message}\n`);
      resolve(EXIT.failed);
    });
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (l) => {
      let entry: { MESSAGE?: unknown };
      try {
        entry = JSON.parse(l) as { MESSAGE?: unknown };
      } catch {
        return;
      }
      const out = prettyLine(entry, ctx.values.part, ctx.values.json);
      if (out !== null) process.stdout.write(`${out}\n`);
    });
    // Ctrl-C during -f ends journalctl too (same process group); exit quietly.
    process.once('SIGINT', () => child.kill('SIGINT'));
    child.once('close', (code) => resolve(code === 0 || code === null ? EXIT.ok : EXIT.failed));
  });
}

// `vimgw export --since DATE > FILE`: the sneakernet bundle (control/export.ts) for
// when the modem is dead. The bytes go to stdout unchanged; a progress line goes to
// stderr; a bundle without its end line (the gateway stopped half-way) is an error.
import { createInterface } from 'node:readline';
import type { ExportEnd, ExportHeader } from '../control/export.js';
import type { CliContext } from './context.js';
import { ControlReplyError, DaemonUnreachable } from './control-client.js';
import { color, EXIT, UsageError } from './output.js';
import { Progress } from './progress.js';

/** YYYY-MM-DD is a service day in Istanbul (UTC+3 all year); an ISO time as given; 7d / 12h back from now. */
export function parseSince(v: string | undefined, now = Date.now()): Date {
  if (v === undefined) throw new UsageError('export: --since DATE is required, e.g. --since 2025-03-01 (a day in Istanbul time), --since 7d');
  const rel = /^(\d{1,4})([dh])$/.exec(v);
  if (rel) return new Date(now - Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000));
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+03:00` : v;
  const d = new Date(day);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw new UsageError(`--since: "${v}" is not a date (YYYY-MM-DD, an ISO time, or 7d / 12h)`);
  return d;
}

export async function exportCommand(ctx: CliContext): Promise<number> {
  const since = parseSince(ctx.values.since);
  if (process.stdout.isTTY) throw new UsageError('export writes the bundle to stdout; redirect it to a file: vimgw export --since 2025-03-01 > /media/usb/vim-export.ndjson');
  let res;
  try {
    if (ctx.values.offline) throw new DaemonUnreachable(ctx.client().socket, '--offline');
    res = await ctx.client().open('GET', `/v1/export?since=${encodeURIComponent(since.toISOString())}`);
  } catch (e) {
    if (!(e instanceof DaemonUnreachable)) throw e;
    // A van whose gateway will not start still has its journal: read it directly.
    const progress = new Progress('exporting (journal file)', { unit: ' lines' });
    if (!ctx.values.offline) process.stderr.write(`${e.message}\nreading the journal file directly instead\n`);
    const r = await (await import('./export-offline.js')).exportOffline(ctx.values.config, since, (n) => progress.update(n, null));
    progress.done();
    if (r.code === EXIT.ok) process.stderr.write(`${r.records} records since ${since.toISOString()} exported from ${r.file}\n`);
    return r.code;
  }
  if ((res.statusCode ?? 500) >= 400) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const err = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code: string; message: string } }).error;
    throw new ControlReplyError(res.statusCode ?? 500, err?.code ?? 'ERROR', err?.message ?? `HTTP ${res.statusCode}`);
  }
  const progress = new Progress('exporting', { unit: ' records' });
  let header: ExportHeader | null = null;
  let end: ExportEnd | null = null;
  let records = 0;
  const out = process.stdout;
  for await (const line of createInterface({ input: res, crlfDelay: Infinity })) {
    if (!out.write(`${line}\n`)) await new Promise((r) => out.once('drain', r));
    if (header === null) {
      header = JSON.parse(line) as ExportHeader;
      continue;
    }
    if (line.startsWith('{"format"')) {
      end = JSON.parse(line) as ExportEnd;
      continue;
    }
    records++;
    if (records % 200 === 0) progress.update(records, header.fromSeq === null ? null : header.toSeq - header.fromSeq + 1);
  }
  progress.done();
  if (!end) {
    process.stderr.write(`${color.red('incomplete')}: the export stopped after ${records} records (the gateway stopped or the connection broke); run it again\n`);
    return EXIT.failed;
  }
  process.stderr.write(`${end.records} records since ${since.toISOString()} exported${end.lastSeq === null ? '' : ` (seq ${header?.fromSeq}..${end.lastSeq})`}\n`);
  return EXIT.ok;
}

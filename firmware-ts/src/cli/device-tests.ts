// `vimgw print test [PRINTER]`, `display test`, `chime`, `terminal status`: the
// output devices tested through the running gateway's drivers.
import type { Health } from '../lifecycle.js';
import type { PrinterStatus } from '../drivers/printer/status.js';
import type { TerminalState } from '../drivers/terminal/options.js';
import type { CliContext } from './context.js';
import { color, EXIT, HEALTH_EXIT, printJson, UsageError } from './output.js';
import { age, stateWord, table } from './table.js';

const PRINTER_EXIT: Record<string, number> = { ready: 0, 'paper-near-end': 1, unknown: 1 };

export async function printTest(ctx: CliContext): Promise<number> {
  if (ctx.args.length > 1) throw new UsageError('print test: at most one PRINTER name');
  const r = await ctx.client().call<{ printer: string; job: string; status: PrinterStatus }>('POST', '/v1/print/test', ctx.args[0] === undefined ? {} : { printer: ctx.args[0] });
  if (ctx.values.json) printJson(r);
  else {
    const ready = r.status.state === 'ready';
    process.stdout.write(`test page queued on ${r.printer} (job ${r.job})\nprinter: ${ready ? color.green(r.status.state) : color.yellow(r.status.state)}: ${r.status.detail}; ${r.status.pendingJobs} jobs waiting\n`);
  }
  return PRINTER_EXIT[r.status.state] ?? 2;
}

export async function displayTest(ctx: CliContext): Promise<number> {
  const r = await ctx.client().call<{ synced: boolean; holdMs: number; health: Health }>('POST', '/v1/display/test', {}, 30_000);
  if (ctx.values.json) printJson(r);
  else if (r.synced) process.stdout.write(`${color.green('ok')}: the board shows the test pattern (rows T001.., scroll line) for ${r.holdMs / 1000} s, then the queue again\n`);
  else process.stdout.write(`${color.red('not confirmed')}: the board did not acknowledge the test pattern: ${r.health.detail}\n`);
  return r.synced ? EXIT.ok : HEALTH_EXIT[r.health.state] || EXIT.failed;
}

export async function chime(ctx: CliContext): Promise<number> {
  const r = await ctx.client().call<{ ms: number }>('POST', '/v1/chime');
  if (ctx.values.json) printJson(r);
  else process.stdout.write(`${color.green('ok')}: chime pulsed (${r.ms} ms)\n`);
  return EXIT.ok;
}

export async function terminalStatus(ctx: CliContext): Promise<number> {
  const r = await ctx.client().call<{ health: Health; state: TerminalState; enquiry: unknown }>('GET', '/v1/terminal', undefined, 60_000);
  if (ctx.values.json) printJson(r);
  else {
    const s = r.state;
    const rows = [
      ['state', `${stateWord(r.health.state)}: ${r.health.detail} (since ${age(r.health.since)})`],
      ['port', `${s.port} (${s.framing}), ${s.connected ? 'connected' : color.red('not connected')}, ${s.registered ? 'registered' : 'not registered'}`],
      ['terminal', `id ${s.terminalId ?? '-'}, software ${s.softwareVersion ?? '-'}`],
      ['status', s.terminalStatus ? `${s.terminalStatus.code}: ${s.terminalStatus.text} (${age(s.terminalStatus.at)})` : '-'],
      ['busy', s.busy ?? 'no'],
      ['last fault', s.lastFault ? `${s.lastFault.what} (${age(s.lastFault.at)})` : 'none'],
      ['last result', s.lastResult ? JSON.stringify(s.lastResult) : '-'],
    ];
    process.stdout.write(table(rows.map(([k, v]) => [color.bold(k ?? ''), v ?? ''])));
  }
  return HEALTH_EXIT[r.health.state];
}

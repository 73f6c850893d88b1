// `vimgw modem status|at|sms-test`: the modem as the driver sees it, a raw AT
// command queued behind the driver's own (refused locally when it is dangerous, so a
// slip costs nothing), and a test SMS in Turkish (UCS2).
import { checkAtCommand } from '../control/at-guard.js';
import type { ModemState } from '../drivers/modem/state.js';
import type { Health } from '../lifecycle.js';
import { seconds, type CliContext } from './context.js';
import { color, EXIT, HEALTH_EXIT, printJson, UsageError } from './output.js';
import { age, stateWord, table } from './table.js';

function reading<T>(r: { value: T; at: string } | null, show: (v: T) => string): string {
  return r === null ? '-' : `${show(r.value)}  ${color.dim(`(${age(r.at)})`)}`;
}

export function renderModem(h: Health, s: ModemState): string {
  const rows = [
    ['state', `${stateWord(h.state)}: ${h.detail} (since ${age(h.since)})`],
    ['port', `${s.port} ${s.connected ? 'open' : color.red('not open')}, ${s.responsive ? 'answering' : color.red('not answering')}, last poll ${age(s.lastPollAt)}`],
    ['module', reading(s.identity, (v) => [v.manufacturer, v.model, v.revision].filter(Boolean).join(' '))],
    ['imei', reading(s.imei, (v) => v)],
    ['sim', reading(s.sim, (v) => String(v))],
    ['iccid', reading(s.iccid, (v) => v)],
    ['registration', `${s.registration ?? '-'}`],
    ['operator', reading(s.operator, (v) => JSON.stringify(v))],
    ['signal', reading(s.signal, (v) => JSON.stringify(v))],
    ['lte', reading(s.lte, (v) => (v === null ? 'not on LTE' : JSON.stringify(v)))],
    ['recovery', `${s.recovery.running ? color.yellow(`running ${s.recovery.running}`) : 'idle'}${s.recovery.exhausted ? color.red(', ladder exhausted') : ''}; steps so far ${JSON.stringify(s.recovery.counts)}`],
  ];
  return table(rows.map(([k, v]) => [color.bold(k ?? ''), v ?? '']));
}

async function status(ctx: CliContext): Promise<number> {
  const r = await ctx.client().call<{ health: Health; state: ModemState }>('GET', '/v1/modem');
  if (ctx.values.json) printJson(r);
  else process.stdout.write(renderModem(r.health, r.state));
  return HEALTH_EXIT[r.health.state];
}

async function at(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1) throw new UsageError("modem at: exactly one command, quoted, e.g. vimgw modem at 'AT+CSQ'");
  const check = checkAtCommand(ctx.args[0], ctx.values.force);
  if (!check.ok) throw new UsageError(`modem at: ${check.message}`);
  const timeoutS = seconds(ctx.values.timeout, '--timeout');
  const r = await ctx.client().call<{ ok: boolean; lines: string[]; final: string; message?: string }>(
    'POST',
    '/v1/modem/at',
    { command: check.command, force: ctx.values.force, timeoutMs: Math.round(timeoutS * 1000) },
    timeoutS * 1000 + 5000,
  );
  if (ctx.values.json) printJson(r);
  else process.stdout.write(`${[...r.lines, r.ok ? color.green(r.final) : color.red(r.final)].join('\n')}\n`);
  return r.ok ? EXIT.ok : EXIT.failed;
}

async function smsTest(ctx: CliContext): Promise<number> {
  if (ctx.args.length !== 1) throw new UsageError('modem sms-test: NUMBER is required, e.g. vimgw modem sms-test +905321234567');
  const body = { number: ctx.args[0], ...(ctx.values.text === undefined ? {} : { text: ctx.values.text }) };
  // 27.005 lets the network take up to 120 s to accept a message.
  const r = await ctx.client().call<{ number: string; ref: number; encoding: string }>('POST', '/v1/modem/sms-test', body, 150_000);
  if (ctx.values.json) printJson(r);
  else process.stdout.write(`${color.green('sent')}: SMS to ${r.number}, message reference ${r.ref} (${r.encoding})\n`);
  return EXIT.ok;
}

export function modemCommand(ctx: CliContext, sub: string | undefined): Promise<number> {
  switch (sub) {
    case 'status':
    case undefined:
      return status(ctx);
    case 'at':
      return at(ctx);
    case 'sms-test':
      return smsTest(ctx);
    default:
      throw new UsageError(`modem: unknown sub-command "${sub}" (status, at, sms-test)`);
  }
}

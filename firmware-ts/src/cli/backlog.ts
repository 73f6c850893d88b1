// `vimgw queue`, `vimgw outbox`, `vimgw sync status|now`: the citizens' queue and
// what HQ does not have yet. `sync now` asks the sync part to try HQ at once and
// follows the backlog until it is empty, stops shrinking, or --wait runs out.
import type { OutboxView, SyncView } from '../control/outbox-view.js';
import type { QueueSnapshot } from '../services/queue/snapshot.js';
import { RECORD_CLASSES } from '../store/records.js';
import { seconds, type CliContext } from './context.js';
import { color, EXIT, HEALTH_EXIT, printJson, UsageError } from './output.js';
import { backlogLine, syncLine } from './status.js';
import { Progress } from './progress.js';
import { age, bytes, table } from './table.js';

export async function queueCommand(ctx: CliContext): Promise<number> {
  const q = await ctx.client().call<QueueSnapshot>('GET', '/v1/queue');
  if (ctx.values.json) {
    printJson(q);
    return EXIT.ok;
  }
  const mins = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms / 60_000)} min`);
  process.stdout.write(table(q.services.map((s) => [s.letter, s.name, s.open ? 'open' : color.dim('closed'), String(s.waiting), mins(s.estimatedWaitMs)]), ['SERVICE', 'NAME', 'STATE', 'WAITING', 'EST. WAIT']));
  process.stdout.write('\n');
  process.stdout.write(table(q.counters.map((c) => [String(c.number), c.name, c.open ? 'open' : color.dim('closed'), c.serving ?? '-', c.state ?? '-']), ['COUNTER', 'NAME', 'STATE', 'TICKET', 'PHASE']));
  process.stdout.write(`\naverage wait today: ${mins(q.averageWaitMs)}\n`);
  return EXIT.ok;
}

function outboxTable(o: OutboxView): string {
  const rows: string[][] = [];
  for (const c of o.consumers) {
    for (const cls of RECORD_CLASSES) {
      const b = c.classes[cls];
      rows.push([c.consumer, cls, String(b.count), bytes(b.bytes), age(b.oldest?.createdAt), String(o.held[cls]?.count ?? 0)]);
    }
  }
  return table(rows, ['CONSUMER', 'CLASS', 'WAITING', 'BYTES', 'OLDEST', 'HELD']) + `last seq ${o.lastSeq}\n`;
}

export async function outboxCommand(ctx: CliContext): Promise<number> {
  const o = await ctx.client().call<OutboxView>('GET', '/v1/outbox');
  if (ctx.values.json) printJson(o);
  else process.stdout.write(outboxTable(o));
  return EXIT.ok;
}

async function syncStatus(ctx: CliContext): Promise<number> {
  const r = await ctx.client().call<{ sync: SyncView; outbox: OutboxView }>('GET', '/v1/sync');
  if (ctx.values.json) printJson(r);
  else {
    process.stdout.write(`sync: ${syncLine(r)}\nbacklog: ${backlogLine(r)}\n`);
    if (r.sync.configured && r.sync.state !== null) process.stdout.write(syncStateLines(r.sync.state));
  }
  return r.sync.configured && r.sync.health ? HEALTH_EXIT[r.sync.health.state] : EXIT.ok;
}

/** The sync part's state document, its headline fields as lines (the full document is in --json). */
function syncStateLines(state: unknown): string {
  const s = state as Record<string, unknown>;
  const push = s.push as { phase?: string; broker?: string; link?: { up: boolean; via: string }; lastFailure?: { kind: string; message: string; at: string } | null; nextAttemptAt?: string | null } | null | undefined;
  const rows: [string, string][] = [
    ['connected', typeof s.connected === 'boolean' ? String(s.connected) : '-'],
    ['last success', age(s.lastSuccessAt as string | null)],
    ['sent today', bytes(s.bytesSentToday as number | undefined)],
    ['alarm', s.alarm ? JSON.stringify(s.alarm) : 'none'],
  ];
  if (push) {
    rows.push(['push', `${push.phase ?? '?'} to ${push.broker ?? '?'}; link ${push.link ? `${push.link.up ? 'up' : 'down'} (${push.link.via})` : '?'}`]);
    if (push.lastFailure) rows.push(['last failure', `${push.lastFailure.kind}: ${push.lastFailure.message} (${age(push.lastFailure.at)})`]);
    if (push.nextAttemptAt) rows.push(['next attempt', age(push.nextAttemptAt)]);
  } else rows.push(['push', 'off']);
  return table(rows.map(([k, v]) => [color.bold(k), v]));
}

const waiting = (o: OutboxView): number => o.hq.records;

async function syncNow(ctx: CliContext): Promise<number> {
  const waitS = seconds(ctx.values.wait ?? '60', '--wait');
  const first = await ctx.client().call<{ sync: SyncView; outbox: OutboxView }>('POST', '/v1/sync/now');
  const start = waiting(first.outbox);
  const progress = new Progress('sending to HQ', { unit: ' records' });
  let last = start;
  let lastChange = Date.now();
  const until = Date.now() + waitS * 1000;
  // Polled, not pushed: a crew on a poor link needs a few small answers, not a stream.
  while (last > 0 && Date.now() < until && Date.now() - lastChange < 15_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const o = await ctx.client().call<OutboxView>('GET', '/v1/outbox');
    const now = waiting(o);
    if (now !== last) lastChange = Date.now();
    last = now;
    progress.update(Math.max(0, start - now), start);
  }
  progress.done();
  const result = { requested: true, before: start, after: last, sent: Math.max(0, start - last), complete: last === 0 };
  if (ctx.values.json) printJson(result);
  else if (last === 0) process.stdout.write(`${color.green('done')}: HQ has everything (${result.sent} records sent)\n`);
  else process.stdout.write(`${color.yellow('not finished')}: ${last} records still waiting (${result.sent} sent); see vimgw sync status\n`);
  return last === 0 ? EXIT.ok : EXIT.degraded;
}

export function syncCommand(ctx: CliContext, sub: string | undefined): Promise<number> {
  if (sub === 'status' || sub === undefined) return syncStatus(ctx);
  if (sub === 'now') return syncNow(ctx);
  throw new UsageError(`sync: unknown sub-command "${sub}" (status, now)`);
}

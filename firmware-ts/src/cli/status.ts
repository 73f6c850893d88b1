// `vimgw status`: one screen a crew reads over a poor SSH link: the gateway, each
// part and device with its state, since when and why, the broker's clients, the
// store, what HQ does not have yet, the clock, the disk and the Pi's temperature.
import type { StatusModel } from '../control/model.js';
import type { CliContext } from './context.js';
import { color, HEALTH_EXIT, printJson } from './output.js';
import { age, bytes, duration, stateWord, table } from './table.js';

export function fetchStatus(ctx: CliContext): Promise<StatusModel> {
  return ctx.client().call<StatusModel>('GET', '/v1/status');
}

function partsTable(s: StatusModel): string {
  const deviceNames = new Set(s.devices.map((d) => d.name));
  const rows = Object.entries(s.parts)
    .filter(([name]) => !deviceNames.has(name))
    .map(([name, h]) => [name, stateWord(h.state), age(h.since), h.detail]);
  return table(rows, ['PART', 'STATE', 'SINCE', 'DETAIL']);
}

export function devicesTable(s: Pick<StatusModel, 'devices'>): string {
  if (s.devices.length === 0) return `${color.dim('no devices configured')}\n`;
  return table(
    s.devices.map((d) => [d.name, d.kind, stateWord(d.state), age(d.since), d.port ?? '-', d.detail]),
    ['DEVICE', 'KIND', 'STATE', 'SINCE', 'PORT', 'DETAIL'],
  );
}

export function backlogLine(s: Pick<StatusModel, 'outbox'>): string {
  const o = s.outbox;
  if (!o) return color.red('unknown (the journal is not open)');
  const hq = o.hq.records === 0 ? 'HQ has everything' : `${o.hq.records} records (${bytes(o.hq.bytes)}) HQ does not have, oldest ${age(o.hq.oldest)}`;
  const per = o.consumers.map((c) => `${c.consumer} ${c.records}`).join(', ');
  return `${hq} (waiting per consumer: ${per})`;
}

export function syncLine(s: Pick<StatusModel, 'sync'>): string {
  if (!s.sync.configured) return color.dim(s.sync.detail);
  const h = s.sync.health;
  return h ? `${stateWord(h.state)}, ${h.detail} (since ${age(h.since)})` : 'configured';
}

function facts(s: StatusModel): string {
  const sys = s.system;
  const disk = sys.disk ? `${sys.disk.path}: ${sys.disk.usedPct}% used, ${bytes(sys.disk.freeBytes)} free of ${bytes(sys.disk.totalBytes)}` : 'unknown';
  const diskWarn = sys.disk && sys.disk.usedPct >= 90 ? color.red(disk) : disk;
  const temp = sys.cpuTempC === null ? 'temperature unknown' : sys.cpuTempC >= 80 ? color.red(`${sys.cpuTempC} °C`) : `${sys.cpuTempC} °C`;
  const thr = sys.throttling;
  const throttle = thr === null ? 'throttling: not a Pi (no firmware flags)' : thr.now.length > 0 ? color.red(`THROTTLED NOW: ${thr.now.join(', ')}`) : thr.sinceBoot.length > 0 ? color.yellow(`not throttled now; since boot: ${thr.sinceBoot.join(', ')}`) : 'not throttled';
  const clock = s.clock.quality === 'unsynced' ? color.yellow('unsynced (no NTP, no GNSS time yet): records carry clock=unsynced') : s.clock.quality;
  const offset = s.clock.gnssOffsetMs === null ? '' : `, GNSS offset ${s.clock.gnssOffsetMs} ms`;
  const rows = [
    ['broker', `${s.broker.clients} clients on ${s.broker.endpoints.join(', ') || '(not listening)'}`],
    ['store', `${stateWord(s.store.state)}, last seq ${s.store.lastSeq ?? '-'}, ${s.store.file}`],
    ['backlog', backlogLine(s)],
    ['sync', syncLine(s)],
    ['clock', `${clock}${offset}`],
    ['disk', diskWarn],
    ['cpu', `${temp}, load ${sys.load.join(' ')}, ${throttle}`],
    ['memory', `gateway ${bytes(sys.memory.gatewayRssBytes)} RSS, system ${bytes(sys.memory.freeBytes)} free of ${bytes(sys.memory.totalBytes)}`],
  ];
  return table(rows.map(([k, v]) => [color.bold(k ?? ''), v ?? '']));
}

export function renderStatus(s: StatusModel): string {
  const up = duration((Date.parse(s.now) - Date.parse(s.startedAt)) / 1000);
  const head = `${color.bold(s.name)} (${s.vehicle})  gateway ${s.version}  ${stateWord(s.state)}  up ${up}, pid ${s.pid}\n`;
  return `${head}\n${partsTable(s)}\n${devicesTable(s)}\n${facts(s)}`;
}

export async function statusCommand(ctx: CliContext): Promise<number> {
  const s = await fetchStatus(ctx);
  if (ctx.values.json) printJson(s);
  else process.stdout.write(renderStatus(s));
  return HEALTH_EXIT[s.state];
}

export async function devicesCommand(ctx: CliContext): Promise<number> {
  const s = await fetchStatus(ctx);
  if (ctx.values.json) printJson(s.devices);
  else process.stdout.write(devicesTable(s));
  const worst = s.devices.reduce((w, d) => Math.max(w, HEALTH_EXIT[d.state]), 0);
  return worst;
}
